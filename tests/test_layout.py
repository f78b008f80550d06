"""Rejoining the pieces of a typed line that Tesseract read as separate lines (pipeline/layout.py)."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from pipeline.evaluate import score_page
from pipeline.export.text import page_text
from pipeline.layout import rejoin_line_pieces, rejoin_page
from pipeline.model import Line, Page, Word
from pipeline.ocr_files import read_ocr_file

DATA = Path(__file__).parent / "data"
CHAR = 15  # width of one typewriter character in these drawings
SPACE = 20  # the word space


def piece(text: str, x: int, y: int, block: int = 0, slope: float = 0.0) -> Line:
    """One line of words starting at x with its baseline at y (tilted by ``slope``)."""
    words = []
    for token in text.split():
        width = CHAR * len(token)
        bottom = int(round(y + slope * (x + width / 2)))
        words.append(Word(text=token, bbox=(x, bottom - 30, x + width, bottom), confidence=90.0))
        x += width + SPACE
    return Line(words=words, bbox=(words[0].bbox[0], min(w.bbox[1] for w in words), words[-1].bbox[2], max(w.bbox[3] for w in words)), block=block)


def texts(lines: list[Line]) -> list[str]:
    return [line.text for line in lines]


def test_pieces_filed_in_other_blocks_come_back_in_reading_order():
    # Tesseract's order on a noisy page: the right half of line 1 first, then its left half
    # together with the right half of line 2, then the left half of line 2.
    left1, right1 = "Namibian question,", "there is nothing in the record of"
    left2, right2 = "the racist regime to justify any reliance on its", "commitments. The"
    x_right1 = piece(left1, 100, 100).bbox[2] + SPACE + 4
    x_right2 = piece(left2, 100, 150).bbox[2] + SPACE
    lines = [
        piece(right1, x_right1, 100, block=0),
        piece(left1, 100, 100, block=1),
        piece(right2, x_right2, 150, block=1),
        piece(left2, 100, 150, block=2),
    ]
    joined, count = rejoin_line_pieces(lines)
    assert count == 2
    assert texts(joined) == [f"{left1} {right1}", f"{left2} {right2}"]


def test_a_word_cut_through_by_the_border_of_two_pieces_is_made_whole():
    left = piece("reaffirm the right to s", 100, 100, block=0)
    right_x = left.words[-1].bbox[2] + 3  # far narrower than a word space
    right = piece("elf-determination and", right_x, 100, block=1)
    joined, count = rejoin_line_pieces([right, left])
    assert count == 1
    assert texts(joined) == ["reaffirm the right to self-determination and"]
    whole = joined[0].words[4]
    assert whole.bbox == (left.words[-1].bbox[0], 70, right.words[0].bbox[2], 100)
    assert whole.other_read is None
    # where the other read differed on a piece, the whole keeps what it had for the whole
    disputed = right.model_copy(update={"words": [right.words[0].model_copy(update={"other_read": "elf-deterrnination"}),
                                                  *right.words[1:]]})
    whole = rejoin_line_pieces([disputed, left])[0][0].words[4]
    assert whole.text == "self-determination" and whole.other_read == "self-deterrnination"


def test_two_columns_with_a_gutter_stay_apart():
    # A gutter of five word spaces: a second column (or a table), not a piece of the first.
    left = [piece("first column line one", 100, 100 + 50 * k, block=0) for k in range(3)]
    gutter_x = left[0].bbox[2] + 5 * SPACE
    right = [piece("second column text", gutter_x, 100 + 50 * k, block=1) for k in range(3)]
    lines = left + right
    joined, count = rejoin_line_pieces(lines)
    assert count == 0 and joined is lines


def test_a_note_in_the_margin_is_not_pulled_into_the_line():
    body = piece("index of the contents of the law by Articles", 300, 100, block=1)
    note = piece("4/", 100, 100, block=0)  # 2.9 word spaces to the left (EHRI 19390519-US_02)
    note = note.model_copy(update={"words": [note.words[0].model_copy(update={"bbox": (100, 70, 242, 100)})]})
    joined, count = rejoin_line_pieces([note, body])
    assert count == 0 and texts(joined) == ["4/", "index of the contents of the law by Articles"]


def test_pieces_of_a_skewed_line_join_and_the_next_line_down_does_not():
    slope = 0.03  # 1.7 degrees: the right end of a line sits 36 px lower than its left
    lines = [piece("the fear in which our peoples are living and", 100, 100, slope=slope, block=0)]
    x = lines[0].words[-1].bbox[2] + SPACE
    lines.append(piece("the resignation", x, 100, slope=slope, block=1))
    lines.append(piece("they express the fact that the nuclear arms race", 100, 150, slope=slope, block=0))
    joined, count = rejoin_line_pieces(lines)
    assert count == 1
    assert texts(joined) == [
        "the fear in which our peoples are living and the resignation",
        "they express the fact that the nuclear arms race",
    ]


def test_lines_without_boxes_are_left_alone():
    lines = [Line(words=[Word(text="plain"), Word(text="text")]), Line(words=[Word(text="more")])]
    joined, count = rejoin_line_pieces(lines)
    assert count == 0 and joined is lines


def test_rejoin_page_records_what_it_did():
    left = piece("Namibian question,", 100, 100)
    right = piece("there is nothing", left.bbox[2] + SPACE, 100, block=1)
    page = Page(source="p.png", lines=[right, left])
    done = rejoin_page(page)
    assert texts(done.lines) == ["Namibian question, there is nothing"]
    assert [s.name for s in done.steps] == ["rejoin-lines"] and done.steps[0].params == {"pieces_joined": 1}
    unchanged = Page(source="p.png", lines=[left])
    assert rejoin_page(unchanged) is unchanged


def test_tesseracts_hocr_of_a_fragmented_page_reads_right_again():
    """Real raw Tesseract hOCR of a severely damaged page whose lines it cut into pieces."""
    path = DATA / "fragmented_lbr_1988.hocr"
    doc, kind = read_ocr_file(path, path.read_bytes())
    truth = (DATA / "fragmented_lbr_1988.gt.txt").read_text(encoding="utf-8")
    before = score_page(page_text(doc.pages[0]), truth)
    after = score_page(page_text(rejoin_page(doc.pages[0])), truth)
    assert kind == "hocr"
    assert before.cer > 0.30  # as Tesseract wrote it: a third of the characters out of place
    assert after.cer < 0.02


boxes = st.tuples(st.integers(0, 2000), st.integers(0, 3000), st.integers(1, 300), st.integers(1, 80))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(st.lists(st.tuples(st.text("abcXYZ.,", min_size=1, max_size=6), boxes), min_size=1, max_size=6), st.integers(0, 5)), max_size=12))
def test_rejoining_never_loses_or_invents_a_character(spec):
    lines = [
        Line(words=[Word(text=t, bbox=(x, y, x + w, y + h)) for t, (x, y, w, h) in words], block=block)
        for words, block in spec
    ]
    joined, count = rejoin_line_pieces(lines)
    before = sorted("".join(w.text for line in lines for w in line.words))
    after = sorted("".join(w.text for line in joined for w in line.words))
    assert before == after
    assert len(joined) == len(lines) - count
