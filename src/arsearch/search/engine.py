"""Searching an index: the one API behind the CLI, the web app and Python callers.

``engine = open_index("index/")`` opens the index once; ``engine.search(...)`` answers
queries with ranked, highlighted hits, facet counts and a did-you-mean suggestion. The
engine keeps one Whoosh searcher and refreshes it when a writer commits.
"""

from __future__ import annotations

import functools
import os
import threading
import time
import weakref
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import compress
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long, long_to_datetime

import arsearch.backends.whoosh.generations as storage
import arsearch.backends.whoosh.integrity as integrity
from arsearch.analysis import EXACT
from arsearch.backends.whoosh.segments import SegmentCache
from arsearch.errors import ArsearchError, DocumentNotFoundError, QueryError
from arsearch.search.bm25 import Ranker, Weights
from arsearch.search.expand import expand
from arsearch.search.query import ParsedQuery, parse_query
from arsearch.search.scoring import Explanation, Scored, Scorer, top
from arsearch.search.snippets import highlight_all, snippet

MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
#: Titles are shown (in hits, on the article page, in the JSON) up to this many
#: characters: a plain-text file without line breaks makes its whole text the title,
#: and a 5 MB title was sent in every result list and front page that showed it.
MAX_TITLE_CHARS = 300
#: Related articles are found from at most this many characters of an article: the
#: key terms of a whole book (an archive may hold one) took seconds to compute.
RELATED_SCAN_CHARS = 50_000


@dataclass
class Hit:
    """One search result. ``snippet`` and ``title_html`` are escaped HTML with <mark>."""

    id: str
    title: str
    date: datetime | None
    source: str | None
    category: str | None
    author: str | None
    url: str | None
    score: float
    snippet: str = ""
    title_html: str = ""
    docnum: int = field(default=-1, repr=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "author": self.author,
            "url": self.url, "score": round(self.score, 4), "snippet_html": self.snippet,
            "title_html": self.title_html,
        }


@dataclass
class Results:
    """A page of results with the total, facet counts and a spelling suggestion."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    took_ms: float
    expansions: list[str] = field(default_factory=list)  # "also searched for"
    #: "relevance" or "date" (newest first): a query without a word to score (only stop
    #: words, filters or exclusions) is sorted by date, whatever was asked
    sorted_by: str = "relevance"

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion, "expansions": self.expansions,
            "sorted_by": self.sorted_by,
            "facets": self.facets,
            "hits": [h.to_dict() for h in self.hits],
        }


class _Column:
    """A facet column as integer codes per document, plus the distinct values."""

    def __init__(self, values: list):
        self.values: list[str] = []
        index: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, v in enumerate(values):
            v = v or ""
            code = index.get(v)
            if code is None:
                code = index[v] = len(self.values)
                self.values.append(v)
            codes[i] = code
        self.codes = codes
        self.index = index

    def mask(self, wanted: list[str]) -> np.ndarray:
        lowered = {w.casefold() for w in wanted}
        codes = [c for v, c in self.index.items() if v and v.casefold() in lowered]
        return np.isin(self.codes, codes)

    def counts(self, selection: np.ndarray) -> dict[str, int]:
        """Value counts among ``selection`` (a boolean mask or docnums)."""
        counts = np.bincount(self.codes[selection], minlength=len(self.values))
        order = np.argsort(-counts, kind="stable")
        return {self.values[i]: int(counts[i]) for i in order if counts[i] and self.values[i]}


class _Generation:
    """Everything opened for one committed state of the index.

    Opening reads index files only: any failure here is checked against the recorded
    checksums (:func:`integrity.blame`) and reported as a damaged index when it is one.
    """

    def __init__(self, folder: Path, weights: Weights, segments: SegmentCache | None = None):
        meta = storage.require_meta(folder)
        self.indexname = meta["indexname"]
        self.segments = segments if segments is not None else SegmentCache()
        self.lock = threading.RLock()
        self.vocabulary = None  # spelling candidates' filter, read on first need
        try:
            with integrity.reading(folder, opening=True):
                findings = integrity.check_sizes(folder, self.indexname)
                if findings:
                    raise integrity.damaged(folder, findings)
                self.ix, reader = integrity.open_reader(folder, self.indexname)
                self.searcher = Searcher(reader, fromindex=self.ix)
                # close the files when the last thread using this generation lets go
                self.close = weakref.finalize(self, self.searcher.close)
                self._load(weights)
        except BaseException:
            if hasattr(self, "close"):
                self.close()
            raise

    def probe(self) -> None:
        """Read something real from every segment: its last stored document."""
        with self.lock:
            for leaf, _ in self.searcher.reader().leaf_readers():
                if leaf.doc_count_all():
                    leaf.stored_fields(leaf.doc_count_all() - 1)

    def _load(self, weights: Weights) -> None:
        reader = self.searcher.reader()
        n = reader.doc_count_all()
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if n else []
        self.segments.keep(leaves)
        self.ranker = Ranker(reader, weights, segments=self.segments)
        self.ranker._lock = self.lock

        def column(name):
            # per segment: Whoosh's MultiReader.column_reader skips segments that have
            # no column file for the field (no document there had a value), which
            # shifts every later value onto the wrong document
            values: list = []
            for leaf in leaves:
                values.extend(self.segments.get(
                    leaf, f"column:{name}", lambda leaf=leaf: list(leaf.column_reader(name))))
            return values

        self.ids = column("id")
        self.docnum_of = dict(compress(zip(self.ids, range(n), strict=True),
                                       self.ranker.live.tolist()))
        self.columns = {name: _Column(column(name)) for name in ("source", "category", "author")}
        # Whoosh stores a missing date as an out-of-range column default: keep -1 instead
        lo, hi = integrity.DATES

        def dates(leaf) -> np.ndarray:
            values = leaf.column_reader("date", translate=False)
            return np.asarray([v if lo < v < hi else -1 for v in values], dtype=np.int64)

        self.dates = np.concatenate(
            [self.segments.get(leaf, "dates", lambda leaf=leaf: dates(leaf)) for leaf in leaves]
            or [np.zeros(0, np.int64)])
        self.years = _Column([str(y) if y else "" for y in _years(self.dates).tolist()])
        # a truncated date or length column reads as "no value": checked once a segment
        findings = [f for leaf in leaves for f in self.segments.get(
            leaf, "checked", lambda leaf=leaf: integrity.check_last_documents([leaf]))]
        if findings:
            raise integrity.Inconsistent(findings)

    def refreshed(self, folder: Path, weights: Weights) -> _Generation:
        """This generation if still current, else a newer one."""
        meta = storage.read_meta(folder)
        if meta is not None and meta["indexname"] == self.indexname:
            with self.lock:
                if self.searcher.up_to_date():
                    return self
        # Not Whoosh's searcher.refresh(): its reader keeps the segments a merge replaced
        # (documents counted twice) and shares open files with this generation.
        return _open_generation(folder, weights, self.segments)


def _open_generation(folder: Path, weights: Weights,
                     segments: SegmentCache | None = None) -> _Generation:
    """Open the current generation, again if a writer committed meanwhile.

    A commit deletes the files of merged segments and a rebuild switches generations:
    an open that raced with either fails on files that are legitimately gone.
    """
    for attempt in range(3):
        before = integrity.folder_key(folder)
        try:
            return _Generation(folder, weights, segments)
        except ArsearchError:
            if attempt == 2 or integrity.folder_key(folder) == before:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


def _reads_index(method):
    """Errors raised while decoding index files become IndexDamagedError.

    Only errors that passed through Whoosh's readers or arsearch's decoders, and only
    when the checksums cannot vouch for the files (:func:`integrity.blame`): any other
    exception is a bug and propagates unchanged.
    """

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with integrity.reading(self.folder):
            return method(self, *args, **kwargs)

    return wrapper


class Engine:
    """An open index. Thread-safe; keep one per process and reuse it."""

    def __init__(self, folder: str | os.PathLike, weights: Weights | None = None,
                 refresh_every: float = 1.0, synonyms: str | os.PathLike | None = None,
                 expand_synonyms: bool = True):
        """``synonyms``: an extra synonyms file; ``<folder>/synonyms.txt`` is read too."""
        from arsearch.analysis.synonyms import load_synonyms

        self.folder = Path(folder)
        self.weights = weights or Weights()
        self.synonyms = load_synonyms(self.folder / "synonyms.txt", synonyms) \
            if expand_synonyms else None
        self.refresh_every = refresh_every
        self._gen = _open_generation(self.folder, self.weights)
        self._checked = time.monotonic()
        self._failed: ArsearchError | None = None
        self._refresh_lock = threading.Lock()

    # -- lifecycle --------------------------------------------------------------------

    def refresh(self) -> None:
        """Pick up commits made since the index was opened (cheap when there are none)."""
        with self._refresh_lock:
            try:
                # the old generation closes its files when the last thread drops it
                self._gen = self._gen.refreshed(self.folder, self.weights)
                self._failed = None
            except ArsearchError as exc:
                self._failed = exc
                raise
            finally:
                self._checked = time.monotonic()

    def _current(self) -> _Generation:
        if time.monotonic() - self._checked >= self.refresh_every:
            self.refresh()
        elif self._failed is not None:
            # a damaged index: opening it costs as much as a healthy one, so every
            # request must not try again; once per refresh interval is enough
            raise type(self._failed)(*self._failed.args)
        return self._gen

    @_reads_index
    def health(self) -> dict:
        """For monitoring: the document count, or IndexDamagedError with the reason.

        Cheap: the files recorded for the current state on disk are compared by size
        (by checksum when a failed search already computed them), and the last stored
        document of every segment the engine serves is read.
        """
        gen = self._current()
        verdict = integrity.known_verdict(self.folder)
        if verdict is not None and verdict.findings:
            raise integrity.damaged(self.folder, verdict.findings)
        indexname = storage.require_meta(self.folder)["indexname"]
        findings = integrity.check_sizes(self.folder, indexname)
        if findings:
            raise integrity.damaged(self.folder, findings)
        gen.probe()
        return {"documents": gen.ranker.doc_count}

    def close(self) -> None:
        self._gen.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def doc_count(self) -> int:
        return self._current().ranker.doc_count

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
        _check_request(query, page, per_page, sort)
        gen = self._current()
        parsed = parse_query(query)
        expansions = expand(self.synonyms, parsed, self.weights.synonyms) \
            if self.synonyms else []
        for name, value in (("source", source), ("category", category), ("author", author)):
            if value:
                parsed.filters.setdefault(name, []).extend(
                    [value] if isinstance(value, str) else list(value))
        date_from, date_to = _naive_utc(date_from, "date_from"), _naive_utc(date_to, "date_to")
        if date_from:
            parsed.date_from = max(filter(None, (parsed.date_from, date_from)))
        if date_to:
            end = date_to if (date_to.hour, date_to.minute, date_to.second) != (0, 0, 0) \
                else date_to.replace(hour=23, minute=59, second=59, microsecond=999999)
            parsed.date_to = min(filter(None, (parsed.date_to, end)))
        scored = self._score(gen, parsed)
        scores, mask = scored.scores, scored.mask
        sort = _effective_sort(parsed, sort)
        total = int(mask.sum())
        matching = np.flatnonzero(mask)  # index once, count three columns
        facets = {name: gen.columns[name].counts(matching) for name in ("source", "category")}
        facets["year"] = dict(sorted(gen.years.counts(matching).items(), reverse=True))
        start = (page - 1) * per_page
        order = top(scores, mask, start + per_page, by_date=sort == "date", dates=gen.dates)
        docnums = order[start:start + per_page]
        terms = parsed.highlight_terms() if snippets else None
        hits = [self._hit(gen, int(d), float(scores[d]), terms) for d in docnums]
        suggestion = self._suggest(gen, query, parsed, total)
        return Results(query, hits, total, page, per_page, facets, suggestion,
                       (time.perf_counter() - started) * 1000, expansions, sort)

    @_reads_index
    def ranked_ids(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents: batch retrieval without snippets."""
        gen = self._current()
        parsed = parse_query(query)
        if self.synonyms:
            expand(self.synonyms, parsed, self.weights.synonyms)
        scored = self._score(gen, parsed)
        by_date = _effective_sort(parsed, "relevance") == "date"
        return [(gen.ids[d], float(scored.scores[d]))
                for d in top(scored.scores, scored.mask, limit, by_date=by_date,
                             dates=gen.dates)]

    @_reads_index
    def explain(self, query: str, doc_id: str) -> Explanation:
        """Why ``doc_id`` scores what it scores for ``query``, part by part.

        The parts are the very additions search makes (:class:`scoring.Sheet`), so they
        add up to the score ``search`` gives the same document. Raises QueryError for a
        bad query and DocumentNotFoundError for an unknown id.
        """
        _check_request(query, 1, 1, "relevance")
        gen = self._current()
        docnum = gen.docnum_of.get(doc_id)
        if docnum is None:
            raise DocumentNotFoundError(f"no document with id {doc_id!r}")
        parsed = parse_query(query)
        if self.synonyms:
            expand(self.synonyms, parsed, self.weights.synonyms)
        scored = self._score(gen, parsed, explain=docnum)
        scores, mask = scored.scores, scored.mask
        score = float(scores[docnum])
        matches = bool(mask[docnum])
        rank = None
        if matches:
            ahead = mask & ((scores > scores[docnum])
                            | ((scores == scores[docnum]) & (np.arange(len(scores)) < docnum)))
            rank = int(ahead.sum()) + 1
        return Explanation(doc_id, query, score, matches, rank, int(mask.sum()), scored.parts)

    def _scorer(self, gen: _Generation) -> Scorer:
        def texts(docnums: np.ndarray) -> list[str]:
            with gen.lock:
                stored = [gen.searcher.stored_fields(int(d)) for d in docnums]
            return [f"{s.get('title') or ''}\n{s.get('body') or ''}" for s in stored]

        return Scorer(gen.ranker, self.weights, texts,
                      lambda: _freshness(gen.dates, self.weights.recency_half_life))

    def _allowed(self, gen: _Generation, q: ParsedQuery) -> np.ndarray:
        """Live documents within the query's filters (sources, categories, dates)."""
        mask = gen.ranker.live.copy()
        for name, values in q.filters.items():
            mask &= gen.columns[name].mask(values)
        if q.date_from is not None:
            mask &= gen.dates >= datetime_to_long(q.date_from)
        if q.date_to is not None:
            mask &= (gen.dates >= 0) & (gen.dates < datetime_to_long(q.date_to))
        return mask

    def _score(self, gen: _Generation, q: ParsedQuery,
               explain: int | None = None) -> Scored:
        return self._scorer(gen).score(q, self._allowed(gen, q), explain)

    def _hit(self, gen: _Generation, docnum: int, score: float,
             terms: tuple[set[str], set[str]] | None) -> Hit:
        """A hit with snippets marking ``terms`` (stems, norms); None: no snippets."""
        with gen.lock:
            stored = gen.searcher.stored_fields(docnum)
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
        gen = self._current()
        docnum = gen.docnum_of.get(doc_id)
        if docnum is None:
            return None
        with gen.lock:
            stored = dict(gen.searcher.stored_fields(docnum))
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
        """Related articles: Whoosh's key terms of the document, ranked by our scorer."""
        gen = self._current()
        docnum = gen.docnum_of.get(doc_id)
        if docnum is None:
            return []
        with gen.lock:
            body = gen.searcher.stored_fields(docnum).get("body") or ""
            # every word is indexed twice (stem and =exact form) and the exact forms,
            # rarer, crowd the top of Whoosh's list: ask for all terms and keep the 25
            # best stems that occur in some other document too. From the text (what
            # Whoosh's key_terms does without term vectors), bounded for huge articles.
            terms = gen.searcher.key_terms_from_text(
                "body", body[:RELATED_SCAN_CHARS], numterms=10**6) if body else []
            keys = [t for t, _ in terms if not t.startswith(EXACT)
                    and gen.ranker.doc_frequency("body", t) > 1][:25]
        if not keys:
            return []
        scores = np.zeros(gen.ranker.size, dtype=np.float32)
        for key in keys:
            gen.ranker.add_scores(scores, "body", key, 1.0)
        mask = gen.ranker.live & (scores > 0)
        mask[docnum] = False
        return [self._hit(gen, int(d), float(scores[d]), None)
                for d in top(scores, mask, limit)]

    # -- suggestions ----------------------------------------------------------------------

    def _suggest(self, gen: _Generation, query: str, q: ParsedQuery, total: int) -> str | None:
        """Did-you-mean: replace unknown or rare words by a frequent close spelling."""
        from arsearch.search.suggest import Vocabulary, suggest

        with gen.lock:
            if gen.vocabulary is None:
                gen.vocabulary = Vocabulary(gen.searcher.reader(), gen.segments)
        # the lock guards only the reader's lookups: other threads search meanwhile
        return suggest(gen.searcher.reader(), query, q, total, gen.vocabulary, lock=gen.lock)

    # -- statistics ------------------------------------------------------------------------

    @_reads_index
    def stats(self) -> dict:
        """Counts and facts about the index, as ``arsearch stats`` shows them."""
        gen = self._current()
        live = gen.ranker.live
        dated = gen.dates[live & (gen.dates >= 0)]
        size = _folder_size(self.folder)
        meta = storage.read_meta(self.folder) or {}
        return {
            "documents": gen.ranker.doc_count,
            "sources": gen.columns["source"].counts(live),
            "categories": gen.columns["category"].counts(live),
            "date_from": long_to_datetime(int(dated.min())).date().isoformat()
            if dated.size else None,
            "date_to": long_to_datetime(int(dated.max())).date().isoformat()
            if dated.size else None,
            "size_bytes": size,
            "created": meta.get("created"),
            "updated": meta.get("updated"),
            "index": str(self.folder),
        }


def _years(dates: np.ndarray) -> np.ndarray:
    """The calendar year of each date (Whoosh's microsecond longs); 0 where there is none."""
    years = np.zeros(len(dates), dtype=np.int32)
    has = dates >= 0
    if has.any():
        first = long_to_datetime(int(dates[has].min())).year
        last = long_to_datetime(int(dates[has].max())).year
        starts = np.asarray([datetime_to_long(datetime(y, 1, 1))
                             for y in range(first, last + 2)], dtype=np.int64)
        years[has] = first + np.searchsorted(starts, dates[has], side="right") - 1
    return years


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


def _freshness(dates: np.ndarray, half_life_days: float) -> np.ndarray:
    """1 for the newest document, halving every ``half_life_days``; 0 without a date."""
    dated = dates >= 0
    if not dated.any():
        return np.zeros(len(dates), dtype=np.float32)
    age_days = (dates.max() - dates) / 86_400_000_000  # Whoosh stores microseconds
    return np.where(dated, 0.5 ** (age_days / half_life_days), 0.0).astype(np.float32)


def display_title(title: str) -> str:
    """``title``, or its first MAX_TITLE_CHARS characters (cut at a space) and " …"."""
    if len(title) <= MAX_TITLE_CHARS:
        return title
    space = title.rfind(" ", MAX_TITLE_CHARS // 2, MAX_TITLE_CHARS)
    return title[:space if space > 0 else MAX_TITLE_CHARS].rstrip() + " …"


def body_window(body: str, start: int = 0, length: int | None = None) -> tuple[int, int]:
    """(first, last) character of the part of ``body`` from ``start``, about ``length``
    long, ending at a space when one is in its second half (so no word is cut)."""
    if not isinstance(start, int) or start < 0 or (start and start >= len(body)):
        raise QueryError(f"start must be between 0 and {max(len(body) - 1, 0)}")
    if length is None or start + length >= len(body):
        return start, len(body)
    if length < 1:
        raise QueryError("length must be at least 1")
    last, half = start + length, start + length // 2
    space = max(body.rfind(" ", half, last), body.rfind("\n", half, last))
    return start, space + 1 if space >= 0 else last


def _naive_utc(value: object, name: str) -> datetime | None:
    """``value`` as the index stores dates (naive, UTC); QueryError if not a datetime.

    A date with a time zone (``2018-02-15T10:00+05:00``) compared with the query's own
    naive dates raised TypeError.
    """
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise QueryError(f"{name} must be a datetime, not {type(value).__name__}")
    if value.tzinfo is not None:
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value


def _effective_sort(parsed: ParsedQuery, sort: str) -> str:
    """``sort``, or "date" when the query has no word to score.

    Stop words only (في), filters only (date:2016) or exclusions only (-سوريا) match
    documents that all score 0: ranking them "by relevance" would be an arbitrary
    order, so they are listed newest first and the results say so.
    """
    return "date" if parsed.is_empty else sort


def _check_request(query: str, page: int, per_page: int, sort: str) -> None:
    if not isinstance(query, str):
        raise QueryError("the query must be text")
    if len(query) > MAX_QUERY_CHARS:
        raise QueryError(f"the query is longer than {MAX_QUERY_CHARS} characters")
    if not isinstance(page, int) or page < 1:
        raise QueryError("page must be a whole number of at least 1")
    if not isinstance(per_page, int) or not 1 <= per_page <= MAX_PER_PAGE:
        raise QueryError(f"per_page must be between 1 and {MAX_PER_PAGE}")
    if sort not in ("relevance", "date"):
        raise QueryError("sort must be 'relevance' or 'date'")


def open_index(folder: str | os.PathLike = "index", **options) -> Engine:
    """Open the index in ``folder`` for searching (raises IndexNotFoundError if none)."""
    return Engine(folder, **options)
