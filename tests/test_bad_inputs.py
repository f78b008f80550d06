"""Broken and hostile input: one line naming the file and the cause, the good pages still
processed, a non-zero exit at the end, nothing lost or half-written, never a traceback."""

from __future__ import annotations

import errno
import os
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from conftest import OCRFIX, ROOT, FakeEngine, text_page
from pipeline.errors import InputFileError
from pipeline.ingest import load_pages


def _ocrfix(*args, env=None, cwd=None):
    return subprocess.run([OCRFIX, *args], capture_output=True, text=True, timeout=600, env=env, cwd=cwd)


def _good_scan(path: Path) -> Path:
    Image.fromarray(text_page("Telegram received")).save(path, dpi=(300, 300))
    return path


def _broken_files(folder: Path) -> dict[str, str]:
    """Every kind of broken input, with the reason ocrfix must give for it."""
    import pikepdf
    import pypdfium2 as pdfium

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "empty.png").write_bytes(b"")
    noise = Image.fromarray((np.random.default_rng(1).random((600, 500)) * 255).astype(np.uint8))
    for name, fmt in (("cut.jpg", "JPEG"), ("cut.png", "PNG"), ("cut.tif", "TIFF")):
        buffer = folder / f"whole-{name}"
        noise.save(buffer, fmt)
        data = buffer.read_bytes()
        buffer.unlink()
        (folder / name.replace("cut.", f"cut-{fmt.lower()}.")).write_bytes(data[: len(data) // 2])
    (folder / "letter.jpg").write_text("Dear Sir, this is a text file with an image name.")
    (folder / "notes.xyz").write_bytes(b"\x00\x01\x02 not any format")
    Image.new("1", (24000, 24000), 1).save(folder / "bomb.png", optimize=True)
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n1 0 obj << /Type /Catalog >> garbage")
    pdfium.PdfDocument.new().save(str(folder / "nopages.pdf"))
    Image.new("L", (200, 200), 255).save(folder / "plain.pdf")
    with pikepdf.open(folder / "plain.pdf") as pdf:
        pdf.save(folder / "encrypted.pdf", encryption=pikepdf.Encryption(user="secret", owner="secret"))
    (folder / "plain.pdf").unlink()
    return {
        "empty.png": "file is empty (0 bytes)",
        "cut-jpeg.jpg": "image file is damaged or truncated",
        "cut-png.png": "image file is damaged or truncated",
        "cut-tiff.tif": "image file is damaged or truncated",
        "letter.jpg": "not an image file ocrfix can read",
        "notes.xyz": "not an image file ocrfix can read",
        "bomb.png": "over the limit of 200 Mpx (a decompression bomb?); raise it with --max-pixels",
        "broken.pdf": "PDF is damaged or not a PDF (its structure could not be read)",
        "nopages.pdf": "PDF has no pages",
        "encrypted.pdf": "PDF is encrypted with a password; decrypt it first",
    }


@pytest.mark.tesseract
def test_each_broken_file_gets_one_line_and_the_good_pages_come_out(tmp_path):
    folder = tmp_path / "in"
    reasons = _broken_files(folder)
    _good_scan(folder / "good.png")
    Image.new("L", (1200, 1600), 255).save(folder / "blank.png")
    Image.new("L", (1200, 1600), 0).save(folder / "black.png")
    Image.new("L", (1, 1), 255).save(folder / "dot.png")
    out = tmp_path / "out"
    inputs = [str(p) for p in sorted(folder.iterdir())]  # notes.xyz is named explicitly
    result = _ocrfix("process", *inputs, "-o", str(out), "--workers", "2", "--no-correct",
                     "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 10, result.stderr
    assert "Traceback" not in result.stderr
    assert f"ocrfix: error: {len(reasons)} of {len(reasons) + 4} inputs failed (listed above)" in result.stderr
    log = [line for line in result.stderr.splitlines() if "FAILED: " in line]
    assert len(log) == len(reasons)
    for name, reason in reasons.items():
        [line] = [l for l in log if f" {name} FAILED: " in l]
        # One line: the file's path, then the cause.
        assert line.split("FAILED: ", 1)[1].startswith(f"{folder / name}: ")
        assert reason in line, line
    # The good page was read; blank, black and 1x1 pages are processed, with empty text.
    assert "Telegram" in (out / "good.txt").read_text()
    for name in ("blank", "black", "dot"):
        assert (out / f"{name}.txt").read_text().strip() == ""
        assert (out / f"{name}.json").exists()
    for name in reasons:
        assert not (out / Path(name).with_suffix(".txt")).exists()
    assert not [p for p in out.rglob("*.tmp")]
    status = _ocrfix("status", str(out))
    assert "encrypted.pdf" in status.stdout


@pytest.mark.tesseract
def test_the_pixel_limit_can_be_lowered_and_raised(tmp_path):
    scan = _good_scan(tmp_path / "good.png")
    low = _ocrfix("process", str(scan), "-o", str(tmp_path / "o1"), "--max-pixels", "1000", "--no-correct",
                  "--corrections", str(tmp_path / "none.yaml"))
    assert low.returncode == 10 and "over the limit of 0 Mpx" in low.stderr
    ok = _ocrfix("process", str(scan), "-o", str(tmp_path / "o2"), "--max-pixels", "200000", "--no-correct",
                 "--corrections", str(tmp_path / "none.yaml"))
    assert ok.returncode == 0, ok.stderr


def test_missing_tesseract_is_one_message_before_any_work(tmp_path):
    scan = _good_scan(tmp_path / "good.png")
    env = {**os.environ, "PATH": str(tmp_path / "empty-bin")}
    result = _ocrfix("process", str(scan), "-o", str(tmp_path / "out"), env=env)
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "ocrfix: error: Tesseract ('tesseract') was not found; install it with: "
        "sudo apt-get install tesseract-ocr tesseract-ocr-eng"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.tesseract
def test_missing_english_data_is_one_message_before_any_work(tmp_path):
    scan = _good_scan(tmp_path / "good.png")
    (tmp_path / "tessdata").mkdir()
    env = {**os.environ, "TESSDATA_PREFIX": str(tmp_path / "tessdata")}
    result = _ocrfix("process", str(scan), "-o", str(tmp_path / "out"), env=env)
    assert result.returncode == 4
    assert result.stderr.strip() == (
        "ocrfix: error: Tesseract has no 'eng' language data; install it with: sudo apt-get install tesseract-ocr-eng"
    )
    assert not (tmp_path / "out").exists()


@pytest.mark.tesseract
def test_an_output_folder_that_cannot_be_created(tmp_path):
    scan = _good_scan(tmp_path / "good.png")
    blocker = tmp_path / "taken"
    blocker.write_text("a file where the output folder should go")
    result = _ocrfix("process", str(scan), "-o", str(blocker), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 2 and result.stderr.strip() == f"ocrfix: error: -o {blocker}: is a file; give the folder the outputs go into"
    result = _ocrfix("process", str(scan), "-o", str(blocker / "sub"), "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 9
    assert result.stderr.strip().startswith(f"ocrfix: error: {blocker / 'sub' / '.ocrfix'}: cannot create the workspace")
    assert blocker.read_text() == "a file where the output folder should go"


def test_disk_full_while_writing_fails_that_file_alone_and_leaves_no_partial_file(tmp_path, fake_ocr, monkeypatch):
    from pipeline.batch import run_batch
    from pipeline.options import CorrectOptions, Options
    from pipeline.corrections import load_corrections

    fake_ocr([[("Telegram", 95)]])
    a, b = _good_scan(tmp_path / "a.png"), _good_scan(tmp_path / "b.png")
    real_replace = os.replace

    def replace(src, dst):
        if Path(dst).name.startswith("b."):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    opts = Options(workers=1, correct=CorrectOptions(enabled=False, corrections_file=tmp_path / "none.yaml"))
    out = tmp_path / "out"
    batch = run_batch([(a, Path("a.png")), (b, Path("b.png"))], out, opts, load_corrections(tmp_path / "none.yaml"))
    by_rel = {r.rel: r for r in batch.results}
    assert by_rel["a.png"].ok and (out / "a.txt").read_text() == "Telegram\n"
    assert not by_rel["b.png"].ok
    assert by_rel["b.png"].error == f"{out / 'b.txt'}: cannot write the output (the disk is full); nothing was left half-written"
    assert sorted(p.name for p in out.iterdir()) == [".ocrfix", "a.json", "a.txt"]


def test_a_broken_corrections_file_stops_before_any_work(tmp_path):
    scan = _good_scan(tmp_path / "good.png")
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text("version: 1\nentries:\n  - ocr: chvisage\n    replacement: [unclosed\n")
    before = corrections.read_bytes()
    result = _ocrfix("process", str(scan), "-o", str(tmp_path / "out"), "--corrections", str(corrections))
    assert result.returncode == 6
    [line] = result.stderr.strip().splitlines()
    assert line.startswith(f"ocrfix: error: {corrections}:")
    assert line.removeprefix(f"ocrfix: error: {corrections}:").split(":")[0].isdigit()  # file:line
    assert corrections.read_bytes() == before
    assert not (tmp_path / "out").exists()


def test_correct_on_non_utf8_text_never_tracebacks(tmp_path):
    source = tmp_path / "cp1252.txt"
    source.write_bytes(b"The Minister\x92s d\xe9marche \x93today\x94\n\xff\xfegarbage\n")
    result = _ocrfix("correct", str(source), "--corrections", str(tmp_path / "none.yaml"))
    # (refused in one line: read with replacement characters, its accented letters were lost)
    assert result.returncode == 3 and "Traceback" not in result.stderr
    assert result.stderr.strip() == (f"ocrfix: error: {source}:1: is not UTF-8 text (byte 0x92 at offset 12; Latin-1 or "
                                     "Windows-1252?); save it as UTF-8, e.g. iconv -f windows-1252 -t utf-8")


def test_correct_refuses_a_binary_file_and_reads_utf16_by_its_mark(tmp_path):
    """A scan given as OCR text, or UTF-16 without a mark, holds NUL bytes: refused, not "corrected"
    into garbage; UTF-16 with its byte-order mark is read as the text it is."""
    none = str(tmp_path / "none.yaml")
    for name, data in (("scan.txt", (ROOT / "images" / "seed_letter_1988.jpg").read_bytes()[:3000]),
                       ("bare16.txt", "We chvisage it\n".encode("utf-16-le"))):
        (tmp_path / name).write_bytes(data)
        result = _ocrfix("correct", str(tmp_path / name), "-o", str(tmp_path / "out"), "--corrections", none)
        assert result.returncode == 3 and "NUL bytes" in result.stderr and "Traceback" not in result.stderr
        assert not (tmp_path / "out" / name).exists()
    (tmp_path / "marked16.txt").write_bytes("We chvisage it\n".encode("utf-16"))
    result = _ocrfix("correct", str(tmp_path / "marked16.txt"), "--corrections", none)
    assert result.returncode == 0 and result.stdout == "We envisage it\n"


def test_correct_never_writes_over_an_input_nor_two_results_in_one_file(tmp_path):
    none = str(tmp_path / "none.yaml")
    for folder in ("a", "b"):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "g.txt").write_text("We chvisage it\n", encoding="utf-8")
    result = _ocrfix("correct", "g.txt", "-o", ".", "--corrections", none, cwd=tmp_path / "a")
    assert result.returncode == 2 and "over the input" in result.stderr
    assert (tmp_path / "a" / "g.txt").read_text(encoding="utf-8") == "We chvisage it\n"
    result = _ocrfix("correct", str(tmp_path / "a" / "g.txt"), str(tmp_path / "b" / "g.txt"), "-o", str(tmp_path / "o"),
                     "--corrections", none)
    assert result.returncode == 2 and "would both be written" in result.stderr and not (tmp_path / "o").exists()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=4096), suffix=st.sampled_from([".png", ".jpg", ".tif", ".pdf", ".gif", ".bin"]))
def test_random_bytes_as_images_raise_only_our_error(tmp_path_factory, data, suffix):
    path = tmp_path_factory.mktemp("fuzz") / f"scan{suffix}"
    path.write_bytes(data)
    try:
        for page in load_pages(path):
            assert page.image.ndim in (2, 3)
    except InputFileError as e:
        assert str(e).startswith(f"{path}: ")


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(prefix=st.sampled_from([b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff\xe0", b"II*\x00", b"MM\x00*", b"%PDF-1.4\n", b"GIF89a"]),
       data=st.binary(max_size=2048))
def test_random_bytes_behind_real_magic_numbers_raise_only_our_error(tmp_path_factory, prefix, data):
    path = tmp_path_factory.mktemp("fuzz") / "scan.img"
    path.write_bytes(prefix + data)
    try:
        list(load_pages(path))
    except InputFileError:
        pass


@pytest.mark.tesseract
def test_a_file_name_that_is_not_utf8_fails_alone(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    _good_scan(folder / "good.png")
    _good_scan(folder / "tmp.png")
    os.rename(os.fsencode(folder / "tmp.png"), os.fsencode(folder) + b"/caf\xe9.png")  # Latin-1 name
    result = _ocrfix("process", str(folder), "-o", str(tmp_path / "out"), "--no-correct",
                     "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 10 and "Traceback" not in result.stderr
    assert f"{folder}/caf\ufffd.png: the file name is not valid UTF-8; rename the file to process it" in result.stderr
    assert "Telegram" in (tmp_path / "out" / "good.txt").read_text()


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda p: p.mkdir(), "is a folder, not a corrections file"),
        (lambda p: p.write_bytes(b"version: 1\ncorrections:\n  - ocr: caf\xe9\n    replacement: cafe\n"), "UTF-8"),
    ],
    ids=["a folder", "not UTF-8"],
)
def test_an_unreadable_corrections_file_is_one_line(tmp_path, make, words):
    from pipeline.errors import CorrectionsFileError
    from pipeline.corrections import load_corrections

    path = tmp_path / "corrections.yaml"
    make(path)
    with pytest.raises(CorrectionsFileError) as err:
        load_corrections(path)
    assert str(err.value).startswith(f"{path}") and "\n" not in str(err.value)
    assert words in str(err.value)
    result = _ocrfix("corrections", "validate", "--corrections", str(path))
    assert result.returncode == 6 and "Traceback" not in result.stderr


def test_editing_a_corrections_file_that_is_a_device_or_a_pipe_is_refused_before_anything(tmp_path):
    """`ocrfix corrections add -c /dev/null a b` replaced /dev/null with a regular file (as root) and
    left /dev/null.lock beside it; a pipe hung the command, read for the entries it holds."""
    import stat

    pipe = tmp_path / "corrections.yaml"
    os.mkfifo(pipe)
    for command in (["add", "a", "b"], ["reject", "a"]):
        result = subprocess.run([OCRFIX, "corrections", *command, "-c", str(pipe)], capture_output=True, text=True, timeout=20)
        assert result.returncode == 6 and "Traceback" not in result.stderr, result.stderr
        assert f"{pipe}: is not a regular file (a device or a pipe)" in result.stderr
    assert stat.S_ISFIFO(pipe.stat().st_mode) and sorted(p.name for p in tmp_path.iterdir()) == ["corrections.yaml"]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=400) | st.sampled_from(["version: 1\ncorrections:\n"]).flatmap(
    lambda head: st.text(max_size=300).map(lambda tail: head + tail)))
def test_random_text_as_corrections_yaml_raises_only_our_error(tmp_path_factory, text):
    from pipeline.errors import CorrectionsFileError
    from pipeline.corrections import load_corrections

    path = tmp_path_factory.mktemp("yaml") / "corrections.yaml"
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        load_corrections(path)
    except CorrectionsFileError as e:
        assert str(e).startswith(f"{path}")


def test_utf16_hocr_and_utf32_text_are_read_as_what_they_say():
    """An XML declaration naming UTF-16 is dropped with the re-encoding (lxml would decode the UTF-8
    as UTF-16 again); UTF-32's mark is not taken for UTF-16's."""
    from pipeline.ocr_files import read_ocr_file

    hocr = ROOT / "tests" / "data" / "sample.hocr"
    text = hocr.read_text(encoding="utf-8")
    assert 'encoding="UTF-8"' in text.splitlines()[0]
    as_utf16 = text.replace('encoding="UTF-8"', 'encoding="UTF-16"', 1).encode("utf-16")
    words = [[w.text for p in read_ocr_file(hocr, data)[0].pages for w in p.words] for data in (hocr.read_bytes(), as_utf16)]
    assert words[0] == words[1] and len(words[0]) > 20
    doc, kind = read_ocr_file(Path("x.txt"), "We chvisage it\n".encode("utf-32"))
    assert kind == "txt" and [w.text for w in doc.pages[0].words] == ["We", "chvisage", "it"]


def test_a_workspace_damaged_inside_is_one_line_and_exit_9(tmp_path, fake_ocr):
    """Damage past the database's first pages passes the checks made when it is opened and fails in
    a later query: still one line naming the cure, not a traceback."""
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    inputs = [(_good_scan(scans / f"p{i}.png"), Path(f"p{i}.png")) for i in range(30)]
    out = tmp_path / "out"
    run_batch(inputs, out, Options(workers=1), Corrections())
    database = out / ".ocrfix" / "workspace.sqlite"
    data = bytearray(database.read_bytes())
    assert len(data) > 8 * 4096
    data[3 * 4096 : 7 * 4096] = os.urandom(4 * 4096)
    database.write_bytes(bytes(data))
    for command in (["status", str(out)], ["dictionary", "show", str(out)]):
        result = _ocrfix(*command)
        assert result.returncode == 9 and "Traceback" not in result.stderr, (command, result.stderr)
        assert "workspace database is damaged" in result.stderr and "delete its .ocrfix" in result.stderr


def test_dictionary_build_refuses_a_binary_corpus_and_an_output_that_is_a_file(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.txt").write_text("the note of the government was read\n" * 5, encoding="utf-8")
    scan = (ROOT / "images" / "seed_letter_1988.jpg")
    result = _ocrfix("dictionary", "build", str(scan), "-o", str(tmp_path / "d"), "--no-general")
    assert result.returncode == 7 and "NUL bytes" in result.stderr and not (tmp_path / "d").exists()
    taken = tmp_path / "taken"
    taken.write_text("x")
    result = _ocrfix("dictionary", "build", str(corpus), "-o", str(taken), "--no-general")
    assert result.returncode == 8 and "cannot create the folder" in result.stderr and "Traceback" not in result.stderr


def test_ground_truth_is_read_as_utf8_or_by_its_mark_and_anything_else_is_named(tmp_path):
    from pipeline.files import read_utf8_text

    text = "Naïve café Æbleø\n"
    for name, data in (("plain", text.encode("utf-8")), ("marked8", text.encode("utf-8-sig")), ("marked16", text.encode("utf-16"))):
        (tmp_path / name).write_bytes(data)
        assert read_utf8_text(tmp_path / name) == text, name
    (tmp_path / "latin1").write_bytes(text.encode("latin-1"))
    with pytest.raises(InputFileError, match="is not UTF-8 text"):
        read_utf8_text(tmp_path / "latin1")


def test_a_full_disk_or_a_read_only_workspace_is_no_damaged_database(tmp_path, monkeypatch):
    """A full disk was reported as a damaged workspace, with the advice to delete it (and every
    cached read with it), and a lock file read-only to the user as a traceback (session 19's
    sweep). Each failure of the database is told for what it is."""
    import sqlite3

    from filelock import FileLock

    from pipeline.errors import OutputError, WorkspaceError
    from pipeline.workspace import Workspace, database_error

    def failure(make) -> sqlite3.DatabaseError:
        try:
            make()
        except sqlite3.DatabaseError as e:
            return e
        raise AssertionError("no failure")

    full = sqlite3.connect(":memory:")
    full.executescript("CREATE TABLE t (x); PRAGMA max_page_count = 3;")
    error = database_error(failure(lambda: [full.execute("INSERT INTO t VALUES (?)", ("x" * 4000,)) for _ in range(20)]), tmp_path)
    assert isinstance(error, OutputError) and "the disk is full" in str(error) and "delete" not in str(error)
    sqlite3.connect(tmp_path / "w.sqlite").executescript("CREATE TABLE t (x);")
    read_only = sqlite3.connect(f"file:{tmp_path / 'w.sqlite'}?mode=ro", uri=True)
    error = database_error(failure(lambda: read_only.execute("INSERT INTO t VALUES (1)")), tmp_path)
    assert isinstance(error, WorkspaceError) and "cannot write the workspace" in str(error) and "delete" not in str(error)
    (tmp_path / "junk.sqlite").write_bytes(b"no database at all " * 300)
    error = database_error(failure(lambda: sqlite3.connect(tmp_path / "junk.sqlite").execute("SELECT * FROM t")), tmp_path)
    assert isinstance(error, WorkspaceError) and "is damaged" in str(error) and "delete" in str(error)

    def refused(self, *args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(FileLock, "acquire", refused)
    with pytest.raises(WorkspaceError, match=r"cannot take the run's lock \(Permission denied\)"):
        Workspace(tmp_path / "out", exclusive=True)


def test_a_named_pipe_named_like_a_scan_is_not_read(tmp_path):
    """A FIFO called pipe.jpg in a folder of scans blocked the run for ever, with no output, when it
    was opened to be hashed (session 19's sweep): it fails, named, and the scan beside it is done."""
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    os.mkfifo(scans / "pipe.jpg")
    inputs = [(scans / "pipe.jpg", Path("pipe.jpg")), (_good_scan(scans / "p.png"), Path("p.png"))]
    result = run_batch(inputs, tmp_path / "out", Options(workers=1, correct={"enabled": False}), Corrections(),
                       engine=FakeEngine([[[("Telegram", 95.0)]]]))
    assert [(r.rel, "is not a regular file" in (r.error or "")) for r in result.failed] == [("pipe.jpg", True)]
    assert (tmp_path / "out" / "p.txt").read_text().strip() == "Telegram"

