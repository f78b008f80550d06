"""The Tesseract wrapper: the version check, hOCR parsing, and a real run."""

import numpy as np
import pytest

from conftest import DATA
from pipeline.errors import MissingDependencyError
from pipeline.options import OcrOptions
from pipeline.engine import OcrEngine, TesseractEngine
from pipeline.tesseract import check_tesseract, parse_hocr


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
    engine = TesseractEngine()
    assert isinstance(engine, OcrEngine)
    page = engine.read(image, OcrOptions(), dpi=300)
    words = page.words
    assert " ".join(w.text for w in words) == "Moscow 1988"
    assert all(w.bbox and w.bbox[2] <= 600 for w in words)
    assert (page.width, page.height) == (600, 120)
    assert page.engine["name"] == "tesseract" and page.engine["version"] == info.version


@pytest.mark.tesseract
def test_tesseract_engine_names_its_language_data_and_offers_its_dictionary():
    engine = TesseractEngine()
    ident = engine.data_id("eng")
    assert ident.startswith("eng:") and "unknown" not in ident
    words = engine.words("eng")
    # Tesseract's own English word list, unpacked from the installed language data.
    assert len(words) > 100_000 and {"government", "embassy", "minister"} <= words


def test_tesseract_engine_reports_a_timeout_as_an_engine_error(tmp_path):
    """A Tesseract that hangs is stopped at the timeout with a message saying how to raise it."""
    from pipeline.errors import OcrEngineError

    slow = tmp_path / "tesseract"
    slow.write_text("#!/bin/sh\ncase \"$1\" in --version) echo 'tesseract 5.3.0';; --list-langs) printf 'List of available languages in \"/x/\" (1):\\neng\\n';; *) sleep 30;; esac\n")
    slow.chmod(0o755)
    engine = TesseractEngine(str(slow))
    with pytest.raises(OcrEngineError) as info:
        engine.read(np.full((50, 50), 255, np.uint8), OcrOptions(tesseract_cmd=str(slow), timeout_s=1))
    assert "--ocr-timeout" in str(info.value)
