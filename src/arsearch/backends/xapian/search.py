"""Searching a Xapian index: the Xapian backend behind the engine boundary.

A :class:`XapianSearcher` is a local folder (its parts) or the shard servers of a
cluster file opened as one database. Xapian combines the members' statistics (document
count, lengths, term frequencies) before weighting, so a document scores the same
whether its database is one folder or split over servers (tests/test_cluster.py checks
it).

Pruning, only on arsearch's fixed Xapian. A ranked search may stop once Xapian knows its
page (``check_at_least`` the page's end): its weight bounds skip the documents that
cannot enter it, so a common word's every match is not weighed. Debian's Xapian 1.4.22
leaves results out doing so (``AndMaybePostList::next``, turning itself into an AND,
skips one past its optional side's document, which that AND may hold; an OR that turns
into an AND_MAYBE before it started drops its optional side, as the tree of a later part
of a local index does) and dies on an ``OP_MAX`` (a word's synonyms) with no alternative
left (docs/xapian.md, "Pruning drops results"; still so in 1.4.28 and Xapian's main).
``scripts/build_xapian.py`` builds the same library with those fixed; a searcher
prunes only when its own library and every shard server it reads are that build
(:meth:`Members.prunes_exactly`, :mod:`.native`), and never with ``exact_counts``,
explain or date order. Elsewhere every match is weighed and counted. A query with
synonyms runs in the form :func:`~.compile.pruning_safe` gives it, which Debian's
library survives even when every document matches (it raises its minimum weight at the
last one then, and prunes).

Checked pages. Random searches found pruned rankings that credited a document with a
phrase it does not hold (a title phrase, synonyms and a filter; 9.34 where it weighs
4.92). That was Xapian's ``SelectPostList::check``, on every ranking with a phrase,
pruned or not, Debian's library included; the build fixes it (patch 0006, docs/xapian.md,
"A phrase's weight on a document without it"). Each pruned ranking is still weighed
again, its documents alone down to the page's end (at most :data:`CHECKED_DEPTH`), and
ranked over every match if any weight differs (``pruned_pages_redone`` counts them): a
few milliseconds against a defect no search has found yet.

Counting. A search's total is exact unless it was pruned, then up to
:data:`EXACT_UP_TO` matches, and marked an estimate beyond (``Matches.total_exact``),
as with Elasticsearch's ``track_total_hits``. Facets are counted by match spies, which
read one value a facet for every match: most of a search's time when a common word
matches much of the archive (measured at 416,610 articles on 4 shards). So on an index
whose documents hold sample terms, the ranked pass counts no facets, and a second,
boolean pass counts them: over every match when there are at most :data:`EXACT_UP_TO`,
else over the documents of a few sample buckets (``index.sample_term``: an unbiased
sample of about :data:`SAMPLE_SIZE` of the matches), scaled up and marked approximate
(``Matches.facets_exact`` False), as Elasticsearch's ``random_sampler`` aggregation
does. A value the sample missed (a few dozen matches among 100,000) is not listed. The
same pass counts the total of a pruned search: every match when Xapian's bound says at
most EXACT_UP_TO (again, whole, when a sample finds that few), else the sample's count
scaled up. ``exact_counts=True``, and an index written before the sample terms, count
every match's facets and total.

Shards fail. A shard is tried at its address, then at each replica's, in the order of
the cluster file, when the searcher opens and whenever a query finds it gone (replica
failover). One that no address serves is an error naming it
(:class:`ShardUnavailableError`); with ``allow_partial`` the searcher goes on without
it and says so (``partial``, ``missing_shards``), trying it again every
:data:`RETRY_MISSING` seconds: never a silently smaller total.
"""

from __future__ import annotations

import dataclasses
import math
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from arsearch.backends.boundary import Target

from .cluster import Cluster, ShardAddress, read_cluster
from .compile import (
    TIER,
    Compiled,
    Stats,
    by_date,
    compile_query,
    pruning_safe,
    weighting,
)
from .core import (
    ArsearchError,
    Choices,
    DocumentNotFoundError,
    Matches,
    ParsedQuery,
    QueryError,
    ShardUnavailableError,
    Synonyms,
    Weights,
    expand,
    load_synonyms,
    parse_query,
    require_xapian,
)
from .facets import DATES, counts, facet_counts, iso_day, slot_values
from .folder import part_paths, read_meta
from .index import (
    FACET_SLOTS,
    FILTER_PREFIXES,
    PREFIX_TITLE,
    SAMPLE_BUCKETS,
    SLOT_DATE,
    SLOT_DAY,
    SLOT_ID,
    Layout,
    id_term,
    read_stored,
    sample_term,
    term,
)
from .members import (
    DEFAULT_TIMEOUT,
    Member,
    Members,
    cluster_status,
    connect,
    open_part,
    open_remote,
)
from .vocabulary import Vocabulary, word_terms

xapian = require_xapian()
Q = xapian.Query

#: Counting (module docstring): the facets of result sets at most this large are
#: counted over every match; larger ones' in a sample of about SAMPLE_SIZE matches.
EXACT_UP_TO = 10_000
#: Pruned rankings are checked document by document ("Checked pages"); a page ending
#: deeper than this is ranked over every match instead.
CHECKED_DEPTH = 1_000
SAMPLE_SIZE = 10_000
#: A partial searcher tries its missing shards again at most this often (seconds).
RETRY_MISSING = 10.0
MAX_LIMIT = 1000
#: Related articles: the best this many terms of the document (Xapian's expand set).
RELATED_TERMS = 25
RELATED_CANDIDATES = 500
#: Titles read per round (suggestions' dictionary), between which searches run.
TITLES_PAGE = 2000


def _open_parts(paths: Sequence[Path]) -> list[Member]:
    """A local folder's parts opened; if one cannot be, those opened before it are
    closed and the error raised."""
    members: list[Member] = []
    try:
        for p in paths:
            members.append(Member(str(p), path=p, db=open_part(p)))
    except ArsearchError:
        for m in members:
            m.db.close()
        raise
    return members


@dataclass
class XapianRef:
    """A match: its docid in this state and what was read of it with the match."""

    docid: int
    id: str
    data: bytes = field(repr=False)


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


class XapianSearcher(Members):
    """One open Xapian index (local parts, or shards as one). Thread-safe: Xapian objects
    are not, so calls take turns (one searcher per worker process, as the web app keeps
    one engine per process)."""

    def __init__(self, members: Sequence[Member], label: str = "",
                 weights: Weights | None = None, synonyms: Synonyms | None = None, *,
                 allow_partial: bool = False, timeout: float = DEFAULT_TIMEOUT,
                 meta: dict | None = None, folder: Path | None = None,
                 exact_counts: bool = False):
        self.weights = weights or Weights()
        self.exact_counts = exact_counts
        #: pruned pages a check found a wrong weight on, ranked again whole
        #: (module docstring, "Checked pages")
        self.pruned_pages_redone = 0
        self._sampled: bool | None = None  # every document holds a sample term (_sampling)
        self.synonyms = synonyms if synonyms is not None else load_synonyms()
        self.meta = meta or {}
        self.folder = folder
        self._termfreqs: dict[bytes, int] = {}
        self._terms: list[str] | None = None
        self._choices: dict[str, Choices] = {}
        self._days: int | None = None  # the slot month facets count (_day_slot)
        self._generation = 0  # counts the states seen (``state``)
        self._vocabulary = Vocabulary(self)
        self._retried = time.monotonic()
        #: why a local folder's current record could not be followed (None: it was)
        self.stale: str | None = None
        super().__init__(members, label, allow_partial=allow_partial, timeout=timeout)
        self.layout = self._call(self._layout)

    # -- opening ------------------------------------------------------------------------

    def _layout(self) -> Layout:
        """What the index was written with, read from every member: the combined
        database shows the first one's metadata only, and a shard of an older layout
        among current ones (a half-upgraded cluster) must be named, not searched. An
        empty database (a new shard that no writer has touched yet) holds nothing to
        search either way."""
        first, phrases = None, None
        for m in self.members:
            if m.db is None:
                continue
            where = f"shard {m.name}" if m.remote else \
                f"the Xapian index in {self.folder or m.name}"
            read = Layout.read if m.db.get_doccount() else Layout.stored  # stored: None
            found = read(m.db, where, m.remote)  # every member is checked
            if found is not None:
                first = first or found
                # a phrase term serves only if every member writes it
                phrases = found.phrases if phrases is None else phrases & found.phrases
        if first is None:
            return Layout.from_weights(self.weights)
        return dataclasses.replace(first, phrases=phrases or frozenset())

    @classmethod
    def open_local(cls, path: str | os.PathLike, **options) -> XapianSearcher:
        """A local index folder (``arsearch.json`` naming its database and parts), or one
        Xapian database folder."""
        path = Path(path)
        meta = read_meta(path) if path.is_dir() else None
        paths = part_paths(path, meta) if meta else [path]
        return cls(_open_parts(paths), str(path), meta=meta, folder=path, **options)

    @classmethod
    def open_shards(cls, shards: Sequence[ShardAddress] | Cluster,
                    timeout: float = DEFAULT_TIMEOUT, *, allow_partial: bool = False,
                    **options) -> XapianSearcher:
        """Every shard as one database, each at its first address that answers (replicas
        after the primary); ShardUnavailableError names one that none serves, unless
        ``allow_partial``."""
        if isinstance(shards, Cluster):
            members = [Member(s.name, (s.address, *s.replicas)) for s in shards.shards]
        else:
            members = [Member(a.name, (a,)) for a in shards]
        if not members:
            raise ArsearchError("a cluster needs at least one shard")
        for m in members:
            try:
                connect(m, timeout)
            except ShardUnavailableError:
                if not allow_partial:
                    raise
        if all(m.db is None for m in members):
            raise ShardUnavailableError(", ".join(m.name for m in members),
                                        "no shard of the cluster answers")
        label = ", ".join(str(m.addresses[0]) for m in members)
        return cls(members, label, allow_partial=allow_partial, timeout=timeout, **options)

    def reopen(self) -> None:
        """See the latest commit of every member (cheap when nothing changed); a partial
        searcher also tries its missing shards again, at most every RETRY_MISSING s."""
        with self._lock:
            if self.partial and time.monotonic() - self._retried >= RETRY_MISSING:
                self._retried = time.monotonic()
                back = False
                for m in self.members:
                    if m.db is None:
                        try:
                            connect(m, self.timeout)
                            back = True
                        except ShardUnavailableError:
                            pass
                if back:
                    self.db = self._combine()
                    self._forget()
            if self._follow_switch():
                return
            if self._run(self._reopen):
                self._forget()

    def _reopen(self) -> bool:
        """Reopen this database; if a writer switched the folder between the check and
        this reopen and removed the database (a rebuild, a compaction), the one the
        folder names now."""
        try:
            return super()._reopen()
        except xapian.DatabaseOpeningError:  # its files are gone
            if self._follow_switch():
                return True
            raise

    def _follow_switch(self) -> bool:
        """Open the database a local folder now names, if its writer switched it (a
        rebuild, or the compacted copy a large run ends with: store.FolderSession).
        Reopening the old one would serve its last state for ever. A folder caught
        mid-switch (the new database already gone again, its record unreadable) keeps
        what this searcher has until the next reopen, and says so in :meth:`health`."""
        if self.folder is None or not self.meta:
            return False
        try:
            meta = read_meta(self.folder)
            if not meta:
                raise ArsearchError(f"{self.folder} no longer holds a Xapian index")
            self.stale = None
            if (meta["database"], meta["parts"]) == \
                    (self.meta.get("database"), self.meta.get("parts")):
                return False
            members = _open_parts(part_paths(self.folder, meta))
        except ArsearchError as exc:
            self.stale = f"serving the last database read: {exc}"
            return False
        old = self.members
        self.members, self.meta = members, meta
        self.db = self._combine()
        for m in old:
            if m.db is not None:
                m.db.close()
        self._forget()
        self.layout = self._call(self._layout)
        return True

    def refreshed(self) -> XapianSearcher:
        self.reopen()
        return self

    def close(self) -> None:
        self._vocabulary.close()
        with self._lock:
            for m in self.members:
                if m.db is not None:
                    m.db.close()
            self.db.close()

    def __enter__(self) -> XapianSearcher:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _forget(self) -> None:
        """Statistics cached for the previous state."""
        self._termfreqs.clear()
        self._terms = None
        self._choices = {}
        self._days = None
        self._sampled = None
        self._generation += 1

    @property
    def state(self) -> tuple[XapianSearcher, int]:
        """One searcher object reopens in place: its state is itself and the reopens
        that changed something."""
        return self, self._generation

    # -- the backend's match --------------------------------------------------------------

    @property
    def doc_count(self) -> int:
        return self._run(lambda: self.db.get_doccount())

    def match(self, q: ParsedQuery, *, limit: int, offset: int = 0,
              sort: str = "relevance", explain: str | None = None,
              facets: bool = True) -> Matches:
        """See :class:`arsearch.backends.SearchBackend`."""
        return self._run(lambda: self._match(q, limit, offset, sort, explain, facets))

    def _match(self, q: ParsedQuery, limit: int, offset: int, sort: str,
               explain: str | None, facets: bool) -> Matches:
        docid = None
        if explain is not None:
            docid = self._docid(explain)
            if docid is None:
                raise DocumentNotFoundError(f"no document with id {explain!r}")
        stats = self._stats()
        compiled = compile_query(q, self.weights, stats)
        query = compiled.query
        dated = sort == "date" and not compiled.by_date
        if dated:
            query = by_date(compiled, self.weights, stats)
        # Xapian counts in 32 bits: a page past every document (page=10**12, a limit of
        # 2**32) is asked for as the first empty one, never as an overflow
        most = max(stats.doccount, 1)
        count, offset = min(max(limit - offset, 0), most), min(offset, most)
        sample = facets and not self.exact_counts and self._sampling()
        # a ranked OP_MAX is guarded even unpruned: once every document matched, Xapian
        # raises its minimum weight at the last one and prunes (compile.pruning_safe)
        ranked = pruning_safe(query) if count and compiled.best_of else query
        enquire, spies = self._enquire(ranked, facets and not sample)
        if not count:  # nothing to rank (a count, facets): no weight is computed
            enquire.set_weighting_scheme(xapian.BoolWeight())
        # pruned to the page only on a Xapian with arsearch's fixes (module docstring)
        pruned = count > 0 and not spies and not dated and explain is None \
            and offset + count <= CHECKED_DEPTH and self._prunable()
        mset, items, pruned = self._rank(enquire, ranked, offset, count, pruned)
        counted_all = mset.get_matches_lower_bound() == mset.get_matches_upper_bound()
        if not pruned and not counted_all:
            raise ArsearchError("the total is an estimate (a bug: every match is counted)")
        total, counted, exact = mset.get_matches_estimated(), facet_counts(spies), True
        total_exact = counted_all
        if sample:
            counted, exact, total, total_exact = self._facets_of(query, mset)
        refs, scores = [], []
        for item in items:
            doc = item.document
            refs.append(XapianRef(item.docid, doc.get_value(SLOT_ID).decode(
                "utf-8", "surrogatepass"), doc.get_data()))
            scores.append(_score(item.weight, compiled))
        if dated and refs:
            scores = self._relevance(compiled, refs)
        found = Matches(refs, [r.id for r in refs], scores, total, counted,
                        facets_exact=exact, total_exact=total_exact)
        if docid is not None and explain is not None:
            self._explain(found, compiled, docid, id_term(explain))
        return found

    def _every(self) -> int:
        """``check_at_least`` for a pass that weighs and counts every match (module
        docstring, "Pruning")."""
        return max(self.db.get_doccount(), 1)

    def _rank(self, enquire, query, offset: int, count: int,
              prune: bool) -> tuple[Any, list, bool]:
        """A ranked pass: its mset, the items of its page, and whether it was pruned.
        With ``prune``, every result down to the page's end (so that each can be checked)
        and checked (module docstring, "Checked pages"); a ranking with a weight a
        document does not have, and any pass without ``prune``, is ranked over every
        match."""
        if prune:
            mset = enquire.get_mset(0, offset + count, offset + count)
            if self._weighed_right(query, mset):
                return mset, list(mset)[offset:], True
            self.pruned_pages_redone += 1
        mset = enquire.get_mset(offset, count, self._every())
        return mset, list(mset), False

    def _weighed_right(self, query, mset) -> bool:
        """Whether each document of a pruned ranking (every one down to the page's end:
        one weighed too high above the page pushes the right one off it) has the weight
        the ranking gives it: weighed again, just those documents, every match counted
        (an id filter makes the pass small: one more round trip a shard; module
        docstring, "Checked pages")."""
        if not mset.size():
            return True
        truth = self._weights_of(query, [id_term(item.document.get_value(SLOT_ID).decode(
            "utf-8", "surrogatepass")) for item in mset])
        # rounding only: a quoted phrase's tier lifts weights to about 2e6, where a
        # tolerance of 1e-9 of the weight would let 0.002 of a score through
        return all(abs(truth.get(item.docid, -1.0) - item.weight)
                   <= 1e-12 * abs(item.weight) + 1e-9 for item in mset)

    def _prunable(self) -> bool:
        """Whether a ranked pass may stop once Xapian knows its page (module docstring,
        "Pruning"): not with ``exact_counts``, and only when this process's Xapian and
        every shard server read carry arsearch's fixes (:mod:`.native`)."""
        return not self.exact_counts and self.prunes_exactly()

    def _facets_of(self, query, ranked) -> tuple[dict, bool, int, bool]:
        """The facets of ``query``, and its total, from the ranked pass's mset
        ``ranked`` (module docstring, "Counting"): in a boolean pass over every match when
        there are at most EXACT_UP_TO, else over the documents of as many sample buckets
        as hold about SAMPLE_SIZE of them, scaled up. Returns (facets, facets exact,
        total, total exact); a total the ranked pass counted stays exact."""
        upper, estimate = ranked.get_matches_upper_bound(), ranked.get_matches_estimated()
        counted_all = ranked.get_matches_lower_bound() == upper
        buckets = SAMPLE_BUCKETS if upper <= EXACT_UP_TO else self._buckets(max(estimate, 1))
        spies, matched = self._boolean_pass(query, buckets)
        if buckets < SAMPLE_BUCKETS and not counted_all and \
                matched * SAMPLE_BUCKETS / buckets <= EXACT_UP_TO:
            buckets = SAMPLE_BUCKETS  # small after all (Xapian's estimate was high)
            spies, matched = self._boolean_pass(query, buckets)
        if buckets == SAMPLE_BUCKETS:
            return facet_counts(spies), True, matched, True
        scale = SAMPLE_BUCKETS / buckets
        if counted_all:
            return facet_counts(spies, scale), False, estimate, True
        # never outside what the ranked pass saw: a sample's low estimate made the last
        # pages, which hold matches, "beyond the results"
        guess = min(max(round(matched * scale), ranked.get_matches_lower_bound()), upper)
        return facet_counts(spies, scale), False, guess, False

    @staticmethod
    def _buckets(total: int) -> int:
        """Sample buckets holding about SAMPLE_SIZE of ``total`` matches."""
        return max(1, min(SAMPLE_BUCKETS, math.ceil(SAMPLE_BUCKETS * SAMPLE_SIZE / total)))

    def _boolean_pass(self, query, buckets: int) -> tuple[dict, int]:
        """Count ``query``'s matches in the first ``buckets`` sample buckets (all: every
        match), with the facet spies; returns the spies and the matches counted."""
        boolean = Q(Q.OP_SCALE_WEIGHT, query, 0.0)
        if buckets < SAMPLE_BUCKETS:
            boolean = Q(Q.OP_FILTER, boolean,
                        Q(Q.OP_OR, [Q(sample_term(b)) for b in range(buckets)]))
        enquire, spies = self._enquire(boolean, True)
        enquire.set_weighting_scheme(xapian.BoolWeight())
        mset = enquire.get_mset(0, 0, self._every())
        return spies, mset.get_matches_estimated()

    def _sampling(self) -> bool:
        """Every document holds a sample term (an index written since they were added;
        decided once per state, in one round trip a shard)."""
        if self._sampled is None:
            freqs = self._termfreqs_of([sample_term(b) for b in range(SAMPLE_BUCKETS)])
            self._sampled = bool(self.db.get_doccount()) and \
                int(freqs.sum()) == self.db.get_doccount()
        return self._sampled

    def _enquire(self, query, facets: bool):
        enquire = xapian.Enquire(self.db)
        enquire.set_query(query)
        enquire.set_weighting_scheme(weighting(self.weights))
        # no sort by value (not even to break ties by id): with one, Xapian 1.4's match
        # spies over-count on remote shards (bench/xapian_facts.py); ties go by docid
        spies = {}
        if facets:
            # years, months and Hijri months are summed from the counts of each day
            # (facet_counts): a spy costs a value read per match, the year's as much as
            # the day's (about 10 ms a search at 416,610 articles on 4 shards)
            for name, slot in (*FACET_SLOTS.items(), (DATES, self._day_slot())):
                spies[name] = xapian.ValueCountMatchSpy(slot)
                enquire.add_matchspy(spies[name])
        return enquire, spies

    def _day_slot(self) -> int:
        """SLOT_DAY when every dated document has one, else SLOT_DATE (an index written
        before SLOT_DAY, or partly: the same counts from every distinct time, about
        100 ms more for all of 41,661 articles). Decided once per state."""
        if self._days is None:
            self._days = SLOT_DAY if self.db.get_value_freq(SLOT_DAY) == \
                self.db.get_value_freq(SLOT_DATE) else SLOT_DATE
        return self._days

    def _weights_of(self, query, id_terms: list[bytes]) -> dict[int, float]:
        """The weight under ``query`` of each document holding one of ``id_terms``, by
        docid (none for one that does not match): just those documents, weighed whole
        (``check_at_least`` every document, which the id filter makes cheap), in the form
        ``compile.pruning_safe`` gives: Xapian still prunes once every document matched,
        which an ``OP_MAX`` in ``query`` does not survive."""
        enquire, _ = self._enquire(pruning_safe(Q(Q.OP_FILTER, query, Q(
            Q.OP_OR, [Q(t) for t in id_terms]))), False)
        return {item.docid: item.weight
                for item in enquire.get_mset(0, len(id_terms), self._every())}

    def _weight_of(self, query, docid_term: bytes) -> float | None:
        """The weight of the document with ``docid_term`` under ``query`` (None: no match;
        :meth:`_weights_of`)."""
        return next(iter(self._weights_of(query, [docid_term]).values()), None)

    def _relevance(self, compiled: Compiled, refs: list[XapianRef]) -> list[float]:
        """The relevance scores of date-sorted matches (a second pass over just them:
        :meth:`_weights_of`)."""
        by_id = self._weights_of(compiled.query, [id_term(r.id) for r in refs])
        return [_score(by_id[r.docid], compiled) if r.docid in by_id else 0.0 for r in refs]

    def _explain(self, found: Matches, compiled: Compiled, docid: int, key: bytes) -> None:
        """The document's score parts (each clause's weight for it alone), its score and
        its rank (Xapian's order: weight, then docid)."""
        weight = self._weight_of(compiled.query, key)
        weights = [self._weight_of(query, key) or 0.0 for _, query in compiled.parts]
        for spans in compiled.best_of:  # only the best alternative of each counts
            totals = [sum(weights[s]) for s in spans]
            best = max(range(len(spans)), key=totals.__getitem__)
            for i, s in enumerate(spans):
                if i != best:
                    weights[s] = [0.0] * len(weights[s])
        parts = []
        for (part, _query), w in zip(compiled.parts, weights, strict=True):
            if w:
                if part.kind.endswith("tier"):
                    parts.append(part)  # orders the results, adds nothing to the score
                    continue
                part.score = w
                if part.kind in ("stem", "synonym") and part.term and not part.term.startswith("="):
                    part.fields = self._field_shares(docid, part.term)
                parts.append(part)
        found.parts = parts
        if weight is None:
            found.score = float(sum(p.score for p in parts))
            return
        found.score = _score(weight, compiled)
        enquire, _ = self._enquire(compiled.guarded(), False)
        if not compiled.best_of or self.prunes_exactly():
            # a weight cutoff over OP_MAX (a word's synonyms) makes Debian's xapian-tcpsrv
            # 1.4.22 drop the connection (tests/test_backends.py): there those rank over
            # every match. (A cutoff prunes: on Debian's library the rank may, rarely,
            # miss a document above it: module docstring, "Pruning".)
            enquire.set_cutoff(0, weight * (1 - 1e-12))  # the same sum, maybe in another order
        mset = enquire.get_mset(0, max(self.db.get_doccount(), 1))
        for rank, item in enumerate(mset, 1):
            if item.docid == docid:
                found.rank = rank
                break

    def _field_shares(self, docid: int, stem: str) -> dict[str, float]:
        """Each field's share of the stem's frequency (title occurrences count ``title``)."""
        def count(t: bytes) -> int:
            try:
                return sum(1 for _ in self.db.positionlist(docid, t))
            except xapian.RangeError:
                return 0

        title = self.layout.title_wdf * count(term(PREFIX_TITLE + stem))
        body = count(term(stem))
        total = title + body
        if not total:
            return {}
        return {f: v / total for f, v in (("title", title), ("body", body)) if v}

    def _docid(self, doc_id: str) -> int | None:
        for posting in self.db.postlist(id_term(doc_id)):
            return posting.docid
        return None

    def _stats(self) -> Stats:
        return Stats(self.db.get_doccount(), self._termfreq, self._union_freq,
                     self.layout.phrases)

    def _union_freq(self, terms: list[bytes]) -> int:
        """Documents holding any of ``terms``, counted (cached like term frequencies)."""
        key = b"\0".join(terms)
        n = self._termfreqs.get(key)
        if n is None:
            n = self._remember(key, self._any_of(terms).get_mset(0, 0, self._every())
                               .get_matches_estimated())
        return n

    def _termfreq(self, t: bytes) -> int:
        """Term frequency over every member, cached until the next reopen (each is a
        round trip per remote shard)."""
        n = self._termfreqs.get(t)
        if n is None:
            n = self._remember(t, self.db.get_termfreq(t))
        return n

    def _remember(self, key: bytes, n: int) -> int:
        """Cache one frequency for this state (bounded: a state can be long-lived)."""
        if len(self._termfreqs) > 100_000:
            self._termfreqs.clear()
        self._termfreqs[key] = n
        return n

    def _any_of(self, terms: list[bytes]):
        """An unweighted enquire over the documents holding any of ``terms``: its match
        carries every term's statistics, gathered in one round trip per shard."""
        enquire = xapian.Enquire(self.db)
        enquire.set_query(xapian.Query(xapian.Query.OP_OR, [xapian.Query(t) for t in terms]))
        enquire.set_weighting_scheme(xapian.BoolWeight())
        return enquire

    # -- documents ------------------------------------------------------------------------

    def stored(self, ref: XapianRef) -> dict:
        return read_stored(ref.data)

    def document(self, doc_id: str) -> dict | None:
        """The stored fields of ``doc_id``, or None."""
        def find():
            docid = self._docid(doc_id)
            return None if docid is None else read_stored(self.db.get_document(docid).get_data())

        return self._run(find)

    def related(self, doc_id: str, limit: int) -> list[tuple[XapianRef, float]]:
        """Documents sharing the best terms of ``doc_id`` (Xapian's expand set over its
        stems), ranked by BM25."""
        return self._run(lambda: self._related(doc_id, limit))

    def _related(self, doc_id: str, limit: int) -> list[tuple[XapianRef, float]]:
        docid = self._docid(doc_id)
        if docid is None:
            return []
        rset = xapian.RSet()
        rset.add_document(docid)
        enquire = xapian.Enquire(self.db)
        # a term only this document holds finds nothing: keep the best that others share
        terms = []
        for e in enquire.get_eset(RELATED_CANDIDATES, rset, _Stems()):
            if self._termfreq(e.term) > 1:
                terms.append(Q(e.term))
                if len(terms) == RELATED_TERMS:
                    break
        if not terms:
            return []
        query = Q(Q.OP_AND_NOT, Q(Q.OP_OR, terms), Q(id_term(doc_id)))
        enquire, _ = self._enquire(query, False)
        # pruned, and checked, only as a search is (module docstring): Xapian's default
        # (check_at_least 0) prunes on any library
        mset, _, _ = self._rank(enquire, query, 0, limit, self._prunable())
        out = []
        for item in mset:
            doc = item.document
            out.append((XapianRef(item.docid, doc.get_value(SLOT_ID).decode(
                "utf-8", "surrogatepass"), doc.get_data()), item.weight))
        return out

    def choices(self, name: str) -> Choices:
        """Sources and categories as their value slots hold them (a pass over every
        document, once per state); authors as their filter terms (case-folded: the
        filter matches them so)."""
        choices = self._choices.get(name)
        if choices is None:
            choices = self._choices[name] = Choices(self._run(lambda: self._values(name)))
        return choices

    def _values(self, name: str) -> list[str]:
        slot = FACET_SLOTS.get(name)
        if slot is not None:
            return [v.term.decode("utf-8", "replace") for v in slot_values(self.db, slot)]
        prefix = FILTER_PREFIXES[name].encode()
        return [t.term[len(prefix):].decode("utf-8", "replace")
                for t in self.db.allterms(prefix)]

    def titles(self) -> Iterator[tuple[str, str]]:
        """Every document's title, read a page at a time: the lock is taken per page, so
        searches go on while a cluster's titles come in."""
        offset = 0
        while True:
            page = self._run(lambda at=offset: self._titles(at))
            yield from page
            if len(page) < TITLES_PAGE:
                return
            offset += TITLES_PAGE

    def _titles(self, offset: int) -> list[tuple[str, str]]:
        enquire = xapian.Enquire(self.db)
        enquire.set_query(xapian.Query.MatchAll)
        enquire.set_weighting_scheme(xapian.BoolWeight())
        out = []
        for item in enquire.get_mset(offset, TITLES_PAGE):
            stored = read_stored(item.document.get_data())
            out.append((stored.get("id") or "", stored.get("title") or ""))
        return out

    # -- did-you-mean ---------------------------------------------------------------------

    def doc_frequency(self, field: str, text: str) -> int:
        """Documents holding ``text`` anywhere (title and body share one term space here,
        so the title's count is 0: did-you-mean adds the two)."""
        if field == "title":
            return 0
        return self._run(lambda: self._termfreq(term(text)))

    def terms(self, field: str) -> list[str]:
        """The words of the index (title and body share one term space here: the
        title's list is empty), read once per state: a stream of every term that
        starts with a letter, a digit or ``=`` (not the prefixed boolean terms). Over
        shards that is one pass over each shard's term list, paid by the first query
        that needs the vocabulary (a root, a clitic, a Latin name) after a commit."""
        if field == "title":
            return []
        cached = self._terms
        if cached is None:
            cached = self._terms = self._run(lambda: sorted(
                {t.decode("utf-8", "replace") for t in word_terms(self.db)}))
        return cached

    def texts_with(self, field: str, text: str, limit: int) -> list[str]:
        """Title and body share one term space here: the body's texts are the ones
        asked for (the title's list is empty, as in :meth:`doc_frequency`)."""
        if field == "title":
            return []

        def find() -> list[str]:
            enquire = xapian.Enquire(self.db)
            enquire.set_query(xapian.Query(term(text)))
            enquire.set_weighting_scheme(xapian.BoolWeight())
            return [read_stored(item.document.get_data()).get(field) or ""
                    for item in enquire.get_mset(0, limit)]

        return self._run(find)

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray:
        """Locally a lookup is cheap: every term may exist. Over shards each lookup is a
        round trip per shard (hundreds of candidates a word), so candidates are first
        checked against the shards' vocabulary (:class:`Vocabulary`)."""
        if field == "title" or not any(m.remote for m in self.members):
            return np.ones(len(terms), dtype=bool)
        raw = [term(t) for t in terms]
        if self._vocabulary.ready_or_load():
            return self._vocabulary.may_contain(raw)
        # until it is read: every shard's counts of all the candidates in one message
        # (a query's term statistics), so what a query understands (a word's prefixed
        # forms) does not depend on how long the cluster has been open
        return self._run(lambda: self._termfreqs_of(raw)) > 0

    def _termfreqs_of(self, terms: list[bytes]) -> np.ndarray:
        """Term frequencies of ``terms`` over every member, one round trip per shard."""
        if not terms:
            return np.zeros(0, dtype=np.int64)
        mset = self._any_of(terms).get_mset(0, 0)
        return np.fromiter((self._remember(t, mset.get_termfreq(t)) for t in terms),
                           dtype=np.int64, count=len(terms))

    # -- the index --------------------------------------------------------------------------

    def stats(self) -> dict:
        return self._run(self._index_stats)

    def _index_stats(self) -> dict:
        enquire, _ = self._enquire(xapian.Query.MatchAll, False)
        spies = {name: xapian.ValueCountMatchSpy(FACET_SLOTS[name])
                 for name in ("source", "category")}  # not the dates' (every value)
        for spy in spies.values():
            enquire.add_matchspy(spy)
        count = self.db.get_doccount()
        enquire.get_mset(0, 0, max(count, 1))
        lo = self.db.get_value_lower_bound(SLOT_DATE)
        hi = self.db.get_value_upper_bound(SLOT_DATE)
        out = {
            "documents": count,
            "sources": counts("source", spies["source"]),
            "categories": counts("category", spies["category"]),
            "date_from": iso_day(lo), "date_to": iso_day(hi),
            "size_bytes": _folder_size(self.folder) if self.folder else None,
            "created": self.meta.get("created"), "updated": self.meta.get("updated"),
            "backend": "xapian",
            # searched with arsearch's current Xapian build throughout (this process's
            # library and every shard server): else unpruned, and a phrase can be
            # weighed on a document without it (docs/xapian.md)
            "fixed_xapian": self.prunes_exactly(),
        }
        if any(m.remote for m in self.members):
            out["shards"] = self.shard_status()
            out["partial"] = self.partial
        return out

    def shard_status(self) -> list[dict]:
        """Each shard: where it answers (a replica when its primary is down) and its
        documents, or why it is missing."""
        out = []
        for m in self.members:
            entry: dict[str, Any] = {
                "name": m.name, "address": f"{m.addresses[0].host}:{m.addresses[0].port}"
                if m.addresses else str(m.path)}
            if m.db is None:
                entry.update(status="missing", documents=None)
            else:
                entry.update(status="ok" if m.serving in (None, m.addresses[0] if m.addresses
                                                          else None) else "replica",
                             documents=m.db.get_doccount())
                if m.serving is not None:
                    entry["serving"] = f"{m.serving.host}:{m.serving.port}"
                    entry["fixed_xapian"] = m.fixed
            out.append(entry)
        return out

    def health(self) -> dict:
        """A real read of every member (a round trip to every shard)."""
        def probe() -> dict:
            for m in self.members:
                if m.db is not None:
                    if m.remote:
                        m.db.keep_alive()
                    m.db.get_termfreq(b"Q")
            out: dict = {"documents": self.db.get_doccount()}
            if self.partial:
                out.update(partial=True, missing_shards=self.missing_shards)
            if self.stale:
                out.update(stale=True, reason=self.stale)
            return out

        return self._run(probe)

    # -- the prototype's convenience API (tests, bench/xapian_quality.py) -------------------

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

        def run() -> XapianResults:
            compiled = compile_query(parsed, self.weights, self._stats())
            enquire, spies = self._enquire(compiled.guarded(), facets)
            mset = enquire.get_mset(offset, limit, self._every())
            hits = []
            for item in mset:
                doc = item.document
                tiers = 0 if compiled.by_date else int(item.weight // TIER)
                hits.append(XapianHit(doc.get_value(SLOT_ID).decode("utf-8", "surrogatepass"),
                                      _score(item.weight, compiled), tiers, item.docid,
                                      read_stored(doc.get_data()) if stored else None))
            return XapianResults(hits, mset.get_matches_estimated(), facet_counts(spies),
                                 "date" if compiled.by_date else "relevance", expansions)

        return self._run(run)

    def ranked_ids(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents (batch runs, evaluation)."""
        results = self.search(query, 0, limit, facets=False, stored=False)
        return [(h.id, h.score) for h in results.hits]


class _Stems(xapian.ExpandDecider):  # type: ignore[name-defined]
    """Related articles are found by stems: not exact forms (``=``), not the boolean
    and prefixed terms (upper-case prefixes), not numbers."""

    def __call__(self, t: bytes) -> bool:
        return bool(t) and not t[:1].isupper() and not t.startswith(b"=") \
            and not t.isdigit()


def _score(weight: float, compiled: Compiled) -> float:
    """arsearch's score of a match: its weight without the tiers' lifts (0 for the
    newest-first lists of queries without a word to rank by)."""
    if compiled.by_date:
        return 0.0
    return weight - (weight // TIER) * TIER if weight >= TIER else weight


def _folder_size(folder: Path) -> int:
    size = 0
    for root, _, files in os.walk(folder):
        for name in files:
            try:
                size += os.stat(os.path.join(root, name)).st_size
            except FileNotFoundError:
                continue
    return size


def open_xapian(where: Target, weights: Weights, *, allow_partial: bool = False,
                timeout: float | None = None, exact_counts: bool = False) -> XapianSearcher:
    """The searcher of a local Xapian folder or a cluster file (``arsearch.open_index``)."""
    _check_weights(weights)
    timeout = DEFAULT_TIMEOUT if timeout is None else timeout
    if where.is_cluster:
        return XapianSearcher.open_shards(read_cluster(where.path), timeout,
                                          allow_partial=allow_partial, weights=weights,
                                          exact_counts=exact_counts)
    from .folder import require_meta

    require_meta(where.path)
    return XapianSearcher.open_local(where.path, weights=weights, exact_counts=exact_counts)


def _check_weights(weights: Weights) -> None:
    """What the Xapian mapping does not implement (docs/xapian.md) is refused, not
    silently ignored."""
    unmapped = [name for name, on in (("proximity", weights.proximity > 0),
                                      ("recency", weights.recency > 0),
                                      ("prf_max_words", weights.prf_max_words > 0)) if on]
    if unmapped:
        raise ArsearchError(f"the Xapian backend does not implement {', '.join(unmapped)} "
                            "(docs/xapian.md): leave them at 0")
    # a word's other forms are one OP_SYNONYM, whose frequencies Xapian adds unscaled
    scaled = [name for name in ("clitics", "articles") if getattr(weights, name) not in (0, 1)]
    if scaled:
        raise ArsearchError(f"the Xapian backend counts a word's forms whole: "
                            f"{', '.join(scaled)} must be 0 or 1")


__all__ = ["DEFAULT_TIMEOUT", "XapianSearcher", "cluster_status", "open_remote", "open_xapian"]
