"""The Tesseract wrapper: the version check, hOCR parsing, and a real run."""

import numpy as np
import pytest

from conftest import DATA
from pipeline.errors import MissingDependencyError
from pipeline.options import OcrOptions
from pipeline.tesseract import check_tesseract, ocr_image, parse_hocr


def test_parse_hocr_words_boxes_confidences_and_alternatives():
    lines = parse_hocr((DATA / "sample.hocr").read_bytes())
    assert [l.text for l in lines][:3] == [
        "eligible to vote with the necessary documents, for",
        "which purpose it has constituted sixteen offices in",
        "Budapest alone.",
    ]
    first = lines[0].words[0]
    assert (first.text, first.bbox, first.confidence) == ("eligible", (18, 12, 182, 46), 96.0)
    assert all(0 <= w.confidence <= 100 for l in lines for w in l.words)
    # A blurred word carries Tesseract's per-character alternatives, aligned with its text.
    with_choices = [w for l in lines for w in l.words if w.alternatives]
    assert with_choices, "lstm_choice_mode=2 hOCR should yield alternatives"
    for w in with_choices:
        assert len(w.alternatives) == len(w.text)
        assert all(pos and pos[0][0] == ch for pos, ch in zip(w.alternatives, w.text) if len(pos) == 1)
    # Paragraphs become blocks.
    assert {l.block for l in lines} == {0, 1}


def test_parse_hocr_empty_output():
    assert parse_hocr(b"") == []


def test_missing_tesseract_names_the_package():
    with pytest.raises(MissingDependencyError) as info:
        check_tesseract("tesseract-does-not-exist")
    assert "apt-get install tesseract-ocr" in str(info.value)


@pytest.mark.tesseract
def test_missing_language_data_names_the_package():
    with pytest.raises(MissingDependencyError) as info:
        check_tesseract("tesseract", "xyz")
    assert "tesseract-ocr-xyz" in str(info.value)


@pytest.mark.tesseract
def test_real_tesseract_reads_a_rendered_word():
    import cv2

    image = np.full((120, 600), 255, np.uint8)
    cv2.putText(image, "Moscow 1988", (20, 80), cv2.FONT_HERSHEY_SIMPLEX, 2, 0, 4)
    info = check_tesseract()
    assert int(info.version.split(".")[0]) >= 5
    lines = ocr_image(image, OcrOptions(), dpi=300)
    words = [w for l in lines for w in l.words]
    assert " ".join(w.text for w in words) == "Moscow 1988"
    assert all(w.bbox and w.bbox[2] <= 600 for w in words)
