"""The words of a cluster's shards, read in the background: did-you-mean's filter.

Over shards every term lookup is a round trip to each shard, and a spelling check
weighs hundreds of candidates; :class:`Vocabulary` holds the hashes of every word of
every shard so that most candidates are ruled out without asking.
"""

from __future__ import annotations

import atexit
import threading
import time
import weakref
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from .cluster import ShardAddress
from .core import ARABIC_LETTERS, LATIN_LETTERS, ArsearchError, require_xapian
from .members import open_remote

if TYPE_CHECKING:
    from .search import XapianSearcher

xapian = require_xapian()

#: The first characters of the index's words: letters, digits and ``=`` (the exact
#: forms); the boolean and field terms start with an upper-case prefix instead.
WORD_FIRSTS = tuple(c.encode() for c in ARABIC_LETTERS + LATIN_LETTERS + "0123456789=")


def word_terms(db) -> Iterator[bytes]:
    """Every word term of ``db`` (stems and exact forms), in term order within each first
    character: what the vocabulary of did-you-mean and query understanding is read from."""
    for first in WORD_FIRSTS:
        for t in db.allterms(first):
            yield t.term


class Vocabulary:
    """The words of a cluster's shards as a sorted array of their hashes: did-you-mean's
    filter over shards, where a term lookup is a round trip to every shard.

    It is read on its own connections by a background thread started by the first
    spelling check (a stream of the terms of every shard that start with a letter or a
    digit, or ``=`` for the exact forms: not the prefixed boolean terms), so neither
    opening the cluster nor a search waits for it; until it is ready the searcher asks
    the shards for the candidates' counts instead (all of them in one query's term
    statistics: a round trip per shard, exact), and while a newer one is read after the
    document count changed by more than :data:`STALE_SHARE` it answers from the older
    words. So a one-off ``arsearch search`` over a cluster understands and corrects a
    query as a long-lived server does.
    """

    STALE_SHARE = 0.01
    MIN_AGE = 300.0  # seconds between two reads

    def __init__(self, searcher: XapianSearcher):
        self.searcher = searcher
        self.hashes: np.ndarray | None = None
        self.count = -1
        self.loaded_at = 0.0
        self._loading = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def close(self, wait: float = 10.0) -> None:
        """Stop reading (a thread still inside Xapian when the interpreter exits makes it
        abort: the engine's close, and an exit hook, stop it first)."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(wait)

    def start(self) -> None:
        """Read the words now (in the background)."""
        self._maybe_load()

    @property
    def ready(self) -> bool:
        return self.hashes is not None

    def ready_or_load(self) -> bool:
        """Whether the words are read; if not (or if stale), start reading them."""
        self._maybe_load()
        return self.hashes is not None

    def may_contain(self, terms: list[bytes]) -> np.ndarray:
        self._maybe_load()
        hashes = self.hashes
        if hashes is None or not len(hashes):
            return np.zeros(len(terms), dtype=bool)
        wanted = np.fromiter((hash(t) for t in terms), dtype=np.int64, count=len(terms))
        where = np.minimum(np.searchsorted(hashes, wanted), len(hashes) - 1)
        return hashes[where] == wanted

    def _maybe_load(self) -> None:
        searcher = self.searcher
        with self._lock:
            if self._loading:
                return
            count = searcher.doc_count
            fresh = self.hashes is not None and (
                abs(count - self.count) <= self.STALE_SHARE * max(self.count, 1)
                or time.monotonic() - self.loaded_at < self.MIN_AGE)
            if fresh:
                return
            if self._stop.is_set():
                return
            self._loading = True
            addresses = [m.serving for m in searcher.members if m.serving is not None]
            self._thread = threading.Thread(target=self._load, args=(addresses, count),
                                            daemon=True, name="arsearch-vocabulary")
            _LOADERS.add(self)
            self._thread.start()

    def _load(self, addresses: list[ShardAddress], count: int) -> None:
        try:
            values: set[int] = set()
            for address in addresses:
                db = open_remote(address, self.searcher.timeout)
                try:
                    for i, t in enumerate(word_terms(db)):
                        values.add(hash(t))
                        if not i % 4096 and self._stop.is_set():
                            return
                finally:
                    db.close()
            hashes = np.fromiter(values, dtype=np.int64, count=len(values))
            hashes.sort()
            self.hashes, self.count, self.loaded_at = hashes, count, time.monotonic()
        except (ArsearchError, xapian.Error):
            pass  # a shard went away: the next suggestion tries again
        finally:
            with self._lock:
                self._loading = False


#: Vocabularies that may be reading: stopped before the interpreter exits.
_LOADERS: weakref.WeakSet[Vocabulary] = weakref.WeakSet()


@atexit.register
def _stop_loaders() -> None:
    for vocabulary in list(_LOADERS):
        vocabulary.close()
