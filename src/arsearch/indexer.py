"""Build and update an index from documents.

Unchanged documents are recognised by a content hash and skipped; changed ones are
replaced; ``prune`` deletes documents whose files are gone; ``rebuild`` writes a new
generation and switches to it only once it is complete. Everything happens under the
folder's writer lock, and nothing is visible to searchers before a commit.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.writing import LockError

from . import integrity, storage
from .documents import Document, Problem
from .errors import ArsearchError, IndexDamagedError, IndexLockedError, IndexVersionError
from .fastwriter import FastSegmentWriter, ParallelWriter, rare_gc
from .progress import Progress
from .schema import content_hash, make_schema, to_fields

#: Documents between intermediate commits of a large run: an interrupted build keeps
#: what was committed and the next run resumes from there (unchanged documents skip).
COMMIT_EVERY = 50_000


@dataclass
class IndexReport:
    """What an indexing run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    problems: list[Problem] = field(default_factory=list)
    documents: int = 0  # in the index after the run
    seconds: float = 0.0

    @property
    def skipped(self) -> int:
        """Documents that could not be indexed (dropped fields do not count)."""
        return sum(1 for p in self.problems if p.skipped)


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


def _writer(ix, folder: Path, procs: int):
    try:
        if procs > 1:
            return ParallelWriter(ix, str(folder), procs)
        return FastSegmentWriter(ix)
    except LockError as exc:  # pragma: no cover - our own lock is taken first
        raise IndexLockedError(f"the index is being updated by another process ({exc})") from exc


def _under(path: str, roots: list[Path]) -> bool:
    if not path:
        return False
    p = Path(path).resolve()
    return any(p == r or r in p.parents for r in roots)


def index_documents(
    folder: str | os.PathLike,
    documents: Iterable[Document],
    *,
    rebuild: bool = False,
    prune_roots: Iterable[str | os.PathLike] | None = None,
    progress: Progress | None = None,
    procs: int = 1,
    wait: float = 0.0,
    commit_every: int = COMMIT_EVERY,
    on_problem: Callable[[Problem], None] | None = None,
) -> IndexReport:
    """Add, update (and with ``prune_roots``, prune) ``documents`` in the index at ``folder``.

    ``prune_roots``: documents not seen in this run whose file lies under one of these
    folders, or whose file no longer exists, are deleted. ``procs > 1`` uses Whoosh's
    multiprocess writer (with ``multisegment=True``).
    """
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArsearchError(f"cannot create the index folder {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK):
        raise ArsearchError(f"the index folder {folder} is not writable")
    progress = progress or Progress()
    report = IndexReport()
    with storage.write_lock(folder, wait=wait):
        try:
            meta = storage.read_meta(folder)
            damaged = False
        except (IndexVersionError, IndexDamagedError):
            if not rebuild:
                raise
            meta, damaged = None, True  # what the error message advises: build anew
        current = meta["indexname"] if meta else None
        if not damaged and (current is None or storage.generation_exists(folder, current)):
            # a killed build or rebuild leaves its generation behind: never current
            storage.remove_stale_generations(folder, current)
        # A rebuild writes a new generation that becomes current only when complete.
        # A first build has nothing to protect: it is current from the start, so its
        # intermediate commits survive an interruption and the next run resumes.
        switch = rebuild and meta is not None
        if rebuild or meta is None:
            indexname = storage.next_indexname(folder)
            ix = whoosh_index.create_in(str(folder), make_schema(), indexname=indexname)
            existing: dict[str, tuple[str, str]] = {}
            if meta is None:
                storage.write_meta(folder, indexname)
            integrity.record(folder, indexname)
        else:
            indexname = meta["indexname"]
            # never build on a damaged state (and never call it "unchanged")
            integrity.verify_for_write(folder, indexname)
            with integrity.reading(folder, opening=True):
                ix = whoosh_index.open_dir(str(folder), indexname=indexname)
                integrity.check_opened(ix)  # a column that lost its end, e.g. the ids
                existing = _existing(ix)
        try:
            with rare_gc():
                _run(ix, folder, documents, existing, report, progress, procs, commit_every,
                     [Path(r).resolve() for r in prune_roots]
                     if prune_roots is not None else None, on_problem)
        except BaseException:
            if switch:  # the half-built generation was never current: drop it
                ix.close()
                storage.remove_generation(folder, indexname)
            raise
        created = None if switch else (meta or {}).get("created")
        storage.write_meta(folder, indexname, created=created)
        if switch or damaged:
            storage.remove_stale_generations(folder, indexname)  # the old one included
            integrity.record(folder, indexname)  # forget it in the manifest too
        with ix.reader() as reader:
            report.documents = reader.doc_count()
        ix.close()
    progress.finish()
    report.seconds = progress.elapsed
    return report


def _run(ix, folder, documents, existing, report, progress, procs, commit_every,
         prune_roots, on_problem) -> None:
    seen: set[str] = set()
    writer = _writer(ix, folder, procs)
    pending = 0
    try:
        for doc in documents:
            if doc.id in seen:
                problem = Problem(doc.path or "?", None,
                                  f"duplicate id {doc.id!r}: only the first is indexed")
                report.problems.append(problem)
                if on_problem:
                    on_problem(problem)
                continue
            seen.add(doc.id)
            digest = content_hash(doc)
            old = existing.get(doc.id)
            if old is not None and old[0] == digest:
                report.unchanged += 1
            else:
                if old is not None:
                    writer.delete_by_term("id", doc.id)
                    report.updated += 1
                else:
                    report.added += 1
                writer.add_document(**to_fields(doc, digest))
                pending += 1
            progress.advance()
            if pending >= commit_every:
                writer.commit(merge=False)
                integrity.record(folder, ix.indexname)
                writer, pending = _writer(ix, folder, procs), 0
        if prune_roots is not None:
            for doc_id, (_, path) in existing.items():
                if doc_id not in seen and (_under(path, prune_roots) or
                                           (path and not os.path.exists(path))):
                    writer.delete_by_term("id", doc_id)
                    report.deleted += 1
        writer.commit()
        integrity.record(folder, ix.indexname)
    except BaseException:
        with contextlib.suppress(Exception):
            writer.cancel()
        raise


def index_paths(
    folder: str | os.PathLike,
    paths: Iterable[str | os.PathLike],
    *,
    prune: bool = False,
    on_problem: Callable[[Problem], None] | None = None,
    **options,
) -> IndexReport:
    """Read the files and folders in ``paths`` and index them (see :func:`index_documents`)."""
    from .documents import read_documents

    paths = list(paths)
    problems: list[Problem] = []

    def collect(problem: Problem) -> None:
        problems.append(problem)
        if on_problem:
            on_problem(problem)

    for p in paths:
        if not os.path.exists(p):
            raise ArsearchError(f"no such file or folder: {p}")
    report = index_documents(folder, read_documents(paths, on_problem=collect),
                             prune_roots=paths if prune else None, on_problem=on_problem,
                             **options)
    report.problems[:0] = problems
    return report
