"""Outputs edited by hand are never overwritten unasked, and temporary files an interrupted run
left are swept: with the fake OCR engine (conftest), everything after OCR."""

from __future__ import annotations

import contextlib
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from pipeline.batch import recorrect_outputs, run_batch
from pipeline.corrections import load_corrections
from pipeline.options import CorrectOptions, Options, OutputOptions

READ = [[("the", 96), ("note", 96), ("sabcs", 96), ("was", 96), ("read", 96)]]
ENTRY = "version: 1\ncorrections:\n  - {id: a, ocr: sabcs, replacement: minister, approved_by: t, approved_at: 2026-12-01}\n"


def _folder(tmp_path: Path, count: int = 2) -> tuple[list[tuple[Path, Path]], Path]:
    scans = tmp_path / "scans"
    scans.mkdir(exist_ok=True)
    inputs = []
    for i in range(count):
        path = scans / f"p{i:02d}.png"
        Image.fromarray(np.full((300, 400), 255, np.uint8)).save(path)
        inputs.append((path, Path(path.name)))
    corrections = tmp_path / "corrections.yaml"
    corrections.write_text("version: 1\ncorrections: []\n")
    return inputs, corrections


def _options(corrections: Path, **output) -> Options:
    # (overrides apply without the corrector: the corrector has its own tests)
    return Options(workers=1, preprocess={"mode": "off"}, correct=CorrectOptions(enabled=False, corrections_file=corrections),
                   output=OutputOptions(**output))


def _run(inputs, out: Path, corrections: Path, **output):
    return run_batch(inputs, out, _options(corrections, **output), load_corrections(corrections))


def _edited(batch) -> dict[str, str]:
    return {path: beside for r in batch.results for path, beside in r.edited}


def _processed(tmp_path: Path, fake_ocr) -> tuple[list[tuple[Path, Path]], Path, Path]:
    """A folder of two scans read (as READ) and written to tmp_path/out once: (inputs, out, corrections)."""
    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path)
    out = tmp_path / "out"
    _run(inputs, out, corrections)
    return inputs, out, corrections


def test_an_output_edited_by_hand_is_kept_and_the_new_version_written_beside_it(tmp_path, fake_ocr):
    inputs, out, corrections = _processed(tmp_path, fake_ocr)
    (out / "p00.txt").write_text("the note sabcs was read by hand\n")
    corrections.write_text(ENTRY)  # a new entry: both files corrected again from the cache
    again = _run(inputs, out, corrections)
    assert again.count("recorrect") == 2
    assert (out / "p00.txt").read_text() == "the note sabcs was read by hand\n"
    assert (out / "p00.ocrfix-new.txt").read_text() == "the note minister was read\n"
    assert _edited(again) == {"p00.txt": "p00.ocrfix-new.txt"}
    # the outputs nobody touched are written as before, and nothing is put beside them
    assert "minister" in (out / "p00.json").read_text() and (out / "p01.txt").read_text() == "the note minister was read\n"
    assert sorted(p.name for p in out.glob("*ocrfix-new*")) == ["p00.ocrfix-new.txt"]
    # Still edited at the next run that writes it: the newest version goes beside it again.
    corrections.write_text(ENTRY.replace("minister", "Minister"))
    third = _run(inputs, out, corrections)
    assert _edited(third) == {"p00.txt": "p00.ocrfix-new.txt"}
    assert (out / "p00.ocrfix-new.txt").read_text() == "the note Minister was read\n"
    assert (out / "p00.txt").read_text() == "the note sabcs was read by hand\n"


def _new_version_waiting(tmp_path, fake_ocr):
    """A folder whose p00.txt was edited by hand and whose new version (a corrections.yaml entry
    later) waits beside it: (inputs, out, corrections)."""
    inputs, out, corrections = _processed(tmp_path, fake_ocr)
    (out / "p00.txt").write_text("edited\n")
    corrections.write_text(ENTRY)
    _run(inputs, out, corrections)
    assert (out / "p00.ocrfix-new.txt").exists()
    return inputs, out, corrections


def test_overwrite_edited_replaces_an_edited_output_even_where_nothing_else_changed(tmp_path, fake_ocr):
    inputs, out, corrections = _new_version_waiting(tmp_path, fake_ocr)
    # The same settings, with the option: the file whose new version waits beside it is written again.
    replaced = _run(inputs, out, corrections, overwrite_edited=True)
    assert dict((r.rel, r.action) for r in replaced.results) == {"p00.png": "recorrect", "p01.png": "skip"}
    assert not _edited(replaced)
    assert (out / "p00.txt").read_text() == "the note minister was read\n"
    assert not (out / "p00.ocrfix-new.txt").exists()
    # What it wrote is the record: the next run takes it for ocrfix's own again.
    corrections.write_text(ENTRY.replace("minister", "Minister"))
    assert not _edited(_run(inputs, out, corrections))
    assert (out / "p00.txt").read_text() == "the note Minister was read\n"


def test_overwrite_edited_replaces_a_waiting_file_that_a_changed_corrections_file_leaves_as_it_was(tmp_path, fake_ocr):
    inputs, out, corrections = _new_version_waiting(tmp_path, fake_ocr)
    # An entry for a word no file holds: the files' corrections hold and would be confirmed as they are.
    corrections.write_text(ENTRY + "  - {id: b, ocr: zzzq, replacement: other, approved_by: t, approved_at: 2026-12-01}\n")
    replaced = _run(inputs, out, corrections, overwrite_edited=True)
    assert dict((r.rel, r.action) for r in replaced.results) == {"p00.png": "recorrect", "p01.png": "confirm"}
    assert (out / "p00.txt").read_text() == "the note minister was read\n"
    assert not (out / "p00.ocrfix-new.txt").exists()


def test_overwrite_edited_is_not_part_of_what_shapes_the_outputs_nor_remembered_for_review(tmp_path, fake_ocr):
    from pipeline.workspace import open_workspace

    inputs, out, corrections = _processed(tmp_path, fake_ocr)
    again = _run(inputs, out, corrections, overwrite_edited=True)
    assert again.count("skip") == 2  # (no correction again for an option that changes no output)
    with open_workspace(out, create=False) as ws:
        assert ws.run_options().output.overwrite_edited is False


def test_a_deleted_output_is_written_again_and_one_without_a_record_is_taken_as_ocrfixs(tmp_path, fake_ocr):
    inputs, out, corrections = _processed(tmp_path, fake_ocr)
    (out / "p00.txt").unlink()
    again = _run(inputs, out, corrections)
    assert not _edited(again) and (out / "p00.txt").read_text() == "the note sabcs was read\n"
    # A workspace of before the records (or a file it has none for): the file is ocrfix's, as before.
    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        db.execute("DELETE FROM outputs")
        db.commit()
    (out / "p01.txt").write_text("edited\n")
    corrections.write_text(ENTRY)
    third = _run(inputs, out, corrections)
    assert not _edited(third) and (out / "p01.txt").read_text() == "the note minister was read\n"


def test_reviews_rewrite_of_the_outputs_keeps_an_edited_file(tmp_path, fake_ocr):
    inputs, out, corrections = _processed(tmp_path, fake_ocr)
    (out / "p01.json").write_text("{}")
    corrections.write_text(ENTRY)  # (a decision in review)
    results = recorrect_outputs(out, ["p00.png", "p01.png"])
    assert {p: b for r in results for p, b in r.edited} == {"p01.json": "p01.ocrfix-new.json"}
    assert (out / "p01.json").read_text() == "{}" and "minister" in (out / "p01.ocrfix-new.json").read_text()
    assert (out / "p01.txt").read_text() == "the note minister was read\n"


def test_edited_outputs_in_a_sub_folder_and_of_every_format_keep_their_extension(tmp_path, fake_ocr):
    from pipeline.outputs import new_version_path

    assert new_version_path(Path("o/box/l.v2.txt")) == Path("o/box/l.v2.ocrfix-new.txt")
    assert new_version_path(Path("o/l.alto.xml")) == Path("o/l.ocrfix-new.alto.xml")
    assert new_version_path(Path("o/l.page-0002.xml")) == Path("o/l.ocrfix-new.page-0002.xml")
    assert new_version_path(Path("o/l.hocr")) == Path("o/l.ocrfix-new.hocr")
    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    inputs = [(inputs[0][0], Path("box/p00.png"))]
    _run(inputs, out, corrections, formats=("txt", "alto", "hocr"))
    (out / "box" / "p00.hocr").write_text("mine")
    corrections.write_text(ENTRY)
    again = _run(inputs, out, corrections, formats=("txt", "alto", "hocr"))
    assert _edited(again) == {"box/p00.hocr": "box/p00.ocrfix-new.hocr"}
    assert "minister" in (out / "box" / "p00.ocrfix-new.hocr").read_text()


def test_the_cli_warns_once_naming_the_file_its_new_version_and_the_option(tmp_path, fake_ocr):
    from typer.testing import CliRunner

    from pipeline.cli import app

    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    args = ["process", str(tmp_path / "scans"), "-o", str(out), "-j", "1", "--no-correct", "--preprocess", "off",
            "--corrections", str(corrections)]
    first = CliRunner().invoke(app, args)
    assert first.exit_code == 0, first.output
    assert "edited by hand" not in first.output
    (out / "p00.txt").write_text("edited\n")
    corrections.write_text(ENTRY)
    second = CliRunner().invoke(app, args)
    assert second.exit_code == 0, second.output
    text = " ".join(second.output.split())
    assert text.count("edited by hand") == 1, second.output
    assert (f"{out / 'p00.txt'} was edited by hand since ocrfix wrote it; the new version is {out / 'p00.ocrfix-new.txt'}"
            in text), second.output
    assert "--overwrite-edited" in text
    helped = CliRunner().invoke(app, ["process", "--help"], env={"COLUMNS": "200"})  # (nothing wrapped mid-name)
    assert "--overwrite-edited" in helped.output and "NAME.ocrfix-new.EXT" in helped.output


def test_ocrfix_correct_into_an_output_folder_keeps_an_edited_file_and_records_what_it_writes(tmp_path, fake_ocr):
    from typer.testing import CliRunner

    from pipeline.cli import app

    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    _run(inputs, out, corrections)
    old = tmp_path / "old"
    old.mkdir()
    (old / "p00.txt").write_text("the sabcs\n")
    corrections.write_text(ENTRY)
    (out / "p00.txt").write_text("edited\n")
    # (--lang deu: the shipped English dictionaries stay unused; corrections.yaml applies)
    args = ["correct", str(old / "p00.txt"), "-o", str(out), "--corrections", str(corrections), "--lang", "deu"]
    done = CliRunner().invoke(app, args)
    assert done.exit_code == 0, done.output
    assert (out / "p00.txt").read_text() == "edited\n"
    assert (out / "p00.ocrfix-new.txt").read_text() == "the minister\n"
    assert "edited by hand" in " ".join(done.output.split())
    # Its own write is recorded: written again, it is replaced without a word.
    (out / "p00.txt").unlink()
    assert CliRunner().invoke(app, args).exit_code == 0
    (old / "p00.txt").write_text("the sabcs again\n")
    again = CliRunner().invoke(app, args)
    assert "edited by hand" not in again.output and (out / "p00.txt").read_text() == "the minister again\n"


def test_a_workspace_of_schema_1_opens_and_is_brought_up_to_date(tmp_path, fake_ocr):
    from pipeline.workspace import open_workspace

    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    _run(inputs, out, corrections)
    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        db.execute("DROP TABLE outputs")
        db.execute("UPDATE meta SET value='1' WHERE key='schema_version'")
        db.commit()
    (out / "p00.txt").write_text("edited\n")
    corrections.write_text(ENTRY)
    again = _run(inputs, out, corrections)
    assert again.count("recorrect") == 1 and not _edited(again)  # (no record: ocrfix's, as before)
    with open_workspace(out, create=False) as ws:
        assert ws.db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()[0] == "2"
        assert ws.output_records("p00.png")["p00.txt"][0] == len("the note minister was read\n")


def test_temporary_files_of_an_interrupted_run_are_swept_and_nothing_else(tmp_path, fake_ocr):
    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    _run(inputs, out, corrections)
    # A run killed (kill -9) while atomic_write had its temporary file open: it stays behind.
    killed = subprocess.run(
        [sys.executable, "-c",
         "import os, signal, sys; from pathlib import Path; from pipeline import files\n"
         "os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)\n"
         "files.atomic_write(Path(sys.argv[1]), 'half')", str(out / "box" / "p00.txt")],
        stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
    assert killed.returncode == -9, killed.stderr
    [left] = list((out / "box").glob(".p00.txt.*.tmp"))
    stale = [out / ".p00.txt.k2j3h4g5.tmp", out / ".ocrfix.abcd_123.tmp", left]
    kept = [out / "notes.tmp", out / ".p00.txt.tmp", out / ".p00.txt.toolongname.tmp", out / "p00.txt.abcdefgh.tmp",
            out / ".p00.txt.ABCDEFGH.tmp"]
    for path in stale + kept:
        path.write_text("x")
    an_hour_ago = time.time() - 3600
    for path in stale + kept:
        os.utime(path, (an_hour_ago, an_hour_ago))
    # one of a writer that started after this run did (its time is after the run's start): kept
    later = out / ".p01.txt.zzzzzzzz.tmp"
    later.write_text("x")
    os.utime(later, (time.time() + 600, time.time() + 600))
    swept = _run(inputs, out, corrections)
    assert swept.stale_temporaries == 3
    assert not any(p.exists() for p in stale)
    assert all(p.exists() for p in kept + [later])


def test_new_versions_are_never_inputs_nor_outputs_to_score(tmp_path):
    from pipeline.corrections.apply import count_fired
    from pipeline.evaluate import _text_names
    from pipeline.ingest import expand_inputs

    scans = tmp_path / "scans"
    scans.mkdir()
    Image.fromarray(np.full((30, 40), 255, np.uint8)).save(scans / "a.png")
    (scans / "a.ocrfix-new.pdf").write_bytes(b"%PDF-1.4")
    assert [rel.as_posix() for _p, rel in expand_inputs([str(scans)])] == ["a.png"]
    assert [rel.as_posix() for _p, rel in expand_inputs([str(scans / "*")])] == ["a.png"]
    (scans / "a.txt").write_text("a\n")
    (scans / "a.ocrfix-new.txt").write_text("b\n")
    assert _text_names(scans) == ["a"]
    (scans / "a.ocrfix-new.json").write_text('{"pages": []}')
    assert count_fired(scans)[0] == 0


def test_the_review_keeps_an_edited_output_and_names_it_at_its_end(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app
    from test_review import build_sample

    # (as test_cli_review_terminal: without the automatic corrector, regenerated in a worker process)
    out, corrections = build_sample(tmp_path, correct=False)
    recorrect_outputs(out)  # (written by ocrfix with a record of each output)
    (out / "a.txt").write_text("We envisage no difficulty, by hand.\n")
    monkeypatch.setenv("USER", "cli-user")
    result = CliRunner().invoke(app, ["review", str(out), "--terminal", "--threshold", "0"], input="e\nenvisaged\nq\n")
    assert result.exit_code == 0, result.output
    assert (out / "a.txt").read_text() == "We envisage no difficulty, by hand.\n"
    assert "We envisaged no difficulty." in (out / "a.ocrfix-new.txt").read_text()
    assert "They envisaged it" in (out / "sub" / "b.txt").read_text()
    text = " ".join(result.output.split())
    assert (f"{out / 'a.txt'} was edited by hand since ocrfix wrote it; the new version is {out / 'a.ocrfix-new.txt'}"
            in text), result.output


def test_a_later_page_file_edited_by_hand_is_not_removed_with_the_pages_a_shorter_read_lost(tmp_path):
    """A scan of three pages read again as one: the PAGE files of its pages 2 and 3 go, but for one
    edited by hand (a person's work is not deleted unasked)."""
    from pipeline.outputs import OutputGuard, write_document
    from test_export import _doc

    out = tmp_path / "out"
    first = OutputGuard(out, {})
    write_document(_doc(3), out, Path("letter.tif"), ("page",), guard=first)
    recorded = {w.path: (w.size, w.digest) for w in first.written}
    assert sorted(recorded) == ["letter.page-0002.xml", "letter.page-0003.xml", "letter.page.xml"]
    (out / "letter.page-0003.xml").write_text("<mine/>")
    write_document(_doc(1), out, Path("letter.tif"), ("page",), guard=OutputGuard(out, recorded))
    assert sorted(p.name for p in out.iterdir()) == ["letter.page-0003.xml", "letter.page.xml"]
    assert (out / "letter.page-0003.xml").read_text() == "<mine/>"


def test_a_folder_where_a_new_version_would_go_does_not_stop_the_file_being_written(tmp_path, fake_ocr):
    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    (out / "p00.ocrfix-new.txt").mkdir(parents=True)
    done = _run(inputs, out, corrections)
    assert not done.failed and (out / "p00.txt").read_text() == "the note sabcs was read\n"


def test_ocrfix_correct_into_an_output_folder_keeps_a_later_page_file_edited_by_hand(tmp_path, fake_ocr):
    """ocrfix correct --to page into a folder of `ocrfix process` whose PAGE output of the same name
    had more pages: the further page files go, but for one edited by hand."""
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.files import file_hash
    from pipeline.workspace import open_workspace

    fake_ocr(READ)
    inputs, corrections = _folder(tmp_path, 1)
    out = tmp_path / "out"
    _run(inputs, out, corrections)
    # (as a run with --format page left them for a read of three pages)
    for name in ("memo.page.xml", "memo.page-0002.xml", "memo.page-0003.xml"):
        (out / name).write_text("<PcGts/>")
    with open_workspace(out, create=False) as ws:
        ws.record_outputs("p00.png", [(name, 8, file_hash(out / name), None)
                                      for name in ("memo.page.xml", "memo.page-0002.xml", "memo.page-0003.xml")])
        ws.commit()
    (out / "memo.page-0003.xml").write_text("<mine/>")
    hocr = Path(__file__).parent / "data" / "inplace" / "memo.hocr"
    done = CliRunner().invoke(app, ["correct", str(hocr), "-o", str(out), "--to", "page", "--corrections", str(corrections),
                                    "--lang", "deu"])
    assert done.exit_code == 0, done.output
    assert not (out / "memo.page-0002.xml").exists()
    assert (out / "memo.page-0003.xml").read_text() == "<mine/>"


def test_the_review_names_at_its_end_only_the_edited_outputs_its_last_rewrite_of_each_file_kept(tmp_path):
    """A file whose edited output was kept by one decision's rewrite, then written by a later one (the
    person accepted the new version meanwhile, and its NAME.ocrfix-new file was removed): the end
    of the review does not name it, nor a new version that is no longer there."""
    from pipeline.batch import FileResult
    from pipeline.review.actions import ReviewSession
    from test_review import build_sample

    out, corrections = build_sample(tmp_path, correct=False)
    session = ReviewSession(out, corrections, reviewer="t")
    kept = [FileResult("a.png", "recorrect", edited=(("a.txt", "a.ocrfix-new.txt"),))]
    session._apply(["a.png"], lambda *_args: kept)
    assert session.edited == {"a.txt": "a.ocrfix-new.txt"}
    session._apply(["a.png"], lambda *_args: [FileResult("a.png", "recorrect")])
    assert session.edited == {}
    # (a rewrite that wrote nothing, or failed, leaves what the file's last rewrite kept)
    session._apply(["a.png"], lambda *_args: kept)
    session._apply(["a.png"], lambda *_args: [FileResult("a.png", "confirm")])
    session._apply(["a.png"], lambda *_args: [FileResult("a.png", "failed", error="x")])
    assert session.edited == {"a.txt": "a.ocrfix-new.txt"}
    session.close()


def test_a_page_file_a_stopped_run_wrote_is_not_taken_for_edited_by_hand_by_the_next(tmp_path, monkeypatch):
    """A run stopped (Ctrl-C in a parallel re-correction, kill -9) after writing an output and before
    recording it: the next run, making the same output, takes the file for its own, not for one
    edited by hand. PAGE XML says when it was written (Created, LastChange): the same output made a
    second later is the same output."""
    import pipeline.export.page as page_export
    from pipeline.outputs import OutputGuard, write_document
    from test_export import _doc

    out = tmp_path / "out"
    monkeypatch.setattr(page_export, "_timestamp", lambda: "2026-12-04T10:00:00+00:00")
    first = OutputGuard(out, {})
    write_document(_doc(1), out, Path("letter.tif"), ("page", "txt"), guard=first)
    recorded = {w.path: (w.size, w.digest) for w in first.written}
    changed = _doc(1)
    changed.pages[0].lines[0].words[0].text = "Changed"
    # The stopped run: written, never recorded.
    monkeypatch.setattr(page_export, "_timestamp", lambda: "2026-12-04T10:00:01+00:00")
    write_document(changed, out, Path("letter.tif"), ("page", "txt"), guard=OutputGuard(out, recorded))
    monkeypatch.setattr(page_export, "_timestamp", lambda: "2026-12-04T10:05:00+00:00")
    again = OutputGuard(out, recorded)
    write_document(changed, out, Path("letter.tif"), ("page", "txt"), guard=again)
    assert [w.beside for w in again.written] == [None, None]
    assert sorted(p.name for p in out.iterdir()) == ["letter.page.xml", "letter.txt"]
    assert b"10:05:00" in (out / "letter.page.xml").read_bytes()
    # An edit by hand is still one.
    (out / "letter.page.xml").write_bytes((out / "letter.page.xml").read_bytes().replace(b"Changed", b"Mended!"))
    recorded = {w.path: (w.size, w.digest) for w in again.written}
    monkeypatch.setattr(page_export, "_timestamp", lambda: "2026-12-04T10:06:00+00:00")
    last = OutputGuard(out, recorded)
    write_document(changed, out, Path("letter.tif"), ("page",), guard=last)
    assert [w.beside for w in last.written] == ["letter.ocrfix-new.page.xml"]
