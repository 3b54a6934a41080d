"""Writing to a Whoosh index folder: one indexing run's session (the backend's writer).

:mod:`arsearch.indexing` decides *what* to write (which documents are new, changed,
duplicated or gone); a :class:`WriteSession` knows *how*: the index's generations (a
rebuild writes a new one and switches to it when complete), the bulk segment writers,
commits with their checksums recorded, and leaving nothing half-done behind. The caller
holds the folder's writer lock (:func:`arsearch.backends.whoosh.generations.write_lock`).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import LockError

import arsearch.backends.whoosh.generations as storage
import arsearch.backends.whoosh.integrity as integrity
from arsearch.backends.whoosh.schema import make_schema, to_fields
from arsearch.backends.whoosh.writer import FastSegmentWriter, ParallelWriter, rare_gc
from arsearch.errors import IndexDamagedError, IndexLockedError, IndexVersionError
from arsearch.ingest import Document, content_hash

__all__ = ["WhooshStore", "WriteSession", "content_hash", "read_meta_for_write", "rare_gc",
           "sample_paths"]


def read_meta_for_write(folder: Path, rebuild: bool) -> tuple[dict | None, bool]:
    """(the folder's metadata or None, damaged): an unreadable or incompatible index is
    an error unless rebuilding, which is what that error advises."""
    try:
        meta = storage.read_meta(folder)
        if meta is None and not rebuild:
            storage.refuse_lost_meta(folder)  # never discard documents silently
        return meta, False
    except (IndexVersionError, IndexDamagedError):
        if not rebuild:
            raise
        return None, True


class WriteSession:
    """Adds, replaces and deletes documents by id, then commits (see module docstring).

    ``existing`` maps the id of every live document to (content hash, stored path), so
    the caller can skip unchanged documents and prune vanished ones.
    """

    def __init__(self, folder: Path, meta: dict | None, damaged: bool, rebuild: bool,
                 procs: int, recorded: dict):
        """``recorded``: extra facts to keep in the index's metadata (the id root)."""
        self.folder, self.meta, self.damaged = folder, meta, damaged
        self.procs, self.recorded = procs, recorded
        current = meta["indexname"] if meta else None
        if not damaged and (current is None or storage.generation_exists(folder, current)):
            # a killed build or rebuild leaves its generation behind: never current
            storage.remove_stale_generations(folder, current)
        # A rebuild writes a new generation that becomes current only when complete
        # (also over a refused index, of an older format or damaged: until then it stays
        # refused with the rebuild hint, never a half-built index that looks sound).
        # A first build has nothing to protect: it is current from the start, so its
        # intermediate commits survive an interruption and the next run resumes.
        self.switch = rebuild and (meta is not None or damaged)
        if rebuild or meta is None:
            self.indexname = storage.next_indexname(folder)
            self.ix = whoosh_index.create_in(str(folder), make_schema(),
                                             indexname=self.indexname)
            self.existing: dict[str, tuple[str, str]] = {}
            if not self.switch:
                storage.write_meta(folder, self.indexname, extra=recorded)
            integrity.record(folder, self.indexname)
        else:
            self.indexname = meta["indexname"]
            # never build on a damaged state (and never call it "unchanged")
            integrity.verify_for_write(folder, self.indexname)
            with integrity.reading(folder, opening=True):
                self.ix = whoosh_index.open_dir(str(folder), indexname=self.indexname)
                integrity.check_opened(self.ix)  # a column that lost its end, e.g. ids
                self.existing = _existing(self.ix)
        self._writer = None
        self.pending = 0

    @property
    def writer(self):
        if self._writer is None:
            try:
                self._writer = ParallelWriter(self.ix, str(self.folder), self.procs) \
                    if self.procs > 1 else FastSegmentWriter(self.ix)
            except LockError as exc:  # pragma: no cover - our own lock is taken first
                raise IndexLockedError(
                    f"the index is being updated by another process ({exc})") from exc
        return self._writer

    def add(self, doc: Document, digest: str, stored_path: str) -> None:
        """Add a document (its id must not be live; :meth:`replace` when it is)."""
        self.writer.add_document(**to_fields(doc, digest, stored_path))
        self.pending += 1

    def replace(self, doc: Document, digest: str, stored_path: str) -> None:
        self.delete(doc.id)
        self.add(doc, digest, stored_path)

    def delete(self, doc_id: str) -> None:
        self.writer.delete_by_term("id", doc_id)

    def commit(self, final: bool = False) -> None:
        """Make the writes visible (and record their checksums). Intermediate commits
        do not merge segments: a large first build stays fast and resumable; the final
        one may merge."""
        if self._writer is None and not final:
            return
        if final:
            self.writer.commit()
        else:
            self.writer.commit(merge=False)
        integrity.record(self.folder, self.indexname)
        self._writer, self.pending = None, 0

    def finish(self) -> int:
        """After the final :meth:`commit`: point the folder at this generation (a rebuild
        switches here, atomically), forget old ones; return the documents in the index."""
        created = None if self.switch else (self.meta or {}).get("created")
        storage.write_meta(self.folder, self.indexname, created=created, extra=self.recorded)
        if self.switch or self.damaged:
            storage.remove_stale_generations(self.folder, self.indexname)  # the old one too
            integrity.record(self.folder, self.indexname)  # forget it in the manifest too
        with self.ix.reader() as reader:
            count = reader.doc_count()
        self.ix.close()
        return count

    def abort(self) -> None:
        """After a failure: cancel uncommitted writes; a half-built rebuild is dropped
        (it was never current)."""
        if self._writer is not None:
            with contextlib.suppress(Exception):
                self._writer.cancel()
        if self.switch:
            self.ix.close()
            storage.remove_generation(self.folder, self.indexname)


def _existing(ix) -> dict[str, tuple[str, str]]:
    """id -> (hash, path) of every live document in ``ix``."""
    out: dict[str, tuple[str, str]] = {}
    with ix.reader() as reader:
        # leaf by leaf: a MultiReader's column reader skips segments without the column
        for leaf, _ in reader.leaf_readers():
            if leaf.doc_count() == 0:
                continue
            ids = leaf.column_reader("id")
            hashes = leaf.column_reader("hash")
            paths = leaf.column_reader("path")
            for n in leaf.all_doc_ids():
                out[ids[n]] = (hashes[n], paths[n])
    return out


def sample_paths(folder: Path, indexname: str, limit: int = 200) -> list[str]:
    """Up to ``limit`` relative source paths of the index's documents ([] if unreadable)."""
    paths: set[str] = set()
    with contextlib.suppress(Exception):  # unreadable: the caller falls back on its own
        # integrity's opener closes what it opened when a damaged file fails to decode
        _, reader = integrity.open_reader(folder, indexname)
        with reader:
            for value in _paths(reader):
                paths.add(value)
                if len(paths) >= limit:
                    break
    return sorted(paths)


def _paths(reader) -> Iterator[str]:
    for leaf, _ in reader.leaf_readers():
        column = leaf.column_reader("path")
        for n in leaf.all_doc_ids():
            if column[n] and not column[n].startswith("/"):
                yield column[n]


class WhooshStore:
    """A Whoosh index folder as one indexing run writes it (what
    :func:`arsearch.backends.open_store` returns for Whoosh)."""

    backend = "whoosh"

    def __init__(self, folder: Path):
        self.folder = self.home = self.path = folder

    def write_lock(self, wait: float):
        return storage.write_lock(self.folder, wait=wait)

    def read_meta(self, rebuild: bool) -> tuple[dict | None, bool]:
        return read_meta_for_write(self.folder, rebuild)

    def sample_paths(self, meta: dict) -> list[str]:
        return sample_paths(self.folder, meta["indexname"])

    def session(self, meta: dict | None, damaged: bool, rebuild: bool, procs: int,
                recorded: dict) -> WriteSession:
        return WriteSession(self.folder, meta, damaged, rebuild, procs, recorded)
