"""Everything this backend takes from the rest of arsearch, in one place.

Keeping every import of arsearch's shared modules here means a move changes this file
only. Also the backend's own errors, which derive from arsearch's one root exception.
"""

from __future__ import annotations

import re
from types import ModuleType

from arsearch.analysis import EXACT, ArabicAnalyzer, index_positions, stem
from arsearch.analysis.exact import written_term
from arsearch.analysis.synonyms import Synonyms, load_synonyms
from arsearch.backends.boundary import Matches
from arsearch.errors import (
    ArsearchError,
    DocumentNotFoundError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
)
from arsearch.ingest import Document, content_hash, read_documents
from arsearch.search.expand import expand
from arsearch.search.facets import Choices, date_key, hijri_months, months
from arsearch.search.query import ParsedQuery, Phrase, Word, parse_query
from arsearch.search.results import Part
from arsearch.search.suggest import ARABIC_LETTERS, LATIN_LETTERS
from arsearch.search.weights import Weights

__all__ = [
    "ARABIC_LETTERS", "EXACT", "LATIN_LETTERS", "ArabicAnalyzer", "ArsearchError",
    "Choices", "ClusterFileError", "Document",
    "DocumentNotFoundError", "IndexDamagedError", "IndexLockedError", "IndexNotFoundError",
    "IndexVersionError",
    "Matches",
    "ParsedQuery", "Part", "Phrase", "QueryError", "ShardUnavailableError", "Synonyms",
    "Weights", "Word", "XapianUnavailableError", "content_hash", "date_key", "expand",
    "hijri_months", "index_positions",
    "load_synonyms", "months", "network_reason", "parse_query", "read_documents",
    "require_xapian", "stem", "written_term",
]


class XapianUnavailableError(ArsearchError):
    """The Xapian bindings or tools are not installed (or not linked into the venv)."""


class ClusterFileError(ArsearchError):
    """A cluster file is missing, unreadable or malformed."""


class ShardUnavailableError(ArsearchError):
    """A shard server cannot be reached, or stopped answering; ``shard`` names it."""

    def __init__(self, shard: str, reason: str):
        super().__init__(f"shard {shard} is unavailable: {reason}")
        self.shard = shard
        self.reason = reason


_CONTEXT = re.compile(r"\s*\(context: remote:tcp\([^)]*\)\)")


_NOT_XAPIAN = re.compile(r"Expecting reply type|Unknown protocol|protocol version",
                         re.IGNORECASE)


def network_reason(exc: Exception) -> str:
    """A Xapian network error's message without its ``(context: remote:tcp(...))``.

    A port that answers but is no shard server (a web server, SSH) gave "Expecting reply
    type 0 or 2, got 83" or a read timeout: the message says what is likely wrong.
    """
    reason = _CONTEXT.sub("", str(exc)).strip() or type(exc).__name__
    if _NOT_XAPIAN.search(reason):
        reason += " (the port answers but not as a Xapian shard server: is it " \
                  "`arsearch shard serve` / xapian-tcpsrv?)"
    elif "Timeout expired while trying to read" in reason:
        reason += " (nothing answered in time: a busy shard, or a port that is not a " \
                  "Xapian shard server)"
    return reason


def require_xapian() -> ModuleType:
    """The ``xapian`` module, or XapianUnavailableError saying how to get it. The fixed
    library of ``scripts/build_xapian.py``, when built, is loaded first (:mod:`.native`)."""
    from . import native

    native.preload()
    try:
        import xapian
    except ImportError as exc:
        raise XapianUnavailableError(
            "the Xapian bindings are not importable: apt-get install python3-xapian "
            "xapian-tools, then python scripts/link_xapian.py in the virtual "
            "environment") from exc
    return xapian
