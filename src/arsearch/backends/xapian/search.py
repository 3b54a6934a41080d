"""Searching a Xapian index: a local folder, or shard servers opened as one database.

Xapian combines the shards' statistics (document count, lengths, term frequencies)
before weighting, so a document scores the same whether its database is one folder or
split over servers (tests/test_cluster.py checks it). Every search counts every match
(``check_at_least`` = the document count): totals and facet counts are exact, never
Xapian's estimates. A shard that cannot be reached, or stops answering, is an error
naming it (:class:`ShardUnavailableError`); never a silently smaller total.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from .cluster import Cluster, ShardAddress
from .compile import TIER, Stats, compile_query, weighting
from .core import (
    ArsearchError,
    ParsedQuery,
    QueryError,
    ShardUnavailableError,
    Synonyms,
    Weights,
    expand,
    load_synonyms,
    network_reason,
    parse_query,
    require_xapian,
)
from .index import FACET_SLOTS, SLOT_ID, Layout, id_term, read_stored

xapian = require_xapian()

#: Seconds a shard may take to answer before it counts as down (Xapian's default: 10).
DEFAULT_TIMEOUT = 10.0
MAX_LIMIT = 1000
_CONTEXT = re.compile(r"remote:tcp\(([^)]*)\)")


@dataclass
class XapianHit:
    id: str
    score: float  # arsearch's score: BM25 parts and lead, without the tier lifts
    tiers: int  # 2 per quoted phrase found, 1 for every group (all_words_first)
    docid: int = field(repr=False)
    stored: dict | None = field(default=None, repr=False)


@dataclass
class XapianResults:
    hits: list[XapianHit]
    total: int
    facets: dict[str, dict[str, int]]
    sorted_by: str  # "relevance", or "date" for a query without a word to rank by
    expansions: list[str] = field(default_factory=list)


class XapianSearcher:
    """One open Xapian database (local, or shards as one). Thread-safe: Xapian objects
    are not, so searches take turns (one searcher per worker process, as the web app
    keeps one engine per process)."""

    def __init__(self, db, shards: Sequence[ShardAddress] = (), label: str = "",
                 weights: Weights | None = None, synonyms: Synonyms | None = None,
                 reopen=None):
        self.db = db
        self.shards = list(shards)
        self.label = label
        self.weights = weights or Weights()
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.layout = self._call(lambda: Layout.read(db))
        self._reopen = reopen
        self._lock = threading.RLock()
        self._termfreqs: dict[bytes, int] = {}

    # -- opening ------------------------------------------------------------------------

    @classmethod
    def open_local(cls, path: str | os.PathLike, **options) -> XapianSearcher:
        path = Path(path)

        def opener():
            try:
                return xapian.Database(str(path))
            except xapian.DatabaseOpeningError as exc:
                raise ArsearchError(f"no Xapian index in {path}: {exc}") from exc

        return cls(opener(), (), str(path), reopen=opener, **options)

    @classmethod
    def open_shards(cls, shards: Sequence[ShardAddress] | Cluster,
                    timeout: float = DEFAULT_TIMEOUT, **options) -> XapianSearcher:
        """Open every shard as one database; ShardUnavailableError names one that is down."""
        addresses = shards.addresses if isinstance(shards, Cluster) else list(shards)
        if not addresses:
            raise ArsearchError("a cluster needs at least one shard")

        def opener():
            db = xapian.Database()
            for a in addresses:
                db.add_database(open_remote(a, timeout))
            return db

        return cls(opener(), addresses, ", ".join(map(str, addresses)), reopen=opener,
                   **options)

    def reopen(self) -> None:
        """See the latest commit of every shard (cheap when nothing changed)."""
        with self._lock:
            self._call(self.db.reopen)
            self._termfreqs.clear()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> XapianSearcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- searching ----------------------------------------------------------------------

    def parse(self, text: str) -> tuple[ParsedQuery, list[str]]:
        """arsearch's parsing and synonym expansion (the expansions are returned)."""
        parsed = parse_query(text)
        expansions = expand(self.synonyms, parsed, self.weights.synonyms) if self.synonyms \
            else []
        return parsed, expansions

    def search(self, query: str | ParsedQuery, offset: int = 0, limit: int = 10,
               facets: bool = True, stored: bool = True) -> XapianResults:
        """The ``limit`` best results from ``offset``, the exact total and facet counts."""
        if not isinstance(offset, int) or offset < 0:
            raise QueryError("offset must be a whole number of at least 0")
        if not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
            raise QueryError(f"limit must be between 1 and {MAX_LIMIT}")
        parsed, expansions = (query, []) if isinstance(query, ParsedQuery) \
            else self.parse(query)
        with self._lock:
            return self._retry(lambda: self._search(parsed, offset, limit, facets, stored,
                                                    expansions))

    def ranked_ids(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents (batch runs, evaluation)."""
        results = self.search(query, 0, limit, facets=False, stored=False)
        return [(h.id, h.score) for h in results.hits]

    def _search(self, parsed: ParsedQuery, offset: int, limit: int, facets: bool,
                stored: bool, expansions: list[str]) -> XapianResults:
        db = self.db
        stats = Stats(db.get_doccount(), self._termfreq)
        compiled = compile_query(parsed, self.weights, stats)
        enquire = xapian.Enquire(db)
        enquire.set_query(compiled.query)
        enquire.set_weighting_scheme(weighting(self.weights))
        # no sort by value (not even to break ties by id): with one, Xapian 1.4's match
        # spies over-count on remote shards (bench/xapian_facts.py); ties go by docid
        spies = {}
        if facets:
            for name, slot in FACET_SLOTS.items():
                spies[name] = xapian.ValueCountMatchSpy(slot)
                enquire.add_matchspy(spies[name])
        mset = enquire.get_mset(offset, limit, max(stats.doccount, 1))
        hits = []
        for item in mset:
            doc = item.document
            tiers = int(item.weight // TIER) if item.weight >= TIER and not compiled.by_date \
                else 0
            score = 0.0 if compiled.by_date else item.weight - tiers * TIER
            hits.append(XapianHit(
                doc.get_value(SLOT_ID).decode("utf-8", "surrogatepass"), score, tiers,
                item.docid,
                read_stored(doc) if stored else None))
        total = mset.get_matches_estimated()
        if mset.get_matches_lower_bound() != mset.get_matches_upper_bound():
            raise ArsearchError("the total is an estimate (a bug: every match is counted)")
        return XapianResults(hits, total, {n: _counts(n, s) for n, s in spies.items()},
                             "date" if compiled.by_date else "relevance", expansions)

    def _termfreq(self, t: bytes) -> int:
        """Term frequency over every shard, cached until the next reopen (each is a
        round trip per remote shard)."""
        n = self._termfreqs.get(t)
        if n is None:
            if len(self._termfreqs) > 100_000:
                self._termfreqs.clear()
            n = self._termfreqs[t] = self.db.get_termfreq(t)
        return n

    # -- documents and statistics ----------------------------------------------------------

    def document(self, doc_id: str) -> dict | None:
        """The stored fields of ``doc_id``, or None."""
        def find():
            for posting in self.db.postlist(id_term(doc_id)):
                return read_stored(self.db.get_document(posting.docid))
            return None

        with self._lock:
            return self._retry(find)

    @property
    def doc_count(self) -> int:
        with self._lock:
            return self._retry(self.db.get_doccount)

    # -- errors ---------------------------------------------------------------------------

    def _retry(self, fn):
        """Run ``fn``; after a writer's commit invalidates this reader, reopen once."""
        try:
            return self._call(fn)
        except _Modified:
            self._call(self.db.reopen)
            self._termfreqs.clear()
            return self._call(fn)

    def _call(self, fn):
        try:
            return fn()
        except xapian.DatabaseModifiedError as exc:
            raise _Modified() from exc
        except xapian.NetworkError as exc:
            raise ShardUnavailableError(_named(self.shards, exc), network_reason(exc)) from exc
        except xapian.DatabaseError as exc:
            raise ArsearchError(f"the Xapian index {self.label} cannot be read: {exc}") \
                from exc


class _Modified(Exception):
    """Internal: the database changed under the reader."""


def _counts(name: str, spy) -> dict[str, int]:
    values = [(v.term.decode("utf-8", "replace"), v.termfreq) for v in spy.values()]
    if name == "year":
        return dict(sorted(values, reverse=True))
    return dict(sorted(values, key=lambda kv: (-kv[1], kv[0])))


def open_remote(address: ShardAddress, timeout: float = DEFAULT_TIMEOUT):
    """One shard server as a Database; ShardUnavailableError when it does not answer."""
    ms = max(int(timeout * 1000), 1)
    try:
        return xapian.remote_open(address.host, address.port, ms, ms)
    except xapian.NetworkError as exc:
        raise ShardUnavailableError(str(address), network_reason(exc)) from exc
    except xapian.Error as exc:
        raise ShardUnavailableError(str(address), f"{type(exc).__name__}: {exc}") from exc


def _named(shards: list[ShardAddress], exc: Exception) -> str:
    """The shard an error's context (``remote:tcp(host:port)``) points at."""
    m = _CONTEXT.search(str(exc))
    if m:
        where = m.group(1)
        for a in shards:
            if where in (f"{a.host}:{a.port}", f"[{a.host}]:{a.port}"):
                return str(a)
        return where
    return ", ".join(map(str, shards)) or "?"
