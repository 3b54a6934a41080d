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
"""

from __future__ import annotations

import numpy as np

from .analysis import EXACT, stem
from .query import ParsedQuery
from .segcache import SegmentCache

#: Words in at most this many documents get a spelling check.
RARE_DF = 2
#: A candidate must be in this many times more documents than the word itself.
RARE_RATIO = 10
ARABIC_LETTERS = "ءابتثجحخدذرزسشصضطظعغفقكلمنهويى"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


#: One slot of a Whoosh hash-file table: the key's hash and the key's file position.
_SLOT = np.dtype([("hash", ">u4"), ("pos", ">i8")])


class Vocabulary:
    """Which terms may exist in an index, from the hash tables of its term files.

    Whoosh's term files (``.trm``) are hash files whose tables list every key's 32-bit
    hash: reading them costs milliseconds a segment, and testing hundreds of candidate
    words against them is one NumPy search. A match may be a hash collision (about one
    in ten thousand), so callers count the survivors with real lookups; no match means
    the term is certainly absent. Readers of another format are never filtered.
    """

    def __init__(self, reader, segments: SegmentCache | None = None):
        """``segments``: per-segment hash arrays kept from an earlier generation."""
        cache = segments if segments is not None else SegmentCache()
        # (key coder, hash function, sorted hashes) per segment; None: test nothing
        self._tables: list | None = []
        for leaf, _ in reader.leaf_readers():
            try:
                terms = leaf._terms
                keycoder, hashfn = terms._keycoder, terms._tindex.hashfn
                hashes = cache.get(leaf, "term-hashes", lambda terms=terms: _hashes(terms))
            except (AttributeError, TypeError, ValueError):
                self._tables = None  # not a Whoosh 3 segment
                return
            self._tables.append((keycoder, hashfn, hashes))

    def may_contain(self, fieldname: str, terms: list[str]) -> np.ndarray:
        """A boolean per term: False means no segment holds it in ``fieldname``."""
        if self._tables is None:
            return np.ones(len(terms), dtype=bool)
        found = np.zeros(len(terms), dtype=bool)
        encoded = [t.encode("utf-8") for t in terms]
        known: dict[bytes, np.ndarray] = {}  # segments usually share the field numbers
        for keycoder, hashfn, hashes in self._tables:
            if not len(hashes):
                continue
            prefix = keycoder(fieldname, b"")
            wanted = known.get(prefix)
            if wanted is None:
                wanted = known[prefix] = np.fromiter(
                    (hashfn(keycoder(fieldname, b)) for b in encoded), np.uint32,
                    count=len(encoded))
            where = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
            found |= hashes[where] == wanted
        return found


def _hashes(terms) -> np.ndarray:
    """The sorted key hashes of one segment's term file."""
    table = terms._tindex
    parts = [np.frombuffer(table.dbfile.get(pos, n * _SLOT.itemsize), _SLOT)
             for pos, n in table.tables if n]
    slots = np.concatenate(parts) if parts else np.zeros(0, _SLOT)
    # sorted for the binary search; colliding hashes may repeat, which it does not mind
    return np.sort(slots["hash"][slots["pos"] != 0].astype(np.uint32))


def _term(word: str) -> str:
    """The indexed term of ``word`` as written (a word that is its own stem has no twin)."""
    return EXACT + word if stem(word) != word else word


def _df(reader, word: str) -> int:
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


def best_spelling(reader, norm: str, vocabulary: Vocabulary | None = None) -> str | None:
    """The most frequent indexed form one edit from ``norm``, if clearly more common."""
    if len(norm) < 3 or norm.isdigit():
        return None
    own = _df(reader, norm)
    if own > RARE_DF:
        return None
    best, best_df = None, max(own * RARE_RATIO, 1)
    candidates = sorted(edits1(norm))
    if vocabulary is not None:
        terms = [_term(c) for c in candidates]
        keep = vocabulary.may_contain("body", terms) | vocabulary.may_contain("title", terms)
        candidates = [c for c, k in zip(candidates, keep.tolist(), strict=True) if k]
    for candidate in candidates:
        df = _df(reader, candidate)
        if df > best_df:
            best, best_df = candidate, df
    return best


def suggest(reader, query: str, parsed: ParsedQuery, total: int,
            vocabulary: Vocabulary | None = None) -> str | None:
    """The query with misspelt words replaced, or None when nothing looks misspelt."""
    changed = False
    text = query
    for word in parsed.words:
        better = best_spelling(reader, word.norm, vocabulary)
        if better and word.surface in text:
            text = text.replace(word.surface, better, 1)
            changed = True
    return text if changed else None
