"""The cluster: a TOML file naming the shard servers, routing ids to shards, and the
``xapian-tcpsrv`` process that serves one shard.

A cluster file::

    # arsearch cluster: 3 shards on one machine
    [[shard]]
    name = "s0"                  # optional; default "shard-0", "shard-1"...
    host = "127.0.0.1"
    port = 7001
    replicas = [{ host = "127.0.0.1", port = 7101 }]   # optional, read-only copies

    [[shard]]
    host = "127.0.0.1"
    port = 7002

The order of the shards is part of the routing: a document's shard is
``jump_hash(blake2b(id), number of shards)`` (Lamping & Veach's jump consistent hash),
stable across processes and machines, and growing from n to n+1 shards moves only a
1/(n+1) share of the documents. Append shards; never reorder or remove them.

Xapian's remote protocol has neither authentication nor encryption: a shard server binds
127.0.0.1 unless told otherwise, and refuses an address other machines can reach
unless ``allow_public`` (use a private network or SSH tunnels).
"""

from __future__ import annotations

import contextlib
import hashlib
import ipaddress
import os
import signal
import socket
import subprocess
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from arsearch.backends.folder import read_small

from . import native
from .core import (
    ArsearchError,
    ClusterFileError,
    Document,
    ShardUnavailableError,
    Weights,
    network_reason,
    require_xapian,
)
from .index import FLUSH_THRESHOLD

MAX_SHARDS = 1024
#: A cluster file of 1,024 shards with replicas is well under this.
MAX_CLUSTER_FILE = 1 << 20
#: Changesets a writable shard keeps for its replicas (``XAPIAN_MAX_CHANGESETS``): a
#: replica that falls further behind copies the whole database again.
MAX_CHANGESETS = 100


@dataclass(frozen=True)
class ShardAddress:
    """Where one shard (or one replica of it) answers."""

    name: str
    host: str
    port: int

    def __str__(self) -> str:
        return f"{self.name} ({self.host}:{self.port})"


@dataclass(frozen=True)
class Shard:
    name: str
    host: str
    port: int
    replicas: tuple[ShardAddress, ...] = ()

    @property
    def address(self) -> ShardAddress:
        return ShardAddress(self.name, self.host, self.port)


@dataclass(frozen=True)
class Cluster:
    shards: tuple[Shard, ...]
    path: Path | None = None

    def shard_for(self, doc_id: str) -> Shard:
        """The shard that owns ``doc_id``."""
        return self.shards[shard_index(doc_id, len(self.shards))]

    @property
    def addresses(self) -> list[ShardAddress]:
        return [s.address for s in self.shards]


# -- routing ------------------------------------------------------------------------------


def jump_hash(key: int, buckets: int) -> int:
    """Lamping & Veach (2014): a bucket in [0, buckets) for a 64-bit key; going from n to
    n+1 buckets moves exactly the keys that land in the new one."""
    if buckets < 1:
        raise ValueError("buckets must be at least 1")
    b, j = -1, 0
    while j < buckets:
        b = j
        key = (key * 2862933555777941757 + 1) & 0xFFFFFFFFFFFFFFFF
        j = int((b + 1) * ((1 << 31) / ((key >> 33) + 1)))
    return b


def shard_index(doc_id: str, shards: int) -> int:
    """The shard of ``doc_id`` among ``shards``: a stable hash (never Python's ``hash``,
    which changes with every process)."""
    digest = hashlib.blake2b(doc_id.encode("utf-8", "surrogatepass"), digest_size=8).digest()
    return jump_hash(int.from_bytes(digest, "big"), shards)


# -- the cluster file ---------------------------------------------------------------------


def read_cluster(path: str | os.PathLike) -> Cluster:
    """Read and check a cluster file; ClusterFileError says what is wrong, in one line."""
    path = Path(path)
    try:
        # a FIFO in its place must not hang a search, nor a huge file fill the memory
        data = tomllib.loads(read_small(path, MAX_CLUSTER_FILE).decode("utf-8"))
    except FileNotFoundError as exc:
        raise ClusterFileError(f"no cluster file {path}") from exc
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        if isinstance(exc, tomllib.TOMLDecodeError):
            raise ClusterFileError(f"{path}: not valid TOML: {exc}") from exc
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ClusterFileError(f"cannot read the cluster file {path}: {reason}") from exc
    return parse_cluster(data, path)


def parse_cluster(data: dict, path: Path | None = None) -> Cluster:
    where = str(path) if path else "cluster"
    unknown = set(data) - {"shard"}
    if unknown:
        raise ClusterFileError(f"{where}: unknown key(s) {', '.join(sorted(unknown))} "
                               "(a cluster file holds [[shard]] tables)")
    raw = data.get("shard")
    if not isinstance(raw, list) or not raw:
        raise ClusterFileError(f"{where}: no [[shard]] table")
    if len(raw) > MAX_SHARDS:
        raise ClusterFileError(f"{where}: {len(raw)} shards (at most {MAX_SHARDS})")
    shards = []
    for i, entry in enumerate(raw):
        label = f"{where}: shard {i + 1}"
        if not isinstance(entry, dict):
            raise ClusterFileError(f"{label}: not a table")
        unknown = set(entry) - {"name", "host", "port", "replicas"}
        if unknown:
            raise ClusterFileError(f"{label}: unknown key(s) {', '.join(sorted(unknown))}")
        name = entry.get("name", f"shard-{i}")
        if not isinstance(name, str) or not name.strip() or len(name) > 100 \
                or not name.isprintable():  # it is shown in messages and log lines
            raise ClusterFileError(f"{label}: name must be printable text of 1 to 100 "
                                   "characters")
        host, port = _address(entry, label)
        replicas_raw = entry.get("replicas", [])
        if not isinstance(replicas_raw, list):
            raise ClusterFileError(f"{label}: replicas must be a list of {{host, port}}")
        replicas = []
        for j, rep in enumerate(replicas_raw):
            if not isinstance(rep, dict) or set(rep) - {"host", "port"}:
                raise ClusterFileError(f"{label}: replica {j + 1} must be {{host, port}}")
            r_host, r_port = _address(rep, f"{label}, replica {j + 1}")
            replicas.append(ShardAddress(f"{name} replica {j + 1}", r_host, r_port))
        shards.append(Shard(name, host, port, tuple(replicas)))
    names = [s.name for s in shards]
    if len(set(names)) != len(names):
        twice = next(n for n in names if names.count(n) > 1)
        raise ClusterFileError(f"{where}: two shards share the name {twice!r} (shards "
                               f"{[i + 1 for i, n in enumerate(names) if n == twice]})")
    seen: set[tuple[str, int]] = set()
    for s in shards:
        for a in (s.address, *s.replicas):
            if (a.host, a.port) in seen:
                raise ClusterFileError(f"{where}: {a.host}:{a.port} is listed twice")
            seen.add((a.host, a.port))
    return Cluster(tuple(shards), path)


def _address(entry: dict, label: str) -> tuple[str, int]:
    host, port = entry.get("host"), entry.get("port")
    if not isinstance(host, str) or not host.strip() or any(c.isspace() for c in host):
        raise ClusterFileError(f"{label}: host must be a host name or address")
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        raise ClusterFileError(f"{label}: port must be a whole number from 1 to 65535")
    return host, port


def write_cluster(path: str | os.PathLike, shards: list[tuple[str, int]]) -> Path:
    """A cluster file for ``shards`` [(host, port)...] (tests, walk-throughs)."""
    lines = ["# arsearch cluster file (docs/xapian.md)"]
    for i, (host, port) in enumerate(shards):
        lines += ["", "[[shard]]", f'name = "shard-{i}"', f'host = "{host}"', f"port = {port}"]
    path = Path(path)
    path.write_text("\n".join(lines) + "\n", "utf-8")
    return path


# -- writing ------------------------------------------------------------------------------


class ClusterWriter:
    """Writes documents to the shards that own them (servers started ``--writable``).

    Each shard is one Xapian writer; ``commit`` commits every shard. A shard that stops
    answering is a ShardUnavailableError naming it: what other shards committed stays,
    and a re-run converges (unchanged documents are skipped by content hash).
    """

    def __init__(self, cluster: Cluster, timeout: float = 10.0,
                 weights: Weights | None = None):
        from .index import XapianIndex

        self.cluster = cluster
        self.indexes = []
        try:
            for s in cluster.shards:
                self.indexes.append(XapianIndex.open_remote(s.host, s.port, str(s.address),
                                                            timeout, weights))
        except ArsearchError:
            self.close()
            raise

    def _shard(self, i: int, fn):
        xapian = require_xapian()
        try:
            return fn(self.indexes[i])
        except xapian.NetworkError as exc:
            raise ShardUnavailableError(str(self.cluster.shards[i].address),
                                        network_reason(exc)) from exc

    def put(self, doc: Document) -> str:
        """Add or replace ``doc`` on its shard: "added", "replaced" or "unchanged"."""
        return self._shard(shard_index(doc.id, len(self.indexes)), lambda ix: ix.put(doc))

    def delete(self, doc_id: str) -> bool:
        return self._shard(shard_index(doc_id, len(self.indexes)),
                           lambda ix: ix.delete(doc_id))

    def commit(self) -> None:
        for i in range(len(self.indexes)):
            self._shard(i, lambda ix: ix.commit())

    def close(self) -> None:
        """Release every shard's writer (pending changes are committed by Xapian)."""
        xapian = require_xapian()
        for ix in self.indexes:
            with contextlib.suppress(xapian.Error):
                ix.close()
        self.indexes = []

    def __enter__(self) -> ClusterWriter:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


# -- serving a shard ----------------------------------------------------------------------


def is_loopback(host: str) -> bool:
    """True when every address ``host`` names is a loopback address."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except (OSError, UnicodeError):
        return False
    return bool(infos) and all(ipaddress.ip_address(str(i[4][0]).split("%")[0]).is_loopback
                               for i in infos)


def free_port(host: str = "127.0.0.1") -> int:
    """A port free right now on ``host`` (another process may take it before use)."""
    with socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


@dataclass
class ShardServer:
    """``xapian-tcpsrv`` serving one shard's folder; ``stop()`` ends it and the children
    it forks for each connection (they share its process group)."""

    path: Path
    port: int = 0  # 0: a free port
    host: str = "127.0.0.1"
    writable: bool = False
    allow_public: bool = False
    timeout_ms: int | None = None  # idle and active connection timeouts of the server
    #: the xapian-tcpsrv to run; default :func:`.native.tcpsrv` (the fixed build's when
    #: this process runs it, else Debian's)
    server: str | None = None
    server_exe: str | None = field(default=None, init=False)  # the one started
    proc: subprocess.Popen | None = field(default=None, repr=False)

    @property
    def fixed(self) -> bool:
        """The server started is arsearch's fixed Xapian build (:mod:`.native`)."""
        fixed = native.fixed_server()
        return fixed is not None and self.server_exe is not None and \
            Path(self.server_exe).resolve() == fixed.resolve()

    def start(self, wait: float = 10.0) -> ShardServer:
        """Start the server; return once it listens. ArsearchError, in one line, when it
        cannot (a public address not allowed, no database, the port taken...)."""
        if not self.allow_public and not is_loopback(self.host):
            raise ArsearchError(
                f"refusing to serve a shard on {self.host!r}: Xapian's protocol has no "
                "authentication or encryption; use 127.0.0.1 with SSH tunnels or a private "
                "network, or allow it explicitly")
        exe = self.server_exe = self.server or native.tcpsrv()
        if exe is None:
            raise ArsearchError("xapian-tcpsrv is not installed (apt-get install xapian-tools)")
        self.path = Path(self.path)
        _ensure_database(self.path, self.writable)
        attempts = 1 if self.port else 5  # a free port may be taken before the server binds
        for attempt in range(attempts):
            port = self.port or free_port(self.host)
            error = self._launch(exe, port, wait)
            if error is None:
                self.port = port
                return self
            if "in use" not in error or attempt == attempts - 1:
                raise ArsearchError(f"xapian-tcpsrv could not serve {self.path} on "
                                    f"{self.host}:{port}: {error}")
        raise AssertionError("unreachable")

    def _launch(self, exe: str, port: int, wait: float) -> str | None:
        """Run the server; None once it says it listens, else why it did not.

        Its own words are the signal ("Listening..."): a connection test would succeed
        against another process holding the port. Its output is read to the end by a
        thread (a line per connection would otherwise fill the pipe and block it).
        """
        cmd = [exe, "--port", str(port), "--interface", self.host]
        if self.writable:
            cmd.append("--writable")
        if self.timeout_ms is not None:
            cmd += ["--timeout", str(self.timeout_ms)]
        self.proc = subprocess.Popen([*cmd, str(self.path)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     start_new_session=True, env=self.environment())
        listening = threading.Event()
        self._output: list[str] = []
        threading.Thread(target=self._read_output, args=(self.proc, listening),
                         daemon=True).start()
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if listening.wait(0.02):
                return None
            if self.proc.poll() is not None:
                listening.wait(0.5)  # the reader's last lines
                self.proc = None
                return self._output[-1] if self._output else "it exited"
        self.stop()
        return f"it did not listen within {wait:g} s"

    def environment(self) -> dict[str, str]:
        """A writable shard keeps changesets, so replicas can follow it
        (``xapian-replicate``), and flushes every ``FLUSH_THRESHOLD`` documents (a
        large buffer of postings slows its writes: index.py)."""
        env = dict(os.environ)
        if self.writable:
            env.setdefault("XAPIAN_MAX_CHANGESETS", str(MAX_CHANGESETS))
            env.setdefault("XAPIAN_FLUSH_THRESHOLD", str(FLUSH_THRESHOLD))
        return env

    def _read_output(self, proc: subprocess.Popen, listening: threading.Event) -> None:
        assert proc.stdout is not None  # started with stdout=PIPE
        with proc.stdout:
            for raw in proc.stdout:
                line = raw.decode("utf-8", "replace").strip()
                if line.startswith("Listening"):
                    listening.set()
                elif line and not listening.is_set():
                    self._output.append(line)

    def stop(self, sig: int = signal.SIGTERM) -> None:
        """Stop the server and its connections' children (``sig``: SIGKILL for a crash)."""
        if self.proc is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(5)
        # then whatever of its group is left: the server, if ``sig`` did not end it in
        # 5 s, and any child that outlived it (a connection's child once stayed, stuck on
        # a lock with SIGTERM blocked, holding nothing but the server's output pipe, for
        # good, after a test of the writer)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        self.proc = None

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def __enter__(self) -> ShardServer:
        return self.start() if self.proc is None else self

    def __exit__(self, *exc) -> None:
        self.stop()


def _ensure_database(path: Path, writable: bool) -> None:
    """A writable shard may start empty (created here); a read-only one must exist."""
    xapian = require_xapian()
    if writable:
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN).close()
        except OSError as exc:
            raise ArsearchError(f"cannot create the shard {path}: {exc.strerror}") from exc
        except xapian.DatabaseLockError as exc:
            raise ArsearchError(f"the shard {path} is open by another writer") from exc
        except xapian.Error as exc:
            raise ArsearchError(f"cannot create the shard {path}: {exc}") from exc
        return
    try:
        xapian.Database(str(path)).close()
    except xapian.Error as exc:
        raise ArsearchError(f"no Xapian database in {path}: {exc}") from exc
