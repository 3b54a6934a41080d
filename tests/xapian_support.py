"""Shared helpers of the Xapian backend and cluster tests.

Xapian is a Debian package linked into the venv (``scripts/link_xapian.py``). Without it
these tests skip with that instruction, except in CI, where ``.ci/run`` sets
``ARSEARCH_REQUIRE_XAPIAN=1`` so that a missing Xapian fails instead (the issue asks
for none skipped there).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest


def require_xapian() -> None:
    """Skip (or, in CI, fail) the calling test module when Xapian is missing."""
    missing = []
    try:
        import xapian  # noqa: F401
    except ImportError:
        missing.append("the xapian bindings (python scripts/link_xapian.py)")
    for tool in ("xapian-tcpsrv",):
        if shutil.which(tool) is None:
            missing.append(f"{tool} (apt-get install xapian-tools)")
    if not missing:
        return
    message = "needs " + " and ".join(missing)
    if os.environ.get("ARSEARCH_REQUIRE_XAPIAN"):
        pytest.fail(message + " (ARSEARCH_REQUIRE_XAPIAN is set)", pytrace=False)
    pytest.skip(message, allow_module_level=True)


def require_fixed_build() -> None:
    """Skip (in CI, fail) the calling test when this process does not run arsearch's
    fixed Xapian (``python scripts/build_xapian.py``)."""
    from arsearch.backends.xapian import native

    if native.prunes():
        return
    message = "needs arsearch's Xapian build (python scripts/build_xapian.py)"
    if os.environ.get("ARSEARCH_REQUIRE_XAPIAN"):
        pytest.fail(message + " (ARSEARCH_REQUIRE_XAPIAN is set)", pytrace=False)
    pytest.skip(message)


#: The environment of a child process on Debian's Xapian (the stock defects' witnesses).
STOCK = {**os.environ, "ARSEARCH_XAPIAN_BUILD": "none"}


def build_local(path: Path, docs) -> Path:
    """A local Xapian index of ``docs`` at ``path``."""
    from arsearch.backends.xapian.index import index_documents

    index_documents(path, docs)
    return path


def build_shards(folder: Path, docs, shards: int) -> list[Path]:
    """``docs`` split over ``shards`` local databases by the cluster's routing."""
    from arsearch.backends.xapian.cluster import shard_index
    from arsearch.backends.xapian.index import XapianIndex

    paths = [folder / f"shard{i}" for i in range(shards)]
    writers = [XapianIndex.open_local(p) for p in paths]
    for doc in docs:
        writers[shard_index(doc.id, shards)].put(doc)
    for w in writers:
        w.close()
    return paths


class LocalCluster:
    """``n`` shard servers (``xapian-tcpsrv``) on 127.0.0.1 free ports over folders in
    ``folder``, and the cluster file naming them; ``stop()`` ends every server."""

    def __init__(self, folder: Path, n: int = 3, writable: bool = True):
        from arsearch.backends.xapian.cluster import ShardServer, write_cluster

        self.folder = folder
        self.servers = [ShardServer(folder / f"shard{i}", writable=writable).start()
                        for i in range(n)]
        self.file = write_cluster(folder / "cluster.toml", [s.address for s in self.servers])

    def restart(self, i: int) -> None:
        """Start shard ``i`` again on its folder and port (after a kill)."""
        from arsearch.backends.xapian.cluster import ShardServer

        old = self.servers[i]
        old.stop()
        self.servers[i] = ShardServer(old.path, port=old.port, writable=old.writable).start()

    def kill(self, i: int) -> None:
        """kill -9 of shard ``i``'s server and the children serving its connections."""
        import signal

        self.servers[i].stop(signal.SIGKILL)

    def stop(self) -> None:
        for s in self.servers:
            s.stop()

    def __enter__(self) -> LocalCluster:
        return self

    def __exit__(self, *exc) -> None:
        self.stop()
