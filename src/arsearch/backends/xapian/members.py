"""The databases a Xapian searcher reads, and how it carries on when one fails.

A searcher's members are the parts of a local folder or the shards of a cluster, each
shard at its primary address or one of its replicas. :class:`Members` opens them as one
``xapian.Database`` and runs every call through :meth:`Members._run`: a commit that
invalidated the reader reopens it once; a shard that stops answering is reconnected at
its next address (replica failover), or, with ``allow_partial``, left out and named
(``missing_shards``); otherwise a :class:`ShardUnavailableError` names it.
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import native
from .cluster import ShardAddress, read_cluster
from .core import (
    ArsearchError,
    IndexDamagedError,
    IndexVersionError,
    ShardUnavailableError,
    network_reason,
    require_xapian,
)
from .index import Layout

xapian = require_xapian()

#: Seconds a shard may take to answer before it counts as down (Xapian's default: 10).
DEFAULT_TIMEOUT = 10.0
_CONTEXT = re.compile(r"remote:tcp\(([^)]*)\)")


@dataclass
class Member:
    """One database of the searcher: a local part, or a shard and its replicas."""

    name: str
    addresses: tuple[ShardAddress, ...] = ()  # primary first; empty for a local part
    path: Path | None = None
    db: Any = None  # the open xapian.Database; None while missing
    serving: ShardAddress | None = None  # the address that answers now
    fixes: int = 0  # of arsearch's Xapian fixes, the server at ``serving`` carries

    @property
    def remote(self) -> bool:
        return bool(self.addresses)

    @property
    def fixed(self) -> bool:
        """The server at ``serving`` is arsearch's fixed Xapian (:mod:`.native`)."""
        return self.fixes >= native.FIXES


class _Modified(Exception):
    """Internal: the database changed under the reader."""


class _ShardFailed(Exception):
    """Internal: a shard stopped answering in the middle of a call."""

    def __init__(self, member: Member | None, exc: Exception):
        super().__init__(str(exc))
        self.member, self.exc = member, exc


class Members:
    """Members opened as one database; calls that reopen after a commit and fail over
    after a shard failure. Thread-safe: Xapian objects are not, so calls take turns."""

    def __init__(self, members: Sequence[Member], label: str = "", *,
                 allow_partial: bool = False, timeout: float = DEFAULT_TIMEOUT):
        self.members = list(members)
        self.label = label
        self.allow_partial = allow_partial
        self.timeout = timeout
        self._lock = threading.RLock()
        self.db = self._combine()

    def _combine(self):
        """One Database over the members that answer (their connections are shared)."""
        db = xapian.Database()
        for m in self.members:
            if m.db is not None:
                db.add_database(m.db)
        return db

    def prunes_exactly(self) -> bool:
        """Whether Xapian may prune here without leaving results out: this process's
        library and the server of each shard read carry arsearch's fixes (:mod:`.native`;
        a replica that took over is asked again). Several local parts (an index
        written with ``procs`` > 1) need the third fix: Debian's Xapian, merging one
        match tree a part, drops the best document of a later part once the page is
        full (tests/test_xapian_pruning.py, ``TWO_DATABASES``)."""
        return native.prunes() and all(m.fixed for m in self.members
                                       if m.remote and m.db is not None)

    @property
    def partial(self) -> bool:
        return any(m.db is None for m in self.members)

    @property
    def missing_shards(self) -> list[str]:
        return [m.name for m in self.members if m.db is None]

    def _reopen(self) -> bool:
        """See the members' latest commit (True if there is a newer one); a subclass
        whose members can be replaced under it (a local folder's switch) overrides it."""
        return self.db.reopen()

    def _forget(self) -> None:
        """What a subclass cached for the previous state (none here)."""

    def _run(self, fn):
        """Run ``fn`` on the database: after a writer's commit invalidates this reader,
        reopen once; after a shard fails, fail over to its replicas (or, with
        ``allow_partial``, go on without it) and run again."""
        with self._lock:
            for _ in range(len(self.members) + 2):
                try:
                    try:
                        return self._call(fn)
                    except _Modified:
                        self._call(self._reopen)
                        self._forget()
                        return self._call(fn)
                except _ShardFailed as failed:
                    self._fail_over(failed)
            raise ShardUnavailableError(self.label, "the shards keep failing")

    def _call(self, fn):
        try:
            return fn()
        except xapian.DatabaseModifiedError as exc:
            raise _Modified() from exc
        except xapian.NetworkError as exc:
            raise _ShardFailed(self._member_of(exc), exc) from exc
        except xapian.DatabaseError as exc:
            raise ArsearchError(f"the Xapian index {self.label} cannot be read: "
                                f"{network_reason(exc)}") from exc

    def _member_of(self, exc: Exception) -> Member | None:
        """The member an error's context (``remote:tcp(host:port)``) points at; else the
        first remote member that does not answer a keep-alive."""
        m = _CONTEXT.search(str(exc))
        if m:
            for member in self.members:
                a = member.serving
                if a is not None and m.group(1) in (f"{a.host}:{a.port}",
                                                    f"[{a.host}]:{a.port}"):
                    return member
        for member in self.members:
            if member.remote and member.db is not None:
                try:
                    member.db.keep_alive()
                except xapian.Error:
                    return member
        return None

    def _fail_over(self, failed: _ShardFailed) -> None:
        member, exc = failed.member, failed.exc
        if member is None:
            raise ShardUnavailableError(self.label, network_reason(exc)) from exc
        gone, dead = member.serving, member.db
        try:
            connect(member, self.timeout, skip=gone)
        except ShardUnavailableError:
            if not self.allow_partial:
                # not partial: keep the dead connection, the next call tries again
                member.db, member.serving = dead, gone
                where = str(gone) if gone else member.name
                raise ShardUnavailableError(where, network_reason(exc)) from exc
            if all(m.db is None for m in self.members):
                raise ShardUnavailableError(self.label, "no shard of the cluster answers") \
                    from exc
        self.db = self._combine()
        self._forget()


def open_part(path: Path):
    try:
        return xapian.Database(str(path))
    except xapian.DatabaseOpeningError as exc:
        raise ArsearchError(f"no Xapian index in {path}: {exc}") from exc
    except xapian.Error as exc:
        raise ArsearchError(f"the Xapian index {path} cannot be read: {exc}") from exc


def connect(member: Member, timeout: float, skip: ShardAddress | None = None) -> None:
    """Open ``member`` at its first address that answers (``skip`` last: it just failed)."""
    order = [a for a in member.addresses if a != skip] + ([skip] if skip else [])
    errors = []
    for address in order:
        try:
            member.db = open_remote(address, timeout)
            member.serving = address
            member.fixes = _server_fixes(member.db)
            return
        except ShardUnavailableError as exc:
            errors.append(exc)
    member.db, member.serving = None, None
    first = errors[0] if errors else ShardUnavailableError(member.name, "no address")
    if len(errors) > 1:
        raise ShardUnavailableError(str(member.addresses[0]),
                                    f"{first.reason} (and its {len(errors) - 1} "
                                    "replica(s) do not answer)")
    raise first


def _server_fixes(db) -> int:
    """A shard server's fixes (:func:`.native.server_fixes`); 0 when it cannot say (it
    failed just now: the next call fails over)."""
    try:
        return native.server_fixes(db)
    except xapian.Error:
        return 0


def open_remote(address: ShardAddress, timeout: float = DEFAULT_TIMEOUT):
    """One shard server as a Database; ShardUnavailableError when it does not answer."""
    ms = max(int(timeout * 1000), 1)
    try:
        return xapian.remote_open(address.host, address.port, ms, ms)
    except xapian.NetworkError as exc:
        raise ShardUnavailableError(str(address), network_reason(exc)) from exc
    except xapian.Error as exc:
        raise ShardUnavailableError(str(address), f"{type(exc).__name__}: {exc}") from exc


def cluster_status(path: str | os.PathLike, timeout: float = DEFAULT_TIMEOUT) -> list[dict]:
    """Each shard of the cluster file: where it answers (its primary, else the first
    replica that does), its documents, or why none answers; ``outdated`` when its layout
    is older than this arsearch's (a half-upgraded cluster: searches refuse it);
    ``fixed_xapian``: its server is arsearch's fixed Xapian (else searches are not
    pruned: :mod:`.native`)."""
    out = []
    for shard in read_cluster(path).shards:
        entry: dict = {"name": shard.name, "address": f"{shard.host}:{shard.port}",
                       "replicas": [f"{r.host}:{r.port}" for r in shard.replicas]}
        member = Member(shard.name, (shard.address, *shard.replicas))
        try:
            connect(member, timeout)
        except ShardUnavailableError as exc:
            entry.update(status="missing", documents=None, reason=exc.reason)
        else:
            serving = member.serving or shard.address
            try:
                entry.update(status="ok" if serving == shard.address else "replica",
                             serving=f"{serving.host}:{serving.port}",
                             documents=member.db.get_doccount(),
                             fixed_xapian=member.fixed)
                Layout.stored(member.db, f"shard {shard.name}", shard=True)  # none: new
            except (IndexVersionError, IndexDamagedError) as exc:
                # written by an older arsearch, or its layout record damaged: not searched
                entry.update(status="outdated", reason=str(exc))
            finally:
                member.db.close()
        out.append(entry)
    return out
