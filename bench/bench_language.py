"""Whether a page reads as the dictionaries' language: the corrector's test, on every dev collection.

    .venv/bin/python bench/bench_language.py [--collections ehri,german,...]

On the raw Tesseract text of every dev page (as bench_corrector.py reads it, ``tesseract FILE stdout
-l LANG``; BLN600: its own OCR text), with the shipped English dictionaries, it prints per
collection the range of the two shares ``correct.language.foreign_language`` judges a page by (its words the
dictionaries know, its words among their commonest), how many pages the corrector leaves as read
for their language (named, for the English collections), and then the German and Danish pages
corrected as if ``--lang`` had been forgotten (English dictionaries, ``--lang eng``) with the test
and without it: CER and pages made worse. The bars were set halfway between German and the English
dev pages (ehri, synthetic); Danish and BLN600 are held out from that choice.

Writes bench/results/bench_language.md.
"""

from __future__ import annotations

import argparse
from collections import Counter

from devset import publish

from bench_corrector import correct_collection, load_pages  # noqa: E402
from pipeline.correct import language_fit, load_corrector  # noqa: E402
from pipeline.correct import language as language_module  # noqa: E402
from pipeline.correct.language import _LANGUAGE_WORD  # noqa: E402
from pipeline.evaluate import score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.model import LANGUAGE_STEP  # noqa: E402
from pipeline.options import CorrectOptions  # noqa: E402
from pipeline.tokens import split_token  # noqa: E402

ENGLISH = ("ehri", "synthetic-mild", "synthetic-moderate", "synthetic-severe", "synthetic-fax", "bln600")
FOREIGN = ("german", "danish")


def shares(text: str, lexicon) -> tuple[int, float, float]:
    words = Counter(core.lower() for t in text.split() if _LANGUAGE_WORD.match(core := split_token(t)[1]))
    return language_fit(words, lexicon)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--collections", default=",".join(ENGLISH + FOREIGN))
    args = parser.parse_args()
    wanted = args.collections.split(",")
    english = load_corrector(CorrectOptions(lang="eng"))
    lines = [
        "# Does the page read as the dictionaries' language?",
        "",
        "`.venv/bin/python bench/bench_language.py`. Raw Tesseract text of the dev pages, the shipped English "
        f"dictionaries. A page is left as read where it knows fewer than {language_module.LANGUAGE_KNOWN:.0%} of its words "
        f"and has fewer than {language_module.LANGUAGE_COMMON:.0%} among the {len(english.lexicon.commonest)} commonest "
        f"(pages of fewer than {language_module.LANGUAGE_MIN_WORDS} words: the collection decides).",
        "",
        "| collection | pages | known: min – max | commonest: min – max | left as read |",
        "|---|---:|---:|---:|---|",
    ]
    by_collection = {}
    for collection in wanted:
        pages = load_pages({collection}, None)
        by_collection[collection] = pages
        fits = [shares(p.raw, english.lexicon) for p in pages]
        out, _n, _s = correct_collection(pages, [p.raw for p in pages], english)
        left = [p.name for p, o in zip(pages, out) if any(s.name == LANGUAGE_STEP for s in o.steps)]
        named = ", ".join(left) if collection in ENGLISH and left else ""
        sized = [f for f in fits if f[0] >= language_module.LANGUAGE_MIN_WORDS] or fits
        lines.append(
            f"| {collection} | {len(pages)} | {min(f[1] for f in sized):.2f} – {max(f[1] for f in sized):.2f} | "
            f"{min(f[2] for f in sized):.2f} – {max(f[2] for f in sized):.2f} | {len(left)}" + (f": {named}" if named else "") + " |"
        )
    foreign = [c for c in wanted if c in FOREIGN]
    if foreign:
        lines += [
            "",
            "German and Danish corrected with the English dictionaries, as if `--lang` had been forgotten:",
            "",
            "| collection | raw CER | corrected, with the test | pages worse | without the test | pages worse |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for collection in foreign:
            pages = by_collection[collection]
            raw = total([score_page(p.raw, p.gt) for p in pages])
            row = [f"| {collection} | {100 * raw.cer:.2f} %"]
            for known_bar in (language_module.LANGUAGE_KNOWN, 0.0):
                saved = language_module.LANGUAGE_KNOWN
                language_module.LANGUAGE_KNOWN = known_bar  # 0: no page is ever left alone
                try:
                    out, _n, _s = correct_collection(pages, [p.raw for p in pages], english.with_collection(None))
                finally:
                    language_module.LANGUAGE_KNOWN = saved
                scores = [score_page(page_text(o), p.gt) for p, o in zip(pages, out)]
                worse = sum(s.char_errors > score_page(p.raw, p.gt).char_errors for s, p in zip(scores, pages))
                row.append(f"{100 * total(scores).cer:.2f} % | {worse} of {len(pages)}")
            lines.append(" | ".join(row) + " |")
    publish("\n".join(lines), "bench_language.md")


if __name__ == "__main__":
    main()
