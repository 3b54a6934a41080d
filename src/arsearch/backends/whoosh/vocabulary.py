"""Which terms may exist in an index, from the hash tables of its term files.

Did-you-mean checks a few hundred spellings one edit away from a word. A term lookup in
each segment of a large archive costs ~20 microseconds in Whoosh, so the candidates
first go through the segments' own 32-bit key hashes held in NumPy arrays, and only the
few that may exist are counted.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from arsearch.backends.whoosh.segments import SegmentCache

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
                hashes = cache.get(leaf, "term-hashes", partial(_hashes, terms))
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


