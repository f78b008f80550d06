"""The period vocabulary: build it from a corpus, load it fast, keep what the corrector looks up.

A dictionary folder holds plain, diffable files (see ``dictionaries/SOURCES.md``):

- ``unigrams.tsv.gz``: ``word<TAB>count<TAB>form<TAB>capitalised``; ``word`` lower case,
  ``form`` the usual written form where it is not lower case (``Gorbachev``, ``CSCE``,
  ``McFarlane``), ``capitalised`` the percentage of its mid-sentence occurrences in the corpus
  that were not lower case (empty where it never occurred mid-sentence).
- ``bigrams.tsv.gz``: ``word word<TAB>count`` (lower case, low counts pruned).
- ``protected.txt``: exact forms the corrector never changes (names, acronyms, codes).
- ``confusions.tsv`` (optional): ``truth<TAB>ocr<TAB>count<TAB>truth_total``, character
  confusions of typewriter OCR learned from aligned OCR/ground-truth pairs.

Loading parses these once and keeps a compiled pickle (including the symspellpy index, which takes
seconds to build) in a user cache folder keyed by the files' hashes, so later loads take a fraction
of a second. An unwritable cache only makes loading slower.
"""

from __future__ import annotations

import functools
import gzip
import hashlib
import heapq
import io
import math
import os
import pickle
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
from rapidfuzz.distance import OSA, Levenshtein

from .errors import DictionaryError, InputFileError, OutputError
from .files import as_utf8, atomic_write
from .memory import long_lived
from .spelling_shape import SpellingShape
from .tokens import looked_up

__all__ = [
    "Lexicon",
    "BuildReport",
    "build_dictionary",
    "dictionary_hash",
    "load_lexicon",
    "learn_confusions",
    "confusion_chunks",
    "write_confusions",
    "cache_dir",
    "iter_documents",
    "tokenize",
    "general_english_path",
    "UNIGRAMS",
    "BIGRAMS",
    "PROTECTED",
    "CONFUSIONS",
]

UNIGRAMS = "unigrams.tsv.gz"
BIGRAMS = "bigrams.tsv.gz"
PROTECTED = "protected.txt"
CONFUSIONS = "confusions.tsv"
# Bump when the compiled form changes, so stale caches are ignored.
_CACHE_FORMAT = 9
# symspellpy index: edit distance 2 over a 7-character prefix (longer words are still found and
# scored in full: the suggestions are the same as with 6, but each look-up has fewer of the
# prefix's deletions to sort through; BLN600's 480 articles were corrected in 12 % less time, word
# for word the same, for 58 MB more and 0.27 s to load instead of 0.19; 8 gained nothing more,
# 5 changed suggestions). Only words seen at least TARGET_MIN_COUNT times are offered as corrections:
# rarer ones stay known (never "corrected") but are too rare to be a good guess, and leaving them
# out keeps the compiled index small enough to load in a fraction of a second.
MAX_EDIT = 2
PREFIX = 7
TARGET_MIN_COUNT = 3
LONG_WORD = 9
# How many of the most frequent words count as the language's function words (Lexicon.commonest).
COMMONEST = 50

_SECTION = re.compile(r"^### (\S+)[ \t]*$", re.M)
# Words (letters, accented ones too: détente, communiqué, with inner apostrophes), numbers and
# single punctuation marks; hyphens split words so that "forty-sixth" counts "forty" and "sixth".
_TOKEN = re.compile(r"[^\W\d_]+(?:'[^\W\d_]+)*|[^\w\s]|\d+|_")
_SENTENCE_END = frozenset(".!?:;\"'()[]")


def general_english_path() -> Path:
    """symspellpy's bundled English frequency list (MIT licence), the default general list."""
    return Path(str(resources.files("symspellpy") / "frequency_dictionary_en_82_765.txt"))


def cache_dir() -> Path:
    """Where compiled dictionaries go: $OCRFIX_CACHE_DIR, else $XDG_CACHE_HOME/ocrfix, else ~/.cache/ocrfix."""
    env = os.environ.get("OCRFIX_CACHE_DIR")
    if env:
        return Path(env)
    xdg = os.environ.get("XDG_CACHE_HOME")
    return (Path(xdg) if xdg else Path.home() / ".cache") / "ocrfix"


# --------------------------------------------------------------------------------------------
# Reading a corpus


def _read_text(path: Path) -> str:
    try:
        data = path.read_bytes()
        if path.name.lower().endswith(".gz"):
            data = gzip.decompress(data)
    except (OSError, EOFError, gzip.BadGzipFile) as e:
        # (also a --general, --british or --protect list: not said to be "corpus")
        raise DictionaryError(f"cannot read the file ({getattr(e, 'strerror', None) or e})", path=path) from e
    if b"\x00" in data[:65536] and not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        # (a scan or another binary file among the corpus: its bytes would become "words")
        raise DictionaryError("is not a text file (it holds NUL bytes); give UTF-8 text files", path=path)
    try:
        # UTF-16 by its byte-order mark (Notepad's "Unicode"), as `correct` and `evaluate` read it; latin-1
        # decoded as UTF-8 would count "Zürich" as the words "z" and "rich", with no word said.
        text = as_utf8(path, data).decode("utf-8")
    except InputFileError as e:
        raise DictionaryError(e.message, path=path) from e
    except UnicodeDecodeError as e:
        raise DictionaryError(f"is not UTF-8 text (byte {data[e.start]:#04x} at offset {e.start}); save it as UTF-8",
                              path=path) from e
    # Composed (NFC), as OCR engines write accents: "u" + a combining diaeresis was counted as the
    # words "zu" and "rich" where the corrector meets "Zürich". Line ends as "\n": a "### ID\r\n"
    # (saved on Windows) started no section, so --exclude of a held-out document counted its words.
    # Ligatures as their letters, as the corrector looks words up (looked_up): "oﬃcial" from a PDF's
    # text layer was counted as a word it never asks for.
    text = unicodedata.normalize("NFC", text).replace("\r\n", "\n").replace("\r", "\n")
    return looked_up(text).replace("\u2018", "'")


def _doc_stem(path: Path) -> str:
    name = path.name
    for suffix in (".txt.gz", ".gz", ".txt"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return path.stem


def _corpus_files(paths: Sequence[Path], out_dir: Path | None = None) -> list[Path]:
    """The files of the corpus: a folder's .txt and .txt.gz files, but for the protected terms of the
    dictionary being written into ``out_dir`` (``tr/ -o tr/dict``: a list of names, no transcription)."""
    files: list[Path] = []
    written = (out_dir / PROTECTED).resolve() if out_dir is not None else None
    for p in paths:
        if p.is_dir():
            # (NOTES.TXT: transcriptions typed under DOS; hidden files and folders are none: a Mac's
            # "._memo.txt" beside each transcription is binary, and stopped the build)
            found = sorted(f for f in p.rglob("*") if f.is_file() and f.name.lower().endswith((".txt", ".txt.gz"))
                           and not any(part.startswith(".") for part in f.relative_to(p).parts)
                           and f.resolve() != written)
            if not found:
                raise DictionaryError("has no .txt or .txt.gz files (searched recursively); give plain text files "
                                      "or a folder of them", path=p)
            files += found
        elif p.is_file():
            files.append(p)
        else:
            raise DictionaryError("no such corpus file or folder", path=p)
    # Each file once: a folder and a file in it (or overlapping globs) counted the file twice.
    unique: dict[Path, Path] = {}
    for f in files:
        unique.setdefault(f.resolve(), f)
    return list(unique.values())


def iter_documents(
    paths: Sequence[Path], exclude: Iterable[str] = (), seen: set[str] | None = None, out_dir: Path | None = None
) -> Iterator[tuple[str, str]]:
    """Yield (document id, text) for every document in the corpus files and folders given.

    A file is one document named by its file name without ``.txt``/``.txt.gz``, unless it has
    ``### ID`` lines, each of which starts a document called ID. Documents (or whole files) whose
    id or file name is in ``exclude`` are skipped. Every file name and document id met, excluded
    or not, is added to ``seen`` (to tell the user which exclusions matched nothing). The
    protected terms of the dictionary being written into ``out_dir`` are not read.
    """
    skip = set(exclude)
    seen = set() if seen is None else seen
    for path in _corpus_files(paths, out_dir):
        seen.update((path.name, _doc_stem(path)))
        if path.name in skip or _doc_stem(path) in skip:
            continue
        text = _read_text(path)
        parts = _SECTION.split(text)
        seen.update(parts[1::2])
        # parts: [before first header, id1, text1, id2, text2, ...]
        if parts[0].strip():
            yield _doc_stem(path), parts[0]
        for i in range(1, len(parts) - 1, 2):
            if parts[i] not in skip:
                yield parts[i], parts[i + 1]


def tokenize(text: str) -> list[str]:
    """Words and punctuation marks, in order (see ``_TOKEN``)."""
    return _TOKEN.findall(text)


# --------------------------------------------------------------------------------------------
# Building


@dataclass(frozen=True)
class BuildReport:
    documents: int
    tokens: int
    unigrams: int
    bigrams: int
    protected: int
    excluded: tuple[str, ...]
    unmatched_excludes: tuple[str, ...]
    files: tuple[str, ...]


def _read_word_counts(path: Path) -> dict[str, int]:
    """A ``word count`` list (symspellpy's format: space or tab separated)."""
    counts: dict[str, int] = {}
    try:
        lines = _read_text(path).splitlines()
    except DictionaryError:
        raise
    for n, line in enumerate(lines, 1):
        parts = line.split()
        if not parts:
            continue
        # (a word without a count is a word list, such as /usr/share/dict/words: skipped line by line,
        # it merged nothing and said nothing)
        hint = "; a list of words without counts is for --british" if len(parts) == 1 else ""
        try:
            counts[parts[0]] = counts.get(parts[0], 0) + int(parts[1])
        except (IndexError, ValueError) as e:
            raise DictionaryError(f"expected 'word count', found {line[:60]!r}{hint}", path=path, line=n) from e
    return counts


def _read_terms(path: Path) -> list[str]:
    """First column of a TSV or word-per-line list; '#' lines are comments."""
    terms = []
    for line in _read_text(path).splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        terms.append(line.split("\t")[0].strip())
    return terms


def _protect_from_terms(terms: Iterable[str]) -> set[str]:
    """Exact terms and the capitalised parts of multi-word names; all-lower-case entries are not
    protected (protecting common words would only stop real corrections)."""
    out: set[str] = set()
    for term in terms:
        if not term or term.islower():
            continue
        if " " not in term:
            out.add(term)
            continue
        for part in term.replace(",", " ").split():
            part = part.strip(".()")
            if len(part) > 1 and part[0].isupper():
                out.add(part)
    return out


def _gz_write(path: Path, text: str) -> None:
    # mtime=0 and no file name: the same content gives the same bytes, so git sees no change.
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
        gz.write(text.encode("utf-8"))
    atomic_write(path, buf.getvalue())


def build_dictionary(
    corpus: Sequence[Path],
    out_dir: Path,
    *,
    exclude: Sequence[str] = (),
    general: Path | None = None,
    british: Path | None = None,
    protect_files: Sequence[Path] = (),
    min_count: int = 2,
    min_bigram: int = 3,
    general_weight: float = 0.2,
) -> BuildReport:
    """Count a corpus and write the dictionary files of a folder (see the module docstring).

    Corpus words seen fewer than ``min_count`` times are dropped unless a general list knows them
    (the period corpus was partly OCR'd upstream: its rare words are often garbles). General-list
    counts are rescaled to the corpus' size and weighted by ``general_weight`` so that period usage
    dominates; British list words the others lack get a count of 1 (known, but rare).
    """
    unigrams: Counter[str] = Counter()
    bigrams: Counter[str] = Counter()
    forms: dict[str, Counter[str]] = {}
    docs = 0
    tokens_seen = 0
    seen_ids: set[str] = set()
    for _doc_id, text in iter_documents(corpus, exclude, seen_ids, out_dir):
        docs += 1
        prev = ""
        prev_word = False
        # One token at a time: a list of them took some 15 times the file's size (a 60 MB transcription
        # without '### ' sections needed 900 MB; a few hundred MB ran out of memory).
        for match in _TOKEN.finditer(text):
            tok = match.group()
            is_word = tok[0].isalpha()
            if is_word:
                low = tok.lower()
                unigrams[low] += 1
                tokens_seen += 1
                if prev_word:
                    bigrams[prev + " " + low] += 1
                    # Only mid-sentence occurrences say how a word is usually written.
                    if tok != low:
                        forms.setdefault(low, Counter())[tok] += 1
                    else:
                        forms.setdefault(low, Counter())[low] += 1
                prev = low
            prev_word = is_word
    if not unigrams:
        if left_out := sorted(set(exclude) & seen_ids):
            raise DictionaryError(f"no words to count: --exclude left out {', '.join(left_out)}, and the rest of the "
                                  "corpus has no words")
        raise DictionaryError("the corpus has no words; give plain text or .txt.gz files")

    corpus_total = sum(unigrams.values())
    merged: dict[str, int] = {w: c for w, c in unigrams.items() if c >= min_count}
    if general is not None:
        general_counts = _read_word_counts(general)
        scale = corpus_total / max(1, sum(general_counts.values())) * general_weight
        for word, count in general_counts.items():
            low = word.lower()
            if not low.isalpha():
                continue
            merged[low] = unigrams.get(low, 0) + max(1, round(count * scale))
    british_forms: dict[str, str] = {}
    if british is not None:
        for word in _read_text(british).split():
            # Possessives are covered by their stems; contractions and elisions are words of their
            # own ("she'd", "shan't", "ma'am", "o'er", "O'Brien"), which the period corpus rarely has.
            if not word.replace("'", "").isalpha() or word.endswith("'s"):
                continue
            low = word.lower()
            if word != low:
                british_forms.setdefault(low, word)
            else:
                british_forms[low] = low
            if low not in merged:
                merged[low] = max(1, unigrams.get(low, 0))

    def cap_share(low: str) -> str:
        seen = forms.get(low)
        if not seen:
            return ""
        return str(round(100 * (1 - seen.get(low, 0) / sum(seen.values()))))

    def usual_form(low: str) -> str:
        seen = forms.get(low)
        if seen:
            best, n = seen.most_common(1)[0]
            if best != low and n >= 0.6 * sum(seen.values()):
                return best
            return ""
        form = british_forms.get(low, "")
        return form if form != low else ""

    # Every input read before anything is written: a list that cannot be read leaves the folder as it was.
    listed: set[str] = set()
    for path in protect_files:
        listed |= _protect_from_terms(_read_terms(path))

    rows = sorted(merged.items(), key=lambda kv: (-kv[1], kv[0]))
    if not rows:
        # (an empty dictionary was written, and the corrector then knew no word at all)
        raise DictionaryError(f"no word of the corpus is seen {min_count} times or more ({len(unigrams):,} different words, "
                              f"{tokens_seen:,} in all); give more text, or a lower --min-count")
    _make_folder(out_dir)
    _gz_write(out_dir / UNIGRAMS, "".join(f"{w}\t{c}\t{usual_form(w)}\t{cap_share(w)}\n" for w, c in rows))
    kept_bigrams = sorted(
        ((b, c) for b, c in bigrams.items() if c >= min_bigram),
        key=lambda kv: (-kv[1], kv[0]),
    )
    _gz_write(out_dir / BIGRAMS, "".join(f"{b}\t{c}\n" for b, c in kept_bigrams))

    # Protected: acronyms and names as the corpus writes them mid-sentence, plus the term lists.
    protected: set[str] = set()
    for low, seen in forms.items():
        total = sum(seen.values())
        if total < 3 or len(low) < 2:
            continue
        best, n = seen.most_common(1)[0]
        if best == low or n < 0.9 * total:
            continue
        # Protecting an exact form only stops changes to that form, which is already right.
        protected.add(best)
    protected |= listed
    atomic_write(out_dir / PROTECTED, "".join(f"{p}\n" for p in sorted(protected)))

    ex = tuple(sorted(set(exclude) & seen_ids))
    return BuildReport(
        documents=docs,
        tokens=tokens_seen,
        unigrams=len(rows),
        bigrams=len(kept_bigrams),
        protected=len(protected),
        excluded=ex,
        unmatched_excludes=tuple(sorted(set(exclude) - seen_ids)),
        files=tuple(str(p) for p in _corpus_files(corpus, out_dir)),
    )


# --------------------------------------------------------------------------------------------
# Character confusions


def confusion_chunks(truth: str, ocr: str) -> list[tuple[str, str]]:
    """The differing stretches of an alignment, joined where adjacent: ("m", "rn"), ("en", "ch")."""
    merged: list[tuple[str, str]] = []
    # rapidfuzz gives "rn"->"m" as a replace plus a delete; adjacent ops are one confusion.
    prev_end = None
    for op in Levenshtein.opcodes(truth, ocr):
        if op.tag == "equal":
            prev_end = None
            continue
        t, o = truth[op.src_start : op.src_end], ocr[op.dest_start : op.dest_end]
        if merged and prev_end == (op.src_start, op.dest_start):
            pt, po = merged[-1]
            merged[-1] = (pt + t, po + o)
        else:
            merged.append((t, o))
        prev_end = (op.src_end, op.dest_end)
    return merged


def learn_confusions(pairs: Iterable[tuple[str, str]], max_chunk: int = 3) -> dict[tuple[str, str], tuple[int, int]]:
    """Count character confusions from aligned (ocr text, ground truth text) page pairs.

    Words are aligned (difflib on the word sequences); each pair of differing single words within
    a small edit distance contributes its differing stretches, lower-cased, e.g. truth "en" read as
    "ch". Returns {(truth, ocr): (count, occurrences of truth in the ground truth words)}.
    """
    import difflib

    counts: Counter[tuple[str, str]] = Counter()
    truth_text: list[str] = []
    for ocr, gt in pairs:
        o_words, g_words = ocr.split(), gt.split()
        truth_text += [w.lower() for w in g_words]
        matcher = difflib.SequenceMatcher(a=o_words, b=g_words, autojunk=False)
        for tag, a0, a1, b0, b1 in matcher.get_opcodes():
            if tag != "replace" or a1 - a0 != b1 - b0:
                continue
            for ow, gw in zip(o_words[a0:a1], g_words[b0:b1]):
                o_low, g_low = ow.lower(), gw.lower()
                if o_low == g_low or Levenshtein.distance(o_low, g_low) > max(2, len(g_low) // 3):
                    continue
                for t, o in confusion_chunks(g_low, o_low):
                    if len(t) <= max_chunk and len(o) <= max_chunk:
                        counts[(t, o)] += 1
    joined = " " + " ".join(truth_text) + " "
    totals: dict[str, int] = {}
    result: dict[tuple[str, str], tuple[int, int]] = {}
    for (t, o), n in counts.items():
        if t not in totals:
            totals[t] = joined.count(t) if t else len(truth_text)
        result[(t, o)] = (n, max(totals[t], n))
    return result


def _make_folder(folder: Path) -> None:
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as e:  # a file of that name, a read-only or missing place
        raise OutputError(f"cannot create the folder ({e.strerror})", path=folder) from e


def write_confusions(table: dict[tuple[str, str], tuple[int, int]], path: Path, min_count: int = 1) -> int:
    rows = sorted(((t, o, n, tot) for (t, o), (n, tot) in table.items() if n >= min_count), key=lambda r: (-r[2], r[0], r[1]))
    _make_folder(path.parent)
    header = "# truth\tocr\tcount\ttruth_total (learned by `ocrfix dictionary confusions`; see SOURCES.md)\n"
    esc = lambda s: s.replace("\\", "\\\\").replace("\t", "\\t")  # noqa: E731
    atomic_write(path, header + "".join(f"{esc(t)}\t{esc(o)}\t{n}\t{tot}\n" for t, o, n, tot in rows))
    return len(rows)


# --------------------------------------------------------------------------------------------
# Loading


# The letters a word's letter counts tell apart; anything else counts in one more column.
_BAG_LETTERS = {ch: i for i, ch in enumerate("abcdefghijklmnopqrstuvwxyz")}
_BAG_COLUMNS = len(_BAG_LETTERS) + 1


def _letter_counts(words: Sequence[str]) -> np.ndarray:
    """How often each letter occurs in each word: one column a word (a row a letter, so that
    comparing a word with all of them runs along contiguous rows: twice as fast as a row a word).
    One byte a count, a third of the time of two bytes in the comparison."""
    bags = np.zeros((_BAG_COLUMNS, len(words)), dtype=np.int8)
    for column, word in enumerate(words):
        for row, n in Counter(_BAG_LETTERS.get(ch, _BAG_COLUMNS - 1) for ch in word).items():
            # Capped where a byte ends ("m" * 140 read off a rule): a capped difference is never
            # larger than the true one, so no word within reach is ruled out.
            bags[row, column] = min(n, 127)
    return bags


@dataclass
class LongWords:
    """The long correction targets by length, with each one's letter counts: an edit changes the
    counts by 2 at most (one letter for another) and an insertion or deletion by 1, so most of a
    bucket is ruled out by one array comparison before the exact distance is computed (a third
    of the corrector's time once went on these searches)."""

    by_length: dict[int, list[str]]
    counts: dict[int, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for n, words in self.by_length.items():
            if n not in self.counts:
                self.counts[n] = _letter_counts(words)

    def near(self, word: str, max_distance: int, lengths: range, limit: int) -> list[tuple[str, int]]:
        """Up to ``limit`` words of each length in ``lengths`` within ``max_distance`` edits
        (Levenshtein) of ``word``, nearest first, as rapidfuzz's extract ranks them."""
        from rapidfuzz import process

        query = _letter_counts([word])
        found: list[tuple[str, int]] = []
        for n in lengths:
            words = self.by_length.get(n)
            if not words:
                continue
            # Of d edits, at least |n - len(word)| insert or delete a letter (1 off the counts
            # each) and the rest substitute one (2 at most): the counts differ by 2d - |n - len| at most.
            within = 2 * max_distance - abs(n - len(word))
            close = np.flatnonzero(np.abs(self.counts[n] - query).sum(axis=0, dtype=np.int16) <= within)
            if not close.size:
                continue
            # In the bucket's order, so that ties rank as they would over the whole bucket.
            for match, dist, _i in process.extract(word, [words[i] for i in close.tolist()], scorer=Levenshtein.distance,
                                                   score_cutoff=max_distance, limit=limit):
                found.append((match, int(dist)))
        return found


@dataclass
class Lexicon:
    """Everything the corrector looks up, compiled."""

    counts: dict[str, int]
    total: int
    forms: dict[str, str]
    # lower-case word -> % of its mid-sentence corpus occurrences that were capitalised
    capitalised: dict[str, int]
    bigrams: dict[str, int]
    protected: frozenset[str]
    # (truth, ocr) -> (count, truth_total), lower case
    confusions: dict[tuple[str, str], tuple[int, int]]
    symspell: object = field(repr=False)
    source_hash: str = ""
    # correction targets of LONG_WORD - 2 letters or more: searched at edit distance 3 for long
    # words symspell's distance 2 cannot reach
    long_words: LongWords = field(default_factory=lambda: LongWords({}), repr=False)
    # how its words are spelt, which says how much an unknown form looks like one (compiled: half
    # a second to make, 0.02 s more to load)
    shape: SpellingShape = field(default_factory=lambda: SpellingShape.of_words({}), repr=False)

    def count(self, word: str) -> int:
        return self.counts.get(word, 0)

    @functools.cached_property
    def commonest(self) -> frozenset[str]:
        """The COMMONEST most frequent words: the function words of the dictionaries' language (the,
        of, and ...), which any page of running text in that language is full of."""
        return frozenset(heapq.nlargest(COMMONEST, self.counts, key=self.counts.__getitem__))

    def logp(self, word: str) -> float:
        """log unigram probability, with add-half smoothing for unseen words."""
        return math.log((self.counts.get(word, 0) + 0.5) / self.total)


def _source_files(directory: Path) -> list[Path]:
    return [directory / name for name in (UNIGRAMS, BIGRAMS, PROTECTED, CONFUSIONS) if (directory / name).exists()]


def _hash_sources(files: list[Path]) -> str:
    h = hashlib.sha256(f"format {_CACHE_FORMAT} {MAX_EDIT} {PREFIX} {TARGET_MIN_COUNT}".encode())
    for f in files:
        h.update(f.name.encode())
        h.update(hashlib.sha256(f.read_bytes()).digest())
    return h.hexdigest()[:24]


def _parse_tsv(path: Path) -> Iterator[tuple[int, list[str]]]:
    try:
        text = _read_text(path)
    except DictionaryError:
        raise
    for n, line in enumerate(text.splitlines(), 1):
        if line and not line.startswith("#"):
            yield n, line.split("\t")


class _FastOsa:
    """symspellpy's edit distance (optimal string alignment) computed by rapidfuzz's C++ code:
    the pure-Python default spends most of a look-up's time here."""

    def distance(self, string_1: str, string_2: str, max_distance: int) -> int:
        d = OSA.distance(string_1, string_2, score_cutoff=max_distance)
        return -1 if d > max_distance else d


def _compile(directory: Path, source_hash: str) -> Lexicon:
    from symspellpy import SymSpell
    from symspellpy.abstract_distance_comparer import AbstractDistanceComparer
    from symspellpy.editdistance import DistanceAlgorithm, EditDistance

    AbstractDistanceComparer.register(_FastOsa)

    unigram_path = directory / UNIGRAMS
    if not unigram_path.exists():
        raise DictionaryError(
            f"the dictionary folder has no {UNIGRAMS}; build one with `ocrfix dictionary build CORPUS -o {directory}`",
            path=directory,
        )
    counts: dict[str, int] = {}
    forms: dict[str, str] = {}
    capitalised: dict[str, int] = {}
    for n, parts in _parse_tsv(unigram_path):
        try:
            counts[parts[0]] = int(parts[1])
        except (IndexError, ValueError) as e:
            raise DictionaryError("expected 'word<TAB>count<TAB>form'", path=unigram_path, line=n) from e
        if len(parts) > 2 and parts[2]:
            forms[parts[0]] = parts[2]
        if len(parts) > 3 and parts[3]:
            capitalised[parts[0]] = int(parts[3])
    bigrams: dict[str, int] = {}
    if (directory / BIGRAMS).exists():
        for n, parts in _parse_tsv(directory / BIGRAMS):
            try:
                bigrams[parts[0]] = int(parts[1])
            except (IndexError, ValueError) as e:
                raise DictionaryError("expected 'word word<TAB>count'", path=directory / BIGRAMS, line=n) from e
    protected: frozenset[str] = frozenset()
    if (directory / PROTECTED).exists():
        protected = frozenset(
            line.strip() for line in _read_text(directory / PROTECTED).splitlines() if line.strip() and not line.startswith("#")
        )
    confusions: dict[tuple[str, str], tuple[int, int]] = {}
    if (directory / CONFUSIONS).exists():
        unesc = lambda s: s.replace("\\t", "\t").replace("\\\\", "\\")  # noqa: E731
        for n, parts in _parse_tsv(directory / CONFUSIONS):
            try:
                confusions[(unesc(parts[0]), unesc(parts[1]))] = (int(parts[2]), int(parts[3]))
            except (IndexError, ValueError) as e:
                raise DictionaryError("expected 'truth<TAB>ocr<TAB>count<TAB>total'", path=directory / CONFUSIONS, line=n) from e
    sym = SymSpell(
        max_dictionary_edit_distance=MAX_EDIT,
        prefix_length=PREFIX,
        distance_comparer=EditDistance(DistanceAlgorithm.USER_PROVIDED, _FastOsa()),
    )
    long_words: dict[int, list[str]] = {}
    for word, count in counts.items():
        if count >= TARGET_MIN_COUNT:
            sym.create_dictionary_entry(word, count)
            if len(word) >= LONG_WORD - 2:
                long_words.setdefault(len(word), []).append(word)
    return Lexicon(
        counts=counts,
        total=max(1, sum(counts.values())),
        forms=forms,
        capitalised=capitalised,
        bigrams=bigrams,
        protected=protected,
        confusions=confusions,
        symspell=sym,
        source_hash=source_hash,
        long_words=LongWords(long_words),
        shape=SpellingShape.of_words(counts),
    )


def dictionary_hash(directory: Path) -> str:
    """The hash of a dictionary folder's source files, as its compiled cache is keyed ("" when
    there are none): what tells a batch that its pages must be corrected again."""
    files = _source_files(Path(directory))
    return _hash_sources(files) if files else ""


def load_lexicon(directory: Path, cache: Path | None = None) -> Lexicon:
    """Load a dictionary folder, from the compiled cache when its source files are unchanged."""
    directory = Path(directory)
    if not directory.is_dir():
        # What it is, and the variable only where it is what named the folder: "does not exist; point
        # OCRFIX_DICTIONARIES at one" was said of a file given to --dictionaries, with no variable set.
        env = os.environ.get("OCRFIX_DICTIONARIES")
        what = "is a file, not a dictionary folder" if directory.exists() else "no such dictionary folder"
        source = " (set in OCRFIX_DICTIONARIES)" if env and Path(env) == directory else ""
        raise DictionaryError(
            f"{what}{source}; give --dictionaries a folder built with `ocrfix dictionary build CORPUS -o DIR`",
            path=directory,
        )
    files = _source_files(directory)
    try:
        key = _hash_sources(files)
    except OSError as e:
        raise DictionaryError(f"cannot read the dictionary files ({e})", path=directory) from e
    where = (cache or cache_dir()) / f"lexicon-{key}.pickle"
    try:
        # Unpickling a million small objects would trigger the cyclic collector over and over
        # (pausing it makes loading several times faster), and they live as long as the process.
        with long_lived(), where.open("rb") as f:
            lex = pickle.load(f)
        if isinstance(lex, Lexicon) and lex.source_hash == key:
            return lex
    except (OSError, pickle.UnpicklingError, EOFError, AttributeError, ImportError):
        pass  # no cache yet, or an unreadable one: compile again
    with long_lived():
        lex = _compile(directory, key)
    try:
        # Atomic, so parallel workers never read half a cache.
        atomic_write(where, pickle.dumps(lex, protocol=pickle.HIGHEST_PROTOCOL))
    except OutputError:
        pass  # an unwritable cache folder: still works, only slower next time
    return lex
