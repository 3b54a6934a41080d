"""One committed state of a Whoosh index, read for searching: the backend's reader.

Everything the search side asks of an index (:class:`arsearch.backends.IndexReader`)
is answered here from Whoosh's files: which documents are live, their ids, facet values,
dates and field lengths as NumPy arrays; a term's postings (docnums and frequencies,
decoded a block at a time and cached); positions for phrases and leads; stored fields;
the vocabulary filter of did-you-mean. Nothing else in arsearch touches Whoosh's
readers, so another engine can stand behind the same calls.

Opening reads index files only: any failure is checked against the recorded checksums
(:func:`integrity.blame`) and reported as a damaged index when it is one.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Iterator
from functools import partial
from itertools import compress
from pathlib import Path

import numpy as np
from cachetools import LRUCache
from whoosh.searching import Searcher

import arsearch.backends.whoosh.generations as storage
import arsearch.backends.whoosh.integrity as integrity
from arsearch.analysis import is_exact
from arsearch.backends.whoosh.postings import PackedValues, read_postings, segment_lengths
from arsearch.backends.whoosh.segments import SegmentCache
from arsearch.backends.whoosh.vocabulary import Vocabulary
from arsearch.errors import ArsearchError

#: Facet fields kept as columns of values per document.
FACETS = ("source", "category", "author")
#: Postings held in memory (sum of list lengths) before the least used lists go.
CACHE_POSTINGS = 40_000_000

_NO_IDS = np.zeros(0, np.int64)
_NO_TFS = np.zeros(0, np.float32)
Postings = tuple[np.ndarray, np.ndarray, PackedValues]


class WhooshReader:
    """An open, immutable state of the index. Thread-safe: Whoosh's reader is used
    under :attr:`lock`, the arrays are built once and only read afterwards."""

    def __init__(self, folder: Path, segments: SegmentCache | None = None):
        """``segments``: per-segment arrays kept from the previous state, if any."""
        self.folder = folder
        self.indexname = storage.require_meta(folder)["indexname"]
        self.segments = segments if segments is not None else SegmentCache()
        self.lock = threading.RLock()
        self._vocabulary: Vocabulary | None = None
        self._lengths: dict[str, np.ndarray] = {}
        self._terms: dict[str, list[str]] = {}
        self._cache: LRUCache = LRUCache(CACHE_POSTINGS, getsizeof=lambda v: max(len(v[0]), 1))
        self._cache_lock = threading.Lock()
        try:
            with integrity.reading(folder, opening=True):
                findings = integrity.check_sizes(folder, self.indexname)
                if findings:
                    raise integrity.damaged(folder, findings)
                self.ix, reader = integrity.open_reader(folder, self.indexname)
                self.searcher = Searcher(reader, fromindex=self.ix)
                # close the files when the last thread using this state lets go of it
                self.close = weakref.finalize(self, self.searcher.close)
                self._load()
        except BaseException:
            if hasattr(self, "close"):
                self.close()
            raise

    # -- opening --------------------------------------------------------------------------

    def _load(self) -> None:
        reader = self.searcher.reader()
        self.size = reader.doc_count_all()
        self._leaves = list(reader.leaf_readers()) if self.size else []
        leaves = [leaf for leaf, _ in self._leaves]
        self.segments.keep(leaves)
        live = np.ones(self.size, dtype=bool)
        for leaf, offset in self._leaves:
            if leaf.has_deletions():
                live[np.fromiter(leaf._segment.deleted_docs(), dtype=np.int64) + offset] = False
        self.live = live
        self.doc_count = int(live.sum())
        self.ids = self._column("id")
        self.docnum_of = dict(compress(zip(self.ids, range(self.size), strict=True),
                                       live.tolist()))
        self.facet_values = {name: self._column(name) for name in FACETS}
        # Whoosh stores a missing date as an out-of-range column default: keep -1 instead
        lo, hi = integrity.DATES

        def dates(leaf) -> np.ndarray:
            values = leaf.column_reader("date", translate=False)
            return np.asarray([v if lo < v < hi else -1 for v in values], dtype=np.int64)

        self.dates = np.concatenate(
            [self.segments.get(leaf, "dates", partial(dates, leaf)) for leaf in leaves]
            or [np.zeros(0, np.int64)])
        # a truncated date or length column reads as "no value": checked once a segment
        findings = [f for leaf in leaves for f in self.segments.get(
            leaf, "checked", partial(integrity.check_last_documents, [leaf]))]
        if findings:
            raise integrity.Inconsistent(findings)

    def _column(self, name: str) -> list:
        # per segment: Whoosh's MultiReader.column_reader skips segments that have no
        # column file for the field (no document there had a value), which shifts
        # every later value onto the wrong document
        values: list = []
        for leaf, _ in self._leaves:
            values.extend(self.segments.get(
                leaf, f"column:{name}", partial(_column_values, leaf, name)))
        return values

    def refreshed(self) -> WhooshReader:
        """This state if it is still the current one, else the current one, opened."""
        meta = storage.read_meta(self.folder)
        if meta is not None and meta["indexname"] == self.indexname:
            with self.lock:
                if self.searcher.up_to_date():
                    return self
        # Not Whoosh's searcher.refresh(): its reader keeps the segments a merge replaced
        # (documents counted twice) and shares open files with this state.
        return open_reader(self.folder, self.segments)

    def info(self) -> dict:
        """Facts about the index for ``arsearch stats``: creation and update times, bytes."""
        recorded = storage.read_meta(self.folder) or {}
        return {"created": recorded.get("created"), "updated": recorded.get("updated"),
                "size_bytes": _folder_size(self.folder)}

    def probe(self) -> None:
        """For health checks, cheap: raise IndexDamagedError when a search already found
        damage or a recorded file is missing or has the wrong size; then read something
        real from every segment, its last stored document. (Checksums are not verified:
        on a large archive that could outlast a load balancer's timeout.)"""
        verdict = integrity.known_verdict(self.folder)
        if verdict is not None and verdict.findings:
            raise integrity.damaged(self.folder, verdict.findings)
        for _ in range(3):
            indexname = storage.require_meta(self.folder)["indexname"]
            findings = integrity.check_sizes(self.folder, indexname)
            # a rebuild may make its generation current and delete the old one's files
            # while this runs: checked again against the new one, never reported
            if not findings or storage.require_meta(self.folder)["indexname"] == indexname:
                break
        if findings:
            raise integrity.damaged(self.folder, findings)
        with self.lock:
            for leaf, _ in self._leaves:
                if leaf.doc_count_all():
                    leaf.stored_fields(leaf.doc_count_all() - 1)

    # -- per document -------------------------------------------------------------------------

    def stored(self, docnum: int) -> dict:
        """The stored fields of one document (a new dict: callers may change it)."""
        with self.lock:
            return dict(self.searcher.stored_fields(int(docnum)))

    def lengths(self, field: str) -> np.ndarray:
        """Token count of ``field`` for every document (Whoosh's one-byte encoding)."""
        arr = self._lengths.get(field)
        if arr is None:
            arr = np.zeros(self.size, dtype=np.float32)
            # under the lock: Whoosh's segment files are shared file objects read by
            # seek-then-read, so a concurrent read elsewhere (stored fields, postings)
            # moved the position and this read came back empty (a CI failure under load)
            with self.lock:
                for leaf, offset in self._leaves:
                    n = leaf.doc_count_all()
                    if n:
                        arr[offset:offset + n] = self.segments.get(
                            leaf, f"length:{field}", partial(segment_lengths, leaf, field))
            self._lengths[field] = arr  # complete before it is published
        return arr

    # -- terms ----------------------------------------------------------------------------------

    def doc_frequency(self, field: str, term: str) -> int:
        with self.lock:
            return self.searcher.reader().doc_frequency(field, term)

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(docnums, term frequencies) of ``term`` in ``field``; docnums sorted, deleted
        documents included (callers mask with :attr:`live`)."""
        ids, tfs, _ = self._postings(field, term)
        return ids, tfs

    def positions(self, field: str, term: str,
                  docnums: np.ndarray) -> list[list[int] | None]:
        """Token positions of ``term`` in each of ``docnums`` (None where it is absent)."""
        ids, _, values = self._postings(field, term)
        out: list[list[int] | None] = [None] * len(docnums)
        if not len(ids) or not len(values):
            return out
        decode = self.searcher.schema[field].format.decode_positions
        where = np.searchsorted(ids, docnums)
        for i, (w, d) in enumerate(zip(where.tolist(), docnums.tolist(), strict=True)):
            if w < len(ids) and ids[w] == d:
                out[i] = decode(values[w])
        return out

    def position_pairs(self, field: str, term: str,
                       docnums: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(i, position) for every position of ``term`` in ``docnums[i]`` (vectorised)."""
        ids, _, values = self._postings(field, term)
        if not len(ids) or not len(values) or not len(docnums):
            return _NO_IDS, _NO_IDS
        where = np.minimum(np.searchsorted(ids, docnums), len(ids) - 1)
        rows = np.flatnonzero(ids[where] == docnums)
        ks, positions = values.positions_of(where[rows])
        return rows[ks], positions

    def _postings(self, field: str, term: str) -> Postings:
        key = (field, term)
        with self._cache_lock:
            hit = self._cache.get(key)
        if hit is not None:
            return hit
        with self.lock:
            parts = []
            for leaf, offset in self._leaves:
                if (field, term) not in leaf:
                    continue
                ids, tfs, values = read_postings(leaf.postings(field, term))
                if is_exact(term):
                    values = []  # exact-form twins carry no positions (positions.py)
                parts.append((ids + offset, tfs, values))
        if parts:
            value = (np.concatenate([p[0] for p in parts]),
                     np.concatenate([p[1] for p in parts]),
                     PackedValues([v for p in parts for v in p[2]]
                                  if all(len(p[2]) == len(p[0]) for p in parts) else []))
        else:
            value = (_NO_IDS, _NO_TFS, PackedValues([]))
        with self._cache_lock:
            self._cache[key] = value
        return value

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray:
        """A boolean per term: False means no segment holds it (did-you-mean's filter)."""
        vocabulary = self._vocabulary
        if vocabulary is None:
            with self.lock:
                vocabulary = self._vocabulary = Vocabulary(self.searcher.reader(),
                                                           self.segments)
        return vocabulary.may_contain(field, terms)

    def terms(self, field: str) -> list[str]:
        """Every term of ``field`` (stems and ``=`` exact forms), sorted, without repeats:
        the vocabulary that query understanding expands roots, clitics and names over.
        Read once per segment (segments never change) and merged once per state."""
        merged = self._terms.get(field)
        if merged is None:
            with self.lock:
                parts = [self.segments.get(leaf, f"terms:{field}",
                                           partial(_segment_terms, leaf, field))
                         for leaf, _ in self._leaves]
            merged = parts[0] if len(parts) == 1 else sorted(set().union(*parts))
            self._terms[field] = merged
        return merged

    def key_terms(self, field: str, text: str, limit: int) -> Iterator[str]:
        """The terms of ``text`` that best characterise it against the index (Whoosh's
        key terms: Bo1 over the index's statistics), best first."""
        with self.lock:
            terms = self.searcher.key_terms_from_text(field, text, numterms=limit)
        return (t for t, _ in terms)


def open_reader(folder: Path, segments: SegmentCache | None = None) -> WhooshReader:
    """Open the current state, again if a writer committed meanwhile.

    A commit deletes the files of merged segments and a rebuild switches generations:
    an open that raced with either fails on files that are legitimately gone.
    """
    for attempt in range(3):
        before = integrity.folder_key(folder)
        try:
            return WhooshReader(folder, segments)
        except ArsearchError:
            if attempt == 2 or integrity.folder_key(folder) == before:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _segment_terms(leaf, field: str) -> list[str]:
    """One segment's terms of ``field``, decoded, in the term file's (sorted) order."""
    if field not in leaf.schema or not leaf.doc_count_all():
        return []
    return [t.decode("utf-8") for t in leaf.lexicon(field)]


def _folder_size(folder: Path) -> int:
    """Bytes of the files in ``folder``; a writer may delete some while we count."""
    size = 0
    for path in folder.iterdir():
        try:
            if path.is_file():
                size += path.stat().st_size
        except FileNotFoundError:  # a merge or a generation switch removed it
            continue
    return size


def _column_values(leaf, name: str) -> list:
    return list(leaf.column_reader(name))
