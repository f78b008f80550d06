"""Batch reprocessing: plan each input against the workspace, OCR what needs it in parallel (a local
process pool or a Dask cluster), correct and write outputs as each file finishes.

Per input the plan is one of:
- ``skip``: input, OCR options, corrections and dictionaries unchanged, outputs present;
- ``recorrect``: only the correction side changed: correct the cached OCR again, no Tesseract
  (``confirm`` instead where only corrections.yaml changed and nothing the file's correction
  depended on did: its outputs stay as they are, see ``dependencies.py``);
- ``ocr``: new or changed input or OCR options (or ``force``).

OCR workers only read (``ocr_task``: a module-level function of picklable data, the same on both
executors) and return the raw Document; this process corrects each new read, writes its outputs
atomically and records everything in the workspace, so the outputs do not depend on where OCR ran.
Corrections from the cache run in local correction workers, which write the outputs themselves and
send back only what the workspace records (``Corrected``): this process, which checks and records
every file, is the narrow side of a re-correction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import itertools
import json
import logging
import os
import pickle
import queue
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .collection import CollectionModel, collection_model
from .dependencies import Dependencies, dependency_base, unchanged
from .errors import MissingDependencyError, OcrfixError, UsageError
from .files import remove_stale_temporaries, unreadable
from .lexicon import dictionary_hash
from .memory import ChildPeak, own_peak_mb
from .model import Document
from .options import Options
from .outputs import OutputGuard, output_paths, page_file
from .corrections import Corrections
from .correction_worker import (
    Corrected, correct_and_write, correct_cached, corrected_text_hash, start_correction_worker, start_worker, worker_context,
)
from .wording import counted
from .workspace import WORKSPACE_DIR, FileRecord, InputState, Workspace, file_hash, open_workspace

if TYPE_CHECKING:  # the engine module imports OpenCV: paid in the workers, not here
    from .correct import Corrector
    from .engine import OcrEngine

__all__ = [
    "OcrResult", "FileResult", "BatchResult", "CorrectionKeys", "ocr_task", "correction_key", "correction_key_parts",
    "correction_check", "run_batch", "recorrect_outputs",
]


@dataclass(frozen=True)
class OcrResult:
    rel: str
    doc: Document | None
    error: str | None
    seconds: float
    tool_version: str = ""
    # Peak memory of the process that ran OCR plus that of its largest Tesseract, in MB: the
    # memory one worker needs.
    peak_rss_mb: float = 0.0
    # The ocrfix that read it (``reader``) and the Dask worker it ran on: a worker with another
    # ocrfix reads pages another way, under this run's cache key.
    reader: str = ""
    worker: str = ""
    # On a Dask worker: the engine and language data it read with (``ocr_key_parts``' names), which
    # must be this run's, as the read is cached under this run's key.
    engine_parts: tuple[tuple[str, str], ...] = ()
    # the read failed for want of Tesseract or its language data (a machine's failing, not the file's)
    missing: bool = False


@dataclass
class FileResult:
    rel: str
    # "ocr" (read by Tesseract now), "recorrect" (corrected again from cached OCR), "confirm" (a new
    # corrections.yaml changes nothing it depends on: outputs kept), "skip", "failed"
    action: str
    pages: int = 0
    error: str | None = None
    seconds: float = 0.0
    changes: int = 0
    flagged: int = 0
    # hash of the corrected text (what a later correction is compared with)
    text_hash: str = ""
    # what reading the input found doubtful, per page ("page 2: ..."), for the person running it
    notes: tuple[str, ...] = ()
    # pages the corrector left as read: their words are not the dictionaries' language
    foreign_pages: int = 0
    # outputs edited by hand since ocrfix wrote them, kept, each with where its new version went
    # (paths relative to the output folder)
    edited: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.action != "failed"


@dataclass
class BatchResult:
    results: list[FileResult] = field(default_factory=list)
    interrupted: bool = False
    peak_worker_rss_mb: float = 0.0
    # words flagged for review in the whole output folder after the run (unchanged files' too)
    standing_flags: int = 0
    # temporary files an interrupted earlier run left in the output folder, removed at the start
    stale_temporaries: int = 0

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if not r.ok]

    @property
    def pages(self) -> int:
        return sum(r.pages for r in self.results)

    def count(self, action: str) -> int:
        return sum(r.action == action for r in self.results)


def ocr_task(path: str, rel: str, options: Options, engine: OcrEngine | None = None,
             page_read: Callable[[tuple[str, int]], None] | None = None) -> OcrResult:
    """Read one input file with preprocessing and the OCR engine (runs in a worker process).
    ``page_read`` is given (rel, page index) as each page is read (a queue's ``put`` from a worker)."""
    from .process import ocr_document  # heavy imports, paid in the worker

    on_page = None if page_read is None else (lambda index: page_read((rel, index)))
    started = time.perf_counter()
    here = {"reader": reader_identity(), "worker": _dask_worker()}
    if here["worker"]:
        here["engine_parts"] = _engine_parts(options, engine)
    try:
        with ChildPeak() as tesseract:
            doc = ocr_document(Path(path), rel, options, options.max_pixels, engine, on_page)
    except OcrfixError as e:
        return OcrResult(rel, None, str(e), time.perf_counter() - started, **here,
                         missing=isinstance(e, MissingDependencyError))
    except Exception as e:  # noqa: BLE001 - one bad page must not take the batch down
        return OcrResult(rel, None, f"{path}: unexpected error ({type(e).__name__}: {e})", time.perf_counter() - started,
                         **here)
    version = doc.pages[0].engine.get("version", "") if doc.pages else ""
    return OcrResult(rel, doc, None, time.perf_counter() - started, version, own_peak_mb() + tesseract.mb, **here)


def _engine_parts(options: Options, engine: OcrEngine | None) -> tuple[tuple[str, str], ...]:
    """The parts of ``ocr_key_parts`` that name the engine and its language data, as this machine has them."""
    from .engine import engine_for

    reader = engine if engine is not None else engine_for(options.ocr)
    parts = ocr_key_parts(options, reader)
    return tuple((name, parts[name]) for name in ("OCR engine", "language data"))


def reader_identity() -> str:
    """The ocrfix that reads pages, and its way of reading them (``READ_VERSION``)."""
    from . import __version__
    from .versions import READ_VERSION

    return f"ocrfix {__version__} (reading {READ_VERSION})"


def _dask_worker() -> str:
    """The address of the Dask worker running this, or "" outside one."""
    if "distributed" not in sys.modules:  # (a local worker never imports it)
        return ""
    from distributed import get_worker

    try:
        return get_worker().address
    except ValueError:
        return ""


def _hash(parts: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:16]


def ocr_key_parts(options: Options, engine: OcrEngine) -> dict[str, str]:
    """Everything that shapes a page's read, by name (``ocrfix status`` says which one changed): the
    options that shape OCR, the way ocrfix reads a page, the engine and its language data."""
    from .versions import READ_VERSION

    return {
        "OCR options": options.ocr_key(),
        "ocrfix's reading": str(READ_VERSION),
        "OCR engine": f"{engine.name} {engine.version()}",
        "language data": engine.data_id(options.ocr.lang),
    }


def correction_key_parts(options: Options, corrections: Corrections) -> dict[str, str]:
    """Everything that shapes the outputs after OCR, by name: ocrfix and its corrector, the entries
    of corrections.yaml, the dictionaries, the correction and output options."""
    from . import __version__
    from .calibration import DEFAULT_READ_MODEL, DEFAULT_WRONG_MODEL
    from .versions import CORRECTOR_VERSION

    return {
        # A new ocrfix, or new corrector rules or p_wrong models (the corrector's or the read's),
        # corrects every page again from the cache (without OCR): outputs never stay as an older
        # corrector made them.
        "ocrfix": __version__,
        "corrector": f"{CORRECTOR_VERSION} {hashlib.sha256(repr((DEFAULT_WRONG_MODEL, DEFAULT_READ_MODEL)).encode()).hexdigest()[:8]}",
        "corrections.yaml": corrections.fingerprint() or "no entries",
        # Only the files the corrector reads (a new SOURCES.md changes nothing), only when it runs.
        "dictionaries": dictionary_hash(options.correct.dictionary_dir) if options.correct.automatic else "not used",
        # (learn_channel is ocrfix correct's, which keeps no workspace)
        "correction options": _hash(options.correct.model_dump(mode="json", exclude={"corrections_file", "dictionary_dir", "learn_channel"})),
        # (overwrite_edited changes no output, only whether an edited file gets it)
        "output options": _hash(options.output.model_dump(mode="json", exclude={"overwrite_edited"})),
    }


# Parts whose values a person can read ("ocrfix 0.1 -> 0.2"); the others are hashes: "changed".
_READABLE_PARTS = ("ocrfix", "OCR engine", "language data", "ocrfix's reading")


def pending_work(saved: dict[str, str], options: Options, corrections: Corrections, engine: OcrEngine) -> tuple[list[str], list[str]]:
    """What changed since the last run, as (changes that mean reading the pages again, changes that
    mean correcting them again from the cache), each as "name: old -> new" or "name changed"."""
    def described(now: dict[str, str]) -> list[str]:
        out = []
        for name, value in now.items():
            old = saved.get(name)
            if old != value:
                out.append(f"{name} {old or '?'} → {value}" if name in _READABLE_PARTS else f"{name} changed")
        return out

    return described(ocr_key_parts(options, engine)), described(correction_key_parts(options, corrections))


def dependency_key(corr_parts: dict[str, str]) -> str:
    """The correction key without corrections.yaml: what a recorded correction's dependencies are
    checked against before its outputs can be kept under a new corrections.yaml."""
    return _hash({name: value for name, value in corr_parts.items() if name != "corrections.yaml"})


def correction_key(options: Options, corrections: Corrections) -> str:
    """Hash of everything that shapes the outputs after OCR (``correction_key_parts``)."""
    return _hash(correction_key_parts(options, corrections))


def _stop_worker(process) -> None:
    """Stop a worker and the Tesseract it runs (its process group), at once."""
    try:
        os.killpg(process.pid, signal.SIGTERM)
    except (OSError, TypeError):  # gone already, or not a group leader
        with contextlib.suppress(Exception):
            process.terminate()


def largest_first(tasks: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """The (path, rel) tasks by input size, largest first (ties in their order): with the biggest
    inputs started first, the run does not end with one worker reading a 300-page PDF while the
    others wait (longest-processing-time-first scheduling; a file's size is a rough, free estimate
    of its work)."""

    def size(task: tuple[str, str]) -> int:
        try:
            return os.path.getsize(task[0])
        except OSError:  # (reported as the task's own failure)
            return 0

    return sorted(tasks, key=size, reverse=True)


def _local_results(tasks: list[tuple[str, str]], options: Options, engine: OcrEngine | None,
                   on_page: Callable[[str, int], None] | None = None) -> Iterator[OcrResult]:
    if not tasks:
        return
    if options.workers == 1:
        for path, rel in tasks:
            yield ocr_task(path, rel, options, engine, None if on_page is None else (lambda item: on_page(*item)))
        return
    tasks = largest_first(tasks)
    # forkserver: workers start clean (no inherited threads or open database handles), and from a
    # server that ignores Ctrl-C (worker_context), which this process handles for them.
    context = worker_context()
    workers = min(options.workers, len(tasks))

    def new_pool() -> ProcessPoolExecutor:
        return ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_worker)

    # Pages done, from the workers, for progress: only multi-page inputs need it (a file of one page
    # is reported when it is done), so the manager process is started only for them.
    from .ingest import count_pages

    manager = context.Manager() if on_page is not None and any(count_pages(Path(p)) > 1 for p, _r in tasks) else None
    page_queue = manager.Queue() if manager is not None else None
    page_read = page_queue.put if page_queue is not None else None

    def pages_done() -> None:
        while page_queue is not None:
            try:
                rel, index = page_queue.get_nowait()
            except queue.Empty:
                return
            on_page(rel, index)

    # Files are handed out a few at a time (one more than there are workers, so that none waits
    # for its next file): when a worker dies (out of memory, a crash in a library), the pool fails
    # every file it holds, so it holds only those. They are read again, each alone in a new pool,
    # and only the one that kills its worker again fails; the rest of the batch goes on (one dead
    # worker used to fail every file not yet done).
    waiting = list(reversed(tasks))  # (popped from the end: largest first)
    suspects: list[tuple[str, str]] = []
    running: dict[Future, tuple[str, str]] = {}
    alone = False  # a suspect is being read with nothing beside it
    pool = new_pool()

    def hand_out() -> None:
        # (a submit may start a worker: Ctrl-C inside it left one started but unknown to the pool,
        # which the stop did not stop and which printed a traceback once the run was gone)
        with _signals_held():
            hand_out_now()

    def hand_out_now() -> None:
        nonlocal alone
        if not running and suspects:
            task = suspects.pop()
            running[pool.submit(ocr_task, task[0], task[1], options, engine, page_read)] = task
            alone = True
        while not suspects and not alone and waiting and len(running) <= workers:
            task = waiting.pop()
            running[pool.submit(ocr_task, task[0], task[1], options, engine, page_read)] = task

    try:
        while waiting or suspects or running:
            hand_out()
            done, _rest = _wait_any(set(running))
            pages_done()
            results: list[OcrResult] = []
            broken = False
            for future in done:
                path, rel = running.pop(future)
                try:
                    results.append(future.result())
                except Exception as e:  # the worker died
                    if alone:
                        results.append(OcrResult(rel, None, f"{rel}: the worker process died reading it ({type(e).__name__}: "
                                                 f"{e}); out of memory, or a crash in a library", 0.0))
                    else:
                        suspects.append((path, rel))
                    broken = True
            alone = alone and not done
            if broken:
                # (every other file the broken pool held fails too: each is read again, alone)
                suspects.extend(running.values())
                running.clear()
                _close_pool(pool)
                pool = new_pool()
            hand_out()  # (the workers go on while the results are recorded)
            yield from results
    finally:
        if manager is not None:
            with contextlib.suppress(Exception):
                manager.shutdown()
        _close_pool(pool)


# How long a Dask scheduler has to answer. Client's own timeout does not bound the handshake: a
# peer that accepts the connection and never answers (a web server at that port) held a run forever.
SCHEDULER_TIMEOUT_S = 20.0


def _dask_client(client_class, address: str):
    """A client of the Dask scheduler at ``address``, or UsageError saying why there is none."""
    outcome: dict[str, object] = {}

    def connect() -> None:
        try:
            outcome["client"] = client_class(address, timeout=f"{SCHEDULER_TIMEOUT_S:.0f}s")
        except Exception as e:  # a bad address, a closed port, a peer that is no Dask scheduler
            outcome["error"] = e

    # (a daemon thread: one stuck on a silent peer does not keep the program alive)
    attempt = threading.Thread(target=connect, name="ocrfix-dask-connect", daemon=True)
    attempt.start()
    attempt.join(SCHEDULER_TIMEOUT_S + 5)
    if "client" in outcome:
        return outcome["client"]
    if "error" not in outcome:
        raise UsageError(f"cannot reach the Dask scheduler at {address}: no answer as a Dask scheduler within "
                         f"{SCHEDULER_TIMEOUT_S:.0f} s (is that the scheduler's address, as 'dask scheduler' printed it?)")
    e = outcome["error"]
    raise UsageError(f"cannot reach the Dask scheduler at {address} ({type(e).__name__}: {e}); give its address "
                     "as 'dask scheduler' printed it, such as tcp://10.0.0.5:8786") from e


def _local_cluster(cluster_class, workers: int):
    """A local Dask cluster whose worker processes leave Ctrl-C to this process, which stops them
    itself: in the terminal's process group, each took it too and printed its KeyboardInterrupt's
    and its tasks' tracebacks (some 170 lines after the run's own one). Each worker, and one started
    again after a death, ignores it from its start (``dask_setup``, Dask's preload hook). Their
    logs of the stop are not shown either (tasks cancelled, a heartbeat to the scheduler as it
    closed, with its traceback): the run says what it did itself."""
    return cluster_class(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None,
                         preload=[__name__], silence_logs=logging.CRITICAL)


def dask_setup(worker) -> None:
    """Run by Dask in each worker of a local cluster this process started (``_local_cluster``)."""
    with contextlib.suppress(ValueError):  # (signals are the main thread's to set)
        signal.signal(signal.SIGINT, signal.SIG_IGN)


def _page_event(topic: str, item: tuple[str, int]) -> None:
    """Tell the client a page was read (``ocr_task``'s ``page_read`` on a Dask worker); stop reading
    a file whose task was cancelled (a stopped run): Dask cannot stop a running task, and a worker
    went on reading a 300-page PDF for nobody, long after Ctrl-C."""
    from distributed import get_worker
    from distributed.worker import thread_state

    worker = get_worker()
    worker.log_event(topic, list(item))
    task = worker.state.tasks.get(getattr(thread_state, "key", None))
    if task is not None and task.state == "cancelled":
        raise RuntimeError("the run that asked for this file was stopped")


def _dask_results(tasks: list[tuple[str, str]], options: Options, engine: OcrEngine | None,
                  on_page: Callable[[str, int], None] | None = None) -> Iterator[OcrResult]:
    if not tasks:
        return
    try:
        from distributed import Client, KilledWorker, LocalCluster, as_completed
    except ImportError as e:  # pragma: no cover - dask[distributed] is a dependency
        raise UsageError("--executor dask needs dask.distributed: pip install 'dask[distributed]'") from e
    cluster = None
    if options.scheduler:
        client = _dask_client(Client, options.scheduler)
    else:
        cluster = _local_cluster(LocalCluster, options.workers)
        client = Client(cluster)
    # (Dask logs a lost scheduler with a traceback, on stderr: the run says it itself, once)
    quiet = logging.getLogger("distributed.client")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        tasks = largest_first(tasks)
        # Pages read, from the workers, for progress (a 300-page PDF's bar stood still until its end):
        # only multi-page inputs need it, as in a local run. The topic is this run's alone.
        from .ingest import count_pages

        page_read, pages = None, queue.SimpleQueue()
        if any(count_pages(Path(p)) > 1 for p, _r in tasks):
            topic = f"ocrfix-pages-{os.getpid()}-{time.time_ns()}"
            if on_page is not None:
                client.subscribe_topic(topic, lambda event: pages.put(event[1]))
            page_read = functools.partial(_page_event, topic)

        def pages_done() -> None:
            while on_page is not None and not pages.empty():
                on_page(*pages.get())

        def submit(path: str, rel: str):
            # (absolute: a worker started in another folder read a relative path from there, and failed every file)
            future = client.submit(ocr_task, os.path.abspath(path), rel, options, engine, page_read, pure=False)
            futures.append(future)
            task_of[future.key] = (path, rel)
            return future

        futures: list = []
        task_of: dict[str, tuple[str, str]] = {}
        for path, rel in tasks:
            submit(path, rel)
        left = len(futures)
        address = options.scheduler or "the local cluster"
        # Dask counts a worker's death against every file it held, the one it was reading and those
        # queued beside it, and gives up on each after a few deaths: an ordinary page failed with the
        # one that killed its worker. Files lost so are read again at the end, each alone, and only
        # one that kills its worker then too fails (as a local run's worker that dies).
        suspects: list[tuple[str, str]] = []
        alone: set[str] = set()

        def outcomes() -> Iterator:
            yield from _completed(client, as_completed(list(futures)), len(futures), address, pages_done)
            while suspects:
                future = submit(*suspects.pop(0))
                alone.add(future.key)
                yield from _completed(client, as_completed([future]), 1, address, pages_done)

        expected, expected_parts = reader_identity(), _engine_parts(options, engine)
        try:
            for future in outcomes():
                try:
                    result = future.result()
                except KilledWorker as e:
                    rel = task_of[future.key][1]
                    if future.key not in alone:
                        suspects.append(task_of[future.key])
                        continue
                    result = OcrResult(rel, None, f"{rel}: the worker process died reading it ({type(e).__name__}); "
                                       "out of memory, or a crash in a library", 0.0)
                except Exception as e:  # a lost worker, a task the cluster gave up on
                    if getattr(e, "reason", None) == "scheduler-connection-lost" or client.status != "running":
                        # Every file not yet read would fail with it (each listed as a failed input):
                        # the run stops, the files done kept, the rest left for the next run.
                        raise UsageError(f"lost the connection to the Dask scheduler at {options.scheduler or 'the local cluster'} "
                                         f"with {counted(left, 'file')} not yet read (the files done are kept): start the scheduler "
                                         "and its workers again and run the same command to finish") from e
                    if "deserialization of the task graph" in str(e):
                        # (Dask's scheduler unpickles each task: every file would fail with it, as a bad input)
                        raise UsageError(f"the Dask scheduler at {options.scheduler or 'the local cluster'} cannot read "
                                         "ocrfix's tasks (it has no ocrfix, or another version): start it from an "
                                         "environment with the same ocrfix as this command (its .venv/bin/dask scheduler), "
                                         "then run the same command") from e
                    rel = task_of[future.key][1]
                    result = OcrResult(rel, None, f"{rel}: the Dask task failed ({type(e).__name__}: {e})", 0.0)
                if result.missing:
                    # (checked here before the run, not there: that worker would fail every file it takes, each at once)
                    raise MissingDependencyError(f"on the Dask worker {result.worker or _holder(client, future)}: {result.error}; "
                                                 "start it again once installed there, then run the same command (the "
                                                 "files done are kept)")
                if result.doc is not None and result.reader != expected:
                    # (its read would be cached as this ocrfix's, and its outputs differ from a local run's)
                    raise UsageError(f"the Dask worker {result.worker or _holder(client, future)} runs "
                                     f"{result.reader or 'an older ocrfix'}, this "
                                     f"command {expected}: install the same ocrfix on every worker and start them again, "
                                     "then run the same command (the files done are kept)")
                if result.doc is not None and result.engine_parts and result.engine_parts != expected_parts:
                    # (Tesseract or its language data of another version there: other reads, cached as this machine's)
                    raise UsageError(f"the Dask worker {result.worker} reads with another Tesseract or other language data "
                                     f"than this machine ({_differences(result.engine_parts, expected_parts)}): install "
                                     "the same on every worker and start them again, then run the same command (the "
                                     "files done are kept)")
                left -= 1
                yield result
        finally:
            client.cancel(futures)
    finally:
        client.close()
        if cluster is not None:
            cluster.close()
        quiet.setLevel(level)


# How long a run waits while the Dask scheduler has no worker (none started yet, or every one lost).
NO_WORKERS_TIMEOUT_S = 60.0
# How often the scheduler is asked how many workers it has while no result comes.
_WORKERS_CHECK_S = 2.0


def _completed(client, completed, count: int, address: str, between: Callable[[], None]) -> Iterator:
    """The ``count`` futures of Dask's ``as_completed`` iterator ``completed`` as they complete
    (``between`` called before each, and while none comes); a
    UsageError where the scheduler has had no worker for NO_WORKERS_TIMEOUT_S (the run waited for
    ever, saying nothing, where every worker was gone or none was started)."""
    workerless_since: float | None = None
    checked = time.monotonic()
    while count:
        batch = completed.next_batch(block=False)
        between()
        for future in batch:
            count -= 1
            yield future
            workerless_since = None
        if batch:
            continue
        time.sleep(_WAIT_SLICE)
        now = time.monotonic()
        if now - checked < _WORKERS_CHECK_S or client.status != "running":
            continue  # (a lost scheduler cancels the futures: they come through as failed)
        checked = now
        try:
            workers = client.scheduler_info(n_workers=0).get("n_workers", 1)
        except Exception:  # noqa: BLE001 - (the scheduler going: the futures say so)
            continue
        if workers:
            workerless_since = None
        elif workerless_since is None:
            workerless_since = now
        elif now - workerless_since >= NO_WORKERS_TIMEOUT_S:
            raise UsageError(f"the Dask scheduler at {address} has had no worker for {NO_WORKERS_TIMEOUT_S:.0f} s, with "
                             f"{counted(count, 'file')} not yet read (the files done are kept): start workers with "
                             f"'dask worker {address} --nthreads 1' and run the same command again")


def _differences(there: tuple[tuple[str, str], ...], here: tuple[tuple[str, str], ...]) -> str:
    """"name X there, Y here" for each part that differs."""
    mine = dict(here)
    return "; ".join(f"{name} {value} there, {mine.get(name, '?')} here" for name, value in there if mine.get(name) != value)


def _holder(client, future) -> str:
    """The address of the Dask worker that holds a future's result ("?" where none can be told)."""
    try:
        return ", ".join(client.who_has([future]).get(future.key, ())) or "?"
    except Exception:  # noqa: BLE001 - (only for a message)
        return "?"


def run_batch(
    inputs: list[tuple[Path, Path]],
    out_dir: Path,
    options: Options,
    corrections: Corrections,
    *,
    force: bool = False,
    on_done: Callable[[FileResult], None] | None = None,
    on_plan: Callable[[dict[str, int]], None] | None = None,
    engine: OcrEngine | None = None,
    on_page: Callable[[str, int], None] | None = None,
) -> BatchResult:
    """Process the inputs into ``out_dir``, resuming and reusing cached OCR where it is still valid."""
    from .process import corrector_for  # the corrector's dependencies, only when needed

    started = time.time()
    if options.correct.automatic:
        # A missing or broken dictionary concerns every page: fail before any work.
        corrector_for(options.correct, corrections)
    result = BatchResult()
    # What shapes a read: the options, and the engine with its language data (a new Tesseract or
    # traineddata means new reads). The engine is asked here only; its reads happen in the workers.
    from .engine import engine_for

    reader = engine if engine is not None else engine_for(options.ocr)
    # The keys' parts, once: the engine is asked its version and the dictionaries are hashed (I/O).
    ocr_parts, corr_parts = ocr_key_parts(options, reader), correction_key_parts(options, corrections)
    ocr_key, corr_key = _hash(ocr_parts), _hash(corr_parts)
    keys = CorrectionKeys(corr_key, dependency_key(corr_parts))

    def record(file_result: FileResult) -> None:
        result.results.append(file_result)
        if on_done is not None:
            on_done(file_result)

    with open_workspace(out_dir, exclusive=True) as ws:
        # Under the run's lock no other run writes here: a temporary file older than this run is
        # one an interrupted run (kill -9, a power cut) left, and stays for ever unless removed.
        result.stale_temporaries = remove_stale_temporaries(out_dir, started, skip=WORKSPACE_DIR)
        to_ocr: list[tuple[str, str]] = []
        to_recorrect: list[str] = []
        hashes: dict[str, InputState] = {}
        # Asked to replace edited outputs: the files whose new version waits beside an edited output
        # are written again, though nothing that shapes them changed.
        waiting_beside = ws.with_new_versions() if options.output.overwrite_edited else set()
        for path, rel_path in inputs:
            rel = rel_path.as_posix()
            if not _utf8_name(str(path.absolute())):
                # The outputs, the workspace and corrections.yaml scopes all name files in UTF-8.
                shown = _printable(str(path))
                record(FileResult(_printable(rel), "failed",
                                  error=f"{shown}: the file name is not valid UTF-8; rename the file to process it"))
                continue
            if not _regular_file(path):
                # (a named pipe blocked the run for ever, reading it to hash it)
                record(FileResult(rel, "failed", error=f"{path}: is not a regular file (a named pipe, a socket or a device); "
                                                       "not read"))
                continue
            # (the record as the last run left it: marking the file pending below changes nothing it is asked here)
            rec = ws.record(rel)
            if not force and (other := _another_scans(rec, path)) is not None:
                # (as two inputs of one run that would write the same outputs are refused: ingest)
                raise UsageError(f"{path}: the outputs {rel_path.with_suffix('')}.* in {out_dir} are those of another scan, "
                                 f"{other}; give this one an output folder of its own (or process the folder that holds "
                                 "both, so that their names differ), or --force to replace them")
            # Absolute: review and the PDF writer read the input again, maybe from another folder.
            ws.mark_pending(rel, path.absolute())
            try:
                state = ws.input_hash(rel, path)
            except OSError as e:
                error = str(unreadable(path, e))
                ws.mark_failed(rel, error)
                record(FileResult(rel, "failed", error=error))
                continue
            hashes[rel] = state
            reusable = not force and rec is not None and rec.has_ocr and rec.input_hash == state.digest and rec.ocr_key == ocr_key
            if not reusable:
                to_ocr.append((str(path), rel))
            elif (rec.state == "done" and rec.correction_key == corr_key and rel not in waiting_beside
                  and _outputs_exist(out_dir, rel_path, options, rec.pages)):
                record(FileResult(rel, "skip", pages=rec.pages or 0))
            else:
                to_recorrect.append(rel)
        # Absolute paths: review, status and dictionary show may run from another folder (a relative
        # --dictionaries was looked for there, "no such dictionary folder").
        # --overwrite-edited is this run's alone: review's rewrites must not take it over.
        saved = options.model_copy(update={"correct": options.correct.model_copy(
            update={"corrections_file": options.correct.corrections_file.absolute(),
                    "dictionary_dir": options.correct.dictionary_dir.absolute()}),
            "output": options.output.model_copy(update={"overwrite_edited": False})})
        ws.save_options(saved)
        ws.save_key_parts({**ocr_parts, **corr_parts})
        ws.commit()
        if on_plan is not None:
            on_plan({"ocr": len(to_ocr), "recorrect": len(to_recorrect), "skip": result.count("skip")})

        # The collection model: every file of the folder with cached OCR, grown by each new read.
        # Files corrected before the last read came in are corrected again at the end (below).
        # (the files read again are counted as their new reads come: counted now too, a --force run
        # counted every file twice and corrected differently from a first run)
        collection = ws.collection(leaving_out={rel for _path, rel in to_ocr}) if options.correct.automatic else None
        corrected_with: dict[str, tuple[int, str]] = {}
        # Until this run ends, files may be corrected against part of the collection: a run stopped
        # before its end leaves the folder so marked, and the next corrects its done files again.
        # Marked with the first file it settles (committed with its record) while reads are still
        # to come, which may grow the collection: a run stopped before it settled any (Ctrl-C at
        # its start, a Dask scheduler that does not answer) had the next correct every done file
        # of the folder again. A file confirmed counts: an uninterrupted run corrects it again
        # once the new reads are in.
        unsettled_before = marked = ws.collection_unsettled()

        def corrected(done: FileResult) -> FileResult:
            nonlocal marked
            if collection is not None and done.action != "failed":
                corrected_with[done.rel] = (collection.n_documents, done.text_hash)
                if to_ocr and not marked:
                    ws.mark_collection(False)
                    marked = True
            return done

        try:
            with contextlib.closing(_correct_files(ws, out_dir, to_recorrect, options, corrections, keys, collection)) as redone:
                for done in redone:
                    record(corrected(done))
                    if done.action != "confirm":  # (a confirmation lost to a crash is only checked again)
                        ws.commit()
            results = (_dask_results(to_ocr, options, engine, on_page) if options.executor == "dask"
                       else _local_results(to_ocr, options, engine, on_page))
            with contextlib.closing(results):  # stops the workers at once on Ctrl-C
                for ocr in results:
                    result.peak_worker_rss_mb = max(result.peak_worker_rss_mb, ocr.peak_rss_mb)
                    if ocr.doc is None:
                        ws.mark_failed(ocr.rel, ocr.error or "unknown error")
                        ws.commit()
                        record(FileResult(ocr.rel, "failed", error=ocr.error, seconds=ocr.seconds))
                        continue
                    forms = ws.store_ocr(ocr.rel, hashes[ocr.rel], ocr_key, ocr.tool_version, ocr.doc, ocr.seconds)
                    if collection is not None:
                        collection.add_forms(forms)
                    record(corrected(_finish(ws, out_dir, ocr.rel, ocr.doc, options, corrections, keys, "ocr", ocr.seconds,
                                             collection)))
                    ws.commit()
            if collection is not None:
                _correct_against_whole_collection(ws, out_dir, options, corrections, keys, collection, corrected_with,
                                                  set(hashes) if unsettled_before else set(), result)
            ws.commit()
        except KeyboardInterrupt:
            ws.commit()
            result.interrupted = True
        result.standing_flags = ws.flag_count()
    return result


def _correct_against_whole_collection(ws: Workspace, out_dir: Path, options: Options, corrections: Corrections,
                                      keys: CorrectionKeys, collection: CollectionModel,
                                      corrected_with: dict[str, tuple[int, str]], earlier: set[str], result: BatchResult) -> None:
    """Correct again, against the whole collection model, the done files corrected against less of
    it: this run's files corrected before its last read came in (``corrected_with``: rel -> the
    model's size then and the text's hash) and, of ``earlier`` (this run's inputs, where a run
    before it stopped before its end), the done files this run did not correct. The outputs are then
    those of one uninterrupted run. Only the files whose text changes are written again
    (re-correction is cheap; writing a PDF is not); their figures replace the first correction's in
    ``result``. (A folder to which a later run adds files keeps the corrections its earlier files
    were given: correcting the whole folder again for each new file would rewrite every output.)"""
    stale: dict[str, str | None] = {rel: text_hash for rel, (n_documents, text_hash) in corrected_with.items()
                                    if n_documents < collection.n_documents}
    done_elsewhere = False
    for record in ws.records() if earlier else ():
        if record.state == "done" and record.rel not in corrected_with:
            if record.rel in earlier:
                stale[record.rel] = _output_text_hash(out_dir, record.rel, options)
            else:
                done_elsewhere = True  # (not an input of this run: left for a run that has it)
    position = {r.rel: i for i, r in enumerate(result.results)}
    unless = {rel: text_hash for rel, text_hash in stale.items() if text_hash}
    with contextlib.closing(_correct_files(ws, out_dir, list(stale), options, corrections, keys, collection,
                                           unless=unless)) as redone:
        for again in redone:
            i = position.get(again.rel)
            if i is None:
                position[again.rel] = len(result.results)
                result.results.append(again)
            elif again.action != "skip":  # (skip: its text came out as it was)
                first = result.results[i]
                if again.ok and first.action in ("ocr", "recorrect"):
                    again = dataclasses.replace(again, action=first.action, seconds=first.seconds + again.seconds,
                                                notes=first.notes)
                result.results[i] = again
    ws.mark_collection(not done_elsewhere)


def _output_text_hash(out_dir: Path, rel: str, options: Options) -> str | None:
    """The text hash (``corrected_text_hash``) of a done file's outputs, from its JSON; None where it
    has none to read."""
    if "json" not in options.output.formats:
        return None
    try:
        return corrected_text_hash(Document.model_validate_json(output_paths(out_dir, Path(rel))["json"].read_bytes()))
    except (OSError, ValueError):
        return None


# Below this many files a re-correction runs in this process: starting workers (imports, the
# dictionaries: about a second) costs more than correcting a few files (~70 ms a page).
PARALLEL_MIN_FILES = 16
# Files handed to each worker ahead of the one it is correcting: keeps it busy while the
# coordinator checks and records files, without loading the whole folder's reads at once.
AHEAD_PER_WORKER = 4


@dataclass(frozen=True)
class CorrectionKeys:
    """The correction key of a run, and the same without corrections.yaml (``dependency_key``)."""

    correction: str
    dependency: str

    @classmethod
    def of(cls, parts: dict[str, str]) -> CorrectionKeys:
        """The keys of ``correction_key_parts``."""
        return cls(_hash(parts), dependency_key(parts))


def _correct_files(ws: Workspace, out_dir: Path, rels: list[str], options: Options, corrections: Corrections,
                   keys: CorrectionKeys, collection: CollectionModel | None, unless: dict[str, str] | None = None) -> Iterator[FileResult]:
    """Correct files again from their cached reads and write their outputs, in worker processes
    where there are enough of them (``unless``: rel -> the text hash that need not be written again).
    A done file whose recorded dependencies the new corrections.yaml leaves as they were is
    confirmed (its outputs kept) without being corrected."""
    unless = unless or {}

    def no_cache(rel: str) -> FileResult:
        return FileResult(rel, "failed", error=f"{rel}: no cached OCR in {out_dir}")

    def correct_here(rel: str, raw: Document, earlier: bytes | None) -> FileResult:
        return _finish(ws, out_dir, rel, raw, options, corrections, keys, "recorrect", 0.0, collection,
                       unless_text=unless.get(rel), earlier=earlier)

    from .process import corrector_for

    corrector = corrector_for(options.correct, corrections) if options.correct.automatic else None
    # The corrector for the folder's collection model (None for documents corrected alone).
    folder_view = corrector.with_collection(collection) if corrector is not None and collection is not None else None
    confirmable = _confirmer(ws, out_dir, options, corrections, keys, corrector, folder_view)
    workers = min(options.workers, len(rels))
    if workers < 2 or len(rels) < PARALLEL_MIN_FILES:
        for rel in rels:
            record, earlier = ws.record(rel), ws.dependencies_blob(rel)
            confirmed = confirmable(rel, record, earlier)
            if confirmed is not None:
                yield confirmed
                continue
            raw = ws.raw_ocr(rel)
            yield no_cache(rel) if raw is None else correct_here(rel, raw, earlier)
        return
    # The collection's own words: worked out once here (the confirmations need them too), not once
    # more in each worker.
    own_forms = None
    if folder_view is not None:
        from .correct import collection_own_forms

        own_forms = collection_own_forms(folder_view)
    shared = pickle.dumps((options, corrections, None if collection is None else collection.to_json(),
                           keys.dependency, out_dir, own_forms))
    context = worker_context()
    # The shared state goes to the workers through a queue, a copy for each: the queue's feeder
    # thread writes it while this process goes on checking files. As an initializer argument it
    # would be written by this process, which would wait (half a second a worker) until the new
    # worker, done with its imports, read it.
    handover = context.Queue()
    for _ in range(workers):
        handover.put(shared)
    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context, initializer=start_correction_worker,
                               initargs=(handover,))
    queue_of = iter(rels)
    checked_all = False
    capacity = workers * (1 + AHEAD_PER_WORKER)
    # to correct, not yet handed out: (rel, its cached read, its input, its record of dependencies,
    # what ocrfix last made of its outputs)
    waiting: list[tuple[str, bytes, Path | None, bytes | None, dict[str, tuple[int, str]]]] = []
    pending: dict[Future, str] = {}
    missing: list[FileResult] = []

    def check(rel: str) -> FileResult | None:
        """A file confirmed (or failed) from its record, or None: put in line to be corrected."""
        record, earlier = ws.record(rel), ws.dependencies_blob(rel)
        confirmed = confirmable(rel, record, earlier)
        if confirmed is not None:
            return confirmed
        raw_json = ws.raw_ocr_json(rel)
        if raw_json is None:
            return no_cache(rel)
        # (the input's path: outputs that need its page images, the PDF, read them)
        waiting.append((rel, raw_json, Path(record.path) if record is not None else None, earlier, ws.output_records(rel)))
        return None

    def hand_out() -> None:
        handed = waiting[: capacity - len(pending)]
        if not handed:
            return
        del waiting[: len(handed)]
        # A worker writes the outputs: until it is recorded done, a file has no correction and no
        # record of dependencies, so a stop in between (Ctrl-C, a kill) cannot leave new outputs
        # beside an old record that a later run could confirm. Committed before any is handed out.
        for rel, *_ in handed:
            ws.begin_outputs(rel)
        ws.commit()
        for rel, raw_json, input_path, earlier, recorded in handed:
            try:
                with _signals_held():  # (a submit may start a worker: see _local_results' hand_out)
                    pending[pool.submit(correct_cached, rel, raw_json, input_path, unless.get(rel), earlier, recorded)] = rel
            except BrokenProcessPool:
                # A worker died (out of memory, a crash in a library): the files not yet handed
                # out are corrected here, one by one; those the workers held are reported failed.
                missing.append(correct_here(rel, Document.model_validate_json(raw_json), earlier))

    def collect(future: Future) -> FileResult:
        rel = pending.pop(future)
        try:
            corrected, error, made = future.result()
        except Exception as e:  # a worker that died
            corrected, error, made = None, f"{rel}: the correction worker failed ({type(e).__name__}: {e})", ()
        if corrected is None:
            ws.record_outputs(rel, made)
            ws.mark_failed(rel, error or "unknown error")
            return FileResult(rel, "failed", error=error)
        return _record_corrected(ws, rel, corrected, keys.correction, "recorrect", 0.0)

    try:
        while True:
            for future in [f for f in pending if f.done()]:
                yield collect(future)
            hand_out()
            while missing:
                yield missing.pop()
            # Files are checked while the workers correct (most a new entry cannot touch: they are
            # confirmed from their record), as far ahead as there is room in line.
            if not checked_all and len(waiting) < capacity:
                rel = next(queue_of, None)
                if rel is None:
                    checked_all = True
                elif (result := check(rel)) is not None:
                    yield result
                continue
            if not pending:
                break
            # (what is recorded so far, committed before waiting: another writer of the workspace,
            # a review recording its decisions, waits only for a commit, not for the workers)
            ws.commit()
            _wait_any(list(pending))
    finally:
        _close_pool(pool)
        handover.cancel_join_thread()  # (copies no worker took are dropped)
        handover.close()


# How long a wait for workers holds back Ctrl-C (and how often a run's page count is updated).
_WAIT_SLICE = 0.25


def _wait_any(futures) -> tuple[set[Future], set[Future]]:
    """``wait(futures, return_when=FIRST_COMPLETED)`` for at most _WAIT_SLICE seconds, safe from
    Ctrl-C: ``wait`` takes every future's lock while it sets up, and a KeyboardInterrupt raised
    there leaves them taken, so that the pool's shutdown hangs the process at exit (seen in the
    interrupt test under load; CPython's bpo-20319)."""
    with _signals_held():
        return wait(futures, timeout=_WAIT_SLICE, return_when=FIRST_COMPLETED)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """In the main thread, Ctrl-C and SIGTERM held back for the block and handed to their own
    handlers after it (for calls a KeyboardInterrupt must not cut in two)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    held = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        handler = signal.getsignal(signum)
        if handler not in (signal.SIG_IGN, None):
            held[signum] = signal.signal(signum, lambda number, _frame: caught.append(number))
    try:
        yield
    finally:
        for signum, handler in held.items():
            signal.signal(signum, handler)
        for signum in dict.fromkeys(caught):
            signal.raise_signal(signum)  # now, outside the locks: its handler raises or ends the run


# How long a stop waits for a closed pool's manager thread (it ends once its workers are stopped).
MANAGER_JOIN_S = 1.0


def _close_pool(pool: ProcessPoolExecutor) -> None:
    """Shut a pool down now, its workers (and the Tesseracts they run) stopped, not drained."""
    # The worker processes, taken before shutdown: shutdown forgets them (``_processes = None``),
    # and a worker left alone finishes its page and the queued ones first (Ctrl-C took 10-25 s).
    workers = list((getattr(pool, "_processes", None) or {}).values())
    manager = getattr(pool, "_executor_manager_thread", None)  # (shutdown forgets it too)
    terminate = getattr(pool, "terminate_workers", None)  # Python 3.14+
    if terminate is not None:
        terminate()
    pool.shutdown(wait=False, cancel_futures=True)
    for process in workers:
        _stop_worker(process)
    if manager is not None:
        # Its end, once its workers are gone, before the interpreter's: Python 3.11's exit hook
        # wakes it without its lock while it closes its pipe ("OSError: Bad file descriptor" and a
        # leaked semaphore after a stop, once in some 70 stops under load). At most a second.
        manager.join(timeout=MANAGER_JOIN_S)


def _regular_file(path: Path) -> bool:
    """Whether the input is a regular file (or not there to tell: its reading says why)."""
    try:
        return stat.S_ISREG(path.stat().st_mode)
    except OSError:
        return True


def _another_scans(earlier: FileRecord | None, path: Path) -> Path | None:
    """The other scan whose outputs those of ``path`` would replace: the file they were recorded
    from, where it is another file that is still there, with other content (box after box processed
    into one folder, each with its p.jpg); None where they are this scan's (or a moved copy's)."""
    if earlier is None or not earlier.path or not earlier.input_hash:
        return None
    other = Path(earlier.path)
    try:
        if other == path.absolute() or not other.is_file() or other.samefile(path):
            return None
        return other if file_hash(path) != earlier.input_hash else None
    except OSError:  # (unreadable: reported as the input's own failure)
        return None


def _utf8_name(name: str) -> bool:
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _printable(name: str) -> str:
    return name.encode("utf-8", "surrogateescape").decode("utf-8", "replace")


def done_without_outputs(ws: Workspace, out_dir: Path, options: Options) -> list[str]:
    """The done files whose outputs in ``options``' formats are not all there (deleted by hand): the
    next run writes them again, as it finds them (``_outputs_exist``)."""
    # A listing a folder, names from the key's index, and the records of only the files that lack an
    # output: six paths and a stat an output, with a pass over the table, took `ocrfix status` on
    # 100,000 done files from 0.8 to 3 s. The names' endings are output_paths' own.
    endings = [output_paths(Path(), Path("x"))[fmt].name[1:] for fmt in options.output.formats]
    # PAGE XML, a file a page: how many, the done files' records say (a pass over the table's names
    # and pages; the files' paths and a stat each took status on 100,000 from 0.9 to 2.4 s).
    page = "page" in options.output.formats
    names = ws.done_files() if page else zip(ws.file_names(), itertools.repeat(None))
    listed: dict[str, set[str]] = {}
    lacking = []
    for rel, pages in names:
        folder, _, name = rel.rpartition("/")
        if folder not in listed:
            try:
                listed[folder] = set(os.listdir(out_dir / folder))
            except OSError:
                listed[folder] = set()
        # (Path(name).stem without making a Path: 3.6 µs each, a third of a second for 100,000)
        dot = name.rfind(".")
        stem = name[:dot] if 0 < dot < len(name) - 1 else name
        if any(stem + ending not in listed[folder] for ending in endings) or (page and any(
                page_file(Path(stem + ".page.xml"), i).name not in listed[folder] for i in range(1, pages or 1))):
            lacking.append(rel)
    return lacking if page else [rel for rel, _pages in ws.done_files(lacking)]


def _outputs_exist(out_dir: Path, rel: Path, options: Options, pages: int | None = None) -> bool:
    """Whether the input's outputs in every format are there (PAGE XML: the file of each of its
    ``pages``, where the record says how many)."""
    paths = output_paths(out_dir, rel)
    return all(all(page_file(paths[fmt], i).exists() for i in range(pages or 1)) if fmt == "page" else paths[fmt].exists()
               for fmt in options.output.formats)


def correction_check(ws: Workspace, keys: CorrectionKeys, corrections: Corrections, corrector: Corrector | None,
                     folder_view: Corrector | None) -> Callable[[str, bytes], bool]:
    """Whether correcting a done file again with ``corrections`` would give what its last correction
    gave, from its record of dependencies (as stored): no side effects, so that ``ocrfix corrections
    diff`` asks it too. ``corrector``: the one built from ``corrections`` (None: no automatic
    correction); ``folder_view``: it for the folder's collection model (None: each document is its
    own collection, whose model is counted from its cached read)."""
    folder_base = dependency_base(keys.dependency, folder_view.collection, folder_view) if folder_view is not None else None
    replayed: dict[tuple, list] = {}

    def holds(rel: str, stored: bytes) -> bool:
        deps = Dependencies.from_blob(stored)
        if deps is None:
            return False
        # Word decisions are made again (where their confusions changed) by the corrector this
        # file is corrected with: the folder's collection model, or the document's own.
        view, base = folder_view, folder_base
        if corrector is None:
            base = dependency_base(keys.dependency, None)
        elif view is None:
            raw = ws.raw_ocr(rel)
            if raw is None:
                return False
            view = corrector.with_collection(collection_model(raw.pages))
            base = dependency_base(keys.dependency, None, view)
        return unchanged(deps, corrections, view, base, replayed if folder_view is not None else None)

    return holds


def _confirmer(ws: Workspace, out_dir: Path, options: Options, corrections: Corrections, keys: CorrectionKeys,
               corrector: Corrector | None, folder_view: Corrector | None,
               ) -> Callable[[str, FileRecord | None, bytes | None], FileResult | None]:
    """A check of one done file (its record, and its record of dependencies as stored) against this
    run's corrections.yaml: its FileResult ("confirm", the file's record moved to this run's
    correction key, its outputs kept) where the correction it recorded would come out the same
    (``correction_check``), None where it must be corrected again."""
    holds = correction_check(ws, keys, corrections, corrector, folder_view)
    # (asked to replace edited outputs: a file whose new version waits beside one is written, not kept)
    waiting_beside = ws.with_new_versions() if options.output.overwrite_edited else set()

    def confirm(rel: str, record: FileRecord | None, stored: bytes | None) -> FileResult | None:
        # (a file whose correction never finished has no key: its outputs may be half written)
        if (record is None or record.state != "done" or record.correction_key in (None, keys.correction)
                or rel in waiting_beside
                or stored is None or not _outputs_exist(out_dir, Path(rel), options, record.pages)):
            return None
        if not holds(rel, stored):
            return None
        ws.confirm(rel, keys.correction)
        return FileResult(rel, "confirm", pages=record.pages or 0)

    return confirm


def _finish(ws: Workspace, out_dir: Path, rel: str, raw: Document, options: Options, corrections: Corrections,
            keys: CorrectionKeys, action: str, ocr_seconds: float, collection: CollectionModel | None = None,
            unless_text: str | None = None, earlier: bytes | None = None) -> FileResult:
    """Correct one document here, write its outputs and record it as done (or failed, with the
    reason), with what its correction depended on (``unless_text``, ``earlier``: see
    ``correct_and_write``)."""
    record = ws.record(rel)  # the input's path, for outputs that need its page images (PDF)
    # Until the outputs are written and the file recorded done, it has no correction and no record
    # of dependencies: a stop in between (Ctrl-C, a kill) must not leave new outputs beside an old
    # record that a later run could confirm.
    ws.begin_outputs(rel)
    ws.commit()
    guard = OutputGuard(out_dir, ws.output_records(rel), options.output.overwrite_edited)
    try:
        corrected = correct_and_write(raw, rel, Path(record.path) if record is not None else None, options,
                                       corrections, collection, keys.dependency, out_dir, unless_text, earlier, guard)
    except BaseException as e:
        # What was written before a failure or a stop (Ctrl-C) is ocrfix's: unrecorded, the next
        # run would take it for a file edited by hand.
        ws.record_outputs(rel, guard.written)
        if not isinstance(e, OcrfixError):
            raise
        ws.mark_failed(rel, str(e))
        return FileResult(rel, "failed", error=str(e))
    return _record_corrected(ws, rel, corrected, keys.correction, action, ocr_seconds)


def _record_corrected(ws: Workspace, rel: str, corrected: Corrected, correction_key: str, action: str,
                      ocr_seconds: float) -> FileResult:
    """Record a corrected file as done (its outputs are written, or as they were: "skip")."""
    ws.record_outputs(rel, corrected.outputs)
    ws.mark_done(rel, correction_key, corrected.outcome, corrected.seconds, corrected.dependencies)
    if not corrected.written:
        return FileResult(rel, "skip", pages=corrected.pages, text_hash=corrected.text_hash)
    return FileResult(
        rel,
        action,
        pages=corrected.pages,
        seconds=ocr_seconds + corrected.seconds,
        changes=corrected.outcome.changes,
        flagged=len(corrected.outcome.flags),
        text_hash=corrected.text_hash,
        notes=corrected.notes,
        foreign_pages=corrected.foreign_pages,
        edited=tuple((w.path, w.beside) for w in corrected.outputs if w.beside is not None),
    )


def recorrect_outputs(out_dir: Path, rels: list[str] | None = None, corrections_file: Path | None = None) -> list[FileResult]:
    """Correct files of an output folder again from their cached OCR and rewrite their outputs.

    Uses the options the folder was last processed with (``corrections_file`` may point elsewhere);
    ``rels`` limits it to some inputs (all done ones by default). This is what review calls after
    each decision, and it never runs Tesseract.
    """
    from .corrections import load_corrections

    with open_workspace(out_dir, create=False) as ws:
        options = ws.run_options()
        if corrections_file is not None:
            options = options.model_copy(update={"correct": options.correct.model_copy(update={"corrections_file": corrections_file})})
        corrections = load_corrections(options.correct.corrections_file)
        parts = correction_key_parts(options, corrections)
        keys = CorrectionKeys.of(parts)
        wanted = rels if rels is not None else [r.rel for r in ws.records() if r.has_ocr and r.state == "done"]
        collection = ws.collection() if options.correct.automatic else None
        with contextlib.closing(_correct_files(ws, out_dir, wanted, options, corrections, keys, collection)) as redone:
            results = list(redone)
        ws.commit()
    return results
