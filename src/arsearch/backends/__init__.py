"""The engine boundary: what the shared search code asks of an index, and who answers.

Analysis, the query language, the ranking policy (BM25F, leads, tiers), snippets,
explain and the front ends are the same whatever stores the index. They talk to one
committed state of it through :class:`IndexReader` (and, to write, through a backend's
writer). Whoosh (:mod:`arsearch.backends.whoosh`) is the embedded default; everything
that knows a Whoosh internal lives under it, and a test checks that nothing else imports
Whoosh.

Docnums are positions ``0 .. size - 1`` in the reader's arrays; the reader decides them
(for Whoosh: segment offset + document number). Dates are microseconds since
0001-01-01 (``-1``: no date), the unit of :func:`arsearch.search.facets.date_key`.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import Protocol

import numpy as np


class IndexReader(Protocol):
    """One immutable, committed state of an index, as the search side reads it."""

    size: int  # docnums are 0 .. size - 1 (deleted documents included)
    doc_count: int  # live documents
    live: np.ndarray  # bool per docnum
    ids: list[str]  # document id per docnum
    docnum_of: dict[str, int]  # id -> docnum of the live documents
    facet_values: dict[str, list]  # "source", "category", "author": value per docnum
    dates: np.ndarray  # int64 per docnum (see the module docstring)

    def lengths(self, field: str) -> np.ndarray:
        """Token count of ``field`` per docnum (float32)."""

    def postings(self, field: str, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(sorted docnums, term frequencies) of ``term`` in ``field``."""

    def positions(self, field: str, term: str,
                  docnums: np.ndarray) -> list[list[int] | None]:
        """Positions of ``term`` in each of ``docnums`` (None where it is absent)."""

    def doc_frequency(self, field: str, term: str) -> int:
        """Documents holding ``term`` in ``field``."""

    def may_contain(self, field: str, terms: list[str]) -> np.ndarray:
        """A fast filter for did-you-mean: False means the term certainly is absent."""

    def terms(self, field: str) -> list[str]:
        """Every term of ``field``, sorted (query understanding's vocabulary)."""

    def key_terms(self, field: str, text: str, limit: int) -> Iterator[str]:
        """The terms that best characterise ``text`` against the index (related articles)."""

    def stored(self, docnum: int) -> dict:
        """The stored fields of a document: id, title, body, date, source, ..."""

    def info(self) -> dict:
        """created, updated, size_bytes: for ``arsearch stats``."""

    def probe(self) -> None:
        """Read something real (health checks); raise if the index cannot be read."""

    def refreshed(self) -> IndexReader:
        """This state if still current, else the newest one."""

    def close(self) -> None:
        """Release the files (also done when the reader is garbage collected)."""


def open_reader(folder: Path) -> IndexReader:
    """The current state of the index in ``folder``."""
    from arsearch.backends.whoosh.reader import open_reader as open_whoosh

    return open_whoosh(folder)


def guard(folder: Path) -> AbstractContextManager:
    """Around any read of the index: errors that come from damaged index files become
    one-line :class:`~arsearch.errors.IndexDamagedError` naming the file."""
    from arsearch.backends.whoosh.integrity import reading

    return reading(folder)
