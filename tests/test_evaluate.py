"""``ocrfix evaluate``: scores agree with hand-computed ones; exclusion, --raw, reports, overrides."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from pipeline.batch import run_batch
from pipeline.cli import main
from pipeline.errors import UsageError, WorkspaceError
from pipeline.evaluate import Score, evaluate_outputs, evaluation_markdown, override_outcomes, score_page
from pipeline.model import Change, Document, Line, Page, Word
from pipeline.options import CorrectOptions, Options
from pipeline.corrections import load_corrections


def _write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def _run(argv: list[str], capsys) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    out, err = capsys.readouterr()
    return exit_info.value.code, out, err


# Hand-computed: "Tbe cat sat." vs "The cat sat." is one substitution in 12 characters and one
# wrong word in 3; "a  b\nc" vs "a b c d" (whitespace normalised to "a b c") misses " d": two
# characters of 7, one word of 4. Quotes and dashes are normalised before comparing.
CASES = [
    ("Tbe cat sat.", "The cat sat.", 1, 12, 1, 3),
    ("a  b\nc", "a b c d", 2, 7, 1, 4),
    ("\u201cYes\u201d \u2014 no", '"Yes" - no', 0, 10, 0, 3),
    ("", "abc", 3, 3, 1, 1),
]


@pytest.mark.parametrize("output, truth, char_errors, chars, word_errors, words", CASES)
def test_score_page_agrees_with_hand_computed_distances(output, truth, char_errors, chars, word_errors, words):
    s = score_page(output, truth)
    assert (s.char_errors, s.chars, s.word_errors, s.words) == (char_errors, chars, word_errors, words)


def _folder(tmp_path: Path) -> tuple[Path, Path]:
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "ehri/doc_01.txt", "Letterhead junk\nDear Sir")  # partial ground truth
    _write(gt / "ehri/doc_01.gt.txt", "Dear Sir")
    _write(out / "ehri/doc_02.txt", "Tbe cat sat.")
    _write(gt / "ehri/doc_02.gt.txt", "The cat sat.")
    _write(gt / "ehri/doc_03.gt.txt", "abc")  # no output: every character missed
    _write(out / "synthetic/x.mild.txt", "a  b\nc")
    _write(gt / "synthetic/x.mild.gt.txt", "a b c d")
    _write(out / "extra.txt", "no ground truth for this one")
    return out, gt


def test_totals_are_sums_over_pages_and_excluded_pages_stay_out(tmp_path):
    out, gt = _folder(tmp_path)
    ev = evaluate_outputs(out, gt, exclude=["*_01"])
    names = [p.name for p in ev.pages]
    assert names == ["ehri/doc_01", "ehri/doc_02", "ehri/doc_03", "synthetic/x.mild"]
    assert [p.excluded for p in ev.pages] == [True, False, False, False]
    assert [p.missing for p in ev.pages] == [False, False, True, False]
    # 1 + 3 + 2 character errors over 12 + 3 + 7 characters; 1 + 1 + 1 words over 3 + 1 + 4.
    assert (ev.total.char_errors, ev.total.chars) == (6, 22)
    assert ev.total.cer == pytest.approx(6 / 22)
    assert ev.total.wer == pytest.approx(3 / 8)
    assert ev.no_ground_truth == ["extra"]
    folders = dict(ev.folders())
    assert (folders["ehri"].total.char_errors, folders["ehri"].total.chars) == (4, 15)
    assert (folders["synthetic"].total.char_errors, folders["synthetic"].total.chars) == (2, 7)
    assert ev.to_dict()["folders"]["ehri"]["pages"] == 2
    everything = evaluate_outputs(out, gt)
    assert everything.total.chars == 22 + 8 and not any(p.excluded for p in everything.pages)


def test_multipage_outputs_are_scored_page_by_page_when_the_ground_truth_has_the_pages(tmp_path):
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "tel.txt", "one twa\fthree")
    _write(gt / "tel.gt.txt", "one two\fthree")
    ev = evaluate_outputs(out, gt)
    assert [(p.name, p.score.char_errors) for p in ev.pages] == [("tel#1", 1), ("tel#2", 0)]


def test_a_form_feed_ending_the_last_page_makes_no_page_of_its_own(tmp_path):
    """Tesseract's text ends every page with a form feed: as --ocr-text (or ground truth typed so) a
    two-page document had three pages, matched neither side, and lost its per-page scores, its raw
    scores and the corrector's counts, with nothing said."""
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    _write(out / "tel.txt", "one two\fthree")
    _write(gt / "tel.gt.txt", "one two\fthree\f\n")
    _write(ocr / "tel.txt", "one twa\fthree\f")
    ev = evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    assert [(p.name, p.raw.char_errors, p.counts.fixed) for p in ev.pages] == [("tel#1", 1, 1), ("tel#2", 0, 0)]


def test_corrector_counts_and_raw_scores_from_a_folder_of_ocr_text(tmp_path):
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    _write(gt / "p.gt.txt", "The cat sat on the mat")
    _write(ocr / "p.txt", "Tbe cat sat om the mat")
    _write(out / "p.txt", "The cat sit om the mat")  # fixed "The", damaged "sat", missed "om"
    ev = evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    [page] = ev.pages
    assert (page.counts.fixed, page.counts.damaged, page.counts.changed_wrong, page.counts.missed) == (1, 1, 0, 1)
    assert page.raw.char_errors == 2 and page.score.char_errors == 2
    assert ev.raw_total.chars == ev.total.chars == 22


def test_a_page_without_raw_ocr_has_no_raw_score_and_the_headline_compares_like_with_like(tmp_path):
    """A page whose raw OCR is not there scored as empty text: "CER 2.20 % vs 92.88 % raw OCR"
    (session 18's sweep)."""
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    for name, truth in (("a", "The cat sat on the mat"), ("b", "A dog lay by the door")):
        _write(gt / f"{name}.gt.txt", truth)
        _write(out / f"{name}.txt", truth)
    _write(ocr / "a.txt", "Tbe cat sat on the mat")  # b has none
    ev = evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    assert {p.name: p.raw is not None for p in ev.pages} == {"a": True, "b": False}
    assert ev.versus_raw() == "CER 0.00 % vs 4.55 % raw OCR (-100 %; the 1 of 2 pages that have raw OCR)."


def test_ocr_text_that_pairs_with_no_page_is_said_and_no_raw_total_is_made_up(tmp_path):
    """--ocr-text given a file said "no such folder"; a folder laid out unlike the ground truth gave
    every page no raw score and a raw total of "0.00 %", as if the raw OCR had been perfect."""
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    for name in ("a_01", "a_02"):
        _write(gt / f"sub/{name}.gt.txt", "The cat sat")
        _write(out / f"sub/{name}.txt", "The cat sat")
        _write(ocr / f"{name}.txt", "Tbe cat sat")  # not in sub/
    with pytest.raises(UsageError, match="none of the 2 ground-truth files has OCR text here .*laid out alike") as e:
        evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    assert e.value.path == ocr
    with pytest.raises(UsageError, match="is a file, not a folder of OCR text"):
        evaluate_outputs(out, gt, raw=True, ocr_dir=ocr / "a_01.txt")
    # Raw OCR for the excluded page only: the scored pages have no raw total, not a perfect one.
    _write(ocr / "sub/a_01.txt", "Tbe cat sat")
    ev = evaluate_outputs(out, gt, exclude=["a_01"], raw=True, ocr_dir=ocr)
    assert ev.raw_total is None and ev.to_dict()["raw_total"] is None and ev.versus_raw() is None
    assert "| **total** (1 page) | 11 | 0.00 % | 0.00 % |  |  |" in evaluation_markdown(ev)


def test_the_headline_compares_with_raw_ocr_that_was_perfect(tmp_path):
    """Raw OCR without an error and a corrector that damaged a word: the headline (a change relative
    to 0 %) was left out, and with it the one line saying correction made the pages worse."""
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    _write(gt / "a.gt.txt", "The cat sat")
    _write(ocr / "a.txt", "The cat sat")
    _write(out / "a.txt", "The cat sit")
    assert evaluate_outputs(out, gt, raw=True, ocr_dir=ocr).versus_raw() == "CER 9.09 % vs 0.00 % raw OCR (worse)."
    _write(out / "a.txt", "The cat sat")
    assert evaluate_outputs(out, gt, raw=True, ocr_dir=ocr).versus_raw() == "CER 0.00 % vs 0.00 % raw OCR (the same)."


def test_raw_names_the_pages_made_worse_than_raw_ocr(tmp_path, capsys):
    """EVALUATION.md's "pages worse than raw" (CER more than 10 % relative and 0.1 points absolute
    above raw), the figure users judge "does no harm" by, was nowhere in `evaluate --raw`: a page
    the corrector damaged hid in a total that improved."""
    from pipeline.evaluate import worse_than_raw

    assert worse_than_raw(score_page("The cat sit", "The cat sat"), score_page("The cat sat", "The cat sat"))
    assert not worse_than_raw(Score(111, 100000, 0, 1), Score(100, 100000, 0, 1))  # 11 % worse, but 0.011 points
    assert not worse_than_raw(Score(104, 1000, 0, 1), Score(100, 1000, 0, 1))  # 0.4 points, but 4 % worse
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    for name, raw, corrected in (("a", "The cat sat on the mat", "The cat sit on the mat"),
                                 ("b", "Tbe dog lay by tbe door", "The dog lay by the door")):
        _write(gt / f"{name}.gt.txt", corrected.replace("sit", "sat"))
        _write(ocr / f"{name}.txt", raw)
        _write(out / f"{name}.txt", corrected)
    ev = evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    assert ev.worse_than_raw() == ["a"] and ev.to_dict()["worse_than_raw"] == ["a"]
    assert "Pages worse than raw OCR: 1 (`a`)." in evaluation_markdown(ev)
    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt), "--raw", "--ocr-text", str(ocr)], capsys)
    assert code == 0 and "Pages worse than raw OCR: 1 (a)." in stdout
    assert evaluate_outputs(out, gt).to_dict()["worse_than_raw"] is None  # without raw OCR: not known


def test_errors_name_the_folder(tmp_path):
    out, gt = _folder(tmp_path)
    with pytest.raises(UsageError, match="no such ground-truth folder") as e:
        evaluate_outputs(out, tmp_path / "nope")
    assert "nope" in str(e.value)
    with pytest.raises(UsageError, match="no ground-truth files .*: --gt is the output folder itself"):
        evaluate_outputs(out, out)
    with pytest.raises(UsageError, match="--raw needs"):
        evaluate_outputs(out, gt, raw=True)
    with pytest.raises(UsageError, match="none of the 4 ground-truth files has an output"):
        evaluate_outputs(out / "ehri", gt)


def test_outputs_beside_their_ground_truth_are_scored_and_the_ground_truth_is_no_output(tmp_path):
    """OCR text and its transcription in one folder (`evaluate ocr/ --gt ocr/`): X.gt.txt is the
    ground truth, not an output "X.gt" without any (it said "1 outputs have no ground truth")."""
    _write(tmp_path / "a.txt", "helo world")
    _write(tmp_path / "a.gt.txt", "hello world")
    ev = evaluate_outputs(tmp_path, tmp_path)
    assert [p.name for p in ev.pages] == ["a"] and (ev.total.char_errors, ev.total.chars) == (1, 11)
    assert ev.no_ground_truth == []


def test_a_folder_without_ground_truth_files_is_told_what_it_has(tmp_path):
    """Transcriptions saved as GT/X.txt (as `dictionary confusions` takes them) were refused as "no
    ground-truth files" with no word that the files were there under another name; so were folders
    given the wrong way round."""
    _write(tmp_path / "out/a.txt", "helo")
    _write(tmp_path / "gt/a.txt", "hello")
    _write(tmp_path / "gt/sub/b.TXT", "hello")
    with pytest.raises(UsageError, match=r"has no ground-truth files .*: it has 2 \.txt files; name each X\.gt\.txt"):
        evaluate_outputs(tmp_path / "out", tmp_path / "gt")
    # The two folders given the wrong way round: that is what is said.
    _write(tmp_path / "gt/a.gt.txt", "hello")
    with pytest.raises(UsageError, match="has them; are the output folder and --gt the wrong way round"):
        evaluate_outputs(tmp_path / "gt", tmp_path / "out")


def test_an_output_folder_without_text_outputs_is_told_so(tmp_path):
    """`ocrfix process --format alto` and then evaluate: "are the two folders laid out alike?", of two
    folders laid out alike, where what the output folder lacks is the .txt outputs evaluate reads."""
    _write(tmp_path / "out/a.alto.xml", "<alto/>")
    _write(tmp_path / "gt/a.gt.txt", "hello")
    with pytest.raises(UsageError, match=r"has no \.txt outputs to score .*--format") as e:
        evaluate_outputs(tmp_path / "out", tmp_path / "gt")
    assert e.value.path == tmp_path / "out"


def test_a_file_given_for_a_folder_is_named_as_a_file(tmp_path):
    out, gt = _folder(tmp_path)
    with pytest.raises(UsageError, match="is a file, not a folder of ground truth"):
        evaluate_outputs(out, gt / "ehri" / "doc_02.gt.txt")
    with pytest.raises(UsageError, match="is a file, not a folder of outputs"):
        evaluate_outputs(out / "ehri" / "doc_02.txt", gt)


def test_a_document_with_a_hash_in_its_name_can_be_excluded(tmp_path, capsys):
    """Archive names such as "Box#12_f3": --exclude 'Box#12*' (or '*_f3') took nothing, the name being
    cut at its first "#" as if "#12_f3" were the page number a multi-page output's pages get."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "Box#12_f3.txt", "Letterhead junk Dear Sir")
    _write(gt / "Box#12_f3.gt.txt", "Dear Sir")
    _write(out / "Box#12_f4.txt", "one twa\fthree")
    _write(gt / "Box#12_f4.gt.txt", "one two\fthree")
    ev = evaluate_outputs(out, gt, exclude=["Box#12_f3", "*_f4"])
    assert [(p.name, p.excluded) for p in ev.pages] == [("Box#12_f3", True), ("Box#12_f4#1", True), ("Box#12_f4#2", True)]
    code, _, stderr = _run(["evaluate", str(out), "--gt", str(gt), "--exclude", "*_f3", "--json"], capsys)
    assert code == 0 and "matched no page" not in stderr


def test_the_table_shows_names_with_square_brackets_as_they_are(tmp_path, capsys):
    """Rich took "[draft]" in a page name for markup and dropped it: the table said "letter" (and
    "x[bold]y" printed as a bold "xy"), so a page could not be found by its name."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    for name in ("letter [draft]", "x[bold]y"):
        _write(out / f"{name}.txt", "abc")
        _write(gt / f"{name}.gt.txt", "abd")
    _write(out / "[blank].txt", "abc")
    _write(gt / "[blank].gt.txt", "")
    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt)], capsys)
    assert code == 0
    assert "letter [draft]" in stdout and "x[bold]y" in stdout and "empty ([blank])" in stdout


def test_markdown_tables_keep_their_columns_when_a_name_or_entry_holds_a_bar(tmp_path):
    """OCR reads "I" as "|": an entry "'|t' -> 'It'" (or a page named "p|q") split its row into one
    column too many, and the Markdown table was broken for every reader."""
    import re

    from pipeline.evaluate import OverrideEvaluation

    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "p|q.txt", "|t is")
    _write(gt / "p|q.gt.txt", "It is")
    ev = evaluate_outputs(out, gt)
    ev.overrides = [OverrideEvaluation("c1", fired=1, right=1, description="c1 ('|t' -> 'It', everywhere)")]
    report = evaluation_markdown(ev)
    tables = [line for line in report.splitlines() if line.startswith("|")]
    columns = lambda line: len(re.findall(r"(?<!\\)\|", line))  # noqa: E731
    assert [columns(line) for line in tables] == [9] * 4 + [4] * 3
    assert "| p\\|q |" in report and "'\\|t' -> 'It'" in report


def test_the_markdown_report_names_empty_ground_truth_as_the_table_does(tmp_path):
    """An empty transcription shows "0.00 %" on its page while all its output counts as errors in the
    total: the table said so, the Markdown report (the one kept and shared) did not."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "a.txt", "some text here")
    _write(gt / "a.gt.txt", "")
    _write(out / "b.txt", "The cat")
    _write(gt / "b.gt.txt", "The cat")
    _write(out / "c.txt", "no ground truth")
    report = evaluation_markdown(evaluate_outputs(out, gt))
    assert "Empty ground truth (every character of the output counts as an error in the total; transcribe " \
           "the page, or leave it out with --exclude if it has no text): `a`." in report
    assert "Outputs with no ground truth, not scored: 1." in report


def test_exclude_takes_a_page_by_its_file_name_too(tmp_path, capsys):
    """--exclude doc_01.gt.txt (the file a person sees to be partial) or ehri/doc_01.txt took nothing:
    the page's name has no extension. Only warned of, the page stayed in the totals."""
    out, gt = _folder(tmp_path)
    for pattern in ("doc_01.gt.txt", "ehri/doc_01.txt", "*_01.txt"):
        ev = evaluate_outputs(out, gt, exclude=[pattern])
        assert [p.name for p in ev.pages if p.excluded] == ["ehri/doc_01"], pattern
    code, _, stderr = _run(["evaluate", str(out), "--gt", str(gt), "--exclude", "doc_01.gt.txt", "--json"], capsys)
    assert code == 0 and "matched no page" not in stderr


def test_a_glob_of_page_names_takes_no_page_by_its_file_name_ending(tmp_path):
    """A glob for page names was matched against X.txt and X.gt.txt as well: '*[!0-9]' (the pages
    whose name ends in no digit: a box's cover sheets) took every page, since every file name ends
    in 't', and the totals were of nothing."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    for name in ("box1_001", "box1_002", "box1_cover"):
        _write(out / f"{name}.txt", "Dear Sir")
        _write(gt / f"{name}.gt.txt", "Dear Sir")
    for pattern in ("*[!0-9]", "*r", "*r.gt.txt", "box1_cover.txt"):
        ev = evaluate_outputs(out, gt, exclude=[pattern])
        assert [p.name for p in ev.pages if p.excluded] == ["box1_cover"], pattern
    assert [p.name for p in evaluate_outputs(out, gt, exclude=["*.txt"]).pages if not p.excluded] == []


def test_an_output_named_in_another_case_is_pointed_out(tmp_path, capsys):
    """Ground truth a.gt.txt, output A.txt (a scan renamed, a transcription typed on Windows): scored
    as "no output", and the output listed apart as having no ground truth, with nothing to link them."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "Letter_02.txt", "Dear Sir")
    _write(gt / "letter_02.gt.txt", "Dear Sir")
    _write(out / "b.txt", "x")
    _write(gt / "b.gt.txt", "x")
    ev = evaluate_outputs(out, gt)
    assert ev.misnamed() == [("letter_02", "Letter_02")]
    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt)], capsys)
    assert code == 0 and "letter_02 has no output, but Letter_02.txt differs from its name only in case" in " ".join(stdout.split())
    assert "`Letter_02.txt` differs from its name only in case" in evaluation_markdown(ev)


def test_a_name_written_with_combining_accents_is_the_same_name(tmp_path):
    """Scans unzipped from a Mac archive are named with combining accents ("Zu" + U+0308 "rich"), the
    transcription typed elsewhere with the composed "ü": the two names look the same and are, yet the
    page scored as "no output" and its output as having no ground truth; no renaming shows why."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "Zu\u0308rich_01.txt", "Tbe Legation")
    _write(out / "Zu\u0308rich_01.json", "{}")
    _write(gt / "Z\u00fcrich_01.gt.txt", "The Legation")
    ev = evaluate_outputs(out, gt)
    assert [(p.name, p.missing, p.score.char_errors) for p in ev.pages] == [("Z\u00fcrich_01", False, 1)]
    assert ev.no_ground_truth == []


def test_ocr_text_named_with_combining_accents_pairs_with_its_ground_truth(tmp_path):
    """--ocr-text named like the scans it was read from (accents combining, from a Mac archive), the
    ground truth composed: the outputs were paired in either form, the OCR text only by its bytes, so
    the page had no raw score and no corrector counts, and a folder of such names was refused as
    'none of the ground-truth files has OCR text here'."""
    out, gt, ocr = tmp_path / "out", tmp_path / "gt", tmp_path / "ocr"
    _write(out / "Zu\u0308rich_01.txt", "The Legation")
    _write(ocr / "Zu\u0308rich_01.txt", "Tbe Legation")
    _write(gt / "Z\u00fcrich_01.gt.txt", "The Legation")
    ev = evaluate_outputs(out, gt, raw=True, ocr_dir=ocr)
    [page] = ev.pages
    assert page.raw is not None and page.raw.char_errors == 1 and page.counts.fixed == 1


def test_override_outcomes_align_corrected_words_with_the_ground_truth():
    words = [Word(text=t) for t in ["We", "envisage", "Powell/Parker", "at", "once"]]
    page = Page(source="a.png", lines=[Line(words=words)], changes=[
        Change(line=0, word=1, original="chvisage", new="envisage", source="override", entry_id="good"),
        Change(line=0, word=2, original="lowell /larker", new="Powell/Parker", source="override", entry_id="bad"),
        Change(line=0, word=3, original="al", new="at", source="lexicon"),
    ])
    doc = Document(source="a.png", pages=[page])
    assert override_outcomes(doc, "We envisage Powell / Parker at once") == [("good", True), ("bad", False)]


CORRECTIONS = """\
version: 1
corrections:
  - id: tbe
    ocr: Tbe
    replacement: The
    status: approved
    approved_by: a test
    approved_at: '2026-11-28'
  - id: sat-sit
    ocr: sat
    replacement: sit
    status: approved
    approved_by: a test
    approved_at: '2026-11-28'
  - id: never
    ocr: Zzyzx
    replacement: Zyzzyx
    status: approved
    approved_by: a test
    approved_at: '2026-11-28'
"""


@pytest.fixture
def processed(tmp_path, fake_ocr):
    """An output folder of `ocrfix process` (fake OCR, overrides only) with ground truth beside it."""
    fake_ocr([[("Tbe", 80), ("cat", 95), ("sat", 95)], [("on", 96), ("tbe", 60), ("mat", 90)]])
    corrections = _write(tmp_path / "corrections.yaml", CORRECTIONS)
    scans = []
    for name in ("a_01", "a_02"):
        path = tmp_path / "in" / f"{name}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(np.full((120, 300), 255, np.uint8)).save(path)
        scans.append((path, Path(f"{name}.png")))
    options = Options(workers=1, correct=CorrectOptions(enabled=False, corrections_file=corrections))
    batch = run_batch(scans, tmp_path / "out", options, load_corrections(corrections))
    assert all(r.ok for r in batch.results)
    for name in ("a_01", "a_02"):
        _write(tmp_path / "gt" / f"{name}.gt.txt", "The cat sat\non the mat\n")
    return tmp_path / "out", tmp_path / "gt"


def test_raw_scores_the_cached_ocr_and_overrides_are_counted(processed):
    out, gt = processed
    ev = evaluate_outputs(out, gt, exclude=["a_01"], raw=True)
    page = next(p for p in ev.pages if p.name == "a_02")
    # Raw "Tbe cat sat on tbe mat": 2 errors; corrected "The cat sit on tbe mat": 2 errors.
    assert (page.raw.char_errors, page.score.char_errors) == (2, 2)
    assert (page.counts.fixed, page.counts.damaged, page.counts.missed) == (1, 1, 1)
    assert ev.raw_total.chars == ev.total.chars == len("The cat sat on the mat")
    table = {o.entry_id: (o.fired, o.right) for o in ev.overrides}
    # a_01 is excluded: each entry fired once on a_02; "never" is listed from corrections.yaml.
    assert table == {"tbe": (1, 1), "sat-sit": (1, 0), "never": (0, 0)}


def test_raw_needs_a_workspace(tmp_path):
    _write(tmp_path / "gt/a.gt.txt", "x")
    _write(tmp_path / "out/a.txt", "x")
    # (an `ocrfix correct -o` folder has no workspace: the other way to give the raw OCR is named)
    with pytest.raises(UsageError, match="--raw needs .* or the text before correction as --ocr-text DIR"):
        evaluate_outputs(tmp_path / "out", tmp_path / "gt", raw=True)
    with pytest.raises(WorkspaceError):
        from pipeline.evaluate import _workspace_raw

        _workspace_raw(tmp_path / "out")


def test_cli_json_markdown_and_table(processed, capsys):
    out, gt = processed
    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt), "--raw", "--exclude", "*_01", "--json"], capsys)
    assert code == 0
    report = json.loads(stdout)
    assert report["total"]["char_errors"] == 2 and report["raw_total"]["char_errors"] == 2
    assert [p["name"] for p in report["pages"]] == ["a_01", "a_02"] and report["pages"][0]["excluded"]
    assert report["corrector"] == {"fixed": 1, "damaged": 1, "changed_wrong": 0, "missed": 1, "right": 4, "changed": 2}
    assert {o["id"]: o["fired"] for o in report["overrides"]} == {"tbe": 1, "sat-sit": 1, "never": 0}

    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt), "--raw", "--exclude", "*_01", "--markdown"], capsys)
    assert code == 0
    assert stdout.startswith("# ocrfix evaluation")
    assert "| a_01 (excluded) |" in stdout and "| **total** (1 page) | 22 | 9.09 % |" in stdout
    assert stdout == evaluation_markdown(evaluate_outputs(out, gt, ["*_01"], raw=True))

    code, stdout, _ = _run(["evaluate", str(out), "--gt", str(gt), "--raw"], capsys)
    assert code == 0 and "total (2 pages)" in stdout and "9.09 %" in stdout and "raw OCR" in stdout

    code, _, stderr = _run(["evaluate", str(out), "--gt", str(out / "missing")], capsys)
    assert code == 2 and "missing: no such ground-truth folder" in stderr

    # A pattern that takes no page is said, on stderr: 'sub/multi#2' excluded nothing, silently.
    code, stdout, stderr = _run(["evaluate", str(out), "--gt", str(gt), "--exclude", "a_02#1", "--json"], capsys)
    assert code == 0 and "'a_02#1' matched no page" in stderr and json.loads(stdout)["pages"]


def test_the_json_of_a_page_with_empty_ground_truth_has_no_error_rate(tmp_path):
    """A page whose transcription is empty has no character error rate (its errors have nothing to
    be a rate of); the JSON said "cer": 0.0, read by other tools as a perfect page, while every
    character of its output counted as an error in the total."""
    out, gt = tmp_path / "out", tmp_path / "gt"
    _write(out / "a.txt", "some text here")
    _write(gt / "a.gt.txt", "")
    _write(out / "b.txt", "The cat")
    _write(gt / "b.gt.txt", "The cat")
    pages = {p["name"]: p for p in evaluate_outputs(out, gt).to_dict()["pages"]}
    assert (pages["a"]["cer"], pages["a"]["wer"], pages["a"]["char_errors"], pages["a"]["chars"]) == (None, None, 14, 0)
    assert (pages["b"]["cer"], pages["b"]["wer"]) == (0.0, 0.0)
