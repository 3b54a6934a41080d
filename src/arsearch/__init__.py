"""arsearch: full-text search for Arabic news archives.

Typical use::

    import arsearch
    arsearch.index_paths("index/", ["articles/"])
    engine = arsearch.open_index("index/")
    results = engine.search("داعش إدلب", page=1, per_page=10)
    for hit in results.hits:
        print(hit.title, hit.snippet)
"""

import sys

if sys.platform == "win32":  # pragma: no cover - the README says so
    raise ImportError("arsearch runs on POSIX systems (Linux, macOS): its index lock is an "
                      "flock and its readers open files with O_NONBLOCK")

from arsearch.analysis import AnalyzedToken, analyze
from arsearch.analysis.normalize import normalize
from arsearch.backends.whoosh.check import CheckReport, check_index
from arsearch.errors import (
    ArsearchError,
    DocumentError,
    IndexDamagedError,
    IndexLockedError,
    IndexNotFoundError,
    IndexVersionError,
    QueryError,
)
from arsearch.indexing import IndexReport, index_documents, index_paths
from arsearch.ingest import Document, Problem, read_documents
from arsearch.progress import Progress
from arsearch.search.engine import Engine, open_index
from arsearch.search.query import ParsedQuery, parse_query
from arsearch.search.results import Hit, Results

__version__ = "0.1.0"

__all__ = [
    "AnalyzedToken", "ArsearchError", "CheckReport", "Document", "DocumentError", "Engine",
    "Hit", "IndexDamagedError", "IndexLockedError", "IndexNotFoundError", "IndexReport",
    "IndexVersionError", "ParsedQuery", "Problem", "Progress", "QueryError", "Results",
    "analyze", "check_index", "index_documents", "index_paths", "normalize", "open_index",
    "parse_query", "read_documents",
]
