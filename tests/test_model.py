"""The data model survives a JSON round-trip exactly."""

from hypothesis import given
from hypothesis import strategies as st

from pipeline.model import Change, Document, Line, Page, Step, Word

# Any text a page can hold; lone surrogates cannot be (they never come out of a decoder).
chars = st.characters(blacklist_categories=("Cs",))
text = st.text(chars, min_size=1, max_size=12)
box = st.tuples(*[st.integers(0, 5000)] * 4)
word = st.builds(
    Word,
    text=text,
    bbox=st.none() | box,
    confidence=st.none() | st.floats(0, 100, allow_nan=False),
    alternatives=st.lists(st.lists(st.tuples(chars, st.floats(0, 100, allow_nan=False)), max_size=3), max_size=4),
    flagged=st.booleans(),
    suggestions=st.lists(text, max_size=3),
)
line = st.builds(Line, words=st.lists(word, max_size=5), bbox=st.none() | box, block=st.integers(0, 9))
change = st.builds(Change, line=st.integers(0, 50), word=st.integers(0, 50), original=text, new=text,
                   source=st.sampled_from(["override", "lexicon", "context"]), score=st.floats(0, 1),
                   entry_id=st.none() | text)
page = st.builds(Page, source=text, index=st.integers(0, 9), width=st.integers(0, 9000), height=st.integers(0, 9000),
                 dpi=st.none() | st.integers(50, 1200), lines=st.lists(line, max_size=4), changes=st.lists(change, max_size=3),
                 steps=st.lists(st.builds(Step, name=text, params=st.dictionaries(text, st.integers() | text, max_size=2), reason=text), max_size=2))


@given(st.builds(Document, source=text, pages=st.lists(page, max_size=3)))
def test_document_json_round_trip_is_lossless(doc):
    again = Document.model_validate_json(doc.model_dump_json())
    assert again == doc
    assert again.model_dump_json() == doc.model_dump_json()


def test_page_helpers():
    p = Page(source="x", lines=[Line(words=[Word(text="a", confidence=90), Word(text="b", confidence=70)]),
                                Line(words=[Word(text="c")])])
    assert [w.text for w in p.words] == ["a", "b", "c"]
    assert p.mean_confidence == 80
    assert p.lines[0].text == "a b"
