"""The command line as people use it: help, errors as one line with an exit code, correct on text."""

import json
import subprocess
import sys
import time

import pytest

from conftest import OCRFIX, ROOT


def run(*args, cwd=None, input=None):
    return subprocess.run([OCRFIX, *args], capture_output=True, text=True, cwd=cwd, input=input, timeout=300)


def test_help_lists_the_commands_quickly():
    started = time.perf_counter()
    result = run("--help")
    elapsed = time.perf_counter() - started
    assert result.returncode == 0
    for command in ("process", "correct", "preprocess"):
        assert command in result.stdout
    assert elapsed < 1.0, f"--help took {elapsed:.2f} s"


def test_python_dash_m_runs_the_same_app():
    result = subprocess.run([sys.executable, "-m", "pipeline", "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "process" in result.stdout


def test_a_missing_input_is_one_line_with_exit_code_2(tmp_path):
    result = run("process", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert result.stderr.strip() == f"ocrfix: error: {tmp_path / 'nope.jpg'}: no such file or folder"
    assert "Traceback" not in result.stderr


def test_verbose_shows_the_traceback(tmp_path):
    result = run("process", str(tmp_path / "nope.jpg"), "-o", str(tmp_path / "out"), "--verbose")
    assert result.returncode != 0 and "Traceback" in result.stderr


def test_unknown_option_is_a_usage_error(tmp_path):
    result = run("process", "--bogus")
    assert result.returncode == 2 and "No such option" in result.stderr


def test_unknown_output_format_is_refused(tmp_path):
    (tmp_path / "a.png").write_bytes(b"")
    result = run("process", str(tmp_path / "a.png"), "-o", str(tmp_path / "o"), "--format", "txt,docx")
    assert result.returncode == 2 and "unknown output format docx" in result.stderr


def test_output_formats_are_taken_in_any_case_once_each():
    """--format PDF was refused ("unknown output format PDF") where --preprocess took any case, and
    txt,TXT would have written the text file twice."""
    from pipeline.options import OutputOptions

    assert OutputOptions(formats=("PDF", "Txt", "txt")).formats == ("pdf", "txt")


def test_correct_takes_its_output_format_in_any_case(tmp_path):
    out = tmp_path / "out"
    result = run("correct", str(FRAGMENTED), "-o", str(out), "--to", "ALTO", "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0, result.stderr
    assert (out / "fragmented_lbr_1988.alto.xml").exists()


def test_correct_prints_corrected_text_and_writes_files(tmp_path):
    source = tmp_path / "ocr.txt"
    source.write_bytes("Dear Ron,\nWe face a very important decision.\n".encode())
    printed = run("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    assert printed.returncode == 0
    assert printed.stdout == "Dear Ron,\nWe face a very important decision.\n"
    written = run("correct", str(source), "-o", str(tmp_path / "out"), "--corrections", str(tmp_path / "none.yaml"))
    assert written.returncode == 0 and (tmp_path / "out" / "ocr.txt").read_text() == printed.stdout


def test_correct_shows_its_progress_on_a_terminal_and_nowhere_else(tmp_path):
    """Many files: a bar for reading them and one for correcting them on a terminal, gone when done;
    piped (CI logs, scripts), stderr stays quiet."""
    import shlex

    import pexpect

    from conftest import pseudo_terminal

    files = []
    for k in range(3):
        files.append(tmp_path / f"letter{k}.txt")
        files[-1].write_text(f"Letter {k}: we {'chvisage' if k == 2 else 'foresee'} no difficulty.\n")
    args = ["correct", *map(str, files), "-o", str(tmp_path / "out"), "--corrections", str(tmp_path / "none.yaml")]
    with pseudo_terminal(OCRFIX, args) as child:
        child.expect("reading")
        child.expect("correcting")
        child.expect("3/3")
        child.expect(pexpect.EOF)
    assert child.exitstatus == 0
    assert (tmp_path / "out" / "letter2.txt").read_text() == "Letter 2: we envisage no difficulty.\n"
    piped = run(*args)
    assert piped.returncode == 0 and "correcting" not in piped.stderr and "3/3" not in piped.stderr
    # stderr a terminal, the text redirected to a file: the bar on the terminal, the text in the file.
    command = " ".join(shlex.quote(a) for a in [OCRFIX, *args[:4], "--corrections", args[-1]]) + " > " + shlex.quote(str(tmp_path / "all.txt"))
    with pseudo_terminal("/bin/sh", ["-c", command]) as child:
        child.expect("correcting")
        child.expect(pexpect.EOF)
        shown = child.before
    assert child.exitstatus == 0 and "envisage" not in shown
    assert (tmp_path / "all.txt").read_text() == "".join(f.read_text().replace("chvisage", "envisage") for f in files)


def test_correct_prints_each_text_file_on_lines_of_its_own(tmp_path):
    """Text keeps its layout, a last line without a line end too: printed one after another,
    'ocrfix correct a.txt b.txt > all.txt' ran a's last line and b's first together ("ends
    hereSecond"), where each file's text had ended with a line end. A file but the last that ends
    without one is given its own kind (CRLF here); a file alone, or the last, comes back as it was."""
    none = str(tmp_path / "none.yaml")
    (tmp_path / "a.txt").write_bytes(b"The first file\r\nends here")
    (tmp_path / "b.txt").write_bytes(b"Second file  begins\nand ends")
    (tmp_path / "c.txt").write_bytes(b"Third\n")
    printed = subprocess.run([OCRFIX, "correct", *(str(tmp_path / f) for f in ("a.txt", "b.txt", "c.txt")),
                              "--corrections", none], capture_output=True)
    assert printed.returncode == 0
    assert printed.stdout == b"The first file\r\nends here\r\nSecond file  begins\nand ends\nThird\n"
    alone = subprocess.run([OCRFIX, "correct", str(tmp_path / "a.txt"), "--corrections", none], capture_output=True)
    assert alone.stdout == b"The first file\r\nends here"


def test_correct_refuses_text_that_is_not_utf8_naming_the_line(tmp_path):
    """Latin-1 text was read with every accented letter replaced by U+FFFD and "corrected" from
    there ("Caf\ufffd M\ufffdller"), with exit 0 and no word said; so was a binary file without NUL bytes."""
    source = tmp_path / "latin1.txt"
    source.write_bytes("The Minister\nCaf\xe9 M\xfcller\n".encode("latin-1"))
    result = run("correct", str(source), "-o", str(tmp_path / "out"), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 3 and result.stdout == "" and not (tmp_path / "out" / "latin1.txt").exists()
    assert f"{source}:2: is not UTF-8 text (byte 0xe9 at offset 16" in result.stderr
    assert "save it as UTF-8" in result.stderr and "Traceback" not in result.stderr
    image = tmp_path / "scan.txt"
    image.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xd8 not text")
    assert run("correct", str(image), "--corrections", str(tmp_path / "none.yaml")).returncode == 3


@pytest.mark.tesseract
def test_preprocess_command_writes_an_image(tmp_path):
    out = tmp_path / "clean.png"
    result = run("preprocess", str(ROOT / "images" / "seed_letter_1988.jpg"), "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert out.stat().st_size > 1000 and f"wrote {out}" in result.stdout
    # In the format its name says: PNG bytes named .jpg were written before (session 18's sweep).
    jpeg = tmp_path / "clean.jpg"
    assert run("preprocess", str(ROOT / "images" / "seed_letter_1988.jpg"), "-o", str(jpeg)).returncode == 0
    assert jpeg.read_bytes()[:2] == b"\xff\xd8"
    gif = run("preprocess", str(ROOT / "images" / "seed_letter_1988.jpg"), "-o", str(tmp_path / "clean.gif"))
    assert gif.returncode == 2 and ".gif" in gif.stderr


FRAGMENTED = ROOT / "tests" / "data" / "fragmented_lbr_1988.hocr"


def test_correct_reads_hocr_rejoins_line_pieces_and_corrects(tmp_path):
    from pipeline.evaluate import score_page

    truth = (ROOT / "tests" / "data" / "fragmented_lbr_1988.gt.txt").read_text(encoding="utf-8")
    none = str(tmp_path / "none.yaml")
    joined = run("correct", str(FRAGMENTED), "--to", "txt", "--corrections", none)
    apart = run("correct", str(FRAGMENTED), "--to", "txt", "--no-rejoin-lines", "--corrections", none)
    assert joined.returncode == 0 and apart.returncode == 0, joined.stderr + apart.stderr
    assert "Namibian question, there is nothing in the negotiating record of" in joined.stdout
    assert "\nNamibian question,\n" in apart.stdout
    assert score_page(joined.stdout, truth).cer < 0.02 < 0.30 < score_page(apart.stdout, truth).cer


def test_correct_writes_hocr_for_hocr_and_other_formats_on_request(tmp_path):
    from lxml import etree

    out = tmp_path / "out"
    none = str(tmp_path / "none.yaml")
    assert run("correct", str(FRAGMENTED), "-o", str(out), "--corrections", none).returncode == 0
    assert run("correct", str(FRAGMENTED), "-o", str(out), "--to", "alto", "--corrections", none).returncode == 0
    hocr = etree.parse(str(out / FRAGMENTED.name))
    words = hocr.xpath("//*[@class='ocrx_word']")
    assert len(words) > 250 and all("bbox" in w.get("title") for w in words)
    alto = etree.parse(str(out / "fragmented_lbr_1988.alto.xml"))
    assert len(alto.xpath("//*[local-name()='String']")) > 250


def test_correct_of_hocr_or_alto_still_names_the_scan_they_were_read_from(tmp_path):
    """hOCR's image and ALTO's fileName named the OCR file itself after ``ocrfix correct``, so the
    outputs no longer led to the scan (hocr-pdf, METS), and hOCR's scan_res was lost (session 19's
    sweep of the outputs)."""
    from lxml import etree

    out, again = tmp_path / "out", tmp_path / "again"
    none = str(tmp_path / "none.yaml")
    for to in ("same", "alto"):
        assert run("correct", str(FRAGMENTED), "-o", str(out), "--to", to, "--corrections", none).returncode == 0
    hocr = etree.parse(str(out / FRAGMENTED.name))
    page_title = hocr.xpath("//*[@class='ocr_page']")[0].get("title")
    assert 'image "LBR_43_1988.severe.jpg"' in page_title and "scan_res 70 70" in page_title
    alto = out / "fragmented_lbr_1988.alto.xml"
    assert etree.parse(str(alto)).xpath("string(//*[local-name()='fileName'])") == "LBR_43_1988.severe.jpg"
    # ... and so does the ALTO corrected again
    assert run("correct", str(alto), "-o", str(again), "--corrections", none).returncode == 0
    assert etree.parse(str(again / alto.name)).xpath("string(//*[local-name()='fileName'])") == "LBR_43_1988.severe.jpg"


def test_correct_refuses_an_unknown_output_format(tmp_path):
    result = run("correct", str(FRAGMENTED), "--to", "docx")
    assert result.returncode == 2 and result.stderr.strip() == "ocrfix: error: --to docx: choose from same, txt, json, hocr, alto, page"


@pytest.mark.tesseract
def test_correct_on_tesseracts_own_hocr_of_a_sample_scan(tmp_path):
    """The archive's case: hOCR left by an earlier plain Tesseract run, corrected afterwards."""
    from pipeline.evaluate import score_page

    image = ROOT / "images" / "seed_letter_1988.jpg"
    truth = image.with_suffix(".gt.txt").read_text(encoding="utf-8")
    subprocess.run(["tesseract", str(image), str(tmp_path / "page"), "-l", "eng", "hocr"], check=True, capture_output=True)
    plain = subprocess.run(["tesseract", str(image), "stdout", "-l", "eng"], check=True, capture_output=True, text=True).stdout
    result = run("correct", str(tmp_path / "page.hocr"), "--to", "txt", "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0, result.stderr
    assert score_page(result.stdout, truth).cer < score_page(plain, truth).cer


def test_correct_reads_back_the_alto_it_writes(tmp_path):
    none = str(tmp_path / "none.yaml")
    out = tmp_path / "out"
    assert run("correct", str(FRAGMENTED), "-o", str(out), "--to", "alto", "--corrections", none).returncode == 0
    from_alto = run("correct", str(out / "fragmented_lbr_1988.alto.xml"), "--to", "txt", "--corrections", none)
    from_hocr = run("correct", str(FRAGMENTED), "--to", "txt", "--corrections", none)
    assert from_alto.returncode == 0, from_alto.stderr
    assert from_alto.stdout == from_hocr.stdout  # the corrector changes nothing in corrected text


ALTO_V2 = """<?xml version="1.0" encoding="UTF-8"?>
<alto xmlns="http://www.loc.gov/standards/alto/ns-v2#">
 <Layout><Page ID="p1" WIDTH="2000" HEIGHT="3000"><PrintSpace>
  <TextBlock ID="b1">
   <TextLine HPOS="100" VPOS="100" WIDTH="900" HEIGHT="40">
    <String CONTENT="We" HPOS="100" VPOS="100" WIDTH="60" HEIGHT="40" WC="0.96"/><SP/>
    <String CONTENT="chvisage" HPOS="180" VPOS="100" WIDTH="200" HEIGHT="40" WC="0.41"/><SP/>
    <String CONTENT="a" HPOS="400" VPOS="100" WIDTH="20" HEIGHT="40" WC="0.9"/><SP/>
    <String CONTENT="meet" HPOS="440" VPOS="100" WIDTH="120" HEIGHT="40" WC="0.9"/><HYP CONTENT="-"/>
   </TextLine>
   <TextLine HPOS="100" VPOS="160" WIDTH="900" HEIGHT="40">
    <String CONTENT="ing" HPOS="100" VPOS="160" WIDTH="80" HEIGHT="40" WC="0.9"/><SP/>
    <String CONTENT="in" HPOS="200" VPOS="160" WIDTH="40" HEIGHT="40" WC="0.9"/><SP/>
    <String CONTENT="Moscow." HPOS="260" VPOS="160" WIDTH="180" HEIGHT="40" WC="0.9"/>
   </TextLine>
  </TextBlock>
 </PrintSpace></Page></Layout>
</alto>
"""


def test_correct_reads_another_tools_alto(tmp_path):
    from pipeline.ocr_files import read_ocr_file

    source = tmp_path / "page.xml"
    source.write_text(ALTO_V2, encoding="utf-8")
    doc, kind = read_ocr_file(source, source.read_bytes())
    assert kind == "alto" and (doc.pages[0].width, doc.pages[0].height) == (2000, 3000)
    first = doc.pages[0].lines[0]
    assert first.text == "We chvisage a meet-" and first.words[1].confidence == 41.0
    assert first.words[1].bbox == (180, 100, 380, 140)
    result = run("correct", str(source), "--to", "txt", "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0 and result.stdout == "We envisage a meet-\ning in Moscow.\n"


def test_correct_refuses_broken_alto_in_one_line(tmp_path):
    source = tmp_path / "broken.xml"
    source.write_text(ALTO_V2[:400], encoding="utf-8")
    result = run("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 3, result.stderr
    assert result.stderr.startswith(f"ocrfix: error: {source}: looks like ALTO but is not well-formed XML")
    assert len(result.stderr.strip().splitlines()) == 1


def test_text_that_mentions_html_is_still_text(tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("<html> was typed here by the clerk\nand nothing else.\n", encoding="utf-8")
    result = run("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0 and result.stdout == "<html> was typed here by the clerk\nand nothing else.\n"


def test_correct_leaves_text_in_another_language_alone_and_says_so_once(tmp_path):
    """The shipped dictionaries are English: `--lang deu` must not turn German into English."""
    import subprocess

    text = tmp_path / "brief.txt"
    # The English corrector makes "ist" "is" and "také" "take" here.
    text.write_text("Ich bitte um baldige Nachricht. Der Minister ist in Wien, die Sache ist dringend.\n"
                    "proto také Reichs Juden Polizei Kommission Konsul Botschaft gesagt\n", encoding="utf-8")
    run = subprocess.run([OCRFIX, "correct", str(text), "--lang", "deu", "--corrections", str(tmp_path / "none.yaml")],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout == text.read_text(encoding="utf-8")
    assert run.stderr.count("shipped dictionaries are English") == 1
    # Without --lang the English corrector sees that the words are not English and leaves them too.
    english = subprocess.run([OCRFIX, "correct", str(text), "--corrections", str(tmp_path / "none.yaml")],
                             capture_output=True, text=True)
    assert english.returncode == 0, english.stderr
    assert english.stdout == text.read_text(encoding="utf-8")
    assert english.stderr.count("1 page in 1 file do not read as the dictionaries' language") == 1
    assert "shipped dictionaries are English" not in english.stderr


def test_an_hocr_fragment_is_read_as_hocr_not_text(tmp_path):
    """Tesseract's GetHOCRText and tesseract.js give hOCR without a document around it
    (``<div class='ocr_page' ...>``): recognised by its markup, its words corrected, no tags in the text."""
    from pipeline.ocr_files import ocr_file_kind, read_ocr_file

    fragment = (
        "<div class='ocr_page' id='page_1' title='bbox 0 0 1000 200'>\n"
        " <span class='ocr_line' id='line_1_1' title='bbox 10 10 900 60'>\n"
        "  <span class='ocrx_word' id='word_1_1' title='bbox 10 10 100 60; x_wconf 95'>We</span>\n"
        "  <span class='ocrx_word' id='word_1_2' title='bbox 110 10 300 60; x_wconf 40'>chvisage</span>\n"
        "  <span class='ocrx_word' id='word_1_3' title='bbox 310 10 400 60; x_wconf 95'>no</span>\n"
        "  <span class='ocrx_word' id='word_1_4' title='bbox 410 10 700 60; x_wconf 95'>difficulty.</span>\n"
        " </span>\n</div>\n"
    ).encode()
    assert ocr_file_kind(fragment) == "hocr"
    doc, kind = read_ocr_file(tmp_path / "f.hocr", fragment)
    assert kind == "hocr" and [w.text for w in doc.pages[0].words] == ["We", "chvisage", "no", "difficulty."]
    path = tmp_path / "f.hocr"
    path.write_bytes(fragment)
    result = subprocess.run([OCRFIX, "correct", str(path), "--to", "txt"], capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "We envisage no difficulty."
    assert ocr_file_kind(b"<p>Some text that mentions <b>HTML</b></p>") == "txt"


def test_correct_learns_the_slips_of_another_engines_ocr(tmp_path):
    """`ocrfix correct` takes its files for another engine's OCR: the slip their words repeat ("q"
    for "a") is learned from them, and a word with three of them is corrected."""
    words = ("the delegation said that the talks had made progress and that a date was agreed for the next "
             "meeting of the working group which will take place in the capital after the national elections "
             "have been held and the parties are ready to sign the treaty that was drafted last year").split()
    for d in range(4):
        (tmp_path / f"d{d}.txt").write_text(" ".join(w.replace("a", "q", 1) if "a" in w and (i + d) % 2 == 0 else w
                                                     for i, w in enumerate(words)) + "\n")
    (tmp_path / "t.txt").write_text("the pqrliqmentqry committee was informed\n")
    result = run("correct", *sorted(str(p) for p in tmp_path.glob("*.txt")), "-o", str(tmp_path / "out"),
                 "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0, result.stderr
    assert "parliamentary committee" in (tmp_path / "out" / "t.txt").read_text()


def test_evaluate_says_when_a_ground_truth_file_is_empty(tmp_path):
    """An empty transcription shows 0 % CER on its page and counts all of its output as errors in
    the total: the run says so and names it."""
    (tmp_path / "out").mkdir()
    (tmp_path / "gt").mkdir()
    (tmp_path / "out" / "a.txt").write_text("some text here\n", encoding="utf-8")
    (tmp_path / "gt" / "a.gt.txt").write_text("", encoding="utf-8")
    result = run("evaluate", str(tmp_path / "out"), "--gt", str(tmp_path / "gt"))
    assert result.returncode == 0 and "1 ground-truth file empty (a)" in " ".join(result.stdout.split())


def test_options_a_user_can_get_wrong_are_refused_with_exit_2(tmp_path):
    """Each of these was accepted (session 18's sweep): --format '' wrote no output and said done;
    --lang eng+ asked for the apt package 'tesseract-ocr-' (exit 4); --lang osd read garbage."""
    scan = tmp_path / "x.png"
    scan.write_bytes(b"not read: the options are refused first")
    for args, why in ((["--format", ""], "no output format"), (["--lang", "eng+"], "joined by '+'"),
                      (["--lang", "osd"], "not a language")):
        result = run("process", str(scan), "-o", str(tmp_path / "out"), *args)
        assert result.returncode == 2 and why in result.stderr, (args, result.stderr)
    # ocrfix correct took them too: --lang eng+ as English, --lang '' as a language it has no dictionaries for.
    text = tmp_path / "x.txt"
    text.write_text("We chvisage it.\n")
    for lang, why in (("eng+", "joined by '+'"), ("", "joined by '+'"), ("osd", "not a language")):
        result = run("correct", str(text), "--lang", lang, "--corrections", str(tmp_path / "none.yaml"))
        assert result.returncode == 2 and why in result.stderr and result.stdout == "", (lang, result.stderr)


def test_outputs_of_formats_a_run_did_not_write_are_named_when_their_file_is_written_again(tmp_path):
    """A scan replaced under its name and read again with --format txt: its PDF still showed the
    old page, and nothing said so (session 18's sweep of the CLI)."""
    import shutil

    scans = tmp_path / "scans"
    scans.mkdir()
    shutil.copy(ROOT / "images" / "seed_letter_1988.jpg", scans / "a.jpg")
    none = str(tmp_path / "none.yaml")
    first = run("process", str(scans), "-o", str(tmp_path / "out"), "--format", "txt,pdf", "--corrections", none)
    assert first.returncode == 0, first.stderr
    again = run("process", str(scans), "-o", str(tmp_path / "out"), "--format", "txt", "--corrections", none)
    assert "did not write" not in again.stdout + again.stderr  # nothing written again: nothing to say
    shutil.copy(ROOT / "images" / "fco_cover_1988.jpg", scans / "a.jpg")
    replaced = run("process", str(scans), "-o", str(tmp_path / "out"), "--format", "txt", "--corrections", none)
    shown = " ".join((replaced.stdout + replaced.stderr).split())
    assert replaced.returncode == 0 and "1 output of formats this run did not write (a.pdf)" in shown


def test_ctrl_c_outside_a_batch_says_it_was_interrupted(monkeypatch, capsys):
    """Typer turns a Ctrl-C into a silent exit 130: ocrfix correct, or a run stopped before its OCR,
    ended without a word (session 19's sweep)."""
    import typer

    from pipeline import cli

    stopped = typer.Typer()

    @stopped.command()
    def correct() -> None:
        raise KeyboardInterrupt

    @stopped.command()
    def done() -> None:
        raise typer.Exit(130)  # (a batch's own stop: it has said more already)

    monkeypatch.setattr(cli, "app", stopped)
    with pytest.raises(SystemExit) as stop:
        cli.main(["correct"])
    assert stop.value.code == 130 and "ocrfix: interrupted" in capsys.readouterr().err
    with pytest.raises(SystemExit) as stop:
        cli.main(["done"])
    assert stop.value.code == 130 and "interrupted" not in capsys.readouterr().err


def test_correct_given_a_folder_says_to_give_its_files(tmp_path):
    result = run("correct", str(tmp_path), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and "is a folder: give the OCR files in it" in result.stderr



def test_help_keeps_the_placeholder_names_of_outputs():
    # The help is rendered as Markdown, which swallowed "<name>" as an HTML tag: "OUT/.txt".
    import os

    wide = {**os.environ, "COLUMNS": "200"}  # one line a help text: nothing wrapped mid-name
    result = subprocess.run([OCRFIX, "process", "--help"], capture_output=True, text=True, env=wide, timeout=60)
    assert result.returncode == 0
    assert "OUT/NAME.txt" in result.stdout and "OUT/.txt" not in result.stdout


def test_correct_given_the_same_file_twice_reads_it_once(tmp_path):
    """A glob and a name (`ocrfix correct *.txt a.txt`) that both give one file: it is one document of
    the collection, printed or written once, as `ocrfix process` takes it; it was refused with "a.txt
    and a.txt would both be written to o/a.txt; correct them into different output folders"."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("We chvisage it\n", encoding="utf-8")
    none = str(tmp_path / "none.yaml")
    result = run("correct", "in/a.txt", "./in/a.txt", "--corrections", none, cwd=tmp_path)
    assert result.returncode == 0 and result.stdout == "We envisage it\n", result.stderr
    result = run("correct", "in/a.txt", "./in/a.txt", "-o", "o", "--corrections", none, cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "o" / "a.txt").read_text(encoding="utf-8") == "We envisage it\n"


def test_preprocess_never_writes_over_the_scan(tmp_path):
    """`ocrfix preprocess scan.png -o scan.png` replaced the master scan with the cleaned image."""
    scan = tmp_path / "scan.png"
    scan.write_bytes((ROOT / "images" / "seed_letter_1988.jpg").read_bytes())  # (a JPEG named .png: read by content)
    before = scan.read_bytes()
    result = run("preprocess", "scan.png", "-o", str(scan), cwd=tmp_path)
    assert result.returncode == 2 and "over the scan" in result.stderr and "Traceback" not in result.stderr
    assert scan.read_bytes() == before


def test_preprocess_names_the_size_a_format_cannot_hold(tmp_path):
    """A cleaned image wider than WebP (16383 px) or JPEG (65500 px) holds: "could not encode the
    image as .webp" said nothing of why, under lines of OpenCV's own log."""
    import numpy as np
    from PIL import Image

    strip = tmp_path / "strip.png"
    Image.fromarray(np.full((40, 17000), 255, np.uint8)).save(strip)
    result = run("preprocess", str(strip), "-o", str(tmp_path / "clean.webp"), "--preprocess", "off")
    assert result.returncode == 8 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"ocrfix: error: {tmp_path / 'clean.webp'}: the image is 17000 x 40 px and .webp holds at most 16383 px a side; "
        "write .png or .tif"]
    assert run("preprocess", str(strip), "-o", str(tmp_path / "clean.png"), "--preprocess", "off").returncode == 0


def test_debug_images_naming_a_file_is_one_message_before_any_work(tmp_path):
    """--debug-images naming a file: every input failed alone, after its decoding and measuring,
    as "cannot write debug images (File exists)"."""
    import numpy as np
    from PIL import Image

    scan = tmp_path / "scan.png"
    Image.fromarray(np.full((40, 60), 255, np.uint8)).save(scan)
    (tmp_path / "notes").write_text("a file")
    for command in (["process", str(scan), "-o", str(tmp_path / "out")], ["preprocess", str(scan), "-o", str(tmp_path / "c.png")]):
        result = run(*command, "--debug-images", str(tmp_path / "notes"))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert result.stderr.strip() == (f"ocrfix: error: --debug-images {tmp_path / 'notes'}: is a file; "
                                         "give the folder the stage images go into")
    assert not (tmp_path / "out").exists() and not (tmp_path / "c.png").exists()


def test_an_unknown_preprocessing_step_is_one_message_before_any_work(tmp_path):
    """--preprocess deskw (or AUTO): every input of a batch failed alone, after its decoding, as
    "unknown preprocessing step"; the options say so when they are made, and the modes take any case."""
    import numpy as np
    from PIL import Image

    from pipeline.options import PreprocessOptions

    scan = tmp_path / "scan.png"
    Image.fromarray(np.full((40, 60), 255, np.uint8)).save(scan)
    result = run("process", str(scan), "-o", str(tmp_path / "out"), "--preprocess", "orient,deskw")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "ocrfix: error: mode: unknown preprocessing step deskw; choose from grayscale, orient, border, "
        "deskew, rescale, median, nlmeans, flatten, binarise, sauvola, or auto, or off"]
    assert not (tmp_path / "out").exists()
    assert [PreprocessOptions(mode=m).mode for m in ("AUTO", " Off", "Orient, deskew")] == ["auto", "off", "orient,deskew"]


def test_correct_refuses_json_its_own_outputs_among_them(tmp_path):
    """`ocrfix correct out/*` over a process output folder (x.txt and x.json): the JSON was "corrected"
    as plain text, its structure flattened and its keys ("text", "bbox") counted as the collection's words."""
    doc = {"schema_version": 1, "source": "x.jpg", "pages": [{"lines": [{"words": [{"text": "chvisage"}]}]}]}
    (tmp_path / "x.json").write_text(json.dumps(doc, indent=1), encoding="utf-8")
    (tmp_path / "note.txt").write_text('{braces} typed on a note, and "quotes": text\n', encoding="utf-8")
    result = run("correct", str(tmp_path / "x.json"), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 3 and "x.json: is JSON" in result.stderr and "Traceback" not in result.stderr
    assert result.stdout == ""
    result = run("correct", str(tmp_path / "note.txt"), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0 and result.stdout.startswith("{braces}")


def test_correct_of_text_keeps_its_layout_byte_for_byte_but_the_words_it_changed(tmp_path):
    """Text corrected into text came out with its CRLF line ends made LF, tabs and runs of spaces one
    space, blank lines one and a last line's missing line end added: a diff of input and output
    showed every line changed, and a file with nothing to correct was not given back as it was."""
    none = str(tmp_path / "none.yaml")
    text = "Dear  Ron,\r\n\r\n\r\n\tWe face a very important decison.\r\nPage one ends.\r\n\fPage two.\rIt ends here  "
    source = tmp_path / "letter.txt"
    source.write_bytes(text.encode())
    expected = text.replace("decison", "decision").encode()
    assert subprocess.run([OCRFIX, "correct", str(source), "--corrections", none], capture_output=True).stdout == expected
    assert run("correct", str(source), "-o", str(tmp_path / "out"), "--corrections", none).returncode == 0
    assert (tmp_path / "out" / "letter.txt").read_bytes() == expected
    clean = tmp_path / "clean.txt"
    clean.write_bytes("The\tMinister  agreed.\r\n\r\n\r\n".encode("utf-8-sig"))
    assert subprocess.run([OCRFIX, "correct", str(clean), "--corrections", none], capture_output=True).stdout == \
        "The\tMinister  agreed.\r\n\r\n\r\n".encode()
