"""Everything after OCR, with a fake OCR engine: outputs, JSON, raw text, box mapping, failures."""

import os
import signal
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.batch import run_batch
from pipeline.errors import OutputError
from pipeline.model import Document, Line, Word
from pipeline.options import CorrectOptions, Options
from pipeline.outputs import atomic_write
from pipeline.corrections import load_corrections
from pipeline.preprocess import rotate
from pipeline.process import map_lines


def _scan(path: Path) -> Path:
    Image.fromarray(np.full((300, 400), 255, np.uint8)).save(path)
    return path


def _options(tmp_path, **kw) -> Options:
    # The corrector has its own tests; here only what surrounds it.
    return Options(workers=1, correct=CorrectOptions(enabled=False, corrections_file=tmp_path / "none.yaml"), **kw)


def test_process_file_writes_text_and_json(tmp_path, fake_ocr):
    fake_ocr([[("We", 95), ("face", 93)], [("a", 96), ("decision", 91)]])
    scan = _scan(tmp_path / "letter.png")
    opts = _options(tmp_path)
    batch = run_batch([(scan, Path("box/letter.png"))], tmp_path / "out", opts, load_corrections(tmp_path / "none.yaml"))
    [result] = batch.results
    assert result.ok and result.action == "ocr" and result.pages == 1
    assert (tmp_path / "out/box/letter.txt").read_text() == "We face\na decision\n"
    doc = Document.model_validate_json((tmp_path / "out/box/letter.json").read_text())
    assert doc.source == "box/letter.png"
    assert doc.pages[0].engine["version"] == "5.0.0-fake"
    assert [w.text for w in doc.pages[0].words] == ["We", "face", "a", "decision"]


def test_a_bad_file_fails_alone_and_the_batch_goes_on(tmp_path, fake_ocr):
    fake_ocr([[("text", 90)]])
    good = _scan(tmp_path / "good.png")
    bad = tmp_path / "bad.png"
    bad.write_bytes(b"")
    opts = _options(tmp_path)
    batch = run_batch([(bad, Path("bad.png")), (good, Path("good.png"))], tmp_path / "out", opts,
                      load_corrections(tmp_path / "none.yaml"))
    assert sorted((r.rel, r.ok) for r in batch.results) == [("bad.png", False), ("good.png", True)]
    assert batch.failed[0].error == f"{bad}: file is empty (0 bytes)"
    assert (tmp_path / "out/good.txt").exists() and not (tmp_path / "out/bad.txt").exists()
    # A link whose scan was moved is named for what it is, not "No such file or directory".
    gone = tmp_path / "gone.png"
    gone.symlink_to(tmp_path / "moved.png")
    batch = run_batch([(gone, Path("gone.png"))], tmp_path / "out", opts, load_corrections(tmp_path / "none.yaml"))
    assert batch.failed[0].error == f"{gone}: is a link to {tmp_path / 'moved.png'}, which is not there (moved or renamed?)"


def test_boxes_map_back_through_a_rotation():
    image = np.full((400, 600), 255, np.uint8)
    image[100:120, 200:260] = 0  # a "word" at x 200-259, y 100-119
    rotated, back = rotate(image, 3.0)
    ys, xs = np.nonzero(rotated < 128)
    box = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
    [line] = map_lines([Line(words=[Word(text="x", bbox=box)], bbox=box)], back, 600, 400)
    x0, y0, x1, y1 = line.words[0].bbox
    # The box of a rotated box contains the original, a few pixels larger at most.
    assert x0 <= 200 and y0 <= 100 and x1 >= 260 and y1 >= 120
    assert x0 >= 190 and y0 >= 90 and x1 <= 270 and y1 <= 130


def test_atomic_write_leaves_nothing_behind_when_the_disk_is_full(tmp_path, monkeypatch):
    target = tmp_path / "x.txt"
    target.write_text("old")

    def full(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", full)
    with pytest.raises(OutputError, match="the disk is full"):
        atomic_write(target, "new text")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_atomic_write_takes_a_name_near_the_file_systems_limit(tmp_path):
    """A scan named with 238 characters (outputs of 243) failed: the temporary file, named after
    the output and 14 characters longer, went over the limit of 255 (session 19's sweep)."""
    for length in (240, 255):
        path = tmp_path / ("x" * (length - 5) + ".json")
        atomic_write(path, "{}")
        assert path.read_text() == "{}"
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted("x" * (n - 5) + ".json" for n in (240, 255))


def test_atomic_write_stopped_by_ctrl_c_leaves_no_temporary_file(tmp_path, monkeypatch):
    # Ctrl-C lands while the coordinator writes an output: the run stops, and the folder holds the
    # old file or none, never a stray ".x.txt.*.tmp" (seen once in test_interrupted_run_resumes...).
    target = tmp_path / "x.txt"
    target.write_text("old")

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "fsync", interrupted)
    with pytest.raises(KeyboardInterrupt):
        atomic_write(target, "new text")
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["Ctrl-C", "SIGTERM"])
def test_atomic_write_stopped_as_its_temporary_file_is_made_leaves_none(tmp_path, monkeypatch, signum):
    # The stop lands just after mkstemp made the temporary file, before atomic_write's own cleanup
    # covers it (its handler runs at the first check after the file's open, inside mkstemp): under
    # load, test_interrupted_run_resumes... and the SIGTERM stop under load found ".page03.json.*.tmp".
    import tempfile

    from pipeline.cli import _terminate_as_interrupt

    previous = signal.signal(signal.SIGTERM, _terminate_as_interrupt)  # (as the CLI has it)
    target = tmp_path / "x.txt"
    target.write_text("old")
    made = tempfile.mkstemp

    def stopped_as_made(*args, **kwargs):
        fd, name = made(*args, **kwargs)
        signal.raise_signal(signum)  # (its handler runs at once, where nothing is held back)
        return fd, name

    monkeypatch.setattr(tempfile, "mkstemp", stopped_as_made)
    try:
        with pytest.raises(KeyboardInterrupt):
            atomic_write(target, "new text")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert target.read_text() == "old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["x.txt"]


def test_atomic_write_gives_new_files_the_usual_mode_and_keeps_an_existing_one(tmp_path):
    fresh = tmp_path / "fresh.txt"
    atomic_write(fresh, "x")
    umask = os.umask(0o022)
    os.umask(umask)
    assert fresh.stat().st_mode & 0o777 == 0o666 & ~umask
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o640)
    atomic_write(kept, "new")
    assert kept.stat().st_mode & 0o777 == 0o640 and kept.read_text() == "new"


def test_atomic_write_never_replaces_a_device_or_a_pipe(tmp_path):
    """`ocrfix corrections add -c /dev/null a b` (or -o /dev/null, /dev/stdout) replaced the device
    with a regular file holding the text: as root, /dev/null was gone for every program."""
    import stat

    pipe = tmp_path / "pipe.txt"
    os.mkfifo(pipe)
    linked = tmp_path / "stdout.txt"
    linked.symlink_to(pipe)
    for path in (pipe, linked):
        with pytest.raises(OutputError, match="is not a regular file"):
            atomic_write(path, "text")
    assert stat.S_ISFIFO(pipe.stat().st_mode) and linked.is_symlink()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["pipe.txt", "stdout.txt"]


def test_correction_key_follows_the_dictionary_files_the_corrector_reads(tmp_path):
    import shutil

    from conftest import ROOT
    from pipeline.batch import correction_key

    dictionaries = tmp_path / "dict"
    shutil.copytree(ROOT / "dictionaries", dictionaries)
    none = load_corrections(tmp_path / "none.yaml")

    def key(enabled=True):
        return correction_key(Options(correct=CorrectOptions(enabled=enabled, dictionary_dir=dictionaries,
                                                             corrections_file=tmp_path / "none.yaml")), none)

    before, without = key(), key(enabled=False)
    (dictionaries / "SOURCES.md").write_text("notes only")
    assert key() == before
    (dictionaries / "protected.txt").write_text((dictionaries / "protected.txt").read_text() + "Sulverb\n")
    assert key() != before
    # Without the corrector the dictionaries shape nothing.
    assert key(enabled=False) == without


def test_correction_key_follows_both_models_of_a_word_being_wrong(tmp_path, monkeypatch):
    """A refit of the corrector's p_wrong model or of the read model (which judges the words where
    no corrector runs) changes the key, so that outputs are corrected again from the cache."""
    import dataclasses

    from pipeline import calibration
    from pipeline.batch import correction_key

    none = load_corrections(tmp_path / "none.yaml")
    options = Options(correct=CorrectOptions(corrections_file=tmp_path / "none.yaml"))
    before = correction_key(options, none)
    monkeypatch.setattr(calibration, "DEFAULT_READ_MODEL", dataclasses.replace(calibration.DEFAULT_READ_MODEL, flag_at=0.5))
    after_read = correction_key(options, none)
    monkeypatch.setattr(calibration, "DEFAULT_WRONG_MODEL", dataclasses.replace(calibration.DEFAULT_WRONG_MODEL, flag_at=0.5))
    assert len({before, after_read, correction_key(options, none)}) == 3


def test_ocr_page_rejoins_line_pieces_unless_told_not_to(monkeypatch):
    """Tesseract's pieces of one typed line, filed in two blocks, come out as one line (with a step
    saying so); --no-rejoin-lines keeps Tesseract's lines."""
    from pipeline import process
    from pipeline.ingest import PageImage
    from pipeline.options import OcrOptions
    from conftest import FakeEngine

    def word(text, x0, x1, y=100):
        return Word(text=text, bbox=(x0, y - 30, x1, y), confidence=90.0)

    pieces = [
        Line(words=[word("there", 330, 405), word("is", 425, 455), word("nothing", 475, 580)], block=0),
        Line(words=[word("Namibian", 100, 220), word("question,", 240, 310)], block=1),
        Line(words=[word("in", 100, 130, 160), word("the", 150, 195, 160), word("record", 215, 305, 160)], block=1),
    ]
    engine = FakeEngine([pieces])
    image = PageImage(image=np.full((300, 700), 255, np.uint8), index=0, dpi=300)
    plain = Options(workers=1, preprocess={"mode": "off"})

    page = process.ocr_page(image, "p.png", plain, engine)
    assert [line.text for line in page.lines] == ["Namibian question, there is nothing", "in the record"]
    assert page.steps[-1].name == "rejoin-lines"
    kept = process.ocr_page(image, "p.png", plain.model_copy(update={"ocr": OcrOptions(rejoin_lines=False)}), engine)
    assert [line.text for line in kept.lines] == ["there is nothing", "Namibian question,", "in the record"]
    assert "rejoin-lines" not in [s.name for s in kept.steps]


def test_status_names_done_files_whose_outputs_were_deleted(tmp_path, fake_ocr, capsys):
    """Outputs deleted by hand: status counted the files done and said the next run would redo
    nothing but new inputs, while it writes them again (from the cache)."""
    import pytest

    from pipeline.cli import main

    fake_ocr([[("We", 95), ("face", 93)]])
    scans = [(_scan(tmp_path / f"p{k}.png"), Path(f"p{k}.png")) for k in range(3)]
    out = tmp_path / "out"
    assert all(r.ok for r in run_batch(scans, out, _options(tmp_path), load_corrections(tmp_path / "none.yaml")).results)
    with pytest.raises(SystemExit):
        main(["status", str(out)])
    assert "outputs missing" not in capsys.readouterr().out
    (out / "p0.txt").unlink()
    (out / "p2.json").unlink()
    with pytest.raises(SystemExit) as done:
        main(["status", str(out)])
    shown = " ".join(capsys.readouterr().out.split())
    assert done.value.code == 0
    assert ("2 done files have outputs missing (deleted by hand?): p0.png, p2.png; the next `ocrfix process` of "
            "this folder writes them again") in shown
    # (the list ends "(--all lists every one)", and --help says so of them too)
    with pytest.raises(SystemExit):
        main(["status", "--help"])
    assert "whose outputs are missing" in " ".join(capsys.readouterr().out.replace("│", " ").split())


def test_status_shows_names_with_square_brackets_as_they_are(tmp_path, fake_ocr, capsys):
    """Rich read "[draft]" in a file's or folder's name as markup and dropped it: status named
    "memo .png" as the file whose outputs were deleted, "bad .png" as the failed one and the folder
    "out", none of them a name the person has; a name with "[/...]" in it was a MarkupError traceback."""
    import pytest

    from pipeline.cli import main

    fake_ocr([[("We", 95), ("face", 93)]])
    (tmp_path / "notes [").mkdir()
    scans = [(_scan(tmp_path / "memo [draft].png"), Path("memo [draft].png")),
             (_scan(tmp_path / "notes [" / "b].png"), Path("notes [/b].png"))]
    (tmp_path / "bad [copy].png").write_bytes(b"not an image")
    scans.append((tmp_path / "bad [copy].png", Path("bad [copy].png")))
    out = tmp_path / "out [v2]"
    run_batch(scans, out, _options(tmp_path), load_corrections(tmp_path / "none.yaml"))
    (out / "memo [draft].txt").unlink()
    (out / "notes [" / "b].txt").unlink()
    with pytest.raises(SystemExit) as done:
        main(["status", str(out)])
    shown = " ".join(capsys.readouterr().out.replace("│", " ").split())
    assert done.value.code == 0
    assert "out [v2]" in shown and "bad [copy].png" in shown
    assert "have outputs missing (deleted by hand?): memo [draft].png, notes [/b].png;" in shown


def test_status_names_done_files_whose_page_xml_files_were_deleted(tmp_path, fake_ocr):
    """PAGE XML is a file a page: a done file lacking any of its pages' files is named, in a folder
    of its own too, and one with them all is not."""
    import contextlib
    import sqlite3

    from pipeline.batch import done_without_outputs
    from pipeline.workspace import open_workspace

    fake_ocr([[("We", 95), ("face", 93)]])
    (tmp_path / "box").mkdir()
    scans = [(_scan(tmp_path / name), Path(name)) for name in ("p0.png", "p1.png", "box/p2.png", "p3.png")]
    out = tmp_path / "out"
    options = _options(tmp_path, output={"formats": ("txt", "page")})
    assert all(r.ok for r in run_batch(scans, out, options, load_corrections(tmp_path / "none.yaml")).results)
    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        db.execute("UPDATE files SET pages=2 WHERE rel IN ('p1.png', 'p3.png')")  # (as a two-page scan's record says)
        db.commit()
    (out / "p3.page-0002.xml").write_text("<PcGts/>")
    with open_workspace(out, create=False) as ws:
        assert done_without_outputs(ws, out, options) == ["p1.png"]
        (out / "box" / "p2.page.xml").unlink()
        (out / "p0.txt").unlink()
        assert done_without_outputs(ws, out, options) == ["box/p2.png", "p0.png", "p1.png"]


def test_options_recorded_by_another_version_are_named_as_such(tmp_path, fake_ocr, capsys):
    """Options the last run recorded that this version no longer reads (a field since removed):
    `corrections diff` said the folder had no record of them, and status left out what the next run
    redoes without a word."""
    import contextlib
    import json
    import sqlite3

    import pytest

    from pipeline.cli import main

    fake_ocr([[("We", 95), ("face", 93)]])
    out = tmp_path / "out"
    run_batch([(_scan(tmp_path / "p.png"), Path("p.png"))], out, _options(tmp_path), load_corrections(tmp_path / "none.yaml"))
    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        saved = json.loads(db.execute("SELECT value FROM meta WHERE key='options'").fetchone()[0])
        db.execute("UPDATE meta SET value=? WHERE key='options'", (json.dumps({**saved, "a_removed_option": 1}),))
        db.commit()
    with pytest.raises(SystemExit) as done:
        main(["status", str(out)])
    shown = " ".join(capsys.readouterr().out.split())
    assert done.value.code == 0
    assert "Cannot tell what the next run will redo: the options the last run recorded are another version's" in shown
    with pytest.raises(SystemExit) as done:
        main(["corrections", "diff", str(out), "-c", str(tmp_path / "none.yaml")])
    err = " ".join(capsys.readouterr().err.split())
    assert done.value.code == 2 and "no record" not in err
    assert "the options the last run recorded are another version's (of ocrfix) and this one cannot read them" in err


def test_status_of_thousands_of_failed_files_lists_the_first_and_counts_the_rest(tmp_path, fake_ocr, capsys):
    """A batch whose every file failed (a language not installed, a full disk): status printed a table
    row of three lines for each of them, 15,000 lines and 3.7 s for 5,000 files. It lists the first
    20, as it does pending files, and --all lists every one."""
    import contextlib
    import sqlite3
    import time

    import pytest

    from pipeline.cli import main

    fake_ocr([[("We", 95)]])
    out = tmp_path / "out"
    run_batch([(_scan(tmp_path / "p.png"), Path("p.png"))], out, _options(tmp_path), load_corrections(tmp_path / "none.yaml"))
    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        db.executemany("INSERT INTO files (rel, path, state, error) VALUES (?, ?, 'failed', ?)",
                       [(f"f{k:04d}.png", f"/in/f{k:04d}.png", f"f{k:04d}.png: no eng.traineddata") for k in range(5000)])
        db.commit()
    started = time.perf_counter()
    with pytest.raises(SystemExit) as done:
        main(["status", str(out)])
    elapsed = time.perf_counter() - started
    shown = capsys.readouterr().out
    assert done.value.code == 0 and elapsed < 2, elapsed
    assert "f0019.png" in shown and "f0020.png" not in shown
    assert "… and 4980 more failed (--all lists every one)" in " ".join(shown.split())
    with pytest.raises(SystemExit):
        main(["status", str(out), "--all"])
    shown = capsys.readouterr().out
    assert "f4999.png" in shown and "more failed" not in shown


def test_a_workspace_of_another_schema_is_one_line_and_exit_9(tmp_path, fake_ocr, capsys):
    """An older (or damaged) workspace's schema version: a number is named with the cure; one that
    is no number was a ValueError traceback."""
    import contextlib
    import sqlite3

    import pytest

    from pipeline.cli import main

    fake_ocr([[("We", 95)]])
    out = tmp_path / "out"
    run_batch([(_scan(tmp_path / "p.png"), Path("p.png"))], out, _options(tmp_path), load_corrections(tmp_path / "none.yaml"))
    for version in ("0", "1.0-beta"):
        with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
            db.execute("UPDATE meta SET value=? WHERE key='schema_version'", (version,))
            db.commit()
        with pytest.raises(SystemExit) as done:
            main(["status", str(out)])
        err = capsys.readouterr().err
        assert done.value.code == 9, err
        assert f"workspace schema {version} is not the 2 this version reads; use a new output folder, or delete" in err
