"""Documents: the unit arsearch indexes, and the readers that produce them.

(Readers are being written; this module currently only fixes the data model.)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Document:
    """One article. ``id`` is stable across runs; ``body`` is never empty."""

    id: str
    title: str
    body: str
    date: datetime | None = None  # naive, UTC
    source: str | None = None
    author: str | None = None
    category: str | None = None
    url: str | None = None
    path: str | None = None  # the file it was read from, for reports and --prune


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that went wrong while reading: a skipped document or a dropped field."""

    path: str
    line: int | None
    message: str
    skipped: bool = True  # False when only a field was dropped

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"
