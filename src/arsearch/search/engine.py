"""Searching an index: the one API behind the CLI, the web app and Python callers.

``engine = open_index("index/")`` opens the index once; ``engine.search(...)`` answers
queries with ranked, highlighted hits, facet counts and a did-you-mean suggestion;
``engine.explain(...)`` says why a document has its score. The engine reads one
committed state of the index at a time (a backend's reader, :mod:`arsearch.backends`)
and moves to a newer one when a writer commits; readers never block on writers.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from pathlib import Path

import numpy as np

from arsearch.analysis import is_exact
from arsearch.backends import IndexReader, guard, open_reader
from arsearch.errors import ArsearchError, DocumentNotFoundError
from arsearch.search.bm25 import BM25F
from arsearch.search.complete import CompletionCache, Suggestion
from arsearch.search.expand import expand
from arsearch.search.facets import (
    Column,
    date_key,
    freshness,
    hijri_months,
    key_date,
    months,
    years,
)
from arsearch.search.labels import load_labels
from arsearch.search.query import ParsedQuery, parse_query
from arsearch.search.requests import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    body_window,
    check_request,
    display_title,
    effective_sort,
    naive_utc,
)
from arsearch.search.results import Explanation, Hit, Results
from arsearch.search.scoring import Scored, Scorer, top
from arsearch.search.snippets import highlight_all, snippet
from arsearch.search.weights import Weights

__all__ = ["MAX_PER_PAGE", "MAX_QUERY_CHARS", "Engine", "open_index"]

#: Related articles are found from at most this many characters of an article: the
#: key terms of a whole book (an archive may hold one) took seconds to compute.
RELATED_SCAN_CHARS = 50_000
FACETS = ("source", "category", "author")


@dataclass
class _State:
    """One committed state of the index with what the engine computed for it once."""

    reader: IndexReader
    bm25: BM25F
    columns: dict[str, Column]
    years: Column
    months: Column
    hijri_months: Column

    @classmethod
    def of(cls, reader: IndexReader, weights: Weights) -> _State:
        return cls(reader, BM25F(reader, weights),
                   {name: Column(reader.facet_values[name]) for name in FACETS},
                   Column([str(y) if y else "" for y in years(reader.dates).tolist()]),
                   Column(months(reader.dates)), Column(hijri_months(reader.dates)))


def _reads_index(method):
    """Errors raised while decoding index files become IndexDamagedError (the backend's
    :func:`~arsearch.backends.guard` decides which are; any other is a bug and
    propagates unchanged)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with guard(self.folder):
            return method(self, *args, **kwargs)

    return wrapper


class Engine:
    """An open index. Thread-safe; keep one per process and reuse it."""

    def __init__(self, folder: str | os.PathLike, weights: Weights | None = None,
                 refresh_every: float = 1.0, synonyms: str | os.PathLike | None = None,
                 expand_synonyms: bool = True):
        """``synonyms``: an extra synonyms file; ``<folder>/synonyms.txt`` is read too.
        Facet values' display names: the bundled ones and ``<folder>/labels.txt``."""
        from arsearch.analysis.synonyms import load_synonyms

        self.folder = Path(folder)
        self.weights = weights or Weights()
        self.synonyms = load_synonyms(self.folder / "synonyms.txt", synonyms) \
            if expand_synonyms else None
        self.labels = load_labels(self.folder / "labels.txt")
        self.refresh_every = refresh_every
        self._state = _State.of(open_reader(self.folder), self.weights)
        self._checked = time.monotonic()
        self._failed: ArsearchError | None = None
        self._refresh_lock = threading.Lock()
        self._completions = CompletionCache()

    # -- lifecycle --------------------------------------------------------------------

    def refresh(self) -> None:
        """Pick up commits made since the index was opened (cheap when there are none)."""
        with self._refresh_lock:
            try:
                # the old state closes its files when the last thread drops it
                reader = self._state.reader.refreshed()
                if reader is not self._state.reader:
                    self._state = _State.of(reader, self.weights)
                self._failed = None
            except ArsearchError as exc:
                self._failed = exc
                raise
            finally:
                self._checked = time.monotonic()

    def _current(self) -> _State:
        if time.monotonic() - self._checked >= self.refresh_every:
            self.refresh()
        elif self._failed is not None:
            # a damaged index: opening it costs as much as a healthy one, so every
            # request must not try again; once per refresh interval is enough
            raise type(self._failed)(*self._failed.args)
        return self._state

    @_reads_index
    def health(self) -> dict:
        """For monitoring: the document count, or IndexDamagedError with the reason
        (cheap: the backend's own check, plus a real read of every segment)."""
        state = self._current()
        state.reader.probe()
        return {"documents": state.reader.doc_count}

    def close(self) -> None:
        self._state.reader.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def doc_count(self) -> int:
        return self._current().reader.doc_count

    @property
    def reader(self) -> IndexReader:
        """The committed state searches read now (refreshed as usual): for tools and
        tests that need the index's arrays, e.g. ``BM25F(engine.reader)``."""
        return self._current().reader

    # -- searching ----------------------------------------------------------------------

    @_reads_index
    def search(
        self,
        query: str,
        page: int = 1,
        per_page: int = 10,
        *,
        source: str | list[str] | None = None,
        category: str | list[str] | None = None,
        author: str | list[str] | None = None,
        date_from: datetime | None = None,
        date_to: datetime | None = None,
        snippets: bool = True,
        sort: str = "relevance",
    ) -> Results:
        """Search; ``date_to`` is inclusive of that day. Raises QueryError on bad arguments."""
        started = time.perf_counter()
        check_request(query, page, per_page, sort)
        state = self._current()
        parsed = parse_query(query)
        expansions = expand(self.synonyms, parsed, self.weights.synonyms) \
            if self.synonyms else []
        for name, value in (("source", source), ("category", category), ("author", author)):
            if value:
                parsed.filters.setdefault(name, []).extend(
                    [value] if isinstance(value, str) else list(value))
        date_from, date_to = naive_utc(date_from, "date_from"), naive_utc(date_to, "date_to")
        if date_from:
            parsed.date_from = max(filter(None, (parsed.date_from, date_from)))
        if date_to:
            end = date_to if (date_to.hour, date_to.minute, date_to.second) != (0, 0, 0) \
                else date_to.replace(hour=23, minute=59, second=59, microsecond=999999)
            parsed.date_to = min(filter(None, (parsed.date_to, end)))
        scored = self._score(state, parsed)
        scores, mask = scored.scores, scored.mask
        sort = effective_sort(parsed, sort)
        total = int(mask.sum())
        matching = np.flatnonzero(mask)  # index once, count three columns
        facets = {name: state.columns[name].counts(matching) if not parsed.filters.get(name)
                  else self._counts_without(state, parsed, name)
                  for name in ("source", "category")}
        # time facets of a date-filtered search count as if it were not (the other
        # periods stay visible and choosable), like a filtered source or category
        timed = matching if parsed.date_from is None and parsed.date_to is None else \
            np.flatnonzero(self._score(state, dataclasses.replace(
                parsed, date_from=None, date_to=None)).mask)
        facets["year"] = dict(sorted(state.years.counts(timed).items(), reverse=True))
        facets["month"] = dict(sorted(state.months.counts(timed).items(), reverse=True))
        facets["hijri_month"] = dict(sorted(state.hijri_months.counts(timed).items(),
                                            reverse=True))
        start = (page - 1) * per_page
        order = top(scores, mask, start + per_page, by_date=sort == "date",
                    dates=state.reader.dates)
        docnums = order[start:start + per_page]
        terms = parsed.highlight_terms() if snippets else None
        hits = [self._hit(state, int(d), float(scores[d]), terms) for d in docnums]
        suggestion = self._suggest(state, query, parsed, total)
        return Results(query, hits, total, page, per_page, facets, suggestion,
                       (time.perf_counter() - started) * 1000, expansions, sort)

    @_reads_index
    def ranked_ids(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents: batch retrieval without snippets."""
        state = self._current()
        parsed = parse_query(query)
        if self.synonyms:
            expand(self.synonyms, parsed, self.weights.synonyms)
        scored = self._score(state, parsed)
        by_date = effective_sort(parsed, "relevance") == "date"
        return [(state.reader.ids[d], float(scored.scores[d]))
                for d in top(scored.scores, scored.mask, limit, by_date=by_date,
                             dates=state.reader.dates)]

    @_reads_index
    def explain(self, query: str, doc_id: str) -> Explanation:
        """Why ``doc_id`` scores what it scores for ``query``, part by part.

        The parts are the very additions search makes (:class:`scoring.Sheet`), so they
        add up to the score ``search`` gives the same document. Raises QueryError for a
        bad query and DocumentNotFoundError for an unknown id.
        """
        check_request(query, 1, 1, "relevance")
        state = self._current()
        docnum = state.reader.docnum_of.get(doc_id)
        if docnum is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        parsed = parse_query(query)
        if self.synonyms:
            expand(self.synonyms, parsed, self.weights.synonyms)
        scored = self._score(state, parsed, explain=docnum)
        scores, mask = scored.scores, scored.mask
        score = float(scores[docnum])
        matches = bool(mask[docnum])
        rank = None
        if matches:
            ahead = mask & ((scores > scores[docnum])
                            | ((scores == scores[docnum]) & (np.arange(len(scores)) < docnum)))
            rank = int(ahead.sum()) + 1
        return Explanation(doc_id, query, score, matches, rank, int(mask.sum()), scored.parts)

    def _scorer(self, state: _State) -> Scorer:
        reader = state.reader

        def texts(docnums: np.ndarray) -> list[str]:
            stored = [reader.stored(int(d)) for d in docnums]
            return [f"{s.get('title') or ''}\n{s.get('body') or ''}" for s in stored]

        return Scorer(state.bm25, self.weights, texts,
                      lambda: freshness(reader.dates, self.weights.recency_half_life))

    def _allowed(self, state: _State, q: ParsedQuery) -> np.ndarray:
        """Live documents within the query's filters (sources, categories, dates)."""
        dates = state.reader.dates
        mask = state.reader.live.copy()
        for name, values in q.filters.items():
            column = state.columns[name]
            mask &= column.mask([v for w in values
                                 for v in column.select(w, self.labels.namer(name))])
        if q.date_from is not None:
            mask &= dates >= date_key(q.date_from)
        if q.date_to is not None:
            mask &= (dates >= 0) & (dates < date_key(q.date_to))
        return mask

    def _counts_without(self, state: _State, q: ParsedQuery, name: str) -> dict[str, int]:
        """A filtered facet's counts as if it were not: the values a reader may add to
        the selection (OR within a facet, AND across), each with the results it adds."""
        loose = dataclasses.replace(q, filters={k: v for k, v in q.filters.items()
                                                if k != name})
        return state.columns[name].counts(self._score(state, loose).mask)

    def _score(self, state: _State, q: ParsedQuery, explain: int | None = None) -> Scored:
        return self._scorer(state).score(q, self._allowed(state, q), explain)

    def _hit(self, state: _State, docnum: int, score: float,
             terms: tuple[set[str], set[str]] | None) -> Hit:
        """A hit with snippets marking ``terms`` (stems, norms); None: no snippets."""
        stored = state.reader.stored(docnum)
        title = display_title(stored.get("title") or "")
        body = stored.get("body") or ""
        return Hit(
            id=stored["id"], title=title, date=stored.get("date"),
            source=stored.get("source"), category=stored.get("category"),
            author=stored.get("author"), url=stored.get("url"), score=score,
            snippet=snippet(body, *terms) if terms else "",
            title_html=highlight_all(title, *terms) if terms else "",
            docnum=docnum,
        )

    # -- documents ---------------------------------------------------------------------

    @_reads_index
    def document(self, doc_id: str, query: str = "", *, start: int = 0,
                 length: int | None = None) -> dict | None:
        """The stored document (with ``body_html`` highlighted for ``query``), or None.

        ``start`` and ``length`` ask for a part of the body (characters; the end moves
        back to a space so no word is cut): the web sends a long article in parts, and
        highlighting costs time in proportion to what is highlighted. ``body`` and
        ``body_html`` then hold that part only; ``body_start``, ``body_end`` and
        ``body_length`` (the whole body's) say where it lies. Raises QueryError for a
        start past the end.
        """
        state = self._current()
        docnum = state.reader.docnum_of.get(doc_id)
        if docnum is None:
            return None
        stored = state.reader.stored(docnum)
        body = stored.get("body") or ""
        first, last = body_window(body, start, length)
        stems, norms = parse_query(query).highlight_terms()
        stored["title"] = display_title(stored.get("title") or "")
        stored["title_html"] = highlight_all(stored["title"], stems, norms)
        stored["body"] = body[first:last]
        stored["body_html"] = highlight_all(stored["body"], stems, norms)
        stored["body_start"], stored["body_end"], stored["body_length"] = first, last, len(body)
        stored.pop("path", None)
        return stored

    @_reads_index
    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Related articles: the document's key terms (the backend's), ranked by BM25."""
        state = self._current()
        docnum = state.reader.docnum_of.get(doc_id)
        if docnum is None:
            return []
        reader = state.reader
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
            state.bm25.add_scores(scores, "body", key, 1.0)
        mask = reader.live & (scores > 0)
        mask[docnum] = False
        return [self._hit(state, int(d), float(scores[d]), None)
                for d in top(scores, mask, limit)]

    # -- suggestions ----------------------------------------------------------------------

    def _suggest(self, state: _State, query: str, q: ParsedQuery, total: int) -> str | None:
        """Did-you-mean: replace unknown or rare words by a frequent close spelling."""
        from arsearch.search.suggest import suggest

        return suggest(state.reader, query, q, total, state.reader)

    @_reads_index
    def complete(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Suggestions as you type: completions of ``text`` from the titles' words, word
        pairs and titles (:mod:`arsearch.search.complete`); [] while a large archive's
        dictionary is first being built."""
        reader = self._current().reader

        def titles() -> Iterator[tuple[str, str]]:
            for d in np.flatnonzero(reader.live).tolist():
                yield reader.ids[d], display_title(reader.stored(d).get("title") or "")

        completions = self._completions.get(reader, titles, reader.doc_count)
        return completions.complete(text, limit) if completions is not None else []

    # -- statistics ------------------------------------------------------------------------

    @_reads_index
    def stats(self) -> dict:
        """Counts and facts about the index, as ``arsearch stats`` shows them."""
        state = self._current()
        reader = state.reader
        dated = reader.dates[reader.live & (reader.dates >= 0)]
        info = reader.info()
        return {
            "documents": reader.doc_count,
            "sources": state.columns["source"].counts(reader.live),
            "categories": state.columns["category"].counts(reader.live),
            "date_from": key_date(int(dated.min())).date().isoformat() if dated.size else None,
            "date_to": key_date(int(dated.max())).date().isoformat() if dated.size else None,
            "size_bytes": info.get("size_bytes"),
            "created": info.get("created"),
            "updated": info.get("updated"),
            "index": str(self.folder),
        }


def open_index(folder: str | os.PathLike = "index", **options) -> Engine:
    """Open the index in ``folder`` for searching (raises IndexNotFoundError if none)."""
    return Engine(folder, **options)
