"""Whole-page proofreading: a retyped line becomes box-scoped corrections.yaml entries
(``line_edit``, pure), the session writes them, regenerates the outputs and can undo them, and a
page's status is kept in the workspace and shown by ``ocrfix status``."""

from __future__ import annotations

import pytest

from pipeline.corrections import Scope, load_corrections, new_entry
from pipeline.model import Word
from pipeline.review.proofread import line_edit

from test_review import TOKEN, build_sample, use_fake_corrector  # noqa: F401  (the same sample folder)


def _w(text: str, x: int, y: int = 10) -> Word:
    return Word(text=text, bbox=(x, y, x + 10 * len(text), y + 20), confidence=90)


RAW = [_w("We", 0), _w("chvisage", 30), _w("tbe", 130), _w("plan.", 170)]
# as the outputs have it: the corrector changed two words, each on its own box
SHOWN = [_w("We", 0), _w("envisage", 30), _w("the", 130), _w("plan.", 170)]


def _plan(text: str, shown=SHOWN, raw=RAW, entries=()):
    edit = line_edit(raw, shown, text, document="a.png", page=0, entries=tuple(entries))
    return [(p.ocr, p.replacement, p.box) for p in edit.save], edit.remove


def test_unchanged_line_writes_nothing():
    assert _plan("We  envisage the plan.") == ([], [])


def test_each_retyped_word_is_an_entry_on_its_own_box_with_the_word_as_read():
    saved, removed = _plan("We envisaged tho plan.")
    assert saved == [("chvisage", "envisaged", (30, 10, 110, 30)), ("tbe", "tho", (130, 10, 160, 30))]
    assert removed == []


def test_an_inserted_word_is_written_with_the_word_before_it_or_at_the_start_after_it():
    assert _plan("We envisage the new plan.")[0] == [("tbe", "the new", (130, 10, 160, 30))]
    assert _plan("Now we envisage the plan.")[0] == [("We", "Now we", (0, 10, 20, 30))]
    # Before the first word as shown, nothing else changed: the typed word was lost, and the page
    # said "Saved" (session 18's sweep of review).
    assert _plan("Now We envisage the plan.")[0] == [("We", "Now We", (0, 10, 20, 30))]
    assert _plan("So We envisage the new plan. Yes")[0] == [("We", "So We", (0, 10, 20, 30)), ("tbe", "the new", (130, 10, 160, 30)),
                                                            ("plan.", "plan. Yes", (170, 10, 220, 30))]


def test_a_deleted_word_is_its_place_replaced_by_nothing():
    assert _plan("We envisage the")[0] == [("plan.", "", (170, 10, 220, 30))]


def test_retyping_what_tesseract_read_keeps_it_as_read():
    # the corrector's "envisage" was wrong here: the page says "chvisage" (a name, say)
    assert _plan("We chvisage the plan.")[0] == [("chvisage", None, (30, 10, 110, 30))]


def test_a_word_the_corrector_merged_is_edited_as_the_words_read_under_it():
    merged = [_w("We", 0), Word(text="envisagethe", bbox=(30, 10, 160, 30)), _w("plan.", 170)]
    assert _plan("We envisage the plan.", shown=merged)[0] == [("chvisage tbe", "envisage the", (30, 10, 160, 30))]


def test_an_earlier_entry_on_the_line_is_taken_into_the_new_one_that_overlaps_it():
    earlier = new_entry("chvisage tbe", "envisage these", scope=Scope(documents=("a.png",), page=0, box=(30, 10, 160, 30)),
                        approved_by="someone")
    elsewhere = new_entry("tbe", "the", scope=Scope(documents=("b.png",), page=0, box=(130, 10, 160, 30)), approved_by="someone")
    shown = [_w("We", 0), Word(text="envisage", bbox=(30, 10, 94, 30)), Word(text="these", bbox=(104, 10, 160, 30)), _w("plan.", 170)]
    saved, removed = _plan("We envisage those plan.", shown=shown, entries=[earlier, elsewhere])
    assert saved == [("chvisage tbe", "envisage those", (30, 10, 160, 30))]
    assert removed == [earlier]


def test_an_edit_needs_words_read_to_anchor_it():
    with pytest.raises(ValueError, match="no words as read"):
        line_edit([], [], "something new", document="a.png", page=0)


# -- the session, the outputs, undo, page status -------------------------------------------------

@pytest.fixture
def sample(tmp_path, monkeypatch):
    use_fake_corrector(monkeypatch)
    return build_sample(tmp_path)


def _session(sample):
    from pipeline.review.actions import ReviewSession

    out, corrections = sample
    return ReviewSession(out, corrections, reviewer="Proof Reader", background=False)


def test_page_view_shows_lines_as_read_and_as_the_outputs_have_them(sample):
    view = _session(sample).page_view("sub/b.png", 0)
    assert [line.text for line in view.raw] == ["They chvisage it", "Politicial matters a"]
    assert [line.text for line in view.shown] == ["They chvisage it", "Political matters a"]
    assert (view.status, view.pages, view.width > 0) == ("not started", 1, True)


def test_editing_a_line_writes_entries_regenerates_the_text_and_undo_takes_it_back(sample):
    out, corrections_file = sample
    session = _session(sample)
    step = session.edit_line("a.png", 0, 0, "We envisage no real difficulty.", shown="We chvisage no difficulty.")
    entries = load_corrections(corrections_file).entries
    assert {(e.ocr, e.replacement, e.scope.kind, e.scope.page) for e in entries} == {
        ("chvisage", "envisage", "word", 0), ("no", "no real", "word", 0)}
    assert all(e.approved_by == "Proof Reader" and e.context == "We chvisage no difficulty." for e in entries)
    text = (out / "a.txt").read_text(encoding="utf-8")
    assert "We envisage no real difficulty." in text
    assert session.page_view("a.png", 0).status == "in progress"
    assert "edited" in step.describe()

    # a second edit of the same line builds on the first: a deleted word, the inserted one kept
    session.edit_line("a.png", 0, 0, "We envisage no real", shown="We envisage no real difficulty.")
    assert "We envisage no real\n" in (out / "a.txt").read_text(encoding="utf-8")
    assert ("difficulty.", "") in {(e.ocr, e.replacement) for e in load_corrections(corrections_file).entries}

    session.undo()
    session.undo()
    assert load_corrections(corrections_file).entries == ()
    assert "We chvisage no difficulty." in (out / "a.txt").read_text(encoding="utf-8")


def test_undo_of_a_line_edited_again_puts_back_the_first_edit(sample):
    # The second edit of a word takes in the first's entry, and writes one with the same id (the id
    # comes from the word and its place): undo removed that one and then, finding the id in the file
    # as it was before the undo, left the first edit out as "changed since"; the line read as
    # Tesseract had it, not as the first edit made it.
    out, corrections_file = sample
    session = _session(sample)
    session.edit_line("a.png", 0, 0, "We envisage no difficulty.", shown="We chvisage no difficulty.")
    session.edit_line("a.png", 0, 0, "We envisaged no difficulty.", shown="We envisage no difficulty.")
    step = session.undo()
    assert step.left == []
    assert [(e.ocr, e.replacement) for e in load_corrections(corrections_file).entries] == [("chvisage", "envisage")]
    assert (out / "a.txt").read_text(encoding="utf-8").splitlines()[0] == "We envisage no difficulty."
    session.undo()
    assert load_corrections(corrections_file).entries == ()


def test_the_page_view_waits_only_for_the_regeneration_of_its_own_document(sample, monkeypatch):
    """A page opened (from "proofread the page", or PgDn) while a decision's outputs were being
    regenerated waited for every file of it: after a decision for all of a common word, minutes of
    a blank tab for a page the decision had not touched. It waits for its own document's only."""
    import threading

    from pipeline.review import actions
    from pipeline.review.actions import ReviewSession

    out, corrections_file = sample
    release = threading.Event()
    real = actions.recorrect_outputs

    def slow(out_dir, rels, *args, **kwargs):
        if "a.png" in rels:
            assert release.wait(30), "the test never released the regeneration"
        return real(out_dir, rels, *args, **kwargs)

    monkeypatch.setattr(actions, "recorrect_outputs", slow)
    session = ReviewSession(out, corrections_file, reviewer="Proof Reader")  # (regenerating in the background)
    sulverb = next(g for g in session.groups() if g.form == "Sulverb")  # (in a.png only)
    session.decide(sulverb.id, "Sulverh")
    opened = []
    thread = threading.Thread(target=lambda: opened.append(session.page_view("sub/b.png", 0)), daemon=True)
    thread.start()
    thread.join(5)
    waited = not opened
    release.set()
    session.close()
    assert not waited, "the page view of sub/b.png waited for the regeneration of a.png"
    # (its own document's regeneration it does wait for: the page shows the decision)
    assert "Sulverh" in session.page_view("a.png", 0).shown[1].text


def test_an_edit_of_a_line_that_changed_since_it_was_shown_is_refused(sample):
    from pipeline.errors import UsageError

    session = _session(sample)
    with pytest.raises(UsageError, match="has changed since"):
        session.edit_line("sub/b.png", 0, 1, "Political matters", shown="Politicial matters a")
    with pytest.raises(UsageError, match="no line 9"):
        session.edit_line("sub/b.png", 0, 8, "x")
    with pytest.raises(UsageError, match="no document"):
        session.page_view("nowhere.png", 0)


def test_page_status_is_kept_in_the_workspace_and_shown_by_ocrfix_status(sample):
    from typer.testing import CliRunner

    from pipeline.cli import app

    out, _ = sample
    session = _session(sample)
    session.set_page_status("a.png", 0, "proofread")
    assert _session(sample).page_statuses() == {("a.png", 0): "proofread", ("sub/b.png", 0): "not started"}
    result = CliRunner().invoke(app, ["status", str(out)])
    assert result.exit_code == 0, result.output
    assert "1 of 2 pages proofread, 0 in progress, 1 not started" in " ".join(result.output.split())


def test_the_page_api(sample):
    from fastapi.testclient import TestClient

    from pipeline.review.server import create_app

    out, corrections_file = sample
    app = create_app(out, corrections_file, TOKEN, reviewer="Proof Reader")
    with TestClient(app, base_url="http://127.0.0.1:8765") as c:
        c.get(f"/?token={TOKEN}", follow_redirects=False)
        c.headers["X-Ocrfix-Token"] = TOKEN
        listed = c.get("/pages")
        assert listed.status_code == 200 and "sub/b.png" in listed.text and "2 not started" in listed.text
        page = c.get("/page", params={"document": "sub/b.png", "page": 1})
        assert page.status_code == 200 and 'value="Political matters a"' in page.text
        image = c.get("/page-image", params={"document": "sub/b.png", "page": 1})
        assert image.status_code == 200 and image.headers["content-type"] == "image/jpeg"
        assert c.get("/page", params={"document": "sub/b.png", "page": 2}).status_code == 404
        assert c.get("/page", params={"document": "../../etc/passwd", "page": 1}).status_code == 404
        done = c.post("/api/line", json={"document": "sub/b.png", "page": 1, "line": 2, "text": "Political matters",
                                         "shown": "Political matters a"})
        assert done.status_code == 200, done.text
        app.state.session.wait()
        assert (out / "sub" / "b.txt").read_text(encoding="utf-8").splitlines()[1] == "Political matters"
        stale = c.post("/api/line", json={"document": "sub/b.png", "page": 1, "line": 2, "text": "x", "shown": "old text"})
        assert stale.status_code == 409 and "changed since" in stale.json()["error"]
        marked = c.post("/api/page-status", json={"document": "sub/b.png", "page": 1, "status": "proofread"})
        assert marked.status_code == 200
        assert c.post("/api/page-status", json={"document": "sub/b.png", "page": 1, "status": "done"}).status_code == 422
        assert "1 proofread" in c.get("/pages").text
        assert 'href="/page?document=sub/b.png&amp;page=1"' in c.get("/pages", params={"status": "proofread"}).text


def test_an_empty_replacement_deletes_words_only_at_one_place():
    from pipeline.errors import UsageError

    with pytest.raises(UsageError, match="empty replacement .* needs a one-word scope"):
        new_entry("noise", "", approved_by="someone")
    entry = new_entry("PES SRE", "", scope=Scope(documents=("a.png",), page=0, box=(0, 0, 50, 10)), approved_by="someone")
    assert entry.to_yaml()["replacement"] == ""
