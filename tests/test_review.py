"""Review: the queue, each action through the API, the app's safety rules, crops, and the terminal.

The sample output folder is built with the workspace API from a fake OCR result over a real
image (words drawn where their boxes say), and a fake corrector stands in for the real one, so
these tests say exactly which words are flagged and with which suggestions.
"""

from __future__ import annotations

import contextlib
import io
import re
import threading
from pathlib import Path

import cv2
import numpy as np
import pytest

from pipeline.model import Change, Document, Line, Page, Word
from pipeline.corrections import apply_overrides, load_corrections, split_token

TOKEN = "test-token-0123456789"

# (text, confidence) per word, per line, per document. "chvisage" is flagged by the fake corrector
# (x3, once with a comma), "Politicial" is auto-corrected but doubtful, "Sulverb" is doubtful only.
SAMPLE = {
    "a.png": [
        [("We", 95), ("chvisage", 30), ("no", 95), ("difficulty.", 91)],
        [("The", 95), ("Sulverb", 35), ("telegram", 92), ("chvisage,", 25)],
    ],
    "sub/b.png": [
        [("They", 95), ("chvisage", 20), ("it", 96)],
        [("Politicial", 33), ("matters", 95), ("a", 15)],  # a lone doubtful letter: a speck, not queued
    ],
}
FLAGS = {"chvisage": ["envisage", "chvisages"]}
FIXES = {"Politicial": "Political"}
# Tesseract's alternatives for "Sulverb": S or 5 at the first position.
ALTERNATIVES = {"Sulverb": [[("S", 60.0), ("5", 30.0)]] + [[] for _ in range(6)]}
# What a second read of the page had where "Sulverb" is (the page was read twice and they differ).
OTHER_READS = {"Sulverb": "Sulverh,"}


TYPEWRITER = Path("/usr/share/fonts/opentype/urw-base35/NimbusMonoPS-Regular.otf")  # as scripts/render_sample.py


def _draw(words: list[list[tuple[str, float]]]) -> tuple[np.ndarray, list[Line]]:
    """A page with the words typed on it (a Courier clone with uneven ink, where installed), and
    the lines with the boxes of their ink."""
    from PIL import Image, ImageDraw, ImageFont

    rng = np.random.default_rng(7)
    page = Image.new("L", (820, 50 + 64 * len(words)), 248)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(TYPEWRITER), 40) if TYPEWRITER.exists() else ImageFont.load_default(size=36)
    pitch = font.getlength("m")
    lines = []
    for li, line in enumerate(words):
        x, y = 30.0, 24 + 64 * li
        out = []
        for text, conf in line:
            boxes = []
            for ch in text:  # each key struck with its own pressure
                at = (x + rng.normal(0, 0.6), y + rng.normal(0, 0.6))
                draw.text(at, ch, font=font, fill=int(np.clip(rng.normal(45, 25), 0, 150)))
                boxes.append(draw.textbbox(at, ch, font=font))
                x += pitch
            box = (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))
            out.append(Word(text=text, confidence=conf, bbox=tuple(int(round(v)) for v in box),
                            alternatives=ALTERNATIVES.get(text, []), other_read=OTHER_READS.get(text)))
            x += pitch
        top, bottom = min(w.bbox[1] for w in out), max(w.bbox[3] for w in out)
        lines.append(Line(words=out, bbox=(out[0].bbox[0], top, out[-1].bbox[2], bottom)))
    image = cv2.GaussianBlur(np.asarray(page, dtype=np.float32), (0, 0), 0.8)
    image += rng.normal(0, 6, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8), lines


def fake_correct(doc: Document, options, corrections=None, collection=None) -> Document:
    """Overrides first, then a corrector that flags FLAGS and replaces FIXES (words an override decided are left alone)."""
    if corrections is None:
        corrections = load_corrections(options.corrections_file)
    pages = []
    for page in doc.pages:
        page, decided = apply_overrides(page, doc.source, corrections)
        lines, changes = [], list(page.changes)
        for li, line in enumerate(page.lines):
            words = []
            for wi, w in enumerate(line.words):
                lead, core, trail = split_token(w.text)
                if (li, wi) in decided:
                    words.append(w)
                elif core in FLAGS:
                    words.append(w.model_copy(update={"flagged": True, "suggestions": [lead + s + trail for s in FLAGS[core]]}))
                elif core in FIXES:
                    new = lead + FIXES[core] + trail
                    words.append(w.model_copy(update={"text": new}))
                    changes.append(Change(line=li, word=wi, original=w.text, new=new, source="lexicon", score=0.9))
                else:
                    words.append(w)
            lines.append(line.model_copy(update={"words": words}))
        pages.append(page.model_copy(update={"lines": lines, "changes": changes}))
    return doc.model_copy(update={"pages": pages})


def fake_correct_recorded(doc, options, corrections=None, collection=None, base="", seed=None):
    """``fake_correct`` where the batch corrects: no dependencies recorded (so never confirmed)."""
    return fake_correct(doc, options, corrections, collection), None


def use_fake_corrector(monkeypatch) -> None:
    from pipeline import process

    monkeypatch.setattr(process, "correct_document", fake_correct)
    monkeypatch.setattr(process, "correct_document_recorded", fake_correct_recorded)
    monkeypatch.setattr(process, "corrector_for", lambda *a, **k: None)


@pytest.fixture
def fake_corrector(monkeypatch):
    use_fake_corrector(monkeypatch)


def build_sample(tmp_path: Path, sample: dict = SAMPLE, *, correct: bool = True,
                 dictionaries: Path | None = None) -> tuple[Path, Path]:
    """An output folder as `ocrfix process` leaves it (inputs, cached OCR, outputs, flags); returns
    (OUT, corrections.yaml). ``dictionaries``: the run's (default: none there)."""
    from PIL import Image

    from pipeline.options import CorrectOptions, Options, PreprocessOptions
    from pipeline.outputs import write_document
    from pipeline.workspace import Outcome, open_workspace

    inputs, out = tmp_path / "in", tmp_path / "out"
    corrections_file = tmp_path / "corrections.yaml"
    options = Options(
        preprocess=PreprocessOptions(mode="off"),
        correct=CorrectOptions(enabled=correct, corrections_file=corrections_file,
                               dictionary_dir=dictionaries or tmp_path / "no-dictionaries"),
        workers=1,
    )
    with open_workspace(out, exclusive=True) as ws:
        for rel, words in sample.items():
            path = inputs / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            image, lines = _draw(words)
            Image.fromarray(image).save(path, dpi=(300, 300))  # PNG: the pixels the boxes were measured on
            raw = Document(source=rel, pages=[Page(source=rel, width=image.shape[1], height=image.shape[0], dpi=300, lines=lines)])
            ws.mark_pending(rel, path)
            ws.store_ocr(rel, ws.input_hash(rel, path), options.ocr_key(), "5.0.0-fake", raw, 0.1)
            corrected = fake_correct(raw, options.correct, load_corrections(corrections_file))
            write_document(corrected, out, Path(rel), options.output.formats)
            ws.mark_done(rel, "sample", Outcome.of(corrected), 0.0)
        ws.save_options(options)
        ws.commit()
    return out, corrections_file


@pytest.fixture
def sample(tmp_path, fake_corrector):
    return build_sample(tmp_path)


def _session(sample, **kw):
    from pipeline.review.actions import ReviewSession

    out, corrections = sample
    return ReviewSession(out, corrections, reviewer="Test Reviewer", **kw)


@pytest.fixture
def client(sample):
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    out, corrections = sample
    app = create_app(out, corrections, TOKEN, reviewer="Test Reviewer")
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get(f"/?token={TOKEN}", follow_redirects=False).status_code == 303  # sets the cookie
        c.headers["X-Ocrfix-Token"] = TOKEN
        yield c


def _queue(client) -> dict:
    r = client.get("/api/queue")
    assert r.status_code == 200, r.text
    return r.json()


def _decide(client, **body):
    """POST a decision and wait until its outputs are regenerated (the app does it in the background)."""
    response = client.post("/api/decide", json=body)
    client.app.state.session.wait()
    return response


def _group(client, form: str) -> dict:
    return next(g for g in _queue(client)["groups"] if g["form"] == form)


def _entries(path: Path):
    return load_corrections(path).entries


# -- the queue ------------------------------------------------------------------------------------


def test_queue_groups_occurrences_by_form_across_pages_and_orders_by_gain(sample):
    groups = _session(sample).groups()
    forms = [g.form for g in groups]
    # chvisage: 3 occurrences (one with a comma) in two documents, the most doubt: first.
    assert forms == ["chvisage", "Politicial", "Sulverb"]
    chv = groups[0]
    assert chv.count == 3
    assert {o.rel for o in chv.occurrences} == {"a.png", "sub/b.png"}
    assert [o.text for o in chv.occurrences] == ["chvisage", "chvisage,", "chvisage"]
    assert all(o.flagged for o in chv.occurrences)
    assert chv.suggestions[:2] == ["envisage", "chvisages"]  # cores, without the comma
    assert chv.choice is None
    assert chv.score == pytest.approx(0.7 + 0.75 + 0.8)
    # Auto-corrected but doubtful: the corrector's choice leads the suggestions.
    pol = groups[1]
    assert pol.choice == "Political" and pol.suggestions[0] == "Political"
    assert pol.occurrences[0].current == "Political"
    # Doubtful only: the other read's word (its core), then Tesseract's character alternatives.
    assert groups[2].suggestions == ["Sulverh", "5ulverb"]
    # Confident words the corrector left alone are not queued.
    assert "telegram" not in forms and "We" not in forms and "a" not in forms


def test_threshold_option_controls_the_doubtful_words(sample):
    assert [g.form for g in _session(sample, threshold=0).groups()] == ["chvisage"]
    assert "telegram" in [g.form for g in _session(sample, threshold=93).groups()]


def test_words_decided_by_an_entry_are_not_queued(sample):
    from pipeline.corrections import add_entry, new_entry

    out, corrections = sample
    add_entry(corrections, new_entry("Sulverb", None, status="rejected", approved_by="someone"))
    assert "Sulverb" not in [g.form for g in _session(sample).groups()]


# -- actions through the API ----------------------------------------------------------------------


def test_reach_counts_every_occurrence_of_the_form_and_shows_unseen_lines_first(tmp_path, fake_corrector):
    from pipeline.options import default_dictionary_dir

    sample = {**SAMPLE, "a.png": SAMPLE["a.png"] + [[("Sulverb", 92), ("again", 95)], [("the", 30), ("the", 96), ("end", 95)]],
              "sub/b.png": SAMPLE["sub/b.png"] + [[("Sulverb", 90), ("here", 96)]]}
    session = _session(build_sample(tmp_path, sample, dictionaries=default_dictionary_dir()))
    by_form = {g.form: g for g in session.groups()}
    reach = session.reach(by_form["Sulverb"].id)
    assert (reach.words, reach.documents, reach.shown, reach.common) == (3, 2, 1, False)
    assert [line[:3] for line in reach.lines] == [("a.png", 0, 2), ("sub/b.png", 0, 2), ("a.png", 0, 1)]
    assert reach.lines[0][3] == "Sulverb again"
    # A word the dictionaries know: the page makes "only the ones shown" the default.
    reach = session.reach(by_form["the"].id)
    assert (reach.words, reach.shown, reach.common) == (2, 1, True)


def test_a_decision_for_the_occurrences_shown_writes_one_word_entry_each_and_undo_takes_all_back(client, sample):
    out, corrections = sample
    group = _group(client, "chvisage")
    r = _decide(client, **{"group": group["id"], "action": "suggestion", "index": 0, "text": "envisage",
                                         "scope": "shown"})
    assert r.status_code == 200, r.text
    entries = _entries(corrections)
    assert len(entries) == 3 and {e.scope.kind for e in entries} == {"word"}
    assert {e.scope.documents for e in entries} == {("a.png",), ("sub/b.png",)}
    assert "the 3 occurrences shown" in r.json()["step"]["description"]
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"
    assert client.post("/api/undo").status_code == 200
    assert _entries(corrections) == ()
    assert "chvisage" in (out / "a.txt").read_text()


def test_api_reach_says_how_far_a_decision_goes(client):
    group = _group(client, "chvisage")
    r = client.get("/api/reach", params={"group": group["id"]})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["words"], body["documents"], body["shown"], body["common"]) == (3, 2, 3, False)
    assert body["lines"][0] == {"document": "a.png", "page": 1, "line": 1, "text": "We chvisage no difficulty."}
    assert client.get("/api/reach", params={"group": "g-nothing"}).status_code == 404


# Three OCR variants of "Ministry", each flagged by the fake corrector with its own suggestion.
SERIES = {"c.png": [[("The", 95), ("Linistry", 30), ("of", 95), ("Defence", 95)],
                    [("the", 95), ("lninistry", 25), ("said", 95)],
                    [("a", 95), ("luinistry", 28), ("note", 95)]]}
SERIES_FLAGS = {"Linistry": ["Ministry"], "lninistry": ["ministry"], "luinistry": ["ministry"]}


@pytest.fixture
def series(tmp_path, fake_corrector, monkeypatch):
    for form, suggestions in SERIES_FLAGS.items():
        monkeypatch.setitem(FLAGS, form, suggestions)
    return build_sample(tmp_path, {**SAMPLE, **SERIES})


def test_variants_of_one_garble_are_one_series(series):
    groups = _session(series).groups()
    [group] = [g for g in groups if "lninistry" in g.members]
    assert group.members == ["Linistry", "lninistry", "luinistry"] and group.count == 3
    assert group.suggestions[0] == "ministry"
    # Series need a shared target within two edits: chvisage and Sulverb stay alone.
    assert {g.form for g in groups if len(g.members) == 1} >= {"chvisage", "Sulverb"}


def test_a_series_decision_writes_each_member_in_its_own_case_and_leaves_the_excluded_one(series):
    out, corrections = series
    session = _session(series)
    group = next(g for g in session.groups() if len(g.members) == 3)
    step = session.decide(group.id, "ministry", exclude=frozenset({"luinistry"}))
    session.wait()
    assert sorted((e.ocr, e.replacement, e.scope.kind) for e in _entries(corrections)) == [
        ("Linistry", "Ministry", "everywhere"), ("lninistry", "ministry", "everywhere")]
    assert (out / "c.txt").read_text() == "The Ministry of Defence\nthe ministry said\na luinistry note\n"
    # The member left out is still to be decided, on its own.
    assert [g.members for g in session.groups() if "luinistry" in g.members] == [["luinistry"]]
    assert len(step.saved) == 2
    # (it was described as "the 2 occurrences shown, each by its box")
    assert step.describe() == "'Linistry' -> 'Ministry'; 'lninistry' -> 'ministry' (everywhere)"
    session.undo()
    assert _entries(corrections) == ()


def test_api_queue_lists_groups_with_crops_and_progress(client):
    q = _queue(client)
    assert q["progress"] == {"decided": 0, "left": 3, "skipped": 0, "words_left": 5, "total": 3, "regenerating": 0, "unwritten": 0}
    chv = q["groups"][0]
    assert chv["form"] == "chvisage" and chv["count"] == 3
    assert all(o["crop"] == f"/crop/{o['id']}.png" for o in chv["occurrences"])
    first = client.get("/api/queue?limit=1").json()
    assert [g["id"] for g in first["groups"]] == [chv["id"]] and first["progress"] == q["progress"]
    assert client.get("/api/queue?limit=-1").status_code == 422


def test_accepting_a_suggestion_for_all_writes_the_entry_and_regenerates_outputs(client, sample):
    out, corrections = sample
    chv = _group(client, "chvisage")
    r = _decide(client, **{"group": chv["id"], "action": "suggestion", "index": 0})
    assert r.status_code == 200, r.text
    assert sorted(r.json()["step"]["documents"]) == ["a.png", "sub/b.png"]
    [entry] = _entries(corrections)
    assert (entry.ocr, entry.replacement, entry.status, entry.scope.kind) == ("chvisage", "envisage", "approved", "everywhere")
    assert entry.approved_by == "Test Reviewer" and entry.approved_at.endswith("Z")
    assert entry.context == "We chvisage no difficulty."
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"
    assert "They envisage it" in (out / "sub" / "b.txt").read_text()
    doc = Document.model_validate_json((out / "a.json").read_text())
    assert any(c.source == "override" and c.entry_id == entry.entry_id for c in doc.pages[0].changes)
    assert [g["form"] for g in _queue(client)["groups"]] == ["Politicial", "Sulverb"]
    assert _queue(client)["progress"]["decided"] == 1


def test_applying_to_one_occurrence_scopes_the_entry_to_that_word(client, sample):
    out, corrections = sample
    chv = _group(client, "chvisage")
    one = chv["occurrences"][2]  # the one in sub/b.png
    r = _decide(client, **{"group": chv["id"], "action": "correct", "text": "envisage",
                                         "scope": "one", "occurrence": one["id"]})
    assert r.status_code == 200, r.text
    [entry] = _entries(corrections)
    assert entry.scope.kind == "word" and entry.scope.documents == ("sub/b.png",) and entry.scope.page == 0
    assert "They envisage it" in (out / "sub" / "b.txt").read_text()
    assert "We chvisage no" in (out / "a.txt").read_text()  # the others are untouched
    assert _group(client, "chvisage")["count"] == 2


def test_typed_correction_and_keep(client, sample):
    out, corrections = sample
    r = _decide(client, **{"group": _group(client, "Politicial")["id"], "action": "correct", "text": " Politico "})
    assert r.status_code == 200, r.text
    assert "Politico matters" in (out / "sub" / "b.txt").read_text()
    r = _decide(client, **{"group": _group(client, "Sulverb")["id"], "action": "keep"})
    assert r.status_code == 200, r.text
    by_ocr = {e.ocr: e for e in _entries(corrections)}
    assert by_ocr["Politicial"].replacement == "Politico"
    assert by_ocr["Sulverb"].status == "rejected" and by_ocr["Sulverb"].replacement is None
    assert "The Sulverb telegram" in (out / "a.txt").read_text()
    assert [g["form"] for g in _queue(client)["groups"]] == ["chvisage"]


def test_skip_moves_a_group_to_the_end_and_undo_brings_it_back(client):
    first = _queue(client)["groups"][0]
    assert client.post("/api/skip", json={"group": first["id"]}).status_code == 200
    q = _queue(client)
    assert q["groups"][-1]["id"] == first["id"] and q["progress"]["skipped"] == 1
    assert client.post("/api/undo").json()["step"]["kind"] == "skip"
    assert _queue(client)["groups"][0]["id"] == first["id"]


def test_undo_removes_the_entry_and_restores_the_outputs(client, sample):
    out, corrections = sample
    before = (out / "a.txt").read_text()
    chv = _group(client, "chvisage")
    _decide(client, **{"group": chv["id"], "action": "suggestion", "index": 1})
    assert "chvisages" in (out / "a.txt").read_text()
    r = client.post("/api/undo")
    assert r.status_code == 200 and r.json()["step"]["form"] == "chvisage"
    assert _entries(corrections) == ()
    assert (out / "a.txt").read_text() == before
    assert _queue(client)["groups"][0]["id"] == chv["id"]
    assert client.post("/api/undo").json()["step"] is None  # nothing left to undo


def test_changing_a_decision_updates_the_entry_and_undo_puts_the_old_one_back(sample):
    from pipeline.corrections import Scope, add_entry, new_entry

    out, corrections = sample
    old = add_entry(corrections, new_entry("chvisage", "chvisages", scope=Scope(documents=("a.png",)), approved_by="earlier"))
    session = _session(sample, documents="a.png")  # "all occurrences" = the documents a.png
    [group] = [g for g in session.groups() if g.form == "chvisage"]
    assert [o.rel for o in group.occurrences] == ["sub/b.png"]  # a.png's are decided already
    step = session.decide(group.id, "envisage")
    session.wait()
    assert step.saved[0].what == "updated" and step.rels == ["a.png"]
    [entry] = _entries(corrections)
    assert (entry.entry_id, entry.replacement, entry.approved_by) == (old.entry_id, "envisage", "Test Reviewer")
    assert "We envisage no" in (out / "a.txt").read_text()
    session.undo()
    assert _entries(corrections) == (old,)
    assert "We chvisages no" in (out / "a.txt").read_text()


def test_bad_decisions_are_refused(client):
    chv = _group(client, "chvisage")
    assert client.post("/api/decide", json={"group": chv["id"], "action": "suggestion", "index": 7}).status_code == 422
    assert client.post("/api/decide", json={"group": chv["id"], "action": "correct", "text": "  "}).status_code == 422
    assert client.post("/api/decide", json={"group": "gnope", "action": "keep"}).status_code == 404
    assert client.post("/api/decide", json={"group": chv["id"], "action": "keep", "scope": "one"}).status_code == 422
    assert client.post("/api/decide", json={"group": chv["id"], "action": "delete-all"}).status_code == 422
    stale = client.post("/api/decide", json={"group": chv["id"], "action": "suggestion", "index": 0, "text": "chvisages"})
    assert stale.status_code == 409 and "reload" in stale.json()["error"]


def test_a_word_decided_meanwhile_in_another_tab_says_to_reload(client):
    """Two tabs on one review, the same word decided in both: the second said "no group
    'g816c52fd2bdd' in the queue (already decided?)", an id a person never sees, and not what to do."""
    chv = _group(client, "chvisage")
    assert _decide(client, group=chv["id"], action="keep", scope="shown").status_code == 200
    for refused in (client.post("/api/decide", json={"group": chv["id"], "action": "keep"}),
                    client.get("/api/reach", params={"group": chv["id"]}),
                    client.post("/api/skip", json={"group": chv["id"]})):
        assert refused.status_code == 404
        error = refused.json()["error"]
        assert chv["id"] not in error and "decided meanwhile" in error and "reload the page" in error, error


# -- safety -----------------------------------------------------------------------------------------


def test_state_changes_need_the_session_token(client, sample):
    chv = _group(client, "chvisage")
    body = {"group": chv["id"], "action": "keep"}
    for headers in ({"X-Ocrfix-Token": ""}, {"X-Ocrfix-Token": "wrong"}, {"X-Ocrfix-Token": "t\u00e9st".encode("latin-1")}):
        assert client.post("/api/decide", json=body, headers=headers).status_code == 403
    assert client.post("/api/undo", headers={"X-Ocrfix-Token": "x"}).status_code == 403
    for method in ("PUT", "DELETE", "PATCH"):  # not routes, but never let through without the header
        assert client.request(method, "/api/decide", json=body, headers={"X-Ocrfix-Token": ""}).status_code == 403
    assert not sample[1].exists()


def test_pages_need_the_token_cookie_and_the_token_url_sets_it(sample):
    from fastapi.testclient import TestClient

    from pipeline.review.server import cookie_name, create_app

    app = create_app(sample[0], sample[1], TOKEN, reviewer="t")
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        assert c.get("/").status_code == 403
        assert c.get("/api/queue").status_code == 403
        assert c.get("/?token=wrong").status_code == 403
        assert c.get("/?token=%C3%A9%00").status_code == 403
        assert c.get("/", headers={"Cookie": f"{cookie_name(TOKEN)}=\u00e9; bad".encode("latin-1")}).status_code == 403
        r = c.get(f"/?token={TOKEN}", follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/"
        assert "httponly" in r.headers["set-cookie"].lower() and "samesite=strict" in r.headers["set-cookie"].lower()
        assert c.cookies.get(cookie_name(TOKEN)) == TOKEN
        page = c.get("/")
        assert page.status_code == 200
        assert f'<meta name="ocrfix-token" content="{TOKEN}">' in page.text
        assert "script-src 'self'" in page.headers["content-security-policy"]
        assert c.get("/static/review.js").status_code == 200


def test_unknown_host_is_refused(client, sample):
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    assert client.get("/", headers={"Host": "evil.example:8765"}).status_code == 421  # DNS rebinding
    assert client.get("/", headers={"Host": "localhost:8765"}).status_code == 200
    # Listening on every interface: any name for the machine, but still only with the token.
    app = create_app(sample[0], sample[1], TOKEN, reviewer="t", hosts=None)
    with TestClient(app, base_url="http://review-box.lan:8765") as c:
        assert c.get("/").status_code == 403
        assert c.get(f"/?token={TOKEN}").status_code == 200


def test_large_bodies_are_refused(client):
    chv = _group(client, "chvisage")
    big = {"group": chv["id"], "action": "correct", "text": "x" * (70 * 1024)}
    assert client.post("/api/decide", json=big).status_code == 413

    def chunks():  # no Content-Length: counted as it arrives
        for _ in range(80):
            yield b"x" * 1024

    assert client.post("/api/skip", content=chunks(), headers={"Content-Type": "application/json"}).status_code == 413


def test_no_file_is_reachable_by_a_path_from_the_client(client):
    for url in ("/crop/../../etc/passwd", "/crop/%2e%2e%2f%2e%2e%2fetc%2fpasswd.png", "/static/../server.py",
                "/static/%2e%2e/server.py", "/crop/a.png.png", "/a.txt"):
        r = client.get(url)
        assert r.status_code == 404, (url, r.status_code)
        assert b"root:" not in r.content and b"def create_app" not in r.content


def test_ocr_text_is_escaped_in_the_page(tmp_path, fake_corrector):
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    evil = '<script>alert(1)</script>'
    out, corrections = build_sample(tmp_path, {"x.png": [[("Dear", 95), (evil, 10), ('"><img', 12)]]})
    app = create_app(out, corrections, TOKEN, reviewer="t")
    with TestClient(app, base_url="http://127.0.0.1") as c:
        c.get(f"/?token={TOKEN}")
        html = c.get("/").text
        assert evil not in html and "&lt;script&gt;" in html
        assert '"><img' not in html


# -- crops ------------------------------------------------------------------------------------------


def test_crop_is_the_line_with_the_word_highlighted(client):
    occ = _group(client, "chvisage")["occurrences"][0]
    r = client.get(occ["crop"])
    assert r.status_code == 200 and r.headers["content-type"] == "image/png"
    image = cv2.imdecode(np.frombuffer(r.content, np.uint8), cv2.IMREAD_COLOR)
    assert 60 < image.shape[0] < 140 and image.shape[1] > 300  # a line, not a page
    b, g, r_ = image[..., 0].astype(int), image[..., 1].astype(int), image[..., 2].astype(int)
    yellowish = (r_ > 200) & (g > 150) & (b < 180)
    assert yellowish.sum() > 500
    assert client.get("/crop/onope.png").status_code == 404


def test_missing_scan_gives_a_404_not_a_crash(client, tmp_path):
    (tmp_path / "in" / "a.png").unlink()
    occ = _group(client, "chvisage")["occurrences"][0]
    r = client.get(occ["crop"])
    assert r.status_code == 404 and "no longer there" in r.json()["error"]


def test_crop_from_the_second_page_of_a_multipage_tiff(tmp_path):
    from PIL import Image

    from pipeline.errors import InputFileError
    from pipeline.review.crops import CropMaker

    first, second = np.full((200, 500), 255, np.uint8), np.full((200, 500), 255, np.uint8)
    second[100:130, 200:300] = 0  # the "word", only on page 2
    path = tmp_path / "two.tif"
    Image.fromarray(first).save(path, save_all=True, append_images=[Image.fromarray(second)])
    maker = CropMaker()
    png = maker.crop(path, 1, (200, 100, 300, 130), (50, 95, 450, 135))
    crop = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_GRAYSCALE)
    assert (crop < 100).sum() > 1000  # page 2's ink is in it
    assert len(maker._pages) == 2  # page 1 was decoded on the way and kept
    with pytest.raises(InputFileError, match="has no page 3"):
        maker.crop(path, 2, (1, 1, 5, 5), None)


def test_crop_maker_keeps_a_few_pages(tmp_path):
    from PIL import Image

    from pipeline.review.crops import CropMaker

    paths = []
    for i in range(3):
        paths.append(tmp_path / f"p{i}.png")
        Image.fromarray(np.full((50, 80), 255, np.uint8)).save(paths[-1])
    maker = CropMaker(max_pages=2)
    for p in paths:
        maker.page(p, 0)
    assert len(maker._pages) == 2
    assert maker.page(paths[2], 0) is maker.page(paths[2], 0)


# -- terminal ---------------------------------------------------------------------------------------


def _terminal(sample, keys: str):
    from rich.console import Console

    from pipeline.review.terminal import run_terminal_review

    console = Console(file=io.StringIO(), width=120, color_system=None)
    result = run_terminal_review(_session(sample), input=io.StringIO(keys), console=console)
    return result, console.file.getvalue()


def test_terminal_asks_before_a_decision_reaches_unseen_words(tmp_path, fake_corrector):
    from rich.console import Console

    from pipeline.review.actions import ReviewSession
    from pipeline.review.terminal import run_terminal_review

    sample = {**SAMPLE, "a.png": SAMPLE["a.png"] + [[("Sulverb", 92), ("again", 95)]]}
    out, corrections = build_sample(tmp_path, sample)
    session = ReviewSession(out, corrections, reviewer="Test Reviewer")
    # Skip the groups before Sulverb; keep Sulverb: asked, cancelled (x); asked again, only the one shown (o).
    keys = "".join("s\n" for g in session.groups() if g.form != "Sulverb") + "k\nx\nk\no\nq\n"
    console = Console(file=io.StringIO(), width=160, color_system=None)
    run_terminal_review(session, input=io.StringIO(keys), console=console)
    shown = console.file.getvalue()
    assert "keep 'Sulverb' as read reaches 2 words in 1 document " in shown and "the queue showed 1" in shown
    assert "a.png p1 l3: Sulverb again" in shown
    assert "Cancelled: nothing saved." in shown
    [entry] = _entries(corrections)
    assert entry.status == "rejected" and entry.scope.kind == "word"


def test_terminal_review_takes_the_same_keys(sample):
    out, corrections = sample
    # chvisage -> suggestion 1 (all), undo, again with 1; Politicial: typed correction; Sulverb: keep.
    result, screen = _terminal(sample, "1\nu\n1\ne\nPolitical\nk\n")
    assert result.decided == 3 and result.left == 0
    assert "chvisage" in screen and "1  envisage" in screen and "undone:" in screen
    assert "Nothing left to review" in screen
    by_ocr = {e.ocr: e for e in _entries(corrections)}
    assert by_ocr["chvisage"].replacement == "envisage"
    assert by_ocr["Sulverb"].status == "rejected"
    assert by_ocr["Politicial"].replacement == "Political"
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"


def test_terminal_one_occurrence_skip_and_quit(sample):
    out, corrections = sample
    result, screen = _terminal(sample, "n\nn\ne envisage\ns\n9\nq\n")
    assert result.quit
    [entry] = _entries(corrections)
    assert entry.scope.kind == "word" and entry.scope.documents == ("sub/b.png",)
    assert "There is no suggestion 9" in screen
    assert re.search(r"skipped 'chvisage'", screen)


def test_terminal_review_prints_typed_text_as_typed_never_as_markup(sample):
    """Rich reads "[sic]" as a style and "[/]" as closing one: typed corrections (and the OCR
    forms, which carry brackets too) are escaped wherever the terminal prints them."""
    result, screen = _terminal(sample, "e\n5952 [sic]\ne\n[/]\nk\n")
    assert result.decided == 3
    assert "5952 [sic]" in screen and "'[/]'" in screen
    by_ocr = {e.ocr: e for e in _entries(sample[1])}
    assert by_ocr["chvisage"].replacement == "5952 [sic]" and by_ocr["Politicial"].replacement == "[/]"


def _terminal_review(out: Path, *more: str):
    """``ocrfix review OUT --terminal`` in a pseudo-terminal (a person at a terminal), a context manager."""
    from conftest import OCRFIX, pseudo_terminal

    return pseudo_terminal(OCRFIX, ["review", str(out), "--terminal", *more], timeout=30, dimensions=(50, 140))


def test_terminal_review_on_a_real_terminal_takes_a_digit_that_is_no_number_as_an_unknown_key(tmp_path):
    """AltGr+2 on many keyboards types "²", which Python counts a digit: the terminal review ended
    with a ValueError traceback (int("²")), mid-review."""
    import pexpect

    out, corrections = build_sample(tmp_path, correct=False)
    with _terminal_review(out) as child:
        child.expect("q quit")
        child.send("²")
        child.expect("Unknown key")
        child.send("q")
        child.expect(pexpect.EOF)
    assert child.exitstatus == 0
    assert _entries(corrections) == ()


def test_terminal_review_correction_can_be_edited_with_the_arrow_keys(tmp_path):
    """The correction prompt had no line editing: an arrow key pressed to mend a typo went into the
    correction as its escape sequence, and was saved (corrections.yaml: "envisge\\e[D\\e[Da"), into
    every output of the word too; Esc (which cancels on the web page) saved the word as "\\e"."""
    import pexpect

    out, corrections = build_sample(tmp_path, correct=False)
    with _terminal_review(out) as child:
        child.expect("q quit")
        child.send("e")
        child.expect("correction for 'chvisage': ")
        child.send("envisge")
        child.send("\x1b[D\x1b[D")  # two to the left, before "ge"
        child.send("a\r")
        child.expect("'chvisage' -> 'envisage'")
        child.expect("q quit")
        child.send("q")
        child.expect(pexpect.EOF)
    assert [(e.ocr, e.replacement) for e in _entries(corrections)] == [("chvisage", "envisage")]


def test_a_correction_with_a_control_character_is_refused(sample):
    from pipeline.errors import UsageError

    session = _session(sample, background=False)
    chvisage = next(g for g in session.groups() if g.form == "chvisage")
    for typed in ("\x1b", "envisge\x1b[D\x1b[Da", "envisage\x00"):
        with pytest.raises(UsageError, match="control character"):
            session.decide(chvisage.id, typed)
    assert _entries(sample[1]) == ()


def test_cli_review_terminal(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from pipeline.cli import app

    # Processed without the automatic corrector: `ocrfix review` regenerates in a worker process,
    # which the fake corrector does not reach (with it on, the regeneration failed for want of dictionaries).
    out, corrections = build_sample(tmp_path, correct=False)
    monkeypatch.setenv("USER", "cli-user")
    result = CliRunner().invoke(app, ["review", str(out), "--terminal", "--threshold", "0"], input="2\n")
    assert result.exit_code == 0, result.output
    [entry] = _entries(corrections)  # the folder's own corrections file, by default
    assert entry.replacement == "chvisages" and entry.approved_by == "cli-user"


def test_terminal_review_on_a_real_terminal_acts_on_each_key(tmp_path):
    """`ocrfix review OUT --terminal` in a pseudo-terminal: single keys, no Enter."""
    import pexpect

    # Processed without the automatic corrector, so the subprocess needs no dictionaries.
    out, corrections = build_sample(tmp_path, correct=False)
    with _terminal_review(out, "--reviewer", "Pex") as child:
        child.expect("chvisage")
        child.expect("q quit")
        child.send("1")
        child.expect("'chvisage' -> 'envisage'")
        child.send("q")
        child.expect("1 decided")
        child.expect(pexpect.EOF)
    assert child.exitstatus == 0
    [entry] = _entries(corrections)
    assert (entry.replacement, entry.approved_by) == ("envisage", "Pex")
    assert "We envisage no difficulty." in (out / "a.txt").read_text()


def test_keys_typed_ahead_on_a_real_terminal_are_not_lost(tmp_path):
    """A key pressed before the review waits for it (while it starts, or draws the next word) was
    thrown away: each key was read in raw mode set with TCSAFLUSH (click.getchar), which discards
    what was typed ahead. A reviewer who knows the keys lost decisions, and the pexpect tests that
    send a key as soon as the prompt shows failed when the machine was busy."""
    import pexpect

    out, corrections = build_sample(tmp_path, correct=False)
    with _terminal_review(out, "--reviewer", "Pex") as child:
        child.send("1q")  # before the review has started: both keys wait in the terminal
        child.expect("'chvisage' -> 'envisage'")
        child.expect("1 decided")
        child.expect(pexpect.EOF)
    assert child.exitstatus == 0
    assert [(e.ocr, e.replacement) for e in _entries(corrections)] == [("chvisage", "envisage")]


@pytest.mark.parametrize("encoding, typed, keys", [
    ("iso-8859-1", "éqx", ["é", "q", "x"]),  # a Latin-1 terminal: é is one byte
    ("utf-8", "éq€x", ["é", "q", "€", "x"]),
])
def test_each_key_typed_ahead_is_read_alone_in_the_terminals_encoding(encoding, typed, keys):
    """A key of the terminal's encoding is one key: on a Latin-1 terminal (LANG=de_DE.ISO-8859-1),
    é (0xE9) was taken for the first byte of a three-byte UTF-8 character, so the review waited for
    two more keys and read 'é', 'q' and 'x' typed ahead as one unknown key."""
    import os
    import pty

    from pipeline.review.terminal import _read_key

    leader, follower = pty.openpty()
    try:
        with open(follower, encoding=encoding, closefd=False) as stream:
            os.write(leader, (typed + "zzzzzz").encode(encoding))  # (more than asked for: a wrong read cannot wait)
            assert [_read_key(stream) for _ in keys] == keys
    finally:
        os.close(leader)
        os.close(follower)


def test_ctrl_d_on_a_real_terminal_ends_the_review_as_q_does(tmp_path):
    """Ctrl-D at the key prompt, and at the text prompt of an edit, ends the review with its summary
    and exit 0 (it was click's "Aborted." and exit 1)."""
    import pexpect

    out, _ = build_sample(tmp_path, correct=False)
    for keys in (["\x04"], ["e", "\x04", "\x04"]):
        with _terminal_review(out, "--reviewer", "Pex") as child:
            child.expect("q quit")
            for key in keys:
                child.send(key)
            child.expect("0 decided")
            child.expect(pexpect.EOF)
        assert child.exitstatus == 0, keys


def test_ctrl_c_on_a_real_terminal_ends_the_review_with_its_tally(tmp_path):
    """Ctrl-C at the key prompt of the terminal review, and at the text prompt of an edit, ends it
    saying what was decided and left and where the decisions are, as the web review's Ctrl-C does
    (exit 130): click's getchar raises KeyboardInterrupt for the key, and the review ended with
    'ocrfix: interrupted' alone, the decision just taken not told."""
    import pexpect

    for at_the_edit in (False, True):
        out, _ = build_sample(tmp_path / str(at_the_edit), correct=False)
        with _terminal_review(out, "--reviewer", "Pex") as child:
            child.expect("q quit")
            child.send("1")
            child.expect("'chvisage' -> ")
            child.expect("q quit")
            if at_the_edit:
                child.send("e")
                child.expect("correction for")
            child.send("\x03")
            child.expect(r"1 decided, \d+ left; decisions are in ")
            child.expect(pexpect.EOF)
        assert child.exitstatus == 130, at_the_edit
        assert "Traceback" not in child.before, child.before


def test_cli_review_serves_on_localhost_with_a_token_url(tmp_path):
    import signal
    import subprocess

    import httpx

    from conftest import OCRFIX

    out, _ = build_sample(tmp_path, correct=False)
    proc = subprocess.Popen([OCRFIX, "review", str(out), "--no-browser"], stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        url = None
        for _ in range(10):
            line = proc.stderr.readline()
            m = re.search(r"Open (http://127\.0\.0\.1:\d+/\?token=\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url, "no address printed"
        with httpx.Client(timeout=10) as c:
            r = c.get(url, follow_redirects=True)
            assert r.status_code == 200 and "chvisage" in r.text
            assert c.get(url.split("?")[0]).status_code == 200  # the cookie carries the token now
        assert httpx.get(url.split("?")[0], timeout=10).status_code == 403  # a client without it
    finally:
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=15)
    assert proc.returncode in (0, 130)
    # Ended with Ctrl-C, it says what was done, as the terminal review does (it said nothing of it).
    assert re.search(r"0 decided, \d+ left; decisions are in ", err), err


def test_cli_review_refuses_a_folder_that_is_not_an_output_folder(tmp_path):
    from typer.testing import CliRunner

    from pipeline.cli import app

    result = CliRunner().invoke(app, ["review", str(tmp_path), "--terminal"])
    assert result.exit_code != 0
    assert "not an ocrfix output folder" in str(result.exception)


def test_review_finds_the_scans_of_a_folder_processed_with_relative_paths(tmp_path, monkeypatch, fake_ocr):
    """`ocrfix process images/ -o out/`, then review from elsewhere: the crops still load."""
    from PIL import Image

    from pipeline.batch import run_batch
    from pipeline.ingest import expand_inputs
    from pipeline.options import CorrectOptions, Options, PreprocessOptions
    from pipeline.corrections import Corrections
    from pipeline.review.crops import CropMaker

    fake_ocr([[("We", 95), ("chvisage", 20)]])
    (tmp_path / "images").mkdir()
    Image.fromarray(np.full((120, 300), 255, np.uint8)).save(tmp_path / "images" / "p.png")
    monkeypatch.chdir(tmp_path)
    options = Options(preprocess=PreprocessOptions(mode="off"), workers=1,
                      correct=CorrectOptions(enabled=False, corrections_file=Path("corrections.yaml")))
    result = run_batch(expand_inputs(["images"]), Path("out"), options, Corrections())
    assert not result.failed
    monkeypatch.chdir("/")
    session = _session((tmp_path / "out", tmp_path / "corrections.yaml"))
    [group] = session.groups()
    occ = group.occurrences[0]
    assert Path(occ.input_path).is_absolute()
    assert CropMaker().crop(Path(occ.input_path), occ.page, occ.bbox, occ.line_bbox).startswith(b"\x89PNG")


def test_a_decision_whose_outputs_cannot_be_regenerated_can_still_be_undone(sample, monkeypatch):
    from pipeline import process
    from pipeline.errors import DictionaryError

    out, corrections = sample
    session = _session(sample)
    group = session.groups()[0]
    # A failure while regenerating is reported per file, not raised.

    def broken(*a, **k):
        raise DictionaryError("the dictionary is gone")

    monkeypatch.setattr(process, "correct_document", broken)
    monkeypatch.setattr(process, "correct_document_recorded", broken)
    step = session.decide(group.id, "envisage")
    session.wait()  # (the outputs are regenerated in the background: its failures reach the step)
    assert sorted(f.rel for f in step.failed) == ["a.png", "sub/b.png"]
    assert "the dictionary is gone" in step.failed[0].error
    assert len(_entries(corrections)) == 1
    use_fake_corrector(monkeypatch)
    session.undo()
    assert _entries(corrections) == ()
    assert "We chvisage no" in (out / "a.txt").read_text()


def test_an_undo_whose_outputs_cannot_be_regenerated_is_undone_and_says_so(sample, monkeypatch):
    """Undo takes the entries out, then regenerates the outputs: where that fails as a whole (the
    workspace busy, the dictionaries gone), the undo is still done, and counted, and the files are
    named as any decision's are (and at the review's end). The error escaped: the page said 'Not
    undone' while the entry was gone and the step off the stack, the count still took it as
    decided, and the end of the review did not name the stale outputs."""
    import sqlite3

    from pipeline.review import actions

    out, corrections = sample
    session = _session(sample)
    group = next(g for g in session.groups() if g.form == "chvisage")
    session.decide(group.id, "envisage")
    session.wait()
    assert session.progress()["decided"] == 1

    def busy(*a, **k):
        raise sqlite3.OperationalError("database is locked")

    monkeypatch.setattr(actions, "recorrect_outputs", busy)
    step = session.undo()
    assert _entries(corrections) == () and session.undo_stack == []
    assert session.progress()["decided"] == 0
    assert sorted(f.rel for f in step.failed) == ["a.png", "sub/b.png"] and "database is locked" in step.failed[0].error
    assert sorted(session.unwritten) == ["a.png", "sub/b.png"]


def test_a_correction_typed_with_the_words_own_punctuation_is_not_doubled(sample):
    """Typing what one sees ("envisage," for "chvisage,") replaces the core: the occurrence keeps
    its comma once, not twice; a possessive likewise."""
    out, corrections = sample
    session = _session(sample)
    group = next(g for g in session.groups() if g.form == "chvisage")
    occ = next(o for o in group.occurrences if o.text == "chvisage,")
    session.decide(group.id, "envisage,", occurrence_id=occ.id)
    session.wait()
    [entry] = _entries(corrections)
    assert entry.replacement == "envisage"
    assert "envisage," in (out / "a.txt").read_text() and "envisage,," not in (out / "a.txt").read_text()
    from pipeline.review.actions import _without_own_punctuation

    assert _without_own_punctuation("office's", "office's") == "office"
    assert _without_own_punctuation("U.S.", "US") == "U.S."  # nothing of its own to take off
    assert _without_own_punctuation("Powell/Parker", "lowell/larker,") == "Powell/Parker"


def test_terminal_starts_each_new_group_with_all_occurrences(sample):
    # "n" marks one occurrence of chvisage and decides it alone; after skipping the rest of that
    # group, the next group's "keep" is for all its occurrences, as the web page does.
    out, corrections = sample
    result, screen = _terminal(sample, "n\ne envisage\ns\nk\nq\n")
    entries = _entries(corrections)
    assert [e.scope.kind for e in entries if e.ocr == "chvisage"] == ["word"]
    others = [e for e in entries if e.ocr != "chvisage"]
    assert others and all(e.scope.kind != "word" for e in others)


def test_undo_survives_a_restart_and_takes_back_every_entry_of_a_decision(sample):
    out, corrections = sample
    first = _session(sample)
    chvisage = next(g for g in first.groups() if g.form == "chvisage")
    first.decide(chvisage.id, "envisage", shown_only=True)  # three word entries
    first.skip(next(g for g in first.groups() if g.form == "Sulverb").id)
    assert len(_entries(corrections)) == 3
    first.close()  # (a review finishes its regenerations before it exits, as `ocrfix review` does)

    again = _session(sample)  # a new review of the same folder
    assert again.progress()["decided"] == 1 and len(again.undo_stack) == 1  # the skip was the last session's own
    step = again.undo()
    assert step is not None and step.form == "chvisage"
    assert _entries(corrections) == ()
    assert "chvisage" in (out / "a.txt").read_text()
    assert _session(sample).undo() is None  # nothing left to undo, after another restart too


def test_a_decision_kept_for_undo_that_this_version_cannot_read_does_not_stop_the_review(sample):
    """A decision kept for undo by another version of ocrfix (an entry field this one does not know,
    or a rule it has since): the review stopped at its start with a pydantic traceback. It starts;
    undo takes back the decisions after that one, and stops there (what it cannot read it cannot
    take back, nor reach past)."""
    import json

    from pipeline.workspace import open_workspace

    out, corrections = sample
    first = _session(sample, background=False)
    first.decide(next(g for g in first.groups() if g.form == "Sulverb").id, "Sulverh")
    unreadable = json.loads(first.undo_stack[-1].to_json())
    unreadable["saved"][0]["entry"]["weight"] = 2  # (a field of a newer version)
    with open_workspace(out, create=False) as ws:
        ws.push_review_step(json.dumps(unreadable))
    first.decide(next(g for g in first.groups() if g.form == "chvisage").id, "envisage")

    again = _session(sample, background=False)
    assert again.progress()["decided"] == 1
    assert again.undo().form == "chvisage"
    assert again.undo() is None
    assert [e.ocr for e in _entries(corrections)] == ["Sulverb"]


def hold_regenerations(monkeypatch) -> threading.Event:
    """Hold the review's regenerations of outputs back until the event returned is set (a slow
    folder: what the review says and does while they run)."""
    from pipeline.review import actions

    release = threading.Event()
    real = actions.recorrect_outputs

    def slow(*args, **kwargs):
        assert release.wait(30), "the test never released the regeneration"
        return real(*args, **kwargs)

    monkeypatch.setattr(actions, "recorrect_outputs", slow)
    return release


def test_a_decision_returns_before_its_outputs_are_regenerated_and_its_group_leaves_the_queue_at_once(sample, monkeypatch):
    """The next group is shown without waiting: regeneration runs in the background, what the
    decision decided is out of the queue meanwhile, and the progress says how many files are left."""
    out, corrections = sample
    release = hold_regenerations(monkeypatch)
    session = _session(sample)
    chvisage = next(g for g in session.groups() if g.form == "chvisage")
    step = session.decide(chvisage.id, "envisage")  # returns while the regeneration waits
    assert step.saved and len(_entries(corrections)) == 1
    assert "chvisage" not in [g.form for g in session.groups()]
    assert session.progress()["regenerating"] == 2
    assert "We chvisage no" in (out / "a.txt").read_text()  # not regenerated yet
    release.set()
    session.wait()
    assert session.progress()["regenerating"] == 0
    assert "We envisage no" in (out / "a.txt").read_text()
    assert "chvisage" not in [g.form for g in session.groups()]


def test_the_files_being_regenerated_are_counted_once_each(sample, monkeypatch):
    """Two decisions on one file in a row, or twelve in a folder of four: "regenerating 12 files" on
    the page and as the review ended, a count of regenerations where it says files."""
    release = hold_regenerations(monkeypatch)
    session = _session(sample)
    session.decide(next(g for g in session.groups() if g.form == "chvisage").id, "envisage")  # a.png, sub/b.png
    session.decide(next(g for g in session.groups() if g.form == "Sulverb").id, "Sulverh")  # a.png
    assert session.progress()["regenerating"] == 2
    release.set()
    session.close()
    assert session.progress()["regenerating"] == 0


def test_the_queue_is_read_from_the_workspace_as_the_correction_stored_it(tmp_path, monkeypatch):
    """A folder processed by the batch (fake engine, the real corrector) stores each file's queue
    with its outputs; review reads it from there, and it is what working it out again gives, before
    and after a decision."""
    from conftest import FakeEngine
    from pipeline.batch import run_batch
    from pipeline.options import CorrectOptions, Options
    from pipeline.review import queue as queue_module
    from pipeline.review.actions import ReviewSession
    from pipeline.workspace import open_workspace

    read = [[("The", 95), ("Goverment", 40), ("wishes", 95), ("tbe", 30), ("Sulverb", 35)],
            [("that", 95), ("Linistry", 30), ("of", 96), ("chvisage", 20), ("Minister", 94)]]
    images = []
    for name in ("a.png", "b.png"):
        images.append((tmp_path / name, Path(name)))
        cv2.imwrite(str(tmp_path / name), np.full((100, 400), 255, np.uint8))
    corrections = tmp_path / "corrections.yaml"
    options = Options(workers=1, correct=CorrectOptions(corrections_file=corrections))
    run_batch(images, tmp_path / "out", options, load_corrections(corrections), engine=FakeEngine([read]))
    with open_workspace(tmp_path / "out", create=False) as ws:
        assert set(ws.queues()) == {"a.png", "b.png"}

    def queue(session):
        return [(g.id, [(o.rel, o.line, o.word, o.current, o.suggestions, o.p_wrong) for o in g.occurrences]) for g in session.groups()]

    worked_out = []
    real_scan = queue_module.scan_file

    def counting_scan(*args, **kwargs):
        worked_out.append(args[1])
        return real_scan(*args, **kwargs)

    monkeypatch.setattr("pipeline.review.actions.scan_file", counting_scan)
    stored = ReviewSession(tmp_path / "out", reviewer="t")
    assert worked_out == []  # every file's queue came from the workspace
    again = ReviewSession(tmp_path / "out", reviewer="t", threshold=queue_module.DEFAULT_THRESHOLD + 0.001)
    assert sorted(worked_out) == ["a.png", "b.png"]
    assert queue(stored) and queue(stored) == queue(again)
    group = stored.groups()[0]
    stored.decide(group.id, None)
    stored.wait()
    worked_out.clear()
    fresh = ReviewSession(tmp_path / "out", reviewer="t")
    assert worked_out == []  # the decision's regeneration stored the new queues
    assert group.form not in [g.form for g in fresh.groups()]
    assert queue(fresh) == queue(stored)


def test_terminal_leaves_a_series_variant_out(series):
    from rich.console import Console

    from pipeline.review.actions import ReviewSession
    from pipeline.review.terminal import run_terminal_review

    out, corrections = series
    session = ReviewSession(out, corrections, reviewer="Test Reviewer")
    skips = "".join("s\n" for g in session.groups() if len(g.members) == 1 and g.score > next(
        x for x in session.groups() if len(x.members) == 3).score)
    console = Console(file=io.StringIO(), width=200, color_system=None)
    # x c: leave luinistry out (and x z: no such letter); then 1 for the other two
    run_terminal_review(session, input=io.StringIO(skips + "x z\nx c\n1\nq\n"), console=console)
    shown = console.file.getvalue()
    assert "series: a Linistry b lninistry c luinistry" in shown
    assert "c luinistry (left out)" in shown and "x takes the letter of a series variant" in shown
    assert sorted((e.ocr, e.replacement) for e in _entries(corrections)) == [("Linistry", "Ministry"), ("lninistry", "ministry")]
    assert "a luinistry note" in (out / "c.txt").read_text()


def test_ocrfix_review_regenerates_in_a_worker_process(tmp_path):
    """As `ocrfix review` runs it: a decision's outputs are regenerated by a worker process of the
    session's own (the real correction code, nothing faked: the folder's corrector is off, so the
    worker applies corrections.yaml); its failures would reach the step; close() stops it."""
    from pipeline.review.actions import ReviewSession

    out, corrections = build_sample(tmp_path, correct=False)
    session = ReviewSession(out, corrections, reviewer="Test Reviewer", regenerate_in="process")
    try:
        chvisage = next(g for g in session.groups() if g.form == "chvisage")
        step = session.decide(chvisage.id, "envisage")
        session.wait()
        assert step.failed == []
        assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"
        assert "They envisage it" in (out / "sub" / "b.txt").read_text()
        assert "chvisage" not in [g.form for g in session.groups()]
        assert session._in_process is not None and session._in_process._pool is not None  # (it ran there)
    finally:
        session.close()
    assert session._in_process._pool is None


def test_queue_index_kept_up_to_date_orders_as_one_made_anew() -> None:
    """The index orders from its last order (fast after a key); after many files' queues changed,
    with series forming and breaking and forms hidden, its order is the one a new index gives."""
    import random

    from pipeline.review.queue import Occurrence, QueueIndex

    rng = random.Random(3)
    forms = ["tbe", "tlie", "Linistry", "lninistry", "luinistry", "goverment", "recieve", "Politicial", "chvisage", "wvas"]
    suggestions = {"Linistry": ("ministry",), "lninistry": ("ministry",), "luinistry": ("ministry",), "goverment": ("government",)}

    def file_queue(rel: str) -> list[Occurrence]:
        words = [rng.choice(forms) for _ in range(rng.randrange(0, 6))]
        return [Occurrence(f"{rel}-{i}", rel, rel, 1, i, 0, w, w, w, 50.0, True, suggestions.get(w, ()), None, None, "", "",
                           p_wrong=round(rng.random(), 3)) for i, w in enumerate(words)]

    kept = QueueIndex()
    queues = {f"f{k}.png": file_queue(f"f{k}.png") for k in range(30)}
    for rel, occurrences in queues.items():
        kept.replace(rel, occurrences)
    for _ in range(40):
        for rel in rng.sample(sorted(queues), 3):
            queues[rel] = file_queue(rel)
            kept.replace(rel, queues[rel])
        hidden = set(rng.sample(forms, 2))
        some = [o for occurrences in queues.values() for o in occurrences]
        words = {(o.form, o.id) for o in rng.sample(some, min(len(some), 4))}
        fresh = QueueIndex()
        for rel, occurrences in queues.items():
            fresh.replace(rel, occurrences)
        for hiding in ((), (hidden,), (hidden, words, {f for f, _ in words}), ((), words, {f for f, _ in words})):
            assert [(g.id, g.members, [o.id for o in g.occurrences]) for g in kept.groups(*hiding)] == \
                [(g.id, g.members, [o.id for o in g.occurrences]) for g in fresh.groups(*hiding)]
        expected = sorted(fresh.groups(hidden), key=lambda g: (-round(g.score, 6), -g.count, g.form))
        assert [g.id for g in kept.groups(hidden)] == [g.id for g in expected]  # (most useful decision first)
    assert any(len(g.members) > 1 for g in kept.groups())  # (a series formed)


def test_every_word_flagged_in_the_json_is_queued_also_of_a_split_token() -> None:
    """The corrector split "to,me" and flagged only "me", and made a flagged "a" of a "«": both are
    queued (the token as read, what the output says now, suggestions in place), while a dash it
    left alone is not."""
    from pipeline.corrections import Corrections
    from pipeline.review.queue import file_queue

    def word(text, box, **kw):
        return Word(text=text, confidence=80.0, bbox=box, **kw)

    boxes = [(10, 10, 50, 30), (60, 10, 120, 30), (130, 10, 140, 30), (150, 10, 160, 30)]
    raw_line = Line(words=[word("said", boxes[0]), word("to,me", boxes[1]), word("«", boxes[2]), word("-", boxes[3])])
    out_line = Line(words=[word("said", boxes[0], p_wrong=0.01), word("to", boxes[1], p_wrong=0.1),
                           word("me", boxes[1], p_wrong=0.3, flagged=True, suggestions=["mo"]),
                           word("a", boxes[2], p_wrong=0.4, flagged=True), word("-", boxes[3], p_wrong=0.9)])
    raw = Document(source="a.png", pages=[Page(source="a.png", lines=[raw_line])])
    out = Document(source="a.png", pages=[Page(source="a.png", lines=[out_line])])
    queued = file_queue("a.png", "a.png", raw, out, Corrections()).occurrences
    assert [(o.text, o.current, o.p_wrong) for o in queued] == [("to,me", "to me", 0.3), ("«", "a", 0.4)]
    assert queued[0].suggestions[:2] == ("to me", "to mo")
    flagged = [w.text for w in out_line.words if w.flagged]
    assert flagged == ["me", "a"]


# -- deleting specks ------------------------------------------------------------------------------

# A speck read as "-_" twice (the corrector flags it: punctuation alone, likely wrong), and a real
# hyphen-underscore nowhere: deleting is by place, so the two shown go and nothing else could.
SPECKS = {"c.png": [[("the", 95), ("-_", 10), ("report", 95)], [("a", 95), ("-_", 12), ("note", 95)]]}


@pytest.fixture
def specks(tmp_path, fake_corrector, monkeypatch):
    monkeypatch.setitem(FLAGS, "-", [])
    return build_sample(tmp_path, {**SAMPLE, **SPECKS})


def test_deleting_a_speck_writes_one_empty_entry_per_place_and_undo_puts_it_back(specks):
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    out, corrections = specks
    with TestClient(create_app(out, corrections, TOKEN, reviewer="Test Reviewer"), base_url="http://127.0.0.1:8765") as client:
        assert client.get(f"/?token={TOKEN}", follow_redirects=False).status_code == 303
        client.headers["X-Ocrfix-Token"] = TOKEN
        group = _group(client, "-")
        assert group["count"] == 2
        # "all" is never how far a deletion goes: each occurrence shown, by its box
        r = _decide(client, group=group["id"], action="delete", scope="all")
        assert r.status_code == 200, r.text
        assert "'-_' deleted (the 2 occurrences shown" in r.json()["step"]["description"]
        entries = _entries(corrections)
        assert [(e.ocr, e.replacement, e.scope.kind) for e in entries] == [("-_", "", "word")] * 2
        assert (out / "c.txt").read_text() == "the report\na note\n"
        assert not any(g["form"] == "-" for g in _queue(client)["groups"])
        assert client.post("/api/undo").status_code == 200
        client.app.state.session.wait()
        assert _entries(corrections) == ()
        assert (out / "c.txt").read_text() == "the -_ report\na -_ note\n"


def test_terminal_d_deletes_the_marked_occurrence_only(specks):
    out, corrections = specks
    session = _session(specks)
    order = [g.form for g in session.groups()]
    # to the speck group (skipping the ones before it), mark its second occurrence (n), delete it
    keys = "s\n" * order.index("-") + "n\nd\nq\n"
    result, shown = _terminal(specks, keys)
    assert "d delete" in shown
    entries = _entries(corrections)
    assert [(e.ocr, e.replacement, e.scope.kind) for e in entries] == [("-_", "", "word")]
    assert (out / "c.txt").read_text() == "the -_ report\na note\n"


def test_crops_come_from_where_the_scans_are_now(tmp_path):
    """Scans moved and processed again from their new place ("unchanged"): the queue stored with
    each file at its correction still names the old place, and the crops are read from the new one."""
    import cv2
    from fastapi.testclient import TestClient

    from conftest import FakeEngine, text_page
    from pipeline.batch import run_batch
    from pipeline.corrections import Corrections
    from pipeline.options import Options
    from pipeline.review.server import create_app

    scans = tmp_path / "scans"
    scans.mkdir()
    cv2.imwrite(str(scans / "a.png"), text_page("Telegram"))
    read = [[("the", 95.0), ("goverment", 40.0), ("said", 95.0)]]
    out, corrections = tmp_path / "out", tmp_path / "corrections.yaml"
    options = Options(workers=1)
    run_batch([(scans / "a.png", Path("a.png"))], out, options, Corrections(), engine=FakeEngine([read]))
    moved = scans.rename(tmp_path / "moved")
    again = run_batch([(moved / "a.png", Path("a.png"))], out, options, Corrections(), engine=FakeEngine([read]))
    assert [r.action for r in again.results] == ["skip"]
    with TestClient(create_app(out, corrections, TOKEN, reviewer="Test Reviewer"), base_url="http://127.0.0.1:8765") as client:
        assert client.get(f"/?token={TOKEN}", follow_redirects=False).status_code == 303
        client.headers["X-Ocrfix-Token"] = TOKEN
        occurrence = _queue(client)["groups"][0]["occurrences"][0]
        got = client.get(occurrence["crop"])
        assert got.status_code == 200 and got.headers["content-type"] == "image/png", got.text


def test_cli_review_names_the_host_or_the_port_that_cannot_be_listened_on(tmp_path):
    import socket
    import subprocess

    from conftest import OCRFIX

    out, _ = build_sample(tmp_path, correct=False)
    wrong = subprocess.run([OCRFIX, "review", str(out), "--no-browser", "--host", "nosuchhost.invalid"],
                           capture_output=True, text=True, timeout=60)
    assert wrong.returncode == 2 and "give --host an address of this machine" in wrong.stderr
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        busy = subprocess.run([OCRFIX, "review", str(out), "--no-browser", "--port", str(taken.getsockname()[1])],
                              capture_output=True, text=True, timeout=60)
    assert busy.returncode == 2 and "choose another --port" in busy.stderr


def test_two_review_sessions_never_undo_or_overwrite_each_others_decisions(sample):
    """Session 18's sweep: B, whose queue still showed a word A had decided, saved over A's entry
    without a word, and A's undo then removed B's entry and B's record of it; an undo that failed
    on a broken corrections.yaml was lost, and the next undo took back an earlier decision."""
    from pipeline.errors import OcrfixError

    out, corrections = sample
    a, b = _session(sample), _session(sample)
    chv_a = next(g for g in a.groups() if g.form == "chvisage")
    chv_b = next(g for g in b.groups() if g.form == "chvisage")
    a.decide(chv_a.id, "envisage")
    with pytest.raises(OcrfixError, match="decided meanwhile by Test Reviewer"):
        b.decide(chv_b.id, None)  # B's queue was read before A's decision
    assert [(e.ocr, e.replacement) for e in _entries(corrections)] == [("chvisage", "envisage")]
    assert all(g.form != "chvisage" for g in b.groups())  # read again: A's decision is seen
    sulverb = next(g for g in b.groups() if g.form == "Sulverb")
    b.decide(sulverb.id, None)
    a.wait(), b.wait()
    assert a.undo().form == "chvisage"  # A's own, though B decided last
    assert [e.ocr for e in _entries(corrections)] == ["Sulverb"]
    # A broken file: the undo fails and stays on the stack, and succeeds once the file is mended.
    text = corrections.read_text()
    corrections.write_text(text + "  - ocr: [broken\n")
    with pytest.raises(OcrfixError):
        b.undo()
    corrections.write_text(text)
    assert b.undo().form == "Sulverb" and _entries(corrections) == ()
    assert _session(sample).undo() is None  # both records gone from the workspace


def test_terminal_review_shows_every_key_on_an_80_column_terminal(sample):
    """The keys were the panel's subtitle, which Rich cut to the panel's width: s skip, u undo and
    q quit were never seen at 80 columns (session 18's sweep of review)."""
    from rich.console import Console

    from pipeline.review.actions import ReviewSession
    from pipeline.review.terminal import run_terminal_review

    out, corrections = sample
    console = Console(file=io.StringIO(), width=80, color_system=None)
    run_terminal_review(ReviewSession(out, corrections, reviewer="t"), input=io.StringIO("q\n"), console=console)
    shown = " ".join(console.file.getvalue().split())
    for key in ("1-9 pick", "e type a correction", "s skip", "u undo", "q quit"):
        assert key in shown, key


def test_an_undo_that_finds_its_entry_changed_by_another_hand_leaves_it_and_says_so(sample):
    from pipeline.corrections import load_corrections, save_entry

    out, corrections = sample
    session = _session(sample)
    chv = next(g for g in session.groups() if g.form == "chvisage")
    step = session.decide(chv.id, "envisage")
    session.wait()
    [entry] = load_corrections(corrections).entries
    save_entry(corrections, entry.model_copy(update={"replacement": "envisaged"}), update=True)  # by hand
    undone = session.undo()
    assert undone is step and undone.left == [entry.entry_id] and "left as another session" in undone.describe()
    assert [e.replacement for e in _entries(corrections)] == ["envisaged"]


def test_a_review_of_a_folder_still_being_processed_says_which_files_it_leaves_out(tmp_path, fake_corrector):
    """`ocrfix review` started while `ocrfix process` has not finished the folder (or failed on some
    files) reviews only the files done: it says so, and never that every queued word is decided."""
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.review.server import create_app
    from pipeline.workspace import open_workspace

    out, corrections = build_sample(tmp_path, {"a.png": [[("We", 95), ("know", 95)]]})
    with open_workspace(out) as ws:  # two more files the run has not done: one to come, one failed
        ws.mark_pending("b.png", tmp_path / "in" / "b.png")
        ws.mark_pending("c.png", tmp_path / "in" / "c.png")
        ws.mark_failed("c.png", "broken")
        ws.commit()
    result = CliRunner().invoke(app, ["review", str(out), "--terminal"], input="q\n")
    assert result.exit_code == 0, result.output
    assert "2 of the folder's 3 files are not processed" in result.output and "not in this review" in result.output
    one, _ = build_sample(tmp_path / "one", {"a.png": [[("We", 95), ("know", 95)]]})
    with open_workspace(one) as ws:  # (one file left out: '1 of the folder's 2 files is', not 'are')
        ws.mark_pending("b.png", tmp_path / "in" / "b.png")
        ws.commit()
    result = CliRunner().invoke(app, ["review", str(one), "--terminal"], input="q\n")
    assert "1 of the folder's 2 files is not processed yet or failed" in result.output, result.output
    web = create_app(out, corrections, TOKEN, reviewer="Test Reviewer")
    with TestClient(web, base_url="http://127.0.0.1:8765") as c:
        page = " ".join(c.get(f"/?token={TOKEN}").text.split())
    assert "Every queued word has a decision" not in page
    assert "2 of the folder's 3 files" in page and "not in this review" in page


def test_cli_review_on_localhost_does_not_warn_that_other_machines_can_reach_it(tmp_path):
    """--host localhost (or ::1) listens on this machine only: the warning that anyone who can reach
    it can change corrections.yaml is for addresses other machines can reach, as 0.0.0.0."""
    import signal
    import subprocess

    from conftest import OCRFIX

    out, _ = build_sample(tmp_path, correct=False)
    said = {}
    for host in ("localhost", "0.0.0.0"):
        proc = subprocess.Popen([OCRFIX, "review", str(out), "--no-browser", "--host", host], stderr=subprocess.PIPE, text=True,
                                preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        lines = []
        try:
            while not lines or "Press Ctrl-C" not in lines[-1]:
                line = proc.stderr.readline()
                assert line, "".join(lines)
                lines.append(line)
        finally:
            proc.send_signal(signal.SIGINT)
            proc.communicate(timeout=15)
        said[host] = "".join(lines)
    assert "anyone who can reach it" not in said["localhost"] and "Open http://localhost:" in said["localhost"]
    assert "anyone who can reach it" in said["0.0.0.0"]


def test_a_decision_that_could_not_be_written_is_neither_counted_nor_undone(sample):
    """corrections.yaml that cannot be written (here its lock, as on a read-only folder): the
    decision is refused, and is not counted as decided nor put on the undo stack, where the next u
    'undid' it ("nothing saved for ...") instead of the person's last real decision, in this
    review and the next."""
    from pipeline.errors import OutputError

    out, corrections = sample
    session = _session(sample)
    first, second = session.groups()[:2]
    kept = session.decide(first.id, None)  # a decision that was written
    session.wait()
    lock = corrections.with_name(corrections.name + ".lock")
    lock.unlink(missing_ok=True)
    lock.mkdir()
    with pytest.raises(OutputError, match="nothing was written"):
        session.decide(second.id, "Sulverh")
    with pytest.raises(OutputError, match="nothing was written"):
        session.edit_line("a.png", 0, 0, "We envisage no difficulty.")
    assert session.progress()["decided"] == 1
    lock.rmdir()
    undone = session.undo()
    assert undone is not None and undone.saved == kept.saved
    assert _entries(corrections) == ()
    session.close()
    assert _session(sample).undo_stack == []


@contextlib.contextmanager
def _review_in_its_own_session(out, reviewer: str):
    """``ocrfix review OUT --no-browser`` in a session of its own (Ctrl-C is sent to its group, as a
    terminal does): the process, the app's address and its token, once it has printed them. A review
    still running at the end is killed."""
    import os
    import signal
    import subprocess

    from conftest import OCRFIX

    proc = subprocess.Popen([OCRFIX, "review", str(out), "--no-browser", "--reviewer", reviewer], stderr=subprocess.PIPE,
                            text=True, start_new_session=True)
    try:
        url = None
        while url is None:
            line = proc.stderr.readline()
            assert line, "no address printed"
            m = re.search(r"Open (http://\S+)", line)
            url = m.group(1) if m else None
        yield proc, url.split("?")[0], url.split("token=")[1]
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.communicate()


def _ctrl_c(proc) -> str:
    """Ctrl-C as a terminal sends it, to every process of the review's group: its stderr once it ended."""
    import os
    import signal

    os.killpg(proc.pid, signal.SIGINT)
    return proc.communicate(timeout=30)[1]


def _decide_over_http(client, base: str, token: str, form: str, **how) -> None:
    """Decide the group of ``form`` through a running review's API (``how``: the decision's action and its
    arguments), as the page's key does."""
    group = next(g for g in client.get(base + "api/queue").json()["groups"] if g["form"] == form)
    r = client.post(base + "api/decide", json={"group": group["id"], **how}, headers={"X-Ocrfix-Token": token})
    assert r.status_code == 200, r.text


def test_ctrl_c_while_a_decision_is_regenerated_finishes_it_and_ends_the_review(tmp_path):
    """Ctrl-C at the terminal reaches the whole process group: the review's regeneration worker too.
    The review finishes the decision's outputs and ends; the worker took the KeyboardInterrupt, the
    regeneration thread died with a traceback, and the review hung for ever in 'Regenerating the
    outputs of the last decisions ...' with the outputs not regenerated."""
    import time

    import httpx

    out, corrections = build_sample(tmp_path, correct=False)
    with _review_in_its_own_session(out, "Ctrl C") as (proc, base, token):
        with httpx.Client(timeout=30) as c:
            c.get(f"{base}?token={token}", follow_redirects=True)
            # A first decision, regenerated: the worker is running (as it is after a review's first key).
            _decide_over_http(c, base, token, "Sulverb", action="keep")
            while c.get(base + "api/queue?limit=0").json()["progress"]["regenerating"]:
                time.sleep(0.1)
            _decide_over_http(c, base, token, "chvisage", action="suggestion", index=0)
        err = _ctrl_c(proc)
    assert "Traceback" not in err and "KeyboardInterrupt" not in err, err
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"


def test_ctrl_c_right_after_the_first_decision_regenerates_it(tmp_path):
    """Ctrl-C at once after the review's first decision, while its regeneration worker is starting
    (forked from the forkserver, its initializer not yet run): the worker ignores it as it will once
    started, and the review finishes the decision's outputs and ends (exit 130, as Ctrl-C ends the
    web review). The starting worker died of it: 'the outputs of 1 files were not regenerated ...
    A process in the process pool was terminated abruptly', exit 8, the outputs stale."""
    import httpx

    out, corrections = build_sample(tmp_path, correct=False)
    with _review_in_its_own_session(out, "Ctrl C") as (proc, base, token):
        with httpx.Client(timeout=30) as c:
            c.get(f"{base}?token={token}", follow_redirects=True)
            _decide_over_http(c, base, token, "chvisage", action="suggestion", index=0)
        err = _ctrl_c(proc)
    assert proc.returncode == 130 and "not regenerated" not in err and "Traceback" not in err, err
    assert (out / "a.txt").read_text() == "We envisage no difficulty.\nThe Sulverb telegram envisage,\n"


def test_ctrl_c_twice_ends_the_web_review_without_a_traceback(tmp_path):
    """An impatient second Ctrl-C while the web review was ending printed uvicorn's "ERROR:
    Traceback ... KeyboardInterrupt ... CancelledError" of the app's lifespan task (the app has no
    startup or shutdown to run): the review ended as it should, under a screen of traceback."""
    import os
    import signal
    import time

    import httpx

    out, corrections = build_sample(tmp_path, correct=False)
    with _review_in_its_own_session(out, "Ctrl C") as (proc, base, token):
        with httpx.Client(timeout=30) as c:
            c.get(f"{base}?token={token}", follow_redirects=True)
            _decide_over_http(c, base, token, "chvisage", action="suggestion", index=0)
        os.killpg(proc.pid, signal.SIGINT)
        time.sleep(0.1)
        err = _ctrl_c(proc)
    assert "Traceback" not in err and "ERROR" not in err, err
    assert "decided" in err


def test_a_decision_for_all_occurrences_outside_the_documents_given_is_refused(sample):
    """`ocrfix review --documents GLOB`: "all occurrences" means those in the documents matching
    GLOB, but the queue shows every document's words. Deciding for all a word shown only outside
    them wrote an entry that changes none of them ('kept as typed (documents GLOB)', counted as
    decided, the word back in the next review): it is refused, saying what to do."""
    from pipeline.errors import UsageError

    out, corrections = sample
    session = _session(sample, documents="other/*")
    sulverb = next(g for g in session.groups() if g.form == "Sulverb")  # (in a.png only)
    with pytest.raises(UsageError, match="documents other/\\*") as refused:
        session.decide(sulverb.id, "Sulverh")
    assert "only the selected occurrence" in str(refused.value)
    assert _entries(corrections) == () and session.progress()["decided"] == 0
    # Decided for the occurrence shown, by its box, it applies.
    step = session.decide(sulverb.id, "Sulverh", occurrence_id=sulverb.occurrences[0].id)
    session.wait()
    assert step.saved[0].entry.scope.kind == "word" and "Sulverh" in (out / "a.txt").read_text()
    session.close()


def test_undo_takes_back_only_decisions_written_to_this_reviews_corrections_file(sample):
    """A review of the folder with another corrections file (--corrections) has none of the earlier
    review's entries to take back: u said 'undone' and left the entry where it was."""
    out, corrections = sample
    session = _session(sample)
    group = next(g for g in session.groups() if g.form == "chvisage")
    session.decide(group.id, "envisage")
    session.close()
    other = corrections.with_name("other.yaml")
    elsewhere = _session((out, other))
    assert elsewhere.undo_stack == [] and elsewhere.undo() is None
    elsewhere.close()
    again = _session(sample)  # (the first file's review still can)
    assert again.undo() is not None and _entries(corrections) == ()
    again.close()


def test_outputs_a_review_could_not_regenerate_are_named_when_it_ends(tmp_path):
    """A decision is saved, but its outputs are regenerated in the background: where that failed
    (an output that cannot be written), the terminal review said nothing and ended '1 decided',
    exit 0, the outputs without the decision. It names the files and exits as an output error."""
    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.errors import OutputError

    out, corrections = build_sample(tmp_path, correct=False)
    (out / "a.txt").unlink()
    (out / "a.txt").mkdir()  # (a folder in the output's place: it cannot be replaced)
    (out / "a.txt" / "keep").write_text("x")
    result = CliRunner().invoke(app, ["review", str(out), "--terminal", "--reviewer", "T"], input="1\nq\n")
    assert [e.replacement for e in _entries(corrections)] == ["envisage"]  # (the decision is saved)
    error = result.exception
    assert isinstance(error, OutputError) and error.exit_code == 8, result.output
    assert "a.png" in str(error) and "not regenerated" in str(error) and "ocrfix process" in str(error)
    assert "the outputs of 1 file were not regenerated" in str(error)  # (it said '1 files')


def test_a_blank_reviewer_is_the_login_name_as_an_empty_one_is(tmp_path, monkeypatch):
    """--reviewer " " (a name variable of spaces): every decision was refused ('approved_by: must
    say who decided') for the whole review; it is taken as no name, as --reviewer "" is."""
    from typer.testing import CliRunner

    from pipeline.cli import app

    out, corrections = build_sample(tmp_path, correct=False)
    monkeypatch.setenv("USER", "cli-user")
    monkeypatch.setenv("LOGNAME", "cli-user")
    result = CliRunner().invoke(app, ["review", str(out), "--terminal", "--reviewer", "  "], input="1\nq\n")
    assert result.exit_code == 0, result.output
    [entry] = _entries(corrections)
    assert entry.approved_by == "cli-user"


def test_the_web_review_ended_with_ctrl_c_names_the_outputs_it_could_not_regenerate(tmp_path):
    """Ctrl-C is how the web review ends: the files whose outputs its decisions could not be
    written to are named then too (it ended 'interrupted', exit 130, saying nothing of them)."""
    import time

    import httpx

    out, corrections = build_sample(tmp_path, correct=False)
    (out / "a.txt").unlink()
    (out / "a.txt").mkdir()  # (a folder in the output's place: it cannot be replaced)
    (out / "a.txt" / "keep").write_text("x")
    with _review_in_its_own_session(out, "Web") as (proc, base, token):
        with httpx.Client(timeout=30) as c:
            c.get(f"{base}?token={token}", follow_redirects=True)
            _decide_over_http(c, base, token, "chvisage", action="suggestion", index=0)
            while c.get(base + "api/queue?limit=0").json()["progress"]["regenerating"]:
                time.sleep(0.1)
        err = _ctrl_c(proc)
    assert proc.returncode == 8, err
    assert "a.png" in err and "not regenerated" in err


def test_cli_review_on_a_port_only_root_may_open_says_to_choose_another_port(tmp_path, monkeypatch):
    """--port 80 as a user: the system refuses it (EACCES), and the message told to give --host an
    address of this machine, which the host already was."""
    import errno
    import socket

    from typer.testing import CliRunner

    from pipeline.cli import app
    from pipeline.errors import UsageError

    out, _ = build_sample(tmp_path, correct=False)

    def refused(self, address):  # what Linux answers a user below ip_unprivileged_port_start
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(socket.socket, "bind", refused, raising=False)
    result = CliRunner().invoke(app, ["review", str(out), "--no-browser", "--port", "80"])
    assert isinstance(result.exception, UsageError)
    assert "--port" in str(result.exception) and "--host" not in str(result.exception)


def test_a_read_only_corrections_file_is_not_written_over(sample):
    """corrections.yaml made read-only (chmod a-w: frozen, or a shared file) in a folder the
    reviewer may write: a decision replaced it all the same (the new text renamed over it), still
    marked read-only. It is refused, the file as it was."""
    import os

    from pipeline.corrections import Scope, add_entry, new_entry
    from pipeline.errors import OutputError

    out, corrections = sample
    add_entry(corrections, new_entry("Sulverb", "Sulverh", scope=Scope(), approved_by="earlier"))
    before = corrections.read_bytes()
    os.chmod(corrections, 0o444)
    session = _session(sample)
    group = next(g for g in session.groups() if g.form == "chvisage")
    with pytest.raises(OutputError, match="read-only"):
        session.decide(group.id, "envisage")
    assert corrections.read_bytes() == before and session.progress()["decided"] == 0
    session.close()


def test_the_review_of_a_folder_where_nothing_was_flagged_does_not_speak_of_decisions(tmp_path, fake_corrector):
    """A folder where no word was ever queued showed "Every queued word has a decision in
    corrections.yaml", which tells a reviewer who decided nothing that someone did."""
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    out, corrections = build_sample(tmp_path, {"a.png": [[("We", 95), ("know", 95)]]})
    web = create_app(out, corrections, TOKEN, reviewer="Test Reviewer")
    with TestClient(web, base_url="http://127.0.0.1:8765") as c:
        page = " ".join(c.get(f"/?token={TOKEN}").text.split())
    assert "Nothing left to review" in page and "Every queued word has a decision" not in page
    assert "No word of these files is waiting for a decision: none was flagged, or" in page
