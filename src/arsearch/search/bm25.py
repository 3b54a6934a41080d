"""BM25 ranking over a Whoosh reader, vectorised with NumPy.

Whoosh's own matchers score one posting at a time in Python; a ten-word query over
tens of thousands of articles then takes a tenth of a second or more. Here each term's
posting list is decoded once (block by block, from the Whoosh index on disk), cached as
two NumPy arrays, and a query is scored by adding whole arrays into a dense score
vector. Field lengths and facet columns are loaded once per reader generation.
"""

from __future__ import annotations

import math
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3LeafMatcher, _lenfield
from whoosh.util.numeric import byte_to_length

from arsearch.analysis import EXACT
from arsearch.backends.whoosh.segments import SegmentCache

#: BM25 saturation and length normalisation: Lucene's defaults, re-measured on every
#: visible set (README, "Ranking"): b = 0.6 suited the Qur'an passages alone, but where
#: short answers compete with long news articles 0.75 is clearly better.
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Weights:
    """How much each kind of match counts (measured on the benchmarks, see README)."""

    k1: float = K1
    b: float = B  # length normalisation of the body
    #: BM25F (Robertson, Zaragoza & Taylor 2004): a word's frequency in the title counts
    #: ``title`` times its frequency in the body, each normalised by its own field's
    #: length (``title_b``, ``b``), before ONE saturation. So a title adds evidence to the
    #: body's without a one-word title match outranking a document about the query.
    #: ``fields="combined"`` normalises by the weighted total length instead (Lucene's
    #: CombinedFieldQuery); ``fields="sum"`` is the old model (each field saturated
    #: alone, then added).
    title: float = 2.0
    title_b: float = B
    fields: str = "bm25f"
    exact: float = 0.3  # extra weight of the exact (unstemmed) form over the stem
    synonyms: float = 0.5  # an expansion (ترمب for ترامب) counts this much of a typed word
    #: Quoted phrases: "filter" (only documents with the phrase), "tier" (documents
    #: with the phrase rank first) or "bonus" (a phrase match adds ``phrase_bonus``
    #: times the phrase words' own score).
    phrases: str = "tier"
    phrase_bonus: float = 0.5
    #: Queries of at most this many word groups list documents holding all of them
    #: first (0: off). Off by default: this hard tier overrode better evidence on every
    #: set, news keyword queries included (README, "Ranking").
    all_words_first: int = 0
    #: Optional recency boost for news: a document ``recency_half_life`` days older
    #: than the newest one gets half of the extra ``recency`` x its score (0: off).
    recency: float = 0.0
    recency_half_life: float = 30.0
    #: Pseudo-relevance feedback for queries of at most ``prf_max_words`` words: the
    #: top ``prf_docs`` results lend ``prf_terms`` words, weighted ``prf_weight``.
    prf_max_words: int = 0
    prf_docs: int = 10
    prf_terms: int = 10
    prf_weight: float = 0.5
    #: Term proximity (in the manner of BM25TP): among the best ``proximity_docs``
    #: results, pairs of query words at most ``proximity_window`` words apart add
    #: ``proximity`` x min(idf) x a saturated sum of 1/distance^2.
    proximity: float = 0.0
    proximity_docs: int = 100
    proximity_window: int = 5
    #: Leads: among the same best results, each query word that occurs in the first
    #: ``lead_words`` words of the body adds ``lead`` x its idf. The lead of a news story
    #: says what the story is about; a short document is all lead, and counts as such
    #: (excluding short documents cost untitled Wikipedia paragraphs their place among
    #: news articles).
    lead: float = 0.5
    lead_words: int = 30

    def field_weight(self, field: str) -> float:
        return self.title if field == "title" else 1.0

    def field_b(self, field: str) -> float:
        return self.title_b if field == "title" else self.b


class _Values:
    """A posting list's encoded positions in one bytes object plus end offsets.

    About 6 bytes a posting instead of ~45 for a list of small bytes objects, so the
    cache can hold the long posting lists of a large archive.
    """

    __slots__ = ("blob", "ends")

    def __init__(self, values: list[bytes]):
        self.blob = b"".join(values)
        self.ends = np.cumsum(np.fromiter(map(len, values), np.int64, count=len(values)))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, i: int) -> bytes:
        start = int(self.ends[i - 1]) if i else 0
        return self.blob[start:int(self.ends[i])]


class _LRU(OrderedDict):
    def __init__(self, max_postings: int):
        super().__init__()
        self.max_postings = max_postings
        self.size = 0

    def put(self, key, value) -> None:
        self[key] = value
        self.size += len(value[0])
        while self.size > self.max_postings and len(self) > 1:
            _, old = self.popitem(last=False)
            self.size -= len(old[0])


class Ranker:
    """Scores bags of (field, term, weight) clauses against one reader generation."""

    def __init__(self, reader, weights: Weights | None = None,
                 cache_postings: int = 40_000_000, segments: SegmentCache | None = None):
        """``segments``: per-segment lengths kept from an earlier generation, if any."""
        self.reader = reader
        self.weights = weights or Weights()
        self.leaves = list(reader.leaf_readers())
        self.size = reader.doc_count_all()
        self.segments = segments if segments is not None else SegmentCache()
        live = np.ones(self.size, dtype=bool)
        for leaf, offset in self.leaves:
            if leaf.has_deletions():
                deleted = np.fromiter(leaf._segment.deleted_docs(), dtype=np.int64)
                live[deleted + offset] = False
        self.live = live
        self.doc_count = int(live.sum())
        self._lengths: dict[str, np.ndarray] = {}
        self._avg: dict[str, float] = {}
        self._norms: dict[tuple[str, str], np.ndarray] = {}
        self._cache = _LRU(cache_postings)
        self._lock = threading.RLock()

    # -- per-document data ----------------------------------------------------------

    def lengths(self, field: str) -> np.ndarray:
        """Token count of ``field`` for every document (Whoosh's one-byte encoding)."""
        arr = self._lengths.get(field)
        if arr is None:
            with self._lock:
                arr = np.zeros(self.size, dtype=np.float32)
                for leaf, offset in self.leaves:
                    n = leaf.doc_count_all()
                    if n:
                        arr[offset:offset + n] = self.segments.get(
                            leaf, f"length:{field}",
                            lambda leaf=leaf: segment_lengths(leaf, field))
                live = arr[self.live]
                self._avg[field] = float(live.mean()) if live.size and live.mean() > 0 else 1.0
                # published last: other threads read _lengths without the lock and then
                # expect the average to be there
                self._lengths[field] = arr
        return arr

    def avg_length(self, field: str) -> float:
        self.lengths(field)
        return self._avg[field]

    # -- postings -----------------------------------------------------------------------

    def doc_frequency(self, field: str, text: str) -> int:
        return self.reader.doc_frequency(field, text)

    def postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, term frequencies) of ``text`` in ``field``, deleted documents included."""
        ids, tfs, _ = self._postings(field, text)
        return ids, tfs

    def _postings(self, field: str, text: str) -> tuple[np.ndarray, np.ndarray, list]:
        key = (field, text)
        hit = self._cache.get(key)
        if hit is not None:
            self._cache.move_to_end(key)
            return hit
        with self._lock:
            parts = []
            for leaf, offset in self.leaves:
                if (field, text) not in leaf:
                    continue
                ids, tfs, values = _read_postings(leaf.postings(field, text))
                if text.startswith(EXACT):
                    values = []  # exact-form twins have no positions (postings.py)
                parts.append((ids + offset, tfs, values))
            if parts:
                value = (np.concatenate([p[0] for p in parts]),
                         np.concatenate([p[1] for p in parts]),
                         _Values([v for p in parts for v in p[2]]
                                 if all(len(p[2]) == len(p[0]) for p in parts) else []))
            else:
                value = (np.zeros(0, np.int64), np.zeros(0, np.float32), _Values([]))
            self._cache.put(key, value)
        return value

    def positions(self, field: str, text: str, docnums: np.ndarray) -> list[list[int] | None]:
        """Token positions of ``text`` in each of ``docnums`` (None where it is absent)."""
        ids, _, values = self._postings(field, text)
        out: list[list[int] | None] = [None] * len(docnums)
        if not len(ids) or not values:
            return out
        decode = self.reader.schema[field].format.decode_positions
        where = np.searchsorted(ids, docnums)
        for i, (w, d) in enumerate(zip(where.tolist(), docnums.tolist(), strict=True)):
            if w < len(ids) and ids[w] == d:
                out[i] = decode(values[w])
        return out

    def proximity_scores(self, field: str, stems: list[str], docnums: np.ndarray) -> np.ndarray:
        """BM25TP-style proximity score of each of ``docnums`` for the query ``stems``."""
        w = self.weights
        window = w.proximity_window
        idfs = [self.term_idf(field, s) for s in stems]
        per_term = [self.positions(field, s, docnums) for s in stems]
        norms = w.k1 * (1.0 - w.b + w.b * self.lengths(field)[docnums] / self.avg_length(field))
        out = np.zeros(len(docnums), dtype=np.float32)
        for i in range(len(docnums)):
            events = sorted((p, k) for k, plist in enumerate(per_term) if plist[i]
                            for p in plist[i])
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
                    within: np.ndarray | None = None) -> np.ndarray:
        """Docnums (among ``within``, if given) where ``stems`` are consecutive in ``field``.

        Candidates are the intersection of the posting lists; positions come from the
        cached postings, so this is much faster than Whoosh's Phrase matcher.
        """
        if not stems:
            return np.zeros(0, np.int64)
        # start from the rarest list (or ``within``) and keep what the others hold
        lists = sorted((self.postings(field, s)[0] for s in stems), key=len)
        candidates = lists[0] if within is None else _intersect(np.sort(within), lists[0])
        for ids in lists[1 if within is None else 0:]:
            candidates = _intersect(candidates, ids)
            if not len(candidates):
                return candidates
        if len(stems) == 1:
            return candidates
        per_term = [self.positions(field, s, candidates) for s in stems]
        keep = []
        for i, doc in enumerate(candidates.tolist()):
            starts = set(per_term[0][i])
            for k in range(1, len(stems)):
                starts &= {p - k for p in per_term[k][i]}
                if not starts:
                    break
            if starts:
                keep.append(doc)
        return np.asarray(keep, dtype=np.int64)

    def lead_scores(self, field: str, stems: list[str], docnums: np.ndarray) -> np.ndarray:
        """Sum of the idf of the query ``stems`` found in the lead of each document."""
        limit = self.weights.lead_words
        out = np.zeros(len(docnums), dtype=np.float32)
        for s in stems:
            idf = self.term_idf(field, s)
            for i, plist in enumerate(self.positions(field, s, docnums)):
                if plist and plist[0] < limit:
                    out[i] += idf
        return out

    def idf(self, df: int) -> float:
        """Lucene's BM25 idf: never negative, so very common words still count a little."""
        n = self.doc_count
        return math.log(1.0 + (n - df + 0.5) / (df + 0.5))

    def term_idf(self, field: str, text: str) -> float:
        """The idf of ``text`` in ``field``, from its (cached) posting list."""
        return self.idf(max(len(self.postings(field, text)[0]), 1))

    def field_tf(self, field: str, text: str, weight: float = 1.0
                 ) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, ``weight`` x tf / length norm) of ``text`` in ``field``: BM25F's
        per-field pseudo-frequency, before saturation."""
        ids, tf = self.postings(field, text)
        if not len(ids):
            return ids, tf
        return ids, (weight * tf) / self.norms(field)[ids]

    def norms(self, field: str) -> np.ndarray:
        """BM25's length normalisation of ``field`` for every document (cached).

        ``Weights.fields``: "bm25f" normalises each field by its own length and b;
        "combined" normalises every field by the document's weighted total length
        (title x ``title`` + body) with ``b``, as Lucene's CombinedFieldQuery does.
        """
        key = (field, self.weights.fields)
        arr = self._norms.get(key)
        if arr is None:
            w = self.weights
            if w.fields == "combined":
                total = w.title * self.lengths("title") + self.lengths("body")
                live = total[self.live]
                avg = float(live.mean()) if live.size and live.mean() > 0 else 1.0
                arr = (1.0 - w.b + w.b * total / avg).astype(np.float32)
            else:
                b = w.field_b(field)
                arr = (1.0 - b + b * self.lengths(field) / self.avg_length(field)
                       ).astype(np.float32)
            self._norms[key] = arr
        return arr

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


#: Whoosh's one-byte field-length code -> the length it stands for (0 -> 0).
_BYTE_LENGTHS = np.asarray([byte_to_length(b) if b else 0 for b in range(256)],
                           dtype=np.float32)


def segment_lengths(leaf, field: str) -> np.ndarray:
    """Length of ``field`` in each document of one segment, read as one block of bytes.

    Whoosh keeps a byte per document in a column and hands them out one call at a
    time (seconds for a large archive); a segment of another codec falls back to that.
    """
    n = leaf.doc_count_all()
    try:
        reader = leaf._perdoc._cached_reader(_lenfield(field), LENGTHS_COLUMN)
    except AttributeError:
        reader = False
    if reader is None:  # no document of the segment has this field
        return np.zeros(n, dtype=np.float32)
    if reader is False or getattr(reader, "_fixedlen", None) != 1:
        return np.asarray([leaf.doc_field_length(d, field, 0) or 0 for d in range(n)],
                          dtype=np.float32)
    codes = np.zeros(n, dtype=np.uint8)
    count = min(reader._count, n)
    if count:
        codes[:count] = np.frombuffer(reader._dbfile.get(reader._basepos, count), np.uint8)
    return _BYTE_LENGTHS[codes]


def _intersect(small: np.ndarray, large: np.ndarray) -> np.ndarray:
    """Values of sorted ``small`` that are in sorted ``large`` (binary search, no sort)."""
    if not len(small) or not len(large):
        return small[:0]
    where = np.searchsorted(large, small)
    where[where == len(large)] = 0
    return small[large[where] == small]


def _read_postings(m) -> tuple[np.ndarray, np.ndarray, list]:
    """Decode a whole posting list (ids, weights, encoded values), a block at a time.

    Whoosh's W3 blocks hold the ids as deltas: NumPy's cumsum undoes them per block,
    where Whoosh's own matcher would step through a Python generator per posting.
    """
    if isinstance(m, W3LeafMatcher) and not m._byteids:
        id_parts: list[np.ndarray] = []
        tf_parts: list[np.ndarray] = []
        values: list = []
        while m.is_active():
            if m._data is None:
                m._read_data()
            raw_ids, raw_w, raw_v = m._data[0], m._data[1], m._data[2]
            id_parts.append(np.cumsum(raw_ids, dtype=np.int64))
            n = m._blocklength
            if raw_w is None or isinstance(raw_w, float):
                tf_parts.append(np.full(n, 1.0 if raw_w is None else raw_w, np.float32))
            else:
                tf_parts.append(np.asarray(raw_w, dtype=np.float32))
            if raw_v:
                values.extend(raw_v)
            m._next_block()
        if not id_parts:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), []
        ids = np.concatenate(id_parts)
        return ids, np.concatenate(tf_parts), values if len(values) == len(ids) else []
    ids, tfs, values = [], [], []
    while m.is_active():
        ids.append(m.id())
        tfs.append(m.weight())
        values.append(m.value())
        m.next()
    return (np.asarray(ids, dtype=np.int64), np.asarray(tfs, dtype=np.float32),
            values if all(values) else [])
