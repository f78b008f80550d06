"""The corrector: a noisy channel over the period vocabulary that fixes OCR garbles and does no harm.

For each word that is not protected it asks: which word w, written here, is most likely to have
come out of Tesseract as this text? Score(w) = log P(ocr | w) (character confusions of typewriter
OCR: e/c, rn/m, cl/d, li/h ...; learned weights in ``dictionaries/confusions.tsv`` on top of a
built-in prior) + log P(w | left word) + log P(right word | w) (period unigrams and bigrams).
Keeping the text as read is always one of the hypotheses; a candidate replaces it only when it
wins by a clear margin (wider where Tesseract was confident); in the grey zone the word is left
alone and flagged with ranked suggestions for review.

Candidates come from symspellpy (edit distance 2), Tesseract's per-character alternatives,
digit/letter look-alikes, splitting a run-together word, joining a word split by a stray space,
and joining line-end hyphenation for lookup. Numbers, codes (7160A/88, JD3BPI, SW1A 2AH), acronyms
and protected names are never touched.
"""

# One module per concern (each module says which); what the rest of ocrfix uses is imported from here.

# A change to the corrector's rules that changes what it writes bumps versions.CORRECTOR_VERSION.

from __future__ import annotations

from .assess import page_word_features
from .candidates import adopt_collection_own_forms, collection_own_forms, collection_status
from .channel import decided_confusions
from .collection_channel import collection_confusions
from .corrector import Corrector, load_corrector
from .decide import decision_fields, decision_from_fields, remember_decision, replay_decision, trivial_decision
from .habits import describe_edit, spelling_habits
from .language import language_fit
from .language_model import collection_oov_shift
from .passes import correct_page, correct_text, page_from_text
from .reads import CorrectionReads, reading
from .settings import Settings

__all__ = ["Corrector", "Settings", "load_corrector", "correct_page", "page_from_text", "correct_text", "collection_status",
           "page_word_features", "decided_confusions", "CorrectionReads", "reading", "replay_decision", "collection_own_forms",
           "adopt_collection_own_forms", "collection_confusions", "collection_oov_shift", "decision_fields", "decision_from_fields",
           "describe_edit", "language_fit", "remember_decision", "spelling_habits", "trivial_decision"]
