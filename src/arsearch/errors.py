"""The one root exception of arsearch.

Library code raises :class:`ArsearchError` (or a subclass) for every failure a user can
cause or fix, so the CLI and the web app can turn exactly these into messages and exit
codes while real bugs still surface as tracebacks.
"""

from __future__ import annotations


class ArsearchError(Exception):
    """Base class of every error arsearch raises on purpose."""


class IndexNotFoundError(ArsearchError):
    """The index folder does not exist or holds no arsearch index."""


class IndexLockedError(ArsearchError):
    """Another process is updating the index right now."""


class IndexVersionError(ArsearchError):
    """The index was written by an incompatible version of arsearch."""


class IndexDamagedError(ArsearchError):
    """The index files are damaged or missing: rebuild with ``arsearch index --rebuild``."""


class QueryError(ArsearchError):
    """A search request is invalid (bad page, bad date, too long...)."""


class DocumentNotFoundError(ArsearchError):
    """No document in the index has the id asked for."""


class DocumentError(ArsearchError):
    """A document could not be read or is invalid."""
