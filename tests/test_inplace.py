"""``ocrfix correct`` on hOCR, ALTO and PAGE XML into the same format: the input file edited in place.

An archivist's PAGE from Transkribus or OCR-D, or a library's ALTO, goes back to the tool it came
from: everything ocrfix's model does not hold (baselines, polygons, IDs, region types, custom
attributes, styles, tags, hyphenation, metadata, other hOCR properties) must come back as it was,
and only the corrected words' text (and the run's metadata entry) differ.
"""

from __future__ import annotations

import difflib
import subprocess
from pathlib import Path

import pytest
from lxml import etree

from conftest import OCRFIX, ROOT

DATA = ROOT / "tests" / "data"
FIXTURES = DATA / "inplace"
PAGE = FIXTURES / "letter.page.xml"
ALTO = FIXTURES / "gazette.alto.xml"
HOCR = FIXTURES / "memo.hocr"


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([OCRFIX, *args], capture_output=True, timeout=300)


def corrected(tmp_path: Path, source: Path, *more: str) -> bytes:
    out = tmp_path / "out"
    result = run("correct", str(source), "-o", str(out), "--corrections", str(tmp_path / "none.yaml"), *more)
    assert result.returncode == 0, result.stderr.decode()
    return (out / source.name).read_bytes()


def _local(el) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else str(el.tag)


def canon(el, skip) -> tuple:
    """An element as (name, attributes, text, children), whitespace between elements left out and
    the elements ``skip`` says are masked left out."""
    kids = tuple(canon(c, skip) for c in el if isinstance(c.tag, str) and not skip(c))
    return (_local(el), tuple(sorted(el.attrib.items())), (el.text or "").strip(), kids)


def changed_lines(before: bytes, after: bytes) -> tuple[list[str], list[str]]:
    """The lines taken out of ``before`` and put into ``after`` (a line-by-line diff)."""
    out, into = [], []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(None, before.decode().splitlines(), after.decode().splitlines(),
                                                       autojunk=False).get_opcodes():
        if tag != "equal":
            out += before.decode().splitlines()[i1:i2]
            into += after.decode().splitlines()[j1:j2]
    return out, into


def by_id(root, attribute: str = "id") -> dict:
    return {el.get(attribute): el for el in root.iter() if isinstance(el.tag, str) and el.get(attribute)}


def page_text(el) -> str:
    """A PAGE element's own text (its first TextEquiv's Unicode)."""
    equiv = next(c for c in el if _local(c) == "TextEquiv")
    return next(c for c in equiv if _local(c) == "Unicode").text


def points(el) -> list[tuple[int, int]]:
    coords = next(c for c in el if _local(c) == "Coords")
    return [tuple(int(v) for v in p.split(",")) for p in coords.get("points").split()]


def test_the_fixtures_are_valid_and_say_what_the_tests_correct():
    etree.XMLSchema(etree.parse(str(DATA / "page" / "pagecontent-2019-07-15.xsd"))).assertValid(etree.parse(str(PAGE)))
    etree.XMLSchema(etree.parse(str(DATA / "alto" / "alto-4-4.xsd"))).assertValid(etree.parse(str(ALTO)))
    for source in (PAGE, ALTO, HOCR):
        text = run("correct", str(source), "--to", "txt", "--corrections", "none.yaml").stdout.decode()
        assert "envisage" in text and "Political" in text and "discuss the" in text, text


def test_page_xml_comes_back_with_only_the_corrected_words_text_changed(tmp_path):
    before, after = PAGE.read_bytes(), corrected(tmp_path, PAGE)
    old, new = etree.fromstring(before), etree.fromstring(after)
    etree.XMLSchema(etree.parse(str(DATA / "page" / "pagecontent-2019-07-15.xsd"))).assertValid(new)
    # The prolog (declaration with standalone, comment) byte for byte.
    assert after.startswith(before[: before.index(b"<PcGts")])
    words_old, words_new = by_id(old), by_id(new)
    # The garbles corrected, in the Word, its TextLine and its TextRegion (where they had text).
    assert page_text(words_new["w_chvisage"]) == "envisage" and page_text(words_new["w_political"]) == "Political"
    assert page_text(words_new["l_body_1"]) == "We envisage the Political situation."
    assert page_text(words_new["r_body"]) == ("We envisage the Political situation.\n"
                                              "We shall discuss the matter of peace and security.")
    # A line held as text only (Transkribus): its own spacing kept, the word replaced in it.
    assert page_text(words_new["l_head_1"]) == "The  Political   report of the committee"
    assert page_text(words_new["r_head"]) == "The  Political   report of the committee"
    # The split: the first keeps the Word (id, attributes, conf), the second is a copy after it
    # with a new id, the polygon cut between them.
    first, second = words_new["w_discussthe"], words_new["w_discussthe_2"]
    assert (page_text(first), page_text(second)) == ("discuss", "the")
    assert first.getnext() is second
    left, right = max(x for x, _ in points(first)), min(x for x, _ in points(second))
    assert 300 < left <= right < 520
    assert {x for x, _ in points(words_old["w_discussthe"])} - {x for x, _ in points(first) + points(second)} == set()
    # The join: the first Word holds the whole word over both polygons, the second is gone.
    assert page_text(words_new["w_sec"]) == "security." and "w_rity" not in words_new
    xs = [x for x, _ in points(words_new["w_sec"])]
    assert min(xs) == 940 and max(xs) == 1090
    # The glyphs of a changed word spelt it as read: gone; the word's own attributes stay.
    assert "g_chvisage_1" not in words_new
    assert words_new["w_chvisage"].get("custom") == "readingOrder {index:1;} textStyle {italic:true;}"
    # The run is recorded: a MetadataItem after the others, and LastChange.
    items = [el for el in new.iter() if _local(el) == "MetadataItem"]
    assert [i.get("name") for i in items] == ["layout-analysis", "ocrfix correct"]
    assert items[-1].get("type") == "processingStep" and "5 words" in items[-1].get("value")

    # Everything else is as it was: the trees are the same with those nodes masked.
    touched = {"w_chvisage", "w_political", "w_discussthe", "w_discussthe_2", "w_sec", "w_rity"}
    text_of_touched = {"l_body_1", "l_body_2", "r_body", "l_head_1", "r_head"}

    def skip(el) -> bool:
        if el.get("id") in touched or (_local(el) == "MetadataItem" and el.get("name") == "ocrfix correct"):
            return True
        if _local(el) == "LastChange":
            return True
        return _local(el) == "TextEquiv" and el.getparent().get("id") in text_of_touched

    assert canon(old, skip) == canon(new, skip)
    # ... and byte for byte: only the lines of those nodes differ.
    out, into = changed_lines(before, after)
    assert all(any(f'"{t}"' in line or t in line for t in ("LastChange", "ocrfix correct", *touched, "<Unicode>",
                                                           "</Unicode>", "Political", "security."))
               for line in out + into), (out, into)
    assert len(out) == 13 and len(into) == 13


def test_alto_comes_back_with_only_the_corrected_strings_changed(tmp_path):
    before, after = ALTO.read_bytes(), corrected(tmp_path, ALTO)
    old, new = etree.fromstring(before), etree.fromstring(after)
    etree.XMLSchema(etree.parse(str(DATA / "alto" / "alto-4-4.xsd"))).assertValid(new)
    assert after.startswith(before[: before.index(b"<alto")])
    s_old, s_new = by_id(old, "ID"), by_id(new, "ID")
    assert s_new["S2"].get("CONTENT") == "envisage" and s_new["S4"].get("CONTENT") == "Political"
    # Its OCR engine's alternative stays, its glyphs (the word as read) go; style and tag refs stay.
    assert [_local(c) for c in s_new["S2"]] == ["ALTERNATIVE"] and s_new["S2"].get("STYLEREFS") == "FONT0"
    assert s_new["S4"].get("TAGREFS") == "NE1"
    # The hyphenated pair: the part corrected, the HYP kept, both SUBS_CONTENT the corrected whole.
    assert s_new["S9"].get("CONTENT") == "regu" and s_new["S9"].getnext().tag.endswith("HYP")
    assert s_new["S9"].get("SUBS_CONTENT") == s_new["S10"].get("SUBS_CONTENT") == "regulations"
    # The split: String, SP, String, the box divided (the first keeps its left edge, the second its right).
    first, space, second = s_new["S14"], s_new["S14"].getnext(), s_new["S14_2"]
    assert (first.get("CONTENT"), _local(space), space.getnext(), second.get("CONTENT")) == ("discuss", "SP", second, "the")
    assert first.get("HPOS") == "910" and int(first.get("HPOS")) + int(first.get("WIDTH")) <= int(space.get("HPOS"))
    assert int(second.get("HPOS")) + int(second.get("WIDTH")) == 910 + 360
    # The join: one String over both boxes, the SP between and the second String gone.
    assert s_new["S19"].get("CONTENT") == "security." and "S20" not in s_new and "SP19" not in s_new
    assert (s_new["S19"].get("HPOS"), s_new["S19"].get("WIDTH")) == ("500", "260")
    # The run: a Processing step after the file's own, which the Page refers to.
    steps = [el for el in new.iter() if _local(el) == "Processing"]
    assert [s.get("ID") for s in steps] == ["OCR_0", "ocrfix_correct_1"]
    assert s_new["PAGE1"].get("PROCESSINGREFS") == "OCR_0 ocrfix_correct_1"

    touched = {"S2", "S4", "S9", "S10", "S14", "S14_2", "S19", "SP19", "S20", "ocrfix_correct_1", "PAGE1"}

    def skip(el) -> bool:
        return el.get("ID") in touched or (_local(el) == "SP" and el.get("ID") is None)  # (the split's new SP)

    assert canon(old, skip) == canon(new, skip)
    assert {k: v for k, v in s_new["PAGE1"].attrib.items() if k != "PROCESSINGREFS"} == \
        {k: v for k, v in s_old["PAGE1"].attrib.items() if k != "PROCESSINGREFS"}
    out, into = changed_lines(before, after)
    assert len(out) == 10, out  # the Page, seven Strings' lines, a Glyph, the SP of the join


def test_hocr_comes_back_with_only_the_corrected_words_changed(tmp_path):
    before, after = HOCR.read_bytes(), corrected(tmp_path, HOCR)
    old, new = etree.fromstring(before), etree.fromstring(after)
    assert after.startswith(before[: before.index(b"<html")])  # (the XHTML DOCTYPE)
    w_old, w_new = by_id(old), by_id(new)
    # Inside its <strong>, with its other classes, properties and attributes.
    word = w_new["word_1_2"]
    assert [_local(c) for c in word] == ["strong"] and word[0].text == "envisage"
    assert word.get("class") == "ocrx_word review" and word.get("data-reviewer") == "anna"
    assert word.get("title") == w_old["word_1_2"].get("title")
    assert w_new["word_1_4"].text == "Political"
    # The split: two spans, each with its share of the box; the join: one span over both boxes.
    assert (w_new["word_1_8"].text, w_new["word_1_8_2"].text) == ("discuss", "the")
    assert w_new["word_1_8"].get("title").startswith("bbox 300 184 ")
    assert w_new["word_1_8_2"].get("title").endswith(" 520 226; x_wconf 60")
    assert w_new["word_1_13"].text == "security." and "word_1_14" not in w_new
    assert w_new["word_1_13"].get("title") == "bbox 940 185 1090 226; x_wconf 55"

    touched = {"word_1_2", "word_1_4", "word_1_8", "word_1_8_2", "word_1_13", "word_1_14"}
    assert canon(old, lambda el: el.get("id") in touched) == canon(new, lambda el: el.get("id") in touched)
    # hOCR has no place for a record of the run: the lines of the words changed are all that differ
    # (lxml writes the attributes of those lines in double quotes; the other lines are as they were).
    out, into = changed_lines(before, after)
    assert len(out) == 5 and len(into) == 5
    assert b"<title></title>" in after and b"xml:lang=\"eng\"" not in after


@pytest.mark.parametrize("source", [PAGE, ALTO, HOCR], ids=["page", "alto", "hocr"])
def test_a_file_with_nothing_to_correct_comes_back_byte_for_byte(tmp_path, source):
    """Nothing corrected: the input as it is, not even a metadata entry (archives checksum their
    files: a file whose words did not change is not a new version of it)."""
    once = corrected(tmp_path / "once", source)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / source.name).write_bytes(once)
    assert corrected(tmp_path / "again", tmp_path / "in" / source.name) == once


def test_the_corrected_file_says_what_the_corrected_text_says(tmp_path):
    """On Tesseract's hOCR of a damaged page whose lines it cut into pieces (rejoined for the
    corrector): the file edited in place, read again and its pieces rejoined, is the corrected text."""
    from pipeline.export.text import document_text
    from pipeline.layout import rejoin_page
    from pipeline.ocr_files import read_ocr_file

    source = DATA / "fragmented_lbr_1988.hocr"
    after = corrected(tmp_path, source)
    text = run("correct", str(source), "--to", "txt", "--corrections", str(tmp_path / "none.yaml")).stdout.decode()
    doc, _kind = read_ocr_file(Path("x.hocr"), after)
    assert document_text(doc.model_copy(update={"pages": [rejoin_page(p) for p in doc.pages]})) == text
    out, into = changed_lines(source.read_bytes(), after)
    assert 0 < len(out) < 20  # (of 600 lines)


def test_another_format_is_written_from_the_model_as_before_and_stdout_gets_the_edited_file(tmp_path):
    import re

    out, none = tmp_path / "out", str(tmp_path / "none.yaml")
    assert run("correct", str(PAGE), "-o", str(out), "--to", "alto", "--corrections", none).returncode == 0
    written = (out / "letter.page.alto.xml").read_bytes()
    assert b"ocrfix" in written and b"envisage" in written and b"Transkribus" not in written
    printed = run("correct", str(PAGE), "--corrections", none)
    assert printed.returncode == 0

    def undated(data: bytes) -> bytes:
        return re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+00:00", b"NOW", data)

    assert undated(printed.stdout) == undated(corrected(tmp_path, PAGE))


def test_a_line_held_as_text_and_a_word_cut_by_rejoined_pieces_are_mapped():
    from pipeline.export.inplace import _cut_like, _word_groups
    from pipeline.model import Change, Line, Page, Word

    assert _cut_like(["s", "elf-determinatlon"], "self-determination") == ["s", "elf-determination"]
    assert "".join(_cut_like(["de", "egation"], "delegation")) == "delegation"  # (the "l" lost between the pieces)
    read = Page(source="x", lines=[Line(words=[Word(text=t) for t in "we shall discussthe sec rity now".split()])])
    fixed = Page(source="x", lines=[Line(words=[Word(text=t) for t in "we shall discuss the security now".split()])],
                 changes=[Change(line=0, word=2, original="discussthe", new="discuss the", source="split"),
                          Change(line=0, word=4, original="sec rity", new="security", source="merge")])
    assert _word_groups(read, fixed) == [([(0, 2)], ["discuss", "the"]), ([(0, 3), (0, 4)], ["security"])]
    # Without the changes that say so, the alignment of the words finds them.
    assert _word_groups(read, fixed.model_copy(update={"changes": []})) == _word_groups(read, fixed)


def test_text_held_a_region_or_a_line_at_a_time_is_edited_in_its_own_spacing(tmp_path):
    """PAGE before 2018 (no MetadataItem: the run goes in Comments) with a region transcribed as
    text only; hOCR lines without word spans (a line whose text is marked up is left, and said)."""
    page = tmp_path / "in" / "old.xml"
    page.parent.mkdir()
    page.write_bytes(b"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2013-07-15">
  <Metadata>
    <Creator>x</Creator>
    <Created>2015-01-01T00:00:00</Created>
    <LastChange>2015-01-01T00:00:00</LastChange>
  </Metadata>
  <Page imageFilename="a.png" imageWidth="1000" imageHeight="1000">
    <TextRegion id="r1">
      <Coords points="0,0 10,0 10,10 0,10"/>
      <TextEquiv><Unicode>We chvisage the
Politicial   situation    here</Unicode></TextEquiv>
    </TextRegion>
  </Page>
</PcGts>
""")
    after = etree.fromstring(corrected(tmp_path, page))
    assert page_text(by_id(after)["r1"]) == "We envisage the\nPolitical   situation    here"
    assert "ocrfix" in next(el for el in after.iter() if _local(el) == "Comments").text
    assert not [el for el in after.iter() if _local(el) == "MetadataItem"]

    hocr = tmp_path / "in" / "lines.hocr"
    hocr.write_bytes(b"""<html><body><div class="ocr_page" title="bbox 0 0 100 100">
<span class="ocr_line" title="bbox 0 0 100 10">We chvisage  the Politicial situation</span>
<span class="ocr_line" title="bbox 0 20 100 30">We <b>chvisage</b> the</span></div></body></html>
""")
    out = tmp_path / "lines"
    result = run("correct", str(hocr), "-o", str(out), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0 and b"1 correction could not be put in the file" in result.stderr
    written = (out / "lines.hocr").read_bytes()
    assert b">We envisage  the Political situation</span>" in written and b"<b>chvisage</b>" in written


def _hyphenated_alto(tmp_path: Path, first_line: bytes, whole: bytes, entry: tuple[str, str]) -> dict:
    """A two-line ALTO whose first line (``first_line``: its Strings) ends in the first part of a
    word hyphenated onto the second ("...-" / "mittee met"), corrected in place by ``entry``
    (ocr, replacement); ``whole``: the hyphenated word's SUBS_CONTENT. Its Strings and HYPs by ID."""
    alto = tmp_path / "in" / "hyp.alto.xml"
    alto.parent.mkdir()
    alto.write_bytes(b"""<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v4#">
  <Layout>
    <Page ID="P1" WIDTH="2000" HEIGHT="1000">
      <PrintSpace>
        <TextBlock ID="TB1">
          <TextLine ID="TL1" HPOS="100" VPOS="100" WIDTH="1900" HEIGHT="60">
""" + first_line + b"""
            <HYP ID="H1" HPOS="500" VPOS="100" WIDTH="20" CONTENT="-"/>
          </TextLine>
          <TextLine ID="TL2" HPOS="100" VPOS="200" WIDTH="1900" HEIGHT="60">
            <String ID="S3" HPOS="100" VPOS="200" WIDTH="300" HEIGHT="50" CONTENT="mittee" SUBS_TYPE="HypPart2" SUBS_CONTENT=\"""" + whole + b"""\"/>
            <SP HPOS="400" VPOS="200" WIDTH="20"/>
            <String ID="S4" HPOS="420" VPOS="200" WIDTH="100" HEIGHT="50" CONTENT="met"/>
          </TextLine>
        </TextBlock>
      </PrintSpace>
    </Page>
  </Layout>
</alto>
""")
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text("version: 1\ncorrections:\n"
                           f"  - {{id: a, ocr: {entry[0]}, replacement: {entry[1]}, approved_by: t, "
                           "approved_at: 2026-12-01}\n")
    out = tmp_path / "out"
    result = run("correct", str(alto), "-o", str(out), "--corrections", str(corrections))
    assert result.returncode == 0, result.stderr.decode()
    return by_id(etree.fromstring((out / alto.name).read_bytes()), "ID")


def test_a_split_of_the_first_part_of_a_hyphenated_word_gives_both_parts_the_corrected_whole(tmp_path):
    """ALTO: "thecom-" / "mittee" (HypPart1, HYP, HypPart2), the first part split into "the com-":
    the hyphenated word is now "committee", and both of its parts' SUBS_CONTENT must say so (search
    and full text read the whole word from it)."""
    s = _hyphenated_alto(tmp_path, b"""            <String ID="S1" HPOS="100" VPOS="100" WIDTH="80" HEIGHT="50" CONTENT="We"/>
            <SP HPOS="180" VPOS="100" WIDTH="20"/>
            <String ID="S2" HPOS="200" VPOS="100" WIDTH="300" HEIGHT="50" CONTENT="thecom" SUBS_TYPE="HypPart1" SUBS_CONTENT="thecommittee"/>""",
                         b"thecommittee", ("thecom-", "the com-"))
    assert (s["S2"].get("CONTENT"), s["S2"].get("SUBS_TYPE")) == ("the", None)
    assert (s["S2_2"].get("CONTENT"), s["S2_2"].get("SUBS_TYPE")) == ("com", "HypPart1")
    assert s["S2_2"].get("SUBS_CONTENT") == s["S3"].get("SUBS_CONTENT") == "committee"


def test_a_join_onto_the_first_part_of_a_hyphenated_word_keeps_its_hyphen_and_the_pair(tmp_path):
    """ALTO: "the com mit-" / "tee met", "com mit-" joined into "commit-": the joined String is the
    first part of the hyphenated word now, its HYP after it, its CONTENT without the hyphen."""
    s = _hyphenated_alto(tmp_path, b"""            <String ID="S1" HPOS="100" VPOS="100" WIDTH="80" HEIGHT="50" CONTENT="the"/>
            <SP HPOS="180" VPOS="100" WIDTH="20"/>
            <String ID="S2" HPOS="200" VPOS="100" WIDTH="100" HEIGHT="50" CONTENT="com"/>
            <SP HPOS="300" VPOS="100" WIDTH="20"/>
            <String ID="S2b" HPOS="320" VPOS="100" WIDTH="180" HEIGHT="50" CONTENT="mit" SUBS_TYPE="HypPart1" SUBS_CONTENT="mitmittee"/>""",
                         b"mitmittee", ("com mit-", "commit-"))
    assert "S2b" not in s and (s["S2"].get("CONTENT"), s["S2"].get("SUBS_TYPE")) == ("commit", "HypPart1")
    assert _local(s["S2"].getnext()) == "HYP" and s["S2"].getnext().get("ID") == "H1"
    assert s["S2"].get("SUBS_CONTENT") == s["S3"].get("SUBS_CONTENT") == "commitmittee"


def test_the_text_equiv_edited_is_the_one_read(tmp_path):
    """PAGE: a Word with TextEquivs whose indexes the reader and the editor would order differently
    ("1.5", no xs:int, read as 1 and first): the one read is the one corrected."""
    page = tmp_path / "in" / "w.xml"
    page.parent.mkdir()
    page.write_bytes(b"""<?xml version="1.0" encoding="UTF-8"?>
<PcGts xmlns="http://schema.primaresearch.org/PAGE/gts/pagecontent/2019-07-15">
  <Page imageFilename="a.png" imageWidth="1000" imageHeight="1000">
    <TextRegion id="r1">
      <Coords points="0,0 900,0 900,100 0,100"/>
      <TextLine id="l1">
        <Coords points="0,0 900,0 900,100 0,100"/>
        <Word id="w1"><Coords points="0,0 100,0 100,50 0,50"/><TextEquiv><Unicode>We</Unicode></TextEquiv></Word>
        <Word id="w2"><Coords points="120,0 400,0 400,50 120,50"/>
          <TextEquiv index="1.5"><Unicode>chvisage</Unicode></TextEquiv>
          <TextEquiv index="1"><Unicode>cbvisage</Unicode></TextEquiv>
        </Word>
        <Word id="w3"><Coords points="420,0 520,0 520,50 420,50"/><TextEquiv><Unicode>the</Unicode></TextEquiv></Word>
      </TextLine>
    </TextRegion>
  </Page>
</PcGts>
""")
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text("version: 1\ncorrections:\n"
                           "  - {id: a, ocr: chvisage, replacement: envisage, approved_by: t, approved_at: 2026-12-01}\n")
    out = tmp_path / "out"
    result = run("correct", str(page), "-o", str(out), "--corrections", str(corrections))
    assert result.returncode == 0, result.stderr.decode()
    w2 = by_id(etree.fromstring((out / page.name).read_bytes()))["w2"]
    assert [next(iter(e)).text for e in w2 if _local(e) == "TextEquiv"] == ["envisage", "cbvisage"]


def test_an_hocr_word_holding_an_entity_or_a_comment_is_its_corrected_text_alone(tmp_path):
    """XHTML hOCR keeps an entity of its DTD (&eacute;) and a comment as nodes of the word: the
    corrected word is its new text alone, not that text with what followed them as read."""
    hocr = tmp_path / "in" / "entities.hocr"
    hocr.parent.mkdir()
    hocr.write_bytes(b"""<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml"><head><title></title></head><body>
<div class="ocr_page" id="page_1" title="bbox 0 0 1000 1000">
 <span class="ocr_line" id="line_1" title="bbox 0 0 900 50">
  <span class="ocrx_word" id="word_1" title="bbox 0 0 100 50">We</span>
  <span class="ocrx_word" id="word_2" title="bbox 120 0 400 50">chvi<!-- ? -->sage</span>
  <span class="ocrx_word" id="word_3" title="bbox 420 0 520 50"><em>Politi</em>&eacute;cial</span>
  <span class="ocrx_word" id="word_4" title="bbox 540 0 700 50">matter</span>
 </span>
</div></body></html>
""")
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text("version: 1\ncorrections:\n"
                           "  - {id: a, ocr: chvisage, replacement: envisage, approved_by: t, approved_at: 2026-12-01}\n"
                           "  - {id: b, ocr: Politicial, replacement: Political, approved_by: t, approved_at: 2026-12-01}\n")
    out = tmp_path / "out"
    result = run("correct", str(hocr), "-o", str(out), "--corrections", str(corrections))
    assert result.returncode == 0, result.stderr.decode()
    words = by_id(etree.fromstring((out / hocr.name).read_bytes(), etree.XMLParser(resolve_entities=False)))
    assert "".join(words["word_2"].itertext()) == "envisage"
    assert "".join(words["word_3"].itertext()) == "Political"
