"""Batch reprocessing with the real Tesseract: resume after an interrupt, re-correct from cache,
multi-page inputs, and a Dask LocalCluster giving the same outputs as the local pool."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import OCRFIX, text_page
from pipeline.model import Document

pytestmark = pytest.mark.tesseract


def _pages(folder: Path, count: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(count):
        path = folder / f"page{i:02d}.png"
        Image.fromarray(text_page(f"Telegram number {i + 100}")).save(path, dpi=(300, 300))
        paths.append(path)
    return paths


def _ocrfix(*args, **kw) -> subprocess.CompletedProcess:
    return subprocess.run([OCRFIX, *args], capture_output=True, text=True, timeout=600, **kw)


def _leftovers(out: Path) -> list[Path]:
    return [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_interrupted_run_resumes_and_leaves_only_whole_files(tmp_path):
    _pages(tmp_path / "in", 20)
    out = tmp_path / "out"
    args = [OCRFIX, "process", str(tmp_path / "in"), "-o", str(out), "--workers", "2", "--no-correct",
            "--corrections", str(tmp_path / "none.yaml")]
    # A shell's background jobs inherit an ignored SIGINT; give the run the default, as a terminal would.
    run = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    run.send_signal(signal.SIGINT)
    stopped_at = time.monotonic()
    _, stderr = run.communicate(timeout=60)
    assert time.monotonic() - stopped_at < 5, "Ctrl-C should stop the run within a couple of seconds"
    assert run.returncode == 130, stderr
    assert "Interrupted: run the same command again" in stderr
    done_first = sorted(p.stem for p in out.glob("*.json"))
    assert 4 <= len(done_first) < 20
    assert not _leftovers(out)
    # Each output that exists is whole: every JSON parses, every text has its text.
    for path in out.glob("*.json"):
        Document.model_validate_json(path.read_text())
        assert "Telegram" in path.with_suffix(".txt").read_text()

    again = subprocess.run(args, capture_output=True, text=True, timeout=600)
    assert again.returncode == 0, again.stderr
    # Every file whose outputs were whole is reused: unchanged, or, where the interrupt came between
    # its outputs and the workspace's record of them (seen under load), written again from its
    # cached OCR. A file whose OCR was cached but whose outputs were not yet written when the
    # interrupt came (also seen under load) is written from its cached OCR too. Only the rest is
    # read by Tesseract again.
    plan = re.search(r"(\d+) unchanged, (\d+) to correct again from cached OCR, (\d+) to OCR", again.stderr)
    assert plan is not None, again.stderr
    unchanged, recorrected, read_again = map(int, plan.groups())
    assert unchanged >= len(done_first) - 1 and unchanged + recorrected >= len(done_first)
    assert recorrected <= 4, "only files in the two workers' hands or on their way back can be mid-way"
    assert read_again == 20 - unchanged - recorrected
    assert sorted(p.stem for p in out.glob("*.txt")) == [f"page{i:02d}" for i in range(20)]
    assert not _leftovers(out)
    for i in range(20):
        assert f"{i + 100}" in (out / f"page{i:02d}.txt").read_text()


@pytest.mark.parametrize("how", ["SIGINT to the process group (Ctrl-C)", "SIGTERM to ocrfix alone"])
def test_a_stop_under_load_is_quick_and_leaves_no_tesseract_running(tmp_path, how):
    """With both cores busy beside it, a stop exits 130 within 3 s, every worker and its Tesseract
    gone (workers lead process groups of their own, stopped whole), no semaphore warning."""
    _pages(tmp_path / "in", 16)
    out = tmp_path / "out"
    busy = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2)]
    try:
        # A shell's background jobs inherit an ignored SIGINT; give the run the default, as a terminal would.
        run = subprocess.Popen([OCRFIX, "process", str(tmp_path / "in"), "-o", str(out), "--workers", "2", "--no-correct"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 120
        while len(list(out.glob("*.json"))) < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        if how.startswith("SIGINT"):
            os.killpg(run.pid, signal.SIGINT)
        else:
            run.send_signal(signal.SIGTERM)
        stopped_at = time.monotonic()
        _, stderr = run.communicate(timeout=60)
        took = time.monotonic() - stopped_at
    finally:
        for process in busy:
            process.kill()
    assert run.returncode == 130, stderr
    assert took < 3, f"stopping took {took:.1f} s"
    assert "leaked semaphore" not in stderr and "Traceback" not in stderr
    time.sleep(0.5)
    ours = subprocess.run(["pgrep", "-f", str(tmp_path)], capture_output=True, text=True).stdout.split()
    assert not ours, "processes of the run still alive"
    # The run leads a session of its own (its workers lead process groups inside it, and a
    # Tesseract orphaned by a killed worker stays in it): none of its Tesseracts may be left. A
    # Tesseract of another program on the machine is not this test's business; a killed one may
    # linger as a zombie until init reaps it.
    states = subprocess.run(["ps", "-eo", "stat=,sess=,comm="], capture_output=True, text=True).stdout.splitlines()
    assert not [line for line in states
                if line.split()[-1] == "tesseract" and line.split()[1] == str(run.pid) and not line.startswith("Z")]
    assert not _leftovers(out)


def test_a_correction_worker_stopped_while_it_writes_an_output_leaves_no_temporary_file(tmp_path):
    """A stop (Ctrl-C, SIGTERM) during a correction from the cache stops each correction worker
    with SIGTERM to its process group (``_stop_worker``): one that was writing an output ended
    there, and its '.p03.txt.xxxxxxxx.tmp' stayed in the output folder until the next run."""
    out = tmp_path / "out"
    out.mkdir()
    script = (
        "import multiprocessing, os, pickle, sys, time; from pathlib import Path\n"
        "from pipeline import correction_worker, files\n"
        "from pipeline.corrections import Corrections\n"
        "from pipeline.options import Options\n"
        "handover = multiprocessing.Queue()\n"
        "handover.put(pickle.dumps((Options(), Corrections(), None, 'key', Path(sys.argv[1]), None)))\n"
        "correction_worker.start_correction_worker(handover)\n"
        "os.fsync = lambda fd: (print('writing', flush=True), time.sleep(60))\n"
        "files.atomic_write(Path(sys.argv[1]) / 'p03.txt', 'half')\n")
    worker = subprocess.Popen([sys.executable, "-c", script, str(out)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              stdin=subprocess.DEVNULL, text=True)
    try:
        assert worker.stdout.readline() == "writing\n", worker.stderr.read()
        assert list(out.glob(".p03.txt.*.tmp"))
        os.killpg(worker.pid, signal.SIGTERM)  # (the worker leads its process group: start_worker)
        worker.wait(timeout=30)
    finally:
        worker.kill()
    assert worker.returncode == -signal.SIGTERM
    assert not _leftovers(out)


@pytest.mark.parametrize("pool", ["OCR", "correction"])
def test_ctrl_c_as_a_worker_starts_leaves_no_worker_unstopped(tmp_path, monkeypatch, pool):
    """Ctrl-C in the instant a worker process was being started (the first second of a run, after
    the inputs are hashed) left that worker unknown to the pool, so that the stop did not stop it:
    the run exited 130, and a moment later the worker, its semaphores gone with the run, printed a
    traceback of its own on the terminal ('FileNotFoundError' in SemLock._rebuild). Workers are
    started with Ctrl-C held back, as a wait for them is: the stop stops every one."""
    import multiprocessing.process

    import cv2

    from conftest import FakeEngine, text_page
    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    count = batch.PARALLEL_MIN_FILES if pool == "correction" else 4
    for k in range(count):
        cv2.imwrite(str(scans / f"p{k:02d}.png"), text_page("Telegram"))
    inputs = [(scans / f"p{k:02d}.png", Path(f"p{k:02d}.png")) for k in range(count)]
    engine = FakeEngine([[[("Telegram", 95.0)]]])
    options = Options(workers=2, correct={"enabled": False})
    if pool == "correction":  # (read once; then new output options: every file corrected again from the cache)
        batch.run_batch(inputs, tmp_path / "out", options.model_copy(update={"workers": 1}), Corrections(), engine=engine)
        options = options.model_copy(update={"output": options.output.model_copy(update={"raw": True})})
    started: list[int] = []
    stopped: list[int] = []
    original_start, original_stop = multiprocessing.process.BaseProcess.start, batch._stop_worker

    def start(self):
        original_start(self)
        started.append(self.pid)
        if len(started) == 1:
            signal.raise_signal(signal.SIGINT)  # Ctrl-C just as the first worker is started

    def stop(process):
        stopped.append(process.pid)
        original_stop(process)

    monkeypatch.setattr(multiprocessing.process.BaseProcess, "start", start)
    monkeypatch.setattr(batch, "_stop_worker", stop)
    result = batch.run_batch(inputs, tmp_path / "out", options, Corrections(), engine=engine)
    assert result.interrupted and started
    assert set(started) <= set(stopped), "a worker of the stopped run was not stopped"


def test_workers_end_with_a_killed_run(tmp_path):
    """``kill -9`` of ocrfix (or the hangup of a dropped SSH session, which reaches its process
    group only) left its workers, in groups of their own, running on (session 19's sweep): they
    end with it, and the Tesseracts they ran with them."""
    _pages(tmp_path / "in", 12)
    out = tmp_path / "out"
    run = subprocess.Popen([OCRFIX, "process", str(tmp_path / "in"), "-o", str(out), "--workers", "2", "--no-correct"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)

    def left() -> list[str]:  # the run's session's processes, but zombies
        states = subprocess.run(["ps", "-eo", "stat=,sess=,pid=,comm="], capture_output=True, text=True).stdout.splitlines()
        return [line for line in states if line.split()[1] == str(run.pid) and not line.startswith("Z")]

    assert len(left()) >= 3  # ocrfix and its workers (and the forkserver)
    run.kill()
    run.wait()
    deadline = time.monotonic() + 5
    while left() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not left()


def test_a_new_override_is_applied_from_cache_without_ocr(tmp_path):
    _pages(tmp_path / "in", 3)
    out, corrections = tmp_path / "out", tmp_path / "corrections.yaml"
    first = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--no-correct",
                    "--corrections", str(corrections))
    assert first.returncode == 0, first.stderr
    assert "Telegram" in (out / "page01.txt").read_text()
    with sqlite3.connect(out / ".ocrfix" / "workspace.sqlite") as db:
        before = db.execute("SELECT rel, ocr_seconds, input_hash FROM files ORDER BY rel").fetchall()

    added = _ocrfix("corrections", "add", "Telegram", "TELEGRAM", "--corrections", str(corrections))
    assert added.returncode == 0, added.stderr
    second = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--no-correct",
                     "--corrections", str(corrections))
    assert second.returncode == 0, second.stderr
    assert "0 read by OCR, 3 corrected again from cache" in second.stderr
    for i in range(3):
        assert (out / f"page{i:02d}.txt").read_text().startswith("TELEGRAM")
        doc = Document.model_validate_json((out / f"page{i:02d}.json").read_text())
        assert [c.source for c in doc.pages[0].changes] == ["override"]
    with sqlite3.connect(out / ".ocrfix" / "workspace.sqlite") as db:
        assert db.execute("SELECT rel, ocr_seconds, input_hash FROM files ORDER BY rel").fetchall() == before

    third = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--no-correct",
                    "--corrections", str(corrections))
    assert "3 unchanged" in third.stderr
    forced = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--no-correct",
                     "--corrections", str(corrections), "--force")
    assert "3 read by OCR" in forced.stderr


def test_multipage_tiff_and_pdf_give_one_text_with_form_feeds(tmp_path):
    frames = [Image.fromarray(text_page(f"Despatch page {n}")) for n in ("one", "two", "three")]
    frames[0].save(tmp_path / "despatch.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    frames[0].save(tmp_path / "minute.pdf", save_all=True, append_images=frames[1:2], resolution=300)
    out = tmp_path / "out"
    result = _ocrfix("process", str(tmp_path / "despatch.tif"), str(tmp_path / "minute.pdf"), "-o", str(out),
                     "--workers", "2", "--no-correct", "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 0, result.stderr
    for name, count in (("despatch", 3), ("minute", 2)):
        pages = (out / f"{name}.txt").read_text().split("\f")
        assert len(pages) == count
        assert ["one", "two", "three"][:count] == [p.split()[-1] for p in pages]
        doc = Document.model_validate_json((out / f"{name}.json").read_text())
        assert [p.index for p in doc.pages] == list(range(count))


def test_a_deleted_page_xml_file_of_a_later_page_is_written_again_on_resume(tmp_path):
    """Resuming checked only a multi-page input's first PAGE file: its second page's, deleted, stayed
    missing and the input was counted unchanged."""
    frames = [Image.fromarray(text_page(f"Despatch page {n}")) for n in ("one", "two")]
    frames[0].save(tmp_path / "despatch.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    out = tmp_path / "out"
    args = ("process", str(tmp_path / "despatch.tif"), "-o", str(out), "--workers", "1", "--no-correct",
            "--corrections", str(tmp_path / "none.yaml"), "--format", "txt,page")
    assert _ocrfix(*args).returncode == 0
    (out / "despatch.page-0002.xml").unlink()
    result = _ocrfix(*args)
    assert result.returncode == 0, result.stderr
    assert (out / "despatch.page-0002.xml").is_file() and "0 unchanged" in result.stdout + result.stderr


def test_inputs_that_would_share_outputs_are_refused(tmp_path):
    Image.fromarray(text_page("a")).save(tmp_path / "x.png")
    Image.fromarray(text_page("a")).save(tmp_path / "x.tif")
    result = _ocrfix("process", str(tmp_path), "-o", str(tmp_path / "out"))
    assert result.returncode == 2
    assert "would both write the outputs x.*" in result.stderr


def test_status_shows_done_and_failed(tmp_path):
    _pages(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out = tmp_path / "out"
    result = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "2", "--no-correct",
                     "--corrections", str(tmp_path / "none.yaml"))
    assert result.returncode == 10
    assert "1 of 3 inputs failed" in result.stderr
    status = _ocrfix("status", str(out))
    assert status.returncode == 0
    assert "broken.png" in status.stdout and "damaged or truncated" in status.stdout
    lines = {l.split("│")[1].strip(): l for l in status.stdout.splitlines() if l.count("│") >= 3}
    assert lines["done"].split("│")[2].strip() == "2"
    assert lines["failed"].split("│")[2].strip() == "1"
    assert "Nothing that shapes the results changed" in " ".join(status.stdout.split())
    # A run with new settings that stopped before its end leaves files corrected with the old ones:
    # status said nothing would be redone, and the next run corrected them again (session 19's sweep).
    import sqlite3

    with contextlib.closing(sqlite3.connect(out / ".ocrfix" / "workspace.sqlite")) as db:
        db.execute("UPDATE files SET correction_key='an older one' WHERE rel='page00.png'")
        db.commit()
    status = _ocrfix("status", str(out))
    assert "settings reached only part of the folder: 1 file (1 page) to correct again" in " ".join(status.stdout.split())


def test_status_counts_the_files_the_next_run_still_reads(tmp_path):
    """After a run that stopped or failed on some files, a new corrections.yaml made `ocrfix status`
    say "... to correct again from the cache; OCR unchanged: no OCR", and with nothing changed "it
    would redo only new or changed inputs", while the next run read every file not read yet (the
    pending ones and those that failed): an archivist stopping a run of thousands was told it had
    no OCR left to do. Status says how many files the next run reads."""
    _pages(tmp_path / "in", 2)
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\n truncated")
    out, entries = tmp_path / "out", tmp_path / "corrections.yaml"
    result = _ocrfix("process", str(tmp_path / "in"), "-o", str(out), "--workers", "1", "--no-correct",
                     "--corrections", str(entries))
    assert result.returncode == 10
    said = " ".join(_ocrfix("status", str(out)).stdout.split())
    assert "it would redo only new or changed inputs and read the 1 file not read yet (pending or failed)" in said
    entries.write_text("version: 1\ncorrections:\n  - ocr: Telegrarn\n    replacement: Telegram\n"
                       "    approved_by: archivist\n    approved_at: '2026-12-04T10:00:00Z'\n")
    said = " ".join(_ocrfix("status", str(out)).stdout.split())
    assert "2 pages to correct again from the cache" in said
    assert "no OCR" not in said and "OCR unchanged: only the 1 file not read yet (pending or failed) is read" in said


def test_a_run_stopped_before_it_corrects_anything_leaves_the_folder_settled(tmp_path, monkeypatch):
    """A run that stopped before it corrected a single file (Ctrl-C in its first seconds, a Dask
    scheduler address that does not answer) marked the folder as left by a stopped run all the same,
    so the next run corrected every done file of the folder again against the whole collection and
    rewrote their outputs (`ocrfix status`: "The last run stopped before its end ..."), where it
    would only have read the new scan. Only a run that corrects a file marks it so."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b", "c")]
    engine = FakeEngine([[[("Telegram", 95.0), ("recieved", 60.0)]]])
    out = tmp_path / "out"
    batch.run_batch(inputs[:2], out, Options(workers=1), Corrections(), engine=engine)

    def stopped(*_args, **_kw):
        raise KeyboardInterrupt
        yield  # (a generator, as the executors' results are)

    with monkeypatch.context() as patch:
        patch.setattr(batch, "_local_results", stopped)
        assert batch.run_batch(inputs, out, Options(workers=1), Corrections(), engine=engine).interrupted
    with open_workspace(out) as ws:
        assert not ws.collection_unsettled()
    again = batch.run_batch(inputs, out, Options(workers=1), Corrections(), engine=engine)
    assert [again.count("ocr"), again.count("skip"), again.count("recorrect")] == [1, 2, 0]


def test_a_run_stopped_after_it_confirmed_files_leaves_them_to_be_corrected_with_the_whole_collection(tmp_path, monkeypatch):
    """A new corrections.yaml and a new scan: the run confirms the done files (the entry cannot
    change them) against the collection without the new scan's read, and an uninterrupted run then
    corrects them again against the whole collection once that read is in. Stopped before the new
    scan was read, the run had written no file, so the folder was not marked as left by a stopped
    run: the confirmed files were recorded done with the new key, and the next run, which read the
    new scan, never corrected them against it (outputs unlike those of one uninterrupted run)."""
    import shutil

    import cv2

    from conftest import FakeEngine, text_page
    from pipeline import batch
    from pipeline.corrections import load_corrections
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b", "c")]
    engine = FakeEngine([[[("Telegram", 95.0), ("note", 96.0)]]])
    corrections_file = tmp_path / "corrections.yaml"
    options = Options(workers=1, correct={"corrections_file": corrections_file})
    out, whole = tmp_path / "out", tmp_path / "whole"
    batch.run_batch(inputs[:2], out, options, load_corrections(corrections_file), engine=engine)
    shutil.copytree(out, whole)
    corrections_file.write_text("version: 1\ncorrections:\n"
                                "  - {id: a, ocr: Bulsaria, status: rejected, approved_by: t, approved_at: 2026-12-01}\n")
    corrections = load_corrections(corrections_file)
    corrected_again: dict[str, list[str]] = {}
    original = batch._correct_against_whole_collection

    def against_whole(ws, out_dir, options, corrections, keys, collection, corrected_with, earlier, result):
        # (this run's files corrected against less of the collection, and the earlier run's left so)
        stale = {rel for rel, (n_documents, _h) in corrected_with.items() if n_documents < collection.n_documents}
        corrected_again[out_dir.name] = sorted(stale | earlier)
        return original(ws, out_dir, options, corrections, keys, collection, corrected_with, earlier, result)

    monkeypatch.setattr(batch, "_correct_against_whole_collection", against_whole)
    batch.run_batch(inputs, whole, options, corrections, engine=engine)
    assert {"a.png", "b.png"} <= set(corrected_again["whole"])

    def stopped(*_args, **_kw):
        raise KeyboardInterrupt
        yield  # (a generator, as the executors' results are)

    with monkeypatch.context() as patch:
        patch.setattr(batch, "_local_results", stopped)
        first = batch.run_batch(inputs, out, options, corrections, engine=engine)
    assert first.interrupted and first.count("confirm") == 2
    with open_workspace(out) as ws:
        assert ws.collection_unsettled()
    batch.run_batch(inputs, out, options, corrections, engine=engine)
    assert {"a.png", "b.png"} <= set(corrected_again["out"])


def test_a_wrong_scheduler_address_is_a_usage_error_never_a_traceback_or_a_hang(tmp_path, monkeypatch):
    import socket
    import time

    from distributed import Client

    from pipeline import batch
    from pipeline.errors import UsageError

    _pages(tmp_path / "in", 1)
    common = ["-o", str(tmp_path / "out"), "--corrections", str(tmp_path / "none.yaml")]
    for extra, said in ((["--executor", "dask", "--scheduler", "bogus"], "missing port"),
                        (["--scheduler", "tcp://127.0.0.1:8786"], "add --executor dask")):
        result = _ocrfix("process", str(tmp_path / "in"), *common, *extra)
        assert result.returncode == 2 and said in result.stderr and "Traceback" not in result.stderr
    # A peer that takes the connection and never answers (a web server at that port).
    monkeypatch.setattr(batch, "SCHEDULER_TIMEOUT_S", 1.0)
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        started = time.perf_counter()
        with pytest.raises(UsageError, match="no answer as a Dask scheduler|cannot reach"):
            batch._dask_client(Client, f"tcp://127.0.0.1:{silent.getsockname()[1]}")
        assert time.perf_counter() - started < 15


def test_dask_cluster_gives_byte_identical_outputs(tmp_path):
    from distributed import LocalCluster

    _pages(tmp_path / "in", 4)
    local, dask = tmp_path / "local", tmp_path / "dask"
    common = ["--corrections", str(tmp_path / "none.yaml"), "--format", "txt,json"]
    first = _ocrfix("process", str(tmp_path / "in"), "-o", str(local), "--workers", "2", *common)
    assert first.returncode == 0, first.stderr
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        second = _ocrfix("process", str(tmp_path / "in"), "-o", str(dask), "--executor", "dask",
                         "--scheduler", cluster.scheduler_address, *common)
    assert second.returncode == 0, second.stderr
    names = sorted(p.name for p in local.glob("*.txt"))
    assert names == sorted(p.name for p in dask.glob("*.txt")) and len(names) == 4
    for name in names:
        assert (local / name).read_bytes() == (dask / name).read_bytes()


def test_a_worker_that_dies_fails_only_the_file_it_was_reading(tmp_path):
    """A worker killed (out of memory, a crash in a library) failed every file of the batch not yet
    done, with the pool that died (session 19's sweep). The files the pool held are read again,
    each alone, and only the one that kills its worker again fails, named; the others are done."""
    import cv2

    from conftest import DyingEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    names = [f"p{k}" for k in range(7)]
    for k, name in enumerate(names):
        # p3 is the one the engine dies on (its own width; the largest file, so read first, with
        # the others waiting); the others are ordinary pages
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram", width=1400 if k == 3 else 900))
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in names]
    engine = DyingEngine([[[("Telegram", 95.0)]]], width=1400)
    result = run_batch(inputs, tmp_path / "out", Options(workers=2, correct={"enabled": False}), Corrections(), engine=engine)
    assert [r.rel for r in result.failed] == ["p3.png"]
    assert "the worker process died reading it" in result.failed[0].error
    assert sorted(r.rel for r in result.results if r.action == "ocr") == [f"{n}.png" for n in names if n != "p3"]
    assert all((tmp_path / "out" / f"{n}.txt").read_text().strip() == "Telegram" for n in names if n != "p3")


def test_a_dask_worker_that_dies_fails_only_the_file_it_was_reading(tmp_path):
    """On a Dask cluster a file that kills its worker (out of memory, a crash in a library) failed
    the file queued beside it on that worker too: Dask counts every task a dying worker held against
    it, and after four deaths gave up on both ('KilledWorker: ... all those workers died while running
    it'), an ordinary page listed as a failed input. A file lost that way is read again alone, and
    only the one that kills its worker again fails, named."""
    import cv2

    from conftest import DyingEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    names = [f"p{k}" for k in range(7)]
    for k, name in enumerate(names):
        # p3 kills its worker (the largest file, so handed out first, a page waiting behind it)
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram", width=1400 if k == 3 else 900 - k))
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in names]
    engine = DyingEngine([[[("Telegram", 95.0)]]], width=1400)
    options = Options(workers=2, executor="dask", correct={"enabled": False})
    result = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=engine)
    assert [r.rel for r in result.failed] == ["p3.png"]
    assert "the worker process died reading it" in result.failed[0].error
    assert sorted(r.rel for r in result.results if r.action == "ocr") == [f"{n}.png" for n in names if n != "p3"]
    assert all((tmp_path / "out" / f"{n}.txt").read_text().strip() == "Telegram" for n in names if n != "p3")


def test_a_scan_replaced_while_it_is_read_is_read_again_and_a_touched_one_is_hashed_once(tmp_path, monkeypatch):
    """A scan replaced while the run read it kept the old text for good: its size and mtime were
    taken after the read, beside the hash taken before (session 19's sweep). And a scan touched
    but the same was hashed again on every later run."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline import workspace
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    scan = scans / "a.png"
    cv2.imwrite(str(scan), text_page("Telegram"))
    options = Options(workers=1, correct={"enabled": False})
    inputs = [(scan, Path("a.png"))]

    class Replacing(FakeEngine):
        def read(self, image, options, dpi=None, path=None):
            cv2.imwrite(str(scan), text_page("Another page altogether"))  # replaced while being read
            os.utime(scan, ns=(scan.stat().st_atime_ns, scan.stat().st_mtime_ns + 10**9))
            return super().read(image, options, dpi, path)

    run_batch(inputs, tmp_path / "out", options, Corrections(), engine=Replacing([[[("Telegram", 95.0)]]]))
    again = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=FakeEngine([[[("Another", 95.0)]]]))
    assert [r.action for r in again.results] == ["ocr"]
    assert (tmp_path / "out" / "a.txt").read_text().strip() == "Another"

    hashed = []
    real = workspace.file_hash
    monkeypatch.setattr(workspace, "file_hash", lambda path: hashed.append(path) or real(path))
    os.utime(scan, ns=(scan.stat().st_atime_ns, scan.stat().st_mtime_ns + 10**9))  # touched, the same
    touched = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=FakeEngine([[[("Another", 95.0)]]]))
    later = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=FakeEngine([[[("Another", 95.0)]]]))
    assert [r.action for r in touched.results] == [r.action for r in later.results] == ["skip"]
    assert len(hashed) == 1  # the touched run's; the later run trusts the size and mtime kept


def test_another_folders_scan_of_the_same_name_does_not_replace_the_outputs_unasked(tmp_path):
    """Box after box processed into one output folder, each with its own p.png: the second run
    silently replaced the first's outputs, cached read and proofreading status (session 19's
    sweep). It is refused, as two inputs of one run with the same outputs are; --force replaces
    them; the same scan moved to another folder is no clash."""
    import cv2

    from conftest import FakeEngine
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.errors import UsageError
    from pipeline.options import Options

    first, second, moved = tmp_path / "box1", tmp_path / "box2", tmp_path / "moved"
    for folder, text in ((first, "Telegram"), (second, "Memorandum")):
        folder.mkdir()
        cv2.imwrite(str(folder / "p.png"), text_page(text))
    options = Options(workers=1, correct={"enabled": False})
    out = tmp_path / "out"
    run_batch([(first / "p.png", Path("p.png"))], out, options, Corrections(), engine=FakeEngine([[[("Telegram", 95.0)]]]))
    with pytest.raises(UsageError, match=r"are those of another scan, .*box1/p\.png; give this one an output folder"):
        run_batch([(second / "p.png", Path("p.png"))], out, options, Corrections(), engine=FakeEngine([[[("Memorandum", 95.0)]]]))
    assert (out / "p.txt").read_text().strip() == "Telegram"
    forced = run_batch([(second / "p.png", Path("p.png"))], out, options, Corrections(), force=True,
                       engine=FakeEngine([[[("Memorandum", 95.0)]]]))
    assert [r.action for r in forced.results] == ["ocr"] and (out / "p.txt").read_text().strip() == "Memorandum"
    (second / "p.png").rename(moved.mkdir() or moved / "p.png")
    again = run_batch([(moved / "p.png", Path("p.png"))], out, options, Corrections(), engine=FakeEngine([[[("Memorandum", 95.0)]]]))
    assert [r.action for r in again.results] == ["skip"]


def test_a_new_engine_or_language_data_reads_the_pages_again(tmp_path):
    """The OCR cache key holds the engine's name, version and language-data identity: the same
    engine reuses the cached read, a changed traineddata (new data_id) reads again."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.options import Options
    from pipeline.corrections import Corrections

    scans = tmp_path / "scans"
    scans.mkdir()
    cv2.imwrite(str(scans / "a.png"), text_page("Telegram"))
    options = Options(workers=1, correct={"enabled": False})
    inputs = [(scans / "a.png", scans)]

    class NewData(FakeEngine):
        def data_id(self, lang: str) -> str:
            return f"{lang}:retrained"

    engine = FakeEngine([[[("Telegram", 95.0)]]])
    first = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=engine)
    again = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=engine)
    newer = run_batch(inputs, tmp_path / "out", options, Corrections(), engine=NewData([[[("Telegram", 95.0)]]]))
    assert [first.count("ocr"), again.count("skip"), newer.count("ocr")] == [1, 1, 1]


def test_the_folder_is_the_collection_whose_vocabulary_the_corrector_learns(tmp_path):
    """A spelling every file of the folder uses is the collection's own: a batch of three leaves it
    (the first file too, corrected again once the others were read), the workspace keeps the
    counts, and one such file alone is corrected."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.options import Options
    from pipeline.corrections import Corrections
    from pipeline.workspace import open_workspace

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    read = [[("the", 95.0), ("note", 95.0), ("of", 95.0), ("the", 95.0), ("goverment", 80.0), ("was", 95.0), ("read", 95.0)]]
    options = Options(workers=1)

    run_batch([(scans / "a.png", Path("a.png"))], tmp_path / "alone", options, Corrections(), engine=FakeEngine([read]))
    assert "the government was" in (tmp_path / "alone" / "a.txt").read_text()

    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b", "c")]
    run_batch(inputs, tmp_path / "out", options, Corrections(), engine=FakeEngine([read]))
    for name in ("a", "b", "c"):
        assert "the goverment was" in (tmp_path / "out" / f"{name}.txt").read_text(), name
    with open_workspace(tmp_path / "out") as ws:
        model = ws.collection()
    assert (model.count("goverment"), model.documents["goverment"], model.n_documents) == (3, 3, 3)
    # `ocrfix dictionary show` lists it as the collection's own word, for other tools too.
    shown = _ocrfix("dictionary", "show", str(tmp_path / "out"), "--tsv")
    assert shown.returncode == 0, shown.stderr
    assert "goverment\t3\t3\t0\tno\town" in shown.stdout.splitlines()
    missing = _ocrfix("dictionary", "show", str(tmp_path / "nothing"))
    assert missing.returncode != 0 and "not an ocrfix output folder" in missing.stderr


def test_a_folder_processed_with_relative_dictionaries_can_be_used_from_anywhere(tmp_path, monkeypatch):
    """`ocrfix process scans -o out --dictionaries my_dict` saved "my_dict" as it was given: run from
    another folder, `dictionary show out` (and review, and status) looked for ./my_dict and said
    "no such dictionary folder"; the corrections file beside it was already saved absolute."""
    import cv2

    from conftest import FakeEngine
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import CorrectOptions, Options, default_dictionary_dir
    from pipeline.workspace import open_workspace

    project = tmp_path / "project"
    (project / "scans").mkdir(parents=True)
    (project / "my_dict").symlink_to(default_dictionary_dir().resolve(), target_is_directory=True)
    cv2.imwrite(str(project / "scans" / "a.png"), text_page("Telegram"))
    monkeypatch.chdir(project)
    options = Options(workers=1, correct=CorrectOptions(dictionary_dir=Path("my_dict")))
    read = [[("the", 95.0), ("goverment", 80.0), ("was", 95.0), ("read", 95.0)]]
    run_batch([(Path("scans/a.png"), Path("a.png"))], Path("out"), options, Corrections(), engine=FakeEngine([read]))
    with open_workspace(project / "out") as ws:
        assert ws.run_options().correct.dictionary_dir == project / "my_dict"
    shown = _ocrfix("dictionary", "show", str(project / "out"), "--tsv", "--all", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr


def test_the_outputs_are_those_of_one_uninterrupted_run_however_the_folder_was_made(tmp_path):
    """Two files spelling "goverment" are too few for it to be the collection's own word: corrected.
    Read again with --force, they are counted once, not twice (counted twice it became the
    collection's word). Of three such files, a run stopped after the first file leaves it corrected
    against a collection of one; the run that finishes corrects it again against all three, as one
    uninterrupted run would have it, and the run's figures are those of the outputs. A later run
    that only adds a file leaves the earlier files' outputs as they were."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.options import Options
    from pipeline.corrections import Corrections

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b", "c", "d"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    read = [[("the", 95.0), ("note", 95.0), ("of", 95.0), ("the", 95.0), ("goverment", 80.0), ("was", 95.0), ("read", 95.0)]]
    options = Options(workers=1)
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b", "c", "d")]

    def texts(out, names):
        return {n: (out / f"{n}.txt").read_text() for n in names}

    pair = tmp_path / "pair"
    run_batch(inputs[:2], pair, options, Corrections(), engine=FakeEngine([read]))
    first = texts(pair, "ab")
    assert all("the government was" in t for t in first.values())
    run_batch(inputs[:2], pair, options, Corrections(), force=True, engine=FakeEngine([read]))
    assert texts(pair, "ab") == first

    def stop_after_one(done):
        raise KeyboardInterrupt

    out = tmp_path / "out"
    stopped = run_batch(inputs[:3], out, options, Corrections(), on_done=stop_after_one, engine=FakeEngine([read]))
    assert stopped.interrupted and "the government was" in (out / "a.txt").read_text()
    shown = _ocrfix("status", str(out))
    assert shown.returncode == 0 and "stopped before its end" in " ".join(shown.stdout.split())
    from pipeline.workspace import open_workspace

    with open_workspace(out, exclusive=True):  # a run holds the folder: status says so, not "stopped"
        during = " ".join(_ocrfix("status", str(out)).stdout.split())
    assert "A run is using this folder now" in during and "stopped before its end" not in during
    batch = run_batch(inputs[:3], out, options, Corrections(), engine=FakeEngine([read]))
    assert all("the goverment was" in t for t in texts(out, "abc").values())
    assert sorted((r.rel, r.action) for r in batch.results) == [("a.png", "recorrect"), ("b.png", "ocr"), ("c.png", "ocr")]
    assert sum(r.changes for r in batch.results) == 0 and sum(r.flagged for r in batch.results) == batch.standing_flags
    whole = tmp_path / "whole"
    run_batch(inputs[:3], whole, options, Corrections(), engine=FakeEngine([read]))
    for name in ("a", "b", "c"):
        for suffix in (".txt", ".json"):
            assert (out / f"{name}{suffix}").read_bytes() == (whole / f"{name}{suffix}").read_bytes(), name + suffix
    before = {n: (out / f"{n}.json").read_bytes() for n in "abc"}
    added = run_batch(inputs, out, options, Corrections(), engine=FakeEngine([read]))
    assert [r.action for r in sorted(added.results, key=lambda r: r.rel)] == ["skip", "skip", "skip", "ocr"]
    assert {n: (out / f"{n}.json").read_bytes() for n in "abc"} == before


def test_dictionary_show_names_the_collections_spelling_habits(tmp_path):
    """A folder whose files spell five words or more with a final e, each consistently ("tolde",
    "kinge"): `ocrfix dictionary show` names the habit and the words it was seen on."""
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.options import Options
    from pipeline.corrections import Corrections

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b", "c"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    words = "he tolde the kinge soone that he shoulde send his answere on the waye".split()
    read = [[(w, 90.0) for w in words]]
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b", "c")]
    run_batch(inputs, tmp_path / "out", Options(workers=1), Corrections(), engine=FakeEngine([read]))
    shown = _ocrfix("dictionary", "show", str(tmp_path / "out"))
    assert shown.returncode == 0, shown.stderr
    assert "Spelling habit: e added at the end (answer, king, should, soon, told, way)" in shown.stdout


def test_an_upgrade_corrects_every_page_again_from_the_cache_without_ocr(tmp_path, monkeypatch):
    """A new ocrfix version (or corrector rules) changes the correction key: the rerun corrects the
    cached reads again and rewrites the outputs, and the engine reads nothing."""
    import cv2

    import pipeline
    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.options import Options
    from pipeline.corrections import Corrections

    scans = tmp_path / "scans"
    scans.mkdir()
    for name in ("a", "b"):
        cv2.imwrite(str(scans / f"{name}.png"), text_page("Telegram"))
    inputs = [(scans / f"{n}.png", Path(f"{n}.png")) for n in ("a", "b")]
    engine = FakeEngine([[[("Telegram", 95.0), ("recieved", 60.0)]]])
    first = run_batch(inputs, tmp_path / "out", Options(workers=1), Corrections(), engine=engine)
    reads = len(engine.seen)
    same = run_batch(inputs, tmp_path / "out", Options(workers=1), Corrections(), engine=engine)
    from pipeline.batch import pending_work
    from pipeline.workspace import open_workspace

    with open_workspace(tmp_path / "out") as ws:
        saved = ws.saved_key_parts()
    assert pending_work(saved, Options(workers=1), Corrections(), engine) == ([], [])
    monkeypatch.setattr(pipeline, "__version__", "99.0.0")
    # `ocrfix status` says why: a new ocrfix, to correct again; the engine the same, no OCR.
    assert pending_work(saved, Options(workers=1), Corrections(), engine) == ([], [f"ocrfix {saved['ocrfix']} → 99.0.0"])
    upgraded = run_batch(inputs, tmp_path / "out", Options(workers=1), Corrections(), engine=engine)
    assert [first.count("ocr"), same.count("skip"), upgraded.count("recorrect"), upgraded.count("ocr")] == [2, 2, 2, 0]
    assert len(engine.seen) == reads  # no read after the first run
    # Flags standing in the folder are counted whether or not their files were redone.
    assert same.standing_flags == first.standing_flags == sum(r.flagged for r in first.results) > 0


def test_a_multi_page_input_reports_its_pages_as_they_are_read(tmp_path):
    """Progress on long inputs: with 2 workers, each page of a 3-page TIFF is reported as it is
    read, before the file is done (in a log; on a terminal the bar counts the same pages)."""
    folder = tmp_path / "in"
    folder.mkdir()
    frames = [Image.fromarray(text_page(f"Telegram number {i + 300}")) for i in range(3)]
    frames[0].save(folder / "doc.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    Image.fromarray(text_page("Telegram number 400")).save(folder / "one.png", dpi=(300, 300))
    run = _ocrfix("process", str(folder), "-o", str(tmp_path / "out"), "--workers", "2")
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    reported = [i for i, line in enumerate(lines) if "doc.tif: page" in line]
    assert [lines[i].split(": ", 1)[1] for i in reported] == [f"page {k} of 3 read" for k in (1, 2, 3)]
    done = next(i for i, line in enumerate(lines) if line.endswith("doc.tif ok"))
    assert max(reported) < done
    assert not any("one.png: page" in line for line in lines)  # one page: reported when done


def test_a_page_with_an_implausible_resolution_is_reported_and_recorded(tmp_path):
    """img2pdf's 96 ppi makes a 300-dpi A4 scan a 66 cm page: the run says so for the file (with
    what to do) and the page's JSON records it as an "input" step."""
    from conftest import FakeEngine
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scan = tmp_path / "letter.pdf"
    Image.fromarray(np.full((3508, 2480), 255, np.uint8)).save(scan, resolution=96)
    result = run_batch([(scan, Path("letter.pdf"))], tmp_path / "out", Options(workers=1), Corrections(),
                       engine=FakeEngine([[[("Telegram", 95.0)]]]))
    [done] = result.results
    assert len(done.notes) == 1 and done.notes[0].startswith("page 1: the PDF says this page is 66 cm wide")
    doc = Document.model_validate_json((tmp_path / "out" / "letter.json").read_text())
    assert [s.name for s in doc.pages[0].steps][:1] == ["input"]


def test_a_page_in_another_language_is_left_as_read_and_counted(tmp_path):
    """German pages processed with the default --lang eng: the corrector leaves them as read (its
    English would turn "ist" into "is"), the file's result counts them, the page's JSON says why."""
    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    scan = tmp_path / "brief.png"
    Image.fromarray(text_page("Brief")).save(scan, dpi=(300, 300))
    words = ("Der Minister ist heute nach Wien gereist und die Verhandlungen über den Vertrag werden "
             "dort fortgesetzt, man erwartet eine baldige Einigung").split()
    result = run_batch([(scan, Path("brief.png"))], tmp_path / "out", Options(workers=1), Corrections(),
                       engine=FakeEngine([[[(w, 90.0) for w in words]]]))
    [done] = result.results
    assert done.ok and done.foreign_pages == 1 and done.changes == 0
    doc = Document.model_validate_json((tmp_path / "out" / "brief.json").read_text())
    assert [w.text for w in doc.pages[0].words] == words
    assert "language" in [s.name for s in doc.pages[0].steps]


def test_re_correction_in_worker_processes_writes_what_one_process_writes(tmp_path):
    """Enough files to correct again are corrected in worker processes (each parses the collection
    model once); the outputs are byte for byte those of correcting them in one process."""
    import shutil

    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import PARALLEL_MIN_FILES, run_batch
    from pipeline.corrections import load_corrections
    from pipeline.corrections.schema import Entry
    from pipeline.corrections.store import add_entry
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    count = PARALLEL_MIN_FILES + 3
    words = ["the", "goverment", "recieved", "Telegram", "Wilhelmstrasse", "of", "tbe", "note", "was", "read"]
    reads = [[[(words[(i + j) % len(words)], 95.0 if j % 3 else 55.0) for j in range(12)]] for i in range(count)]
    inputs = []
    for i in range(count):
        cv2.imwrite(str(scans / f"p{i:02d}.png"), text_page(f"Telegram {i}"))
        inputs.append((scans / f"p{i:02d}.png", Path(f"p{i:02d}.png")))
    corrections_file = tmp_path / "corrections.yaml"

    def options(workers: int) -> Options:
        return Options(workers=workers, correct={"corrections_file": corrections_file}, output={"formats": ["txt", "json"]})

    run_batch(inputs, tmp_path / "one", options(1), load_corrections(corrections_file), engine=FakeEngine(reads))
    shutil.copytree(tmp_path / "one", tmp_path / "two")
    add_entry(corrections_file, Entry(ocr="recieved", replacement="received", approved_by="test", approved_at="2026-12-01"))
    engine = FakeEngine([])
    serial = run_batch(inputs, tmp_path / "one", options(1), load_corrections(corrections_file), engine=engine)
    parallel = run_batch(inputs, tmp_path / "two", options(2), load_corrections(corrections_file), engine=engine)
    assert serial.count("recorrect") == parallel.count("recorrect") == count and not engine.seen
    for i in range(count):
        for suffix in (".txt", ".json"):
            one = (tmp_path / "one" / f"p{i:02d}{suffix}").read_bytes()
            assert one == (tmp_path / "two" / f"p{i:02d}{suffix}").read_bytes(), f"p{i:02d}{suffix}"
    assert "received" in (tmp_path / "two" / "p00.txt").read_text() or "received" in (tmp_path / "two" / "p01.txt").read_text()


def test_a_new_corrections_yaml_confirms_only_files_it_cannot_change_and_they_match_a_full_re_correction(tmp_path):
    """Each change to corrections.yaml (a replacement, a rejected form, an edited entry, a removed
    one) is run twice on the same folder: with the dependency records (files the change cannot
    touch are confirmed, the rest corrected again) and without them (every file corrected again).
    The outputs are byte for byte the same, and both kinds of file occur."""
    import random
    import shutil
    import sqlite3

    import cv2

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.corrections import load_corrections
    from pipeline.options import Options

    # Plain words on every page; a few garbles on some: the forms the entries name ("tbe",
    # "goverment", "Bulsaria") and others whose correction looks up the confusions that entries
    # add ("asreement", "resarding": g read as s, as in the entries "sood", "sreat", "sive", which
    # no page holds; three such decisions move those words' scores and p_wrong).
    plain = ["Telegram", "note", "was", "read", "Embassy", "Minister", "of", "and", "in", "to", "Ambassador",
             "said", "that", "would", "meeting", "London", "government", "report", "question", "on", "his", "for",
             "Bulgaria", "thee"]  # (approved replacements below: a page that holds one reads it as known)
    garbles = ["tbe", "goverment", "Bulsaria", "asreement", "resarding", "tbis", "recieved", "chvisage"]
    rng = random.Random(7)
    count = 16

    def line() -> list[tuple[str, float]]:
        words = [rng.choice(plain) for _ in range(8)]
        if rng.random() < 0.3:
            words[rng.randrange(8)] = rng.choice(garbles)
        return [(w, rng.choice([45.0, 70.0, 96.0])) for w in words]

    reads = [[line() for _ in range(3)] for _ in range(count)]
    scans = tmp_path / "scans"
    scans.mkdir()
    inputs = []
    for i in range(count):
        cv2.imwrite(str(scans / f"p{i:02d}.png"), text_page(f"Telegram {i}"))
        inputs.append((scans / f"p{i:02d}.png", Path(f"p{i:02d}.png")))
    corrections_file = tmp_path / "corrections.yaml"
    # One read a page (no second read of preprocessed pages): page i reads as reads[i].
    options = Options(workers=1, preprocess={"mode": "off"}, correct={"corrections_file": corrections_file},
                      output={"formats": ["txt", "json"]})
    out, full = tmp_path / "out", tmp_path / "full"
    run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine(reads))

    entry = "  - {{id: {}, ocr: {}, {}, approved_by: t, approved_at: 2026-12-01}}\n"
    tbe = entry.format("a", "tbe", "replacement: the")
    g_as_s = [entry.format(f"g{n}", ocr, f"replacement: {word}") for n, (ocr, word) in
              enumerate([("sood", "good"), ("sreat", "great"), ("sive", "give")])]
    rejected = entry.format("b", "goverment", "status: rejected")
    steps = [
        [tbe],
        [tbe, *g_as_s],
        [tbe, *g_as_s, rejected],
        [entry.format("a", "tbe", "replacement: thee"), *g_as_s, entry.format("c", "Bulsaria", "replacement: Bulgaria")],
    ]
    kinds = set()
    for step in steps:
        corrections_file.write_text("version: 1\ncorrections:\n" + "".join(step))
        shutil.rmtree(full, ignore_errors=True)
        shutil.copytree(out, full)
        with sqlite3.connect(full / ".ocrfix" / "workspace.sqlite") as db:
            db.execute("DELETE FROM dependencies")
        engine = FakeEngine([])
        checked = run_batch(inputs, out, options, load_corrections(corrections_file), engine=engine)
        redone = run_batch(inputs, full, options, load_corrections(corrections_file), engine=engine)
        assert not engine.seen and redone.count("recorrect") == count
        assert checked.count("confirm") + checked.count("recorrect") == count
        kinds |= {r.action for r in checked.results}
        for i in range(count):
            for suffix in (".txt", ".json"):
                name = f"p{i:02d}{suffix}"
                assert (out / name).read_bytes() == (full / name).read_bytes(), (step, name)
    assert kinds == {"confirm", "recorrect"}
    # Nothing changed: every file is unchanged (skipped), none confirmed or corrected again.
    again = run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([]))
    assert again.count("skip") == count


def _tiny_dictionary(folder: Path) -> Path:
    """A dictionary folder of a few words, where one confusion decides what the collection owns."""
    import gzip

    folder.mkdir()
    words = {"the": 5000, "was": 3000, "note": 800, "read": 900, "and": 4000, "of": 4500, "report": 400, "minister": 300,
             "gabeg": 10, "good": 500}
    with gzip.open(folder / "unigrams.tsv.gz", "wt") as f:
        f.writelines(f"{w}\t{c}\n" for w, c in words.items())
    (folder / "confusions.tsv").write_text("g\ts\t4\t4\n")
    (folder / "protected.txt").write_text("")
    return folder


def test_a_file_is_not_confirmed_where_the_collections_own_words_change_with_the_confusions(tmp_path):
    """Which of a collection's words are its own (a rare form near a frequent one is a variant)
    is worked out through the channel, once per collection: a new decision that changes a
    confusion can change it, and with it a file that never looked that confusion up itself."""
    from pipeline.collection import collection_model
    from pipeline.corrections.schema import Corrections, new_entry
    from pipeline.dependencies import dependency_base, unchanged
    from pipeline.model import Document, Line, Page, Word
    from pipeline.options import CorrectOptions
    from pipeline.process import correct_document, correct_document_recorded, corrector_for

    def doc(name, lines):
        return Document(source=name, pages=[Page(source=name, lines=[Line(words=[Word(text=t, confidence=96.0) for t in line])
                                                                       for line in lines])])

    filler = ["the", "report", "was", "read"]
    docs = [doc("d1", [["gabeg"] * 10 + ["sabes"], ["gabeg"] * 10 + ["sabes"]]), doc("d2", [["gabeg"] * 15 + ["sabes"], filler]),
            doc("d3", [["the", "note", "sabcs", "and", "the"], filler])]
    collection = collection_model([p for d in docs for p in d.pages])
    options = CorrectOptions(dictionary_dir=_tiny_dictionary(tmp_path / "dict"), corrections_file=tmp_path / "none.yaml")
    before, after = Corrections(), Corrections(entries=(new_entry("sood", "good", approved_by="t"),))  # g read as s
    view = corrector_for(options, after).with_collection(collection)
    base = dependency_base("key", collection, view)
    differs = 0
    for d in docs:
        first, deps = correct_document_recorded(d, options, before, collection, "key")
        again = correct_document(d, options, after, collection)
        if again.model_dump_json() != first.model_dump_json():
            differs += 1
            assert not unchanged(deps, after, view, base, {}), d.source
    assert differs  # the case happens: "sabes" stops being the collection's own word


def test_a_file_corrected_again_starts_from_its_recorded_decisions(tmp_path, monkeypatch):
    """A file a new entry fires on is corrected again from its recorded word decisions: only those
    whose confusions the entries changed are made again ("asreement" looks up g read as s, which
    "sood" -> "good" teaches; "goverment" does not), and the outputs are those of a correction
    from scratch (the same folder without the records)."""
    import shutil
    import sqlite3

    from conftest import FakeEngine
    from pipeline.correct import decide as deciding
    from pipeline.batch import run_batch
    from pipeline.corrections import load_corrections

    reads = [[[("the", 96.0), ("asreement", 70.0), ("of", 96.0), ("the", 96.0), ("goverment", 70.0), ("was", 96.0)],
              [("tbe", 96.0), ("Embassy", 96.0), ("recieved", 45.0), ("his", 96.0), ("note", 96.0)]],
             [[("the", 96.0), ("report", 96.0), ("was", 96.0), ("read", 96.0)]]]
    inputs, corrections_file, options = _two_page_folder(tmp_path, reads)
    out, scratch = tmp_path / "out", tmp_path / "scratch"
    corrections_file.write_text("version: 1\ncorrections: []\n")
    run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine(reads))
    shutil.copytree(out, scratch)
    with sqlite3.connect(scratch / ".ocrfix" / "workspace.sqlite") as db:
        db.execute("DELETE FROM dependencies")
    corrections_file.write_text("version: 1\ncorrections:\n"
                                "  - {id: a, ocr: Bulsaria, status: rejected, approved_by: t, approved_at: 2026-12-01}\n"
                                "  - {id: b, ocr: sood, replacement: good, approved_by: t, approved_at: 2026-12-01}\n")
    made = []
    decide = deciding._decide_word_uncached

    def counted(word, *args):
        made.append(word)
        return decide(word, *args)

    monkeypatch.setattr(deciding, "_decide_word_uncached", counted)
    seeded = run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([]))
    remade, made[:] = list(made), []
    run_batch(inputs, scratch, options, load_corrections(corrections_file), engine=FakeEngine([]))
    assert dict((r.rel, r.action) for r in seeded.results)["p00.png"] == "recorrect"
    assert "asreement" in remade and "goverment" not in remade and "recieved" not in remade
    assert {"asreement", "goverment", "recieved"} <= set(made)
    for name in ("p00.txt", "p00.json"):
        assert (out / name).read_bytes() == (scratch / name).read_bytes(), name


def _two_page_folder(tmp_path: Path, reads):
    import cv2

    from conftest import text_page
    from pipeline.options import Options

    scans = tmp_path / "scans"
    scans.mkdir()
    inputs = []
    for i in range(2):
        cv2.imwrite(str(scans / f"p{i:02d}.png"), text_page(f"T {i}"))
        inputs.append((scans / f"p{i:02d}.png", Path(f"p{i:02d}.png")))
    corrections_file = tmp_path / "corrections.yaml"
    options = Options(workers=1, preprocess={"mode": "off"}, correct={"corrections_file": corrections_file},
                      output={"formats": ["txt", "json"]})
    return inputs, corrections_file, options


def test_a_stop_while_outputs_are_written_leaves_nothing_a_later_run_confirms(tmp_path, monkeypatch):
    from conftest import FakeEngine
    from pipeline import outputs
    from pipeline.batch import run_batch
    from pipeline.corrections import load_corrections

    reads = [[[("the", 96.0), ("report", 96.0), ("was", 96.0), ("read", 96.0)]],
             [[("the", 96.0), ("note", 96.0), ("sabcs", 96.0), ("was", 96.0), ("read", 96.0)]]]
    inputs, corrections_file, options = _two_page_folder(tmp_path, reads)
    out = tmp_path / "out"
    corrections_file.write_text("version: 1\ncorrections: []\n")
    run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine(reads))
    # Ctrl-C after p01's new outputs are written, before it is recorded done.
    corrections_file.write_text("version: 1\ncorrections:\n  - {id: a, ocr: sabcs, replacement: minister, approved_by: t, approved_at: 2026-12-01}\n")
    real = outputs.write_document

    def write_then_stop(doc, out_dir, rel, formats, **kw):
        written = real(doc, out_dir, rel, formats, **kw)
        if str(rel) == "p01.png":
            raise KeyboardInterrupt
        return written

    monkeypatch.setattr(outputs, "write_document", write_then_stop)
    assert run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([])).interrupted
    monkeypatch.setattr(outputs, "write_document", real)
    corrections_file.write_text("version: 1\ncorrections:\n  - {id: z, ocr: zzzq, status: rejected, approved_by: t, approved_at: 2026-12-01}\n")
    again = run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([]))
    assert dict((r.rel, r.action) for r in again.results)["p01.png"] == "recorrect"
    fresh = run_batch(inputs, tmp_path / "fresh", options, load_corrections(corrections_file), engine=FakeEngine(reads))
    assert not fresh.failed and (out / "p01.txt").read_text() == (tmp_path / "fresh" / "p01.txt").read_text()


def test_a_new_read_stopped_before_its_correction_is_never_confirmed_with_the_old_record(tmp_path, monkeypatch):
    import cv2

    from conftest import FakeEngine, text_page
    from pipeline import batch
    from pipeline.batch import run_batch
    from pipeline.corrections import load_corrections

    p00 = [[("the", 96.0), ("report", 96.0), ("was", 96.0), ("read", 96.0)]]
    old, new = [[("the", 96.0), ("note", 96.0), ("sabcs", 96.0)]], [[("the", 96.0), ("note", 96.0), ("minister", 96.0)]]
    inputs, corrections_file, options = _two_page_folder(tmp_path, [p00, old])
    out = tmp_path / "out"
    corrections_file.write_text("version: 1\ncorrections: []\n")
    run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([p00, old]))
    cv2.imwrite(str(inputs[1][0]), text_page("T 1 rescanned"))  # the scan changes: read again

    def stop(*a, **k):
        raise KeyboardInterrupt  # Ctrl-C while the new read is being corrected

    monkeypatch.setattr(batch, "_finish", stop)
    assert run_batch(inputs, out, options, load_corrections(corrections_file), engine=FakeEngine([new])).interrupted
    monkeypatch.undo()
    corrections_file.write_text("version: 1\ncorrections:\n  - {id: z, ocr: zzzq, status: rejected, approved_by: t, approved_at: 2026-12-01}\n")
    engine = FakeEngine([])
    again = run_batch(inputs, out, options, load_corrections(corrections_file), engine=engine)
    assert not engine.seen and dict((r.rel, r.action) for r in again.results)["p01.png"] == "recorrect"
    assert "minister" in (out / "p01.txt").read_text()


def test_two_collections_of_one_size_are_two_bases():
    # A re-read file can swap one form for another and leave the collection's counts as they were.
    from pipeline.collection import CollectionModel
    from pipeline.dependencies import dependency_base

    a, b = CollectionModel(), CollectionModel()
    a.add_forms({"minister": (2, 1), "note": (1, 0)})
    b.add_forms({"minister": (2, 1), "nota": (1, 0)})
    assert (a.n_documents, a.tokens, len(a.counts)) == (b.n_documents, b.tokens, len(b.counts))
    assert dependency_base("key", a) != dependency_base("key", b)
    a.add_forms({"note": (1, 0)})  # grown: a new digest, not the cached one
    assert dependency_base("key", a) != dependency_base("key", b)


def test_the_largest_inputs_are_handed_to_the_workers_first(tmp_path):
    from pipeline.batch import largest_first

    for name, size in (("a.png", 10), ("b.pdf", 3000), ("c.tif", 10), ("d.jpg", 200)):
        (tmp_path / name).write_bytes(b"x" * size)
    tasks = [(str(tmp_path / n), n) for n in ("a.png", "b.pdf", "c.tif", "d.jpg", "gone.png")]
    # Largest first; equal sizes keep their order; a file that cannot be read goes last (its task fails).
    assert [rel for _path, rel in largest_first(tasks)] == ["b.pdf", "d.jpg", "a.png", "c.tif", "gone.png"]


def test_a_scan_replaced_under_its_name_is_not_proofread_and_a_scan_read_again_still_is(tmp_path):
    """status said "2 of 2 pages proofread" after the scan under that name was replaced by another
    (session 18's sweep of the CLI): its pages' proofreading is forgotten where the file's content
    changed, and kept where the same scan is only read again."""
    import cv2

    from conftest import FakeEngine
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    scans, out = tmp_path / "scans", tmp_path / "out"
    scans.mkdir()
    cv2.imwrite(str(scans / "a.png"), text_page("Telegram"))
    inputs, options = [(scans / "a.png", Path("a.png"))], Options(workers=1)
    engine = FakeEngine([[[("the", 95.0), ("note", 95.0)]]])
    run_batch(inputs, out, options, Corrections(), engine=engine)
    with open_workspace(out) as ws:
        ws.set_page_status("a.png", 0, "proofread", "t")
    run_batch(inputs, out, options, Corrections(), force=True, engine=engine)  # the same scan, read again
    with open_workspace(out) as ws:
        assert ws.page_status("a.png", 0) == "proofread"
    cv2.imwrite(str(scans / "a.png"), text_page("Another page"))
    run_batch(inputs, out, options, Corrections(), engine=engine)
    with open_workspace(out) as ws:
        assert ws.page_status("a.png", 0) == "not started"


def test_a_scheduler_lost_mid_run_stops_it_with_one_line_leaving_the_rest_pending(tmp_path):
    """The scheduler gone mid-run failed every file not yet read, each listed with Dask's
    FutureCancelledError, and Dask's own traceback of its reconnection came on stderr (exit 10):
    the run stops with one line (exit 2), the files done kept and the rest pending for the next run."""
    from distributed import LocalCluster

    _pages(tmp_path / "in", 12)
    out = tmp_path / "out"
    cluster = LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None)
    try:
        run = subprocess.Popen([OCRFIX, "process", str(tmp_path / "in"), "-o", str(out), "--executor", "dask",
                                "--scheduler", cluster.scheduler_address, "--corrections", str(tmp_path / "none.yaml")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        deadline = time.monotonic() + 120
        while not list(out.glob("*.json")) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.05)
    finally:
        cluster.close()
    _, stderr = run.communicate(timeout=90)
    assert run.returncode == 2, stderr
    assert "lost the connection to the Dask scheduler" in stderr and "run the same command to finish" in stderr
    assert "Traceback" not in stderr and "FutureCancelledError" not in stderr
    status = _ocrfix("status", str(out))
    assert re.search(r"failed\s*│\s*0\b", status.stdout), status.stdout
    assert re.search(r"pending\s*│\s*([1-9]\d*)\b", status.stdout), status.stdout


def test_a_scheduler_without_workers_stops_the_run_with_a_message_not_a_silent_wait(tmp_path, monkeypatch):
    """A scheduler with no worker (none started, or every one killed mid-run) held the run for ever,
    saying nothing: it stops once the scheduler has had no worker for a while, naming the way out,
    the files not read left pending."""
    from distributed import LocalCluster

    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.errors import UsageError
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    monkeypatch.setattr(batch, "NO_WORKERS_TIMEOUT_S", 1.0)
    monkeypatch.setattr(batch, "_WORKERS_CHECK_S", 0.2)
    inputs = [(path, Path(path.name)) for path in _pages(tmp_path / "in", 2)]
    out = tmp_path / "out"
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        options = Options(executor="dask", scheduler=cluster.scheduler_address, correct={"enabled": False})
        started = time.monotonic()
        with pytest.raises(UsageError, match="has had no worker for 1 s, with 2 files not yet read.*dask worker"):
            batch.run_batch(inputs, out, options, Corrections())
        assert time.monotonic() - started < 30
    with open_workspace(out, create=False) as ws:
        assert ws.summary().files("pending") == 2


def test_a_dask_worker_with_another_ocrfix_is_refused_not_cached_as_this_ones_read(tmp_path):
    """A worker running another ocrfix (another way of reading pages) had its reads taken, cached
    under this ocrfix's key, with exit 0: the run stops at its first read, naming the worker and
    both versions, and caches nothing from it."""
    import shutil

    import pipeline

    other = tmp_path / "other"
    shutil.copytree(Path(pipeline.__file__).parent, other / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    init = other / "pipeline" / "__init__.py"
    init.write_text(re.sub(r'__version__ = "[^"]*"', '__version__ = "0.0.1"', init.read_text()))
    _refused_by_its_worker(tmp_path, r"the Dask worker tcp://127\.0\.0\.1:\d+ runs ocrfix 0\.0\.1 .*this command "
                                     rf"ocrfix {re.escape(pipeline.__version__)}", PYTHONPATH=str(other))


def _refused_by_its_worker(tmp_path: Path, message: str, **env: str) -> None:
    """A batch on a cluster whose one worker runs with ``env`` stops with a UsageError matching
    ``message`` and caches nothing of what that worker read."""
    from distributed import LocalCluster

    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.errors import UsageError
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    inputs = [(path, Path(path.name)) for path in _pages(tmp_path / "in", 2)]
    out = tmp_path / "out"
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        with _dask_worker(cluster.scheduler_address, **env):
            options = Options(executor="dask", scheduler=cluster.scheduler_address, correct={"enabled": False})
            with pytest.raises(UsageError, match=message):
                batch.run_batch(inputs, out, options, Corrections())
    with open_workspace(out, create=False) as ws:
        assert ws.summary().files("done") == 0 and ws.raw_ocr("page00.png") is None


@contextlib.contextmanager
def _dask_worker(address: str, cwd: Path | None = None, **env: str):
    """A real `dask worker` of the scheduler at ``address`` (one thread, no nanny), with ``env``
    added to its environment (another machine's setup), in folder ``cwd``, killed at the end."""
    worker = subprocess.Popen([str(Path(sys.executable).parent / "dask"), "worker", address, "--nthreads", "1",
                               "--host", "127.0.0.1", "--no-dashboard", "--no-nanny"], env={**os.environ, **env},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True, cwd=cwd)
    try:
        yield worker
    finally:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=30)


def test_a_dask_worker_without_the_language_stops_the_run_naming_it(tmp_path):
    """A worker whose Tesseract lacks the language asked for (checked only where the command runs)
    failed every file it took, each at once, as if the files were at fault (exit 10), with a message
    saying to install what the machine running the command has: the run stops at the first, naming
    the worker (exit 4, Tesseract's language data missing), and the files are left pending."""
    import shutil

    from distributed import LocalCluster

    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.engine import _tessdata_dir
    from pipeline.errors import MissingDependencyError
    from pipeline.options import Options
    from pipeline.workspace import open_workspace

    tessdata = _tessdata_dir("tesseract")
    if tessdata is None or not (tessdata / "deu.traineddata").exists():
        pytest.skip("needs Tesseract's deu language data here")
    english_only = tmp_path / "tessdata"
    english_only.mkdir()
    shutil.copy(tessdata / "eng.traineddata", english_only)
    inputs = [(path, Path(path.name)) for path in _pages(tmp_path / "in", 3)]
    out = tmp_path / "out"
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        with _dask_worker(cluster.scheduler_address, TESSDATA_PREFIX=str(english_only)):
            options = Options(executor="dask", scheduler=cluster.scheduler_address, ocr={"lang": "deu"},
                              correct={"enabled": False})
            with pytest.raises(MissingDependencyError, match=r"on the Dask worker tcp://127\.0\.0\.1:\d+: .*'deu'.*"
                                                             r"tesseract-ocr-deu"):
                batch.run_batch(inputs, out, options, Corrections())
    with open_workspace(out, create=False) as ws:
        assert ws.summary().files("failed") == 0 and ws.summary().files("pending") == 3


def test_relative_inputs_are_read_by_dask_workers_started_in_another_folder(tmp_path, monkeypatch):
    """`ocrfix process scans -o out --executor dask`: each worker was given the relative path, read
    it from its own folder, and every file failed "No such file or directory"."""
    from distributed import LocalCluster

    from pipeline import batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options

    _pages(tmp_path / "in", 2)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(tmp_path)
    inputs = [(Path("in") / f"page0{i}.png", Path(f"page0{i}.png")) for i in range(2)]
    with LocalCluster(n_workers=0, processes=True, dashboard_address=None) as cluster:
        with _dask_worker(cluster.scheduler_address, cwd=elsewhere):
            options = Options(executor="dask", scheduler=cluster.scheduler_address, correct={"enabled": False})
            result = batch.run_batch(inputs, Path("out"), options, Corrections())
    assert not result.failed, result.failed
    assert sorted(p.name for p in (tmp_path / "out").glob("*.txt")) == ["page00.txt", "page01.txt"]


def test_a_multi_page_input_reports_its_pages_as_they_are_read_on_a_dask_cluster(tmp_path):
    """On a Dask cluster no page was reported: a 300-page PDF's bar stood at 0 until the file was
    done, and a log said nothing of it. Each page is reported as the worker reads it."""
    from distributed import LocalCluster

    folder = tmp_path / "in"
    folder.mkdir()
    frames = [Image.fromarray(text_page(f"Telegram number {i + 300}")) for i in range(3)]
    frames[0].save(folder / "doc.tif", save_all=True, append_images=frames[1:], dpi=(300, 300))
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        run = _ocrfix("process", str(folder), "-o", str(tmp_path / "out"), "--executor", "dask",
                      "--scheduler", cluster.scheduler_address, "--corrections", str(tmp_path / "none.yaml"))
    assert run.returncode == 0, run.stderr
    lines = run.stderr.splitlines()
    reported = [i for i, line in enumerate(lines) if "doc.tif: page" in line]
    assert sorted(lines[i].split(": ", 1)[1] for i in reported) == [f"page {k} of 3 read" for k in (1, 2, 3)]
    done = next(i for i, line in enumerate(lines) if line.endswith("doc.tif ok"))
    assert min(reported) < done


def test_a_scheduler_without_ocrfix_stops_the_run_with_one_line(tmp_path):
    """A scheduler started where ocrfix is not installed (Dask's scheduler unpickles each task)
    failed every file as a bad input, each with Dask's "Error during deserialization of the task
    graph" (exit 10): the run stops with one line saying where ocrfix is missing (exit 2)."""
    import socket

    empty = tmp_path / "empty" / "pipeline"
    empty.mkdir(parents=True)
    (empty / "__init__.py").write_text("")  # (a package of that name without ocrfix's modules)
    _pages(tmp_path / "in", 2)
    with socket.socket() as free:
        free.bind(("127.0.0.1", 0))
        port = free.getsockname()[1]
    scheduler = subprocess.Popen([str(Path(sys.executable).parent / "dask"), "scheduler", "--host", "127.0.0.1",
                                  "--port", str(port), "--no-dashboard"], env={**os.environ, "PYTHONPATH": str(empty.parent)},
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        run = _ocrfix("process", str(tmp_path / "in"), "-o", str(tmp_path / "out"), "--executor", "dask",
                      "--scheduler", f"tcp://127.0.0.1:{port}", "--corrections", str(tmp_path / "none.yaml"))
    finally:
        os.killpg(scheduler.pid, signal.SIGKILL)
        scheduler.wait(timeout=30)
    assert run.returncode == 2, run.stderr
    assert "cannot read ocrfix's tasks" in run.stderr and "Failed inputs" not in run.stderr
    assert "Traceback" not in run.stderr


def test_a_dask_worker_with_other_language_data_is_refused_not_cached_as_this_machines_read(tmp_path):
    """A worker whose Tesseract reads with other language data (tessdata_best on one machine,
    _fast on another) had its reads cached under this machine's key, with exit 0: its outputs
    differed from a local run's and no later run read them again. The run stops at its first
    read, naming the worker and what differs."""
    import shutil

    from pipeline.engine import _tessdata_dir

    tessdata = _tessdata_dir("tesseract")
    if tessdata is None or not (tessdata / "deu.traineddata").exists():
        pytest.skip("needs Tesseract's deu language data here")
    other = tmp_path / "tessdata"
    other.mkdir()
    shutil.copy(tessdata / "deu.traineddata", other / "eng.traineddata")  # (valid language data, not this machine's eng)
    _refused_by_its_worker(tmp_path, r"the Dask worker tcp://127\.0\.0\.1:\d+ reads with .*language data eng:\w+ "
                                     r"there, eng:\w+ here", TESSDATA_PREFIX=str(other))


def test_ctrl_c_stops_a_dask_worker_reading_a_long_file(tmp_path):
    """Dask cannot stop a running task: after Ctrl-C a worker went on reading a long PDF page after
    page, for nobody (the next run's files waited behind it). It stops at the next page."""
    from distributed import Client, LocalCluster

    folder = tmp_path / "in"
    folder.mkdir()
    # (the sample scans, a second or more a page)
    frames = [Image.open(scan).convert("L") for scan in sorted((Path(__file__).parents[1] / "images").glob("*.jpg"))] * 5
    frames[0].save(folder / "long.tif", save_all=True, append_images=frames[1:], dpi=(300, 300), compression="tiff_lzw")
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
            Client(cluster) as client:
        run = subprocess.Popen([OCRFIX, "process", str(folder), "-o", str(tmp_path / "out"), "--executor", "dask",
                                "--scheduler", cluster.scheduler_address, "--corrections", str(tmp_path / "none.yaml")],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and not _busy(client):
            time.sleep(0.1)
        time.sleep(2)  # (a page or two read)
        run.send_signal(signal.SIGINT)
        _, stderr = run.communicate(timeout=60)
        assert run.returncode == 130, stderr
        stopped = time.monotonic()
        while _busy(client) and time.monotonic() - stopped < 60:
            time.sleep(0.1)
        assert time.monotonic() - stopped < 8, "the worker should stop reading the file at its next page"


def test_ctrl_c_on_a_local_dask_cluster_stops_the_run_without_the_workers_tracebacks(tmp_path):
    """`--executor dask` without a scheduler starts a local cluster whose workers were in the
    terminal's process group: Ctrl-C reached each of them too, and the run's own line ("Interrupted:
    run the same command again ...") came amid some 170 lines of their KeyboardInterrupt and
    CancelledError tracebacks and the scheduler's warnings of lost workers. The run stops them itself."""
    _pages(tmp_path / "in", 16)
    out = tmp_path / "out"
    run = subprocess.Popen([OCRFIX, "process", str(tmp_path / "in"), "-o", str(out), "--workers", "2", "--no-correct",
                            "--executor", "dask", "--corrections", str(tmp_path / "none.yaml")],
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True,
                           preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 120
    while len(list(out.glob("*.json"))) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGINT)
    _, stderr = run.communicate(timeout=60)
    assert run.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "distributed." not in stderr, stderr
    assert "Interrupted: run the same command again" in stderr


def _busy(client) -> bool:
    """Whether the cluster's worker runs a task (one cancelled but still running too)."""
    def running(dask_worker) -> int:
        return sum(task.state in ("executing", "cancelled") for task in dask_worker.state.tasks.values())

    return any(client.run(running).values())
