"""What deleting specks would do: a token of punctuation alone ("-", "_", "*", a lone quote) that
the corrector gives a high probability of being wrong (p_wrong) is flagged for review, never deleted.
This bench measures the alternative, in text mode as bench_corrector.py runs the corrector: for each
kind of token and each bar, the character errors it would take off (or add) per collection, the pages
it would make worse, and how many tokens of the ground truth fed in as input it would delete.

    .venv/bin/python bench/bench_specks.py [--collections ehri,bln600,...] [--bars 0.4,0.7,0.75]

Writes bench/results/bench_specks.md.
"""

from __future__ import annotations

import argparse
import re
from collections import defaultdict

from bench_corrector import correct_collection, load_pages
from devset import publish

from pipeline.correct import load_corrector  # noqa: E402  (devset put ROOT on sys.path)
from pipeline.evaluate import score_page, total  # noqa: E402
from pipeline.export.text import page_text  # noqa: E402
from pipeline.model import Page  # noqa: E402
from pipeline.options import CorrectOptions  # noqa: E402
from pipeline.tokens import has_text  # noqa: E402

KINDS = {
    "stop": re.compile(r"[.,;:!?]+"),
    "quote": re.compile(r"[\"'\u2018\u2019\u201c\u201d]+"),
    "dash": re.compile(r"[-_\u2014\u2013]+"),
}


def kind(text: str) -> str | None:
    """The kind of a token of punctuation alone (None: the token has a letter or digit)."""
    if has_text(text):
        return None
    return next((name for name, pattern in KINDS.items() if pattern.fullmatch(text)), "other")


def without(page: Page, kinds: set[str], bar: float) -> str:
    """The page's text with the tokens of those kinds given p_wrong >= bar left out."""
    return "\n".join(
        " ".join(w.text for w in line.words if not (kind(w.text) in kinds and (w.p_wrong or 0.0) >= bar))
        for line in page.lines
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--collections", default="", help="comma-separated (default: every English collection and bln600)")
    ap.add_argument("--bars", default="0.4,0.7,0.75", help="p_wrong bars to try")
    args = ap.parse_args()
    wanted = {c for c in args.collections.split(",") if c} or None
    bars = [float(b) for b in args.bars.split(",")]
    groups = defaultdict(list)
    for page in load_pages(wanted, None):
        if page.lang == "eng":  # the corrector leaves German and Danish as read: no p_wrong
            groups[page.collection].append(page)
    base = load_corrector(CorrectOptions())
    choices = [({"dash"}, "dashes"), ({"stop"}, "stops"), ({"quote"}, "quotes"), ({"other"}, "other symbols"),
               (set(KINDS) | {"other"}, "all")]
    lines = [
        "# Deleting specks instead of flagging them (text mode)",
        "",
        "`.venv/bin/python bench/bench_specks.py`. Each cell: change in character errors if the tokens of that kind given",
        "p_wrong at or above the bar were deleted / pages made worse / tokens of the ground truth (fed in as input) deleted.",
        "",
        "| collection | errors now | " + " | ".join(f"{label} ≥ {bar}" for _k, label in choices for bar in bars) + " |",
        "|---|---:|" + "---:|" * (len(choices) * len(bars)),
    ]
    for name, pages in groups.items():
        out, _n, _s = correct_collection(pages, [p.raw for p in pages], base)
        truth_in, _n, _s = correct_collection(pages, [p.gt for p in pages], base)
        now = [score_page(page_text(o), p.gt) for o, p in zip(out, pages)]
        errors_now = total(now).char_errors
        cells = []
        for kinds, _label in choices:
            for bar in bars:
                scores = [score_page(without(o, kinds, bar), p.gt) for o, p in zip(out, pages)]
                worse = sum(s.char_errors > n.char_errors for s, n in zip(scores, now))
                deleted = sum(kind(w.text) in kinds and (w.p_wrong or 0.0) >= bar for o in truth_in for w in o.words)
                cells.append(f"{total(scores).char_errors - errors_now:+d} / {worse} / {deleted}")
        lines.append(f"| {name} | {errors_now} | " + " | ".join(cells) + " |")
    publish("\n".join(lines), "bench_specks.md")


if __name__ == "__main__":
    main()
