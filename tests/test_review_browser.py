"""The review app in a real browser (Debian's Chromium driven by Playwright) against the real
uvicorn server: a crop loads, a suggestion is accepted with the keyboard, corrections.yaml gains
the entry and the output text changes; undo restores both.

With OCRFIX_SCREENSHOT=1 it also saves the review page to docs/review.png (for the README).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from pathlib import Path

import pytest

from test_review import FLAGS, SAMPLE, SERIES, SERIES_FLAGS, SPECKS, build_sample, hold_regenerations, use_fake_corrector  # the same samples and fake corrector

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ROOT = Path(__file__).resolve().parent.parent
TOKEN = "browser-token-abcdefghijklmnop"


@contextlib.contextmanager
def _serving(app):
    """The app on 127.0.0.1 at a free port, served by uvicorn in a thread (so the fake corrector applies)."""
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(16)
    port = sock.getsockname()[1]
    srv = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False))
    thread = threading.Thread(target=srv.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not srv.started and time.monotonic() < deadline:
        time.sleep(0.05)
    assert srv.started, "uvicorn did not start"
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        srv.should_exit = True
        thread.join(timeout=10)
        sock.close()


@pytest.fixture
def server(tmp_path, monkeypatch):
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    out, corrections = build_sample(tmp_path)
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        yield base, out, corrections, app.state.session


@pytest.fixture
def page():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install chromium (scripts/install-system-deps.sh --test does)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1100, "height": 760})
            yield context.new_page()
        finally:
            browser.close()


def _entries(path: Path):
    from pipeline.corrections import load_corrections

    return load_corrections(path).entries


def _wait(condition, timeout: float = 10.0):
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


def test_review_in_the_browser(server, page):
    base, out, corrections, session = server
    before = (out / "a.txt").read_text()
    page.goto(f"{base}/?token={TOKEN}")
    # The token went into a cookie and out of the address bar.
    assert page.url == f"{base}/"
    assert page.locator("#form").inner_text() == "chvisage"
    assert page.locator(".count").inner_text() == "×3"
    # The first crop loads and is a real image.
    crop = page.locator("img.crop").first
    crop.wait_for()
    page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=crop.element_handle(), timeout=10000)
    assert page.locator(".suggestion").first.inner_text().endswith("envisage")
    assert "3 left" in page.locator("#progress-text").inner_text()

    if os.environ.get("OCRFIX_SCREENSHOT") == "1":
        (ROOT / "docs").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "docs" / "review.png"), full_page=True)

    # Key 1: accept the first suggestion for all occurrences.
    page.keyboard.press("1")
    page.wait_for_function("() => document.querySelector('#form') && document.querySelector('#form').textContent !== 'chvisage'")
    [entry] = _entries(corrections)
    assert (entry.ocr, entry.replacement, entry.scope.kind, entry.approved_by) == ("chvisage", "envisage", "everywhere", "Browser Test")
    session.wait()  # (outputs are regenerated in the background)
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"
    assert "1 decided" in page.locator("#progress-text").inner_text()
    assert "chvisage" in page.locator("#status").inner_text()  # "Last: ..." names the decision

    # Key u: undo restores the file and the outputs, and the group comes back.
    page.keyboard.press("u")
    page.wait_for_function("() => document.querySelector('#form').textContent === 'chvisage'")
    assert _entries(corrections) == ()
    assert (out / "a.txt").read_text() == before

    # a + arrow + e: a typed correction for the selected occurrence only.
    page.keyboard.press("a")
    assert "selected occurrence only" in page.locator("#scope-label").inner_text()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("e")
    page.locator("#edit-input").fill("envisage")
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelector('.count').textContent === '×2'")
    [entry] = _entries(corrections)
    assert entry.scope.kind == "word" and entry.scope.documents == ("sub/b.png",)
    session.wait()
    assert "They envisage it" in (out / "sub" / "b.txt").read_text()
    assert "We chvisage no" in (out / "a.txt").read_text()


# The sample with "Sulverb" read twice more, confidently: the queue shows one of its three.
REACH_SAMPLE = {**SAMPLE, "a.png": SAMPLE["a.png"] + [[("Sulverb", 92), ("again", 95)]],
                "sub/b.png": SAMPLE["sub/b.png"] + [[("Sulverb", 90), ("here", 96)]]}


def test_a_decision_that_reaches_unseen_words_asks_first(tmp_path, monkeypatch, page):
    """Count and preview before a decision reaches words the queue did not show: cancelled (nothing
    saved), confirmed for all (every occurrence changes), and only the ones shown (one word entry)."""
    from pipeline.review.queue import group_id
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    out, corrections = build_sample(tmp_path, REACH_SAMPLE)
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        page.goto(f"{base}/?group={group_id('Sulverb')}")
        assert page.locator("#form").inner_text() == "Sulverb" and page.locator(".count").inner_text() == "×1"

        def ask() -> None:
            page.keyboard.press("e")
            page.locator("#edit-input").fill("Silverb")
            page.keyboard.press("Enter")
            page.locator("#reach").wait_for(state="visible")

        # An empty correction is refused at once, not after asking how far it reaches.
        page.keyboard.press("e")
        page.locator("#edit-input").fill("  ")
        page.keyboard.press("Enter")
        assert "type the correction" in page.locator("#status").inner_text()
        assert page.locator("#reach").is_hidden() and _entries(corrections) == ()
        page.keyboard.press("Escape")

        # While the reach is counted (held here), the page says so and Esc cancels: the question
        # came up afterwards all the same, and keys pressed meanwhile were taken as decisions.
        held = []
        page.route("**/api/reach*", lambda route: held.append(route))
        page.keyboard.press("e")
        page.locator("#edit-input").fill("Silverb")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Counting')")
        page.keyboard.press("Escape")
        assert page.locator("#status").inner_text() == "Cancelled: nothing saved."
        assert held, "the reach was not asked"
        for route in held:
            route.continue_()
        page.unroute("**/api/reach*")
        page.wait_for_timeout(300)
        assert page.locator("#reach").is_hidden() and _entries(corrections) == ()

        ask()
        title = page.locator("#reach-title").inner_text()
        assert "reaches 3 words in 2 documents" in title and "the queue showed 1" in title
        # the unseen lines first
        assert page.locator("#reach-lines li").all_inner_texts()[:2] == [
            "a.png · page 1 · line 3: Sulverb again", "sub/b.png · page 1 · line 3: Sulverb here"]
        assert "all 3 words" in page.locator("#reach-default").inner_text()
        page.keyboard.press("Escape")
        page.locator("#reach").wait_for(state="hidden")
        assert "nothing saved" in page.locator("#status").inner_text()
        assert _entries(corrections) == ()

        ask()
        with page.expect_navigation():
            page.keyboard.press("Enter")  # the default: all of them
        [entry] = _entries(corrections)
        assert (entry.ocr, entry.replacement, entry.scope.kind) == ("Sulverb", "Silverb", "everywhere")
        app.state.session.wait()
        assert (out / "a.txt").read_text().count("Silverb") == 2 and "Silverb here" in (out / "sub" / "b.txt").read_text()

        with page.expect_navigation():  # (the page reloads after the undo: wait for it before going on)
            page.keyboard.press("u")
        assert _entries(corrections) == ()
        page.goto(f"{base}/?group={group_id('Sulverb')}")
        ask()
        with page.expect_navigation():
            page.keyboard.press("o")  # only the one shown
        [entry] = _entries(corrections)
        assert entry.scope.kind == "word" and entry.scope.documents == ("a.png",)
        app.state.session.wait()
        text = (out / "a.txt").read_text()
        assert "The Silverb telegram" in text and "Sulverb again" in text
        assert "Sulverb here" in (out / "sub" / "b.txt").read_text()


def test_undo_after_a_restart_of_the_review(tmp_path, monkeypatch, page):
    """A decision made in one review session is undone in the next (the workspace keeps it)."""
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    out, corrections = build_sample(tmp_path)
    before = (out / "a.txt").read_text()
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        with page.expect_navigation():
            page.keyboard.press("1")
        [entry] = _entries(corrections)
        app.state.session.wait()
        assert entry.replacement == "envisage" and "envisage" in (out / "a.txt").read_text()

    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        assert "1 decided" in page.locator("#progress-text").inner_text()
        assert "'chvisage' -> 'envisage'" in page.locator("#status").inner_text()
        with page.expect_navigation():
            page.keyboard.press("u")
        assert _entries(corrections) == ()
        assert (out / "a.txt").read_text() == before
        assert page.locator("#form").inner_text() == "chvisage"
        assert "0 decided" in page.locator("#progress-text").inner_text()


def test_a_series_decision_with_one_member_excluded(tmp_path, monkeypatch, page):
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    for form, suggestions in SERIES_FLAGS.items():
        monkeypatch.setitem(FLAGS, form, suggestions)
    out, corrections = build_sample(tmp_path, SERIES)
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        assert page.locator(".member").all_inner_texts() == ["Linistry", "lninistry", "luinistry"]
        assert page.locator(".count").inner_text() == "×3"
        # Select the third occurrence (luinistry) and leave its variant out; then a click takes
        # Linistry out and back in. The one selected is shown (x acts on it) though the scope is all.
        page.keyboard.press("ArrowDown")
        page.keyboard.press("ArrowDown")
        borders = page.locator(".occurrence").evaluate_all("els => els.map(e => getComputedStyle(e).borderTopColor)")
        assert borders[2] != borders[0] and borders[0] == borders[1]
        page.keyboard.press("x")
        page.locator(".member", has_text="Linistry").click()
        page.locator(".member", has_text="Linistry").click()
        assert page.locator(".member.excluded").all_inner_texts() == ["luinistry"]
        with page.expect_navigation():
            page.keyboard.press("1")
        assert sorted((e.ocr, e.replacement) for e in _entries(corrections)) == [("Linistry", "Ministry"), ("lninistry", "ministry")]
        app.state.session.wait()
        assert (out / "c.txt").read_text() == "The Ministry of Defence\nthe ministry said\na luinistry note\n"
        # The excluded variant is next, on its own.
        assert page.locator("#form").inner_text() == "luinistry" and page.locator(".member").count() == 0


def test_d_deletes_a_speck_where_the_queue_shows_it(tmp_path, monkeypatch, page):
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    monkeypatch.setitem(FLAGS, "-", [])
    out, corrections = build_sample(tmp_path, SPECKS)
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        assert page.locator("#form").inner_text() == "-" and page.locator(".count").inner_text() == "×2"
        with page.expect_navigation():
            page.keyboard.press("d")
        assert [(e.ocr, e.replacement, e.scope.kind) for e in _entries(corrections)] == [("-_", "", "word")] * 2
        app.state.session.wait()
        assert (out / "c.txt").read_text() == "the report\na note\n"
        assert "'-_' deleted" in page.locator("#status").inner_text()


def test_proofreading_a_whole_page(server, page):
    """The page view: the line being edited is outlined on the scan; a retyped word, an inserted
    word and a page marked proofread, with corrections.yaml and the .txt checked after each; undo."""
    base, out, corrections, session = server
    page.goto(f"{base}/?token={TOKEN}")
    with page.expect_navigation():
        page.locator(".page-link").first.click()  # "proofread the page" of the first occurrence
    assert page.locator("h2 .document").inner_text() == "a.png"
    assert page.locator("#page-status").inner_text() == "not started"
    scan = page.locator("#scan")
    page.wait_for_function("img => img.complete && img.naturalWidth > 300", arg=scan.element_handle(), timeout=10000)
    first, second = page.locator(".line-input").nth(0), page.locator(".line-input").nth(1)
    assert first.input_value() == "We chvisage no difficulty."
    # The focused line is outlined on the scan, over the line's ink (scaled to the image shown).
    first.focus()
    box = page.locator("#line-box")
    box.wait_for(state="visible")
    outline, image = box.bounding_box(), scan.bounding_box()
    line_top = session.page_view("a.png", 0).raw[0].bbox[1] * image["width"] / session.page_view("a.png", 0).width
    assert abs(outline["y"] - image["y"] - line_top) < 6 and outline["width"] > image["width"] / 2

    # Retype a word and save with Enter: one entry for that word's place, the text follows.
    first.fill("We envisage no difficulty.")
    first.press("Enter")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Saved')")
    [entry] = _entries(corrections)
    assert (entry.ocr, entry.replacement, entry.scope.kind, entry.scope.documents) == ("chvisage", "envisage", "word", ("a.png",))
    session.wait()
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram chvisage,\n"
    assert page.locator("#page-status").inner_text() == "in progress"

    # Insert a word Tesseract missed on the second line (Enter moved the cursor there).
    assert page.evaluate("() => document.activeElement.id") == "line-2"
    second.press("End")
    second.press("ArrowLeft")
    for _ in range(len("chvisage,") - 1):
        second.press("ArrowLeft")
    second.type("was ")
    assert second.input_value() == "The Sulverb telegram was chvisage,"
    second.press("ArrowUp")  # leaving the line saves it too
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('telegram was')")
    assert ("telegram", "telegram was") in {(e.ocr, e.replacement) for e in _entries(corrections)}
    session.wait()
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram was chvisage,\n"

    # Mark the page proofread: the workspace has it, and the view goes to the next page.
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert page.locator("h2 .document").inner_text() == "sub/b.png"
    assert session.page_statuses()[("a.png", 0)] == "proofread"
    page.goto(f"{base}/pages?status=proofread")
    assert page.locator("#pages tbody tr").all_inner_texts() == ["a.png\t1\tproofread"]

    # Undo from the page view takes the last edit back.
    page.goto(f"{base}/page?document=a.png&page=1")
    with page.expect_navigation():
        page.locator("#undo-button").click()
    assert [(e.ocr, e.replacement) for e in _entries(corrections)] == [("chvisage", "envisage")]
    assert page.locator(".line-input").nth(1).input_value() == "The Sulverb telegram chvisage,"

    if os.environ.get("OCRFIX_SCREENSHOT") == "1":
        page.locator(".line-input").nth(1).focus()
        page.screenshot(path=str(ROOT / "docs" / "page-view.png"), full_page=False)


def test_proofread_the_page_from_a_word_opens_the_page_at_its_line(server, page):
    """A word of the queue on the page's second line: its page opens with that line being edited
    (outlined on the scan); it opened at the first line."""
    base, _out, _corrections, _session = server
    page.goto(f"{base}/?token={TOKEN}")
    link = page.locator(".meta", has_text="line 2").first.locator(".page-link")
    with page.expect_navigation():
        link.click()
    page.wait_for_function("() => document.activeElement && document.activeElement.dataset.line === '2'", timeout=10000)
    assert page.locator("#line-box").is_visible()


def test_a_scan_deleted_since_the_run_is_said_so_on_the_review_page_and_the_page_view(server, page):
    """A scan moved or deleted after `ocrfix process`: the crop and the page view say that the scan
    cannot be shown and why (the page view showed an empty column, the crop its alt text as if it
    were the line)."""
    base, out, corrections, session = server
    (out.parent / "in" / "a.png").unlink()
    page.goto(f"{base}/?token={TOKEN}")
    note = page.locator(".occurrence .no-scan").first
    note.wait_for(timeout=10000)
    assert "no longer there" in note.inner_text() and "ocrfix process" in note.inner_text()
    page.goto(f"{base}/page?document=a.png&page=1")
    missing = page.locator("#scan-missing")
    missing.wait_for(timeout=10000)
    assert "cannot be shown" in missing.inner_text() and "no longer there" in missing.inner_text()
    assert not page.locator("#scan").is_visible()
    assert page.locator(".line-input").nth(0).input_value() == "We chvisage no difficulty."  # the lines are still there


def test_a_very_long_form_wraps_and_a_right_to_left_form_keeps_its_count_after_it(tmp_path, monkeypatch, page):
    """Words Tesseract ran together (a line read without its spaces) make a form longer than the
    page: it wraps instead of pushing the page sideways. A Hebrew form is isolated from the text
    around it: "×1" stays after it, not drawn before it as part of the Hebrew."""
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    joined = "Translationofthejewlawpromulgatedmayfifthnineteenthirtynine" * 2
    out, corrections = build_sample(tmp_path, {"a.png": [[(joined, 20), ("no", 95)], [("We", 95), ("שלום", 20)]]})
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        assert page.locator("#form").inner_text() == joined
        assert page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth")
        groups = app.state.session.groups()
        hebrew = next(g for g in groups if g.form == "שלום")
        page.goto(f"{base}/?group={hebrew.id}")
        form, count = page.locator("#form").bounding_box(), page.locator(".count").bounding_box()
        assert count["x"] > form["x"] + form["width"] - 1


def test_closing_the_page_view_with_a_line_typed_but_not_saved_asks_first(server, page):
    """A line is saved when the cursor leaves it: closing the tab (or the browser) with the cursor
    still in a retyped line lost the line without a word. The browser asks first now."""
    base, out, corrections, session = server
    page.goto(f"{base}/?token={TOKEN}")
    page.goto(f"{base}/page?document=a.png&page=1")
    first = page.locator(".line-input").nth(0)
    first.click()
    page.keyboard.press("End")
    page.keyboard.type(" Indeed.")
    with page.expect_event("dialog", timeout=5000) as asked:
        page.close(run_before_unload=True)
    assert asked.value.type == "beforeunload"
    asked.value.dismiss()  # (stay: the line is still there to save)
    first.press("Enter")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Saved')")
    assert ("difficulty.", "difficulty. Indeed.") in {(e.ocr, e.replacement) for e in _entries(corrections)}
    # A link of the page waits for the line being saved, and asks nothing.
    second = page.locator(".line-input").nth(1)
    second.click()
    page.keyboard.press("End")
    page.keyboard.type(" Indeed.")
    with page.expect_navigation():
        page.locator("h1 a[href='/pages']").click()
    assert page.url == f"{base}/pages"
    assert ("chvisage,", "chvisage, Indeed.") in {(e.ocr, e.replacement) for e in _entries(corrections)}


def test_a_page_view_that_cannot_be_shown_says_why_on_a_page(server, page):
    """The page view of a page that cannot be shown (corrections.yaml broken by a hand meanwhile, a
    page the folder no longer has) is a page with the message and the way back, not a JSON blob."""
    base, out, corrections, session = server
    page.goto(f"{base}/?token={TOKEN}")
    corrections.write_text("version: 1\ncorrections:\n  - id: [broken\n", encoding="utf-8")
    response = page.goto(f"{base}/page?document=a.png&page=1")
    assert response.status == 404
    assert "YAML syntax error" in page.locator("#error").inner_text()
    assert page.locator("a[href='/']").count() == 1
    page.goto(f"{base}/page?document=a.png&page=7")
    assert "a.png has no page 7" in page.locator("#error").inner_text()
    # The app's own requests still get JSON.
    assert page.evaluate("async () => (await fetch('/page-image?document=nope.png')).headers.get('content-type')") == "application/json"


def test_undo_on_the_review_page_says_what_it_did(server, page):
    """u said nothing of what it did: the page reloaded showing the decision before (as "Last:"),
    so an undo that found its entry edited by hand since, and left it, looked like one that took it
    back; and u with nothing to undo reloaded the page without a word."""
    base, _out, corrections, session = server
    page.goto(f"{base}/?token={TOKEN}")
    page.keyboard.press("u")
    page.wait_for_function("() => document.querySelector('#status').textContent.includes('Nothing to undo')")
    with page.expect_navigation():
        page.keyboard.press("1")
    session.wait()
    # the entry changed by a hand in an editor: undo must leave it, and say so
    text = corrections.read_text(encoding="utf-8")
    corrections.write_text(text.replace("replacement: envisage", "replacement: envisaged"), encoding="utf-8")
    with page.expect_navigation():
        page.keyboard.press("u")
    status = page.locator("#status").inner_text()
    assert "Undone" in status and "left as another session or a hand changed them" in status, status
    assert [e.replacement for e in _entries(corrections)] == ["envisaged"]
    page.reload()  # (said once: not again on the next page)
    assert "Undone" not in page.locator("#status").inner_text()


def test_the_page_says_when_the_outputs_of_a_decision_are_written(server, page, monkeypatch):
    """The review page said "regenerating 2 files" from the reload after a decision until the next
    key, long after they were written: a person waiting for the outputs before closing could not
    tell when they were (and one file was "1 files")."""
    base, out, _corrections, session = server
    release = hold_regenerations(monkeypatch)
    page.goto(f"{base}/?token={TOKEN}")
    page.keyboard.press("a")  # the selected occurrence only: one file
    with page.expect_navigation():
        page.keyboard.press("1")
    assert page.locator("#regenerating").inner_text() == "regenerating 1 file"
    release.set()
    session.wait()
    page.wait_for_function("() => !document.querySelector('#progress-text').textContent.includes('regenerating')",
                           timeout=10000)
    assert "outputs written" in page.locator("#progress-text").inner_text()


def test_a_key_after_the_review_was_stopped_says_so(tmp_path, monkeypatch, page):
    """Ctrl-C ends the web review; a key pressed on the page left open said "Not saved: TypeError:
    Failed to fetch" (the page view: "Line 1 not saved: Failed to fetch"), the browser's words for
    a server that does not answer, not what happened nor what to do."""
    from pipeline.review.server import create_app

    use_fake_corrector(monkeypatch)
    out, corrections = build_sample(tmp_path)
    app = create_app(out, corrections, TOKEN, reviewer="Browser Test")
    with _serving(app) as base:
        page.goto(f"{base}/?token={TOKEN}")
        view = page.context.new_page()
        view.goto(f"{base}/page?document=a.png&page=1")
    page.keyboard.press("a")  # (for the selected occurrence: no question of how far first)
    page.keyboard.press("k")
    page.wait_for_function("() => document.querySelector('#status').textContent.startsWith('Not saved')")
    status = page.locator("#status").inner_text()
    assert "Failed to fetch" not in status and "ocrfix review" in status and "stopped" in status, status
    view.keyboard.press("End")
    view.keyboard.type(" more")
    view.keyboard.press("Enter")
    view.wait_for_function("() => document.querySelector('#status').textContent.includes('not saved')")
    status = view.locator("#status").inner_text()
    assert "Failed to fetch" not in status and "ocrfix review" in status, status
    assert _entries(corrections) == ()


def test_an_occurrence_reached_with_tab_is_the_one_selected(server, page):
    """Keyboard only: Tab reaches each occurrence (its focus ring drawn), but the one selected, which
    a decision for the selected occurrence only applies to, stayed the first: a, k after tabbing
    to the third occurrence kept the first one."""
    base, _out, corrections, session = server
    page.goto(f"{base}/?token={TOKEN}")
    third = page.locator(".occurrence").nth(2)
    document = third.locator(".meta").inner_text().split(" ")[0]
    page.keyboard.press("Tab")
    while not page.evaluate("el => el === document.activeElement", third.element_handle()):
        page.keyboard.press("Tab")
    assert "selected" in third.get_attribute("class")
    page.keyboard.press("a")
    with page.expect_navigation():
        page.keyboard.press("k")
    [entry] = _entries(corrections)
    assert entry.scope.kind == "word" and entry.scope.documents == (document,)
    session.wait()
