"""The engine boundary: what the search engine asks of an index, and who answers.

Analysis, the query language, the ranking policy, snippets and highlighting, did-you-mean
and the front ends are the same whatever stores the index. The engine
(:mod:`arsearch.search.engine`) parses a query, expands its synonyms and folds the
request's filters into it, then asks a :class:`SearchBackend` for the matches: ranked
references with their scores, the exact total and the facet counts over every match.
Each backend evaluates the whole ranking itself, because that is where it can be fast:

* Whoosh (:mod:`arsearch.backends.whoosh`), the embedded default: NumPy over cached
  posting lists (:mod:`arsearch.search.bm25` and the policy in
  :mod:`arsearch.search.scoring`), one process, one folder;
* Xapian (:mod:`arsearch.backends.xapian`): the same policy compiled into one
  ``xapian.Query``, over a local folder or shard servers searched as one index.

:func:`open_backend` chooses: a folder whose ``arsearch.json`` records ``"backend":
"xapian"`` is a local Xapian index, any other folder a Whoosh one, a ``.toml`` file a
Xapian cluster. A reference (``ref``) names a match within one open state of a backend
(a docnum for Whoosh, a docid for Xapian); it is only valid with the backend that gave it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

from arsearch.backends.boundary import Matches, SearchBackend, Target
from arsearch.backends.folder import META, read_small

if TYPE_CHECKING:
    from arsearch.search.weights import Weights

__all__ = ["BACKENDS", "Matches", "SearchBackend", "Target", "cluster_status", "guard",
           "locate", "open_backend", "open_store", "recorded_backend", "shard_server"]

#: The backends a folder can hold (recorded in its arsearch.json as "backend").
BACKENDS = ("whoosh", "xapian")
#: What ``arsearch.json`` says when it names no backend (every index before phase 2).
DEFAULT_BACKEND = "whoosh"
FACET_NAMES = ("source", "category", "year")


def is_cluster_file(path: str | os.PathLike) -> bool:
    """A cluster file is named ``*.toml`` (and is not a folder)."""
    p = Path(path)
    return p.suffix.lower() == ".toml" and not p.is_dir()


def recorded_backend(folder: Path) -> str | None:
    """The backend an index folder records, or None when it holds no index (or one whose
    arsearch.json cannot be read: the Whoosh backend's reader then says why)."""
    try:
        meta = json.loads(read_small(folder / META))
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(meta, dict):
        return None
    backend = meta.get("backend", DEFAULT_BACKEND)
    return backend if backend in BACKENDS else None


def locate(target: str | os.PathLike) -> Target:
    """The index at ``target`` and its backend (a missing folder counts as Whoosh, whose
    opener says how to build one)."""
    path = Path(target)
    if is_cluster_file(path):
        return Target(path, "cluster")
    return Target(path, recorded_backend(path) or DEFAULT_BACKEND)


def open_backend(target: str | os.PathLike, weights: Weights, *,
                 allow_partial: bool = False, timeout: float | None = None,
                 exact_counts: bool = False) -> SearchBackend:
    """Open the index at ``target`` for searching with its backend (see the module
    docstring). ``allow_partial``: a cluster runs without shards that cannot be reached
    (results say so); ``timeout``: seconds a shard may take to answer;
    ``exact_counts``: count the facets of every match even of a very large result set
    (Xapian: see ``arsearch.backends.xapian.search``, "Counting"; Whoosh always does)."""
    where = locate(target)
    if where.backend == "whoosh":
        from arsearch.backends.whoosh.backend import open_whoosh

        return open_whoosh(where.path, weights)
    from arsearch.backends.xapian.search import open_xapian

    return open_xapian(where, weights, allow_partial=allow_partial, timeout=timeout,
                       exact_counts=exact_counts)


def open_store(target: str | os.PathLike, backend: str | None = None):
    """Where an indexing run writes (:class:`~arsearch.backends.boundary.Store`): the
    backend the folder records, ``backend`` ("whoosh" or "xapian") for a new index, or
    the shards a cluster file names. Another backend than the recorded one is refused:
    an index is rebuilt into a new folder to change its backend."""
    from arsearch.errors import ArsearchError

    if backend is not None and backend not in BACKENDS:
        raise ArsearchError(f"unknown backend {backend!r} (one of {', '.join(BACKENDS)})")
    where = locate(target)
    if where.is_cluster:
        if backend == "whoosh":
            raise ArsearchError(f"{where.path} is a cluster file (Xapian shards): "
                                "the whoosh backend keeps an index in a folder")
        from arsearch.backends.xapian.store import ClusterStore

        return ClusterStore(where.path)
    recorded = recorded_backend(where.path)
    if backend is not None and recorded is not None and backend != recorded:
        raise ArsearchError(f"the index in {where.path} is a {recorded} index: build the "
                            f"{backend} index in a new folder")
    chosen = recorded or backend or DEFAULT_BACKEND
    if chosen == "xapian":
        from arsearch.backends.xapian.store import FolderStore

        return FolderStore(where.path)
    from arsearch.backends.whoosh.store import WhooshStore

    return WhooshStore(where.path)


def guard(target: str | os.PathLike) -> Callable[[], AbstractContextManager]:
    """Around any read of the index: for Whoosh, errors that come from damaged index
    files become one-line :class:`~arsearch.errors.IndexDamagedError` naming the file
    (Xapian's backend turns its own errors into ArsearchErrors where they happen)."""
    where = locate(target)
    if where.backend != "whoosh":
        return nullcontext
    from arsearch.backends.whoosh.integrity import reading

    return lambda: reading(where.path)


# -- clusters (the front ends' way to Xapian's shard tools) --------------------------------


def cluster_status(path: str | os.PathLike, timeout: float | None = None) -> list[dict]:
    """Each shard of a cluster file: name, address, status ("ok", "replica": its primary
    is down and a replica answers, "missing"), documents, and the reason when missing."""
    from arsearch.backends.xapian.search import DEFAULT_TIMEOUT
    from arsearch.backends.xapian.search import cluster_status as status

    return status(path, DEFAULT_TIMEOUT if timeout is None else timeout)


def shard_server(folder: str | os.PathLike, port: int, host: str = "127.0.0.1", *,
                 writable: bool = False, allow_public: bool = False):
    """An ``xapian-tcpsrv`` serving one shard's folder (``start()``, ``stop()``,
    ``proc``): :class:`arsearch.backends.xapian.cluster.ShardServer`."""
    from arsearch.backends.xapian.cluster import ShardServer

    return ShardServer(Path(folder), port, host, writable, allow_public)
