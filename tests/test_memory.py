"""The memory a worker reports: its Tesseract's own peak, not the worker's inherited through fork."""

import subprocess
import sys

import pytest

from pipeline.memory import ChildPeak, cyclic_gc_paused, long_lived, own_peak_mb

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc is Linux's")

CHILD_MB = 200


def test_child_peak_is_the_childs_own_high_water_mark(tmp_path):
    # The child holds CHILD_MB for half a second. Its own high-water mark is CHILD_MB plus an
    # interpreter (~10-20 MB); the kernel's children figure would also carry this test process's.
    ballast = bytearray(300 * 2**20)  # make this process larger than the child: double counting shows
    ballast[::4096] = b"x" * len(ballast[::4096])
    program = f"x = bytearray({CHILD_MB} * 2**20); x[::4096] = b'y' * len(x[::4096]); import time; time.sleep(0.5)"
    # Another program, as Tesseract is (a child that still runs this program's name is taken for
    # one between fork and exec, whose /proc shows this process's memory).
    child = tmp_path / "memory-child"
    child.symlink_to(sys.executable)
    with ChildPeak() as peak:
        subprocess.run([str(child), "-c", program], check=True)
    assert own_peak_mb() > 300
    assert CHILD_MB <= peak.mb < CHILD_MB + 60
    del ballast


def test_no_children_no_peak():
    with ChildPeak() as peak:
        pass
    assert peak.mb == 0


def test_own_peak_is_this_programs_not_the_parents_that_started_it():
    # A large parent (a bench, a notebook, a scheduler) starts ocrfix: the kernel's ru_maxrss of
    # the new program carries the parent's high-water mark across fork and exec (1.8 GB reported
    # for a worker that never held 400 MB); the program's own mark does not.
    ballast = bytearray(400 * 2**20)
    ballast[::4096] = b"x" * len(ballast[::4096])
    program = "from pipeline.memory import own_peak_mb; print(own_peak_mb())"
    reported = float(subprocess.run([sys.executable, "-c", program], check=True, capture_output=True, text=True).stdout)
    assert 5 < reported < 150
    del ballast


def test_long_lived_objects_are_kept_out_of_the_collector_and_it_comes_back_on():
    import gc

    assert gc.isenabled()
    frozen_before = gc.get_freeze_count()
    with long_lived():
        assert not gc.isenabled()  # (paused while they are made)
        made = [[i] for i in range(10_000)]
    assert gc.isenabled()
    assert gc.get_freeze_count() >= frozen_before + len(made)
    young = {id(o) for generation in range(3) for o in gc.get_objects(generation)}
    assert not any(id(o) in young for o in made)  # no collection will go over them again
    with cyclic_gc_paused():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_long_lived_block_that_fails_freezes_nothing():
    """What a failed block made is garbage, some of it in cycles with the error's traceback: frozen,
    it would never be collected (a long-lived caller, or a test session, would grow)."""
    import gc

    frozen_before = gc.get_freeze_count()
    try:
        with long_lived():
            made = [[i] for i in range(10_000)]
            raise ValueError("unreadable file")
    except ValueError:
        pass
    assert gc.isenabled()
    assert gc.get_freeze_count() < frozen_before + len(made)
