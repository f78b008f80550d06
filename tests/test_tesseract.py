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


def _hocr_words(hocr: str | bytes) -> list[list[str]]:
    from pipeline.tesseract import parse_hocr_pages

    data = hocr.encode("utf-8") if isinstance(hocr, str) else hocr
    return [[w.text for line in page.lines for w in line.words] for page in parse_hocr_pages(data)]


def test_hocr_of_other_engines_and_of_tesseract_with_character_boxes_keeps_every_word():
    """Each of these read as no words at all, or crashed (session 18's sweep of other OCR)."""
    # Tesseract with hocr_char_boxes=1 (and lstm_choice_mode=2): a word is a span per character.
    chars = ("<div class='ocr_page' title='bbox 0 0 500 100'><span class='ocr_line' title='bbox 0 0 500 50'>"
             "<span class='ocrx_word' title='bbox 0 0 90 50; x_wconf 96'>\n"
             "  <span class='ocrx_cinfo' title='x_bboxes 0 0 40 50; x_conf 99.5'>t</span>\n"
             "   <span class='ocrx_cinfo' id='lstm_choices_1_1_1'><span class='ocrx_cinfo' id='choice_1' "
             "title='x_confs 92'>t</span><span class='ocrx_cinfo' id='choice_2' title='x_confs 8'>f</span></span>\n"
             "  <span class='ocrx_cinfo' title='x_bboxes 40 0 90 50; x_conf 99.4'>o</span>\n"
             "</span></span></div>")
    assert _hocr_words(chars) == [["to"]]
    # ocropus: lines with their text and no word elements.
    ocropus = ("<html><body><div class='ocr_page' title='bbox 0 0 900 200'><span class='ocr_line' "
               "title='bbox 0 0 900 50'>The Embassy <em>regrets</em></span></div></body></html>")
    assert _hocr_words(ocropus) == [["The", "Embassy", "regrets"]]
    # HTML as people write it: named entities, unquoted attributes, a line never closed, the
    # charset in a <meta>.
    html = ("<!DOCTYPE html><html><head><meta http-equiv='Content-Type' content='text/html; charset=ISO-8859-1'>"
            "</head><body><div class=ocr_page title='bbox 0 0 900 300'>"
            "<span class=ocr_line title='bbox 0 0 900 50'><span class=ocrx_word title='bbox 0 0 90 50'>caf&eacute;</span>"
            " <span class=ocrx_word title='bbox 100 0 300 50'>Stra\xdfe</span>"
            "<span class=ocr_line title='bbox 0 60 900 110'><span class=ocrx_word title='bbox 0 60 90 110'>next</span>"
            "</body></html>").encode("latin-1")
    assert _hocr_words(html) == [["café", "Straße", "next"]]
    # HTML that says no charset is UTF-8, as ocrfix hands it on (libxml2 took it for Latin-1: "CafÃ©").
    utf8 = "<html><body><div class=ocr_page><span class=ocr_line><span class=ocrx_word>Café&nbsp;</span></span></div></body></html>"
    assert _hocr_words(utf8.encode("utf-8")) == [["Café"]]


def test_ocr_files_are_known_by_their_root_and_markup_ocrfix_cannot_read_is_refused(tmp_path):
    from pipeline.errors import InputFileError
    from pipeline.ocr_files import ocr_file_kind, read_ocr_file

    long_prolog = b'<?xml version="1.0"?>\n<!-- ' + b"x" * 6000 + b' -->\n<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"/>'
    assert ocr_file_kind(long_prolog) == "alto"  # the root was looked for in the first 4 KB only
    assert ocr_file_kind(b"<html> was typed here by the clerk\n") == "txt"
    assert ocr_file_kind(b'<?xml version="1.0"?><PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">'
                         b"<Page/></PcGts>") == "page"
    refused = {
        "read.tsv": (b"level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n",
                     "Tesseract's TSV"),
        "other.xml": (b'<?xml version="1.0"?><letter><p>Dear Sir</p></letter>', "neither hOCR"),
    }
    for name, (data, why) in refused.items():
        with pytest.raises(InputFileError, match=why):
            read_ocr_file(tmp_path / name, data)


def test_an_alto_box_that_is_no_number_is_no_box(tmp_path):
    from pipeline.ocr_files import read_ocr_file

    alto = (b'<alto><Layout><Page WIDTH="100" HEIGHT="100"><PrintSpace><TextBlock><TextLine>'
            b'<String CONTENT="word" HPOS="NaN" VPOS="1" WIDTH="inf" HEIGHT="5" WC="NaN"/></TextLine></TextBlock>'
            b"</PrintSpace></Page></Layout></alto>")
    doc, kind = read_ocr_file(tmp_path / "a.xml", alto)
    word = doc.pages[0].words[0]
    assert kind == "alto" and word.text == "word" and word.bbox is None and word.confidence is None
    # A page of no size: was OverflowError, a traceback.
    infinite = alto.replace(b'<Page WIDTH="100"', b'<Page WIDTH="inf"')
    assert read_ocr_file(tmp_path / "a.xml", infinite)[0].pages[0].width == 0


@pytest.mark.tesseract
def test_a_page_over_tesseracts_size_limit_says_what_to_do():
    """A page over 32767 px a side (a scroll or a map scanned at 600 dpi): Tesseract's own "Image
    too large: (40000, 10) Error during processing." said nothing of the limit or what to do."""
    from pipeline.errors import OcrEngineError

    with pytest.raises(OcrEngineError, match=r"40000 x 10 px.*at most 32767 px a side.*split the scan or scale it down"):
        TesseractEngine().read(np.full((10, 40000), 255, np.uint8), OcrOptions())
