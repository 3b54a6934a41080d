"""Shard servers on this machine for the benchmarks: ``N`` writable ``xapian-tcpsrv`` on
127.0.0.1 over fresh folders, and the cluster file naming them (``bench/run.py
--cluster N``). Indexing goes through the servers (``index_documents(cluster.toml)``),
as a real cluster's would; the folders are emptied between repeated builds.
"""

from __future__ import annotations

import shutil
from pathlib import Path


class LocalCluster:
    """``n`` writable shard servers over ``work/<name>-shard<i>``."""

    def __init__(self, work: Path, name: str, n: int):
        self.folders = [work / f"{name}-shard{i}" for i in range(n)]
        self.file = work / f"{name}.toml"
        self.servers: list = []

    def start(self) -> LocalCluster:
        from arsearch.backends.xapian.cluster import ShardServer, write_cluster

        self.servers = [ShardServer(f, writable=True).start() for f in self.folders]
        write_cluster(self.file, [s.address for s in self.servers])
        return self

    def reset(self) -> None:
        """Empty shards for a fresh build (servers restarted on the same ports)."""
        ports = [s.port for s in self.servers]
        self.stop()
        for folder in self.folders:
            shutil.rmtree(folder, ignore_errors=True)
        from arsearch.backends.xapian.cluster import ShardServer

        self.servers = [ShardServer(f, port=p, writable=True).start()
                        for f, p in zip(self.folders, ports, strict=True)]

    def stop(self) -> None:
        for s in self.servers:
            s.stop()
        self.servers = []

    def size_mb(self) -> float:
        return sum(f.stat().st_size for folder in self.folders for f in folder.rglob("*")
                   if f.is_file()) / 1e6
