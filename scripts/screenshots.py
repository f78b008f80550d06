"""The README's screenshots of review, taken on the sample scans in images/ as a user sees them.

    .venv/bin/python scripts/screenshots.py [--out-dir DIR]

Runs ``ocrfix process images/`` (real Tesseract, the shipped dictionaries) into a temporary folder,
serves its review app on 127.0.0.1 and drives Debian's Chromium with Playwright: docs/review.png is
the words queue (its first group with suggestions), docs/page-view.png the page view of a real 1939 despatch with a
line being edited.
"""

from __future__ import annotations

import argparse
import contextlib
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
TOKEN = "screenshot-token-0123456789abcdef"
PAGE = "EHRI-DR-19390519-US_04.jpg"


@contextlib.contextmanager
def serving(app):
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out-dir", type=Path, default=ROOT / "docs")
    args = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    from playwright.sync_api import sync_playwright

    from pipeline.review.server import create_app

    with tempfile.TemporaryDirectory() as tmp:
        out, corrections = Path(tmp) / "out", Path(tmp) / "corrections.yaml"
        subprocess.run([str(ROOT / ".venv" / "bin" / "ocrfix"), "process", str(ROOT / "images"), "-o", str(out),
                        "--corrections", str(corrections)], check=True, stdout=subprocess.DEVNULL)
        app = create_app(out, corrections, TOKEN, reviewer="Archivist")
        with serving(app) as base, sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
            page.goto(f"{base}/?token={TOKEN}")
            # The first group with suggestions to pick from (the queue may open with a speck read as a word).
            groups = page.request.get(f"{base}/api/queue").json()["groups"]
            shown = next((g for g in groups if g["suggestions"]), groups[0])
            page.goto(f"{base}/?group={shown['id']}")
            page.wait_for_function("() => Array.from(document.images).every(i => i.complete)")
            page.screenshot(path=str(args.out_dir / "review.png"))
            page.goto(f"{base}/page?document={PAGE}&page=1")
            page.wait_for_function("() => document.getElementById('scan').complete")
            line = page.locator(".line-input").nth(6)
            line.focus()
            line.press("End")
            page.wait_for_timeout(300)
            page.screenshot(path=str(args.out_dir / "page-view.png"))
            browser.close()
    print(f"wrote {args.out_dir / 'review.png'} and {args.out_dir / 'page-view.png'}")


if __name__ == "__main__":
    main()
