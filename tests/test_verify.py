"""The verifying chooser: two reads of a page merged line by line, the original kept unless the
processed read is clearly more plausible; through a fake engine where it is about ocr_page."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import FakeEngine
from pipeline.model import Line, Word
from pipeline.verify import ChoiceModel, Vocabulary, align_lines, merge_reads, read_quality

LEXICON = {"the", "secretary", "of", "state", "will", "arrive", "in", "london", "on", "monday", "going", "to", "school",
           "see", "embassy", "minister"}


def line(text: str, y: int, conf: float = 90.0, x: int = 100, block: int = 0) -> Line:
    words, cursor = [], x
    for token in text.split():
        width = 18 * len(token)
        words.append(Word(text=token, bbox=(cursor, y, cursor + width, y + 30), confidence=conf))
        cursor += width + 15
    return Line(words=words, bbox=(x, y, cursor - 15, y + 30), block=block)


# A line model that never takes the processed read (the tests of words within a line the first read ships).
NEVER_PROCESSED = ChoiceModel(intercept=-100.0, weights=(0.0,) * 6, threshold=0.5)


def vocabulary(*reads: list[Line]) -> Vocabulary:
    return Vocabulary.build(LEXICON, *reads)


def texts(lines: list[Line]) -> list[str]:
    return [ln.text for ln in lines]


def test_known_words_count_more_than_garbled_ones():
    v = vocabulary()
    good = read_quality([line("going to school", 0)], v.knows)
    garbled = read_quality([line("-oiny to see", 0)], v.knows)
    assert good > 2 * garbled


def test_numbers_and_the_pages_own_forms_are_known_but_one_off_garbles_are_not():
    reads = [[line("Herr Heydrich said", 0), line("Heydrich and Heydrich", 50)], [line("Heydrich", 0)]]
    v = vocabulary(*reads)
    assert v.knows("1939") and v.knows("7160/88") and v.knows("(Heydrich),")
    assert not v.knows("Hcydrich") and not v.knows("---")
    assert v.knows("Minister's") and v.knows("state-school")


def test_lines_are_aligned_by_their_boxes_a_split_line_with_its_whole():
    first = [line("The Secretary of State", 100), line("will arrive in London", 150)]
    second = [line("The Secretary", 102, x=100), line("of State", 101, x=400), line("will arrive in London", 151)]
    groups = sorted((sorted(a), sorted(b)) for a, b in align_lines(first, second))
    assert groups == [([0], [0, 1]), ([1], [2])]


def test_each_line_keeps_the_better_read_and_the_original_where_the_processed_is_worse():
    original = [line("The Secretary of State", 100), line("-oiny to see", 150, conf=60)]
    processed = [line("Tbe Secrctary ot Statc", 101, conf=70), line("going to school", 151)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State", "going to school"]
    assert (merged.from_original, merged.from_processed) == (1, 1)


def test_a_line_the_processed_read_lost_is_kept_from_the_original():
    original = [line("The Secretary of State", 100), line("will arrive in London", 150), line("on Monday", 200)]
    processed = [line("The Secretary of State", 100, conf=96), line("on Monday", 200, conf=96)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State", "will arrive in London", "on Monday"]
    assert merged.only_original == 1


def test_a_line_only_the_processed_read_found_goes_in_its_place():
    original = [line("The Secretary of State", 100), line("on Monday", 200)]
    processed = [line("The Secretary of State", 100), line("will arrive in London", 150), line("on Monday", 200)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State", "will arrive in London", "on Monday"]


def test_where_the_estimate_cannot_tell_the_original_is_kept():
    # Two equally plausible reads (a name the lexicon does not know, read two ways, same confidence).
    original = [line("Mr Shultz", 100)]
    processed = [line("Mr Schultz", 100)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["Mr Shultz"]
    assert merged.from_processed == 0


def test_a_slightly_more_confident_processed_read_does_not_replace_the_original():
    original = [line("The Secretary of State", 100, conf=90)]
    processed = [line("The Secretary of Statc", 100, conf=92)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State"]


# ---------------------------------------------------------------------------------------------
# ocr_page with a fake engine: what the chooser reads and what ships
# ---------------------------------------------------------------------------------------------


def _noisy_page() -> np.ndarray:
    """A grey page of type with heavy grain: auto mode plans denoising and flattening only (no
    geometry), so the fake reads' boxes hold for both images."""
    import cv2

    rng = np.random.default_rng(7)
    page = np.full((1200, 900), 230, np.uint8)
    for i in range(20):
        cv2.putText(page, "The Secretary of State will arrive", (40, 60 + 50 * i), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 40, 2,
                    cv2.LINE_AA)
    return np.clip(page.astype(np.float32) + rng.normal(0, 30, page.shape), 0, 255).astype(np.uint8)


def _reads(*reads) -> FakeEngine:
    return FakeEngine(list(reads), words=LEXICON)


PAGE_TEXT = "The Secretary of State will arrive"


def _page_lines(conf: float, odd: dict[int, tuple[str, float]] | None = None) -> list[Line]:
    """The 20 typed lines of _noisy_page as read (boxes on the page), some read otherwise."""
    odd = odd or {}
    return [line(odd.get(i, (PAGE_TEXT, conf))[0], 40 + 50 * i, conf=odd.get(i, (PAGE_TEXT, conf))[1], x=40)
            for i in range(20)]


def test_ocr_page_keeps_the_original_read_of_a_line_the_processed_read_garbled():
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    # Every line of the page as scanned is unsure (confidence 50): the whole page is read again.
    original = _page_lines(50.0, {5: ("going to school", 50.0)})
    processed = _page_lines(90.0, {5: ("-oiny to see", 92.0)})
    engine = _reads(original, processed)
    scan = _noisy_page()
    page = ocr_page(PageImage(image=scan, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert len(engine.seen) == 2 and engine.seen[0] is scan
    assert engine.seen[1].shape == scan.shape and not np.array_equal(engine.seen[1], scan)
    assert texts(page.lines) == [PAGE_TEXT] * 5 + ["going to school"] + [PAGE_TEXT] * 14
    # the words the two reads differ on keep the other read's text, for review
    assert [w.other_read for w in page.lines[5].words] == ["-oiny", None, "see"]
    assert all(w.other_read is None for i, ln in enumerate(page.lines) if i != 5 for w in ln.words)
    verify = page.steps[-1]
    # Lines both reads read alike keep the original read (a second read that agrees shows nothing).
    assert verify.name == "verify" and verify.params["groups_from_original"] == 20
    assert verify.params["groups_from_processed"] == 0
    assert [s.name for s in page.steps][:3] == ["measure", "nlmeans", "flatten"]


def test_ocr_page_ships_the_processed_read_where_it_is_clearly_better():
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    original = _page_lines(40.0, {i: ("Tbe Secrctary ot Statc wlll arrlve", 40.0) for i in range(20)})
    page = ocr_page(PageImage(image=_noisy_page(), index=0, dpi=300), "p.png", Options(workers=1),
                    engine=_reads(original, _page_lines(95.0)))
    assert texts(page.lines) == [PAGE_TEXT] * 20


def test_ocr_page_reads_only_the_lines_at_risk_again_in_bands():
    """One unsure line of twenty: the second read is of a montage of its band alone, and its
    words come back to their place on the page."""
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import MONTAGE_GAP, ocr_page

    original = _page_lines(95.0, {7: ("Tbe Secrctary ot Statc", 40.0)})

    def montage_read(image):
        # The montage: white, one band, white. Read the band as one line where its ink is.
        assert image.shape[0] < 300, "only the band of the unsure line is read again"
        rows = np.nonzero((image < 128).sum(axis=1) > 5)[0]
        assert rows.min() >= MONTAGE_GAP
        return [line("The Secretary of State", int(rows.min()), conf=95.0, x=40)]

    engine = _reads(original, montage_read)
    page = ocr_page(PageImage(image=_noisy_page(), index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert len(engine.seen) == 2
    assert texts(page.lines) == [PAGE_TEXT] * 7 + ["The Secretary of State"] + [PAGE_TEXT] * 12
    fixed = page.lines[7].words[0].bbox
    assert fixed is not None and abs(fixed[1] - (40 + 50 * 7)) <= 20  # back where the line is on the page
    choose = next(s for s in page.steps if s.name == "choose")
    assert choose.params["lines_at_risk"] == 1 and len(choose.params["bands"]) == 1


def test_ocr_page_reads_a_page_of_known_confident_lines_once():
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    engine = _reads(_page_lines(95.0))
    page = ocr_page(PageImage(image=_noisy_page(), index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert len(engine.seen) == 1
    assert "verify" not in [s.name for s in page.steps]


def test_ocr_page_reads_a_page_no_step_changes_once():
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    clean = np.full((1200, 900), 255, np.uint8)
    engine = _reads([line("The Secretary of State", 100, conf=95)])
    page = ocr_page(PageImage(image=clean, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert len(engine.seen) == 1 and engine.seen[0] is clean
    assert "verify" not in [s.name for s in page.steps]


@pytest.mark.parametrize("mode", ["off", "median"])
def test_steps_asked_for_or_none_are_not_second_guessed(mode):
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    engine = _reads([line("The Secretary", 100)], [line("The Secretary of State", 100)])
    page = ocr_page(PageImage(image=_noisy_page(), index=0, dpi=300), "p.png",
                    Options(workers=1, preprocess={"mode": mode}), engine=engine)
    # One read, of the page as asked for (the median applied, or not).
    assert len(engine.seen) == 1 and texts(page.lines) == ["The Secretary"]
    assert np.array_equal(engine.seen[0], _noisy_page()) == (mode == "off")
    assert "verify" not in [s.name for s in page.steps]


def test_lines_at_risk_are_those_with_an_unsure_or_an_unknown_doubtful_word():
    from pipeline.verify import line_at_risk

    v = vocabulary()
    assert not line_at_risk(line("The Secretary of State", 0, conf=92), v.knows)
    assert line_at_risk(line("The Secretary of State", 0, conf=50), v.knows)
    assert line_at_risk(line("Tbe Secrctary", 0, conf=75), v.knows)  # unknown and not sure enough
    assert not line_at_risk(line("The Secretary", 0, conf=75), v.knows)  # known: sure enough
    assert not line_at_risk(line("Heydrich", 0, conf=96), v.knows)  # an unknown name read with confidence
    assert not line_at_risk(line("- . ,", 0, conf=10), v.knows)  # no letters: nothing to gain


def test_a_stray_piece_of_a_group_does_not_carry_the_line_to_its_place_in_the_reading_order():
    """The original read filed a mark in the margin first and the line it stands beside later; the
    processed read, which read both as one line, goes where the line itself was."""
    mark = Line(words=[Word(text="LAN", bbox=(20, 150, 80, 180), confidence=40.0)], bbox=(20, 150, 80, 180))
    original = [mark, line("The Secretary of State", 50), line("wlll arrlve in London", 150, conf=50)]
    processed = [line("The Secretary of State", 50),
                 Line(words=[Word(text="LAN", bbox=(20, 150, 80, 180), confidence=60.0)] + line("will arrive in London", 150).words)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State", "LAN will arrive in London"]


def test_a_line_only_the_processed_read_found_is_added_only_where_it_reads_as_words():
    original = [line("The Secretary of State", 100), line("on Monday", 200)]
    words = [line("The Secretary of State", 100), line("will arrive in London", 150), line("on Monday", 200)]
    noise = [line("The Secretary of State", 100), line("Iil ;ii' ,lI", 150, conf=40), line("on Monday", 200)]
    added = merge_reads(original, words, vocabulary(original, words)).lines
    assert texts(added)[1] == "will arrive in London"
    # its words are disputed by the first read, which found nothing there
    assert [w.other_read for w in added[1].words] == [""] * 4 and added[0].words[0].other_read is None
    assert texts(merge_reads(original, noise, vocabulary(original, noise)).lines) == texts(original)


def test_reads_that_differ_by_the_layout_of_many_lines_keep_the_original():
    """Two lines against two lines, each sharing words with both: a different reading of the
    layout (columns taken apart otherwise), which no line-by-line estimate can judge."""

    def w(text, x0, conf):
        return Word(text=text, bbox=(x0, 100, x0 + 90, 130), confidence=conf)

    original = [Line(words=[w("The", 0, 60), w("Secretary", 110, 60)]), Line(words=[w("of", 300, 60), w("Statc", 410, 60)])]
    processed = [Line(words=[w("The", 0, 95), w("of", 300, 95)]), Line(words=[w("Secretary", 110, 95), w("State", 410, 95)])]
    assert [(sorted(a), sorted(b)) for a, b in align_lines(original, processed)] == [([0, 1], [0, 1])]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    # The original's lines are kept; word by word, its unknown "Statc" gives way to the other
    # read's known "State" on the same ink (the line layout is not what a word's box depends on).
    assert texts(merged.lines) == ["The Secretary", "of State"]
    assert merged.lines[1].words[1].other_read == "Statc"


def test_risk_bands_hold_the_unsure_lines_and_stop_half_way_to_their_neighbours():
    from pipeline.reread import lines_from_montage, montage, risk_bands

    identity = np.array([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    original = [line(PAGE_TEXT, 40 + 50 * i, x=40) for i in range(10)]
    bands = risk_bands(original, {3, 4, 8}, identity, 600)
    # Lines 3 and 4 share one band; line 8 has its own. Word boxes are 30 px high, lines 50 apart.
    assert [(b.top, b.bottom) for b in bands] == [(180, 280), (430, 480)]
    image = np.full((600, 900), 255, np.uint8)
    image[190:220, 40:400] = 0  # the ink of line 3
    sheet, starts = montage(image, bands, 48)
    assert sheet.shape == (48 + 100 + 48 + 50 + 48, 900) and starts == [48, 196]
    assert (sheet[starts[0] + 10 : starts[0] + 40, 40:400] == 0).all()
    # A line read in the first band comes back to the page's rows; one read in the gap is dropped.
    read = [line("The Secretary", starts[0] + 10, x=40), line("noise", 5, x=40)]
    back = lines_from_montage(read, bands, starts)
    assert texts(back) == ["The Secretary"] and back[0].words[0].bbox[1] == 190


def test_a_short_line_only_the_second_read_found_is_left_out_unless_the_first_read_found_nothing():
    """A one-word heading or stamp that only the second read found is left out (transcriptions
    often leave such marks out); on a page the first read found nothing on, it is all there is."""
    original = [line("The Secretary of State", 100), line("on Monday", 200)]
    processed = [line("Minister", 40), line("The Secretary of State", 100), line("on Monday", 200)]
    assert texts(merge_reads(original, processed, vocabulary(original, processed)).lines) == texts(original)
    assert texts(merge_reads([], processed, vocabulary([], processed)).lines) == texts(processed)


def test_a_line_only_the_processed_read_found_needs_the_pages_usual_confidence():
    """Known words read with a fraction of the page's confidence (a margin scribble read as
    "D pr sake", 77/36/4 on a Danish dev page) are no typed line the first read missed."""
    page = [line("The Secretary of State will see the Ambassador", 100 + 100 * i) for i in range(4)]
    original = page
    sure = page[:2] + [line("will arrive in London", 250)] + page[2:]
    scribble = page[:2] + [Line(words=[Word(text=t, confidence=c, bbox=(100 + 80 * i, 250, 170 + 80 * i, 280))
                                        for i, (t, c) in enumerate([("in", 77.0), ("on", 36.0), ("London", 4.0)])])] + page[2:]
    assert "will arrive in London" in texts(merge_reads(original, sure, vocabulary(original, sure)).lines)
    assert texts(merge_reads(original, scribble, vocabulary(original, scribble)).lines) == texts(original)
    # On a page the first read found nothing on, something read beats nothing, however unsure.
    faint = [line("The Secretary of State", 100, conf=45)]
    assert texts(merge_reads([], faint, vocabulary(faint)).lines) == texts(faint)


def test_a_line_only_the_original_read_has_is_dropped_where_the_cleaned_page_shows_no_text_there():
    """Specks along a dark scanner edge read as letters by the first read ("PES SRE EC BIR DGS ORI gar
    a, i nee" on a rendered photocopy) and nothing at all on the cleaned page: no line of the page."""
    page = [line("The Secretary of State will see the Ambassador", 100 + 100 * i) for i in range(4)]
    noise = line("PES SRE EC BIR DGS ORI gar", 20, conf=30)
    merged = merge_reads([noise] + page, page, vocabulary([noise] + page, page))
    assert texts(merged.lines) == texts(page)
    assert merged.dropped_original == 1 and merged.as_params()["lines_dropped_as_no_text"] == 1


def test_a_line_only_the_original_read_has_stays_where_it_reads_as_text_or_was_not_read_again():
    page = [line("The Secretary of State will see the Ambassador", 100 + 100 * i) for i in range(4)]
    # A typed line the cleaned page lost: known words read with the page's usual confidence, one garble.
    typed = line("will arrive in London Yopublkansk-funssefidke", 20)
    assert texts(merge_reads([typed] + page, page, vocabulary([typed] + page, page)).lines) == texts([typed] + page)
    # Noise that was not read again (not at risk): the second read says nothing about it.
    noise = line("PES SRE EC BIR DGS ORI gar", 20, conf=30)
    kept = merge_reads([noise] + page, page, vocabulary([noise] + page, page), at_risk={1, 2})
    assert texts(kept.lines) == texts([noise] + page)
    # Nor where the second read found nothing at all, or did not cover its rows.
    assert texts(merge_reads([noise] + page, [], vocabulary([noise] + page)).lines) == texts([noise] + page)
    uncovered = merge_reads([noise] + page, page, vocabulary([noise] + page, page), covered={1, 2, 3, 4})
    assert texts(uncovered.lines) == texts([noise] + page)
    # A short line that reads as text is no noise, however few its known words ("Dear Sir,").
    greeting = line("Dear Sir,", 20, conf=60)
    kept = merge_reads([greeting] + page, page, Vocabulary.build(LEXICON | {"dear", "sir"}, [greeting] + page, page))
    assert texts(kept.lines) == texts([greeting] + page)
    # Where the cleaned page holds anything over it (here a smudge the second read made out half a
    # line lower), it is not dropped.
    over = [line("xx yy", 40, conf=30)] + page
    assert texts(merge_reads([noise] + page, over, vocabulary([noise] + page, over)).lines) == texts([noise] + page)


def test_pieces_of_one_skewed_line_are_compared_left_to_right():
    """On a skewed page the right half of a typed line may sit higher than its left half: compared in
    row order, the two pieces read "of State The Secretary" and no longer look like the whole line
    the other read has, so the better read could not be chosen."""
    original = [line("Tbe Secrctary", 125, conf=60, x=100), line("ot Statc", 110, conf=60, x=346)]
    processed = [line("The Secretary of State", 118, conf=95, x=100)]
    merged = merge_reads(original, processed, vocabulary(original, processed))
    assert texts(merged.lines) == ["The Secretary of State"]


@pytest.mark.tesseract
def test_a_montage_of_bands_of_grey_paper_reads_as_text():
    """The rows between the bands are the paper's own colour: white rows beside grey paper (214,
    a Danish dev page) put Tesseract's global threshold between paper and white, and the whole
    montage read as no word at all."""
    import cv2

    from pipeline.engine import TesseractEngine
    from pipeline.options import OcrOptions
    from pipeline.reread import Band, montage

    image = np.full((400, 1400), 214, np.uint8)
    for k, text in enumerate(["The Secretary of State will see", "the Ambassador on Monday", "in London next week"]):
        cv2.putText(image, text, (40, 80 + 120 * k), cv2.FONT_HERSHEY_SIMPLEX, 1.3, 40, 3, cv2.LINE_AA)
    bands = [Band(40, 100), Band(160, 220), Band(280, 340)]
    sheet, _starts = montage(image, bands, 48)
    read = TesseractEngine().read(sheet, OcrOptions(lang="eng"), 300)
    words = " ".join(w.text for w in read.words)
    assert "Secretary" in words and "Ambassador" in words and "London" in words


def test_the_gaps_of_a_montage_are_the_papers_own_colour_grey_or_colour():
    from pipeline.reread import Band, montage, paper_level

    grey = np.full((300, 400), 214, np.uint8)
    grey[50:60, 20:380] = 30  # a line of type
    sheet, starts = montage(grey, [Band(40, 70), Band(200, 230)], 48)
    assert paper_level(grey, [Band(40, 70)]) == 214
    assert (sheet[:48] == 214).all() and (sheet[starts[0] + 30 : starts[1]] == 214).all()
    colour = np.full((300, 400, 3), (190, 205, 220), np.uint8)
    sheet, _ = montage(colour, [Band(40, 70)], 48)
    assert tuple(sheet[0, 0]) == (190, 205, 220)


def test_words_the_two_reads_of_a_line_read_differently_carry_the_other_reads_text():
    """Where a line was read twice, each word of the line that ships records what the other read has
    at its place where that differs ("" where it has nothing there); a line read once, or a word both
    reads agree on, records nothing."""
    original = [line("The Secretary of State", 100), line("will arrive in Londen", 150, conf=60), line("going to school", 200)]
    processed = [line("The Secretary of State", 101), line("will arrlve in London", 151, conf=85),
                 line("going to schoo1", 201)]
    merged = merge_reads(original, processed, vocabulary(original, processed), at_risk={1})
    # line 2 was open to the second read, which shipped, but for its unknown "arrlve": the first
    # read's known "arrive" there ships instead
    assert texts(merged.lines) == ["The Secretary of State", "will arrive in London", "going to school"]
    other = [[w.other_read for w in ln.words] for ln in merged.lines]
    # its words differ between the two reads at two
    assert other[1] == [None, "arrlve", None, "Londen"]
    # line 3 was not at risk: the second read's "schoo1" was not asked
    assert other[0] == [None] * 4 and other[2] == [None] * 3
    # a line whose rows the second read read and found text in, but no line here: every word
    # disputed, by nothing; where it did not cover those rows (or found nothing at all), no evidence
    page = [line("will arrive in Londen", 150, conf=60), line("The Secretary of State", 300)]
    elsewhere = [line("The Secretary of State", 301)]
    covered = merge_reads(page, elsewhere, vocabulary(page, elsewhere), at_risk={0, 1}, covered={0, 1})
    assert [w.other_read for w in covered.lines[0].words] == [""] * 4
    uncovered = merge_reads(page, elsewhere, vocabulary(page, elsewhere), at_risk={0, 1}, covered={1})
    assert [w.other_read for w in uncovered.lines[0].words] == [None] * 4
    nothing = merge_reads(page, [], vocabulary(page), at_risk={0, 1})
    assert all(w.other_read is None for ln in nothing.lines for w in ln.words)


def test_a_word_the_two_reads_dispute_is_doubted_below_the_unknown_word_bar():
    from pipeline.calibration import DOUBT_UNKNOWN, flag_doubtful
    from pipeline.model import Page

    words = [Word(text="una", confidence=DOUBT_UNKNOWN - 5, other_read="und"),
             Word(text="Sache", confidence=DOUBT_UNKNOWN + 2, other_read="Sachc"),
             Word(text="und", confidence=DOUBT_UNKNOWN - 5),
             # a lone letter disputed is doubted too ("a" against "o"); a stop against a comma is not
             Word(text="a", confidence=DOUBT_UNKNOWN - 5, other_read="o"),
             Word(text=".", confidence=DOUBT_UNKNOWN - 5, other_read=",")]
    page = flag_doubtful(Page(source="x", lines=[Line(words=words)]))
    assert [w.flagged for w in page.words] == [True, False, False, True, False]


def test_an_unknown_word_takes_the_other_reads_known_word_at_its_place_where_they_are_a_slip_apart():
    """Word by word, in the lines the first read ships: where its word is unknown and the second
    read has a known word at the same place, of letters and punctuated alike, at most two letters
    apart, the known word ships (its other_read is the first read's). Not a word further off, not
    a known word of the first read's, and not where the second read made a word a number."""
    original = [line("The Secretary of Statc will arrive in Londen, on Monday", 100, conf=55)]
    processed = [line("Tho Secretary of State will arrive in London; on Mundane", 101, conf=70)]
    vocab = vocabulary(original, processed)
    merged = merge_reads(original, processed, vocab, at_risk={0}, model=NEVER_PROCESSED)
    words = merged.lines[0].words
    assert merged.lines[0].text == "The Secretary of State will arrive in Londen, on Monday"
    assert words[3].other_read == "Statc" and words[3].confidence == 70  # the other read's word, as it read it
    assert words[0].other_read == "Tho" and words[7].other_read == "London;" and words[9].other_read == "Mundane"
    # three letters apart, or a number on one side: no swap
    for first, second in (("Lxxdxn", "London"), ("L0nd0n", "London")):
        one, two = [line(f"will arrive in {first}", 100, conf=55)], [line(f"will arrive in {second}", 101, conf=70)]
        kept = merge_reads(one, two, vocabulary(one, two), at_risk={0}, model=NEVER_PROCESSED)
        assert kept.lines[0].words[3].text == first and kept.lines[0].words[3].other_read == second
    # the other read's word also covers a neighbour ("Londo" "n" against "London"): no swap, no
    # stray letter left beside a swapped word
    one = [Line(words=[Word(text="in", bbox=(0, 0, 36, 30), confidence=55), Word(text="Londo", bbox=(51, 0, 141, 30), confidence=55),
                       Word(text="n", bbox=(143, 0, 161, 30), confidence=55)])]
    two = [Line(words=[Word(text="in", bbox=(0, 0, 36, 30), confidence=70), Word(text="London", bbox=(51, 0, 161, 30), confidence=70)])]
    kept = merge_reads(one, two, vocabulary(one, two), at_risk={0}, model=NEVER_PROCESSED)
    assert kept.lines[0].text == "in Londo n"
