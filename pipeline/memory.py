"""How much memory a worker needs: its own peak plus the peak of the largest engine process it ran.

The kernel's figure for children (``getrusage(RUSAGE_CHILDREN).ru_maxrss``) cannot give the second
part: a child started with vfork or fork inherits the parent's high-water mark before it execs
Tesseract, so the figure is at least the worker's own peak and the sum counts the worker twice
(on a 10-megapixel scan: 235 MB Python + "235 MB" Tesseract, when Tesseract alone peaks at 155 MB).
So while a worker reads, a thread looks at its children's own high-water mark (``VmHWM`` in
/proc, which belongs to the program they exec) and keeps the largest.
"""

from __future__ import annotations

import gc
import os
import resource
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["ChildPeak", "own_peak_mb", "cyclic_gc_paused", "long_lived"]

# How often the children are looked at. A Tesseract read lasts 0.3 s or more and its high-water
# mark only grows, so a look every 50 ms misses at most the growth of its last 50 ms.
POLL_SECONDS = 0.05

_PROC = Path("/proc")


def own_peak_mb() -> float:
    """This program's peak resident memory, in MB: its own high-water mark (``VmHWM``). The
    kernel's ru_maxrss would do only where /proc is missing: it carries the high-water mark of
    the parent that started this program across fork and exec (a bench or scheduler holding
    1.5 GB made a worker of 360 MB report 1.8 GB). ru_maxrss is in KiB on Linux."""
    try:
        return int(_status("self")["VmHWM"].split()[0]) / 1024
    except (KeyError, ValueError, IndexError):
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _children(pid: int) -> list[int]:
    kids: list[int] = []
    try:
        for task in (_PROC / str(pid) / "task").iterdir():
            kids.extend(int(k) for k in (task / "children").read_text().split())
    except OSError:  # no /proc (not Linux), or the task ended while we looked
        pass
    return kids


def _status(pid: int | str) -> dict[str, str]:
    try:
        text = (_PROC / str(pid) / "status").read_text()
    except OSError:
        return {}
    return dict(line.split(":", 1) for line in text.splitlines() if ":" in line)


def _high_water_kb(pid: int, own_name: str) -> int:
    """A child's high-water mark; 0 while it has not exec'd yet: a child between vfork and exec
    shares this process's memory, and /proc shows this process's high-water mark for it."""
    status = _status(pid)
    if status.get("Name", "").strip() == own_name:
        return 0
    try:
        return int(status.get("VmHWM", "0 kB").split()[0])
    except (ValueError, IndexError):
        return 0


class ChildPeak:
    """A context in which the largest high-water mark of this process's children is kept
    (``mb``; 0 where /proc cannot tell, e.g. on macOS)."""

    def __init__(self, pid: int | None = None, poll_seconds: float = POLL_SECONDS) -> None:
        self._pid = pid if pid is not None else os.getpid()
        self._poll = poll_seconds
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._peak_kb = 0
        self._name = _status(self._pid).get("Name", "").strip()

    @property
    def mb(self) -> float:
        return self._peak_kb / 1024

    def look(self) -> None:
        for kid in _children(self._pid):
            self._peak_kb = max(self._peak_kb, _high_water_kb(kid, self._name))

    def _watch(self) -> None:
        while not self._stop.wait(self._poll):
            self.look()

    def __enter__(self) -> ChildPeak:
        self._thread = threading.Thread(target=self._watch, name="ocrfix-child-memory", daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()


@contextmanager
def long_lived() -> Iterator[None]:
    """Make objects that will live about as long as the process (the dictionaries, the review's
    whole queue) with the cycle collector paused, then move everything alive out of its sight
    (``gc.freeze``): they hold no cycles, yet every full collection would go over all of them
    again (1.4 million objects of the dictionaries: 0.4 s a collection; the queue of 10,000
    pages: 0.3 s when the collector came back on). Frozen objects are still freed when nothing
    refers to them; only garbage in cycles among them would stay, so this is for a few big
    structures made once, not for every page."""
    with cyclic_gc_paused():
        yield
        # (Not where the block failed: what it made is garbage then, some of it in cycles with the
        # error's traceback, and frozen it would never be collected.)
        gc.freeze()


@contextmanager
def cyclic_gc_paused() -> Iterator[None]:
    """Pause Python's cycle collector while a block makes many objects that hold no cycles (they are
    freed by their reference counts all the same): the collector would go over the growing heap
    again and again. Reading the review queue of 10,000 pages (180,000 occurrences) took 2.0 s with
    it and 0.95 s without. (Where another thread paused it first, that thread turns it back on.)"""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
