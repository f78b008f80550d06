"""ALTO, hOCR, PAGE XML and searchable PDF: valid, and with exactly the words of the .txt output."""

from __future__ import annotations

import io
import re
import subprocess
import time
from pathlib import Path

import cv2
import numpy as np
import pytest
from lxml import etree
from PIL import Image

from conftest import DATA, OCRFIX
from pipeline.errors import OutputError
from pipeline.export import document_text, to_alto, to_hocr, to_pdf
from pipeline.model import Change, Document, Line, Page, Step, Word
from pipeline.export.page import to_page
from pipeline.outputs import left_over_outputs, write_document

ALTO = "{http://www.loc.gov/standards/alto/ns-v4#}"
XHTML = "{http://www.w3.org/1999/xhtml}"
W, H = 1200, 500


def _line(words: list[tuple[str, float | None]], y: int, block: int) -> Line:
    out, x = [], 40
    for text, conf in words:
        width = 22 * len(text)
        out.append(Word(text=text, confidence=conf, bbox=(x, y, x + width, y + 40)))
        x += width + 25
    return Line(words=out, bbox=(40, y, x - 25, y + 40), block=block)


def _page(index: int = 0) -> Page:
    lines = [
        _line([("We", 95.0), ("envisage", 61.0), ("a", 96.0), ("decision", 90.0)], 40, 0),
        _line([("Powell/Parker", 100.0), ("to", 93.0)], 100, 0),
        _line([("at", 92.0), ("once", 88.0)], 220, 1),  # a new block (paragraph)
        _line([("Sulverb", 40.0), ("new Delhi", 70.0)], 280, 1),  # a split word: two tokens
    ]
    flagged = lines[3].words[0].model_copy(update={"flagged": True, "suggestions": ["Superb", "Sulverb"]})
    lines[3] = lines[3].model_copy(update={"words": [flagged, lines[3].words[1]]})
    # the page's second read had "ouce" where "once" is
    lines[2] = lines[2].model_copy(update={"words": [lines[2].words[0], lines[2].words[1].model_copy(update={"other_read": "ouce"})]})
    changes = [
        Change(line=0, word=1, original="chvisage", new="envisage", source="override", entry_id="c16c1ef"),
        Change(line=1, word=0, original="lowell /larker", new="Powell/Parker", source="override", entry_id="c8bb90a"),
        Change(line=3, word=1, original="newDelhi", new="new Delhi", source="split", score=0.8),
    ]
    steps = [Step(name="grayscale", reason="Tesseract reads intensity only"), Step(name="deskew", params={"angle": 0.4}, reason="skewed")]
    engine = {"name": "tesseract", "version": "5.3.0", "lang": "eng", "psm": "3"}
    return Page(source="box/letter.png", index=index, width=W, height=H, dpi=300, lines=lines, changes=changes,
                steps=steps, engine=engine)


def _doc(pages: int = 1) -> Document:
    return Document(source="box/letter.png", pages=[_page(i) for i in range(pages)])


def _tokens(doc: Document) -> list[str]:
    return document_text(doc).split()


def _image(path: Path, pages: int = 1, *, bilevel: bool = False) -> Path:
    frames = []
    for i in range(pages):
        rng = np.random.default_rng(i)
        image = np.full((H, W), 235, np.uint8) + rng.integers(0, 20, (H, W), dtype=np.uint8)
        cv2.putText(image, f"page {i + 1}", (40, 80), cv2.FONT_HERSHEY_DUPLEX, 1.4, 0, 2)
        if bilevel:
            image = np.where(image > 128, 255, 0).astype(np.uint8)
        frames.append(Image.fromarray(image))
    frames[0].save(path, save_all=pages > 1, append_images=frames[1:], dpi=(300, 300))
    return path


def _pdftotext(pdf: Path, *args: str) -> str:
    return subprocess.run(["pdftotext", *args, str(pdf), "-"], capture_output=True, check=True).stdout.decode("utf-8")


# -- ALTO ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def alto_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "alto" / "alto-4-4.xsd")))


def test_alto_is_valid_against_the_official_schema(alto_schema):
    data = to_alto(_doc(2))
    root = etree.fromstring(data)
    alto_schema.assertValid(root)
    # The ALTO namespace is the default one, as ALTO readers expect (<alto xmlns="...">, <String ...>).
    assert b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"' in data and b"<String " in data


def test_alto_has_the_words_of_the_text_output_with_boxes_confidences_and_ocr_forms(alto_schema):
    doc = _doc()
    root = etree.fromstring(to_alto(doc))
    strings = root.findall(f".//{ALTO}String")
    assert [s.get("CONTENT") for s in strings] == _tokens(doc)
    assert all(0 <= float(s.get("WC")) <= 1 for s in strings)
    by_text = {s.get("CONTENT"): s for s in strings}
    alternative = by_text["envisage"].find(f"{ALTO}ALTERNATIVE")
    assert alternative.text == "chvisage" and alternative.get("PURPOSE") == "OCR"
    assert by_text["envisage"].get("CS") == "true" and by_text["Delhi"].get("CS") is None
    assert by_text["We"].find(f"{ALTO}ALTERNATIVE") is None and by_text["We"].get("WC") == "0.95"
    assert by_text["We"].get("HPOS") == "40" and by_text["We"].get("WIDTH") == "44"
    # The split word's box is shared between its two Strings.
    new, delhi = by_text["new"], by_text["Delhi"]
    assert int(new.get("HPOS")) + int(new.get("WIDTH")) <= int(delhi.get("HPOS"))
    assert [a.text for a in by_text["Sulverb"].findall(f"{ALTO}ALTERNATIVE")] == ["Superb"]
    other = by_text["once"].find(f"{ALTO}ALTERNATIVE")
    assert other.text == "ouce" and other.get("PURPOSE") == "other read"
    # Two paragraphs -> two TextBlocks; processing steps referenced from the Page.
    assert len(root.findall(f".//{ALTO}TextBlock")) == 2
    page = root.find(f".//{ALTO}Page")
    refs = page.get("PROCESSINGREFS").split()
    descriptions = [root.find(f".//{ALTO}Processing[@ID='{r}']/{ALTO}processingStepDescription").text for r in refs]
    assert descriptions[0].startswith("grayscale") and "tesseract" in descriptions[2] and "correction" in descriptions[3]


def test_alto_of_text_input_without_boxes_or_confidences_is_valid(alto_schema):
    page = Page(source="notes.txt", lines=[Line(words=[Word(text="plain"), Word(text="text\x01")])])
    root = etree.fromstring(to_alto(Document(source="notes.txt", pages=[page])))
    alto_schema.assertValid(root)
    assert [s.get("CONTENT") for s in root.iter(f"{ALTO}String")] == ["plain", "text\ufffd"]


# -- hOCR ---------------------------------------------------------------------------------------


def test_hocr_parses_and_has_the_words_with_x_wconf():
    doc = _doc(2)
    root = etree.fromstring(to_hocr(doc))
    words = root.findall(f".//{XHTML}span[@class='ocrx_word']")
    assert [w.text for w in words] == _tokens(doc)
    titles = [w.get("title") for w in words]
    assert titles[0] == "bbox 40 40 84 80; x_wconf 95"
    assert len(root.findall(f".//{XHTML}div[@class='ocr_page']")) == 2
    envisage = next(w for w in words if w.text == "envisage")
    assert envisage.get("data-ocr-original") == "chvisage" and "x_wconf 100" in envisage.get("title")
    # Its text content reads as the text output does.
    first_page = root.find(f".//{XHTML}div[@class='ocr_page']")
    assert "".join(first_page.itertext()).split() == _tokens(Document(source="x", pages=[doc.pages[0]]))


# -- PDF ----------------------------------------------------------------------------------------


def test_pdf_text_layer_gives_the_corrected_words_in_order(tmp_path):
    doc = _doc()
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(to_pdf(doc, _image(tmp_path / "letter.png")))
    assert _pdftotext(pdf, "-raw").split() == _tokens(doc)
    # Default (layout-guessing) mode: the same lines.
    lines = [" ".join(line.split()) for line in _pdftotext(pdf).splitlines() if line.strip()]
    assert lines == ["We envisage a decision", "Powell/Parker to", "at once", "Sulverb new Delhi"]


def test_pdf_text_layer_keeps_the_lines_of_a_skewed_scan_apart(tmp_path):
    """Lines of 30 px type 34 px apart on a scan skewed 1.6 degrees (each line's box rises 40 px
    across the page): pdftotext and pdfium (the engine of Chrome's viewer) give each line's words,
    in order and unjoined, and a word's highlight (pdfium's character box) sits on the word's box."""
    import pypdfium2 as pdfium

    texts = ["Thank you for your letter of October about the Soviet proposal",
             "for a Moscow Human Rights Conference. I enclose a draft message",
             "from the Prime Minister to President Reagan and his advisers now"]
    lines = []
    for li, text in enumerate(texts):
        words, x = [], 40
        for word in text.split():
            width = 18 * len(word)
            bottom = 100 + 34 * li + round(0.028 * x)  # the skew: 28 px more per 1,000 px
            words.append(Word(text=word, bbox=(x, bottom - 30, x + width, bottom), confidence=90.0))
            x += width + 16
        lines.append(Line(words=words, bbox=(40, words[0].bbox[1], x - 16, words[-1].bbox[3])))
    doc = Document(source="skew.png", pages=[Page(source="skew.png", width=W, height=H, dpi=300, lines=lines)])
    pdf = tmp_path / "skew.pdf"
    pdf.write_bytes(to_pdf(doc, None))
    assert [" ".join(line.split()) for line in _pdftotext(pdf).splitlines() if line.strip()] == texts
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        text = page.get_textpage()
        assert [" ".join(line.split()) for line in text.get_text_range().splitlines() if line.strip()] == texts
        # "Human" (line 2): its first character's box against the word's box, in points
        scale = 72 / 300
        human = lines[1].words[3]
        start = text.get_text_range().index("Human")
        _left, bottom, _right, top = text.get_charbox(start)
        height_pt = page.get_size()[1]
        word_top, word_bottom = height_pt - human.bbox[1] * scale, height_pt - human.bbox[3] * scale
        assert abs((top + bottom) / 2 - (word_top + word_bottom) / 2) < 0.5 * (word_top - word_bottom)
    finally:
        document.close()


def test_pdf_text_layer_runs_a_line_read_down_the_page_down_the_page(tmp_path):
    """A line Tesseract read running down the page (a file number stamped along the margin, a
    sideways page too short to be turned): each word's text lay across its box on end, one
    character's width down and the rest out to its right over the page's other words. Its
    characters now run down the word's box, and the page's own line stays whole."""
    import pypdfium2 as pdfium

    across = [Word(text=t, bbox=(40 + 200 * i, 100, 220 + 200 * i, 140), confidence=90.0)
              for i, t in enumerate(["Secret", "memorandum"])]
    down = [Word(text=t, bbox=(1100, 60 + 260 * i, 1140, 300 + 260 * i), confidence=90.0)
            for i, t in enumerate(["File", "number"])]
    lines = [Line(words=across, bbox=(40, 100, 420, 140)), Line(words=down, bbox=(1100, 60, 1140, 560), block=1)]
    doc = Document(source="stamp.png", pages=[Page(source="stamp.png", width=W, height=H + 100, dpi=300, lines=lines)])
    pdf = tmp_path / "stamp.pdf"
    pdf.write_bytes(to_pdf(doc, None))
    document = pdfium.PdfDocument(str(pdf))
    try:
        page = document[0]
        text = page.get_textpage()
        content = text.get_text_range()
        scale, height_pt = 72 / 300, page.get_size()[1]
        for word in across + down:
            x0, y0, x1, y1 = word.bbox
            start = content.index(word.text)
            for k in range(start, start + len(word.text)):
                left, bottom, right, top = text.get_charbox(k)
                cx, cy = (left + right) / 2 / scale, (height_pt - (top + bottom) / 2) / scale
                assert x0 - 2 <= cx <= x1 + 2 and y0 - 2 <= cy <= y1 + 2, (word.text, content[k], cx, cy)
    finally:
        document.close()
    assert "Secret memorandum" in " ".join(_pdftotext(pdf).split())
    # ALTO, hOCR and PAGE say the stamp's block runs down the page (270 degrees anticlockwise),
    # and nothing of the memo's own line.
    alto = etree.fromstring(to_alto(doc))
    etree.XMLSchema(etree.parse(str(DATA / "alto" / "alto-4-4.xsd"))).assertValid(alto)
    assert [b.get("ROTATION") for b in alto.iter(f"{ALTO}TextBlock")] == [None, "270"]
    hocr = etree.fromstring(to_hocr(doc))
    assert ["textangle" in el.get("title") for el in hocr.iter(f"{XHTML}span") if el.get("class") == "ocr_line"] == [False, True]
    page_xml = etree.fromstring(to_page(doc))
    page_schema().assertValid(page_xml)
    assert [r.get("orientation") for r in page_xml.iter() if r.tag.endswith("TextRegion")] == [None, "-90"]


def test_a_one_word_line_of_narrow_letters_on_an_upright_page_runs_across_in_every_output(tmp_path):
    """A paragraph's last line holding one narrow word ('fill.' in a narrow sans, as Tesseract
    boxes it at 300 dpi: 35 px wide, 37 tall) is a word a hair taller than wide: it was taken for a
    line running down the page, laid out turned in the PDF (pdftotext put it on a line of its own,
    out of place) and said to be turned in ALTO (ROTATION 270), hOCR and PAGE, on an ordinary
    upright scan. Words on end are taller than wide by far more."""
    import pypdfium2 as pdfium

    words = [Word(text=t, bbox=(40 + 150 * i, 100, 170 + 150 * i, 137), confidence=90.0)
             for i, t in enumerate(["holes", "to", "be", "filled", "and", "to"])]
    widow = Word(text="fill.", bbox=(40, 160, 75, 197), confidence=90.0)
    lines = [Line(words=words, bbox=(40, 100, 920, 137)), Line(words=[widow], bbox=widow.bbox, block=1)]
    doc = Document(source="memo.png", pages=[Page(source="memo.png", width=W, height=H, dpi=300, lines=lines)])
    pdf = tmp_path / "memo.pdf"
    pdf.write_bytes(to_pdf(doc, None))
    document = pdfium.PdfDocument(str(pdf))
    try:
        text = document[0].get_textpage()
        start = text.get_text_range().index("fill.")
        lefts = [text.get_charbox(k)[0] for k in range(start, start + 5)]
        assert lefts == sorted(lefts) and lefts[-1] > lefts[0]  # across the page, not down it
    finally:
        document.close()
    assert [b.get("ROTATION") for b in etree.fromstring(to_alto(doc)).iter(f"{ALTO}TextBlock")] == [None, None]
    assert "textangle" not in to_hocr(doc).decode()
    assert [r.get("orientation") for r in etree.fromstring(to_page(doc)).iter() if r.tag.endswith("TextRegion")] == [None, None]


def test_pdf_of_a_multipage_input_has_a_page_each_and_opens_in_pdfium(tmp_path):
    import pikepdf
    import pypdfium2 as pdfium

    doc = _doc(2)
    pdf = tmp_path / "letter.pdf"
    pdf.write_bytes(to_pdf(doc, _image(tmp_path / "letter.tif", pages=2)))
    pages = _pdftotext(pdf, "-raw").split("\f")
    assert [p.split() for p in pages if p.strip()] == [_tokens(Document(source="x", pages=[p])) for p in doc.pages]
    with pikepdf.open(pdf) as built:  # qpdf's own structural check (objects, xref, streams)
        assert built.check_pdf_syntax() == []
    for mode in ("2b", "off"):
        with pikepdf.open(io.BytesIO(to_pdf(doc, tmp_path / "letter.tif", pdf_a=mode))) as built:
            assert built.check_pdf_syntax() == [] and len(built.pages) == 2
    document = pdfium.PdfDocument(str(pdf))
    try:
        assert len(document) == 2
        width, height = document[0].get_size()
        assert (round(width), round(height)) == (round(W * 72 / 300), round(H * 72 / 300))
        text = document[1].get_textpage().get_text_range()
        assert "envisage" in text and "chvisage" not in text
    finally:
        document.close()


def test_pdf_embeds_a_jpeg_input_as_it_is_and_a_bilevel_page_as_one_bit(tmp_path):
    jpeg = tmp_path / "scan.jpg"
    Image.open(_image(tmp_path / "scan.png")).save(jpeg, quality=70, dpi=(300, 300))
    data = to_pdf(_doc(), jpeg)
    assert jpeg.read_bytes() in data and b"/DCTDecode" in data
    fax = to_pdf(_doc(), _image(tmp_path / "fax.png", bilevel=True))
    assert b"/BitsPerComponent 1" in fax and b"/DCTDecode" not in fax
    assert len(fax) < W * H / 8  # compressed below the raw bit count


def test_pdf_embeds_a_file_as_jpeg_by_what_it_holds_not_by_its_name(tmp_path):
    """A PNG or TIFF named .jpg (a rename, a scanner's export) was embedded as it is under a JPEG
    filter: its PDF page showed no scan (poppler: "Could not find start of jpeg data") while
    PDF/A validation passed. A JPEG named .png is embedded as it is."""
    import pypdfium2 as pdfium

    scan = Image.open(_image(tmp_path / "scan.png"))
    for name, fmt in (("png.jpg", "PNG"), ("tiff.jpeg", "TIFF"), ("jpeg.png", "JPEG")):
        path = tmp_path / name
        scan.save(path, fmt, dpi=(300, 300))
        data = to_pdf(_doc(), path)
        assert (path.read_bytes() in data) == (fmt == "JPEG")
        document = pdfium.PdfDocument(data)
        try:
            shown = np.asarray(document[0].render(scale=1).to_pil().convert("L"))
        finally:
            document.close()
        # The scan's grey paper (235 and up), not a blank page.
        assert 225 < float(np.median(shown)) < 250, name


def test_pdf_embeds_a_phone_s_jpeg_with_further_images_as_its_picture_as_it_is(tmp_path):
    """A phone's JPEG with further images in it (MPF: a preview, an HDR gain map) was decoded and
    encoded again at quality 80 for its PDF, where the same photo without them goes in as it is:
    the picture the camera wrote, not a copy of it one generation worse (the preview left out)."""
    path = tmp_path / "photo.jpg"
    Image.open(_image(tmp_path / "scan.png")).convert("RGB").save(
        path, format="MPO", save_all=True, quality=95, append_images=[Image.new("RGB", (16, 10), (90, 90, 90))])
    with Image.open(path) as img:
        size = img.mpinfo[0xB002][0]["Size"]
    picture = path.read_bytes()[:size]
    data = to_pdf(_doc(), path)
    assert picture in data and b"/DCTDecode" in data and path.read_bytes() not in data
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(data)
    try:
        assert len(document) == 1
        shown = np.asarray(document[0].render(scale=1).to_pil().convert("L"))
    finally:
        document.close()
    assert 225 < float(np.median(shown)) < 250  # the scan's grey paper


def test_pdf_admits_the_pages_the_run_read_above_the_default_pixel_limits(tmp_path, monkeypatch):
    """A genuine scan over Pillow's bomb limit (179 Mpx) or ocrfix's default (200 Mpx), read with
    --max-pixels raised: its PDF ended the whole run in a traceback (DecompressionBombError), or
    failed the file as over the limit the person had raised. Here both limits are lowered instead."""
    import pipeline.ingest

    scans = [tmp_path / name for name in ("scan.png", "scan.jpg")]
    for path in scans:
        Image.open(_image(tmp_path / "grey.png")).save(path, dpi=(300, 300))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 50_000)  # Pillow refuses twice that
    monkeypatch.setattr(pipeline.ingest, "DEFAULT_MAX_PIXELS", 100_000)
    for path in scans:
        pdf = tmp_path / "scan.pdf"
        pdf.write_bytes(to_pdf(_doc(), path))  # W x H = 600,000 px, as the page was read
        assert _pdftotext(pdf, "-raw").split() == _tokens(_doc())


def test_pdf_without_images_still_has_the_text_and_write_document_needs_the_input(tmp_path):
    pdf = tmp_path / "plain.pdf"
    pdf.write_bytes(to_pdf(_doc()))
    assert _pdftotext(pdf, "-raw").split() == _tokens(_doc())
    with pytest.raises(OutputError, match="page images"):
        write_document(_doc(), tmp_path / "out", Path("letter.png"), ("pdf",))
    with pytest.raises(OutputError, match="not there"):
        write_document(_doc(), tmp_path / "out", Path("letter.png"), ("pdf",), input_path=tmp_path / "gone.png")


def test_write_document_writes_every_format_with_the_same_words(tmp_path):
    doc = _doc()
    image = _image(tmp_path / "letter.png")
    written = write_document(doc, tmp_path / "out", Path("box/letter.png"), ("txt", "json", "alto", "hocr", "pdf"), input_path=image)
    assert [p.name for p in written] == ["letter.txt", "letter.json", "letter.alto.xml", "letter.hocr", "letter.pdf"]
    words = (tmp_path / "out/box/letter.txt").read_text().split()
    alto = etree.parse(str(tmp_path / "out/box/letter.alto.xml"))
    assert [s.get("CONTENT") for s in alto.iter(f"{ALTO}String")] == words
    hocr = etree.parse(str(tmp_path / "out/box/letter.hocr"))
    assert [w.text for w in hocr.iter(f"{XHTML}span") if w.get("class") == "ocrx_word"] == words
    assert _pdftotext(tmp_path / "out/box/letter.pdf", "-raw").split() == words


@pytest.mark.tesseract
def test_ocrfix_process_writes_alto_hocr_and_pdf_from_a_real_scan(tmp_path, alto_schema):
    image = np.full((220, 1300), 255, np.uint8)
    cv2.putText(image, "The Embassy telegram arrived today", (30, 120), cv2.FONT_HERSHEY_DUPLEX, 1.6, 0, 2, cv2.LINE_AA)
    scan = tmp_path / "scan.png"
    Image.fromarray(image).save(scan, dpi=(300, 300))
    subprocess.run([OCRFIX, "process", str(scan), "-o", str(tmp_path / "out"), "--workers", "1", "--no-correct",
                    "--corrections", str(tmp_path / "none.yaml"), "--format", "txt,alto,hocr,pdf,page"],
                   check=True, capture_output=True)
    words = (tmp_path / "out/scan.txt").read_text().split()
    assert "Embassy" in words and "telegram" in words
    alto = etree.parse(str(tmp_path / "out/scan.alto.xml"))
    alto_schema.assertValid(alto)
    assert [s.get("CONTENT") for s in alto.iter(f"{ALTO}String")] == words
    hocr = etree.parse(str(tmp_path / "out/scan.hocr"))
    assert [w.text for w in hocr.iter(f"{XHTML}span") if w.get("class") == "ocrx_word"] == words
    assert _pdftotext(tmp_path / "out/scan.pdf").split() == words
    page = etree.parse(str(tmp_path / "out/scan.page.xml"))
    page_schema().assertValid(page)
    assert [_unicode(w) for w in page.iter(f"{PAGE}Word")] == words
    assert page.find(f"{PAGE}Page").get("imageFilename") == "scan.png"


def test_the_searchable_pdf_is_pdf_a_2b_by_default_and_plain_on_request(tmp_path):
    """PDF/A-2b as archives ingest it: XMP with pdfaid 2B, one sRGB OutputIntent with its ICC
    profile, and pikepdf's own PDF/A validator passes it; the JPEG scan is still embedded as it is,
    so the file is hardly larger than the scan. With pdf_a="off": no PDF/A markers."""
    import pikepdf
    import pikepdf.pdfa

    jpeg = tmp_path / "scan.jpg"
    Image.open(_image(tmp_path / "scan.png")).save(jpeg, quality=70, dpi=(300, 300))
    archival, plain = to_pdf(_doc(), jpeg), to_pdf(_doc(), jpeg, pdf_a="off")
    with pikepdf.open(io.BytesIO(archival)) as pdf:
        with pdf.open_metadata() as meta:
            assert meta.pdfa_status == "2B"
        [intent] = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.N == 3
        assert pikepdf.pdfa.check(pdf, "2b").passed
    assert jpeg.read_bytes() in archival and len(archival) <= 1.2 * len(jpeg.read_bytes()) + 20_000
    with pikepdf.open(io.BytesIO(plain)) as pdf:
        assert "/OutputIntents" not in pdf.Root
        with pdf.open_metadata() as meta:
            assert not meta.pdfa_status
    out = tmp_path / "text.pdf"
    out.write_bytes(archival)
    assert _pdftotext(out, "-raw").split() == _tokens(_doc())


def test_a_page_read_turned_is_shown_turned_with_its_text_in_reading_order(tmp_path, alto_schema):
    """A scan of a page lying on its side, which the chooser turned 90 degrees to read: the PDF
    shows it upright (/Rotate, the scan's pixels kept) with its lines selectable in order; ALTO and
    hOCR say how the text runs. Before, the text layer laid each sideways word out on the scan's
    axes and pdftotext gave letters in no order (session 18's sweep of inputs)."""
    import pikepdf

    upright = _page()

    def on_scan(box):  # where a box of the upright page lies on the sideways scan (W x H turned)
        x0, y0, x1, y1 = box
        return (y0, W - x1, y1, W - x0)

    lines = [line.model_copy(update={"bbox": on_scan(line.bbox),
                                     "words": [w.model_copy(update={"bbox": on_scan(w.bbox)}) for w in line.words]})
             for line in upright.lines]
    turned = upright.model_copy(update={"width": H, "height": W, "lines": lines,
                                        "steps": [Step(name="orient", params={"degrees": 90}, reason="sideways")]})
    doc = Document(source="side.png", pages=[turned])
    Image.fromarray(np.full((W, H), 235, np.uint8)).save(tmp_path / "side.png", dpi=(300, 300))
    pdf = tmp_path / "side.pdf"
    pdf.write_bytes(to_pdf(doc, tmp_path / "side.png"))
    with pikepdf.open(pdf) as opened:
        assert opened.pages[0].obj.Rotate == 90
    lines = [" ".join(line.split()) for line in _pdftotext(pdf).splitlines() if line.strip()]
    assert lines == ["We envisage a decision", "Powell/Parker to", "at once", "Sulverb new Delhi"]
    alto = etree.fromstring(to_alto(doc))
    alto_schema.assertValid(alto)
    assert {b.get("ROTATION") for b in alto.iter(f"{ALTO}TextBlock")} == {"90"}
    hocr = etree.fromstring(to_hocr(doc))
    assert all("textangle 90" in el.get("title") for el in hocr.iter(f"{XHTML}span") if el.get("class") == "ocr_line")
    # Where the read as scanned shipped (the turn was the chooser's mistake: the page's words are
    # level as scanned), nothing says turned.
    kept = upright.model_copy(update={"steps": [*turned.steps, Step(name="verify", params={"shipped": "as scanned"},
                                                                    reason="the read as scanned is the more plausible")]})
    pdf.write_bytes(to_pdf(Document(source="side.png", pages=[kept]), tmp_path / "side.png"))
    with pikepdf.open(pdf) as opened:
        assert "/Rotate" not in opened.pages[0].obj
    assert b"ROTATION" not in to_alto(Document(source="side.png", pages=[kept]))


def test_a_fax_page_of_pixels_twice_as_tall_as_wide_is_a_page_of_its_real_size(tmp_path):
    """A fax sent at 204 x 98 dpi: its PDF page was as squat as its pixels (session 18's sweep of
    inputs). The page is as tall as the paper was, and its words lie where its pixels are."""
    import pikepdf

    page = _page().model_copy(update={"dpi": 204, "steps": [
        Step(name="measure", params={"pixel_aspect": 204 / 98}, reason="what the page looked like")]})
    Image.fromarray(np.full((H, W), 235, np.uint8)).save(tmp_path / "fax.png")
    pdf = tmp_path / "fax.pdf"
    pdf.write_bytes(to_pdf(Document(source="fax.png", pages=[page]), tmp_path / "fax.png"))
    with pikepdf.open(pdf) as opened:
        box = [float(v) for v in opened.pages[0].MediaBox]
    assert box[2] == pytest.approx(W * 72 / 204, abs=0.01) and box[3] == pytest.approx(H * 72 / 98, abs=0.01)
    words = re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)">We<', _pdftotext(pdf, "-bbox"))
    [(x0, y0, y1)] = [tuple(map(float, w)) for w in words]
    we = page.lines[0].words[0].bbox  # its pixels, 98 rows to the inch
    middle = (we[1] + we[3]) / 2 * 72 / 98
    assert x0 == pytest.approx(we[0] * 72 / 204, abs=1) and y0 < middle < y1 and y1 - y0 < 2 * (we[3] - we[1]) * 72 / 98


def test_a_page_too_small_for_pdf_is_drawn_larger_not_a_failed_file(tmp_path):
    """A strip of one typed line, 12 px tall at 300 dpi, is 2.9 points: under PDF's 3 the PDF/A
    check failed the whole input (session 18's sweep of inputs)."""
    import pikepdf

    page = Page(source="strip.png", width=600, height=12, dpi=300,
                lines=[Line(words=[Word(text="strip", bbox=(10, 1, 80, 11), confidence=90.0)], bbox=(10, 1, 80, 11))])
    Image.fromarray(np.full((12, 600), 235, np.uint8)).save(tmp_path / "strip.png")
    pdf = tmp_path / "strip.pdf"
    pdf.write_bytes(to_pdf(Document(source="strip.png", pages=[page]), tmp_path / "strip.png"))
    with pikepdf.open(pdf) as opened:
        box = [float(v) for v in opened.pages[0].MediaBox]
    assert box[3] == pytest.approx(3.0, abs=0.01) and box[2] == pytest.approx(150.0, abs=0.1)
    assert _pdftotext(pdf, "-raw").split() == ["strip"]


def test_the_pdf_of_the_same_document_is_the_same_bytes_and_names_ocrfix_its_producer(tmp_path):
    """Its /ID came from the clock, so no two runs (one worker or two, local or Dask) gave the same
    PDF (session 18's sweep); PDF/A's metadata then recorded the time pikepdf wrote it, and pikepdf
    as the producer (session 19's sweep of the outputs)."""
    import pikepdf

    from pipeline import __version__

    doc = _doc()
    image = _image(tmp_path / "letter.png")
    first = {mode: to_pdf(doc, image, pdf_a=mode) for mode in ("off", "2b")}
    time.sleep(1.1)  # (qpdf's /ID is made from the time, in seconds)
    for mode, pdf in first.items():
        assert to_pdf(doc, image, pdf_a=mode) == pdf
        with pikepdf.open(io.BytesIO(pdf)) as built:
            assert str(built.docinfo.Producer) == f"ocrfix {__version__}"
            if mode != "off":
                assert built.open_metadata().get("pdf:Producer") == f"ocrfix {__version__}"


def test_a_line_box_written_covers_the_words_of_the_line(tmp_path, alto_schema):
    """A word the merge of two reads put in a line can stand outside the box Tesseract gave the
    line ("-" at [827,93,837,121] in a line [691,103,832,114] on a fax page, session 19's sweep):
    the line's box in ALTO and hOCR is made to hold it."""
    words = [Word(text="the", bbox=(691, 103, 740, 114), confidence=90.0), Word(text="-", bbox=(827, 93, 837, 121), confidence=40.0)]
    doc = Document(source="fax.tif", pages=[Page(source="fax.tif", width=W, height=H, lines=[Line(words=words, bbox=(691, 103, 832, 114))])])
    alto = etree.fromstring(to_alto(doc))
    line = alto.xpath("//*[local-name()='TextLine']")[0]
    assert [int(line.get(k)) for k in ("HPOS", "VPOS", "WIDTH", "HEIGHT")] == [691, 93, 146, 28]
    alto_schema.assertValid(alto)
    hocr = etree.fromstring(to_hocr(doc))
    assert "bbox 691 93 837 121" in hocr.xpath("//*[@class='ocr_line']")[0].get("title")


def test_hocr_names_the_language_tesseract_read_in(tmp_path):
    """Every hOCR said lang="en", German and Danish pages too (session 19's sweep of the outputs):
    it says the language the pages were read in (BCP 47's two-letter code where there is one), and
    none where that is not known."""
    for langs, said in ((["deu"], "de"), (["dan+eng"], "da"), (["eng", "eng"], "en"), (["frk"], "frk"), ([""], None),
                        (["deu", "eng"], None)):
        doc = Document(source="x.png", pages=[Page(source="x.png", engine={"lang": lang} if lang else {}) for lang in langs])
        root = etree.fromstring(to_hocr(doc))
        assert root.get("lang") == root.get("{http://www.w3.org/XML/1998/namespace}lang") == said, langs


def test_alto_in_tenths_of_a_millimetre_is_written_back_in_them(tmp_path, alto_schema):
    """An ALTO whose boxes are in mm10 came back labelled "pixel" with the same numbers (session
    18's sweep of other OCR): the unit is kept."""
    from pipeline.ocr_files import read_ocr_file

    source = (b'<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#"><Description><MeasurementUnit>mm10</MeasurementUnit>'
              b'</Description><Layout><Page ID="p" PHYSICAL_IMG_NR="1" WIDTH="2100" HEIGHT="2970"><PrintSpace>'
              b'<TextBlock ID="b"><TextLine ID="l"><String ID="s" CONTENT="Embassy" HPOS="200" VPOS="300" WIDTH="400" HEIGHT="50"/>'
              b"</TextLine></TextBlock></PrintSpace></Page></Layout></alto>")
    doc, _kind = read_ocr_file(tmp_path / "a.xml", source)
    root = etree.fromstring(to_alto(doc))
    alto_schema.assertValid(root)
    assert root.find(f".//{ALTO}MeasurementUnit").text == "mm10"
    [string] = root.iter(f"{ALTO}String")
    assert (string.get("HPOS"), string.get("WIDTH")) == ("200", "400")


# -- PAGE XML -----------------------------------------------------------------------------------

PAGE = "{http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15}"


def page_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "page" / "pagecontent-2019-07-15.xsd")))


def _unicode(element, index: str | None = None) -> str:
    """The text of an element's own TextEquiv (the one with this index, or its first)."""
    for equiv in element.findall(f"{PAGE}TextEquiv"):
        if index is None or equiv.get("index") == index:
            return equiv.find(f"{PAGE}Unicode").text or ""
    raise AssertionError(f"no TextEquiv {index}")


def test_page_xml_is_valid_and_has_the_words_lines_and_regions_of_the_text_output():
    doc = _doc()
    root = etree.fromstring(to_page(doc))
    page_schema().assertValid(root)
    page = root.find(f"{PAGE}Page")
    assert (page.get("imageWidth"), page.get("imageHeight"), page.get("primaryLanguage")) == (str(W), str(H), "English")
    assert [_unicode(w, None) for w in root.iter(f"{PAGE}Word")] == _tokens(doc)
    # lines and regions repeat their words' text, as PAGE asks; regions in the reading order
    lines = [_unicode(line) for line in root.iter(f"{PAGE}TextLine")]
    assert lines == document_text(doc).replace("\n\n", "\n").strip().split("\n")
    regions = root.findall(f".//{PAGE}TextRegion")
    assert [_unicode(r) for r in regions] == ["\n".join(lines[:2]), "\n".join(lines[2:])]
    assert [r.get("regionRef") for r in root.iter(f"{PAGE}RegionRefIndexed")] == [r.get("id") for r in regions]
    words = {_unicode(w): w for w in root.iter(f"{PAGE}Word")}
    # a changed word keeps its OCR form; a flagged one its suggestions; the other read where it differs
    assert _unicode(words["envisage"], "2") == "chvisage"
    assert words["envisage"].find(f"{PAGE}TextEquiv[@index='2']").get("comments") == "OCR"
    assert _unicode(words["Sulverb"], "2") == "Superb"
    assert _unicode(words["once"], "2") == "ouce"
    assert words["to"].find(f"{PAGE}TextEquiv").get("conf") == "0.93"  # Tesseract's, where nothing judged it
    assert words["We"].find(f"{f'{PAGE}Coords'}").get("points") == "40,40 84,40 84,80 40,80"


def test_page_xml_of_a_multipage_input_is_a_file_a_page_and_left_overs_are_named(tmp_path):
    written = write_document(_doc(3), tmp_path / "out", Path("box/letter.tif"), ("txt", "page"))
    assert [p.name for p in written] == ["letter.txt", "letter.page.xml", "letter.page-0002.xml", "letter.page-0003.xml"]
    schema = page_schema()
    for path in written[1:]:
        schema.assertValid(etree.parse(str(path)))
    # a later run without PAGE names every file the earlier one left, not only the first
    assert left_over_outputs(tmp_path / "out", Path("box/letter.tif"), ("txt",)) == written[1:]


def test_page_xml_needs_positions_and_read_back_gives_the_words_boxes_and_confidences(tmp_path):
    from pipeline.correct import page_from_text
    from pipeline.ocr_files import read_ocr_file
    from pipeline.outputs import serialise

    with pytest.raises(OutputError, match="where the words are"):
        serialise(Document(source="x.txt", pages=[page_from_text("no boxes here", "x.txt")]), "page")
    with pytest.raises(OutputError, match="one page"):
        serialise(_doc(2), "page")
    doc = _doc()
    back, kind = read_ocr_file(tmp_path / "letter.page.xml", to_page(doc))
    assert kind == "page"
    page = back.pages[0]
    assert [w.text for w in page.words] == _tokens(doc)
    assert (page.width, page.height, page.dpi, page.image) == (W, H, 300, "box/letter.png")
    assert page.lines[0].words[0].bbox == doc.pages[0].lines[0].words[0].bbox
    assert page.lines[0].words[0].confidence == 95.0
    assert [line.block for line in page.lines] == [0, 0, 1, 1]


def test_page_xml_of_other_tools_is_read_in_its_reading_order_line_by_line_where_it_has_no_words(tmp_path):
    """Transkribus and eScriptorium write lines without Word elements; an older schema's namespace;
    a ReadingOrder that puts the second region first; a region inside a region; a word in glyphs."""
    from pipeline.ocr_files import read_ocr_file

    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"
    data = f"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="{ns}"><Metadata><Creator>Transkribus</Creator><Created>2020-01-01T00:00:00</Created>
<LastChange>2020-01-01T00:00:00</LastChange></Metadata>
<Page imageFilename="0001.jpg" imageWidth="1000" imageHeight="800">
 <ReadingOrder><OrderedGroup id="ro"><RegionRefIndexed index="1" regionRef="r1"/>
  <RegionRefIndexed index="0" regionRef="r2"/></OrderedGroup></ReadingOrder>
 <TextRegion id="r1"><Coords points="10,400 900,400 900,500 10,500"/>
  <TextLine id="r1l1"><Coords points="10,400 900,400 900,450 10,450"/>
   <TextEquiv conf="0.8"><Unicode>second region's line</Unicode></TextEquiv></TextLine>
  <TextRegion id="r1a"><Coords points="10,460 900,460 900,500 10,500"/>
   <TextLine id="r1al1"><Coords points="10,460 900,460 900,500 10,500"/>
    <Word id="w1"><Coords points="10,460 60,460 60,500 10,500"/>
     <Glyph id="g1"><Coords points="10,460 30,460 30,500 10,500"/><TextEquiv><Unicode>o</Unicode></TextEquiv></Glyph>
     <Glyph id="g2"><Coords points="30,460 60,460 60,500 30,500"/><TextEquiv><Unicode>k</Unicode></TextEquiv></Glyph>
    </Word></TextLine></TextRegion>
 </TextRegion>
 <TextRegion id="r2"><Coords points="10,10 900,10 900,100 10,100"/>
  <TextLine id="r2l1"><Coords points="10,10 900,10 900,60 10,60"/>
   <Word id="w2"><Coords points="10,10 200,10 200,60 10,60"/>
    <TextEquiv index="2" conf="0.4"><Unicode>Frist</Unicode></TextEquiv>
    <TextEquiv index="1" conf="0.9"><Unicode>First</Unicode></TextEquiv></Word>
   <TextEquiv><Unicode>First</Unicode></TextEquiv></TextLine>
 </TextRegion>
</Page></PcGts>""".encode("utf-8")
    doc, kind = read_ocr_file(tmp_path / "0001.xml", data)
    page = doc.pages[0]
    assert kind == "page" and page.image == "0001.jpg" and (page.width, page.height) == (1000, 800)
    assert [[w.text for w in line.words] for line in page.lines] == [["First"], ["second", "region's", "line"], ["ok"]]
    assert page.lines[0].words[0].confidence == 90.0 and page.lines[0].words[0].bbox == (10, 10, 200, 60)
    assert page.lines[1].words[0].bbox is None and page.lines[1].words[0].confidence == 80.0
    assert page.lines[1].bbox == (10, 400, 900, 450)


@pytest.mark.tesseract
def test_ocrfix_correct_corrects_page_xml_into_page_xml_and_refuses_it_from_plain_text(tmp_path):
    garbled = Document(source="letter.png", pages=[_page().model_copy(update={"changes": []})])
    first = garbled.pages[0].lines[0]
    words = [first.words[0], first.words[1].model_copy(update={"text": "chvisage"}), *first.words[2:]]
    garbled = garbled.model_copy(update={"pages": [garbled.pages[0].model_copy(
        update={"lines": [first.model_copy(update={"words": words}), *garbled.pages[0].lines[1:]]})]})
    source = tmp_path / "letter.xml"
    source.write_bytes(to_page(garbled))
    result = subprocess.run([OCRFIX, "correct", str(source), "-o", str(tmp_path / "out"),
                             "--corrections", str(tmp_path / "none.yaml")], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    out = etree.parse(str(tmp_path / "out" / "letter.xml"))
    page_schema().assertValid(out)
    texts = [_unicode(w) for w in out.iter(f"{PAGE}Word")]
    assert "envisage" in texts and "chvisage" not in texts
    text = tmp_path / "letter.txt"
    text.write_text("We chvisage a decision\n")
    refused = subprocess.run([OCRFIX, "correct", str(text), "--to", "page", "-o", str(tmp_path / "out2")],
                             capture_output=True, text=True)
    assert refused.returncode == 2 and "PAGE XML needs to know where the words are" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_page_xml_table_cells_and_nested_regions_take_the_place_of_the_region_the_reading_order_names(tmp_path):
    """Transkribus and OCR-D put a TableRegion (or a region holding regions) in the ReadingOrder, not
    its cells: the cells' lines are read where the table is, not after every other region."""
    from pipeline.ocr_files import read_ocr_file

    def region(tag, rid, inner):
        return f'<{tag} id="{rid}"><Coords points="0,0 10,0 10,10 0,10"/>{inner}</{tag}>'

    def line(lid, text):
        return (f'<TextLine id="{lid}"><Coords points="0,0 10,0 10,10 0,10"/>'
                f'<TextEquiv><Unicode>{text}</Unicode></TextEquiv></TextLine>')

    ns = PAGE.strip("{}")
    data = f"""<PcGts xmlns="{ns}"><Metadata/><Page imageFilename="t.png" imageWidth="100" imageHeight="100">
<ReadingOrder><OrderedGroup id="ro"><RegionRefIndexed index="0" regionRef="table"/>
<RegionRefIndexed index="1" regionRef="outer"/><RegionRefIndexed index="2" regionRef="last"/></OrderedGroup></ReadingOrder>
{region("TextRegion", "last", line("l4", "last"))}
{region("TextRegion", "outer", region("TextRegion", "inner", line("l3", "inner")))}
{region("TableRegion", "table", region("TextRegion", "c1", line("l1", "cell1")) + region("TextRegion", "c2", line("l2", "cell2")))}
</Page></PcGts>""".encode()
    doc, _ = read_ocr_file(tmp_path / "t.xml", data)
    assert [line.words[0].text for line in doc.pages[0].lines] == ["cell1", "cell2", "inner", "last"]


def test_page_xml_of_boxes_off_the_scan_is_valid():
    """A word box partly off the scan (negative, as hOCR or ALTO of other tools may have, or past its
    edge) was written as negative points, which PAGE's pattern refuses: it is cut at the scan's edge."""
    words = [Word(text="off", bbox=(-5, -3, 10, 10)), Word(text="edge", bbox=(95, 90, 120, 130)),
             Word(text="beyond", bbox=(150, 150, 160, 160))]
    page = Page(source="x.png", width=100, height=100, lines=[Line(words=words, bbox=(-5, -3, 160, 160))])
    root = etree.fromstring(to_page(Document(source="x.png", pages=[page])))
    page_schema().assertValid(root)
    points = [w.find(f"{PAGE}Coords").get("points") for w in root.iter(f"{PAGE}Word")]
    assert points == ["0,0 10,0 10,10 0,10", "95,90 99,90 99,99 95,99", "98,98 99,98 99,99 98,99"]


def test_page_xml_names_every_language_as_pages_schema_does():
    """PAGE's LanguageSimpleType says "Slovene"; "Slovenian" made a Slovene page's file invalid."""
    from pipeline.export.page import _LANGUAGE

    schema = page_schema()
    for code, name in _LANGUAGE.items():
        page = Page(source="x.png", width=10, height=10, engine={"lang": code})
        root = etree.fromstring(to_page(Document(source="x.png", pages=[page])))
        assert schema.validate(root), (code, name)


def test_page_xml_files_of_pages_an_input_no_longer_has_are_removed_when_it_is_written_again(tmp_path):
    """A two-page scan replaced by a one-page one and read again with --format page: the old second
    page's file stayed beside the new first page, unnamed, and was taken for part of the document."""
    out = tmp_path / "out"
    write_document(_doc(3), out, Path("letter.tif"), ("page",))
    write_document(_doc(3), out, Path("letterhead.tif"), ("page",))
    written = write_document(_doc(1), out, Path("letter.tif"), ("txt", "page"))
    assert [p.name for p in written] == ["letter.txt", "letter.page.xml"]
    assert sorted(p.name for p in out.glob("letter.*")) == ["letter.page.xml", "letter.txt"]
    assert len(list(out.glob("letterhead.page*.xml"))) == 3


def test_page_xml_lines_with_only_a_baseline_keep_where_they_are(tmp_path):
    """Lines with a Baseline but no (or empty) Coords, as some kraken and Transkribus files have: each
    line was put at the whole page, in the line boxes rejoining and the PAGE written back use."""
    from pipeline.ocr_files import read_ocr_file

    ns = PAGE.strip("{}")
    data = f"""<PcGts xmlns="{ns}"><Metadata/><Page imageFilename="b.png" imageWidth="1000" imageHeight="800">
<TextRegion id="r"><Coords points="0,0 999,0 999,799 0,799"/>
<TextLine id="l1"><Baseline points="100,200 500,202 900,200"/><TextEquiv><Unicode>first line</Unicode></TextEquiv></TextLine>
<TextLine id="l2"><Coords points=""/><Baseline points="100,400 900,400"/><TextEquiv><Unicode>second line</Unicode></TextEquiv></TextLine>
</TextRegion></Page></PcGts>""".encode()
    doc, _ = read_ocr_file(tmp_path / "b.xml", data)
    assert [line.bbox for line in doc.pages[0].lines] == [(100, 200, 900, 202), (100, 400, 900, 400)]
    root = etree.fromstring(to_page(doc))
    page_schema().assertValid(root)
    assert [line.find(f"{PAGE}Coords").get("points") for line in root.iter(f"{PAGE}TextLine")] == [
        "100,200 900,200 900,202 100,202", "100,400 900,400 900,401 100,401"]


def test_page_xml_of_a_page_read_turned_says_so_again_when_read_back(tmp_path):
    """A page read turned is written with its regions' orientation; read back (ocrfix correct) it
    was upright, and the PAGE, ALTO and hOCR written from it lost the turn. A skew is no turn."""
    from pipeline.ocr_files import read_ocr_file

    for degrees, orientation in ((90, "90"), (270, "-90"), (180, "180")):
        turned = _page().model_copy(update={"steps": [Step(name="orient", params={"degrees": degrees})]})
        back, _ = read_ocr_file(tmp_path / "side.xml", to_page(Document(source="side.png", pages=[turned])))
        root = etree.fromstring(to_page(back))
        assert {r.get("orientation") for r in root.iter(f"{PAGE}TextRegion")} == {orientation}
    skewed = to_page(_doc()).replace(b'<TextRegion id="p1_r1"', b'<TextRegion orientation="0.7" id="p1_r1"')
    back, _ = read_ocr_file(tmp_path / "skew.xml", skewed)
    assert back.pages[0].steps == []
    one_of_two = to_page(_doc()).replace(b'<TextRegion id="p1_r1"', b'<TextRegion orientation="90" id="p1_r1"')
    assert read_ocr_file(tmp_path / "one.xml", one_of_two)[0].pages[0].steps == []
    whole = to_page(_doc()).replace(b'<Page ', b'<Page orientation="-90" ')
    assert read_ocr_file(tmp_path / "whole.xml", whole)[0].pages[0].steps[0].params == {"degrees": 270}


def test_page_xml_2010_coords_of_point_elements_give_the_boxes(tmp_path):
    """PAGE 2009 and 2010 (PRImA's and IMPACT's ground truth) list a polygon's Point elements rather
    than a "points" attribute: every word was read without a box, and --to page was refused."""
    from pipeline.ocr_files import read_ocr_file

    def coords(x0, y0, x1, y1):
        return "<Coords>" + "".join(f'<Point x="{x}" y="{y}"/>' for x, y in ((x0, y0), (x1, y0), (x1, y1), (x0, y1))) + "</Coords>"

    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2010-03-19"
    data = f"""<PcGts xmlns="{ns}"><Metadata/><Page imageFilename="old.tif" imageWidth="500" imageHeight="400">
<TextRegion id="r1">{coords(10, 10, 300, 60)}<TextLine id="l1">{coords(10, 10, 300, 60)}
<Word id="w1">{coords(10, 10, 120, 60)}<TextEquiv><Unicode>Dear</Unicode></TextEquiv></Word>
<Word id="w2">{coords(130, 10, 300, 60)}<TextEquiv><Unicode>Sir</Unicode></TextEquiv></Word>
</TextLine></TextRegion></Page></PcGts>""".encode()
    doc, _ = read_ocr_file(tmp_path / "old.xml", data)
    line = doc.pages[0].lines[0]
    assert line.bbox == (10, 10, 300, 60) and [w.bbox for w in line.words] == [(10, 10, 120, 60), (130, 10, 300, 60)]
    page_schema().assertValid(etree.fromstring(to_page(doc)))


def test_page_xml_of_a_fax_says_its_pixels_are_taller_than_wide_and_is_read_back_so():
    """A fax of 204 x 98 dpi: its PAGE said 204 x 204 (hOCR's scan_res says 204 98), and so the
    formats written from it read back drew the page half as tall as the paper."""
    from pipeline.export._layout import page_pixel_aspect
    from pipeline.ocr_files import read_ocr_file

    fax = _page().model_copy(update={"dpi": 204, "steps": [
        Step(name="measure", params={"pixel_aspect": round(204 / 98, 4)}, reason="its file's resolution")]})
    root = etree.fromstring(to_page(Document(source="fax.tif", pages=[fax])))
    page_schema().assertValid(root)
    page_el = root.find(f"{PAGE}Page")
    assert (page_el.get("imageXResolution"), page_el.get("imageYResolution")) == ("204", "98")
    back, _ = read_ocr_file(Path("fax.xml"), etree.tostring(root))
    assert back.pages[0].dpi == 204 and page_pixel_aspect(back.pages[0]) == pytest.approx(204 / 98, rel=1e-3)


def test_page_xml_regions_with_text_but_no_lines_are_read(tmp_path):
    """A transcription made region by region (its text in the TextRegion's TextEquiv, no TextLine):
    the file was read as an empty page, and ocrfix correct wrote it out with none of its text."""
    from pipeline.ocr_files import read_ocr_file

    ns = PAGE.strip("{}")
    data = f"""<PcGts xmlns="{ns}"><Metadata/><Page imageFilename="r.png" imageWidth="100" imageHeight="100">
<TextRegion id="r1"><Coords points="0,0 99,0 99,50 0,50"/>
<TextEquiv conf="0.9"><Unicode>Dear Sir,
  thank you</Unicode></TextEquiv></TextRegion>
<TextRegion id="r2"><Coords points="0,60 99,60 99,99 0,99"/><TextLine id="l"><Coords points="0,60 99,60 99,99 0,99"/>
<TextEquiv><Unicode>Yours</Unicode></TextEquiv></TextLine><TextEquiv><Unicode>Yours</Unicode></TextEquiv></TextRegion>
</Page></PcGts>""".encode()
    doc, _ = read_ocr_file(tmp_path / "r.xml", data)
    lines = doc.pages[0].lines
    assert [[w.text for w in line.words] for line in lines] == [["Dear", "Sir,"], ["thank", "you"], ["Yours"]]
    assert [line.block for line in lines] == [0, 0, 1] and lines[0].words[0].confidence == 90.0


def test_page_xml_of_transkribus_tables_reads_the_lines_of_its_table_cells(tmp_path):
    """Transkribus writes a table's cells as TableCell elements (its extension of PAGE 2013) with
    the TextLines in them: every line of a table was left out."""
    from pipeline.ocr_files import read_ocr_file

    ns = "http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15"

    def cell(row, col, text):
        return (f'<TableCell row="{row}" col="{col}" rowSpan="1" colSpan="1" id="c{row}{col}">'
                f'<Coords points="0,0 10,0 10,10 0,10"/><TextLine id="l{row}{col}"><Coords points="0,0 10,0 10,10 0,10"/>'
                f'<TextEquiv><Unicode>{text}</Unicode></TextEquiv></TextLine></TableCell>')

    data = f"""<PcGts xmlns="{ns}"><Metadata/><Page imageFilename="t.jpg" imageWidth="100" imageHeight="100">
<ReadingOrder><OrderedGroup id="ro"><RegionRefIndexed index="0" regionRef="t1"/><RegionRefIndexed index="1" regionRef="r1"/>
</OrderedGroup></ReadingOrder>
<TextRegion id="r1"><Coords points="0,50 99,50 99,99 0,99"/><TextLine id="l"><Coords points="0,50 99,50 99,99 0,99"/>
<TextEquiv><Unicode>below</Unicode></TextEquiv></TextLine></TextRegion>
<TableRegion id="t1"><Coords points="0,0 99,0 99,40 0,40"/>{cell(0, 0, "Name")}{cell(0, 1, "Born")}</TableRegion>
</Page></PcGts>""".encode()
    doc, _ = read_ocr_file(tmp_path / "t.xml", data)
    assert [[w.text for w in line.words] for line in doc.pages[0].lines] == [["Name"], ["Born"], ["below"]]


def test_page_xml_refused_for_ocr_without_its_page_size_says_so():
    """OCR with word boxes but no page size (an hOCR page without its bbox) was refused as if it
    were plain text, which left the user looking for boxes the file has."""
    from pipeline.outputs import serialise

    page = _page().model_copy(update={"width": 0, "height": 0})
    with pytest.raises(OutputError, match="PAGE XML needs the page's size, and page 1 of the input does not say it"):
        serialise(Document(source="x.hocr", pages=[page]), "page")


def test_text_in_layout_changes_only_the_words_and_keeps_every_space_line_end_and_page_break():
    from pipeline.correct import page_from_text
    from pipeline.export.text import text_in_layout

    original = "  We must con-\r\nsider  it\tnow.\r\n\r\n\r\nNo change\there.\f\fPage three\rends  "
    pages = [page_from_text(p, "x").model_copy(update={"index": i}) for i, p in enumerate(original.split("\f"))]
    doc = Document(source="x", pages=pages)
    assert text_in_layout(original, doc) == original  # nothing changed: the original as it was
    first = pages[0]
    joined = [first.lines[0].model_copy(update={"words": [*first.lines[0].words[:2], Word(text="consider")]}),
              first.lines[1].model_copy(update={"words": [Word(text="it"), Word(text="right"), Word(text="now.")]}),
              first.lines[2]]
    last = pages[2].lines[1].model_copy(update={"words": [Word(text="ended")]})
    fixed = doc.model_copy(update={"pages": [first.model_copy(update={"lines": joined}), pages[1],
                                             pages[2].model_copy(update={"lines": [pages[2].lines[0], last]})]})
    assert text_in_layout(original, fixed) == "  We must consider\r\nit\tright now.\r\n\r\n\r\nNo change\there.\f\fPage three\rended  "
    # (a page whose lines no longer match the text's lines is written as the text output writes it)
    fewer = fixed.model_copy(update={"pages": [fixed.pages[0].model_copy(update={"lines": joined[:2]}), *fixed.pages[1:]]})
    assert text_in_layout(original, fewer).split("\f")[0] == "We must consider\nit right now.\n"
