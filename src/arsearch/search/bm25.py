"""BM25F over an index reader's posting lists, vectorised with NumPy.

A term's posting list (docnums and frequencies, from the backend's reader) is scored
whole into a dense score vector: one array operation per term, where a matcher would
score one posting at a time in Python. This module is the arithmetic: BM25 and BM25F,
idf, length normalisation, phrases, leads and proximity from positions. Which terms are
scored with which weight is the policy of :mod:`arsearch.search.scoring`.
"""

from __future__ import annotations

import math
from typing import Protocol

import numpy as np

from arsearch.search.weights import Weights


class IndexReader(Protocol):
    """What this arithmetic reads from one committed state of an index: dense arrays
    and posting lists (the Whoosh backend's reader, :mod:`arsearch.backends.whoosh`).

    Docnums are positions ``0 .. size - 1`` in the reader's arrays, deleted documents
    included.
    """

    size: int
    doc_count: int  # live documents
    live: np.ndarray  # bool per docnum

    def lengths(self, field: str) -> np.ndarray:
        """Token count of ``field`` per docnum (float32)."""

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted docnums, term frequencies) of ``term`` in ``field``."""

    def positions(self, field: str, term: str,
                  docnums: np.ndarray) -> list[list[int] | None]:
        """Positions of ``term`` in each of ``docnums`` (None where it is absent)."""

    def position_pairs(self, field: str, term: str,
                       docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The same, flat: (i, position) for every position of ``term`` in
        ``docnums[i]``, as two int64 arrays (phrases over thousands of documents)."""

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents holding ``term`` in ``field``."""


class BM25F:
    """Scores terms against one reader (one committed state of the index)."""

    def __init__(self, reader: IndexReader, weights: Weights | None = None):
        self.reader = reader
        self.weights = weights or Weights()
        self.size = reader.size
        self.doc_count = reader.doc_count
        self._avg: dict[str, float] = {}
        self._norms: dict[tuple[str, str], np.ndarray] = {}

    # -- lengths -----------------------------------------------------------------------

    def avg_length(self, field: str) -> float:
        """Mean length of ``field`` over the live documents (1 when there are none)."""
        avg = self._avg.get(field)
        if avg is None:
            live = self.reader.lengths(field)[self.reader.live]
            avg = self._avg[field] = float(live.mean()) if live.size and live.mean() > 0 \
                else 1.0
        return avg

    def norms(self, field: str) -> np.ndarray:
        """BM25's length normalisation of ``field`` for every document (cached).

        ``Weights.fields``: "bm25f" normalises each field by its own length and b;
        "combined" normalises every field by the document's weighted total length
        (title x ``title`` + body) with ``b``, as Lucene's CombinedFieldQuery does.
        """
        key = (field, self.weights.fields)
        arr = self._norms.get(key)
        if arr is None:
            w, lengths = self.weights, self.reader.lengths
            if w.fields == "combined":
                total = w.title * lengths("title") + lengths("body")
                live = total[self.reader.live]
                avg = float(live.mean()) if live.size and live.mean() > 0 else 1.0
                arr = (1.0 - w.b + w.b * total / avg).astype(np.float32)
            else:
                b = w.field_b(field)
                arr = (1.0 - b + b * lengths(field) / self.avg_length(field)
                       ).astype(np.float32)
            self._norms[key] = arr
        return arr

    # -- scoring -------------------------------------------------------------------------

    def idf(self, df: int) -> float:
        """Lucene's BM25 idf: never negative, so very common words still count a little."""
        n = self.doc_count
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def term_idf(self, field: str, text: str) -> float:
        """The idf of ``text`` in ``field``, from its (cached) posting list."""
        return self.idf(max(len(self.reader.postings(field, text)[0]), 1))

    def field_tf(self, field: str, text: str, weight: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, ``weight`` x tf / length norm) of ``text`` in ``field``: BM25F's
        per-field pseudo-frequency, before saturation."""
        ids, tf = self.reader.postings(field, text)
        if not len(ids):
            return ids, tf
        return ids, (weight * tf) / self.norms(field)[ids]

    def saturate(self, ids: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """BM25's idf x saturated frequency of a (pseudo-)frequency per document."""
        k1 = self.weights.k1
        return (self.idf(len(ids)) * (k1 + 1.0)) * tf / (tf + k1)

    def bm25f(self, text: str, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25F score) of ``text`` over ``fields``; docnums sorted.

        The document frequency is that of the union of the fields (a document is one
        document whichever field holds the word), so the idf is a document's, as in
        Lucene's CombinedFieldQuery.
        """
        ids, tf = self.pseudo_tf(text, fields)
        return ids, self.saturate(ids, tf) if len(ids) else tf

    def pseudo_tf(self, text: str, fields: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, BM25F's weighted, length-normalised frequency summed over ``fields``)."""
        ids, tf = _EMPTY_IDS, _EMPTY_TF
        for field in fields:
            f_ids, f_tf = self.field_tf(field, text, self.weights.field_weight(field))
            if len(f_ids):
                ids, tf = (f_ids, f_tf) if not len(ids) else _merge_add(ids, tf, f_ids, f_tf)
        return ids, tf

    def add_scores(self, scores: np.ndarray, field: str, text: str,
                   weight: float) -> np.ndarray:
        """Add ``weight`` x BM25(text in field) into ``scores``; return the docnums hit."""
        ids, tf = self.field_tf(field, text)
        if len(ids):
            scores[ids] += weight * self.saturate(ids, tf)
        return ids


    def proximity_scores(self, field: str, stems: list[str], docnums: np.ndarray) -> np.ndarray:
        """BM25TP-style proximity score of each of ``docnums`` for the query ``stems``."""
        w = self.weights
        window = w.proximity_window
        idfs = [self.term_idf(field, s) for s in stems]
        per_term = [self.reader.positions(field, s, docnums) for s in stems]
        norms = w.k1 * self.norms(field)[docnums]
        out = np.zeros(len(docnums), dtype=np.float32)
        for i in range(len(docnums)):
            events = sorted((p, k) for k, plist in enumerate(per_term)
                            for p in plist[i] or ())
            if len(events) < 2:
                continue
            acc: dict[tuple[int, int], float] = {}
            for j, (p, k) in enumerate(events):
                for q, k2 in events[j + 1:]:
                    d = q - p
                    if d > window:
                        break
                    if k2 != k and d > 0:
                        pair = (k, k2) if k < k2 else (k2, k)
                        acc[pair] = acc.get(pair, 0.0) + 1.0 / (d * d)
            total = 0.0
            for (a, b), tp in acc.items():
                total += min(idfs[a], idfs[b]) * tp * (w.k1 + 1.0) / (tp + norms[i])
            out[i] = total
        return out

    def phrase_docs(self, field: str, stems: list[str],
                    within: np.ndarray | None = None, adjacent: bool = True) -> np.ndarray:
        """Docnums (among ``within``, if given) where ``stems`` are consecutive in ``field``
        (with ``adjacent`` False: merely all present, positions unchecked).

        Candidates are the intersection of the posting lists; positions come from the
        cached postings, so this is much faster than Whoosh's Phrase matcher.
        """
        if not stems:
            return np.zeros(0, np.int64)
        # start from the rarest list (or ``within``) and keep what the others hold
        lists = sorted((self.reader.postings(field, s)[0] for s in stems), key=len)
        candidates = lists[0] if within is None else _intersect(np.sort(within), lists[0])
        for ids in lists[1 if within is None else 0:]:
            candidates = _intersect(candidates, ids)
            if not len(candidates):
                return candidates
        if len(stems) == 1 or not adjacent:
            return candidates
        # (candidate, start) pairs as one int64 each: the k-th word at p starts a
        # phrase at p - k; the phrase starts where every word agrees. The pairs come
        # by candidate, then position: sorted, as _intersect needs.
        starts: np.ndarray | None = None
        for k, stem in enumerate(stems):
            rows, positions = self.reader.position_pairs(field, stem, candidates)
            keep = positions >= k
            keys = (rows[keep] << 32) | (positions[keep] - k)
            starts = keys if starts is None else _intersect(starts, keys)
            if not len(starts):
                return starts
        assert starts is not None  # stems holds two words at least here
        return candidates[np.unique(starts >> 32)]

    def lead_scores(self, field: str, stems: list[str], docnums: np.ndarray,
                    weights: list[float] | None = None) -> np.ndarray:
        """Sum of the idf (times its weight, if given) of the query ``stems`` found in the
        lead of each document."""
        limit = self.weights.lead_words
        out = np.zeros(len(docnums), dtype=np.float32)
        for k, s in enumerate(stems):
            idf = self.term_idf(field, s) * (weights[k] if weights is not None else 1.0)
            for i, plist in enumerate(self.reader.positions(field, s, docnums)):
                if plist and plist[0] < limit:
                    out[i] += idf
        return out

_EMPTY_IDS = np.zeros(0, np.int64)
_EMPTY_TF = np.zeros(0, np.float32)


def _merge_add(ids: np.ndarray, values: np.ndarray, more_ids: np.ndarray,
               more: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sum two sparse vectors given as sorted docnums and values; docnums stay sorted."""
    where = np.searchsorted(ids, more_ids)
    inside = where < len(ids)
    found = np.zeros(len(more_ids), dtype=bool)
    found[inside] = ids[where[inside]] == more_ids[inside]
    values = values.astype(np.float32, copy=True)
    values[where[found]] += more[found]
    if found.all():
        return ids, values
    ids = np.concatenate([ids, more_ids[~found]])
    values = np.concatenate([values, more[~found]])
    order = np.argsort(ids, kind="stable")
    return ids[order], values[order]


def _intersect(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Values of sorted ``small`` that are in sorted ``large`` (binary search, no sort)."""
    if not len(small) or not len(large):
        return small[:0]
    where = np.searchsorted(large, small)
    where[where == len(large)] = 0
    return small[large[where] == small]


