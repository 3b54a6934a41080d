"""What the engine asks of a backend (:class:`SearchBackend`) and gets back
(:class:`Matches`); see :mod:`arsearch.backends`."""

from __future__ import annotations

from collections.abc import Hashable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

if TYPE_CHECKING:
    from arsearch.search.facets import Choices
    from arsearch.search.query import ParsedQuery
    from arsearch.search.results import Part


@dataclass
class Matches:
    """What a backend found for one parsed query."""

    refs: list  # the matches ranked ``offset`` to ``limit``, best first (module docstring)
    ids: list[str]  # their document ids
    scores: list[float]  # their scores, as explain adds them up
    total: int  # every match, exactly unless ``total_exact`` is False
    #: {"source": {...}, "category": {...}, "year": {...}, "month": {...},
    #: "hijri_month": {...}} over every match, largest count first (periods: newest
    #: first; months ``YYYY-MM``, Hijri ones by Umm al-Qura); empty when not asked for
    facets: dict[str, dict[str, int]] = field(default_factory=dict)
    #: the explained document (``match(explain=id)``): its score parts, which add up to
    #: ``score``; ``rank`` is its 1-based place among the matches, None when it is none
    parts: list[Part] = field(default_factory=list)
    score: float = 0.0
    rank: int | None = None
    #: False: ``facets`` were counted in a sample of a very large result set and scaled
    #: up (a Xapian index; see its "Counting")
    facets_exact: bool = True
    #: False: ``total`` is an estimate (a Xapian search that stopped once it knew its
    #: page, of more matches than it counts exactly; see its "Pruning")
    total_exact: bool = True


class SearchBackend(Protocol):
    """One open index as the engine searches it. Thread-safe."""

    @property
    def doc_count(self) -> int: ...

    @property
    def partial(self) -> bool:
        """A cluster opened with ``allow_partial`` that runs without some shards: results
        are marked partial and name them (never silently smaller totals)."""

    @property
    def missing_shards(self) -> Sequence[str]: ...

    @property
    def state(self) -> Hashable:
        """Equal for one committed state, different after a writer's commit is seen:
        what is computed once per state (the suggestions dictionary) is keyed by it."""

    def match(self, q: ParsedQuery, *, limit: int, offset: int = 0,
              sort: str = "relevance", explain: str | None = None,
              facets: bool = True) -> Matches:
        """The matches of ``q`` (synonyms expanded, filters folded in) ranked ``offset``
        to ``limit - 1``, by relevance or ``sort="date"`` (newest first), with the exact
        total and, when ``facets``, the facet counts over all matches. ``explain``: a
        document id whose score parts, score and rank to compute (DocumentNotFoundError
        when there is none)."""

    def stored(self, ref: Any) -> dict:
        """The stored fields of a match (a new dict: callers may change it)."""

    def document(self, doc_id: str) -> dict | None:
        """The stored fields of the document with ``doc_id``, or None."""

    def related(self, doc_id: str, limit: int) -> list[tuple[Any, float]]:
        """(ref, score) of the documents most like ``doc_id`` (itself excluded)."""

    def choices(self, name: str) -> Choices:
        """The distinct values of facet ``name`` (source, category, author) in the index:
        the engine resolves a typed filter (``source:jawhara``) to them before matching."""

    def titles(self) -> Iterator[tuple[str, str]]:
        """(id, stored title) of every live document: suggestions as you type. May take
        seconds on a large archive; it must not hold up searches meanwhile."""

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents holding the indexed ``term`` (did-you-mean)."""

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray:
        """A fast filter for did-you-mean: False means the term certainly is absent."""

    def terms(self, field: str) -> list[str]:
        """Every indexed term of ``field`` (stems and ``=`` exact forms), sorted: the
        vocabulary query understanding expands roots, clitics and names over."""

    def texts_with(self, field: str, term: str, limit: int) -> list[str]:
        """``field``'s stored text in up to ``limit`` live documents holding the indexed
        ``term`` there: did-you-mean shows a word as the archive writes it."""

    def stats(self) -> dict:
        """documents, sources, categories, date_from, date_to, size_bytes, created,
        updated (and for a cluster its shards): ``arsearch stats``."""

    def health(self) -> dict:
        """``{"documents": N, ...}`` after a real read; raises when the index is unusable."""

    def refreshed(self) -> SearchBackend:
        """This backend if still current, else one on the newest committed state."""

    def close(self) -> None:
        """Release files and connections."""


@dataclass(frozen=True)
class Target:
    """Where an index is, and which backend keeps it."""

    path: Path
    backend: str  # "whoosh", "xapian" (a local folder) or "cluster" (a cluster file)

    @property
    def is_cluster(self) -> bool:
        return self.backend == "cluster"


class WriteSession(Protocol):
    """One indexing run's writes (:mod:`arsearch.indexing` decides what to write)."""

    #: id -> (content hash, stored path) of every document in the index
    existing: dict[str, tuple[str, str]]
    pending: int  # documents written since the last commit

    def add(self, doc: Any, digest: str, stored_path: str) -> None:
        """A document whose id is not in the index yet."""

    def replace(self, doc: Any, digest: str, stored_path: str) -> None: ...

    def delete(self, doc_id: str) -> None: ...

    def commit(self, final: bool = False) -> None:
        """Make the writes durable and visible."""

    def finish(self) -> int:
        """After the final commit: make the index current; the documents it holds."""

    def abort(self) -> None:
        """After a failure: leave no half-done state current."""


class Store(Protocol):
    """Where an indexing run writes: an index folder, or the shards of a cluster."""

    backend: str
    path: Path  # the index folder, or the cluster file
    home: Path  # the folder its recorded id root is relative to

    def write_lock(self, wait: float) -> AbstractContextManager: ...

    def read_meta(self, rebuild: bool) -> tuple[dict | None, bool]:
        """(what the index records, or None for a new one; whether it is damaged)."""

    def sample_paths(self, meta: dict) -> list[str]:
        """Some stored paths of the index's documents (to find a moved id root)."""

    def session(self, meta: dict | None, damaged: bool, rebuild: bool, procs: int,
                recorded: dict) -> WriteSession: ...
