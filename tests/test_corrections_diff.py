"""``ocrfix corrections diff``: a change to corrections.yaml shown by its effect on an output folder,
against a git revision of the file (in a temporary repository) and against the last run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from conftest import FakeEngine
from pipeline.cli import main

READ = [
    [("The", 95), ("Goverment", 60), ("wishes", 95), ("to", 96), ("make", 95), ("it", 96), ("known", 94)],
    [("that", 95), ("tbe", 50), ("telegram", 92), ("of", 96), ("tbe", 52), ("Minister", 94)],
]
GOVERNMENT = "  - {id: gov, ocr: Goverment, replacement: Government, approved_by: t, approved_at: 2026-12-01}\n"
THE = "  - {id: the, ocr: tbe, replacement: the, approved_by: t, approved_at: 2026-12-01}\n"
HEADER = "version: 1\ncorrections:\n"


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args], cwd=repo, check=True,
                   capture_output=True)


def ocrfix(capsys, *args) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main([str(a) for a in args])
    out = capsys.readouterr()
    return int(exit_info.value.code or 0), out.out, out.err


@pytest.fixture
def repo(tmp_path):
    """A git repository with corrections.yaml (the 'gov' entry) committed, and an output folder of
    two scans processed with it (a fake engine; the real corrector)."""
    from pipeline.batch import run_batch
    from pipeline.corrections import load_corrections
    from pipeline.options import CorrectOptions, Options

    repo = tmp_path / "repo"
    repo.mkdir()
    corrections = repo / "corrections.yaml"
    corrections.write_text(HEADER + GOVERNMENT)
    git(repo, "init", "-q")
    git(repo, "add", "corrections.yaml")
    git(repo, "commit", "-qm", "gov")
    inputs = []
    for name in ("a.png", "b.png"):
        image = tmp_path / name
        Image.fromarray(np.full((100, 500), 255, np.uint8)).save(image)
        inputs.append((image, Path(name)))
    options = Options(workers=1, correct=CorrectOptions(corrections_file=corrections))
    result = run_batch(inputs, repo / "out", options, load_corrections(corrections), engine=FakeEngine([READ]))
    assert all(r.ok for r in result.results), result.results
    assert "The Government wishes" in (repo / "out/a.txt").read_text()
    return repo


def test_an_unchanged_file_changes_nothing_and_exits_0(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD")
    assert code == 0, out
    assert "0 words change in 0 documents" in out
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out")
    assert code == 0 and "against the last run: 0 words" in out


def test_an_added_entry_is_listed_with_its_count_documents_and_lines_and_exits_1(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    (repo / "corrections.yaml").write_text(HEADER + GOVERNMENT + THE)
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD", "--examples", "0")
    assert code == 1, out
    # two "tbe" on a line of each of the two documents: four words
    assert "4 words change in 2 documents" in out
    assert "added: the: tbe -> the [everywhere]\n  4 words in 2 documents" in out
    assert "a.png page 1 line 2: tbe -> the" in out and "b.png page 1 line 2: tbe -> the" in out
    assert "    - that tbe telegram of tbe Minister\n    + that the telegram of the Minister" in out
    # The 'gov' entry did the same in both versions: not listed.
    assert "gov:" not in out

    # The same change against the outputs of the last run, as JSON for other tools.
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out", "--against-last-run", "--json")
    assert code == 1
    report = json.loads(out)
    assert report["words"] == 4 and report["against"] == "last run"
    (effect,) = report["effects"]
    assert effect["entry"] == "the" and effect["status"] == "in the file" and effect["documents"] == ["a.png", "b.png"]
    assert {(c["document"], c["page"], c["line"], c["before"], c["after"]) for c in effect["changes"]} == {
        ("a.png", 1, 2, "tbe", "the"), ("b.png", 1, 2, "tbe", "the")}


def test_a_removed_and_a_changed_entry_against_a_revision(repo, capsys, monkeypatch):
    """Commit both entries, then change one's replacement and drop the other: each is listed as
    what it is, with the words it moves."""
    monkeypatch.chdir(repo)
    (repo / "corrections.yaml").write_text(HEADER + GOVERNMENT + THE)
    git(repo, "commit", "-qam", "the")
    (repo / "corrections.yaml").write_text(HEADER + GOVERNMENT.replace("replacement: Government", "replacement: Governments"))
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD", "--examples", "1")
    assert code == 1, out
    assert "changed: gov: Goverment -> Governments [everywhere]\n  2 words in 2 documents" in out
    assert "removed: the: tbe -> the [everywhere]\n  4 words in 2 documents" in out
    assert "... and 1 more (--examples 0 shows every one)" in out
    assert "a.png page 1 line 1: Government -> Governments" in out
    # Nothing was written: the outputs are as the first run left them.
    assert "The Government wishes" in (repo / "out/a.txt").read_text()


def test_a_file_not_in_the_revision_counts_every_entry_as_new(repo, capsys, monkeypatch):
    monkeypatch.chdir(repo)
    git(repo, "mv", "corrections.yaml", "old.yaml")
    git(repo, "commit", "-qm", "moved")
    (repo / "corrections.yaml").write_text(HEADER + GOVERNMENT + THE)
    code, out, _ = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD")
    assert code == 1, out
    assert "(not in HEAD: every entry is new)" in out and "added: the: tbe -> the" in out


def test_mistakes_get_a_message_a_person_can_act_on(repo, capsys, monkeypatch, tmp_path):
    monkeypatch.chdir(repo)
    code, _, err = ocrfix(capsys, "corrections", "diff", "out", "--against", "no-such-rev")
    assert code == 2 and "git cannot show no-such-rev:corrections.yaml" in err
    code, _, err = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD", "--against-last-run")
    assert code == 2 and "not both" in err
    code, _, err = ocrfix(capsys, "corrections", "diff", tmp_path / "nothing-here")
    assert code != 0 and "nothing-here" in err
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "corrections.yaml").write_text(HEADER + THE)
    code, _, err = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD", "--corrections", outside / "corrections.yaml")
    assert code == 2 and "not a git repository" in err
    # A folder that is not there was "git was not found; install it" (exit 4).
    code, _, err = ocrfix(capsys, "corrections", "diff", "out", "--against", "HEAD", "--corrections", tmp_path / "typo" / "c.yaml")
    assert code == 2 and f"{tmp_path / 'typo'}: no such folder" in err and "install" not in err


def test_a_diff_of_another_file_than_the_last_run_applied_says_so(repo, capsys, monkeypatch, tmp_path):
    """`corrections diff out` run from another folder compared a corrections.yaml that is not there
    with the outputs and listed the entries of the file the run applied as "no longer in the file"."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    code, out, err = ocrfix(capsys, "corrections", "diff", repo / "out")
    assert "corrections.yaml against the last run" in out
    assert f"the last run of {repo / 'out'} applied {repo / 'corrections.yaml'}, not corrections.yaml" in err
    assert "which does not exist" in err and f"-c {repo / 'corrections.yaml'}" in err
    code, out, err = ocrfix(capsys, "corrections", "stats", repo / "out")
    assert code == 0 and "(not in corrections.yaml)" in out and "the last run of" in err
    monkeypatch.chdir(repo)
    code, out, err = ocrfix(capsys, "corrections", "diff", "out")
    assert code == 0 and "last run of" not in err


def test_workers_find_what_one_process_finds(repo, monkeypatch):
    from pipeline import effects
    from pipeline.corrections import Corrections, load_corrections

    (repo / "corrections.yaml").write_text(HEADER + GOVERNMENT + THE)
    current = load_corrections(repo / "corrections.yaml")
    alone = effects.corrections_diff(repo / "out", current, Corrections(), workers=1)
    monkeypatch.setattr(effects, "PARALLEL_MIN_FILES", 1)
    seen = []
    parallel = effects.corrections_diff(repo / "out", current, Corrections(), workers=2, on_file=seen.append)
    assert parallel.words == alone.words == 4 and parallel.corrected == alone.corrected == 2
    assert [(e.key, e.status, e.changes) for e in parallel.effects] == [(e.key, e.status, e.changes) for e in alone.effects]
    assert sorted(seen) == ["a.png", "b.png"]
