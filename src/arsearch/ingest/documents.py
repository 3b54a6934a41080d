"""The data every reader produces: documents, the problems met reading them, and limits.

A reader hands back two streams: the :class:`Document` objects it could build, and a
:class:`Problem` for everything it could not read (or read only in part), so that one
broken file in an archive of thousands never costs the user the other thousands.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

__all__ = ["DEFAULT_MAX_DOC_BYTES", "MAX_DOC_BYTES_LIMIT", "MAX_ID_CHARS", "Document",
           "OnProblem", "Problem", "SkipFile", "not_a_document"]

#: Title and body of one document, in UTF-8 bytes: beyond it the document is cut. The
#: largest of the 41,661 ANT articles is 38 KB; a book-length text is 1-2 MB.
DEFAULT_MAX_DOC_BYTES = 4 * 1024 * 1024
#: The largest cap one may ask for: reads are sized by the cap, and 1e30 bytes
#: overflowed them ("cannot fit 'int' into an index-sized integer").
MAX_DOC_BYTES_LIMIT = 1024**3
#: Longest id accepted (the web pages look ids up through their URLs).
MAX_ID_CHARS = 1000


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
    path: str | None = None  # the canonical path of its file: collisions and --prune


def not_a_document(doc: object) -> str | None:
    """Why ``doc`` (from a Python caller's iterable) cannot be indexed, or None.

    Readers build valid Documents; a caller's list may hold None, dicts, or a Document
    whose fields have the wrong types, which failed deep in the writer with an
    AttributeError.
    """
    if not isinstance(doc, Document):
        return f"{type(doc).__name__} is not an arsearch Document"
    for name in ("id", "title", "body"):
        if not isinstance(getattr(doc, name), str):
            return f"its {name} is {type(getattr(doc, name)).__name__}, not text"
    for name in ("source", "author", "category", "url", "path"):
        if not isinstance(getattr(doc, name), str | None):
            return f"its {name} is {type(getattr(doc, name)).__name__}, not text or None"
    if not isinstance(doc.date, datetime | None):
        return f"its date is {type(doc.date).__name__}, not a datetime or None"
    return None


@dataclass(frozen=True, slots=True)
class Problem:
    """Something that went wrong while reading: a skipped document or a dropped field."""

    path: str
    line: int | None
    message: str
    skipped: bool = True  # False when only a field was dropped, or a warning

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


#: Receives each problem as it is met; readers never raise for bad input.
OnProblem = Callable[[Problem], None]


class SkipFile(Exception):
    """Internal to the readers: the current file cannot be read at all.

    Raised wherever that is found out (opening, sniffing, decoding a line) and turned
    into one :class:`Problem` for the file by :mod:`arsearch.ingest.readers`; it never
    leaves the package.
    """


def content_hash(doc: Document) -> str:
    """A digest of everything indexed about ``doc``: unchanged documents are skipped."""
    # each value length-prefixed (unambiguous, and ~10x cheaper than json.dumps)
    payload = "|".join("~" if v is None else f"{len(v)}:{v}" for v in (
        doc.title, doc.body, doc.date.isoformat() if doc.date else None, doc.source,
        doc.category, doc.author, doc.url))
    return hashlib.blake2b(payload.encode("utf-8", "surrogatepass"),
                           digest_size=16).hexdigest()
