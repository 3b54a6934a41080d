"""Build and update an index from documents.

Unchanged documents are recognised by a content hash and skipped; changed ones are
replaced; ``prune`` deletes the documents of the paths being indexed that were not found
again; ``rebuild`` writes a new generation and switches to it only once it is complete.
Everything happens under the folder's writer lock, and nothing is visible to searchers
before a commit.

No article is ever lost silently to an id clash. Two documents with one id in a run:
the first is indexed, the second reported. A record whose id is already a plain-text
article's path id (or the reverse) is another article: it is reported and left out,
the existing one stays. A record with the id of a record from another, still existing
file is the same article re-exported: it replaces the old one (an update), and one
warning per pair of files says so, since unrelated archives sharing ids would
otherwise lose articles unnoticed. Ids of plain-text articles are paths relative to
the index's *id root* (see :mod:`arsearch.ingest.sources`), recorded in its metadata.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from arsearch.backends import open_store
from arsearch.backends.boundary import Store, WriteSession
from arsearch.backends.folder import META
from arsearch.backends.whoosh.store import rare_gc
from arsearch.errors import ArsearchError
from arsearch.ingest import (
    DEFAULT_MAX_DOC_BYTES,
    Document,
    Problem,
    content_hash,
    read_sources,
)
from arsearch.ingest.documents import MAX_DOC_BYTES_LIMIT, not_a_document
from arsearch.ingest.sources import find_files, foreign_files, is_inside, relative_or_absolute
from arsearch.progress import Progress

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


def default_id_root(folder: str | os.PathLike) -> str:
    """The id root of an index that records none: the folder holding the index folder.

    An archive and its index usually sit side by side (``news/`` and ``index/``), so
    ids relative to their common folder survive moving the two together.
    """
    return os.path.realpath(os.path.dirname(os.path.abspath(folder)))


def _recorded_id_root(store: Store, meta: dict | None) -> str | None:
    """The id root the index recorded, found again after the index moved.

    It is recorded relative to the index folder (so an archive moved or copied with its
    index keeps its ids) and as an absolute path (so an index moved alone does too).
    When the two no longer agree, the one under which the indexed files are is kept.
    """
    meta = meta or {}
    value, absolute = meta.get("id_root"), meta.get("id_root_abs")
    if not isinstance(value, str) or not value:
        return None
    moved_with = os.path.realpath(os.path.join(os.path.realpath(store.home), value))
    if (not isinstance(absolute, str) or absolute == moved_with
            or not os.path.isdir(absolute)):
        return moved_with
    sample = store.sample_paths(meta)

    def found(root: str) -> int:
        return sum(os.path.exists(os.path.join(root, p)) for p in sample)

    return absolute if found(absolute) > found(moved_with) else moved_with


def _id_root_to_record(folder: Path, root: str) -> dict[str, str]:
    """The id root as recorded in the index's metadata (see :func:`_recorded_id_root`):
    relative to the index folder when the index lies inside it, and absolute."""
    real = os.path.realpath(folder)
    relative = os.path.relpath(root, real) if is_inside(real, [root]) else root
    return {"id_root": relative, "id_root_abs": root}


def _choose_id_root(store: Store, meta: dict | None, explicit: str | os.PathLike | None,
                    rebuild: bool) -> str:
    """This run's id root: the recorded one, or ``explicit`` for a new (or rebuilt) index.

    Another root for an existing index would give its articles new ids (duplicates of
    every article), so it is refused with the way out.
    """
    folder = store.path
    recorded = _recorded_id_root(store, meta)
    if explicit is None:
        return recorded or default_id_root(folder)
    root = os.path.realpath(explicit)
    if not os.path.isdir(root):
        raise ArsearchError(f"the id root {explicit} is not a folder")
    if recorded is not None and root != recorded and not rebuild:
        raise ArsearchError(
            f"the index in {folder} has its ids relative to {recorded}, not {root}: leave "
            f"out --id-root, or rebuild with `arsearch index PATH... --rebuild --id-root "
            f"{explicit}`")
    return root


def index_documents(
    folder: str | os.PathLike,
    documents: Iterable[Document],
    *,
    rebuild: bool = False,
    prune_roots: Iterable[str | os.PathLike] | None = None,
    prune_keep: Collection[str] = (),
    progress: Progress | None = None,
    procs: int = 1,
    wait: float = 0.0,
    commit_every: int = COMMIT_EVERY,
    on_problem: Callable[[Problem], None] | None = None,
    id_root: str | os.PathLike | None = None,
    backend: str | None = None,
) -> IndexReport:
    """Add, update (and with ``prune_roots``, prune) ``documents`` in the index at ``folder``
    (a folder, or a cluster file: ``*.toml``).

    ``prune_roots``: documents not seen in this run whose file lies under one of these
    files or folders are deleted, except those under a path in ``prune_keep`` (files
    that could not be read in this run; it may be filled while the documents are read).
    ``id_root``: see :func:`index_paths`; it only serves to store documents' paths here.
    ``procs > 1`` writes with several processes, each its own segment (Xapian: its own
    parts). ``backend``: "whoosh" (the default) or "xapian" for a new index folder; an
    existing index keeps the backend it was built with.
    """
    return _index(folder, lambda root: documents, rebuild=rebuild, prune_roots=prune_roots,
                  prune_keep=prune_keep, progress=progress, procs=procs, wait=wait,
                  commit_every=commit_every, on_problem=on_problem, id_root=id_root,
                  backend=backend)


def _index(folder, make_documents: Callable[[str], Iterable[Document]], *, rebuild,
           prune_roots, prune_keep, progress, procs, wait, commit_every, on_problem,
           id_root, run_files: Collection[str] = (), backend: str | None = None
           ) -> IndexReport:
    """:func:`index_documents` for documents that can only be read once the index's id
    root is known (under the lock: it is recorded in the index)."""
    store = open_store(folder, backend)
    if store.backend != "cluster":
        _prepare_folder(folder)
    progress = progress or Progress()
    report = IndexReport()
    asked = time.monotonic()
    with store.write_lock(wait):
        progress.exclude(time.monotonic() - asked)  # waiting for another run is not work
        meta, damaged = store.read_meta(rebuild)
        root = _choose_id_root(store, meta, id_root, rebuild)
        session = store.session(meta, damaged, rebuild, procs,
                                _id_root_to_record(store.home, root))
        run = _Run(root, report, on_problem, session.existing,
                   None if prune_roots is None
                   else [os.path.realpath(r) for r in prune_roots],
                   prune_keep, {relative_or_absolute(f, root) for f in run_files})
        try:
            with rare_gc():
                _write(session, make_documents(root), run, progress, commit_every)
                session.commit(final=True)
        except BaseException:
            session.abort()
            raise
        report.documents = session.finish()
    progress.finish()
    report.seconds = progress.elapsed
    return report


def _prepare_folder(folder: str | os.PathLike) -> Path:
    """The index folder, created if needed; an error if it cannot hold the index."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ArsearchError(f"cannot create the index folder {folder}: {exc.strerror}") from exc
    if not os.access(folder, os.W_OK):
        raise ArsearchError(f"the index folder {folder} is not writable")
    if not (folder / META).exists():
        _check_new_index_folder(folder)
    return folder


def _check_new_index_folder(folder: Path) -> None:
    """Refuse to create an index among other files (an archive given as ``--index``):
    walks never read index folders, so those files would silently drop out of later
    runs over the archive."""
    others = foreign_files(os.listdir(folder))
    if others:
        shown = ", ".join(sorted(others)[:3]) + (", ..." if len(others) > 3 else "")
        raise ArsearchError(f"the index folder {folder} already holds other files ({shown}): "
                            "give --index a new or empty folder")


@dataclass
class _Run:
    """What one run decides documents by: the id root, the index's documents, pruning."""

    root: str
    report: IndexReport
    on_problem: Callable[[Problem], None] | None
    existing: dict[str, tuple[str, str]]  # id -> (hash, stored path)
    prune_roots: list[str] | None
    prune_keep: Collection[str]
    run_paths: set[str]  # stored paths of the files read in this run
    seen: dict[str, tuple[str, str]] = field(default_factory=dict)  # id -> (path, hash)
    #: (old path, new path) -> [count, first id]: records that replaced another file's
    replaced: dict[tuple[str, str], list] = field(default_factory=dict)
    _last: tuple[str, str] = ("", "")  # the last document's path and its stored form

    def problem(self, path: str | None, message: str, skipped: bool = True) -> None:
        problem = Problem(path or "?", None, message, skipped)
        self.report.problems.append(problem)
        if self.on_problem:
            self.on_problem(problem)

    def stored_path(self, doc: Document) -> str:
        """The path kept in the index: relative to the id root, so it moves with it."""
        if not doc.path:
            return ""
        if doc.path != self._last[0]:  # the records of a file share its path
            self._last = (doc.path,
                          relative_or_absolute(os.path.abspath(doc.path), self.root))
        return self._last[1]

    def real(self, stored: str) -> str:
        return os.path.join(self.root, stored)

    def elsewhere(self, stored: str, old_path: str) -> bool:
        """True when the index holds this id from another file that still exists and
        is not read in this run."""
        return (bool(stored) and bool(old_path) and old_path != stored
                and old_path not in self.run_paths and os.path.isfile(self.real(old_path)))

    def duplicate(self, doc: Document, digest: str) -> bool:
        """Report a second document with an id already met in this run (True if so).

        Only the first is indexed: a different one is reported as skipped (a clash
        between two inputs is never settled by overwriting), an identical one is only
        mentioned.
        """
        first = self.seen.get(doc.id)
        if first is None:
            return False
        if first[1] == digest:
            self.problem(doc.path, f"id {doc.id!r} met again with the same content (first "
                         f"in {first[0] or '?'}): indexed once", skipped=False)
        else:
            self.problem(doc.path, f"duplicate id {doc.id!r} (first met in "
                         f"{first[0] or '?'}): only the first is indexed")
        return True

    def clash(self, doc: Document, stored: str, old_path: str) -> bool:
        """Report an id taken by an article of another kind (True if so): a record whose
        given id equals a plain-text article's path id, or the reverse, is another
        article, and overwriting it would lose that one."""
        if not self.elsewhere(stored, old_path) or doc.id not in (stored, old_path):
            return False
        self.problem(doc.path, f"id {doc.id!r} is already the id of the article from "
                     f"{old_path}: not indexed (give it another id, or move that file "
                     "away and index again)")
        return True

    def note_replaced(self, doc_id: str, stored: str, old_path: str) -> None:
        """A record replaced the one of the same id from another existing file."""
        if self.elsewhere(stored, old_path):
            entry = self.replaced.setdefault((old_path, stored), [0, doc_id])
            entry[0] += 1

    def report_replaced(self) -> None:
        """One warning per pair of files: a re-export updating its articles is normal,
        unrelated archives sharing ids are not, and either way the user is told."""
        for (old_path, stored), (count, example) in self.replaced.items():
            self.problem(self.real(stored), f"{count} article(s) indexed from {old_path} "
                         f"replaced by the records with the same ids here (e.g. "
                         f"{example!r}): an id names one article, give unrelated archives "
                         "distinct ids", skipped=False)

    def prunable(self, doc_id: str, stored: str) -> bool:
        if doc_id in self.seen or not stored or self.prune_roots is None:
            return False
        real = self.real(stored)
        return is_inside(real, self.prune_roots) and not _kept(real, self.prune_keep)


def _kept(real: str, keep: Collection[str]) -> bool:
    """True when ``real`` or one of its folders is in ``keep`` (not readable this run)."""
    while True:
        if real in keep:
            return True
        parent = os.path.dirname(real)
        if parent == real:
            return False
        real = parent


def _write(session: WriteSession, documents: Iterable[Document], run: _Run,
           progress: Progress, commit_every: int) -> None:
    """Add what is new, replace what changed, skip what did not, prune what is gone."""
    report = run.report
    for n, doc in enumerate(documents, 1):
        if problem := not_a_document(doc):
            raise ArsearchError(f"document {n} of the input: {problem}")
        stored = run.stored_path(doc)
        digest = content_hash(doc)
        old = run.existing.get(doc.id)
        if run.duplicate(doc, digest) or (old and run.clash(doc, stored, old[1])):
            continue
        run.seen[doc.id] = (stored, digest)
        if old is not None and old[0] == digest:
            report.unchanged += 1  # the same article, wherever it is read from now
        elif old is not None:
            run.note_replaced(doc.id, stored, old[1])
            session.replace(doc, digest, stored)
            report.updated += 1
        else:
            session.add(doc, digest, stored)
            report.added += 1
        progress.advance()
        if session.pending >= commit_every:
            session.commit()
    for doc_id, (_, stored) in run.existing.items():
        if run.prunable(doc_id, stored):
            session.delete(doc_id)
            report.deleted += 1
    run.report_replaced()


def index_paths(
    folder: str | os.PathLike,
    paths: Iterable[str | os.PathLike] | str | os.PathLike,
    *,
    prune: bool = False,
    on_problem: Callable[[Problem], None] | None = None,
    id_root: str | os.PathLike | None = None,
    max_doc_bytes: int | None = None,
    procs: int | None = None,
    rebuild: bool = False,
    progress: Progress | None = None,
    wait: float = 0.0,
    commit_every: int = COMMIT_EVERY,
    backend: str | None = None,
) -> IndexReport:
    """Read the files and folders in ``paths`` and index them (see :func:`index_documents`).

    ``id_root``: plain-text articles' ids are their canonical paths relative to it
    (absolute for files outside it). The first run records it in the index (default:
    the folder holding the index folder); later runs use the recorded one, and another
    explicit one is an error unless ``rebuild``. ``prune``: delete the documents whose
    file lies under ``paths`` and was not found again, never others, and never those of
    files or folders that could not be read in this run. ``max_doc_bytes``: documents
    are cut to this size (default ``documents.DEFAULT_MAX_DOC_BYTES``). ``procs=None``
    chooses 2 writer processes for inputs over 20 MB, else 1. ``folder`` may be a
    cluster file (``*.toml``: documents go to the shards that own them); ``backend``:
    see :func:`index_documents`.
    """
    if isinstance(paths, str | os.PathLike):
        paths = [paths]
    paths = list(paths)
    for p in paths:
        if not os.path.lexists(p):
            raise ArsearchError(f"no such file or folder: {os.fspath(p)!r}")
    if max_doc_bytes is None:
        max_doc_bytes = DEFAULT_MAX_DOC_BYTES
    elif not isinstance(max_doc_bytes, int) or not 1 <= max_doc_bytes <= MAX_DOC_BYTES_LIMIT:
        raise ArsearchError(f"max_doc_bytes must be a whole number from 1 to "
                            f"{MAX_DOC_BYTES_LIMIT:,}, not {max_doc_bytes!r:.40}")
    store = open_store(folder, backend)  # its errors come before the walk's problems
    if store.backend != "cluster":
        _prepare_folder(folder)
    problems: list[Problem] = []
    keep: set[str] = set()

    def collect(problem: Problem) -> None:
        problems.append(problem)
        if problem.skipped:  # its documents are not pruned: they may just be unreadable
            keep.add(os.path.realpath(problem.path))
        if on_problem:
            on_problem(problem)

    files = find_files(paths, lambda path, message, skipped: collect(
        Problem(path, None, message, skipped)), exclude=[folder])
    if procs is None:
        procs = 2 if sum(f.size for f in files) > 20_000_000 else 1
    report = _index(
        folder, lambda root: read_sources(files, root, collect, max_doc_bytes=max_doc_bytes),
        rebuild=rebuild, prune_roots=paths if prune else None, prune_keep=keep,
        progress=progress, procs=procs, wait=wait, commit_every=commit_every,
        on_problem=on_problem, id_root=id_root, run_files=[f.real for f in files],
        backend=backend)
    report.problems[:0] = problems
    return report
