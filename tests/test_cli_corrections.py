"""``ocrfix corrections ...`` as people use it, and overrides applied by ``process`` and ``correct``."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from PIL import Image

from conftest import OCRFIX, ROOT
from pipeline.cli import main
from pipeline.model import Change, Document, Page
from pipeline.corrections import load_corrections


def ocrfix(capsys, *args: str) -> tuple[int, str, str]:
    """Run the CLI in this process (fast); return (exit code, stdout, stderr)."""
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


def run(*args, cwd=None):
    return subprocess.run([OCRFIX, *map(str, args)], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_add_update_without_a_note_keeps_the_entrys_note_and_context(tmp_path, capsys):
    """`corrections add ... --update` saying again what an entry says, without --note or --context,
    leaves it as it is ("already there"); with only a new --note, the note is new and the context
    kept. The entry was rewritten without its note and context (they were not given, so taken as
    none): the reason a reviewer wrote down was lost to a command run again."""
    c = tmp_path / "corrections.yaml"
    code, _, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--note", "worn carbon",
                        "--context", "We chvisage no difficulty.", "--by", "Ann")
    assert code == 0
    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--by", "Bob", "--update")
    assert code == 0 and out.startswith("already there:")
    [entry] = load_corrections(c).entries
    assert (entry.note, entry.context, entry.approved_by) == ("worn carbon", "We chvisage no difficulty.", "Ann")
    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--by", "Bob", "--update",
                          "--note", "checked on the scan")
    assert code == 0 and out.startswith("updated")
    [entry] = load_corrections(c).entries
    assert (entry.note, entry.context) == ("checked on the scan", "We chvisage no difficulty.")


def test_add_update_with_an_empty_note_takes_the_note_away(tmp_path, capsys):
    """`--note ""` (or `--context ""`) with --update is how a reviewer clears a note that no longer
    holds; it was taken as no --note at all, and the old note stayed with no way to remove it from
    the command line."""
    c = tmp_path / "corrections.yaml"
    assert ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--note", "worn carbon",
                  "--context", "We chvisage no difficulty.")[0] == 0
    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--update", "--note", "")
    assert code == 0 and out.startswith("updated")
    [entry] = load_corrections(c).entries
    assert (entry.note, entry.context) == (None, "We chvisage no difficulty.")
    assert ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--update", "--context", "")[0] == 0
    [entry] = load_corrections(c).entries
    assert (entry.note, entry.context) == (None, None)


def test_add_list_reject_remove_validate(tmp_path, capsys):
    c = tmp_path / "corrections.yaml"
    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "--corrections", c, "--scope", "seed_*", "--note", "worn carbon", "--by", "Ann")
    assert code == 0 and out.startswith("added c") and "created" in out
    assert c.read_text().startswith("# corrections.yaml")
    entry_id = out.split()[1].rstrip(":")

    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--scope", "seed_*", "--by", "Bob")
    assert code == 0 and out.startswith("already there:")

    code, _, err = ocrfix(capsys, "corrections", "add", "chvisage", "envisaged", "-c", c, "--scope", "seed_*", "--by", "Bob")
    assert code == 2 and f"{c}:" in err and entry_id in err and "--update" in err and len(err.strip().splitlines()) == 1

    code, out, _ = ocrfix(capsys, "corrections", "add", "chvisage", "envisaged", "-c", c, "--scope", "seed_*", "--by", "Bob", "--update")
    assert code == 0 and out.startswith(f"updated {entry_id}")

    code, out, _ = ocrfix(capsys, "corrections", "reject", "Sulverb", "-c", c, "--by", "Ann", "--context", "SERIAL NO. 7160A/88 Sulverb CC:")
    assert code == 0 and "kept as typed" in out

    code, out, _ = ocrfix(capsys, "corrections", "add", "SWIA 2AA", "SW1A 2AA", "-c", c, "--by", "Ann", "--ignore-case")
    assert code == 0

    code, out, _ = ocrfix(capsys, "corrections", "list", "-c", c)
    rows = out.strip().splitlines()
    assert len(rows) == 3 and "chvisage -> envisaged" in rows[0] and "Bob" in rows[0]
    assert "rejected" in rows[1] and "ignore case" in rows[2]

    code, out, _ = ocrfix(capsys, "corrections", "validate", "-c", c)
    assert code == 0 and "ok, 3 entries (2 approved, 1 rejected)" in out

    code, out, _ = ocrfix(capsys, "corrections", "remove", "Sulverb", "-c", c)  # by its form, being the only one
    assert code == 0 and out.startswith("removed")
    code, out, _ = ocrfix(capsys, "corrections", "remove", entry_id, "-c", c)
    assert code == 0
    assert [e.ocr for e in load_corrections(c).entries] == ["SWIA 2AA"]
    code, _, err = ocrfix(capsys, "corrections", "remove", "nope", "-c", c)
    assert code == 2 and "no entry with id 'nope'" in err


def test_word_scope_from_the_command_line(tmp_path, capsys):
    c = tmp_path / "c.yaml"
    code, out, _ = ocrfix(capsys, "corrections", "add", "lew", "law", "-c", c, "--scope", "EHRI_04.jpg", "--page", "0", "--box", "1182,627,1246,654", "--by", "t")
    assert code == 0
    [entry] = load_corrections(c).entries
    assert entry.scope.kind == "word" and entry.scope.box == (1182, 627, 1246, 654)
    assert "box: [1182, 627, 1246, 654]" in c.read_text()
    for bad in (["--page", "0"], ["--box", "1,2,3,4"], ["--page", "0", "--box", "1,2,x,4"], ["--scope", "everywhere", "--page", "0", "--box", "1,2,3,4"],
                ["--scope", "*", "--page", "0", "--box", "1,2,3,4"]):  # one word on one page: no glob
        code, _, err = ocrfix(capsys, "corrections", "add", "a", "b", "-c", c, *(["--scope", "x.jpg"] if "--scope" not in bad else []), *bad, "--by", "t")
        assert code == 2, (bad, err)


def test_the_issue_scenario_add_add_hand_comments_add(tmp_path, capsys):
    c = tmp_path / "corrections.yaml"
    assert ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--by", "t")[0] == 0
    assert ocrfix(capsys, "corrections", "add", "Politicial", "Political", "-c", c, "--by", "t", "-i")[0] == 0
    hand = c.read_text()
    hand = hand.replace("corrections:\n", "corrections:\n  # ---- agreed at the review of 28 November ----\n\n", 1)
    hand = hand.replace("    ocr: Politicial\n", "    ocr:   Politicial    # FCO cover letter\n")
    hand += "\n  # (more to come once the EHRI pages are reviewed)\n"
    c.write_text(hand)
    assert ocrfix(capsys, "corrections", "add", "SWIA 2AA", "SW1A 2AA", "-c", c, "--by", "t")[0] == 0
    after = c.read_text()
    assert after.startswith(hand)  # comments, hand formatting and order untouched
    code, out, _ = ocrfix(capsys, "corrections", "validate", "-c", c)
    assert code == 0 and "3 entries" in out
    assert [e.ocr for e in load_corrections(c).entries] == ["chvisage", "Politicial", "SWIA 2AA"]


def test_a_broken_file_is_refused_with_file_line_and_left_byte_identical(tmp_path):
    c = tmp_path / "corrections.yaml"
    c.write_bytes(b"version: 1\ncorrections:\n  - ocr: chvisage\n    replacement: envisage\n    approved_by: Ann\n    approved_at: 2026-11-28\n  - ocr: [Sulverb\n    status: rejected\n")
    before = c.read_bytes()
    for args in (["add", "tne", "the"], ["reject", "Tt"], ["remove", "x"], ["validate"], ["list"]):
        result = run("corrections", *args, "--corrections", c)
        assert result.returncode == 6, result
        assert result.stderr.startswith(f"ocrfix: error: {c}:8: YAML syntax error"), result.stderr
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr
        assert c.read_bytes() == before
    # A schema error too: the line of the bad field.
    c.write_bytes(before.replace(b"  - ocr: [Sulverb\n    status: rejected\n", b"  - ocr: Sulverb\n    status: rejectd\n    approved_by: Ann\n    approved_at: 2026-11-28\n"))
    broken = c.read_bytes()
    result = run("corrections", "add", "tne", "the", "--corrections", c)
    assert result.returncode == 6 and f"{c}:8: entry 2 ('Sulverb'): status:" in result.stderr
    assert c.read_bytes() == broken


def test_validate_a_missing_file_is_an_error(tmp_path, capsys):
    code, _, err = ocrfix(capsys, "corrections", "validate", "-c", tmp_path / "none.yaml")
    assert code == 6 and "does not exist" in err


def test_the_repositorys_file_validates(capsys):
    code, out, _ = ocrfix(capsys, "corrections", "validate", "--corrections", ROOT / "corrections.yaml")
    assert code == 0 and "ok" in out


def test_stats_counts_each_entry_in_an_output_folder(tmp_path, capsys):
    c = tmp_path / "c.yaml"
    ocrfix(capsys, "corrections", "add", "chvisage", "envisage", "-c", c, "--by", "t")
    ocrfix(capsys, "corrections", "reject", "Sulverb", "-c", c, "--by", "t")
    ocrfix(capsys, "corrections", "add", "tne", "the", "-c", c, "--by", "t")
    ids = [e.entry_id for e in load_corrections(c).entries]
    out = tmp_path / "out"

    def doc(name: str, changes: list[Change]) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(Document(source=name, pages=[Page(source=name, changes=changes)]).model_dump_json())

    override = lambda entry_id, w=0: Change(line=0, word=w, original="x", new="y", source="override", entry_id=entry_id)  # noqa: E731
    doc("a.json", [override(ids[0]), override(ids[0], 1), override(ids[1]), Change(line=1, word=0, original="tbe", new="the", source="lexicon")])
    doc("sub/b.json", [override(ids[0]), override("cgone00")])
    (out / "not-a-page.json").write_text(json.dumps({"something": "else"}))
    (out / "broken.json").write_text("{")
    code, text, _ = ocrfix(capsys, "corrections", "stats", out, "-c", c)
    assert code == 0
    lines = text.strip().splitlines()
    assert "2 documents, 5 overrides applied" in lines[0]
    counts = {line.split()[4].rstrip(":"): (int(line.split()[0]), int(line.split()[2])) for line in lines[1:]}
    assert counts == {ids[0]: (3, 2), ids[1]: (1, 1), ids[2]: (0, 0), "cgone00": (1, 1)}
    assert "not in" in lines[-1]
    code, _, err = ocrfix(capsys, "corrections", "stats", tmp_path / "nowhere", "-c", c)
    assert code == 2
    (tmp_path / "scans").mkdir()  # a folder with no outputs: said "0 documents", exit 0 (session 18)
    code, _, err = ocrfix(capsys, "corrections", "stats", tmp_path / "scans", "-c", c)
    assert code == 2 and "no JSON output" in err


def test_correct_command_applies_the_overrides(tmp_path):
    c = tmp_path / "corrections.yaml"
    c.write_text(
        "version: 1\ncorrections:\n"
        "  - {ocr: Ron, replacement: Ronald, scope: {documents: 'seed*'}, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {ocr: lowell /larker, replacement: Powell/Parker, approved_by: t, approved_at: 2026-11-28}\n"
    )
    # Overrides that the automatic corrector would never make, so only they can explain the result.
    text = "Dear Ron,\nAttached to lowell /larker 20/10/88\n"
    (tmp_path / "seed.txt").write_text(text)
    (tmp_path / "other.txt").write_text(text)
    result = run("correct", tmp_path / "seed.txt", tmp_path / "other.txt", "--corrections", c)
    assert result.returncode == 0, result.stderr
    assert result.stdout == (
        "Dear Ronald,\nAttached to Powell/Parker 20/10/88\n"
        "Dear Ron,\nAttached to Powell/Parker 20/10/88\n"
    )


def test_correct_command_refuses_a_broken_corrections_file(tmp_path):
    c = tmp_path / "corrections.yaml"
    c.write_text("version: 1\ncorrections:\n  - ocr: a\n")
    (tmp_path / "x.txt").write_text("a b\n")
    result = run("correct", tmp_path / "x.txt", "--corrections", c)
    assert result.returncode == 6 and result.stderr.startswith(f"ocrfix: error: {c}:3: entry 1 ('a'): ")


def test_process_applies_overrides_before_the_corrector(tmp_path, fake_ocr, monkeypatch):
    """``process`` with a fake OCR engine and a stand-in corrector that rewrites every word it may:
    overrides win by scope, and the corrector leaves every word an override decided."""
    from pipeline import process
    from pipeline.batch import run_batch
    from pipeline.options import CorrectOptions, Options

    # Words on the conftest grid: word wi of line li has the box (10+60wi, 10+30li, 60+60wi, 35+30li).
    fake_ocr([[("Ealter", 60), ("Sulverb", 50), ("chvisage.", 40)], [("Ealter", 60), ("lowell", 70), ("/larker", 70), ("ok", 99)]])
    c = tmp_path / "corrections.yaml"
    c.write_text(
        "version: 1\ncorrections:\n"
        "  - {id: all, ocr: Ealter, replacement: Falter, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {id: docs, ocr: Ealter, replacement: falter, scope: {documents: 'box/seed*'}, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {id: one, ocr: Ealter, status: rejected, scope: {document: box/seed.png, page: 0, box: [10, 10, 60, 35]}, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {id: keep, ocr: Sulverb, status: rejected, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {id: env, ocr: chvisage, replacement: envisage, approved_by: t, approved_at: 2026-11-28}\n"
        "  - {id: pp, ocr: lowell /larker, replacement: Powell/Parker, approved_by: t, approved_at: 2026-11-28}\n"
    )
    seen = {}

    class StandIn:
        # What the batch's record of a correction's dependencies asks of a corrector.
        _reads: list = []
        known = protected = frozenset()
        lexicon = SimpleNamespace(confusions={})
        collection = None

        def with_collection(self, collection, learn_channel=False):
            return self

    def fake_corrector(options, corrections):
        seen["known"], seen["protected"] = corrections.known_words(), corrections.protected_words()
        return StandIn()

    def shout(page, corrector, skip=frozenset()):
        lines = []
        changes = list(page.changes)
        for li, line in enumerate(page.lines):
            words = []
            for wi, w in enumerate(line.words):
                if (li, wi) in skip:
                    words.append(w)
                    continue
                words.append(w.model_copy(update={"text": w.text.upper()}))
                changes.append(Change(line=li, word=wi, original=w.text, new=w.text.upper(), source="lexicon"))
            lines.append(line.model_copy(update={"words": words}))
        return page.model_copy(update={"lines": lines, "changes": changes})

    monkeypatch.setattr(process, "corrector_for", fake_corrector)
    monkeypatch.setattr(process, "correct_page", shout)
    image = tmp_path / "seed.png"
    Image.fromarray(np.full((100, 300), 255, np.uint8)).save(image)
    other = tmp_path / "other.png"
    Image.fromarray(np.full((100, 300), 255, np.uint8)).save(other)
    options = Options(workers=1, correct=CorrectOptions(enabled=True, corrections_file=c))
    batch = run_batch([(image, Path("box/seed.png")), (other, Path("box/other.png"))], tmp_path / "out", options, load_corrections(c))
    assert all(r.ok for r in batch.results), batch.results
    assert (tmp_path / "out/box/seed.txt").read_text() == "Ealter Sulverb envisage.\nfalter Powell/Parker OK\n"
    assert (tmp_path / "out/box/other.txt").read_text() == "Falter Sulverb envisage.\nFalter Powell/Parker OK\n"
    doc = Document.model_validate_json((tmp_path / "out/box/seed.json").read_text())
    overrides = [(ch.line, ch.word, ch.entry_id) for ch in doc.pages[0].changes if ch.source == "override"]
    assert overrides == [(0, 0, "one"), (0, 1, "keep"), (0, 2, "env"), (1, 0, "docs"), (1, 1, "pp")]
    assert [(ch.line, ch.word) for ch in doc.pages[0].changes if ch.source == "lexicon"] == [(1, 2)]
    assert {"Powell/Parker", "envisage", "falter"} <= seen["known"] and "Sulverb" in seen["protected"]


def test_corrections_help_lists_the_commands():
    result = run("corrections", "--help")
    assert result.returncode == 0
    for command in ("add", "reject", "list", "remove", "validate", "stats"):
        assert command in result.stdout


def test_a_corrections_file_on_a_read_only_file_system_is_exit_8_not_a_traceback(tmp_path, capsys, monkeypatch):
    """Creating the lock beside the file failed with EROFS, which only PermissionError was caught
    for: a traceback and exit 1 (session 18's sweep)."""
    import errno

    import filelock

    class ReadOnly(filelock.FileLock):
        def __enter__(self):
            raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(filelock, "FileLock", ReadOnly)
    code, _, err = ocrfix(capsys, "corrections", "add", "tlie", "the", "-c", tmp_path / "c.yaml", "--by", "t")
    assert code == 8 and "Read-only file system" in err and "nothing was written" in err


def test_entries_whose_globs_may_both_match_a_document_and_disagree_are_warned_of(tmp_path, capsys):
    """validate said ok, and process then failed every document both globs matched (session 18's
    sweep of the CLI). Globs that cannot meet are not named."""
    c = tmp_path / "c.yaml"
    assert ocrfix(capsys, "corrections", "add", "leader", "chief", "-c", c, "--scope", "EHRI-*", "--by", "t")[0] == 0
    code, _, err = ocrfix(capsys, "corrections", "add", "leader", "head", "-c", c, "--scope", "*_03*", "--by", "t")
    assert code == 0 and "both globs may match" in err
    code, out, err = ocrfix(capsys, "corrections", "validate", "-c", c)
    assert code == 0 and "ok, 2 entries" in out and "both globs may match" in err
    apart = tmp_path / "apart.yaml"
    ocrfix(capsys, "corrections", "add", "leader", "chief", "-c", apart, "--scope", "EHRI-*", "--by", "t")
    ocrfix(capsys, "corrections", "add", "leader", "head", "-c", apart, "--scope", "seed_letter.jpg", "--by", "t")
    assert "may match" not in ocrfix(capsys, "corrections", "validate", "-c", apart)[2]


def test_a_file_with_windows_line_ends_keeps_them_on_every_line_written(tmp_path, capsys):
    """corrections.yaml saved on Windows (CRLF): an added or updated entry's lines were written with
    LF alone, a file of mixed line ends that editors and git diffs flag on every such line."""
    path = tmp_path / "corrections.yaml"
    text = (ROOT / "corrections.yaml").read_text(encoding="utf-8").replace("\n", "\r\n")
    path.write_bytes(text.encode("utf-8"))
    assert ocrfix(capsys, "corrections", "add", "tbe", "the", "-c", str(path), "--by", "t")[0] == 0
    assert ocrfix(capsys, "corrections", "add", "SWIA 2AA", "SW1A 2AB", "--update", "-c", str(path), "--by", "t")[0] == 0
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n") and b"\r\r" not in data
    assert [e.replacement for e in load_corrections(path).entries if e.ocr in ("tbe", "SWIA 2AA")] == ["SW1A 2AB", "the"]
    assert ocrfix(capsys, "corrections", "remove", "tbe", "-c", str(path))[0] == 0
    data = path.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")


def test_a_corrections_file_that_is_a_symlink_stays_one_and_its_target_gets_the_entry(tmp_path, capsys):
    """A project's corrections.yaml linked to a shared one: `add` replaced the link with a file of its
    own, so the shared file never got the entry and the two went apart with no word said."""
    shared = tmp_path / "shared" / "corrections.yaml"
    shared.parent.mkdir()
    shared.write_text("version: 1\ncorrections:\n", encoding="utf-8")
    link = tmp_path / "project" / "corrections.yaml"
    link.parent.mkdir()
    link.symlink_to(Path("..") / "shared" / "corrections.yaml")
    assert ocrfix(capsys, "corrections", "add", "tbe", "the", "-c", link, "--by", "t")[0] == 0
    assert ocrfix(capsys, "corrections", "add", "hte", "the", "-c", link, "--by", "t")[0] == 0
    assert link.is_symlink() and [e.ocr for e in load_corrections(shared).entries] == ["tbe", "hte"]
    assert ocrfix(capsys, "corrections", "remove", "tbe", "-c", link)[0] == 0
    assert link.is_symlink() and [e.ocr for e in load_corrections(shared).entries] == ["hte"]
