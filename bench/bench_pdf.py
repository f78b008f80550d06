"""The searchable PDF on the dev scans: its size beside the scan's, the time to write it, and that
its text layer gives back the words put in.

    .venv/bin/python bench/bench_pdf.py [--pdf-a 2b|off] [--limit N]

No OCR: each page's text layer is its ground truth (the dev set's ALTO lines, each line's words
spread over the line's box by their length), so what is measured is the PDF writer alone, on real
scans (every dev page that is a JPEG: the 109 real pages and the synthetic moderate/severe/fax
pages). The issue's bar: a JPEG scan's PDF at most 1.2x the scan. Writes bench/results/bench_pdf.md.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

from lxml import etree
import pypdfium2 as pdfium
from PIL import Image

from devcollections import COLLECTION_ORDER, collection_pages
from devset import publish

from pipeline.export import to_pdf  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.model import Document, Line, Page, Word  # noqa: E402

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"


def _gt_lines(xml: Path) -> list[Line]:
    lines = []
    for text_line in etree.parse(str(xml)).iter(f"{ALTO}TextLine"):
        words = " ".join(s.get("CONTENT", "") for s in text_line.iter(f"{ALTO}String")).split()
        if not words:
            continue
        x, y = int(float(text_line.get("HPOS"))), int(float(text_line.get("VPOS")))
        w, h = int(float(text_line.get("WIDTH"))), int(float(text_line.get("HEIGHT")))
        total = sum(len(t) + 1 for t in words)
        out, cursor = [], x
        for t in words:
            span = w * (len(t) + 1) / total
            out.append(Word(text=t, confidence=90.0, bbox=(int(cursor), y, int(cursor + span * len(t) / (len(t) + 1)), y + h)))
            cursor += span
        lines.append(Line(block=0, words=out))
    return lines


def _text_lines(gt: Path, width: int, height: int) -> list[Line]:
    """Synthetic pages have text ground truth only: its lines laid evenly down the page."""
    texts = [t.split() for t in gt.read_text(encoding="utf-8").splitlines() if t.split()]
    step = max(1, height // (len(texts) + 2))
    return [Line(block=0, words=[Word(text=t, confidence=90.0, bbox=(100 + 40 * i, step * (n + 1), 130 + 40 * i, step * (n + 1) + 30))
                                 for i, t in enumerate(words)]) for n, words in enumerate(texts)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pdf-a", default="2b", choices=["2b", "off"])
    parser.add_argument("--limit", type=int)
    args = parser.parse_args()
    pages = [p for p in collection_pages() if p.image.suffix.lower() in (".jpg", ".jpeg")][: args.limit]
    rows: dict[str, list[tuple[int, int, float, bool, bool]]] = {}
    with tempfile.TemporaryDirectory(prefix="ocrfix-pdf-") as tmp:
        for page in pages:
            with Image.open(page.image) as img:
                width, height = img.size
                dpi = int(img.info.get("dpi", (300, 300))[0]) or 300
            xml = page.image.with_suffix(".xml")
            lines = _gt_lines(xml) if xml.exists() else _text_lines(page.gt, width, height)
            doc = Document(source=page.image.name, pages=[Page(source=page.image.name, width=width, height=height, dpi=dpi, lines=lines)])
            started = time.perf_counter()
            data = to_pdf(doc, page.image, pdf_a=args.pdf_a)
            seconds = time.perf_counter() - started
            out = Path(tmp) / "page.pdf"
            out.write_bytes(data)
            text = subprocess.run(["pdftotext", "-raw", str(out), "-"], capture_output=True, text=True, check=True).stdout
            same = text.split() == [w.text for line in lines for w in line.words]
            # pdfium (Chrome's viewer): the same lines, each with its words in order (pdfium joins a
            # word hyphenated at a line's end, marking the hyphen U+FFFE: split there again)
            document = pdfium.PdfDocument(str(out))
            try:
                extracted = document[0].get_textpage().get_text_range().replace("\ufffe", "-\n")
                lines_back = [ln.split() for ln in extracted.splitlines() if ln.split()]
            finally:
                document.close()
            same_lines = lines_back == [[w.text for w in line.words] for line in lines]
            rows.setdefault(page.collection, []).append((page.image.stat().st_size, len(data), seconds, same, same_lines))
    table = [f"Searchable PDF (PDF/A: {args.pdf_a}) of every dev page that is a JPEG scan, text layer from the ground truth.", "",
             "| collection | pages | scans MB | PDFs MB | PDF / scan (total) | largest PDF / scan | ms a page (median) | "
             "text layer gives the words back (pdftotext) | and the lines (pdfium) |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    everything = []
    for name in COLLECTION_ORDER:
        got = rows.get(name)
        if not got:
            continue
        everything += got
        scans, pdfs = sum(r[0] for r in got), sum(r[1] for r in got)
        table.append(f"| {name} | {len(got)} | {scans / 1e6:.1f} | {pdfs / 1e6:.1f} | {pdfs / scans:.3f} | "
                     f"{max(r[1] / r[0] for r in got):.3f} | {1000 * statistics.median(r[2] for r in got):.0f} | "
                     f"{sum(r[3] for r in got)} of {len(got)} | {sum(r[4] for r in got)} of {len(got)} |")
    scans, pdfs = sum(r[0] for r in everything), sum(r[1] for r in everything)
    table.append(f"| all | {len(everything)} | {scans / 1e6:.1f} | {pdfs / 1e6:.1f} | {pdfs / scans:.3f} | "
                 f"{max(r[1] / r[0] for r in everything):.3f} | {1000 * statistics.median(r[2] for r in everything):.0f} | "
                 f"{sum(r[3] for r in everything)} of {len(everything)} | {sum(r[4] for r in everything)} of {len(everything)} |")
    table += ["", f"Command: `.venv/bin/python bench/bench_pdf.py --pdf-a {args.pdf_a}`"]
    publish("\n".join(table), "bench_pdf.md")


if __name__ == "__main__":
    main()
