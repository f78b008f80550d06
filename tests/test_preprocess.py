"""Preprocessing steps pinned on pages drawn in the test: skew, orientation, clean pages left
alone, low-resolution and anisotropic pages enlarged, dark edges cut, heavy noise cleaned, and
word boxes mapped back to the scan through every geometric step."""

from __future__ import annotations


import dataclasses

import cv2
import numpy as np
import pytest

from pipeline.model import Line, Step, Word
from pipeline.options import PreprocessOptions
from pipeline.preprocess import (
    STEP_NAMES,
    _geometry,
    estimate_orientation,
    estimate_skew,
    measure_page,
    plan_candidates,
    preprocess,
)
from pipeline.process import map_lines

TEXT = [
    "The Secretary of State presents his compliments to",
    "the Ambassador and has the honour to refer to the",
    "note of the eighth of March concerning the visit of",
    "the delegation. The Government would be grateful if",
    "the talks could take place in the week beginning the",
    "fourteenth of April, at the Foreign Office in London.",
    "It is hoped that the question of the fishing limits",
    "and the related financial arrangements can be dealt",
    "with at the same time. A draft agenda is attached and",
    "comments on it would be welcome at an early date.",
    "The Secretary of State avails himself of this chance",
    "to renew to the Ambassador the assurance of his",
    "highest consideration. Copies go to the Treasury, the",
    "Ministry of Defence and the Department of Trade.",
    "Political and economic reporting should continue as",
    "before, with particular attention to the elections.",
    "Telegram number 214 of 3 June: please repeat to Paris.",
    "The Prime Minister has seen and agrees with the plan.",
]

AUTO = PreprocessOptions(mode="auto")


def draw_page(width: int = 1500, height: int = 1500, scale: float = 1.0, thickness: int = 2) -> np.ndarray:
    """A clean typed-looking page: white, black text lines, about 300 dpi proportions."""
    page = np.full((height, width), 255, np.uint8)
    y = 110
    for line in TEXT:
        cv2.putText(page, line, (70, y), cv2.FONT_HERSHEY_SIMPLEX, scale, 0, thickness, cv2.LINE_AA)
        y += 70
        if y > height - 60:
            break
    return page


def skewed(page: np.ndarray, degrees: float) -> np.ndarray:
    """The page rotated so that its text rises to the right by ``degrees``."""
    h, w = page.shape
    m = cv2.getRotationMatrix2D((w / 2, h / 2), degrees, 1.0)
    return cv2.warpAffine(page, m, (w, h), flags=cv2.INTER_LINEAR, borderValue=255)


@pytest.fixture(scope="module")
def page() -> np.ndarray:
    return draw_page()


@pytest.mark.parametrize("degrees", [3.0, -2.2, 6.5])
def test_known_skew_is_measured_and_corrected_within_0_3_degrees(page: np.ndarray, degrees: float) -> None:
    tilted = skewed(page, degrees)
    measures = measure_page(tilted, 300)
    assert measures.skew == pytest.approx(degrees, abs=0.3)
    result = preprocess(tilted, 300, AUTO)
    assert [s.name for s in result.steps] == ["deskew"]
    assert estimate_skew(result.image) == pytest.approx(0.0, abs=0.3)


def test_small_skew_is_left_alone(page: np.ndarray) -> None:
    # Below MIN_DESKEW_DEGREES resampling costs more than it gains (measured on the dev pages).
    result = preprocess(skewed(page, 0.5), 300, AUTO)
    assert "deskew" not in [s.name for s in result.steps]


@pytest.mark.parametrize(
    ("code", "expected_turn"),
    [(cv2.ROTATE_90_CLOCKWISE, 270), (cv2.ROTATE_180, 180), (cv2.ROTATE_90_COUNTERCLOCKWISE, 90)],
)
def test_rotated_page_is_turned_upright(page: np.ndarray, code: int, expected_turn: int) -> None:
    rotated = cv2.rotate(page, code)
    turn, evidence = estimate_orientation(rotated)
    assert turn == expected_turn, evidence
    result = preprocess(rotated, 300, AUTO)
    assert result.steps[0].name == "orient"
    assert result.image.shape == page.shape
    assert np.array_equal(result.image, page)


def test_upright_page_orientation_evidence(page: np.ndarray) -> None:
    turn, evidence = estimate_orientation(page)
    assert turn == 0
    assert evidence["axis_ratio"] < 0.5
    assert evidence["ascender_balance"] > 0.1


def test_clean_page_is_left_alone(page: np.ndarray) -> None:
    result = preprocess(page, 300, AUTO)
    assert result.steps == []
    assert result.image is page or np.array_equal(result.image, page)
    assert np.allclose(result.to_input, [[1, 0, 0], [0, 1, 0]])


def test_off_does_nothing(page: np.ndarray) -> None:
    color = cv2.cvtColor(page, cv2.COLOR_GRAY2BGR)
    result = preprocess(color, 300, PreprocessOptions(mode="off"))
    assert result.image is color and result.steps == []


def test_color_page_is_made_grayscale(page: np.ndarray) -> None:
    result = preprocess(cv2.cvtColor(page, cv2.COLOR_GRAY2BGR), 300, AUTO)
    assert result.image.ndim == 2
    assert result.steps[0].name == "grayscale"


def test_low_resolution_page_is_enlarged(page: np.ndarray) -> None:
    small = cv2.resize(page, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    result = preprocess(small, 120, AUTO)
    rescale = next(s for s in result.steps if s.name == "rescale")
    assert rescale.params["fx"] >= 1.5 and rescale.params["fx"] == rescale.params["fy"]
    assert result.dpi is not None and result.dpi > 120
    assert result.image.shape[0] == pytest.approx(small.shape[0] * rescale.params["fy"], abs=1)


def test_fax_with_half_vertical_resolution_is_stretched(page: np.ndarray) -> None:
    fax = cv2.resize(page, (page.shape[1], page.shape[0] // 2), interpolation=cv2.INTER_AREA)
    _, fax = cv2.threshold(fax, 128, 255, cv2.THRESH_BINARY)
    result = preprocess(fax, None, AUTO)
    rescale = next(s for s in result.steps if s.name == "rescale")
    assert rescale.params["fy"] == pytest.approx(2.0 * rescale.params["fx"], rel=0.01)


def test_speckled_bilevel_page_gets_a_median(page: np.ndarray) -> None:
    rng = np.random.default_rng(1)
    _, fax = cv2.threshold(page, 128, 255, cv2.THRESH_BINARY)
    fax = cv2.erode(fax, np.ones((2, 2), np.uint8))  # bold fax strokes
    dots = rng.random(fax.shape) < 0.002
    fax[dots] = 0
    result = preprocess(fax, 200, AUTO)
    assert "median" in [s.name for s in result.steps]
    assert int(np.sum(result.image[dots] == 0)) < int(np.sum(dots)) // 4


def test_heavy_noise_and_uneven_light_are_cleaned(page: np.ndarray) -> None:
    rng = np.random.default_rng(0)
    h, w = page.shape
    faded = 110 + page.astype(np.float32) * 0.45
    faded *= np.linspace(0.7, 1.05, w)[None, :]
    faded += rng.normal(0, 25, faded.shape)
    noisy = np.clip(faded, 0, 255).astype(np.uint8)
    measures = measure_page(noisy, 300)
    names = [s.name for s in plan_candidates(measures)[0]]
    assert "nlmeans" in names and "flatten" in names
    # The fallback candidate of a page the rules clean is the page as scanned.
    assert plan_candidates(measures)[1] == []


def test_dark_scanner_edge_is_cut(page: np.ndarray) -> None:
    edged = page.copy()
    edged[:, -60:] = 30
    edged[:40, :] = 20
    result = preprocess(edged, 300, AUTO)
    border = next(s for s in result.steps if s.name == "border")
    x0, y0, x1, y1 = border.params["box"]
    assert x0 == 0 and 40 <= y0 <= 70 and page.shape[1] - 90 <= x1 <= page.shape[1] - 60
    assert result.image.min(axis=0)[-5:].max() > 200  # no dark column left at the right


def test_word_box_maps_back_after_rotate_and_rescale() -> None:
    upright = draw_page()
    # A solid mark where a word would be, easy to find in any image.
    upright[1300:1340, 900:1100] = 0
    small = cv2.resize(upright, None, fx=0.4, fy=0.4, interpolation=cv2.INTER_AREA)
    scan = cv2.rotate(small, cv2.ROTATE_90_COUNTERCLOCKWISE)
    result = preprocess(scan, None, AUTO)
    names = [s.name for s in result.steps]
    assert names[0] == "orient" and "rescale" in names

    def mark_box(image: np.ndarray) -> tuple[int, int, int, int]:
        _, ink = cv2.threshold(image, 128, 255, cv2.THRESH_BINARY_INV)
        _, _, stats, _ = cv2.connectedComponentsWithStats(ink)
        i = 1 + int(np.argmax(stats[1:, cv2.CC_STAT_AREA]))
        x, y, w, h = stats[i, :4]
        return int(x), int(y), int(x + w), int(y + h)

    in_clean = mark_box(result.image)
    expected = mark_box(scan)
    height, width = scan.shape
    line = Line(words=[Word(text="mark", bbox=in_clean)], bbox=in_clean)
    mapped = map_lines([line], result.to_input, width, height)[0].words[0].bbox
    assert mapped is not None
    assert all(abs(a - b) <= 3 for a, b in zip(mapped, expected)), (mapped, expected)


def test_box_maps_back_after_crop_and_deskew(page: np.ndarray) -> None:
    edged = skewed(page, 4.0)
    edged[:, :50] = 25
    result = preprocess(edged, 300, AUTO)
    assert [s.name for s in result.steps] == ["border", "deskew"]
    # The clean image's centre must land at the centre of the cropped part of the scan.
    h, w = result.image.shape
    x, y = result.to_input @ np.array([w / 2, h / 2, 1.0])
    x0, y0, x1, y1 = next(s for s in result.steps if s.name == "border").params["box"]
    assert x == pytest.approx((x0 + x1) / 2, abs=1) and y == pytest.approx((y0 + y1) / 2, abs=1)


def test_forced_steps_run_in_pipeline_order(page: np.ndarray) -> None:
    result = preprocess(skewed(page, 2.0), 300, PreprocessOptions(mode="median,deskew"))
    assert [s.name for s in result.steps] == ["deskew", "median"]


def test_unknown_step_lists_the_known_ones(page: np.ndarray) -> None:
    from pydantic import ValidationError

    # (refused when the options are made, before any page is read)
    with pytest.raises(ValidationError) as info:
        PreprocessOptions(mode="deskew,sharpen")
    message = str(info.value)
    assert "sharpen" in message
    for name in STEP_NAMES:
        assert name in message


def test_explicit_candidate_reuses_measures(page: np.ndarray) -> None:
    first = preprocess(skewed(page, 3.0), 300, AUTO)
    assert first.measures is not None and len(first.candidates) == 3
    # The last resort, read only when both others read poorly: median, then flattening.
    assert [s.name for s in first.candidates[2]] == ["deskew", "median", "flatten"]
    second = preprocess(skewed(page, 3.0), 300, AUTO, steps=first.candidates[1], measures=first.measures)
    assert [s.name for s in second.steps] == [s.name for s in first.candidates[1]]
    assert "sauvola" in [s.name for s in second.steps]
    assert set(np.unique(second.image)) <= {0, 255}


def test_debug_images_are_written(page: np.ndarray, tmp_path) -> None:
    preprocess(skewed(page, 3.0), 300, PreprocessOptions(mode="auto", debug_dir=tmp_path), name="p")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p-00-input.png", "p-01-deskew.png"]


def test_measures_are_json_friendly(page: np.ndarray) -> None:
    import json

    measures = measure_page(page, 300)
    params = measures.as_params()
    assert json.loads(json.dumps(params)) == params
    Step(name="measure", params=params)


@pytest.mark.tesseract
def test_ocr_page_reads_an_upside_down_page_and_records_the_choice(tmp_path) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    upright = draw_page(height=700)
    scan = cv2.rotate(upright, cv2.ROTATE_180)
    page = ocr_page(PageImage(image=scan, index=0, dpi=300), "upside.png", Options(workers=1))
    text = " ".join(w.text for w in page.words)
    assert "Secretary" in text and "Ambassador" in text
    names = [s.name for s in page.steps]
    assert names[0] == "measure" and "orient" in names and names[-2:] == ["choose", "verify"]
    choose = page.steps[-2]
    assert choose.params["kept"] == 0 and len(choose.params["candidates"]) >= 1
    # Boxes refer to the scan as given: the first line of text is at the bottom of the scan.
    first = next(line for line in page.lines if "Secretary" in line.text)
    assert first.bbox is not None and first.bbox[1] > scan.shape[0] // 2


@pytest.mark.tesseract
def test_a_page_turned_clockwise_ships_its_turned_read_not_tesseracts_vertical_one(tmp_path) -> None:
    """Type turned a quarter clockwise (a portrait page scanned landscape, a PDF page with /Rotate
    90) Tesseract reads by itself as vertical lines, every word's box on end: as plausible as the
    turned read, the same words, and on a tie the read as scanned shipped, the turn dropped. Its
    PDF was shown sideways with each word's text laid across the word's box, and ALTO and hOCR
    said nothing of the turn (about half the pages so turned, by the last decimal of a score)."""
    from pipeline.export._layout import page_turn
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    scan = cv2.rotate(draw_page(height=700), cv2.ROTATE_90_CLOCKWISE)
    page = ocr_page(PageImage(image=scan, index=0, dpi=300), "side.png", Options(workers=1))
    assert "Secretary" in " ".join(w.text for w in page.words)
    assert page_turn(page) == 270
    # Boxes on the scan as given: the words of the turned type stand on end there.
    words = [w for w in page.words if len(w.text) >= 5 and w.bbox is not None]
    assert words and all(w.bbox[3] - w.bbox[1] > w.bbox[2] - w.bbox[0] for w in words)


def test_a_read_as_scanned_of_vertical_lines_yields_to_a_turned_read_of_the_same_words(page: np.ndarray) -> None:
    """The read as scanned a hair more plausible than the turned read (one word a point more
    confident) does not keep a page Tesseract read as vertical lines from shipping turned."""
    from conftest import FakeEngine
    from pipeline.export._layout import page_turn
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    scan = cv2.rotate(page, cv2.ROTATE_90_CLOCKWISE)
    texts = ["The", "Secretary", "of", "State", "presents"]

    def line(confidences, vertical):
        boxes = [(600, 70 + 120 * i, 630, 170 + 120 * i) if vertical else (70 + 120 * i, 90, 170 + 120 * i, 120)
                 for i in range(len(texts))]
        return Line(words=[Word(text=t, bbox=b, confidence=c) for t, b, c in zip(texts, boxes, confidences)],
                    bbox=(boxes[0][0], boxes[0][1], boxes[-1][2], boxes[-1][3]))

    engine = FakeEngine([[line([95, 96, 96, 96, 96], vertical=True)], [line([95, 95, 96, 96, 96], vertical=False)]],
                        words={"the", "secretary", "of", "state", "presents"})
    result = ocr_page(PageImage(image=scan, index=0, dpi=300), "side.png", Options(workers=1), engine=engine)
    assert page_turn(result) == 270
    assert result.steps[-1].params["shipped"] == "processed"


def _fake_reads(reads: list[list[tuple[str, float]]]):
    """A fake engine that reads these (text, confidence) words, one list per call, as one line."""
    from conftest import FakeEngine

    return FakeEngine([[Line(words=[Word(text=t, bbox=(10, 10, 50, 30), confidence=c) for t, c in words], bbox=(10, 10, 50, 30))]
                       if words else [] for words in reads], words={"the", "secretary", "word"})


def test_chooser_keeps_the_more_confident_second_read(monkeypatch, page: np.ndarray) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    engine = _fake_reads([[("Tbe", 40.0), ("Secrctary", 45.0)], [("The", 90.0), ("Secretary", 92.0)]])
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    seen = engine.seen
    assert len(seen) == 2
    assert [w.text for w in result.words] == ["The", "Secretary"]
    choose = result.steps[-2]
    assert choose.name == "choose" and choose.params["kept"] == 1
    assert [c["mean_confidence"] for c in choose.params["candidates"]] == [42.5, 91.0]
    # The kept candidate's steps are recorded (for a clean bilevel page the fallback is a median),
    # and the merge with the page as scanned (whose read was the first candidate's: no third read).
    assert [s.name for s in result.steps] == ["measure", "median", "choose", "verify"]
    assert result.steps[-1].params["groups_from_processed"] == 1


def test_chooser_does_not_reread_a_confident_page(monkeypatch, page: np.ndarray) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    from conftest import FakeEngine

    # A confident read whose line covers all the ink of the page: nothing is left to read again.
    whole = [Line(words=[Word(text="The", bbox=(40, 40, 1460, 1460), confidence=95.0)], bbox=(40, 40, 1460, 1460))]
    engine = FakeEngine([whole], words={"the"})
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    seen = engine.seen
    assert len(seen) == 1
    assert result.steps[-1].params == {"candidates": [{"steps": [], "mean_confidence": 95.0, "characters": 3}], "kept": 0}


def _line_in_first_band(image: np.ndarray) -> list[Line]:
    """A fake read of a montage: one line of known words in its first band (the bands start below
    MONTAGE_GAP rows of paper)."""
    words = [Word(text=t, bbox=(100 + 200 * k, 60, 280 + 200 * k, 90), confidence=95.0)
             for k, t in enumerate(["the", "secretary", "word", "the"])]
    return [Line(words=words, bbox=(100, 60, 880, 90))]


def test_ink_a_confident_read_put_in_no_line_is_read_again_in_a_montage(page: np.ndarray) -> None:
    """Tesseract's layout analysis can skip a whole paragraph of a clean page (18 typed lines of a
    German dev page, the read otherwise confident): that ink, and only it, is read again in a
    montage, and the lines found there are added where they read as text."""
    from conftest import FakeEngine
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    first_line = [Line(words=[Word(text="The", bbox=(60, 80, 1000, 120), confidence=95.0)], bbox=(60, 80, 1000, 120))]

    engine = FakeEngine([first_line, _line_in_first_band], words={"the", "secretary", "word"})
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert len(engine.seen) == 2
    # The second image is a montage of the rows below the first line, not the page again.
    assert engine.seen[1].shape != page.shape
    assert [ln.text for ln in result.lines] == ["The", "the secretary word the"]
    assert result.lines[1].bbox[1] > 120
    choose = result.steps[-2]
    assert choose.name == "choose" and choose.params["unread_bands"]


def test_on_a_page_no_step_changes_a_doubtful_line_is_neither_replaced_nor_dropped(page: np.ndarray) -> None:
    """Only the missed ink was read again: a garbled, unsure line of the first read (at risk) is
    not read again there, so nothing the band read says may replace or drop it."""
    from conftest import FakeEngine
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    sure = Line(words=[Word(text=t, bbox=(60 + 150 * k, 80, 200 + 150 * k, 120), confidence=95.0)
                       for k, t in enumerate(["the", "secretary", "word", "the", "secretary", "word"])], bbox=(60, 80, 950, 120))
    # Unknown and read with 70: at risk, and confident enough on average not to earn a whole second read.
    doubtful = Line(words=[Word(text=t, bbox=(60 + 150 * k, 150, 200 + 150 * k, 190), confidence=70.0)
                           for k, t in enumerate(["Tbe", "Sccr"])], bbox=(60, 150, 350, 190))
    garbled = [sure, doubtful]

    engine = FakeEngine([garbled, _line_in_first_band], words={"the", "secretary", "word"})
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert [ln.text for ln in result.lines][:2] == ["the secretary word the secretary word", "Tbe Sccr"]
    assert result.steps[-2].params["unread_bands"] and result.steps[-1].params["lines_dropped_as_no_text"] == 0


def test_chooser_rejects_a_confident_read_that_lost_the_text(monkeypatch, page: np.ndarray) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    first = [("word", 60.0)] * 50
    engine = _fake_reads([first, [("word", 96.0)] * 5])
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    assert next(s for s in result.steps if s.name == "choose").params["kept"] == 0
    assert len(result.words) == 50


def test_chooser_tries_the_last_resort_only_when_both_reads_are_poor(monkeypatch, page: np.ndarray) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    engine = _fake_reads([[], [("ee", 30.0)], [("The", 93.0), ("Secretary", 94.0)]])
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    seen = engine.seen
    assert len(seen) == 3
    assert [w.text for w in result.words] == ["The", "Secretary"]
    choose = result.steps[-2]
    assert choose.params["kept"] == 2 and choose.reason.startswith("both candidates read poorly")
    assert [c["mean_confidence"] for c in choose.params["candidates"]] == [None, 30.0, 93.5]
    assert [s.name for s in result.steps][-4:] == ["median", "flatten", "choose", "verify"]


def test_chooser_does_not_try_the_last_resort_after_a_fair_second_read(monkeypatch, page: np.ndarray) -> None:
    from pipeline.ingest import PageImage
    from pipeline.options import Options
    from pipeline.process import ocr_page

    engine = _fake_reads([[("Tbe", 40.0)], [("The", 70.0)]])
    result = ocr_page(PageImage(image=page, index=0, dpi=300), "p.png", Options(workers=1), engine=engine)
    seen = engine.seen
    assert len(seen) == 2 and result.steps[-2].params["kept"] == 1


def test_dark_edge_crop_keeps_a_letterhead_at_the_edge(page: np.ndarray) -> None:
    """A 1-bit business letter's letterhead (a rule and bold capitals near the top edge) is page
    content: the crop takes the real scanner edge on the right and leaves every row of the
    letterhead's type (the crop used to take those rows for dark edge)."""
    letter = np.vstack([np.full((120, page.shape[1]), 255, np.uint8), page[:-120]])
    letter[20:34, 60:1440] = 0
    head = np.full_like(letter, 255)
    cv2.putText(head, "FOREIGN & COMMONWEALTH OFFICE", (70, 95), cv2.FONT_HERSHEY_DUPLEX, 2.0, 0, 9)
    letter = np.minimum(letter, head)
    letter[:, -40:] = 25
    head_rows = np.nonzero((head < 128).any(axis=1))[0]
    measures = measure_page(letter, 300)
    x0, y0, x1, y1 = measures.border
    assert x1 <= letter.shape[1] - 40  # the scanner edge is cut
    assert y0 <= head_rows.min() and y1 == letter.shape[0]
    result = preprocess(letter, 300, AUTO)
    ink = (result.image < 128).sum()
    assert ink >= (letter[:, :-40] < 128).sum() - (letter[:34] < 128).sum()  # at most the rule is gone


def test_a_page_of_pixels_twice_as_tall_as_wide_is_stretched_by_what_its_file_says():
    """A fax sent at 204 x 98 dpi: stretched up by 204/98, and read at its horizontal resolution
    (Tesseract was told 424 dpi: the stretch scaled the vertical one, session 18's review)."""
    fax = cv2.resize(draw_page(), (1500, 720), interpolation=cv2.INTER_AREA)
    result = preprocess(fax, 204, AUTO, pixel_aspect=204 / 98)
    rescale = next(s for s in result.steps if s.name == "rescale")
    fx, fy = float(rescale.params["fx"]), float(rescale.params["fy"])
    assert fy / fx == pytest.approx(204 / 98, abs=0.01) and "the file says" in rescale.reason
    assert result.dpi == round(204 * fx)


def test_a_fax_fed_sideways_is_stretched_along_the_rows_it_lacks_once_turned():
    """A letter faxed sideways (landscape, at 204 x 98 dpi): turned upright, its 98 rows an inch run
    across the page, and the stretch must widen it. It stretched the turned page's height instead:
    type squashed twice over, read as nothing (the read as scanned, upside down, shipped) and
    Tesseract told 424 dpi."""
    upright = draw_page(width=1500, height=1728)
    sideways = cv2.rotate(upright, cv2.ROTATE_90_COUNTERCLOCKWISE)  # text runs up the page
    fax = cv2.resize(sideways, (sideways.shape[1], round(sideways.shape[0] * 98 / 204)), interpolation=cv2.INTER_AREA)
    result = preprocess(fax, 204, AUTO, pixel_aspect=204 / 98)
    names = [s.name for s in result.steps]
    assert names.index("orient") < names.index("rescale")
    rescale = result.steps[names.index("rescale")]
    fx, fy = float(rescale.params["fx"]), float(rescale.params["fy"])
    assert fx / fy == pytest.approx(204 / 98, abs=0.01)
    # The page upright at square pixels, told the resolution it now has across.
    assert result.image.shape[1] / result.image.shape[0] == pytest.approx(1500 / 1728, rel=0.02)
    assert result.dpi == round(204 * fy)


def test_a_fax_stored_turned_a_quarter_is_scaled_as_the_same_fax_stored_upright_where_no_type_is_measured():
    """A fax page with no type to measure (a cover sheet's blank), stored turned a quarter (98 x
    204 dpi, as a viewer's 'rotate and save' leaves it) or sideways and turned by the chooser: its
    98 dpi across was taken for the page's resolution before the stretch that makes it 204, and the
    page enlarged three times more (1734 x 2244 px became 5202 x 6732, Tesseract told 612 dpi),
    where the same fax stored upright is stretched to 204 dpi square and no more."""
    upright = preprocess(np.full((1078, 1734), 255, np.uint8), 204, AUTO, pixel_aspect=204 / 98)
    turned = preprocess(np.full((2244, 833), 255, np.uint8), 98, AUTO, pixel_aspect=98 / 204)
    assert upright.measures.xheight is None and turned.measures.xheight is None
    assert upright.dpi == turned.dpi == 204
    assert turned.image.shape == pytest.approx(upright.image.shape, abs=5)  # (the same 8.5 x 11 in page)
    # Stored sideways (98 x 204 dpi, its lines running up the page) and turned upright by the chooser.
    sideways = dataclasses.replace(turned.measures, orientation=90, pixel_aspect=98 / 204)
    steps = _geometry(dataclasses.replace(sideways, width=833, height=2244), None)
    rescale = next(s for s in steps if s.name == "rescale")
    assert (rescale.params["fx"], rescale.params["fy"]) == (1.0, pytest.approx(204 / 98, abs=0.01))


def test_a_short_memo_photographed_sideways_is_turned_as_its_camera_says():
    """A phone's photo of a three-line memo, stored sideways with an EXIF orientation: too few lines
    to tell which way round, so it was read as stored, upside-down garbage with "ok". Where the
    page cannot tell, the camera's word turns it; where it can, the page's own evidence wins (a
    phone held flat over a document often records the wrong way round)."""
    memo = draw_page(height=300)
    for turn, code in ((90, cv2.ROTATE_90_COUNTERCLOCKWISE), (270, cv2.ROTATE_90_CLOCKWISE), (180, cv2.ROTATE_180)):
        stored = cv2.rotate(memo, code)
        assert "orient" not in [s.name for s in preprocess(stored, 300, AUTO).steps]  # too little text
        result = preprocess(stored, 300, AUTO, stated_turn=turn)
        assert result.steps[0].name == "orient" and result.steps[0].params["degrees"] == turn
        assert result.image.shape == memo.shape
    # A page with lines enough to tell is turned as it shows, whatever the camera said.
    page = cv2.rotate(draw_page(height=700), cv2.ROTATE_90_COUNTERCLOCKWISE)
    assert preprocess(page, 300, AUTO, stated_turn=270).steps[0].params["degrees"] == 90
