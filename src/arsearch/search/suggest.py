"""Did-you-mean suggestions from the index's own vocabulary.

The exact (unstemmed, normalised) forms indexed beside the stems are real words as
written in the archive, so they are the dictionary. Only a query word that is unknown
or rare (at most :data:`RARE_DF` documents) is looked at: every spelling one edit away
(deletion, insertion, substitution, transposition) is checked against the term index,
and the most frequent one wins if it is clearly more common.

A word yields a few hundred candidates, and a term lookup in each segment of a large
archive costs ~20 microseconds in Whoosh: several hundred milliseconds a word. So the
candidates first go through :class:`Vocabulary`, the segments' own 32-bit key hashes
held in NumPy arrays, and only the few that may exist are counted.

The work per query is bounded, because a search box is open to anyone: a word's
candidates grow with its length times the alphabet (one 500-letter word gave 31,000
candidates and cost 1.2 s of CPU), so only words of at most :data:`MAX_WORD_CHARS`
letters are checked, at most :data:`MAX_WORDS` distinct ones a query, and checking
stops after :data:`TIME_BUDGET` seconds. Only the index lookups run under the caller's
lock (Whoosh readers are not thread-safe); generating and filtering candidates does
not, so a hard query does not stall the other threads' searches.
"""

from __future__ import annotations

import re
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, nullcontext
from typing import Any, Protocol, runtime_checkable

import numpy as np

from arsearch.analysis import TOKEN_PATTERN, normalize_token, stem, written_term
from arsearch.analysis.normalize import remove_invisible, strip_tashkeel, strip_tatweel
from arsearch.search.query import ParsedQuery

#: Words in at most this many documents get a spelling check.
RARE_DF = 2
#: A candidate must be in this many times more documents than the word itself.
RARE_RATIO = 10
#: Longer words are not checked: no Arabic word is this long (the longest dictionary
#: forms have about 16 letters), and the candidates grow with the length.
MAX_WORD_CHARS = 20
#: At most this many distinct words of one query are checked...
MAX_WORDS = 6
#: ...within this many seconds of CPU-bound work (a normal query needs a few ms).
TIME_BUDGET = 0.05
#: The budget counts this thread's CPU time, not the wall clock: on a busy machine a
#: wall-clock budget would expire before the work did, and the same query would get a
#: suggestion or none depending on the load.
_clock = time.thread_time
#: A suggestion is shown as written in at most this many documents holding it...
SPELLING_DOCS = 3
#: ...within their first this many characters.
SPELLING_CHARS = 20_000
ARABIC_LETTERS = "ءابتثجحخدذرزسشصضطظعغفقكلمنهويى"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


class Lookups(Protocol):
    """What a spelling check asks of an index (its reader, for the Whoosh backend)."""

    def doc_frequency(self, field: str, term: str) -> int: ...


@runtime_checkable
class Documents(Protocol):
    """What finding a spelling in the archive's text asks of an index (its backend)."""

    def texts_with(self, field: str, term: str, limit: int) -> list[str]: ...


class Vocabulary(Protocol):
    """A fast filter of the terms that may exist (no false negatives)."""

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray: ...


def _term(word: str) -> str:
    """The indexed term of ``word`` as written (a word that is its own stem has no twin)."""
    return written_term(word, stem(word))


def _df(reader: Lookups, word: str) -> int:
    """Documents holding ``word`` as written."""
    term = _term(word)
    return reader.doc_frequency("body", term) + reader.doc_frequency("title", term)


def edits1(word: str) -> set[str]:
    """Every string one edit away from ``word`` (Norvig's generator)."""
    letters = LATIN_LETTERS if word.isascii() else ARABIC_LETTERS
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | transposes | replaces | inserts) - {word}


def best_spelling(reader: Lookups, norm: str, vocabulary: Vocabulary | None = None, *,
                  lock: AbstractContextManager | None = None,
                  deadline: float | None = None) -> str | None:
    """The most frequent indexed form one edit from ``norm``, if clearly more common.

    ``lock`` is held around the reader's lookups only; past ``deadline`` (a
    :data:`_clock` value: this thread's CPU seconds) the check gives up and suggests
    nothing.
    """
    if not 3 <= len(norm) <= MAX_WORD_CHARS or norm.isdigit():
        return None
    lock = lock if lock is not None else nullcontext()
    with lock:
        own = _df(reader, norm)
    if own > RARE_DF:
        return None
    best, best_df = None, max(own * RARE_RATIO, 1)
    candidates = sorted(edits1(norm))
    if vocabulary is not None:
        terms = [_term(c) for c in candidates]
        keep = vocabulary.may_contain("body", terms) | vocabulary.may_contain("title", terms)
        candidates = [c for c, k in zip(candidates, keep.tolist(), strict=True) if k]
    with lock:
        for candidate in candidates:
            if deadline is not None and _clock() > deadline:
                return None
            df = _df(reader, candidate)
            if df > best_df:
                best, best_df = candidate, df
    return best


def archive_spelling(reader: Documents, norm: str) -> str:
    """How the archive writes the normalised word ``norm``: its commonest spelling in the
    first documents that hold it, diacritics and tatweel removed (مؤتمر, not the
    index's مءتمر). ``norm`` itself when none is found within the bound.

    Bounded: at most :data:`SPELLING_DOCS` documents, :data:`SPELLING_CHARS` characters
    of each (a word is tokenised and normalised once, memoised).
    """
    term = _term(norm)
    counts: Counter[str] = Counter()
    for field in ("title", "body"):
        for text in reader.texts_with(field, term, SPELLING_DOCS):
            for m in re.finditer(TOKEN_PATTERN, text[:SPELLING_CHARS]):
                if normalize_token(m.group()) == norm:
                    counts[strip_tatweel(strip_tashkeel(remove_invisible(m.group())))] += 1
        if counts:
            break
    return counts.most_common(1)[0][0] if counts else norm


def words_to_check(parsed: ParsedQuery) -> Iterator[tuple[str, str]]:
    """(normalised form, spelling in the query) of the words worth a spelling check.

    Each distinct word once, only words of 3 to MAX_WORD_CHARS letters, at most
    MAX_WORDS of them: the bound on one query's work.
    """
    seen: set[str] = set()
    for word in parsed.words:
        if word.norm in seen or not 3 <= len(word.norm) <= MAX_WORD_CHARS:
            continue
        seen.add(word.norm)
        yield word.norm, word.surface
        if len(seen) >= MAX_WORDS:
            return


def suggest(reader: Lookups | Any, query: str, parsed: ParsedQuery, total: int,
            vocabulary: Vocabulary | None = None, *,
            lock: AbstractContextManager | None = None,
            budget: float = TIME_BUDGET) -> str | None:
    """The query with misspelt words replaced, or None when nothing looks misspelt.

    ``lock`` guards the reader (see :func:`best_spelling`); after ``budget`` seconds
    the words not yet checked are left as they are.
    """
    deadline = _clock() + budget
    changed = False
    text = query
    for norm, surface in words_to_check(parsed):
        if _clock() > deadline:
            break
        better = best_spelling(reader, norm, vocabulary, lock=lock, deadline=deadline)
        if better and surface in text:
            if isinstance(reader, Documents):  # the text at hand: as the archive writes it
                with lock if lock is not None else nullcontext():
                    better = archive_spelling(reader, better)
            text = text.replace(surface, better, 1)
            changed = True
    return text if changed else None
