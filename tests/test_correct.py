"""The corrector with the shipped dictionaries: table tests over the seed document and small cases,
plus abstention, recording, overrides hooks and idempotence."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest

from pipeline.correct import Corrector, correct_page, correct_text, load_corrector, page_from_text
from pipeline.export.text import page_text
from pipeline.model import Line, Page, Word
from pipeline.options import CorrectOptions

DATA = Path(__file__).parent / "data"
SEED = DATA / "seed_000_6107bf163eec2d22.txt"
CASES = json.loads((DATA / "correct_cases.json").read_text(encoding="utf-8"))["cases"]


@pytest.fixture(scope="module")
def corrector() -> Corrector:
    return load_corrector(CorrectOptions())


@pytest.fixture(scope="module")
def corrector_without_shape() -> Corrector:
    """The corrector without its spelling model: for tests of what else makes an unknown word a
    garble (the spelling alone takes "pqrliqmentqry" for one)."""
    corrector = load_corrector(CorrectOptions())
    corrector.settings = dataclasses.replace(corrector.settings, shape_weight=0.0)
    return corrector


@pytest.fixture(scope="module")
def seed_result(corrector: Corrector) -> tuple[str, Page]:
    text = SEED.read_text(encoding="utf-8")
    return text, correct_page(page_from_text(text, SEED.name), corrector)


@pytest.mark.parametrize(("why", "text", "expected"), CASES, ids=[c[0] for c in CASES])
def test_cases(corrector: Corrector, why: str, text: str, expected: str) -> None:
    assert correct_text(text, corrector).rstrip("\n") == expected


# The seed's garbles and what they must become.
SEED_FIXES = [("chvisage.", "envisage."), ("Politicial", "Political")]
# Words of the seed that must come out exactly as they went in (names, acronyms, codes).
SEED_KEPT = ["Shultz", "Geoffrey", "Howe", "CSCE", "Peirce)", "JD3BPI", "7160A/88", "SW1A", "2AH", "JD3BPH", "20/10/88",
             "Thatcher.", "Reagan", "MARGARET", "polemically,", "hoodwinked", "backslide", "despatched", "Esq.,"]


@pytest.mark.parametrize(("before", "after"), SEED_FIXES)
def test_seed_garbles_fixed(seed_result, before: str, after: str) -> None:
    _text, page = seed_result
    changed = {(c.original, c.new) for c in page.changes}
    assert (before, after) in changed


@pytest.mark.parametrize("word", SEED_KEPT)
def test_seed_names_and_codes_kept(seed_result, word: str) -> None:
    text, page = seed_result
    assert text.split().count(word) == page_text(page).split().count(word) > 0


def test_seed_changes_nothing_else(seed_result) -> None:
    """Every change on the seed is one of the known garbles: no correct word is touched."""
    _text, page = seed_result
    allowed = {b for b, _a in SEED_FIXES}
    assert {c.original for c in page.changes} <= allowed


def test_seed_unsure_word_flagged_not_changed(seed_result) -> None:
    _text, page = seed_result
    falle = [w for w in page.words if w.text == "falle"]
    assert falle and all(w.flagged for w in falle)
    assert "fall" in falle[0].suggestions or "falls" in falle[0].suggestions


def test_changes_are_recorded(corrector: Corrector) -> None:
    page = correct_page(page_from_text("the Tecent negotiatione", "x"), corrector)
    assert [(c.line, c.word, c.original, c.new, c.source) for c in page.changes] == [
        (0, 1, "Tecent", "recent", "lexicon"),
        (0, 2, "negotiatione", "negotiations", "lexicon"),
    ]
    assert all(0.5 < c.score <= 1.0 for c in page.changes)


def test_skip_positions_untouched(corrector: Corrector) -> None:
    page = page_from_text("the Tecent negotiatione", "x")
    fixed = correct_page(page, corrector, skip=frozenset({(0, 1)}))
    assert page_text(fixed).split() == ["the", "Tecent", "negotiations"]
    # A word a person decided is not judged again: it was given p_wrong and flagged, so that the
    # JSON and `ocrfix status` counted it among the flagged words while review (rightly) did not.
    decided, other = fixed.lines[0].words[1], fixed.lines[0].words[0]
    assert decided.p_wrong is None and not decided.flagged
    assert other.p_wrong is not None


def test_override_hooks(corrector: Corrector) -> None:
    """Words the overrides approve (known) or reject (protected) are never auto-corrected."""
    options = CorrectOptions()
    assert correct_text("the negotiatione", load_corrector(options, known=frozenset({"negotiatione"}))).split()[1] == "negotiatione"
    assert correct_text("the negotiatione", load_corrector(options, protected=frozenset({"negotiatione"}))).split()[1] == "negotiatione"


def test_layout_kept(corrector: Corrector) -> None:
    text = "First line with goverment\nsecond line\n\nA new block negotiatione.\n"
    out = correct_text(text, corrector)
    assert out == "First line with government\nsecond line\n\nA new block negotiations.\n"


def test_boxes_and_confidence_kept_on_a_real_page(corrector: Corrector) -> None:
    page = Page(source="x", lines=[Line(words=[
        Word(text="the", bbox=(0, 0, 10, 10), confidence=96.0),
        Word(text="negotiatione", bbox=(12, 0, 60, 10), confidence=55.0),
    ])])
    fixed = correct_page(page, corrector)
    w = fixed.lines[0].words[1]
    assert (w.text, w.bbox, w.confidence) == ("negotiations", (12, 0, 60, 10), 55.0)


def test_tesseract_alternatives_used(corrector: Corrector) -> None:
    """A word whose second choice at one position spells a word: Tesseract's own alternative wins."""
    alts = [[(ch, 90.0)] for ch in "tbe"]
    alts[1] = [("b", 60.0), ("h", 40.0)]
    page = Page(source="x", lines=[Line(words=[Word(text="in"), Word(text="tbe", alternatives=alts, confidence=60.0), Word(text="world")])])
    assert page_text(correct_page(page, corrector)).split() == ["in", "the", "world"]


def test_confident_words_need_more_evidence(corrector: Corrector) -> None:
    """Where Tesseract was sure of a word, an unsure correction is not made."""
    page = Page(source="x", lines=[Line(words=[Word(text="we"), Word(text="can't"), Word(text="falle", confidence=97.0), Word(text="now")])])
    assert page_text(correct_page(page, corrector)).split()[2] == "falle"


def test_idempotent_on_seed(corrector: Corrector, seed_result) -> None:
    _text, page = seed_result
    once = page_text(page)
    again = correct_page(page_from_text(once, "again"), corrector)
    assert page_text(again) == once
    assert again.changes == []


def test_idempotent_on_cases(corrector: Corrector) -> None:
    for _why, text, _expected in CASES:
        once = correct_text(text, corrector)
        assert correct_text(once, corrector) == once


def test_empty_and_odd_pages(corrector: Corrector) -> None:
    assert correct_text("", corrector) == ""
    assert correct_text("  \n\n", corrector) == ""
    assert correct_text("--- ... ¶ §§ 12,345 (a) [b] «»", corrector).split() == "--- ... ¶ §§ 12,345 (a) [b] «»".split()


def test_missing_dictionary_is_a_clear_error(tmp_path: Path) -> None:
    from pipeline.errors import DictionaryError

    with pytest.raises(DictionaryError, match=re.escape("dictionary build")):
        load_corrector(CorrectOptions(dictionary_dir=tmp_path / "nowhere"))


def test_idempotent_on_a_garbled_sample(corrector: Corrector) -> None:
    """Corrections that give a neighbour its context (beara wittess) settle in one call."""
    text = (DATA / "garbled_sample.txt").read_text(encoding="utf-8")
    once = correct_text(text, corrector)
    assert once != text
    assert "bears witness" in once and "security" in once and "measures" in once
    assert correct_page(page_from_text(once, "again"), corrector).changes == []


def test_overridden_first_part_keeps_its_continuation(corrector: Corrector) -> None:
    """A position decided by the overrides takes the rest of its hyphenated word with it."""
    page = page_from_text("laws and rezu-\nlations, however", "x")
    fixed = correct_page(page, corrector, skip=frozenset({(0, 2)}))
    assert page_text(fixed) == "laws and rezu-\nlations, however\n"


def _sentence(*words: tuple[str, float | None]) -> Page:
    return Page(source="x", lines=[Line(words=[Word(text=t, confidence=c) for t, c in words])])


def test_real_word_error_only_where_tesseract_doubted(corrector: Corrector) -> None:
    """A word the corpus knows ("moaning", 5 times) is a real-word error candidate only where
    Tesseract doubted it; "ia" (6 times) is one anyway: "is" misread explains its count."""
    doubted = _sentence(("the", 95.0), ("moaning", 30.0), ("of", 95.0), ("living", 95.0))
    sure = _sentence(("the", 95.0), ("moaning", 93.0), ("of", 95.0), ("living", 95.0))
    assert page_text(correct_page(doubted, corrector)).split()[1] == "meaning"
    assert page_text(correct_page(sure, corrector)).split()[1] == "moaning"
    noise = _sentence(("there", 95.0), ("ia", 93.0), ("nothing", 95.0), ("in", 95.0))
    assert page_text(correct_page(noise, corrector)).split()[1] == "is"


def test_a_rare_dictionary_word_in_plain_text_stays(corrector: Corrector) -> None:
    """Words the dictionaries know only from SCOWL (count 1: "peelings", "tallow") are words, not
    slips: plain text has no doubt to act on, so they stay; read with low confidence they may change."""
    assert corrector.lexicon.counts.get("peelings") == 1
    assert correct_text("their peelings were hurt by the tallow candles", corrector).split() == \
        "their peelings were hurt by the tallow candles".split()
    doubted = _sentence(("their", 95.0), ("peelings", 20.0), ("were", 95.0), ("hurt", 95.0))
    assert page_text(correct_page(doubted, corrector)).split()[1] == "feelings"


def test_collection_vocabulary_is_not_corrected(corrector: Corrector) -> None:
    """A spelling the dictionaries lack but the collection writes again and again, in document after
    document, is the collection's own; met once in the dictionaries' world it is corrected."""
    from pipeline.collection import collection_model

    pages = [page_from_text(f"the note {k} of the goverment was read", f"doc{k}") for k in range(3)]
    with_collection = corrector.with_collection(collection_model(pages))
    assert "the government was" in page_text(correct_page(pages[0], corrector))
    assert "the goverment was" in page_text(correct_page(pages[0], with_collection))


def test_a_capital_the_collection_gives_a_word_by_habit_is_no_case_slip(corrector: Corrector) -> None:
    """"People" mid-sentence is a case slip in a collection that writes "people" nearly always; where
    it writes "People" a quarter of the time or more (a newspaper's "Witness"), it is its habit."""
    from pipeline.collection import collection_model

    page = page_from_text("millions of People are living", "a")
    slips = [page_from_text("the people said so", f"s{k}") for k in range(9)] + [page_from_text("the People said so", "s9")]
    habit = [page_from_text("the people said so", f"h{k}") for k in range(6)] + [
        page_from_text("the People said so", f"h{k}") for k in range(6, 9)]
    assert "of people are" in page_text(correct_page(page, corrector.with_collection(collection_model([page, *slips]))))
    assert "of People are" in page_text(correct_page(page, corrector.with_collection(collection_model([page, *habit]))))


def test_rare_variant_of_a_frequent_collection_form_is_still_corrected(corrector: Corrector) -> None:
    """A misread that recurs ("cornmittee", a worn key) is no word of the collection beside the form
    it garbles, which the collection writes ten times as often."""
    from pipeline.collection import collection_model

    text = "the committee met; the report of the committee was read and the committee {} adjourned"
    pages = [page_from_text(text.format("cornmittee" if k < 3 else "then"), f"d{k}") for k in range(10)]
    model = collection_model(pages)
    assert model.count("cornmittee") == 3 and model.count("committee") == 30
    assert "cornmittee" not in page_text(correct_page(pages[0], corrector.with_collection(model)))
    # The same form three times with no frequent form it could garble is the collection's word.
    alone = collection_model(pages[:3])
    assert "cornmittee" in page_text(correct_page(pages[0], corrector.with_collection(alone)))


def test_two_words_ocr_runs_together_again_and_again_are_not_the_collections_own(corrector: Corrector) -> None:
    """A lost space that recurs ("andthe" in three documents) is no word of the collection when it
    writes the two words far more often and the dictionaries know them as a phrase: it is split. A
    compound it repeats ("workhouse": "work house" is no phrase of the dictionaries) stays its own."""
    from pipeline.collection import collection_model

    text = "the {} of the president {} prime minister met the master and the clerk and the cook"
    pages = [page_from_text(text.format(*(("workhouse", "andthe") if k < 3 else ("house", "and the"))), f"d{k}")
             for k in range(12)]
    model = collection_model(pages)
    assert model.count("andthe") == 3 and model.count("and") == 33 and model.count("workhouse") == 3
    corrected = page_text(correct_page(pages[0], corrector.with_collection(model)))
    assert "the workhouse of the president and the prime minister" in corrected
    # Without the two words written ten times as often, a form repeated in three documents is the
    # collection's own.
    fewer = collection_model(pages[:3])
    assert "president andthe prime" in page_text(correct_page(pages[0], corrector.with_collection(fewer)))


def test_every_word_has_a_probability_of_being_wrong_and_it_flags(corrector: Corrector) -> None:
    """p_wrong on every word; a garble Tesseract doubted is likely wrong and flagged, a common word
    it was sure of is not; flagged is exactly p_wrong >= the model's flag_at."""
    page = correct_page(_sentence(("the", 96.0), ("qxzvtr", 31.0), ("of", 95.0), ("Sweden", 93.0)), corrector)
    words = page.words
    assert all(w.p_wrong is not None for w in words)
    assert words[1].p_wrong > 0.5 and words[1].flagged
    assert words[0].p_wrong < 0.1 and not words[0].flagged
    assert all(w.flagged == (w.p_wrong >= corrector.wrong_model.flag_at) for w in words)


def test_punctuation_and_capitals_out_of_place_raise_p_wrong(corrector: Corrector) -> None:
    """A comma before a word that starts a sentence (a full stop misread), a full stop before a small
    word, and a capital the corpus never gives the word mid-sentence each make a word likelier wrong
    than the same word in its usual place; p_wrong's features say which."""
    from pipeline.calibration import FEATURES
    from pipeline.correct import page_word_features

    def p_and_features(words: list[tuple[str, float]], at: int) -> tuple[float, dict[str, float]]:
        page = correct_page(_sentence(*words), corrector)
        features = dict(zip(FEATURES, page_word_features(page, corrector)[at][2]))
        return page.words[at].p_wrong, features

    def compare(odd: list[tuple[str, float]], usual: list[tuple[str, float]], at: int, feature: str) -> None:
        p_odd, f_odd = p_and_features(odd, at)
        p_usual, f_usual = p_and_features(usual, at)
        assert f_odd[feature] == 1.0 and f_usual[feature] == 0.0
        assert p_odd > p_usual

    compare([("calls", 95.0), ("for", 95.0), ("reflection,", 95.0), ("Time", 95.0), ("and", 95.0)],
            [("calls", 95.0), ("for", 95.0), ("reflection,", 95.0), ("time", 95.0), ("and", 95.0)], 2, "comma_before_sentence")
    compare([("arms", 95.0), ("positions.", 90.0), ("arid", 95.0), ("and", 95.0)],
            [("arms", 95.0), ("positions", 90.0), ("arid", 95.0), ("and", 95.0)], 1, "stop_before_small")
    compare([("and", 95.0), ("the", 95.0), ("Gratitude", 92.0), ("of", 95.0)],
            [("and", 95.0), ("the", 95.0), ("gratitude", 92.0), ("of", 95.0)], 2, "odd_case")


def test_a_speck_read_as_punctuation_is_flagged_for_review_to_delete(corrector: Corrector) -> None:
    """A dash or quote Tesseract doubted is likely wrong (p_wrong says so) and flagged: review
    deletes it (the words flagged in the JSON are exactly the review queue); a full stop read
    confidently after a word is not."""
    page = correct_page(_sentence(("the", 96.0), ("—~", 5.0), ("Germany", 93.0), (".", 95.0)), corrector)
    speck = page.words[1]
    assert speck.p_wrong >= corrector.wrong_model.flag_at and speck.flagged
    assert not page.words[0].flagged and not page.words[2].flagged


def test_halves_of_a_known_word_hyphenated_across_lines_are_not_flagged(corrector: Corrector) -> None:
    """A word hyphenated at a line's end is judged whole: "poten-" / "tial," are the halves of a
    known word, not two unknown fragments (also where Tesseract put the second line in a paragraph
    of its own); the halves of an unknown whole ("regzis-" / "ters") are still flagged."""
    lines = [Line(block=0, words=[Word(text="both", confidence=95.0), Word(text="poten-", confidence=72.0)]),
             Line(block=0, words=[Word(text="tial,", confidence=90.0), Word(text="no", confidence=95.0),
                                  Word(text="brutal-", confidence=90.0)]),
             Line(block=1, words=[Word(text="ity,", confidence=95.0), Word(text="in", confidence=95.0),
                                  Word(text="regzis-", confidence=45.0)]),
             Line(block=1, words=[Word(text="ters", confidence=60.0), Word(text="today", confidence=96.0)])]
    page = correct_page(Page(source="x", lines=lines), corrector)
    flagged = {w.text: w.flagged for w in page.words}
    assert not any(flagged[w] for w in ("poten-", "tial,", "brutal-", "ity,"))
    assert flagged["regzis-"] and flagged["ters"]
    # each half alone is unknown and would be flagged
    alone = correct_page(_sentence(("the", 95.0), ("poten", 72.0), ("and", 95.0), ("ity,", 95.0)), corrector)
    assert alone.words[1].flagged and alone.words[3].flagged


def test_without_a_corrector_a_hyphenated_word_is_judged_whole() -> None:
    """Where no corrector runs, each half of a word hyphenated at a line's end is looked up in the
    word list as the whole word: known whole, each half is as likely wrong as a known word, and less
    likely than a half looked up alone; the half of an unknown whole is judged unknown."""
    from pipeline.calibration import DEFAULT_READ_MODEL, assess_read, read_features

    known = {"regierung", "die"}
    knows = lambda text: text.lower().strip(",.-") in known  # noqa: E731
    lines = [Line(words=[Word(text="die", confidence=95.0), Word(text="Regie-", confidence=80.0)]),
             Line(words=[Word(text="rung,", confidence=80.0), Word(text="Reichs-", confidence=80.0)]),
             Line(words=[Word(text="rcgierung", confidence=80.0)])]
    page = assess_read(Page(source="x", lines=lines), knows)
    p = {w.text: w.p_wrong for w in page.words}

    def model_p(line: int, word: int, is_known: bool) -> float:
        return round(DEFAULT_READ_MODEL.probability(read_features(lines[line].words, word, is_known)), 4)

    assert p["Regie-"] == model_p(0, 1, True) < model_p(0, 1, False)
    assert p["rung,"] == model_p(1, 0, True) < model_p(1, 0, False)
    assert p["Reichs-"] == model_p(1, 1, False)  # "Reichsrcgierung" is no word the list has
    assert all(w.flagged == (w.p_wrong >= DEFAULT_READ_MODEL.flag_at) for w in page.words)


def test_without_a_corrector_the_read_model_judges_the_words() -> None:
    """Danish with the shipped English dictionaries: nothing is corrected, and every word read with
    a confidence gets the read model's probability of being wrong, from its read and Tesseract's own
    Danish word list (none a corrections.yaml entry decided); the words flagged are those at or
    above its bar, and they are the words the review queue shows."""
    from pipeline.calibration import DEFAULT_READ_MODEL
    from pipeline.corrections import Corrections, new_entry
    from pipeline.model import Document
    from pipeline.process import correct_document
    from pipeline.review.queue import file_queue

    page = _sentence(("Regeringen", 75.0), ("Rcgeringen", 75.0), ("og", 95.0), ("Ministeriet", 35.0), ("g", 5.0),
                     ("naeh", 35.0), ("—", 3.0), ("Udenrigsministeriet", 93.0), ("Rcgeringens", 88.0))
    page = page.model_copy(update={"lines": [page.lines[0].model_copy(update={"words": [
        w.model_copy(update={"bbox": (10 + 60 * i, 10, 60 + 60 * i, 30)}) for i, w in enumerate(page.lines[0].words)]})]})
    raw = Document(source="a.png", pages=[page])
    corrections = Corrections(entries=(new_entry("naeh", "nach", approved_by="a reviewer"),))
    out = correct_document(raw, CorrectOptions(lang="dan"), corrections)
    words = out.pages[0].words
    assert [w.text for w in words] == ["Regeringen", "Rcgeringen", "og", "Ministeriet", "g", "nach", "—", "Udenrigsministeriet",
                                       "Rcgeringens"]
    p = [w.p_wrong for w in words]
    assert p[5] is None and not words[5].flagged  # decided by the reviewer's entry
    assert all(x is not None and 0 < x < 1 for i, x in enumerate(p) if i != 5)
    assert all(w.flagged == (w.p_wrong >= DEFAULT_READ_MODEL.flag_at) for i, w in enumerate(words) if i != 5)
    # the same confidence, one form in the word list and one not; a known word read without doubt
    assert p[1] > p[0] and not words[2].flagged and p[2] < p[0]
    # read with little confidence: a word, a lone letter, a dash (a speck to delete)
    assert words[3].flagged and words[4].flagged and words[6].flagged
    queued = file_queue("a.png", "a.png", raw, out, corrections).occurrences
    assert [(o.line, o.word) for o in queued] == [(0, i) for i, w in enumerate(words) if w.flagged]
    # Plain text has no confidences: nothing to judge.
    plain = correct_document(Document(source="a.txt", pages=[_sentence(("Rcgeringen", None))]), CorrectOptions(lang="dan"))
    assert not plain.pages[0].words[0].flagged and plain.pages[0].words[0].p_wrong is None


def test_without_a_word_list_no_probability_is_given_and_low_confidence_flags(monkeypatch) -> None:
    """Language data without a word list (some traineddata have none): the read model cannot know
    a word, so no p_wrong is given, and Tesseract's doubt (confidence below 40) flags words."""
    from conftest import FakeEngine
    from pipeline import process
    from pipeline.model import Document

    monkeypatch.setattr(process, "engine_for", lambda options: FakeEngine([]))  # (its word list is empty)
    raw = Document(source="a.png", pages=[_sentence(("Rcgeringen", 30.0), ("og", 95.0))])
    words = process.correct_document(raw, CorrectOptions(lang="dan")).pages[0].words
    assert [(w.flagged, w.p_wrong) for w in words] == [(True, None), (False, None)]


def test_alto_word_confidence_is_one_minus_p_wrong(corrector: Corrector) -> None:
    from lxml import etree

    from pipeline.export.alto import to_alto
    from pipeline.model import Document

    page = correct_page(_sentence(("the", 96.0), ("qxzvtr", 31.0)), corrector)
    page = page.model_copy(update={"width": 100, "height": 50})
    xml = etree.fromstring(to_alto(Document(source="x.png", pages=[page])))
    wcs = [float(s.get("WC")) for s in xml.iter("{*}String")]
    assert wcs == pytest.approx([1 - w.p_wrong for w in page.words], abs=0.01)


def test_approved_decisions_teach_the_channel_a_confusion() -> None:
    """Reviewers approved three corrections of "e" read as "ø" (a damaged typeface): the same
    confusion elsewhere, in words nobody decided, is now corrected; without the decisions it is
    left (two unknown substitutions are too unlikely)."""
    options = CorrectOptions()
    text = "we shall sønd the Ambassador a tøløgram"
    # (without the spelling model, which alone takes "tøløgram" for a garble: the channel is tested)
    untaught = load_corrector(options)
    untaught.settings = dataclasses.replace(untaught.settings, shape_weight=0.0)
    before = correct_text(text, untaught)
    taught = load_corrector(options, decisions=[("sønt", "sent"), ("møt", "met"), ("lønd", "lend")])
    taught.settings = untaught.settings
    assert "tøløgram" in before
    assert correct_text(text, taught).strip() == "we shall send the Ambassador a telegram"


def test_corrections_feed_the_corrector() -> None:
    """corrections.yaml's approved one-word entries are the decisions; rejected forms are known words."""
    from pipeline.corrections import Corrections, new_entry

    entries = (
        new_entry("sønt", "sent", approved_by="r", approved_at="2026-01-01T00:00:00Z"),
        new_entry("Sheil", None, status="rejected", approved_by="r", approved_at="2026-01-01T00:00:00Z"),
        new_entry("the rnan", "the man", approved_by="r", approved_at="2026-01-01T00:00:00Z"),
    )
    corrections = Corrections(entries=entries)
    assert corrections.decisions() == (("sønt", "sent"),)
    assert {"Sheil", "sheil"} <= corrections.rejected_words()


def test_a_rare_misread_of_a_name_the_collection_repeats_is_corrected_to_it(corrector: Corrector) -> None:
    """The dictionaries lack "Tatarescu"; the collection writes it in document after document, so
    it is its own word, and the one "Tatarescu" misread as "Tatarescn" is corrected to it."""
    from pipeline.collection import collection_model

    pages = [page_from_text(f"the minister Tatarescu said in note {k} that Tatarescu would come", f"d{k}") for k in range(3)]
    garbled = page_from_text("the minister Tatarescn said so", "d9")
    with_collection = corrector.with_collection(collection_model(pages + [garbled]))
    assert "Tatarescn" in page_text(correct_page(garbled, corrector))
    assert "the minister Tatarescu said" in page_text(correct_page(garbled, with_collection))


def test_an_ordinal_typed_or_read_with_letters_for_digits_is_an_ordinal(corrector: Corrector) -> None:
    # "l" for 1 (a typewriter without a "1" key, or OCR), "O" for 0; the suffix must be the number's.
    text = "on the lst of June, the l9th, the 1Oth, the Ilth and the 2Sth; lost, lond, lth, Oth, Bst and Both stay"
    assert correct_text(text, corrector).split() == (
        "on the 1st of June, the 19th, the 10th, the 11th and the 25th; lost, lond, lth, Oth, Bst and Both stay".split()
    )
    options = CorrectOptions()
    assert correct_text("the lst of June", load_corrector(options, protected=frozenset({"lst"}))).split()[1] == "lst"
    assert correct_text("the lst of June", load_corrector(options, known=frozenset({"lst"}))).split()[1] == "lst"


def test_a_corrected_word_typed_in_capitals_keeps_them(corrector: Corrector) -> None:
    # Three capitals or more and most of the letters: the word was typed in capitals and OCR lowered
    # a letter; one capital in a small-letter word is a case slip, two in a short garble are I and O.
    assert correct_text("the NEGOTiATIQNS", corrector).split()[1] == "NEGOTIATIONS"
    assert correct_text("the negotiatIONs were", corrector).split()[1] == "negotiations"
    assert correct_text("the meaSures were", corrector).split()[1] == "measures"
    # A name typed in capitals keeps them too; a name's own mixed spelling is kept where the OCR
    # wrote it in capitals but for a slip ("ALCWa": ALCMs, the acronym's plural).
    from pipeline.correct.case import _apply_case

    assert _apply_case("GEORGn", "george", corrector) == "GEORGE"
    assert _apply_case("Geprge", "george", corrector) == "George"
    assert _apply_case("ALCWa", "alcms", corrector) == "ALCMs"


def test_the_collections_own_frequencies_adapt_the_word_prior() -> None:
    """A word the collection uses often is the likelier reading: the dictionaries rank "protectors"
    above "prosecutors", court reports the other way round (collection_mu)."""
    import dataclasses

    from pipeline.collection import collection_model
    from pipeline.correct.language_model import _lm

    reports = collection_model([page_from_text("the prosecutors said that the court was ready", f"d{i}") for i in range(50)])
    base = load_corrector(CorrectOptions())
    adapted = base.with_collection(reports)
    dictionaries_only = dataclasses.replace(base, settings=dataclasses.replace(base.settings, collection_mu=0.0), _view=[])
    dictionaries_only = dictionaries_only.with_collection(reports)
    assert _lm("prosecutors", None, None, adapted) > _lm("protectors", None, None, adapted)
    assert _lm("prosecutors", None, None, dictionaries_only) < _lm("protectors", None, None, dictionaries_only)


GERMAN = (
    "Die Gesandtschaft hat die Ehre, dem Ministerium mitzuteilen, dass der Minister am Montag nach Wien "
    "gereist ist. Die Verhandlungen über den Handelsvertrag werden dort fortgesetzt, und man erwartet "
    "eine baldige Einigung über die noch offenen Fragen der Zölle und der Kontingente."
)


def test_a_page_not_in_the_dictionaries_language_is_left_as_read(corrector: Corrector) -> None:
    """German read with the English dictionaries (a forgotten --lang): correcting it would make English
    words of it ("ist" -> "is"), so the page is left as read, and says why in its steps."""
    page = page_from_text(GERMAN, "brief")
    left = correct_page(page, corrector)
    assert page_text(left) == page_text(page) and left.changes == []
    step = next(s for s in left.steps if s.name == "language")
    assert step.params["known"] < 0.66 and step.params["common"] < 0.2
    # An English page of the same length is corrected as before.
    english = page_from_text("The Legation has the honour to inform the Ministry that the Minister left for Vienna on "
                             "Monday. The negotiations on the trade agreement will be continued there, and an early "
                             "agreement on the questions of duties and quotas still open is expected by the goverment.", "e")
    corrected = correct_page(english, corrector)
    assert "government" in page_text(corrected) and not any(s.name == "language" for s in corrected.steps)


def test_a_short_page_is_judged_by_its_collection(corrector: Corrector) -> None:
    """A page of a few words says too little of its language: the collection's words decide."""
    from pipeline.collection import collection_model

    short = page_from_text("Der Minister ist in Wien, die Sache ist dringend.", "kurz")
    german = [page_from_text(GERMAN, f"d{k}") for k in range(3)] + [short]
    assert not any(s.name == "language" for s in correct_page(short, corrector).steps)  # alone: too few words
    left = correct_page(short, corrector.with_collection(collection_model(german)))
    assert any(s.name == "language" for s in left.steps) and page_text(left) == page_text(short)


def test_a_word_hyphenated_inside_a_reflowed_line_is_written_whole(corrector: Corrector) -> None:
    """Text reflowed a paragraph to a line (a line longer than any typed one) kept the hyphens of its
    old line ends ("exami- nation"): a word the corpus writes whole more often than as the two halves
    is written whole, a misread one corrected as it is joined; two words the corpus writes as a phrase
    ("of- the") and a compound it does not know whole ("Police- court") stay as read, and so does a
    hyphen at a real line end. On a page of typed lines the same words stay as typed."""
    paragraph = ("At the court the exami- nation of- the Police- court wit- nesa was put off, since the "
                 "magistrate said he could not hear it. After the exami-\nnation")
    out = correct_text(paragraph, corrector).split("\n")
    assert out[0].split()[4:10] == ["examination", "of-", "the", "Police-", "court", "witness"]
    assert out[0].split()[-2:] == ["the", "exami-"] and out[1] == "nation"
    page = correct_page(page_from_text(paragraph, "x"), corrector)
    assert ("exami- nation", "examination", "hyphenation") in [(c.original, c.new, c.source) for c in page.changes]
    typed = "the exami- nation of the witness"
    assert correct_text(typed, corrector).split() == typed.split()


def test_a_neighbouring_columns_letters_between_the_halves_of_a_reflowed_word_go(corrector: Corrector) -> None:
    """A newspaper's OCR, reflowed, reads a letter or two of the next column into the line where a
    hyphenated word's line ended ("dis- Le orderly"): the word is written whole without them, where
    the short tokens make no word with the first half; two real words after a hyphen stay."""
    tail = " and the magistrate said that he could not hear the case on that day of the week at all."
    assert correct_text("he was drunk and dis- Le orderly" + tail, corrector).split()[:5] == ["he", "was", "drunk", "and", "disorderly"]
    assert correct_text("the pri- e- soners were" + tail, corrector).split()[:3] == ["the", "prisoners", "were"]
    kept = "she said the pre- I am sure" + tail
    assert correct_text(kept, corrector).split() == kept.split()
    # on a typed page (no line longer than a typed one) nothing is left out
    assert correct_text("he was drunk and dis- Le orderly", corrector).split()[-3:] == ["dis-", "Le", "orderly"]


def test_no_lone_letter_but_a_and_i_is_split_off(corrector: Corrector) -> None:
    """A split makes no lone letter but "a" and "I", at either end: "keepe" is not "keep e", nor
    "hearn" "hear n"; two words run together are still split ("andthe")."""
    out = correct_text("they keepe the peace and hearn the word", corrector).split()
    assert len(out) == 8 and "e" not in out and "n" not in out
    assert correct_text("we went andthe man", corrector).split() == ["we", "went", "and", "the", "man"]


# Three short texts in an early printed book's spelling (written for this test; the spellings are
# those of 16th-century English print): the collection spells many words with a final e.
EARLY_SPELLING = [
    "And when he had tolde them these thinges, he went his waye, and soone after he came vnto the citie, "
    "and they sayde that the kinge hath sente for them, and that they shoulde haue their answere within three dayes.",
    "Then the kinge sayde vnto them, ye shall haue your answere soone, for I haue tolde the counsell of these "
    "thinges, and the people shoulde not feare, for the kinge hath sente his men to keepe the waye.",
    "After these thinges the counsell came vnto the citie, and the people sayde they woulde haue peace, for the "
    "kinge had tolde them soone that he shoulde sende his answere, and so euery man went his waye.",
]


def test_a_spelling_the_collection_writes_for_many_words_is_its_own(corrector: Corrector) -> None:
    """A collection that spells several words its own way, consistently ("tolde", "soone", "kinge",
    "shoulde", "waye", "answere": a final e), keeps that spelling also on words it writes once
    ("feare", "woulde", "keepe") instead of modernising them; the same words alone are corrected, and
    a lone letter is never split off ("keep e")."""
    from pipeline.collection import collection_model

    pages = [page_from_text(text, f"book{k}") for k, text in enumerate(EARLY_SPELLING)]
    with_collection = corrector.with_collection(collection_model(pages))
    corrected = [page_text(correct_page(page, with_collection)) for page in pages]
    assert corrected[1].split()[-10:] == "shoulde not feare, for the kinge hath sente his men to keepe the waye.".split()[-10:]
    assert "they woulde haue peace" in corrected[2]
    alone = correct_text("the people should not feare, they woulde keepe the peace", corrector).split()
    assert alone[4] != "feare," and alone[6] != "woulde" and "e" not in alone


def test_a_typewriters_consistent_misreading_is_no_spelling_habit(corrector: Corrector) -> None:
    """A clogged "e" read as "c" on every page is consistent too ("thc", "whcn", "lcft", "scnt"), but
    it is a confusion OCR makes: no habit, and a word the collection writes once so ("ncws") is still
    corrected; its repeated forms stay the collection's own, as before."""
    from pipeline.collection import collection_model
    from pipeline.correct import spelling_habits

    plain = " and it was not so for a long day, as is right, but on this point what could that man do about it?"
    docs = ["thc lcttcr was scnt whcn hc lcft, and thcn hc hcld it and kcpt it yct, ncxt to thc door" + plain,
            "whcn hc lcft thc lcttcr hc kcpt was scnt thcn, yct hc hcld no ncws of it ncxt day" + plain,
            "hc kcpt thc lcttcr whcn it was scnt, and thcn hc lcft it ncxt to thc onc hc hcld yct" + plain]
    pages = [page_from_text(text, f"letter{k}") for k, text in enumerate(docs)]
    with_collection = corrector.with_collection(collection_model(pages))
    assert spelling_habits(with_collection) == {}
    assert "hcld no news of it" in page_text(correct_page(pages[1], with_collection))


def test_how_garbled_the_collection_is_moves_the_unknown_word_prior(corrector_without_shape: Corrector) -> None:
    """An unknown word is less likely right as read in a collection full of unknown forms written
    once than in a clean one: "ctlarged" two edits from "charged" is corrected among BLN600-like
    garbles, and left as read (and offered for review) in clean text, where it may be a name; the
    clean collection keeps the priors as they are."""
    corrector = corrector_without_shape
    import random

    from pipeline.collection import collection_model
    from pipeline.correct import collection_oov_shift

    page = page_from_text("the prisoner was ctlarged with stealing a watch", "p")
    rng = random.Random(3)
    filler = "the court heard that the man had been seen in the street on the night of the robbery".split()

    def garbled(word: str) -> str:  # an unknown form, written once
        return "".join(ch if rng.random() < 0.5 else rng.choice("bcdfghjklmnpqrstvwxz") for ch in word) + rng.choice("qxzjv")

    clean_pages = [page_from_text(" ".join(filler), f"c{k}") for k in range(100)]
    # three misreads in a sentence of 19 words, as in BLN600's worst articles
    garbled_pages = [page_from_text(" ".join(garbled(w) if (i - k) % 6 == 0 else w for i, w in enumerate(filler)), f"g{k}")
                     for k in range(100)]
    clean = corrector.with_collection(collection_model([page, *clean_pages]))
    noisy = corrector.with_collection(collection_model([page, *garbled_pages]))
    assert clean.oov_shift == 0 > noisy.oov_shift
    assert "was charged with" in page_text(correct_page(page, noisy))
    kept = correct_page(page, clean)
    assert "was ctlarged with" in page_text(kept)
    assert [w for w in kept.words if w.text == "ctlarged"][0].flagged
    # A page or two say little: the shift of a lone short page stays near nothing.
    assert abs(collection_oov_shift(collection_model([page]), corrector.lexicon, corrector.settings)) < 0.1


# A collection from an engine that reads every second "a" as "q" (a slip Tesseract's channel knows
# nothing of), and a word with three such slips, which the shipped channel alone leaves as read.
_Q_FOR_A = ("the delegation said that the talks had made progress and that a date was agreed for the next "
            "meeting of the working group which will take place in the capital after the national elections "
            "have been held and the parties are ready to sign the treaty that was drafted last year")


def _q_collection(documents: int) -> list[Page]:
    words = _Q_FOR_A.split()
    return [page_from_text(" ".join(w.replace("a", "q", 1) if "a" in w and (i + d) % 2 == 0 else w
                                    for i, w in enumerate(words)), f"d{d}") for d in range(documents)]


def test_the_channel_learns_the_slips_the_collections_own_words_show(corrector_without_shape: Corrector) -> None:
    """Text from another OCR engine: the slip its words show again and again is learned from the
    collection (collection_confusions), so "pqrliqmentqry" is read as "parliamentary"; the
    shipped channel alone, as for Tesseract's reads, leaves it. One slip teaches nothing."""
    corrector = corrector_without_shape
    from pipeline.collection import collection_model
    from pipeline.correct import collection_confusions

    test = page_from_text("the pqrliqmentqry committee was informed", "t")
    model = collection_model([*_q_collection(4), test])
    learned = collection_confusions(corrector.with_collection(model))
    assert set(learned) == {("a", "q")}
    assert learned[("a", "q")][0] / learned[("a", "q")][1] > 0.1
    assert "parliamentary" in page_text(correct_page(test, corrector.with_collection(model, learn_channel=True)))
    assert "pqrliqmentqry" in page_text(correct_page(test, corrector.with_collection(model)))
    single = collection_model([page_from_text("the talks hqd made progress", "d"), test])
    assert collection_confusions(corrector.with_collection(single)) == {}


def test_a_collection_mostly_in_another_language_teaches_no_slips(corrector: Corrector) -> None:
    """German pages read with the English dictionaries ("und" is no misread "and"): where the
    collection is not the dictionaries' language by both of foreign_language's bars, nothing is
    learned, also from the English pages among them."""
    from pipeline.collection import collection_model
    from pipeline.correct import collection_confusions

    german = ("die Regierung hat beschlossen dass die Verhandlungen mit den Vertretern der anderen Staaten "
              "fortgesetzt werden und dass der Bericht des Ausschusses bis zum Ende des Monats vorliegt")
    pages = [*_q_collection(4), *(page_from_text(german, f"g{k}") for k in range(8))]
    assert collection_confusions(corrector.with_collection(collection_model(pages))) == {}


def test_a_lower_case_form_spelt_as_no_word_is_corrected_where_a_name_or_a_compound_is_kept(corrector: Corrector) -> None:
    """The prior that an unknown form is right moves with its spelling (``spelling_shape``): a
    garble no word resembles is corrected on less context; a capitalised form (a name) and two
    words run together keep the prior."""
    off = dataclasses.replace(corrector, settings=dataclasses.replace(corrector.settings, shape_weight=0.0),
                              _decisions={}, _view=[])
    for garble, word in [("ordinary ventilatioi appliances", "ordinary ventilation appliances"),
                         ("an nvalid lady", "an invalid lady")]:
        assert correct_text(garble, off).strip() == garble  # the spelling is what decides
        assert correct_text(garble, corrector).strip() == word
    for kept in ["Mr Tabak and Mr Stonhan met the minister.", "He paid for the washhouse key."]:
        assert correct_text(kept, corrector).strip() == kept


def test_the_spelling_model_scores_a_garble_below_a_rare_word() -> None:
    from pipeline.spelling_shape import SpellingShape

    words = {w: 5 for w in "nation station relation ration motion notion lotion potion caution fiction action".split()}
    words.update({"portion": 1, "mention": 1})
    shape = SpellingShape.of_words(words)
    rare = sorted(shape.per_symbol(w) for w in ("portion", "mention"))
    assert rare[0] <= shape.reference <= rare[1]  # what a right word the model has not seen scores
    assert shape.per_symbol("natioi") < shape.reference < shape.per_symbol("nation")


def test_every_change_names_its_word_in_the_corrected_page_and_a_split_word_shares_its_box(corrector: Corrector) -> None:
    """A split ("theletter") moves the words after it: the change to "goverment" was tagged on
    "the" in ALTO and hOCR, and both halves of the split had the whole box (session 18's sweep)."""
    from lxml import etree

    from pipeline.export.alto import to_alto
    from pipeline.model import Document

    texts = "We have received theletter from the goverment today".split()
    x, words = 0, []
    for t in texts:
        words.append(Word(text=t, bbox=(x, 0, x + 20 * len(t), 40), confidence=60.0))
        x += 20 * len(t) + 20
    page = correct_page(Page(source="x", width=x, height=40, lines=[Line(words=words)]), corrector)
    final = page.lines[0].words
    assert [w.text for w in final] == "We have received the letter from the government today".split()
    originals = {c.original: final[c.word].text for c in page.changes if c.line == 0}
    assert originals == {"theletter": "the", "goverment": "government"}
    the, letter = final[3].bbox, final[4].bbox
    assert the[0] == words[3].bbox[0] and letter[2] == words[3].bbox[2] and the[2] <= letter[0]
    xml = etree.fromstring(to_alto(Document(source="x.png", pages=[page])))
    tagged = {s.get("CONTENT"): s.find("{*}ALTERNATIVE").text for s in xml.iter("{*}String") if s.find("{*}ALTERNATIVE") is not None}
    assert tagged == {"the": "theletter", "government": "goverment"}


def test_a_word_written_with_a_ligature_is_the_word_it_spells(corrector: Corrector) -> None:
    """"ﬁ", "ﬂ", "ﬃ" are one character each in the text of Tesseract, PDF text layers and other
    engines: "oﬃcial" was corrected to "social" and "ﬁled" to "led" (a right word made wrong)."""
    text = "The ﬁrst oﬃcial memorandum was ﬁled on the ﬂoor of the oﬃce.\n"
    page = correct_page(page_from_text(text, "x"), corrector)
    assert page_text(page) == text and page.changes == []
    assert not any(w.flagged for w in page.words)
    garbled = correct_page(page_from_text("The oﬃcial goverment was ﬁled.", "x"), corrector)
    assert page_text(garbled) == "The oﬃcial government was ﬁled.\n"


def test_a_spelling_the_collection_writes_with_a_ligature_is_its_own(corrector: Corrector) -> None:
    """The corrector looks a word with a ligature up by its letters ("diﬀerant" as "differant"), the
    collection model counted it as written: a spelling the collection writes in document after
    document was its own without the ligature and corrected with it."""
    from pipeline.collection import collection_model

    for word in ("differant", "diﬀerant"):
        pages = [page_from_text(f"the note {k} of the {word} was read", f"doc{k}") for k in range(3)]
        assert "the different was" in page_text(correct_page(pages[0], corrector)), word
        assert f"the {word} was" in page_text(correct_page(pages[0], corrector.with_collection(collection_model(pages)))), word


def test_a_ligature_in_a_word_with_tesseract_alternatives(corrector: Corrector) -> None:
    """A word with a ligature has more letters than characters: Tesseract's choices, one list a
    character, are not laid over its letters (that ran past their end: an IndexError)."""
    alts = [[(ch, 90.0)] for ch in "oﬃcal"]
    alts[4] = [("a", 60.0), ("i", 40.0)]
    page = Page(source="x", lines=[Line(words=[Word(text="the"), Word(text="oﬃcal", alternatives=alts, confidence=60.0),
                                               Word(text="report")])])
    words = page_text(correct_page(page, corrector)).split()
    assert words[0] == "the" and words[2] == "report"


def test_a_word_in_german_quotes_is_the_word_inside_them(corrector):
    """German typing opens with „ (or ‚) and closes with “ (or ‘): the closing mark was taken as part of
    the word ("goverment“" is no garble the corrector knows), and review, which splits words the same
    way, dropped the quote from the output when a reviewer typed the word alone."""
    from pipeline.tokens import split_token

    assert split_token("„Wort“,") == ("„", "Wort", "“,")
    assert split_token("‚Wort‘") == ("‚", "Wort", "‘")
    assert correct_text("The note said „goverment“ twice.", corrector).rstrip("\n") == "The note said „government“ twice."
