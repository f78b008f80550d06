"""Render a ground-truth text as a typewritten page with scan damage (how images/*.png were made).

Usage: python scripts/render_sample.py TEXT.gt.txt OUT.jpg --dpi 300 --skew 0.8 --fade 0.3 --noise 6 --seed 1

Typewriter look: Nimbus Mono PS (Debian fonts-urw-base35, a Courier clone; AGPL with font
exception) at 12 pt, 10 characters an inch, each character struck with its own ink density and a
pixel of jitter, on paper with uneven tone; then blur, skew, noise, saved as JPEG.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

FONT = "/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf"


def render(text: str, dpi: int, skew: float, fade: float, noise: float, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    scale = dpi / 300
    width, height = int(2480 * scale), int(3508 * scale)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(FONT, int(50 * scale))
    pitch, leading = 30 * scale, 50 * scale  # 10 cpi, single spacing (6 lines an inch)
    x0, y = 300 * scale, 300 * scale
    for line in text.splitlines():
        for i, ch in enumerate(line):
            if ch == " ":
                continue
            ink = int(np.clip(rng.normal(40 + 120 * fade, 25), 0, 200))
            jitter = rng.normal(0, 0.8 * scale, 2)
            draw.text((x0 + i * pitch + jitter[0], y + jitter[1]), ch, font=font, fill=ink)
        y += leading
    img = np.asarray(page, dtype=np.float32)
    img = cv2.GaussianBlur(img, (0, 0), 0.7 * scale)
    # Paper: a slow tone gradient and fibre noise.
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    tone = 232 + 12 * np.sin(xx / width * 2.5 + 0.7) * np.cos(yy / height * 1.7)
    img = img / 255.0 * tone + rng.normal(0, noise, img.shape)
    img = np.clip(img, 0, 255).astype(np.uint8)
    m = cv2.getRotationMatrix2D((width / 2, height / 2), skew, 1.0)
    img = cv2.warpAffine(img, m, (width, height), flags=cv2.INTER_CUBIC, borderValue=int(tone.mean()))
    return img


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("text", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--dpi", type=int, default=300)
    parser.add_argument("--skew", type=float, default=0.0)
    parser.add_argument("--fade", type=float, default=0.0)
    parser.add_argument("--noise", type=float, default=4.0)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    img = render(args.text.read_text(encoding="utf-8"), args.dpi, args.skew, args.fade, args.noise, args.seed)
    # JPEG, as most archive scans are; quality 80 keeps a page well under a megabyte.
    Image.fromarray(img).save(args.out, dpi=(args.dpi, args.dpi), quality=80)


if __name__ == "__main__":
    main()
