"""Writing to a Xapian index: one indexing run's session (the backend's writer).

:mod:`arsearch.indexing` decides *what* to write (new, changed, duplicate, gone); a
session knows *how*. An index is a list of parts written by id: the parts of a local
folder's database (:mod:`.folder`) or the shards of a cluster (servers started
``--writable``). A document goes to the part its id routes to
(:func:`.cluster.shard_index`), so an update or a delete reaches the part that holds it.

With ``procs > 1`` each worker process owns some parts and does the analysis for
them: the parent reads the documents and decides, the workers analyse and write, and a
commit commits every part. Xapian commits each part atomically; a run that dies keeps
every part's last commit, and a re-run skips what is unchanged (content hashes), so
runs converge whatever killed the last one. Documents are written in batches
(:func:`write_batch`); a run that fails or is interrupted still writes what it had sent
and keeps it (each document whole: closing a Xapian writer commits), except a rebuild,
which is never made current.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import multiprocessing as mp
import os
import queue
import shutil
import signal
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from arsearch.backends.folder import write_lock
from arsearch.backends.workers import next_result

from .cluster import Cluster, read_cluster, shard_index
from .core import (
    ArsearchError,
    Document,
    IndexLockedError,
    ShardUnavailableError,
    Weights,
    network_reason,
    require_xapian,
)
from .facets import slot_values
from .folder import (
    XapianFolderError,
    next_database,
    part_paths,
    read_meta,
    remove_stale_databases,
    write_meta,
)
from .index import (
    CLUSTER_REBUILD,
    FLUSH_THRESHOLD,
    SLOT_HASH,
    SLOT_ID,
    SLOT_PATH,
    SLOT_RECORD,
    Layout,
    id_term,
    read_record,
    to_xapian,
)

xapian = require_xapian()

#: Documents per batch sent to a worker process.
BATCH = 200
#: A local run that adds, replaces or deletes at least this share of the documents the
#: index held before it (a first build or a rebuild: all) ends by compacting the
#: database: frequent flushes (``index.FLUSH_THRESHOLD``) leave its B-trees' blocks
#: part-filled, and the compacted copy is about half the size (41,661 articles in 2
#: parts: 436 MB written, 232 MB compacted, in 1.5 s). A shard server's database is
#: compacted offline (``xapian-compact``, docs/xapian.md).
COMPACT_SHARE = 0.25
#: What a cluster records in each shard (id root, creation and update times).
META_KEY = "arsearch:meta"
#: Seconds an idle worker waits for a job before it checks that the run's process is
#: still there (:func:`_worker`).
ORPHAN_CHECK = 1.0
_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


# -- one part ---------------------------------------------------------------------------


class PartWriter:
    """One part open for writing: a local database or a writable shard server."""

    def __init__(self, name: str, path: Path | None = None,
                 address: tuple[str, int] | None = None, timeout: float = 30.0,
                 weights: Weights | None = None, wait: float = 0.0):
        """``wait``: seconds to wait for another writer of the part to finish (a killed
        writer's connection holds a shard's lock until its server notices)."""
        self.name = name
        os.environ.setdefault("XAPIAN_FLUSH_THRESHOLD", str(FLUSH_THRESHOLD))
        deadline = time.monotonic() + wait
        while True:
            try:
                self.db = self._open(path, address, timeout)
                break
            except xapian.DatabaseLockError as exc:
                if time.monotonic() < deadline:
                    time.sleep(0.2)
                    continue
                raise IndexLockedError(
                    f"{name} is being updated by another writer; try again when it has "
                    "finished (or pass --wait SECONDS)") from exc
            except xapian.NetworkError as exc:
                raise ShardUnavailableError(name, network_reason(exc)) from exc
            except xapian.Error as exc:  # a read-only server, an unreadable folder
                raise ArsearchError(f"cannot write to {name}: {network_reason(exc)}") \
                    from exc
        self.layout = self.guarded(lambda: Layout.for_writer(
            self.db, self.name, weights, shard=address is not None))

    @staticmethod
    def _open(path: Path | None, address: tuple[str, int] | None, timeout: float):
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            return xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN)
        assert address is not None  # a part is a folder or a server
        ms = max(int(timeout * 1000), 1)
        return xapian.remote_open_writable(address[0], address[1], ms, ms)

    def document(self, op: str, doc: Document | None, digest: str, path: str):
        """The Xapian document an ``op`` writes (None for a deletion)."""
        if op == "delete" or doc is None:
            return None
        return to_xapian(doc, self.layout, digest, path)

    def apply(self, op: str, doc_id: str, xdoc) -> None:
        """Write ``op`` (``xdoc``: its :meth:`document`)."""
        if xdoc is None:
            self.db.delete_document(id_term(doc_id))
        elif op == "add":  # a new id: no lookup of an older version
            self.db.add_document(xdoc)
        else:
            self.db.replace_document(id_term(doc_id), xdoc)

    def commit(self, meta: str | None) -> None:
        if meta is not None:
            self.db.set_metadata(META_KEY, meta)
        self.db.commit()

    def close(self) -> None:
        with contextlib.suppress(xapian.Error):
            self.db.close()

    def guarded(self, fn: Callable):
        """Run ``fn``; a shard that stops answering is a ShardUnavailableError naming it."""
        try:
            return fn()
        except xapian.NetworkError as exc:
            raise ShardUnavailableError(self.name, network_reason(exc)) from exc
        except xapian.Error as exc:
            raise ArsearchError(f"cannot write to {self.name}: {network_reason(exc)}") from exc


def write_batch(writers: dict[int, PartWriter] | list[PartWriter], batch: list) -> None:
    """Apply ``batch`` ((part, op, id, document, hash, path) in order), every Xapian
    document built before the first is written. Building and writing each in turn let
    the analysis push Xapian's buffers of postings out of the CPU's caches between two
    writes: 20,000 ANT articles in one process took 25.7-26.6 s that way against
    22.1-23.4 s in batches of 200 (docs/xapian.md, "Writing speed: batches"). A document
    that cannot be built stops the batch there: those before it are still written."""
    built: list = []
    try:
        for part, op, _, doc, digest, path in batch:
            built.append(writers[part].guarded(
                lambda w=writers[part], o=op, d=doc, h=digest, p=path: w.document(o, d, h, p)))
    finally:
        for (part, op, doc_id, _, _, _), xdoc in zip(batch, built, strict=False):
            writer = writers[part]
            writer.guarded(lambda w=writer, o=op, i=doc_id, x=xdoc: w.apply(o, i, x))


def existing_documents(dbs) -> dict[str, tuple[str, str]]:
    """id -> (content hash, stored path) of every document of ``dbs`` (value streams:
    one pass a part, no document read)."""
    return documents_by_part(dbs)[0]


def documents_by_part(dbs) -> tuple[dict[str, tuple[str, str]], dict[str, int]]:
    """:func:`existing_documents`, and id -> the part (index in ``dbs``) holding it."""
    out: dict[str, tuple[str, str]] = {}
    home: dict[str, int] = {}
    for part, db in enumerate(dbs):
        for doc_id, digest, path in part_records(db):
            out[doc_id] = (digest, path)
            home[doc_id] = part
    return out, home


def part_records(db) -> Iterator[tuple[str, str, str]]:
    """(id, content hash, stored path) of every document of one part.

    From the record slot when every document has one: counted by a match spy, which
    a shard server runs on its side and answers in one message. Otherwise (an index
    written before the slot) from the id, hash and path value streams: fast on a local
    database, one round trip a document over the remote protocol.
    """
    count = db.get_doccount()
    if count and db.get_value_freq(SLOT_RECORD) == count:
        values = slot_values(db, SLOT_RECORD)
        records = [r for r in (read_record(item.term) for item in values) if r is not None]
        if len(records) == len(values):
            yield from records
            return
        # a record not written by arsearch (another tool, a damaged value): the streams
    hashes = {v.docid: v.value.decode() for v in db.valuestream(SLOT_HASH)}
    paths = {v.docid: v.value.decode("utf-8", "surrogatepass")
             for v in db.valuestream(SLOT_PATH)}
    for v in db.valuestream(SLOT_ID):
        yield (v.value.decode("utf-8", "surrogatepass"), hashes.get(v.docid, ""),
               paths.get(v.docid, ""))


# -- the parts of one run -----------------------------------------------------------------


class Parts:
    """Writes to every part, in this process or in worker processes."""

    def __init__(self, openers: list[Callable[[], PartWriter]], procs: int):
        self.n = len(openers)
        self.procs = max(1, min(procs, self.n))
        self.local: list[PartWriter] = []
        self.workers: list = []
        self.jobs: list = []
        #: operations not yet written, per worker (one list in this process)
        self.batches: list[list] = [[] for _ in range(self.procs)]
        if self.procs == 1:
            try:
                for opener in openers:
                    self.local.append(opener())
            except BaseException:
                self.close()
                raise
            return
        ctx = mp.get_context("fork")
        self.results = ctx.Queue()
        self.jobs = [ctx.Queue(maxsize=8) for _ in range(self.procs)]
        for w in range(self.procs):
            mine = {i: openers[i] for i in range(self.n) if i % self.procs == w}
            proc = ctx.Process(target=_worker,
                               args=(mine, self.jobs[w], self.results, os.getpid()),
                               daemon=True)
            proc.start()
            self.workers.append(proc)
        self._await("opened")

    def send(self, op: str, doc_id: str, doc: Document | None, digest: str,
             path: str, part: int | None = None) -> None:
        """``op`` on the part ``doc_id`` routes to (or on ``part``)."""
        part = shard_index(doc_id, self.n) if part is None else part
        w = part % self.procs
        self.batches[w].append((part, op, doc_id, doc, digest, path))
        if len(self.batches[w]) >= BATCH:
            self._flush(w)

    def _flush(self, w: int) -> None:
        batch, self.batches[w] = self.batches[w], []
        if self.local:
            write_batch(self.local, batch)
            return
        while True:
            try:
                self.jobs[w].put(("write", batch), timeout=1.0)
                return
            except queue.Full:
                self._check_workers()

    def commit(self, meta: str | None) -> None:
        if self.local:
            self._flush(0)
            for writer in self.local:
                writer.guarded(lambda w=writer: w.commit(meta))
            return
        for w in range(self.procs):
            if self.batches[w]:
                self._flush(w)
            self.jobs[w].put(("commit", meta))
        self._await("committed")

    def _await(self, what: str) -> None:
        for _ in self.workers:
            status, value = next_result(self.results, self._check_workers)
            if status != what:
                self.close()
                raise ArsearchError(value)

    def _check_workers(self) -> None:
        """A worker that stopped (it reported why, or it was killed) stops the run."""
        try:
            status, value = self.results.get_nowait()
        except queue.Empty:
            pass
        else:
            if status == "error":
                raise ArsearchError(value)
        for w in self.workers:
            if not w.is_alive():
                raise ArsearchError(f"an indexing worker stopped (exit code {w.exitcode})")

    def close(self) -> None:
        if self.local and self.batches[0]:
            # what was sent is written, as when each document was written as it came
            # (closing commits it); a part that fails now keeps what it had
            with contextlib.suppress(ArsearchError):
                self._flush(0)
        for writer in self.local:
            writer.close()
        self.local = []
        for w, proc in enumerate(self.workers):
            if proc.is_alive():
                with contextlib.suppress(Exception):
                    if self.batches[w]:  # written before the worker closes, as above
                        self.jobs[w].put(("write", self.batches[w]), timeout=1.0)
                    self.jobs[w].put(("close", None), timeout=1.0)
        for proc in self.workers:
            proc.join(30)
            if proc.is_alive():
                proc.kill()
                proc.join()
        self.workers = []
        for jobs in self.jobs:
            # what a dead worker never read stays unsent: without this, exiting waits for
            # ever to write it into the worker's full pipe
            jobs.cancel_join_thread()


def _die_with(parent: int) -> None:
    """Have the kernel kill this worker when ``parent`` dies (Linux): an orphan reading a
    batch its parent was killed in the middle of sending would wait for the rest for ever
    (it holds the pipe's other end itself). Elsewhere the idle check in :func:`_worker`
    is all there is."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    _exit_if_orphaned(parent)  # it died before that


def _exit_if_orphaned(parent: int) -> None:
    """End this worker, committing nothing more, if the run's process is gone."""
    if os.getppid() != parent:
        os._exit(1)


def _worker(openers: dict[int, Callable[[], PartWriter]], jobs, results,
            parent: int) -> None:
    """A worker process: open its parts, apply batches, commit when told. It ends when
    the run's process (``parent``) is gone (kill -9 of it, the OOM killer): an orphan
    would wait for jobs for ever, holding the folder's writer lock and its parts'."""
    _die_with(parent)
    writers: dict[int, PartWriter] = {}
    try:
        for i, opener in openers.items():
            writers[i] = opener()
        results.put(("opened", None))
        while True:
            try:
                kind, value = jobs.get(timeout=ORPHAN_CHECK)
            except queue.Empty:
                _exit_if_orphaned(parent)
                continue
            if kind == "write":
                write_batch(writers, value)
            elif kind == "commit":
                for writer in writers.values():
                    writer.guarded(lambda w=writer, m=value: w.commit(m))
                results.put(("committed", None))
            else:
                break
    except ArsearchError as exc:
        results.put(("error", str(exc)))
        failed = True
    except Exception as exc:  # a bug: say what, the parent stops the run
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        failed = True
    else:
        failed = False
    finally:
        for writer in writers.values():
            writer.close()
    if failed:
        results.close()
        results.join_thread()  # the message reaches the parent before the exit code
        os._exit(1)


# -- sessions -------------------------------------------------------------------------------


class XapianSession:
    """Adds, replaces and deletes documents by id over the parts, then commits (the
    interface of :class:`arsearch.backends.whoosh.store.WriteSession`).

    A document lives on the part its id routes to, except after a cluster grew: then a
    changed document moves to its new shard (deleted from the old one) and a deletion
    goes where the document is, so no id is ever held twice.
    """

    def __init__(self, openers: list[Callable[[], PartWriter]], existing: dict,
                 home: dict[str, int], procs: int, meta: Callable[[], str | None]):
        self.existing = existing
        self.home = home
        self.pending = 0
        self.written = 0  # documents added, replaced or deleted by this run
        self._meta = meta
        self._openers = openers
        self._procs = procs
        self._parts: Parts | None = None

    @property
    def parts(self) -> Parts:
        if self._parts is None:
            self._parts = Parts(self._openers, self._procs)
        return self._parts

    def add(self, doc: Document, digest: str, stored_path: str) -> None:
        self.parts.send("add", doc.id, doc, digest, stored_path)
        self.pending += 1
        self.written += 1

    def replace(self, doc: Document, digest: str, stored_path: str) -> None:
        moved = self._moved(doc.id)
        if moved is not None:  # the cluster grew: the new shard holds it from now on
            self.parts.send("delete", doc.id, None, "", "", part=moved)
            self.parts.send("add", doc.id, doc, digest, stored_path)
        else:
            self.parts.send("replace", doc.id, doc, digest, stored_path)
        self.pending += 1
        self.written += 1

    def delete(self, doc_id: str) -> None:
        self.parts.send("delete", doc_id, None, "", "", part=self.home.get(doc_id))
        self.written += 1

    def _moved(self, doc_id: str) -> int | None:
        """The part holding ``doc_id`` when it is not the one its id routes to now."""
        part = self.home.get(doc_id)
        if part is None or part == shard_index(doc_id, len(self._openers)):
            return None
        return part

    def commit(self, final: bool = False) -> None:
        if self._parts is None and not final:
            return
        self.parts.commit(self._meta())
        self.pending = 0

    def close(self) -> None:
        if self._parts is not None:
            self._parts.close()
            self._parts = None

    def abort(self) -> None:
        self.close()


class FolderStore:
    """A local Xapian index folder (:mod:`.folder`)."""

    backend = "xapian"

    def __init__(self, folder: Path, parts: int | None = None):
        self.folder = self.home = self.path = folder
        self.parts = parts

    def write_lock(self, wait: float):
        return write_lock(self.folder, wait)

    def read_meta(self, rebuild: bool) -> tuple[dict | None, bool]:
        try:
            return read_meta(self.folder), False
        except XapianFolderError:
            if not rebuild:
                raise
            return None, True

    def sample_paths(self, meta: dict, limit: int = 200) -> list[str]:
        paths: set[str] = set()
        with contextlib.suppress(xapian.Error, OSError):
            for p in part_paths(self.folder, meta):
                db = xapian.Database(str(p))
                for v in db.valuestream(SLOT_PATH):
                    value = v.value.decode("utf-8", "surrogatepass")
                    if value and not value.startswith("/"):
                        paths.add(value)
                        if len(paths) >= limit:
                            return sorted(paths)
                db.close()
        return sorted(paths)

    def session(self, meta: dict | None, damaged: bool, rebuild: bool, procs: int,
                recorded: dict) -> FolderSession:
        return FolderSession(self, meta, damaged, rebuild, procs, recorded)


class FolderSession(XapianSession):
    def __init__(self, store: FolderStore, meta: dict | None, damaged: bool, rebuild: bool,
                 procs: int, recorded: dict):
        folder = store.folder
        self.folder, self.meta, self.recorded = folder, meta, recorded
        current = meta["database"] if meta else None
        remove_stale_databases(folder, current)  # left by killed runs: never current
        self.switch = rebuild and meta is not None
        if rebuild or meta is None:
            self.database = next_database(folder)
            self.n = store.parts or max(procs, 1)
            existing: dict = {}
            home: dict[str, int] = {}
            if meta is None:  # a first build is current from its first commit
                write_meta(folder, self.database, self.n, extra=recorded)
        else:
            self.database, self.n = meta["database"], meta["parts"]
            dbs = [_read_part(p) for p in part_paths(folder, meta)]
            existing, home = documents_by_part(dbs)
            for db in dbs:
                db.close()
        paths = part_paths(folder, {"database": self.database, "parts": self.n})
        openers = [_local_opener(p) for p in paths]
        super().__init__(openers, existing, home, procs, lambda: None)

    def finish(self) -> int:
        """Point the folder at this database (a rebuild switches here), forget others.
        A run that wrote a large share of it points the folder at a compacted copy."""
        self.close()
        if self.written and self.written >= COMPACT_SHARE * len(self.existing):
            self.database = self._compacted()
        created = None if self.switch else (self.meta or {}).get("created")
        write_meta(self.folder, self.database, self.n, created=created, extra=self.recorded)
        remove_stale_databases(self.folder, self.database)
        total = 0
        for p in part_paths(self.folder, {"database": self.database, "parts": self.n}):
            db = _read_part(p)
            total += db.get_doccount()
            db.close()
        return total

    def _compacted(self) -> str:
        """This database rewritten compactly beside it (``Database.compact``, the same
        document ids and metadata), to be switched to as a rebuild is; this database if
        that fails (a full disk: the copy is removed, nothing is lost)."""
        sources = part_paths(self.folder, {"database": self.database, "parts": self.n})
        if any(p.is_symlink() for p in (self.folder / self.database, *sources)):
            # placed elsewhere (another disk) by its owner: the copy would move it into
            # this folder, and the link and its old target would stay behind for ever
            return self.database
        target = next_database(self.folder)
        try:
            (self.folder / target).mkdir()  # not exist_ok: only remove what this made
        except OSError:
            return self.database
        try:
            for i, source in enumerate(sources):
                db = _read_part(source)
                try:
                    db.compact(str(self.folder / target / f"part{i}"),
                               xapian.DBCOMPACT_NO_RENUMBER)
                finally:
                    db.close()
        except (xapian.Error, OSError):
            shutil.rmtree(self.folder / target, ignore_errors=True)
            return self.database
        return target

    def abort(self) -> None:
        self.close()
        if self.switch:
            shutil.rmtree(self.folder / self.database, ignore_errors=True)


class ClusterStore:
    """The shards of a cluster file, each served ``--writable``."""

    backend = "cluster"

    def __init__(self, path: Path, timeout: float = 30.0):
        self.path = path
        self.home = path.resolve().parent
        self.timeout = timeout
        self.wait = 0.0
        self.cluster: Cluster = read_cluster(path)

    @contextlib.contextmanager
    def write_lock(self, wait: float) -> Iterator[None]:
        """Each shard's server lets one writer in at a time: a second waits up to
        ``wait`` seconds for it, then is refused."""
        self.wait = wait
        yield

    def read_meta(self, rebuild: bool) -> tuple[dict | None, bool]:
        if rebuild:
            raise ArsearchError(CLUSTER_REBUILD)
        for shard in self.cluster.shards:
            db = self._reader(shard.address)
            raw = db.get_metadata(META_KEY)
            db.close()
            if raw:
                with contextlib.suppress(ValueError):
                    return json.loads(raw), False
        return None, False

    def sample_paths(self, meta: dict, limit: int = 200) -> list[str]:
        return []

    def _reader(self, address):
        from .members import open_remote

        try:
            return open_remote(address, self.timeout)
        except ShardUnavailableError:
            raise
        except xapian.Error as exc:  # pragma: no cover - open_remote converts
            raise ShardUnavailableError(str(address), str(exc)) from exc

    def session(self, meta: dict | None, damaged: bool, rebuild: bool, procs: int,
                recorded: dict) -> ClusterSession:
        return ClusterSession(self, meta, recorded, procs)


class ClusterSession(XapianSession):
    def __init__(self, store: ClusterStore, meta: dict | None, recorded: dict, procs: int):
        self.store = store
        now = datetime.now(UTC).isoformat(timespec="seconds")
        created = (meta or {}).get("created") or now
        shards = store.cluster.shards
        dbs = []
        try:
            for s in shards:
                dbs.append(store._reader(s.address))
            try:
                existing, home = documents_by_part(dbs)
            except xapian.NetworkError as exc:
                raise ShardUnavailableError(store.path.name, network_reason(exc)) from exc
        finally:
            for db in dbs:
                db.close()

        def meta_now() -> str:
            return json.dumps({**recorded, "created": created,
                               "updated": datetime.now(UTC).isoformat(timespec="seconds")})

        openers = [_remote_opener(str(s.address), s.host, s.port, store.timeout, store.wait)
                   for s in shards]
        super().__init__(openers, existing, home, procs, meta_now)

    def finish(self) -> int:
        self.close()
        total = 0
        for s in self.store.cluster.shards:
            db = self.store._reader(s.address)
            total += db.get_doccount()
            db.close()
        return total


def _local_opener(path: Path) -> Callable[[], PartWriter]:
    return lambda: PartWriter(str(path), path=path)


def _remote_opener(name: str, host: str, port: int, timeout: float, wait: float
                   ) -> Callable[[], PartWriter]:
    return lambda: PartWriter(f"shard {name}", address=(host, port), timeout=timeout,
                              wait=wait)


def _read_part(path: Path):
    try:
        return xapian.Database(str(path))
    except xapian.Error as exc:
        raise ArsearchError(f"the Xapian index part {path} cannot be read: {exc}") from exc
