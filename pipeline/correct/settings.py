"""The corrector's settings: its knobs, in natural-log units, with what each was measured to do."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """The corrector's knobs, in natural-log units. Defaults tuned on the dev set with
    ``bench/bench_correct.py`` (and checked with its ``--holdout``)."""

    # log prior that an out-of-vocabulary word is right as read: lower case words are mostly
    # garbles, capitalised ones are often names.
    oov_lower: float = -21.0
    oov_capital: float = -17.0
    # Both hold for a collection in which this share of the tokens are unknown forms written once
    # (names and real words recur; misreads mostly do not): Tesseract's reads of the English dev
    # scans they were tuned on (EHRI 2.3 %, synthetic severe 2.7 %, fax 3.6 %). The collection says
    # how garbled it is: where it has k > 1 times that share, an unknown word is about k times less
    # likely right as read, so both priors move down by log k (at most oov_shift_max; 0: never).
    # BLN600's newspaper OCR has 6.7 %, so more of its garbles are corrected. Clean text (0.2-0.6 %,
    # the dev ground truth) does not move them up: that kept more of the ground truth's names as
    # written (BLN600's 102 -> 86 words changed) but lost a fix each on EHRI's and synthetic
    # severe's processed pages, whose reads are clean too. See collection_oov_shift.
    oov_reference_once: float = 0.023
    oov_shift_max: float = 3.0
    # An unknown form written in lower case and spelt as no word of the dictionaries is
    # (``spelling_shape``: "regulatioi", "cookeng", "atcess") is less likely right as read: its
    # prior moves down by shape_weight x (its log probability per letter - a rare word's) x
    # (letters + 1), by at most shape_floor. A form spelt like a word, a capitalised one (a name),
    # one of three letters or fewer and two trusted words run together ("washhouse") keep the prior.
    # bench_corrector --setting shape_weight=W --setting shape_floor=F on BLN600's text, fixed /
    # damaged / ground-truth words changed: off 6,182 / 119 / 104; 0.5, 6: 6,591 / 123 / 117;
    # 1, 10: 6,697 / 121 / 116; 1, 14: 6,716 / 121 / 117; 2, 10: 6,761 / 123 / 119; with
    # capitalised words too (1, 10): 6,911 / 144 / 146 and a word of ehri damaged. Chosen on
    # BLN600; on ehri and synthetic text (held out) it fixes two words more and damages none.
    shape_weight: float = 1.0
    shape_floor: float = 14.0
    # A candidate must beat keeping the text by ``accept`` (plus the extras below that apply)
    # and the runner-up by ``ambiguity``; otherwise the word is left as read and, if unknown,
    # flagged. Candidates within ``flag`` of keeping are offered as suggestions.
    accept: float = 2.0
    ambiguity: float = 1.0
    flag: float = -3.0
    # ... more where Tesseract said it was this confident (0-100) or more,
    confident: float = 90.0
    confident_extra: float = 3.0
    # ... and less where it said it was unsure (below this confidence).
    unsure: float = 50.0
    unsure_relief: float = 1.0
    # ... for a word of three letters or fewer (one edit from many others),
    short_extra: float = 3.0
    # ... for a capitalised word mid-sentence (may be a name the dictionaries lack: Cuza),
    name_extra: float = 4.0
    # ... and at the start of a sentence too (where a capital says nothing, but a word that no
    # dictionary knows may still be a name: "Gummer said", not "Summer said"). Off: on BLN600 it
    # made 2 more articles worse than it saved, and cost synthetic fax pages 2 % of CER.
    name_prior_everywhere: bool = False
    # ... only for words of at most this many letters: a longer capitalised word one or two edits
    # from a dictionary word is far more often that word misread ("Weduesday", "Inspeotor",
    # "Regotiations") than a name. bench_corrector --setting name_max_len=N on BLN600's text,
    # fixed / damaged / ground-truth words changed: none 3,931 / 65 / 88; 10: 3,939 / 65 / 88;
    # 8: 3,953 / 65 / 89 (Luxemburg -> Luxembourg); 7: 3,975 / 66 / 90; 6: 4,003 / 70 / 97. Chosen
    # on BLN600; on ehri and synthetic text (held out) 6 to 8 each fix one word more, nothing else.
    name_max_len: int = 8
    # ... for a known word (a real-word error): seen once or twice / seen 3 to trusted_count-1
    # times; from trusted_count on a known word is taken as right,
    real_word_extra: float = 1.0
    attested_extra: float = 7.0
    trusted_count: int = 20
    # A word the dictionaries know is looked at as a possible real-word error only where Tesseract
    # doubted it (its confidence below ``unsure``). Plain text has no confidences: its known words
    # stay as read. (bench_corrector: on BLN600, held out, real-word changes made 3 more articles
    # worse and changed 0.015 % more words of the ground truth; on ehri they gained 0.5 % of CER.)
    # Words known only once or twice (SCOWL's words the corpora lack: "tallow", "parried") were
    # once left out of this, as likely slips as words: in BLN600's plain text that fixed 59 wrong
    # words, damaged 29 right ones and changed 35 words of its ground truth ("peelings" ->
    # "feelings"); in ehri's and synthetic text it fixed 1 and 5.
    real_words_need_doubt: bool = True
    # ... except a word the corpus writes less often than its own misreadings of a word one edit
    # away would: "ard" (5 times) beside "and" (395,668 times, read as "ard" about 1 time in 1,100:
    # 359 expected, 72 times "ard"'s count), "peen" beside "been" (84 times). Part of the corpus was
    # itself OCR'd (shared/corpus/SOURCES.md): such a count is noise, and the word is open to
    # correction towards that neighbour, as a word Tesseract doubted is. Real words that diplomatic
    # text seldom uses are not ("roofs" 6 times beside "roots" 321 x 0.003 = 1: 0.16; "coats",
    # "moaning", "peelings", "tallow"). Since only part of the corpus was OCR'd, the misreadings
    # must be expected this many times the word's count (inf: never). bench_corrector --setting
    # noise_count_ratio=N on BLN600's text, fixed / damaged / ground-truth words changed: inf 5,502 /
    # 117 / 102; 1: 5,548 / 119 / 107 (stale -> state, hone -> home, im -> it); 2: 5,541 / 118 /
    # 105; 4: 5,530 / 117 / 104; 8: 5,524 / 117 / 104. Chosen on BLN600, the least damage; ehri and
    # synthetic text (held out) are the same from 1 to 8: 54 -> 56 and 161 -> 165 words fixed, none
    # damaged.
    noise_count_ratio: float = 4.0
    # A short word (four letters or fewer: one edit is searched around it) is also read with one of
    # the channel's confusions of more than one letter undone ("aiid" -> "and", "iri" -> "in"; two
    # edits, one slip of the type): they were beyond its one edit, and "aiid" went to "aid".
    # BLN600's text: 5,530 -> 5,552 words fixed, damage and ground-truth changes the same; ehri and
    # synthetic text the same (found among BLN600's unknown words left wrong, so BLN600 is
    # development data for it). The same confusions undone for longer words that symspell finds
    # nothing for, once or everywhere ("tlirougli"), changed nothing more.
    chunk_candidates: bool = True
    # Text from another OCR engine (``ocrfix correct``): the channel also learns the slips the
    # collection's own words show (collection_confusions), where they are more frequent there than
    # the shipped channel, learned from Tesseract on typewriting, expects. BLN600's text: 103
    # confusions raised (a letter inserted: "i" 0.0022 instead of 0.00009; "c" read "o" 0.0037
    # instead of 0.0017), 5,552 -> 6,182 words fixed, 117 -> 119 damaged, its ground truth's 104
    # changes the same; ehri and synthetic text the same (2-8 confusions raised, no word changed:
    # "s" read "a" on the fax pages, 0.020, "g" read "z" on EHRI's, 0.0064). Nothing in it was fit:
    # the bars are the corrector's own and a standard deviation. Not for Tesseract's reads (ocrfix
    # process), whose channel is the shipped one and whose collection grows file by file. Off
    # (--setting collection_channel=false): the shipped channel alone.
    collection_channel: bool = True
    # ... for a short candidate the corpus never wrote beside either neighbour.
    no_context_extra: float = 3.0
    no_context_len: int = 6
    # Dirichlet smoothing of the bigram model.
    mu: float = 300.0
    # The collection's own frequencies of the dictionaries' words, smoothed towards the
    # dictionaries' with this many tokens' weight (0: the dictionaries alone): a word the pages in
    # front of the corrector use often ("prosecutors" in court reports) is the likelier reading of
    # a garble near it, as a cache language model adapts to its document. The collection's
    # frequencies count as much as the dictionaries' once it has 100,000 words. bench_corrector
    # --setting collection_mu=N, fixed / damaged words: off: ehri 50 / 0, synthetic text 160 / 0,
    # BLN600 3,377 / 90 (10 articles worse, 105 ground-truth words changed); 1e4: 51, 159,
    # 3,979 / 84 (7 worse, 122 changed); 1e5: 52, 160, 3,948 / 87 (8 worse, 121 changed).
    # Chosen with BLN600 left out (ehri and synthetic text are best at 1e5), where it holds.
    collection_mu: float = 100_000.0
    # cost of a stray or missing space (split/join), log probability; how common a split's halves
    # and a join's result must be; joins that need an edit only from this many letters.
    space_cost: float = -5.0
    split_min_count: int = 50
    merge_min_count: int = 20
    merge_edit_min_len: int = 5
    # ... and a trusted word is joined only with a fragment (a part that is not itself a trusted
    # word) of at least this many letters: "the ri" -> "there", "her Bs." -> "herbs." were specks
    # beside a right word. Chosen on half of BLN600's articles (3 and 4 tried: damage 79 -> 68 / 60
    # words, fixes 1,724 -> 1,722 / 1,715); on the other half, 73 -> 64 damaged for 2 fixes fewer;
    # EHRI and synthetic text unchanged (4 lost a fix there).
    merge_fragment_min: int = 3
    # case slips: only in words seen this often; a capital is lowered where the corpus
    # capitalises the word mid-sentence at most case_lower_max %; a corrected word takes its
    # capitalised form (a name) where the corpus writes it so name_form_min % of the time.
    case_slips: bool = True
    case_min_count: int = 20
    case_lower_max: int = 1
    # ... and never where the collection writes the word with a capital twice or more and at least
    # this % of the time (sentence starts count too). bench_corrector --setting case_habit_share=N,
    # on BLN600's plain text (damaged / fixed): 50: 101 / 3,361; 25: 90 / 3,361; 10: 82 / 3,356
    # (Witness, Society, Sessions, Count: a newspaper's capitals). Chosen on BLN600; on ehri nothing
    # changes, on synthetic text 25 fixes 3 words fewer (severe pages repeat their slips), 10 fixes 4.
    case_habit_share: int = 25
    name_form_min: int = 98
    # ... and never on the second part of a name joined to a capitalised word by "and"/"of" ("Walter
    # and Son", "the Hue and Cry", "the Castle of Comfort"): found in BLN600's ground-truth changes
    # (development data for this rule); there it leaves 7 ground-truth words and 3 right words of the
    # raw text alone and costs no fix; ehri and synthetic text the same with or without it.
    case_name_phrase: bool = True
    # ... and never on a word the page itself writes with a capital mid-sentence twice or more and
    # never small ("the Stage newspaper ... a clerk of the Stage", "Strong ... paid Strong"): an OCR
    # slip is a one-off, a name repeats. Found the same way; BLN600: ground-truth words changed
    # 91 -> 88, fixes and damage the same; ehri and synthetic text the same.
    case_page_habit: bool = True
    # punctuation slips (stray full stops, a comma for a full stop, "rates.on"): on/off, and how
    # common the words around must be.
    punctuation: bool = True
    punct_min_count: int = 100
    # Rules written after single examples, with switches to measure them (bench_corrector
    # --setting): a lone "«" or "@" between two lower-case words read as the article "a" (a blotted
    # a; without it ehri fixes 2 words fewer and synthetic text 5, BLN600 has none),
    blot_article: bool = True
    # ... and a full stop read as an "e" stuck to a word before a capitalised one ("closede People";
    # without it ehri fixes 2 words fewer, synthetic and BLN600 text the same).
    stop_read_as_e: bool = True
    # channel: pseudo-count weight and probability of the built-in confusion prior against the
    # learned counts; rates of other single-character substitutions and insertions/deletions.
    prior_weight: float = 300.0
    prior_p: float = 0.003
    generic_sub: float = 1e-4
    generic_indel: float = 5e-5
