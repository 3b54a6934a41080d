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
from datetime import datetime
from itertools import compress
from pathlib import Path

import numpy as np
from whoosh.searching import Searcher
from whoosh.util.times import datetime_to_long, long_to_datetime

from . import integrity, storage
from .analysis import EXACT
from .errors import ArsearchError, QueryError
from .query import ParsedQuery, Phrase, Word, parse_query
from .ranking import Ranker, Weights
from .segcache import SegmentCache
from .snippets import highlight_all, snippet

MAX_PER_PAGE = 100
MAX_QUERY_CHARS = 500
#: Phrases that rank (rather than filter) are checked in at most this many of the best
#: documents: checking positions is Python work per document, and on a large archive a
#: phrase of two common words occurs in tens of thousands.
PHRASE_CHECK = 2000


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

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "page": self.page,
            "per_page": self.per_page, "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion, "expansions": self.expansions,
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
        from .synonyms import load_synonyms

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
        expansions = self.synonyms.expand(parsed) if self.synonyms else []
        for name, value in (("source", source), ("category", category), ("author", author)):
            if value:
                parsed.filters.setdefault(name, []).extend(
                    [value] if isinstance(value, str) else list(value))
        if date_from:
            parsed.date_from = max(filter(None, (parsed.date_from, date_from)))
        if date_to:
            end = date_to if (date_to.hour, date_to.minute, date_to.second) != (0, 0, 0) \
                else date_to.replace(hour=23, minute=59, second=59, microsecond=999999)
            parsed.date_to = min(filter(None, (parsed.date_to, end)))
        scores, mask = self._score(gen, parsed)
        total = int(mask.sum())
        matching = np.flatnonzero(mask)  # index once, count three columns
        facets = {name: gen.columns[name].counts(matching) for name in ("source", "category")}
        facets["year"] = dict(sorted(gen.years.counts(matching).items(), reverse=True))
        start = (page - 1) * per_page
        order = _top(scores, mask, start + per_page, by_date=sort == "date", dates=gen.dates)
        docnums = order[start:start + per_page]
        terms = parsed.highlight_terms() if snippets else None
        hits = [self._hit(gen, int(d), float(scores[d]), terms) for d in docnums]
        suggestion = self._suggest(gen, query, parsed, total)
        return Results(query, hits, total, page, per_page, facets, suggestion,
                       (time.perf_counter() - started) * 1000, expansions)

    @_reads_index
    def ranked_ids(self, query: str, limit: int = 100) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents: batch retrieval without snippets."""
        gen = self._current()
        parsed = parse_query(query)
        if self.synonyms:
            self.synonyms.expand(parsed)
        scores, mask = self._score(gen, parsed)
        return [(gen.ids[d], float(scores[d])) for d in _top(scores, mask, limit)]

    def _score(self, gen: _Generation, q: ParsedQuery) -> tuple[np.ndarray, np.ndarray]:
        ranker, w = gen.ranker, self.weights
        size = ranker.size
        scores = np.zeros(size, dtype=np.float32)
        matched = np.zeros(size, dtype=np.int16)
        mask = ranker.live.copy()
        phrase_hits = np.zeros(size, dtype=np.int16)
        tiered: list[Phrase] = []
        for group in q.groups:
            hit_ids = []
            before = scores.copy() if w.phrases == "bonus" else None
            for item in group:
                if isinstance(item, Phrase) and len(group) > 1:
                    # an alternative phrase ("a OR "b c"", a synonym) counts only where
                    # the phrase itself occurs, not wherever one of its words does
                    part = np.zeros(size, dtype=np.float32)
                    for word in item.words:
                        self._add_word(ranker, part, word, w, item.weight)
                    part *= self._phrase_mask(gen, item, within=_top(part, part > 0,
                                                                     PHRASE_CHECK))
                    scores += part
                    hit_ids.append(np.flatnonzero(part))
                    continue
                for word in (item.words if isinstance(item, Phrase) else (item,)):
                    hit_ids.extend(self._add_word(ranker, scores, word, w))
            if hit_ids:
                # a boolean scatter, not np.unique: a common word hits most of a large
                # archive, and sorting or hashing those ids cost more than the scoring
                seen = np.zeros(size, dtype=bool)
                for ids in hit_ids:
                    seen[ids] = True
                matched += seen
            if len(group) == 1 and isinstance(group[0], Phrase):
                if w.phrases == "filter":
                    mask &= self._phrase_mask(gen, group[0])
                elif w.phrases == "tier":
                    tiered.append(group[0])
                else:
                    found = self._phrase_mask(gen, group[0])
                    scores += found * (scores - before) * w.phrase_bonus
        if tiered:
            # phrase matches rank first: only the best documents need checking, since
            # a document holding the phrase holds all its words and scores high
            within = _top(scores, mask & (scores > 0), PHRASE_CHECK)
            for phrase in tiered:
                phrase_hits += self._phrase_mask(gen, phrase, within)
        for item in q.excluded:
            mask &= ~self._item_mask(gen, item)
        for name, values in q.filters.items():
            mask &= gen.columns[name].mask(values)
        if q.date_from is not None:
            mask &= gen.dates >= datetime_to_long(q.date_from)
        if q.date_to is not None:
            mask &= (gen.dates >= 0) & (gen.dates < datetime_to_long(q.date_to))
        if q.groups and len(q.words) <= w.prf_max_words:
            self._expand(gen, q, scores, mask & (scores > 0))
        if q.groups and w.recency > 0:
            scores *= 1.0 + w.recency * _freshness(gen.dates, w.recency_half_life)
        if q.groups and (w.proximity > 0 or w.lead > 0):
            self._add_proximity(gen, q, scores, mask & (scores > 0))
        if q.groups:
            mask &= scores > 0
            n = len(q.groups)
            # tiers, each ranked by score: phrase matches (when phrases do not filter),
            # then, for short queries, documents holding every word group
            tier = phrase_hits * 2 + ((matched == n) if 1 < n <= w.all_words_first else 0)
            if tier.any():
                scores = scores + tier * (float(scores.max()) + 1.0)
        return scores, mask

    def _expand(self, gen: _Generation, q: ParsedQuery, scores: np.ndarray,
                mask: np.ndarray) -> None:
        """Add pseudo-relevance-feedback words (see :mod:`arsearch.feedback`) to ``scores``."""
        from .feedback import expansion_terms

        w = self.weights
        top = _top(scores, mask, w.prf_docs)
        if not len(top):
            return
        with gen.lock:
            stored = [gen.searcher.stored_fields(int(d)) for d in top]
        texts = [f"{s.get('title') or ''}\n{s.get('body') or ''}" for s in stored]
        ranker = gen.ranker
        terms = expansion_terms(
            texts, [float(scores[d]) for d in top],
            lambda t: ranker.doc_frequency("body", t), ranker.doc_count,
            {word.stem for word in q.words}, w.prf_terms)
        scale = w.prf_weight * len(q.words)
        for stem, weight in terms:
            for fname in ("title", "body"):
                ranker.add_scores(scores, fname, stem,
                                  scale * weight * (w.title if fname == "title" else 1.0))

    def _add_proximity(self, gen: _Generation, q: ParsedQuery, scores: np.ndarray,
                       mask: np.ndarray) -> None:
        """Raise the best results whose query words stand close together."""
        w = self.weights
        stems = list(dict.fromkeys(word.stem for word in q.words if not word.field))
        top = _top(scores, mask, w.proximity_docs)
        if len(top) < 2:
            return
        bonus = np.zeros(len(top), dtype=np.float32)
        if w.lead > 0:
            bonus += w.lead * gen.ranker.lead_scores("body", stems, top)
        if w.proximity > 0 and len(stems) > 1:
            for fname, weight in (("body", 1.0), ("title", w.title)):
                bonus += (w.proximity * weight) * gen.ranker.proximity_scores(fname, stems, top)
        scores[top] += bonus

    @staticmethod
    def _add_word(ranker: Ranker, scores: np.ndarray, word: Word, w: Weights,
                  boost: float = 1.0) -> list:
        ids = []
        for fname in (word.field,) if word.field else ("title", "body"):
            weight = (w.title if fname == "title" else 1.0) * word.weight * boost
            ids.append(ranker.add_scores(scores, fname, word.stem, weight))
            if word.norm != word.stem:  # a word that is its own stem has no exact twin
                ids.append(ranker.add_scores(scores, fname, EXACT + word.norm,
                                             weight * w.exact))
        return ids

    def _phrase_mask(self, gen: _Generation, phrase: Phrase,
                     within: np.ndarray | None = None) -> np.ndarray:
        """Documents holding ``phrase`` (only among ``within`` when given)."""
        mask = np.zeros(gen.ranker.size, dtype=bool)
        stems = [wd.stem for wd in phrase.words]
        for fname in (phrase.field,) if phrase.field else ("title", "body"):
            mask[gen.ranker.phrase_docs(fname, stems, within)] = True
        return mask

    def _item_mask(self, gen: _Generation, item) -> np.ndarray:
        if isinstance(item, Phrase):
            return self._phrase_mask(gen, item)
        mask = np.zeros(gen.ranker.size, dtype=bool)
        for fname in (item.field,) if item.field else ("title", "body"):
            mask[gen.ranker.postings(fname, item.stem)[0]] = True
        return mask

    def _hit(self, gen: _Generation, docnum: int, score: float,
             terms: tuple[set[str], set[str]] | None) -> Hit:
        """A hit with snippets marking ``terms`` (stems, norms); None: no snippets."""
        with gen.lock:
            stored = gen.searcher.stored_fields(docnum)
        title = stored.get("title") or ""
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
    def document(self, doc_id: str, query: str = "") -> dict | None:
        """The stored document (with ``body_html`` highlighted for ``query``), or None."""
        gen = self._current()
        docnum = gen.docnum_of.get(doc_id)
        if docnum is None:
            return None
        with gen.lock:
            stored = dict(gen.searcher.stored_fields(docnum))
        stems, norms = parse_query(query).highlight_terms()
        stored["title_html"] = highlight_all(stored.get("title") or "", stems, norms)
        stored["body_html"] = highlight_all(stored.get("body") or "", stems, norms)
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
            # best stems that occur in some other document too
            keys = [t for t, _ in gen.searcher.key_terms([docnum], "body", numterms=10**6)
                    if not t.startswith(EXACT)
                    and gen.ranker.doc_frequency("body", t) > 1][:25] if body else []
        if not keys:
            return []
        scores = np.zeros(gen.ranker.size, dtype=np.float32)
        for key in keys:
            gen.ranker.add_scores(scores, "body", key, 1.0)
        mask = gen.ranker.live & (scores > 0)
        mask[docnum] = False
        return [self._hit(gen, int(d), float(scores[d]), None)
                for d in _top(scores, mask, limit)]

    # -- suggestions ----------------------------------------------------------------------

    def _suggest(self, gen: _Generation, query: str, q: ParsedQuery, total: int) -> str | None:
        """Did-you-mean: replace unknown or rare words by a frequent close spelling."""
        from .suggest import Vocabulary, suggest

        with gen.lock:
            if gen.vocabulary is None:
                gen.vocabulary = Vocabulary(gen.searcher.reader(), gen.segments)
            return suggest(gen.searcher.reader(), query, q, total, gen.vocabulary)

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


def _top(scores: np.ndarray, mask: np.ndarray, k: int, by_date: bool = False,
         dates: np.ndarray | None = None) -> np.ndarray:
    """Docnums of the ``k`` best documents within ``mask``, best first."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or k <= 0:
        return candidates[:0]
    key = dates[candidates].astype(np.float64) if by_date else scores[candidates]
    if len(candidates) > k:
        part = np.argpartition(-key, k - 1)[:k]
        candidates, key = candidates[part], key[part]
    return candidates[np.lexsort((candidates, -key))]


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
