"""Searching an index: the one API behind the CLI, the web app and Python callers.

``engine = open_index("index/")`` opens the index once; ``engine.search(...)`` answers
queries with ranked, highlighted hits, facet counts and a did-you-mean suggestion;
``engine.explain(...)`` says why a document has its score. The engine does what is the
same for every backend (checking requests, parsing, synonyms, folding the filters into
the query, paging, hits with snippets, suggestions) and asks a backend
(:mod:`arsearch.backends`: Whoosh in a folder, Xapian in a folder or on shard servers)
for the matches of one committed state, moving to a newer one when a writer commits;
readers never block on writers.
"""

from __future__ import annotations

import dataclasses
import functools
import os
import re
import threading
import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from arsearch.backends import Matches, SearchBackend, guard, locate, open_backend
from arsearch.errors import ArsearchError, QueryError
from arsearch.search.complete import CompletionCache, Suggestion
from arsearch.search.expand import expand
from arsearch.search.labels import load_labels
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import LEVELS, ParsedQuery, Phrase, Word, parse_query
from arsearch.search.requests import (
    MAX_PER_PAGE,
    MAX_QUERY_CHARS,
    body_window,
    check_id,
    check_limit,
    check_request,
    display_title,
    effective_sort,
    filter_values,
    naive_utc,
)
from arsearch.search.results import Explanation, Hit, Results
from arsearch.search.snippets import highlight_all, snippet
from arsearch.search.understand import understand
from arsearch.search.weights import Weights

__all__ = ["MAX_PER_PAGE", "MAX_QUERY_CHARS", "Engine", "open_index"]

#: The exact level with diacritics is checked in the text of at most this many of the
#: best documents (reading a stored document costs ~0.1 ms).
MARKS_CHECK = 1000
#: The facets a request's filters choose from (and count as if unfiltered).
CHOSEN_FACETS = ("source", "category")
#: The time facets, counted as if a date-filtered search were not (other periods stay
#: visible and choosable).
TIME_FACETS = ("year", "month", "hijri_month")


def _reads_index(method):
    """Errors raised while decoding index files become IndexDamagedError (the backend's
    :func:`~arsearch.backends.guard` decides which are; any other is a bug and
    propagates unchanged)."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        with self._guard():
            return method(self, *args, **kwargs)

    return wrapper


class Engine:
    """An open index. Thread-safe; keep one per process and reuse it."""

    def __init__(self, folder: str | os.PathLike, weights: Weights | None = None,
                 refresh_every: float = 1.0, synonyms: str | os.PathLike | None = None,
                 expand_synonyms: bool = True, understanding: bool = True, *,
                 allow_partial: bool = False, timeout: float | None = None,
                 exact_counts: bool = False):
        """``folder``: an index folder, or a cluster file (``*.toml``). ``synonyms``: an
        extra synonyms file; ``<folder>/synonyms.txt`` is read too, and facet values'
        display names from the bundled ones and ``<folder>/labels.txt``. ``understanding``:
        query understanding (levels, clitics, names in Latin script, keyboard and
        spelling suggestions; search/understand.py). ``allow_partial``: a cluster answers
        without the shards it cannot reach, and its results say so; ``timeout``: seconds
        a shard may take to answer. ``exact_counts``: a Xapian index counts the facets of
        a search with very many matches in a sample (``Results.facets_exact`` False);
        True counts every match's, more slowly."""
        from arsearch.analysis.synonyms import load_synonyms

        self.understanding = understanding
        if understanding:
            # the dictionary's tables (~0.3 s) load beside the first requests, not in one
            from arsearch.analysis.morphology import dictionary

            threading.Thread(target=dictionary, name="arsearch-dictionary", daemon=True).start()

        self.folder = Path(folder)
        self.weights = weights or Weights()
        where = locate(self.folder)
        own = None if where.is_cluster else self.folder / "synonyms.txt"
        self.synonyms = load_synonyms(own, synonyms) if expand_synonyms else None
        self.labels = load_labels(None if where.is_cluster else self.folder / "labels.txt")
        self.refresh_every = refresh_every
        self._guard = guard(self.folder)
        self._backend = open_backend(self.folder, self.weights,
                                     allow_partial=allow_partial, timeout=timeout,
                                     exact_counts=exact_counts)
        self._checked = time.monotonic()
        self._failed: ArsearchError | None = None
        self._refresh_lock = threading.Lock()
        self._lexicon: tuple[object, Lexicon] | None = None
        self._completions = CompletionCache()

    # -- lifecycle --------------------------------------------------------------------

    def refresh(self) -> None:
        """Pick up commits made since the index was opened (cheap when there are none)."""
        with self._refresh_lock:
            try:
                self._backend = self._backend.refreshed()
                self._failed = None
            except ArsearchError as exc:
                self._failed = exc
                raise
            finally:
                self._checked = time.monotonic()

    def _current(self) -> SearchBackend:
        if time.monotonic() - self._checked >= self.refresh_every:
            self.refresh()
        elif self._failed is not None:
            # a damaged index: opening it costs as much as a healthy one, so every
            # request must not try again; once per refresh interval is enough
            raise type(self._failed)(*self._failed.args)
        return self._backend

    @_reads_index
    def health(self) -> dict:
        """For monitoring: the document count, or IndexDamagedError with the reason
        (cheap: the backend's own check, plus a real read of the index)."""
        return self._current().health()

    def close(self) -> None:
        self._backend.close()

    def __enter__(self) -> Engine:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def doc_count(self) -> int:
        return self._current().doc_count

    @property
    def backend(self) -> SearchBackend:
        """The backend searches ask now (refreshed as usual)."""
        return self._current()

    @property
    def reader(self):
        """The Whoosh backend's reader searches read now (refreshed as usual): for tools
        and tests that need the index's arrays, e.g. ``BM25F(engine.reader)``."""
        return self._current().reader  # type: ignore[attr-defined,unused-ignore]

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
        level: str = "stem",
        facets: bool = True,
    ) -> Results:
        """Search; ``date_to`` is inclusive of that day. ``level``: how far the words
        that name no level of their own may stray (``LEVELS``: exact, norm, stem, lemma,
        root, fuzzy). ``facets=False``: no facet counts (``Results.facets`` empty), for a
        caller that shows none: on a large Xapian index they are a third of a search's
        time, and a pruned search's total is then Xapian's own estimate, not the
        sample's. Raises QueryError on bad arguments."""
        started = time.perf_counter()
        check_request(query, page, per_page, sort)
        check_level(level)
        backend = self._current()
        parsed, expansions = self._parse(backend, query, level)
        for name, value in (("source", source), ("category", category), ("author", author)):
            if values := [v for v in filter_values(name, value) if v]:
                parsed.filters.setdefault(name, []).extend(values)
        date_from, date_to = naive_utc(date_from, "date_from"), naive_utc(date_to, "date_to")
        if date_from:
            parsed.date_from = max(filter(None, (parsed.date_from, date_from)))
        if date_to:
            end = date_to if (date_to.hour, date_to.minute, date_to.second) != (0, 0, 0) \
                else date_to.replace(hour=23, minute=59, second=59, microsecond=999999)
            parsed.date_to = min(filter(None, (parsed.date_to, end)))
        sort = effective_sort(parsed, sort)
        self._choose(backend, parsed)
        start = (page - 1) * per_page
        if _marked(parsed):
            found = self._marked_matches(backend, parsed, start + per_page, start, sort)
        else:
            found = backend.match(parsed, limit=start + per_page, offset=start, sort=sort,
                                  facets=facets)
        counts, facets_exact = self._unfiltered_counts(backend, parsed, found) if facets \
            else ({}, True)
        terms = (*parsed.highlight_terms(), parsed.highlight_phrases()) if snippets else None
        hits = [self._hit(backend, ref, score, terms)
                for ref, score in zip(found.refs, found.scores, strict=True)]
        suggestion = self._suggest(backend, query, parsed, found.total)
        return Results(query, hits, found.total, page, per_page, counts, suggestion,
                       (time.perf_counter() - started) * 1000, expansions, sort,
                       backend.partial, list(backend.missing_shards), facets_exact,
                       found.total_exact)

    @_reads_index
    def ranked_ids(self, query: str, limit: int = 100, level: str = "stem"
                   ) -> list[tuple[str, float]]:
        """(id, score) of the best ``limit`` documents: batch retrieval without snippets."""
        check_request(query, 1, 1, "relevance")
        check_limit(limit)
        check_level(level)
        backend = self._current()
        parsed, _ = self._parse(backend, query, level)
        self._choose(backend, parsed)
        sort = effective_sort(parsed, "relevance")
        if _marked(parsed):
            found = self._marked_matches(backend, parsed, limit, 0, sort)
        else:
            found = backend.match(parsed, limit=limit, sort=sort, facets=False)
        return list(zip(found.ids, found.scores, strict=True))

    @_reads_index
    def explain(self, query: str, doc_id: str) -> Explanation:
        """Why ``doc_id`` scores what it scores for ``query``, part by part.

        The parts are the very additions the backend's ranking makes, so they add up to
        the score ``search`` gives the same document. Raises QueryError for a bad query
        and DocumentNotFoundError for an unknown id.
        """
        check_request(query, 1, 1, "relevance")
        check_id(doc_id)
        backend = self._current()
        parsed, _ = self._parse(backend, query)
        self._choose(backend, parsed)
        found = backend.match(parsed, limit=0, sort=effective_sort(parsed, "relevance"),
                              explain=doc_id, facets=False)
        sorted_by = "date" if effective_sort(parsed, "relevance") == "date" else "relevance"
        why = ("", "") if found.rank is not None else self._why_not(backend, parsed, doc_id)
        return Explanation(doc_id, query, found.score, found.rank is not None, found.rank,
                           found.total, found.parts, sorted_by, *why)

    def _why_not(self, backend: SearchBackend, parsed: ParsedQuery, doc_id: str
                 ) -> tuple[str, str]:
        """Why ``doc_id`` is not a result of ``parsed`` (a key of NOT_A_RESULT, and the
        words concerned): the query asked again without one of its parts at a time
        (filters, then each excluded word, then each wanted group)."""
        def matches(q: ParsedQuery) -> bool:
            found = backend.match(q, limit=0, sort=effective_sort(q, "relevance"),
                                  explain=doc_id, facets=False)
            return found.rank is not None

        if not matches(replace(parsed, groups=[], excluded=[])):
            return "filter", ""
        if parsed.excluded and matches(replace(parsed, excluded=[])):
            words = [item for item in parsed.excluded
                     if not matches(replace(parsed, excluded=[item]))] or parsed.excluded
            return "excluded", "، ".join(_item_text(i) for i in words)
        missing = [g for g in parsed.groups
                   if not matches(replace(parsed, groups=[g], excluded=[]))]
        phrases = [i for g in missing for i in g
                   if isinstance(i, Phrase) and i.quoted and not i.synonym]
        if phrases:
            return "phrase", _item_text(phrases[0])
        return ("words" if len(missing) < len(parsed.groups) else "none"), ""

    def _choose(self, backend: SearchBackend, q: ParsedQuery) -> None:
        """Typed filter values become the index's values they mean
        (:meth:`~arsearch.search.facets.Choices.select`, display names included):
        ``source:jawhara`` is "Jawhara FM", in a filter or an exclusion. A value that
        means none stays as typed, and matches nothing."""
        for filters in (q.filters, q.excluded_filters):
            for name, typed in filters.items():
                choices, namer = backend.choices(name), self.labels.namer(name)
                filters[name] = list(dict.fromkeys(
                    v for w in typed for v in (choices.select(w, namer) or [w])))

    def _unfiltered_counts(self, backend: SearchBackend, q: ParsedQuery, found: Matches
                           ) -> tuple[dict[str, dict[str, int]], bool]:
        """The facets a reader chooses from count as if unchosen: a filtered source or
        category counts without its own filter (the values one may add: OR within a
        facet, AND across), the time facets of a date-filtered search without the dates.
        One more match per such facet, through the boundary, so every backend counts
        alike. Returns the facets and whether every count shown is exact (each match may
        have been counted in a sample: ``Matches.facets_exact``)."""
        facets, exact = found.facets, found.facets_exact
        if not facets:
            return facets, exact
        out = dict(facets)
        for name in CHOSEN_FACETS:
            if q.filters.get(name):
                loose = backend.match(dataclasses.replace(
                    q, filters={k: v for k, v in q.filters.items() if k != name}), limit=0)
                out[name] = loose.facets.get(name, {})
                exact = exact and loose.facets_exact
        if q.date_from is not None or q.date_to is not None:
            undated = backend.match(dataclasses.replace(q, date_from=None, date_to=None),
                                    limit=0)
            out.update({name: undated.facets[name] for name in TIME_FACETS
                        if name in undated.facets})
            exact = exact and undated.facets_exact
        return out, exact

    def _hit(self, backend: SearchBackend, ref, score: float,
             terms: tuple[set[str], set[str], list] | None) -> Hit:
        """A hit with snippets marking ``terms`` (stems, norms, phrases); None: none."""
        stored = backend.stored(ref)
        title = display_title(stored.get("title") or "")
        body = stored.get("body") or ""
        return Hit(
            id=stored["id"], title=title, date=stored.get("date"),
            source=stored.get("source"), category=stored.get("category"),
            author=stored.get("author"), url=stored.get("url"), score=score,
            snippet=snippet(body, *terms) if terms else "",
            title_html=highlight_all(title, *terms) if terms else "",
            docnum=ref if isinstance(ref, int) else -1,
        )

    # -- query understanding -------------------------------------------------------------

    def _lexicon_of(self, backend: SearchBackend) -> Lexicon:
        """Query understanding's view of ``backend``'s vocabulary, one per state (what it
        computed, e.g. a root's expansion, holds until the next commit)."""
        key = backend.state
        pair = self._lexicon
        if pair is None or pair[0] != key:
            pair = self._lexicon = (key, Lexicon(backend))
        return pair[1]

    def _parse(self, backend: SearchBackend, query: str, level: str = "stem"
               ) -> tuple[ParsedQuery, list[str]]:
        """The parsed query with synonyms and query understanding's alternatives, and
        what was added (for "بحثنا أيضًا عن")."""
        parsed = parse_query(query)
        expansions = expand(self.synonyms, parsed, self.weights.synonyms) \
            if self.synonyms else []
        if self.understanding:
            expansions += understand(parsed, self._lexicon_of(backend), level, self.weights)
        return parsed, expansions

    def _marked_matches(self, backend: SearchBackend, q: ParsedQuery, limit: int,
                        offset: int, sort: str) -> Matches:
        """The exact level with diacritics (``=عَلِمَ``): the matches where the word is
        written with no diacritic contradicting the typed ones. Checked in the text of
        the best MARKS_CHECK matches (the others are dropped: the index keeps no
        diacritics, so this is the one level a posting list cannot answer); the total
        and facets count the documents kept."""
        wanted = [w for w in q.words if w.marks]
        found = backend.match(q, limit=MARKS_CHECK, sort=sort, facets=False)
        kept = []
        for ref, doc_id, score in zip(found.refs, found.ids, found.scores, strict=True):
            stored = backend.stored(ref)
            text = f"{stored.get('title') or ''} {stored.get('body') or ''}"
            if all(_has_marked(text, w) for w in wanted):
                kept.append((ref, doc_id, score, stored))
        facets: dict[str, dict[str, int]] = {"source": {}, "category": {}, "year": {}}
        for *_, stored in kept:
            date = stored.get("date")
            for name, value in (("source", stored.get("source")),
                                ("category", stored.get("category")),
                                ("year", str(date.year) if date else None)):
                if value:
                    facets[name][value] = facets[name].get(value, 0) + 1
        facets = {name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
                  for name, c in facets.items()}
        facets["year"] = dict(sorted(facets["year"].items(), reverse=True))
        page = kept[offset:limit]
        return Matches([k[0] for k in page], [k[1] for k in page], [k[2] for k in page],
                       len(kept), facets)

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
        check_id(doc_id)
        if not isinstance(query, str):
            raise QueryError("the query must be text")
        backend = self._current()
        stored = backend.document(doc_id)
        if stored is None:
            return None
        body = stored.get("body") or ""
        first, last = body_window(body, start, length)
        parsed, _ = self._parse(backend, query) if query.strip() else (parse_query(""), [])
        stems, norms = parsed.highlight_terms()
        phrases = parsed.highlight_phrases()
        stored["title"] = display_title(stored.get("title") or "")
        stored["title_html"] = highlight_all(stored["title"], stems, norms, phrases)
        stored["body"] = body[first:last]
        stored["body_html"] = highlight_all(stored["body"], stems, norms, phrases)
        stored["body_start"], stored["body_end"], stored["body_length"] = first, last, len(body)
        stored.pop("path", None)
        return stored

    @_reads_index
    def more_like_this(self, doc_id: str, limit: int = 5) -> list[Hit]:
        """Related articles: the document's key terms, ranked by BM25 (the backend's)."""
        backend = self._current()
        return [self._hit(backend, ref, score, None)
                for ref, score in backend.related(doc_id, limit)]

    # -- suggestions ----------------------------------------------------------------------

    def _suggest(self, backend: SearchBackend, query: str, q: ParsedQuery,
                 total: int) -> str | None:
        """Did-you-mean: the query typed on the other keyboard layout, or its unknown or
        rare words replaced by a frequent close spelling (Arabic-aware costs)."""
        if self.understanding:
            from arsearch.search.understand import suggestion

            return suggestion(query, parse_query(query), self._lexicon_of(backend))
        from arsearch.search.suggest import suggest

        return suggest(backend, query, q, total, backend)

    @_reads_index
    def complete(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Suggestions as you type: completions of ``text`` from the titles' words, word
        pairs and titles (:mod:`arsearch.search.complete`); [] while a large archive's
        dictionary is first being built."""
        backend = self._current()

        def titles() -> Iterator[tuple[str, str]]:
            # by id: ties between titles go the same way whatever order the backend
            # keeps its documents in (a cluster's shards, a rebuilt index)
            for doc_id, title in sorted(backend.titles()):
                yield doc_id, display_title(title)

        completions = self._completions.get(backend.state, titles, backend.doc_count)
        return completions.complete(text, limit) if completions is not None else []

    # -- statistics ------------------------------------------------------------------------

    @_reads_index
    def stats(self) -> dict:
        """Counts and facts about the index, as ``arsearch stats`` shows them."""
        return {**self._current().stats(), "index": str(self.folder)}


def check_level(level: str) -> None:
    """QueryError unless ``level`` is one of LEVELS."""
    if level not in LEVELS:
        raise QueryError(f"level must be one of {', '.join(LEVELS)}")


def _item_text(item: Word | Phrase) -> str:
    """An excluded word or phrase as the user typed it."""
    if isinstance(item, Phrase):
        return "«" + " ".join(w.surface for w in item.words) + "»"
    return item.surface


def _marked(q: ParsedQuery) -> bool:
    """Whether a word of ``q`` asks for its diacritics (``=عَلِمَ``)."""
    return any(w.marks for w in q.words)


def _has_marked(text: str, word: Word) -> bool:
    """Whether ``text`` writes ``word`` agreeing with its typed diacritics."""
    from arsearch.analysis import TOKEN_PATTERN, normalize_token
    from arsearch.search.levels import marks_agree

    for m in re.finditer(TOKEN_PATTERN, text):
        token = m.group()
        if normalize_token(token) == word.norm and marks_agree(word.marks, token):
            return True
    return False


def open_index(folder: str | os.PathLike = "index", **options) -> Engine:
    """Open the index in ``folder`` (or the cluster a ``.toml`` file names) for searching;
    raises IndexNotFoundError if there is none."""
    return Engine(folder, **options)
