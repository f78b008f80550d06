"""Where the verifying chooser spends its time: the engine time of the reads of the page as scanned
(raw Tesseract's read) and of the second reads, per collection, with the CER of what ``ocr_page``
ships (no corrector), in one process, one page after another.

    .venv/bin/python bench/bench_reads.py [--collections german,...] [--limit N]
        [--whole-page-share 0.5] [--retry-below 80] [--risk 60,80]

Engine time is measured inside the process (the time each read takes), so it moves far less with
the machine's load than the wall time of ``bench_collections.py``; the two overrides try the
chooser's levers (``reread.WHOLE_PAGE_SHARE``: above which share of the page at risk the whole page
is read again instead of bands; ``process.RETRY_BELOW_CONFIDENCE``: below which mean confidence the
next preprocessing candidate is read too; ``verify.RISK_CONFIDENCE`` and ``RISK_UNKNOWN_CONFIDENCE``:
below which confidence a word, or an unknown word, puts its line at risk of a second read). Writes bench/results/bench_reads.md.
"""

from __future__ import annotations

import argparse
import functools
import time
from collections import defaultdict

from devcollections import COLLECTION_ORDER, collection_pages
from bench_collections import is_worse
from devset import pct, publish

from pipeline import process, verify  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.engine import engine_for  # noqa: E402
from pipeline.evaluate import score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.ingest import load_pages  # noqa: E402
from pipeline.options import OcrOptions, Options  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--collections", default="", help="comma-separated: " + ", ".join(COLLECTION_ORDER))
    parser.add_argument("--limit", type=int, help="at most N pages of each collection")
    parser.add_argument("--whole-page-share", type=float, help=f"instead of {process.WHOLE_PAGE_SHARE}")
    parser.add_argument("--retry-below", type=float, help=f"instead of {process.RETRY_BELOW_CONFIDENCE}")
    parser.add_argument("--risk", help=f"ANY,UNKNOWN: confidence bars of a line at risk, instead of "
                        f"{verify.RISK_CONFIDENCE:.0f},{verify.RISK_UNKNOWN_CONFIDENCE:.0f}")
    args = parser.parse_args()
    if args.whole_page_share is not None:
        process.WHOLE_PAGE_SHARE = args.whole_page_share
    if args.retry_below is not None:
        process.RETRY_BELOW_CONFIDENCE = args.retry_below
    if args.risk:
        bars = [float(x) for x in args.risk.split(",")]
        # (verify.lines_at_risk, which ocr_page calls, looks line_at_risk up in its module each time)
        verify.line_at_risk = functools.partial(verify.line_at_risk, min_confidence=bars[0], unknown_confidence=bars[1])
    pages = collection_pages(set(filter(None, args.collections.split(","))) or None, args.limit)

    # collection -> [first-read seconds, second-read seconds, reads, scores shipped, pages worse than the read as scanned]
    per: dict[str, list] = defaultdict(lambda: [0.0, 0.0, 0, [], []])
    engines = {}
    for page in pages:
        options = Options(ocr=OcrOptions(lang=page.lang))
        engine = engines.get(page.lang)
        if engine is None:
            engine = engines[page.lang] = engine_for(options.ocr)
            engine.words(page.lang)  # (Tesseract's word list, unpacked once, outside the timing)
        tally = per[page.collection]
        read = engine.read
        as_scanned = []

        def timed(image, ocr_options, dpi=None, path=None, read=read, tally=tally, as_scanned=as_scanned):
            started = time.perf_counter()
            try:
                page_read = read(image, ocr_options, dpi, path)
                if path is not None:
                    as_scanned.append(page_read)
                return page_read
            finally:
                # The read of the input file itself is the page as scanned; every other is a second read.
                tally[0 if path is not None else 1] += time.perf_counter() - started
                tally[2] += 1

        engine.read = timed
        try:
            for page_image in load_pages(page.image):
                shipped = process.ocr_page(page_image, page.image.name, options, engine)
        finally:
            engine.read = read
        if not page.partial:
            truth = page.gt.read_text(encoding="utf-8")
            tally[3].append(score_page(page_text(shipped), truth))
            if as_scanned and is_worse(score_page(page_text(as_scanned[0]), truth), tally[3][-1]):
                tally[4].append(page.name)

    label = "`ocr_page` (no corrector)" + (f", whole page above {args.whole_page_share}" if args.whole_page_share is not None else "") + (
        f", next candidate below {args.retry_below}" if args.retry_below is not None else "") + (
        f", lines at risk below {args.risk}" if args.risk else "")
    lines = [f"{label}: engine time of the reads, one process.", "",
             "| collection | pages | reads | page as scanned (s) | second reads (s) | second / first | CER shipped | "
             "pages worse than the read as scanned |", "|---|---:|---:|---:|---:|---:|---:|---|"]
    for key in [c for c in COLLECTION_ORDER if c in per]:
        first, second, reads, scores, worse = per[key]
        cer = pct(total(scores).cer) if scores else "—"
        lines.append(f"| {key} | {sum(1 for p in pages if p.collection == key)} | {reads} | {first:.1f} | {second:.1f} | "
                     f"{second / first if first else float('nan'):.2f} | {cer} | {len(worse)}{': ' if worse else ''}{', '.join(worse)} |")
    first = sum(v[0] for v in per.values())
    second = sum(v[1] for v in per.values())
    lines += ["", f"All: page as scanned {first:.1f} s, second reads {second:.1f} s ({second / max(first, 1e-9):.2f} of the first)."]
    publish("\n".join(lines), "bench_reads.md")


if __name__ == "__main__":
    main()
