"""`ocrfix status` on a large output folder: a workspace of N done pages (default 100,000), each
with its cached read (~3 KB compressed) and 10 flagged words, made by copying one file's rows
(read by a fake engine) in SQLite; then `ocrfix status` is timed, best and median of 3.

    .venv/bin/python bench/bench_status.py [--pages 100000]

Writes bench/results/bench_status.md.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import cv2

from devset import ROOT, publish

sys.path.insert(0, str(ROOT / "tests"))
from conftest import FakeEngine, text_page  # noqa: E402

from pipeline.batch import run_batch  # noqa: E402
from pipeline.corrections import Corrections  # noqa: E402
from pipeline.options import Options  # noqa: E402

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")
FLAGS_PER_PAGE = 10


def build(root: Path, pages: int) -> Path:
    scans = root / "scans"
    scans.mkdir()
    cv2.imwrite(str(scans / "a.png"), text_page("Telegram"))
    words = [("the", 95.0), ("goverment", 60.0), ("recieved", 50.0), ("note", 95.0)] * 90
    read = [words[i : i + 10] for i in range(0, len(words), 10)]
    run_batch([(scans / "a.png", Path("a.png"))], root / "out", Options(workers=1), Corrections(), engine=FakeEngine([read]))
    db = sqlite3.connect(root / "out" / ".ocrfix" / "workspace.sqlite")
    cols = [r[1] for r in db.execute("PRAGMA table_info(files)")]
    numbers = f"WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < {pages - 1}) "
    db.execute(numbers + f"INSERT INTO files ({','.join(cols)}) SELECT 'p' || n.i || '.png', {','.join(cols[1:])} "
               "FROM files, n WHERE files.rel = 'a.png'")
    db.execute(f"DELETE FROM flags WHERE rowid NOT IN (SELECT rowid FROM flags LIMIT {FLAGS_PER_PAGE})")
    db.execute(numbers + "INSERT INTO flags SELECT 'p' || n.i || '.png', page, line, word, text, confidence, suggestions "
               "FROM flags, n WHERE flags.rel = 'a.png'")
    db.execute(numbers + "INSERT INTO forms SELECT 'p' || n.i || '.png', forms FROM forms, n WHERE forms.rel = 'a.png'")
    db.commit()
    db.close()
    return root / "out"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=100_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ocrfix-status-") as tmp:
        out = build(Path(tmp), args.pages)
        size_mb = (out / ".ocrfix" / "workspace.sqlite").stat().st_size / 1e6
        times = []
        for _ in range(3):
            started = time.perf_counter()
            shown = subprocess.run([OCRFIX, "status", str(out)], capture_output=True, text=True)
            times.append(time.perf_counter() - started)
            if shown.returncode != 0:
                raise SystemExit(shown.stderr)
    lines = [
        f"`ocrfix status` on a folder of {args.pages:,} done pages (workspace {size_mb:.0f} MB, "
        f"{FLAGS_PER_PAGE} flagged words a page), the whole command with Python's start-up:",
        "",
        f"best {min(times):.2f} s, median {statistics.median(times):.2f} s (runs: {', '.join(f'{t:.2f}' for t in times)})",
        "",
        f"Command: `.venv/bin/python bench/bench_status.py --pages {args.pages}`",
    ]
    publish("\n".join(lines), "bench_status.md")


if __name__ == "__main__":
    main()
