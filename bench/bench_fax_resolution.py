"""Fax images at the resolution fax machines send: 204 x 98 dpi ("standard") and 204 x 196 ("fine").

    .venv/bin/python bench/bench_fax_resolution.py [--damage mild,moderate,ehri] [--workers 2]

The dev set holds no fax image at its own resolution (its "fax" pages are rendered at 300 x 300
dpi), so they are made here from the synthetic scans (300 dpi A4, ../shared/dev/synthetic) and the
real 1939 despatches (../shared/dev/ehri, those whose ground truth is the whole page): each
page resampled to the fax's two resolutions, made black and white at the grey level 150, and saved
as a CCITT G3 TIFF that states them, as a fax archive holds it. A standard-mode page has pixels
twice as tall as wide: its type is squashed to half its height unless it is stretched back.

Raw Tesseract (one thread, ``-l eng``, the file) and ``ocrfix process --workers N`` (an empty
corrections.yaml) read them; both are scored against the page's ground truth (EVALUATION.md), per
page, with the pages worse than raw named. The pages made from ``mild`` scans were looked at while
the stretched read was made the reference for such pages, and two of the sample scans made so
(images/, EHRI-DR-19390404-US_03 and -19390519-US_04) while their lines were put in order (session
18): the mild ones are development data; ehri's and moderate's were not looked at.
Writes bench/results/bench_fax_resolution.md.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from PIL import Image

from devset import DEV, ROOT, publish

from pipeline.evaluate import score_page, total  # noqa: E402  (devset put ROOT on sys.path)

OCRFIX = str(ROOT / ".venv" / "bin" / "ocrfix")
# (name, horizontal dpi, vertical dpi) of ITU-T T.4's two common resolutions
MODES = [("standard", 204, 98), ("fine", 204, 196)]
# Fax machines send black and white: a scan's grey above this is paper.
PAPER_ABOVE = 150


def fax_image(scan: Path, xdpi: int, ydpi: int, out: Path) -> None:
    with Image.open(scan) as img:
        grey = img.convert("L")
        dpi = float(img.info.get("dpi", (300, 300))[0]) or 300.0
        size = (round(grey.width * xdpi / dpi), round(grey.height * ydpi / dpi))
        page = grey.resize(size, Image.Resampling.LANCZOS).point(lambda v: 255 if v > PAPER_ABOVE else 0).convert("1")
        page.save(out, compression="group3", dpi=(xdpi, ydpi))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--damage", default="mild,moderate,ehri",
                        help="synthetic damage kinds to make faxes of, and ehri for the real 1939 despatches")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    kinds = [k for k in args.damage.split(",") if k]
    scans = sorted(p for k in kinds if k != "ehri" for p in (DEV / "synthetic").glob(f"*.{k}.*")
                   if p.suffix.lower() in (".jpg", ".png"))
    if "ehri" in kinds:  # the 1939 despatches, but those whose ground truth covers part of the page
        scans += sorted(p for p in (DEV / "ehri").glob("*.jpg") if not p.stem.endswith("_01"))
    if not scans:
        raise SystemExit(f"no synthetic scans of {kinds} under {DEV / 'synthetic'}")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    lines = [f"Fax images made from the synthetic {', '.join(kinds)} scans, CCITT G3 TIFF at the fax's resolution; "
             f"raw Tesseract against `ocrfix process --workers {args.workers}`.", "",
             "| mode | dpi | pages | raw Tesseract CER | ocrfix CER | ratio | pages worse than raw |",
             "|---|---|---:|---:|---:|---:|---|"]
    with tempfile.TemporaryDirectory(prefix="ocrfix-fax-") as tmp:
        for mode, xdpi, ydpi in MODES:
            folder = Path(tmp) / mode
            folder.mkdir()
            pages = []
            for scan in scans:
                image = folder / f"{scan.stem}.tif"
                fax_image(scan, xdpi, ydpi, image)
                pages.append((image, scan.with_name(scan.stem + ".gt.txt").read_text(encoding="utf-8")))

            def raw_read(image: Path) -> str:
                return subprocess.run(["tesseract", str(image), "stdout", "-l", "eng"], capture_output=True,
                                      env=env, check=True).stdout.decode("utf-8", "replace")

            with ThreadPoolExecutor(args.workers) as pool:
                raw = list(pool.map(raw_read, [image for image, _gt in pages]))
            out = Path(tmp) / f"out-{mode}"
            run = subprocess.run([OCRFIX, "process", str(folder), "-o", str(out), "--workers", str(args.workers),
                                  "--format", "txt", "--corrections", str(Path(tmp) / "none.yaml")],
                                 capture_output=True, text=True)
            if run.returncode != 0:
                raise SystemExit(f"ocrfix process failed ({run.returncode}):\n{run.stderr[-2000:]}")
            raw_scores, new_scores, worse = [], [], []
            for (image, gt), raw_text in zip(pages, raw):
                r = score_page(raw_text, gt)
                n = score_page((out / f"{image.stem}.txt").read_text(encoding="utf-8"), gt)
                raw_scores.append(r)
                new_scores.append(n)
                if n.char_errors > r.char_errors:
                    worse.append(f"{image.stem} {100 * r.cer:.2f} → {100 * n.cer:.2f} %")
            r, n = total(raw_scores), total(new_scores)
            lines.append(f"| {mode} | {xdpi}×{ydpi} | {len(pages)} | {100 * r.cer:.2f} % | {100 * n.cer:.2f} % | "
                         f"×{n.cer / r.cer:.3f} | {len(worse)}{': ' + '; '.join(worse) if worse else ''} |")
    lines += ["", "Pages worse: more character errors than raw Tesseract's read of the same file.",
              f"Command: `.venv/bin/python bench/bench_fax_resolution.py --damage {args.damage} --workers {args.workers}`"]
    publish("\n".join(lines), "bench_fax_resolution.md")


if __name__ == "__main__":
    main()
