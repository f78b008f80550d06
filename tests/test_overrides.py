"""corrections.yaml: schema, errors as file:line, round-trip writes under a lock, and the overrides
applied with their scopes and precedence (table tests on pages built here: no Tesseract needed)."""

from __future__ import annotations

import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.errors import CorrectionsFileError, UsageError
from pipeline.model import Line, Page, Word
from pipeline.corrections import (
    Corrections,
    add_entry,
    apply_overrides,
    load_corrections,
    new_entry,
    parse_corrections,
    remove_entry,
    scope_from_yaml,
)

ROOT = Path(__file__).resolve().parent.parent


def entries_yaml(*entries: str) -> str:
    body = "".join("  - " + textwrap.dedent(e).strip().replace("\n", "\n    ") + "\n    approved_by: t\n    approved_at: 2026-11-28\n" for e in entries)
    return "version: 1\ncorrections:\n" + body


def corrections(*entries: str) -> Corrections:
    return parse_corrections(entries_yaml(*entries), Path("c.yaml"))


def page_of(*lines: str, index: int = 0) -> Page:
    """One Line per string, a Word per token, boxes on a 60-px grid (word wi of line li at x=60*wi, y=30*li)."""
    return Page(
        source="doc",
        index=index,
        lines=[
            Line(words=[Word(text=t, confidence=80.0, bbox=(60 * wi, 30 * li, 60 * wi + 50, 30 * li + 20)) for wi, t in enumerate(text.split())])
            for li, text in enumerate(lines)
        ],
    )


def box(li: int, wi: int, dx: int = 0) -> str:
    return f"[{60 * wi + dx}, {30 * li}, {60 * wi + 50 + dx}, {30 * li + 20}]"


# --------------------------------------------------------------------------------------------------
# The table: entries, the OCR line(s), the document, the expected text and which entries fired.

CHV = "ocr: chvisage\nreplacement: envisage"
CASES = [
    # id, entries, lines, document, expected lines, entries that fired (in page order)
    ("exact everywhere", [CHV], ["as Allies seem to chvisage"], "a.jpg", ["as Allies seem to envisage"], ["c1"]),
    ("exact does not match other case", [CHV], ["CHVISAGE it"], "a.jpg", ["CHVISAGE it"], []),
    ("punctuation kept", [CHV], ['"chvisage," (chvisage) chvisage.'], "a.jpg", ['"envisage," (envisage) envisage.'], ["c1"] * 3),
    ("possessive kept", ["ocr: lowell\nreplacement: Powell"], ["lowell's minute"], "a.jpg", ["Powell's minute"], ["c1"]),
    ("ignore case carries case", [CHV + "\nmatch: ignore-case"], ["CHVISAGE Chvisage chvisage cHvisage"], "a.jpg", ["ENVISAGE Envisage envisage envisage"], ["c1"] * 4),
    ("not a substring", [CHV], ["chvisaged xchvisage"], "a.jpg", ["chvisaged xchvisage"], []),
    ("documents glob matches", [CHV + "\nscope: {documents: 'seed_*.jpg'}"], ["chvisage"], "letters/seed_letter.jpg", ["envisage"], ["c1"]),
    ("documents glob with dir", [CHV + "\nscope: {documents: 'letters/*'}"], ["chvisage"], "letters/seed_letter.jpg", ["envisage"], ["c1"]),
    ("documents glob misses", [CHV + "\nscope: {documents: 'seed_*.jpg'}"], ["chvisage"], "other.jpg", ["chvisage"], []),
    ("documents list", [CHV + "\nscope: {documents: [x.jpg, 'seed*']}"], ["chvisage"], "seed.png", ["envisage"], ["c1"]),
    ("word scope at its box", [CHV + f"\nscope: {{document: a.jpg, page: 0, box: {box(0, 1)}}}"], ["chvisage chvisage"], "a.jpg", ["chvisage envisage"], ["c1"]),
    ("word scope tolerates a shifted box", [CHV + f"\nscope: {{document: a.jpg, page: 0, box: {box(0, 0, dx=8)}}}"], ["chvisage"], "a.jpg", ["envisage"], ["c1"]),
    ("word scope far box", [CHV + f"\nscope: {{document: a.jpg, page: 0, box: {box(0, 0, dx=40)}}}"], ["chvisage"], "a.jpg", ["chvisage"], []),
    ("word scope other page", [CHV + f"\nscope: {{document: a.jpg, page: 1, box: {box(0, 0)}}}"], ["chvisage"], "a.jpg", ["chvisage"], []),
    ("word scope other document", [CHV + f"\nscope: {{document: a.jpg, page: 0, box: {box(0, 0)}}}"], ["chvisage"], "b.jpg", ["chvisage"], []),
    ("word scope needs the form too", [CHV + f"\nscope: {{document: a.jpg, page: 0, box: {box(0, 0)}}}"], ["envisage"], "a.jpg", ["envisage"], []),
    (
        "narrowest wins: documents over everywhere",
        ["ocr: Ealter\nreplacement: Falter", "ocr: Ealter\nreplacement: falter\nscope: {documents: 'seed*'}"],
        ["we can't Ealter now"],
        "seed.jpg",
        ["we can't falter now"],
        ["c2"],
    ),
    (
        "narrowest wins: word over documents over everywhere",
        [
            "ocr: Ealter\nreplacement: Falter",
            "ocr: Ealter\nreplacement: falter\nscope: {documents: 'seed*'}",
            f"ocr: Ealter\nstatus: rejected\nscope: {{document: seed.jpg, page: 0, box: {box(0, 0)}}}",
        ],
        ["Ealter Ealter", "Ealter"],
        "seed.jpg",
        ["Ealter falter", "falter"],
        ["c3", "c2", "c2"],
    ),
    ("broader still applies elsewhere", ["ocr: Ealter\nreplacement: Falter", "ocr: Ealter\nreplacement: falter\nscope: {documents: 'seed*'}"], ["Ealter"], "other.jpg", ["Falter"], ["c1"]),
    ("rejected keeps the text", ["ocr: Sulverb\nstatus: rejected"], ["NO. 7160A/88 Sulverb CC:"], "a.jpg", ["NO. 7160A/88 Sulverb CC:"], ["c1"]),
    ("multi-word to one word", ["ocr: lowell /larker\nreplacement: Powell/Parker"], ["Attached to lowell /larker 20/10/88"], "a.jpg", ["Attached to Powell/Parker 20/10/88"], ["c1"]),
    ("multi-word, same count", ["ocr: SWIA 2AA\nreplacement: SW1A 2AA"], ["LONDON SWIA 2AA."], "a.jpg", ["LONDON SW1A 2AA."], ["c1"]),
    ("one word to two", ["ocr: Respecfully\nreplacement: Respect fully"], ["Respecfully yours"], "a.jpg", ["Respect fully yours"], ["c1"]),
    ("two words to one", ["ocr: Respec fully\nreplacement: Respectfully"], ["Respec fully,"], "a.jpg", ["Respectfully,"], ["c1"]),
    ("multi-word does not cross lines", ["ocr: lowell /larker\nreplacement: Powell/Parker"], ["to lowell", "/larker"], "a.jpg", ["to lowell", "/larker"], []),
    (
        "longest span wins in the same scope",
        ["ocr: lowell\nreplacement: Powell", "ocr: lowell /larker\nreplacement: Powell/Parker"],
        ["lowell /larker and lowell"],
        "a.jpg",
        ["Powell/Parker and Powell"],
        ["c2", "c1"],
    ),
    ("two matches in a line", ["ocr: tne\nreplacement: the", "ocr: Tt\nreplacement: It"], ["Tt is tne way"], "a.jpg", ["It is the way"], ["c2", "c1"]),
    ("same decision twice is no conflict", [CHV, CHV + "\nmatch: ignore-case"], ["chvisage"], "a.jpg", ["envisage"], ["c1"]),
]


def _ids(entries: list[str]) -> list[str]:
    return [f"id: c{i + 1}\n{e}" for i, e in enumerate(entries)]


@pytest.mark.parametrize("name,entries,lines,document,expected,fired", CASES, ids=[c[0] for c in CASES])
def test_overrides_table(name, entries, lines, document, expected, fired):
    loaded = corrections(*_ids(entries))
    page = page_of(*lines)
    result, decided = apply_overrides(page, document, loaded)
    assert [line.text for line in result.lines] == expected
    overrides = [c for c in result.changes if c.source == "override"]
    assert [c.entry_id for c in overrides] == fired
    # Every word an override decided is in ``decided``, at its position in the returned page.
    for change in overrides:
        assert (change.line, change.word) in decided
        assert result.lines[change.line].words[change.word].text == change.new.split()[0]
    if not fired:
        assert result is page and decided == frozenset()


def test_decided_positions_follow_merged_words():
    loaded = corrections("ocr: lowell /larker\nreplacement: Powell/Parker", "ocr: Sulverb\nstatus: rejected")
    result, decided = apply_overrides(page_of("to lowell /larker Sulverb ok"), "a.jpg", loaded)
    assert result.lines[0].text == "to Powell/Parker Sulverb ok"
    assert decided == {(0, 1), (0, 2)}
    merged = result.lines[0].words[1]
    assert merged.bbox == (60, 0, 170, 20) and merged.confidence == 80.0
    kept = [c for c in result.changes if c.new == c.original]
    assert len(kept) == 1 and kept[0].word == 2


def test_same_scope_conflict_at_apply_time_names_both():
    # Two globs of the same rank that both match one document, deciding differently.
    loaded = corrections(
        "id: a1\nocr: Ealter\nreplacement: falter\nscope: {documents: 'seed*'}",
        "id: b2\nocr: Ealter\nreplacement: Falter\nscope: {documents: '*.jpg'}",
    )
    with pytest.raises(CorrectionsFileError) as err:
        apply_overrides(page_of("Ealter"), "seed.jpg", loaded)
    assert "a1" in str(err.value) and "b2" in str(err.value) and str(err.value).startswith("c.yaml:")
    # Documents where only one matches are fine.
    assert apply_overrides(page_of("Ealter"), "other.jpg", loaded)[0].lines[0].text == "Falter"


@pytest.mark.parametrize(
    "entries",
    [
        ["ocr: Ealter\nreplacement: falter", "ocr: Ealter\nreplacement: Falter\nid: other"],
        ["ocr: Ealter\nreplacement: falter", "ocr: Ealter\nstatus: rejected"],
        ["ocr: ealter\nreplacement: falter\nmatch: ignore-case", "ocr: EALTER\nreplacement: FILTER"],
        [f"ocr: a\nreplacement: b\nscope: {{document: x.jpg, page: 0, box: {box(0, 0)}}}", f"ocr: a\nreplacement: c\nid: z\nscope: {{document: x.jpg, page: 0, box: {box(0, 0, dx=5)}}}"],
    ],
)
def test_same_scope_conflict_in_the_file_is_an_error_naming_both(entries):
    with pytest.raises(CorrectionsFileError) as err:
        corrections(*entries)
    message = str(err.value)
    assert message.startswith("c.yaml:") and "conflict" in message and message.count("'") >= 4


def test_known_and_protected_words_and_fingerprint():
    loaded = corrections(CHV, "ocr: Sulverb\nstatus: rejected", "ocr: jd3bpi\nstatus: rejected\nmatch: ignore-case", "ocr: SWIA 2AA\nreplacement: SW1A 2AA")
    assert {"envisage", "SW1A", "2AA"} <= loaded.known_words()
    assert {"Sulverb", "jd3bpi", "JD3BPI"} <= loaded.protected_words()
    assert "chvisage" not in loaded.known_words() | loaded.protected_words()
    # A rejection for some documents only is applied by position, not protected everywhere.
    assert "tbe" not in corrections("ocr: tbe\nstatus: rejected\nscope: {documents: 'x*'}").protected_words()
    fp = loaded.fingerprint()
    assert len(fp) == 16 and fp == corrections(CHV, "ocr: Sulverb\nstatus: rejected", "ocr: jd3bpi\nstatus: rejected\nmatch: ignore-case", "ocr: SWIA 2AA\nreplacement: SW1A 2AA").fingerprint()
    reordered = corrections("ocr: SWIA 2AA\nreplacement: SW1A 2AA", "ocr: jd3bpi\nstatus: rejected\nmatch: ignore-case", CHV, "ocr: Sulverb\nstatus: rejected")
    assert reordered.fingerprint() == fp  # order does not change what the entries do
    noted = corrections(CHV + "\nnote: seen twice", "ocr: Sulverb\nstatus: rejected", "ocr: jd3bpi\nstatus: rejected\nmatch: ignore-case", "ocr: SWIA 2AA\nreplacement: SW1A 2AA")
    assert noted.fingerprint() == fp  # nor does a note
    changed = corrections("ocr: chvisage\nreplacement: envisaged", "ocr: Sulverb\nstatus: rejected", "ocr: jd3bpi\nstatus: rejected\nmatch: ignore-case", "ocr: SWIA 2AA\nreplacement: SW1A 2AA")
    assert changed.fingerprint() != fp
    assert Corrections().fingerprint() == ""


def test_corrections_are_hashable_and_picklable_and_cache_keys():
    loaded = corrections(CHV)
    apply_overrides(page_of("chvisage"), "a.jpg", loaded)  # builds the cached index
    again = pickle.loads(pickle.dumps(loaded))
    assert again == loaded and hash(again) == hash(loaded)
    assert apply_overrides(page_of("chvisage"), "a.jpg", again)[0].lines[0].text == "envisage"
    assert {loaded: 1}[corrections(CHV)] == 1


def test_ids_are_stable_and_short():
    a = new_entry("chvisage", "envisage", approved_by="t", scope=scope_from_yaml({"documents": "seed*"}))
    b = new_entry("chvisage", "envisage", approved_by="someone else", note="x", scope=scope_from_yaml({"documents": "seed*"}))
    assert a.entry_id == b.entry_id and len(a.entry_id) == 7 and a.entry_id.startswith("c")
    assert a.entry_id != new_entry("chvisage", "envisage", approved_by="t").entry_id
    # An entry written by hand without an id gets the same id.
    assert corrections("ocr: chvisage\nreplacement: envisage\nscope: {documents: 'seed*'}").entries[0].entry_id == a.entry_id


# --------------------------------------------------------------------------------------------------
# Loading: every problem is file:line: what


def test_missing_file_is_no_overrides(tmp_path):
    loaded = load_corrections(tmp_path / "none.yaml")
    assert loaded.entries == () and loaded.fingerprint() == ""


@pytest.mark.parametrize(
    "text,line,words",
    [
        ("version: 1\ncorrections:\n  - ocr: [chvisage\n    replacement: x\n", 4, "YAML syntax error"),
        ("version: 1\ncorrections:\n  - ocr: a\n    ocr: b\n", 4, "duplicate key"),
        ("corrections: []\n", 1, "missing 'version: 1'"),
        ("version: 7\ncorrections: []\n", 1, "newer than this ocrfix"),
        # (these said "version '1' is not a known version (this ocrfix reads version 1)" and
        # "ocr: Input should be a valid string")
        ("version: '1'\ncorrections: []\n", 1, "version must be the number 1, not the text '1': remove the quotes"),
        (entries_yaml("ocr: null\nreplacement: b"), 3, "ocr: has no text (YAML reads nothing, null and ~ as no value)"),
        (entries_yaml("ocr: a\nreplacement: ~"), 3, "needs a replacement"),
        (entries_yaml("ocr:\nreplacement: b"), 3, "ocr: has no text"),
        ("version: 1\nfixes: []\n", 2, "unknown top-level key 'fixes'"),
        ("version: 1\ncorrections: {a: b}\n", 2, "must be a list"),
        ("version: 1\ncorrections:\n  - just a string\n", 3, "must be a mapping"),
        (entries_yaml("ocr: a\nreplacement: b\nstatus: aproved"), 5, "status: Input should be 'approved' or 'rejected'"),
        (entries_yaml("ocr: a"), 3, "needs a replacement"),
        (entries_yaml("ocr: a\nreplacement: a"), 3, "use status: rejected"),
        (entries_yaml("ocr: a\nstatus: rejected\nreplacement: b"), 3, "leave out replacement"),
        (entries_yaml("ocr: a\nreplacment: b"), 4, "replacment: is not a known field"),
        (entries_yaml("ocr: a\nreplacement: b\nscope: somewhere"), 5, "scope must be 'everywhere'"),
        (entries_yaml("ocr: a\nreplacement: b\nscope: {document: x.jpg, page: 0}"), 5, "unknown scope keys"),
        (entries_yaml("ocr: a\nreplacement: b\nscope: {document: x.jpg, page: 0, box: [5, 5, 1, 1]}"), 5, "x0 < x1"),
        (entries_yaml("ocr: a\nreplacement: b\nmatch: fuzzy"), 5, "match: Input should be 'exact' or 'ignore-case'"),
        ("version: 1\ncorrections:\n  - ocr: a\n    replacement: b\n    approved_by: t\n    approved_at: last tuesday\n", 6, "approved_at: must be an ISO date"),
        (entries_yaml("ocr: S40.1\nreplacement: 840.1"), 4, "replacement: must be text, not 840.1: put it in quotes"),
        ("version: 1\ncorrections:\n  - ocr: a\n    context: NO. 7160A/88 Sulverb CC: x\n", 4, "needs quotes"),
        (entries_yaml("ocr: a\nreplacement: b", "id: x1\nocr: c\nreplacement: d").replace("  - ocr: a", "  - id: x1\n    ocr: a"), 8, "used twice"),
        # (the same entry written twice, without ids: their id is made of the words and the scope)
        (entries_yaml("ocr: a\nreplacement: b", "ocr: a\nreplacement: b"), 7, "entry c"),
        (entries_yaml("ocr: a\nreplacement: b", "ocr: a\nreplacement: b"), 7, "('a' -> 'b', everywhere) is written twice (also at line 3); remove one"),
    ],
)
def test_broken_files_are_one_line_with_file_and_line(tmp_path, text, line, words):
    path = tmp_path / "corrections.yaml"
    path.write_text(text)
    with pytest.raises(CorrectionsFileError) as err:
        load_corrections(path)
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"{path}:{line}: "), message
    assert words in message, message
    assert err.value.line == line and err.value.path == path


def test_the_repositorys_own_file_is_valid_and_explains_itself():
    path = ROOT / "corrections.yaml"
    loaded = load_corrections(path)
    assert len(loaded.entries) >= 3
    assert {e.status for e in loaded.entries} == {"approved", "rejected"}
    header = path.read_text().split("version:")[0]
    for word in ("ocr:", "replacement:", "status:", "scope:", "rejected", "ocrfix corrections"):
        assert word in header


# --------------------------------------------------------------------------------------------------
# Writing: round trip, atomic, locked, never over a broken file


def test_add_creates_the_file_with_a_header(tmp_path):
    path = tmp_path / "corrections.yaml"
    entry = add_entry(path, new_entry("chvisage", "envisage", approved_by="t"))
    text = path.read_text()
    assert text.startswith("# corrections.yaml") and "version: 1" in text and f"id: {entry.entry_id}" in text
    assert load_corrections(path).entries[0].replacement == "envisage"


HAND_EDITED = """\
# Our decisions for the 1988 files.   (a person wrote this)
version: 1

corrections:
  # --- seed letter ----------------------------------------------
  - id: cfirst1   # the first one we agreed on
    ocr:   "chvisage"          # as typed
    replacement: 'envisage'
    status: approved
    scope: {documents: "seed*"}
    approved_by: Ann
    approved_at: 2026-11-28


  # Kept: the name of a file series, not a word.
  - ocr: Sulverb
    status: rejected
    scope:
      documents: [seed*, fco*]
    approved_by: Ann
    approved_at: 2026-11-28T10:00:00Z
    note: >-
      A folded note that a person
      wrote over two lines.
# trailing comment
"""


@pytest.mark.parametrize("text", [HAND_EDITED, HAND_EDITED.replace("\n  - ", "\n- ").replace("\n    ", "\n  ").replace("\n      ", "\n    ")])
def test_add_keeps_comments_formatting_and_order(tmp_path, text):
    path = tmp_path / "corrections.yaml"
    path.write_text(text)
    load_corrections(path)  # the hand-written file is valid
    add_entry(path, new_entry("SWIA 2AA", "SW1A 2AA", approved_by="t"))
    add_entry(path, new_entry("tne", "the", approved_by="t"))
    after = path.read_text()
    assert after.startswith(text), after  # every byte a person wrote is still there, in place
    loaded = load_corrections(path)
    assert [e.ocr for e in loaded.entries] == ["chvisage", "Sulverb", "SWIA 2AA", "tne"]


def test_add_twice_hand_comments_add_again(tmp_path):
    """The issue's scenario: add, add, a person edits by hand, add: all kept, file valid."""
    path = tmp_path / "corrections.yaml"
    add_entry(path, new_entry("chvisage", "envisage", approved_by="t"))
    add_entry(path, new_entry("Politicial", "Political", approved_by="t"))
    hand = path.read_text().replace("  - id:", "  # reviewed by Ann\n  - id:", 1).replace("ocr: Politicial", "ocr: Politicial   # FCO letter")
    hand += "  # more to come after the EHRI pages\n"
    path.write_text(hand)
    add_entry(path, new_entry("SWIA 2AA", "SW1A 2AA", approved_by="t"))
    after = path.read_text()
    assert after.startswith(hand)
    assert [e.ocr for e in load_corrections(path).entries] == ["chvisage", "Politicial", "SWIA 2AA"]


def test_update_and_remove_keep_other_comments(tmp_path):
    path = tmp_path / "corrections.yaml"
    path.write_text(HAND_EDITED)
    first = load_corrections(path).entries[0]
    with pytest.raises(UsageError, match="already decides these words"):
        add_entry(path, new_entry("chvisage", "envisaged", approved_by="t", scope=first.scope))
    assert path.read_text() == HAND_EDITED
    same = add_entry(path, new_entry("chvisage", "envisage", approved_by="t", scope=first.scope))
    assert same.entry_id == "cfirst1" and path.read_text() == HAND_EDITED  # nothing to do, nothing written
    updated = add_entry(path, new_entry("chvisage", "envisaged", approved_by="Bob", scope=first.scope), update=True)
    assert updated.entry_id == "cfirst1"
    text = path.read_text()
    assert "# the first one we agreed on" in text and "# as typed" in text and load_corrections(path).entries[0].replacement == "envisaged"
    assert text.count("# Kept: the name of a file series") == 1
    # --update with only a new note rewrites the entry with it (it said "already there" and kept the old)
    noted = add_entry(path, new_entry("chvisage", "envisaged", approved_by="Bob", scope=first.scope,
                                      note="checked on the scan"), update=True)
    assert noted.entry_id == "cfirst1" and load_corrections(path).entries[0].note == "checked on the scan"
    sulverb = load_corrections(path).entries[1]
    removed = remove_entry(path, sulverb.entry_id)
    assert removed.ocr == "Sulverb"
    text = path.read_text()
    assert "Sulverb" not in text and "# the first one we agreed on" in text and text.startswith("# Our decisions")
    with pytest.raises(UsageError, match="no entry with id"):
        remove_entry(path, "nope")


def test_a_broken_file_is_never_written(tmp_path):
    path = tmp_path / "corrections.yaml"
    broken = HAND_EDITED.replace("status: rejected", "status: rejectd")
    path.write_bytes(broken.encode())
    with pytest.raises(CorrectionsFileError) as err:
        add_entry(path, new_entry("tne", "the", approved_by="t"))
    assert str(err.value).startswith(f"{path}:17: ")
    with pytest.raises(CorrectionsFileError):
        remove_entry(path, "cfirst1")
    assert path.read_bytes() == broken.encode()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["corrections.yaml", "corrections.yaml.lock"]  # no temp files left


def test_writes_keep_the_file_mode(tmp_path):
    path = tmp_path / "corrections.yaml"
    add_entry(path, new_entry("tne", "the", approved_by="t"))
    path.chmod(0o644)
    add_entry(path, new_entry("Tt", "It", approved_by="t"))
    assert path.stat().st_mode & 0o777 == 0o644


WRITER = """
import sys
from pipeline.cli import main
path, who = sys.argv[1], sys.argv[2]
for i in range(50):
    try:
        main(["corrections", "add", f"{who}form{i}", f"{who}word{i}", "--corrections", path, "--by", who])
    except SystemExit as e:
        if e.code:
            raise
"""


@pytest.mark.slow
def test_two_processes_adding_fifty_entries_each_lose_none(tmp_path):
    path = tmp_path / "corrections.yaml"
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(path), who], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        for who in ("a", "b")
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errors
    loaded = load_corrections(path)
    assert len(loaded.entries) == 100
    assert {e.ocr for e in loaded.entries} == {f"{w}form{i}" for w in "ab" for i in range(50)}
    # Each writer's entries are in the order it added them.
    for who in "ab":
        mine = [e.ocr for e in loaded.entries if e.approved_by == who]
        assert mine == [f"{who}form{i}" for i in range(50)]


@pytest.mark.parametrize("flush", [False, True])
def test_remove_and_update_touch_only_that_entrys_lines(tmp_path, flush):
    text = HAND_EDITED
    if flush:
        text = text.replace("\n  - ", "\n- ").replace("\n    ", "\n  ").replace("\n      ", "\n    ")
    lines = text.splitlines(keepends=True)
    path = tmp_path / "corrections.yaml"
    path.write_text(text)
    first, second = load_corrections(path).entries
    remove_entry(path, second.entry_id)
    # Sulverb's 9 lines (15-23) go; the comment introducing it and the one closing the file stay.
    assert path.read_text() == "".join(lines[:15] + lines[24:])
    path.write_text(text)
    add_entry(path, new_entry("chvisage", "envisaged", approved_by="Bob", approved_at="2026-11-29", scope=first.scope), update=True)
    after = path.read_text().splitlines(keepends=True)
    assert after[:5] == lines[:5] and after[12:] == lines[12:]
    assert "# the first one we agreed on" in after[5] and "# as typed" in after[6]
    assert load_corrections(path).entries == (first.model_copy(update={"replacement": "envisaged", "approved_by": "Bob", "approved_at": "2026-11-29"}), second)

_OPS = st.lists(
    st.tuples(st.sampled_from(["add", "update", "remove"]), st.sampled_from(["tne", "Tt", "chvisage", "Sulverb", "lowell /larker"]), st.sampled_from(["x", "y"])),
    max_size=8,
)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=_OPS, flush=st.booleans())
def test_any_sequence_of_edits_keeps_the_file_valid_and_its_comments(tmp_path, ops, flush):
    text = HAND_EDITED
    if flush:
        text = text.replace("\n  - ", "\n- ").replace("\n    ", "\n  ").replace("\n      ", "\n    ")
    path = tmp_path / "corrections.yaml"
    path.write_text(text)
    model = {e.ocr: e.replacement for e in load_corrections(path).entries}  # ocr -> replacement (None: rejected)
    order = list(model)
    for op, form, word in ops:
        existing = {e.ocr: e for e in load_corrections(path).entries}
        if op == "remove" and form in model:
            remove_entry(path, existing[form].entry_id)
            del model[form]
            order.remove(form)
        elif op == "update" or (op == "add" and form not in model):
            replacement = f"{form.split()[0]}-{word}"
            scope = existing[form].scope if form in existing else None
            add_entry(path, new_entry(form, replacement, approved_by="t", scope=scope), update=True)
            if form not in model:
                order.append(form)
            model[form] = replacement
        loaded = load_corrections(path)
        assert [e.ocr for e in loaded.entries] == order
        assert {e.ocr: e.replacement for e in loaded.entries} == model
    after = path.read_text()
    for comment in ("# Our decisions for the 1988 files.", "# --- seed letter", "# trailing comment", "# Kept: the name"):
        assert comment in after


def test_a_file_grown_by_another_writer_reads_the_same_as_a_full_read(tmp_path):
    """Entries appended by someone else are read from the new part alone: same entries, same lines."""
    from pipeline.corrections.store import _STATES

    path = tmp_path / "corrections.yaml"
    path.write_text(HAND_EDITED)
    load_corrections(path)  # remembered
    grown = HAND_EDITED + "  - ocr: tne\n    replacement: the   # a comment\n    approved_by: t\n    approved_at: 2026-11-28\n\n  # closing\n"
    path.write_text(grown)
    incremental = load_corrections(path)
    _STATES.clear()
    full = load_corrections(path)
    assert incremental == full and incremental.lines == full.lines and len(full.entries) == 3
    # A broken addition is reported from a full read, with its real line.
    path.write_text(grown + "  - ocr: a\n    replacement: b\n    approved_by: t\n    approved_at: soon\n")
    with pytest.raises(CorrectionsFileError, match=r"corrections.yaml:35: entry 4 \('a'\): approved_at"):
        load_corrections(path)
    # An addition that changes the last entry rather than adding one is read in full too.
    path.write_text(grown)
    load_corrections(path)
    path.write_text(grown + "    note: appended to the last entry\n")
    assert load_corrections(path).entries[-1].note == "appended to the last entry"


def test_a_word_scope_is_described_with_pages_counted_from_one():
    # The YAML keeps the page JSON's 0-based index; what people read counts from 1, as the review
    # page and every other message do ("page 0" in the status line was issue 14's report).
    from pipeline.corrections.schema import Scope

    scope = Scope(documents=("box/letter.png",), page=0, box=(10, 20, 60, 45))
    assert scope.describe() == "box/letter.png page 1 box [10, 20, 60, 45]"


def test_several_entries_are_saved_in_one_write(tmp_path):
    """save_entries: one lock, one read, one write for a series or an edited line; each says what it did."""
    from pipeline.corrections import load_corrections, new_entry, save_entries, save_entry

    path = tmp_path / "corrections.yaml"
    save_entry(path, new_entry("tbe", "the", approved_by="a"))
    done = save_entries(path, [new_entry("Linistry", "Ministry", approved_by="b"), new_entry("tbe", "then", approved_by="b"),
                               new_entry("lninistry", "ministry", approved_by="b")], update=True)
    assert [(e.ocr, what) for e, what in done] == [("Linistry", "added"), ("tbe", "updated"), ("lninistry", "added")]
    assert [(e.ocr, e.replacement) for e in load_corrections(path).entries] == [
        ("tbe", "then"), ("Linistry", "Ministry"), ("lninistry", "ministry")]


def test_words_yaml_1_1_reads_as_booleans_are_written_quoted(tmp_path):
    """"yes -> no" plain would be True -> False to PyYAML and other YAML 1.1 readers of the file."""
    from pipeline.corrections import load_corrections, new_entry, save_entry

    path = tmp_path / "corrections.yaml"
    save_entry(path, new_entry("yes", "No", approved_by="Test"))
    text = path.read_text(encoding="utf-8")
    assert 'ocr: "yes"' in text and 'replacement: "No"' in text
    [entry] = load_corrections(path).entries
    assert (entry.ocr, entry.replacement) == ("yes", "No")


def test_an_entry_typed_with_a_combining_accent_matches_the_composed_text_ocr_gives(tmp_path):
    from pipeline.corrections import load_corrections, new_entry, save_entry

    path = tmp_path / "corrections.yaml"
    save_entry(path, new_entry("cafe\u0301s", "coffee houses", approved_by="Test"))
    [entry] = load_corrections(path).entries
    assert entry.ocr == "caf\u00e9s"
    text = tmp_path / "a.txt"
    text.write_text("They met in the caf\u00e9s of Paris.\n", encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline", "correct", str(text), "--corrections", str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and "in the coffee houses of Paris." in done.stdout, done.stderr


def test_a_word_scope_names_one_document_by_its_path_never_as_a_glob():
    """A deletion meant for one word on one page, scoped {document: '*'} by hand, fired in every
    document (session 18's sweep): a word scope's document is a path, matched exactly."""
    with pytest.raises(CorrectionsFileError, match="not a glob"):  # refused, not left to fire nowhere
        corrections(f"ocr: Atherton\nreplacement: ''\nscope: {{document: '*', page: 0, box: {box(0, 1)}}}")
    bracketed = corrections(f"ocr: Atherton\nreplacement: Athertons\nscope: {{document: 'letter[2].jpg', page: 0, box: {box(0, 1)}}}")
    assert apply_overrides(page_of("Sincerely Atherton"), "letter[2].jpg", bracketed)[0].lines[0].text == "Sincerely Athertons"
    assert apply_overrides(page_of("Sincerely Atherton"), "letter2.jpg", bracketed)[0].lines[0].text == "Sincerely Atherton"
    exact = corrections(f"ocr: Atherton\nreplacement: Athertons\nscope: {{document: sub/letter.jpg, page: 0, box: {box(0, 1)}}}")
    assert apply_overrides(page_of("Sincerely Atherton"), "sub/letter.jpg", exact)[0].lines[0].text == "Sincerely Athertons"
    # A path written as the shell completes it names the same document (it matched nothing).
    dotted = corrections(f"ocr: Atherton\nreplacement: Athertons\nscope: {{document: ./sub/letter.jpg, page: 0, box: {box(0, 1)}}}")
    assert apply_overrides(page_of("Sincerely Atherton"), "sub/letter.jpg", dotted)[0].lines[0].text == "Sincerely Athertons"
    globbed = corrections("ocr: Atherton\nreplacement: Athertons\nscope: {documents: './sub/*.jpg'}")
    assert apply_overrides(page_of("Sincerely Atherton"), "sub/letter.jpg", globbed)[0].lines[0].text == "Sincerely Athertons"
