"""Property-based tests: on arbitrary text the corrector never crashes and never changes a
protected token (codes, numbers, acronyms, protected names)."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.correct import Corrector, correct_page, correct_text, load_corrector, page_from_text
from pipeline.export.text import page_text
from pipeline.options import CorrectOptions

_corrector: Corrector | None = None


def corrector() -> Corrector:
    # Loaded once per test session (hypothesis runs each test many times).
    global _corrector
    if _corrector is None:
        _corrector = load_corrector(CorrectOptions())
    return _corrector


SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Ordinary words, garbles and junk the corrector will want to touch.
WORDS = st.sampled_from(
    "the of and government negotiatione goverment Tecent ia meaSures People sec rity ach eving Imust falle "
    "rezu- lations chvisage Politicial we can't now , . ; ( ) \" ' - -- @ « 0il 1t a1 W411 I a".split()
)
PROTECTED = st.one_of(
    st.sampled_from(["7160A/88", "JD3BPI", "SW1A", "2AH", "CSCE", "Shultz", "Gorbachev", "McFarlane", "20/10/88", "1,250", "NSR-12", "A/C", "Nodis"]),
    st.from_regex(r"[A-Z]{1,3}[0-9]{1,4}[A-Z]?(/[0-9]{2})?", fullmatch=True),
    st.from_regex(r"[0-9]{1,6}([.,/][0-9]{1,4})?", fullmatch=True),
    st.from_regex(r"[A-Z]{2,5}", fullmatch=True),
)


@SETTINGS
@given(st.text(max_size=300))
def test_never_crashes_on_any_text(text: str) -> None:
    out = correct_text(text, corrector())
    assert isinstance(out, str)


@SETTINGS
@given(st.lists(st.one_of(WORDS, st.text(alphabet=st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=12)), max_size=40))
def test_never_crashes_on_wordy_text(words: list[str]) -> None:
    page = correct_page(page_from_text(" ".join(words), "x"), corrector())
    for change in page.changes:
        assert change.original and 0.0 <= change.score <= 1.0


@SETTINGS
@given(st.lists(st.tuples(WORDS, PROTECTED), min_size=1, max_size=15), st.sampled_from([" ", "\n", " \n\n"]))
def test_protected_tokens_never_change(pairs: list[tuple[str, str]], sep: str) -> None:
    tokens = [t for pair in pairs for t in pair]
    text = sep.join(tokens)
    out = page_text(correct_page(page_from_text(text, "x"), corrector())).split()
    protected = [t for _w, t in pairs]
    # Every protected token is still there, as many times as before.
    for token in set(protected):
        assert out.count(token) >= text.split().count(token), (token, text, out)


@pytest.mark.parametrize("text", ["", "\n", "-", "- -", "a-\n", "-\nb", "'s", "'", "((", "x-y-z-", "I-\n-I"])
def test_edge_cases(text: str) -> None:
    correct_text(text, corrector())
