"""The Whoosh backend behind the engine boundary: the NumPy path over one folder.

A :class:`WhooshBackend` is one committed state of a Whoosh index
(:class:`~arsearch.backends.whoosh.reader.WhooshReader`) with what is computed once for
it: the BM25F arithmetic over its posting lists (:class:`~arsearch.search.bm25.BM25F`)
and facet columns. A match scores every allowed document into a dense vector with the
shared ranking policy (:class:`~arsearch.search.scoring.Scorer`), then counts, facets
and cuts the best from it; references are docnums.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import islice
from pathlib import Path

import numpy as np

from arsearch.analysis import is_exact
from arsearch.backends.boundary import Matches
from arsearch.backends.whoosh.reader import WhooshReader, open_reader
from arsearch.errors import DocumentNotFoundError
from arsearch.search.bm25 import BM25F
from arsearch.search.facets import (
    Column,
    date_key,
    freshness,
    hijri_months,
    key_date,
    months,
    years,
)
from arsearch.search.query import ParsedQuery
from arsearch.search.scoring import Scorer, rank_of, top
from arsearch.search.weights import Weights

#: Related articles are found from at most this many characters of an article: the
#: key terms of a whole book (an archive may hold one) took seconds to compute.
RELATED_SCAN_CHARS = 50_000
FACETS = ("source", "category", "author")


class WhooshBackend:
    """One committed state of a Whoosh index, searched with NumPy. Thread-safe: the
    reader guards Whoosh's objects, the arrays are only read once built."""

    partial = False  # one folder: all or nothing
    missing_shards: tuple[str, ...] = ()

    def __init__(self, reader: WhooshReader, weights: Weights):
        self.reader = reader
        self.weights = weights
        self.bm25 = BM25F(reader, weights)
        self.columns = {name: Column(reader.facet_values[name]) for name in FACETS}
        self.years = Column([str(y) if y else "" for y in years(reader.dates).tolist()])
        self.months = Column(months(reader.dates))
        self.hijri_months = Column(hijri_months(reader.dates))

    @property
    def state(self) -> WhooshBackend:
        return self  # a new backend for every state (refreshed)

    @property
    def doc_count(self) -> int:
        return self.reader.doc_count

    # -- matching -----------------------------------------------------------------------

    def match(self, q: ParsedQuery, *, limit: int, offset: int = 0,
              sort: str = "relevance", explain: str | None = None,
              facets: bool = True) -> Matches:
        docnum = None
        if explain is not None:
            docnum = self.reader.docnum_of.get(explain)
            if docnum is None:
                raise DocumentNotFoundError(f"no document with id {explain!r}")
        scored = self._scorer().score(q, self._allowed(q), docnum)
        scores, mask = scored.scores, scored.mask
        counts: dict[str, dict[str, int]] = {}
        if facets:
            matching = np.flatnonzero(mask)  # index once, count every column
            counts = {name: self.columns[name].counts(matching)
                      for name in ("source", "category")}
            for name, column in (("year", self.years), ("month", self.months),
                                 ("hijri_month", self.hijri_months)):
                counts[name] = dict(sorted(column.counts(matching).items(), reverse=True))
        order = top(scores, mask, limit, by_date=sort == "date",
                    dates=self.reader.dates)[offset:].tolist()
        ids = self.reader.ids
        found = Matches(order, [ids[d] for d in order], [float(scores[d]) for d in order],
                        int(mask.sum()), counts)
        if docnum is not None:
            found.parts, found.score = scored.parts, float(scores[docnum])
            if mask[docnum]:  # the place the list above gives it
                found.rank = rank_of(docnum, scores, mask, sort == "date", self.reader.dates)
        return found

    def _scorer(self) -> Scorer:
        reader = self.reader

        def texts(docnums: np.ndarray) -> list[str]:
            stored = [reader.stored(int(d)) for d in docnums]
            return [f"{s.get('title') or ''}\n{s.get('body') or ''}" for s in stored]

        return Scorer(self.bm25, self.weights, texts,
                      lambda: freshness(reader.dates, self.weights.recency_half_life))

    def _allowed(self, q: ParsedQuery) -> np.ndarray:
        """Live documents within the query's filters (sources, categories, dates) and
        outside its excluded ones (``-source:X``, ``-date:2018``)."""
        dates = self.reader.dates
        mask = self.reader.live.copy()
        for name, values in q.filters.items():
            mask &= self.columns[name].mask(values)
        if q.date_from is not None:
            mask &= dates >= date_key(q.date_from)
        if q.date_to is not None:
            mask &= (dates >= 0) & (dates < date_key(q.date_to))
        for name, values in q.excluded_filters.items():
            mask &= ~self.columns[name].mask(values)
        for lo, hi in q.excluded_dates:
            inside = dates >= (date_key(lo) if lo is not None else 0)  # undated: -1
            if hi is not None:
                inside &= dates < date_key(hi)
            mask &= ~inside
        return mask

    # -- documents ------------------------------------------------------------------------

    def stored(self, ref: int) -> dict:
        return self.reader.stored(int(ref))

    def document(self, doc_id: str) -> dict | None:
        docnum = self.reader.docnum_of.get(doc_id)
        return None if docnum is None else self.reader.stored(docnum)

    def related(self, doc_id: str, limit: int) -> list[tuple[int, float]]:
        """The document's key terms (Whoosh's, Bo1), ranked by BM25 over the body."""
        reader = self.reader
        docnum = reader.docnum_of.get(doc_id)
        if docnum is None:
            return []
        body = reader.stored(docnum).get("body") or ""
        # every word is indexed twice (stem and =exact form) and the exact forms, rarer,
        # crowd the top of the key terms: keep the 25 best stems that occur in some
        # other document too, from a bounded start of the text (a book takes seconds)
        terms = reader.key_terms("body", body[:RELATED_SCAN_CHARS], 10**6) if body else []
        keys = list(islice((t for t in terms if not is_exact(t)
                            and reader.doc_frequency("body", t) > 1), 25))
        if not keys:
            return []
        scores = np.zeros(reader.size, dtype=np.float32)
        for key in keys:
            self.bm25.add_scores(scores, "body", key, 1.0)
        mask = reader.live & (scores > 0)
        mask[docnum] = False
        return [(int(d), float(scores[d])) for d in top(scores, mask, limit)]

    def choices(self, name: str) -> Column:
        return self.columns[name]

    def titles(self) -> Iterator[tuple[str, str]]:
        reader = self.reader
        for d in np.flatnonzero(reader.live).tolist():
            yield reader.ids[d], reader.stored(d).get("title") or ""

    # -- did-you-mean ---------------------------------------------------------------------

    def doc_frequency(self, field: str, term: str) -> int:
        return self.reader.doc_frequency(field, term)

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray:
        return self.reader.may_contain(field, terms)

    def terms(self, field: str) -> list[str]:
        return self.reader.terms(field)

    def texts_with(self, field: str, term: str, limit: int) -> list[str]:
        reader = self.reader
        ids = reader.postings(field, term)[0]
        return [reader.stored(d).get(field) or "" for d in ids[reader.live[ids]][:limit].tolist()]

    # -- the index --------------------------------------------------------------------------

    def stats(self) -> dict:
        reader = self.reader
        dated = reader.dates[reader.live & (reader.dates >= 0)]
        info = reader.info()
        return {
            "documents": reader.doc_count,
            "sources": self.columns["source"].counts(reader.live),
            "categories": self.columns["category"].counts(reader.live),
            "date_from": key_date(int(dated.min())).date().isoformat() if dated.size else None,
            "date_to": key_date(int(dated.max())).date().isoformat() if dated.size else None,
            "size_bytes": info.get("size_bytes"),
            "created": info.get("created"),
            "updated": info.get("updated"),
        }

    def health(self) -> dict:
        """The reader's own check, plus a real read of every segment."""
        self.reader.probe()
        return {"documents": self.reader.doc_count}

    def refreshed(self) -> WhooshBackend:
        reader = self.reader.refreshed()
        # the old state closes its files when the last thread drops it
        return self if reader is self.reader else WhooshBackend(reader, self.weights)

    def close(self) -> None:
        self.reader.close()


def open_whoosh(folder: Path, weights: Weights) -> WhooshBackend:
    """The current state of the Whoosh index in ``folder``."""
    return WhooshBackend(open_reader(folder), weights)
