"""The index folder: which Whoosh index generation is current, and who may write.

An arsearch index folder holds one or more Whoosh indexes (``gen1``, ``gen2``...) and a
small ``arsearch.json`` naming the current one. A rebuild writes a new generation beside
the old and switches the pointer with an atomic ``os.replace``, so an interrupted or
failed rebuild leaves the previous index searchable. Incremental updates rely on
Whoosh's own atomic commit (the table of contents is written then renamed).

Writers hold an exclusive ``flock`` on ``arsearch.lock``. The kernel releases it when the
process dies, even by ``kill -9``, so a lock can never go stale.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import shutil
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

from .errors import IndexLockedError, IndexNotFoundError, IndexVersionError
from .schema import FORMAT_VERSION

META = "arsearch.json"
LOCK = "arsearch.lock"


def read_meta(folder: Path) -> dict | None:
    """The folder's metadata, or None when it holds no arsearch index."""
    path = folder / META
    try:
        meta = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        raise IndexVersionError(f"{path} is unreadable ({exc}); rebuild with --rebuild") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else "?"
        raise IndexVersionError(
            f"the index in {folder} has format {found}, this arsearch reads format "
            f"{FORMAT_VERSION}: rebuild it with `arsearch index --rebuild`"
        )
    if not isinstance(meta.get("indexname"), str) or not re.fullmatch(r"gen\d+",
                                                                       meta["indexname"]):
        raise IndexVersionError(f"{path} names no valid index generation; rebuild with "
                                "`arsearch index --rebuild`")
    return meta


def require_meta(folder: Path) -> dict:
    """Like :func:`read_meta` but an absent index is an error with a hint."""
    if not folder.is_dir():
        raise IndexNotFoundError(
            f"no index folder {folder}: build one with `arsearch index PATH --index {folder}`"
        )
    meta = read_meta(folder)
    if meta is None:
        raise IndexNotFoundError(
            f"{folder} holds no arsearch index yet: build one with "
            f"`arsearch index PATH --index {folder}`"
        )
    return meta


def write_meta(folder: Path, indexname: str, created: str | None = None,
               extra: dict | None = None) -> None:
    """Point the folder at ``indexname``, atomically (write, fsync, rename).

    ``extra``: more fields to record (the indexer's id root).
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    meta = {**(extra or {}), "format": FORMAT_VERSION, "indexname": indexname,
            "created": created or now, "updated": now}
    tmp = folder / (META + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(meta, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, folder / META)
    with contextlib.suppress(OSError):
        dirfd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


def next_indexname(folder: Path) -> str:
    """A generation name not used in ``folder`` yet."""
    used = {int(p.name[4:].split("_")[0]) for p in folder.glob("_gen*_*.toc")
            if p.name[4:].split("_")[0].isdigit()}
    with contextlib.suppress(IndexVersionError):  # a damaged pointer: files count
        meta = read_meta(folder)
        if meta:
            used.add(int(meta["indexname"][3:]))
    return f"gen{max(used, default=0) + 1}"


def remove_generation(folder: Path, indexname: str) -> None:
    """Delete the files of a generation that is no longer current."""
    for path in folder.iterdir():
        if path.name.startswith((f"_{indexname}_", f"{indexname}_")):
            with contextlib.suppress(OSError):
                path.unlink()
    # Whoosh's temporary folder of a writer that was killed
    shutil.rmtree(folder / f"{indexname}.tmp", ignore_errors=True)


_GENERATION = re.compile(r"_?(gen\d+)[_.]")


def remove_stale_generations(folder: Path, current: str | None) -> None:
    """Delete generations left by interrupted runs (call with the writer lock held)."""
    names = {m[1] for p in folder.iterdir() if (m := _GENERATION.match(p.name))}
    for name in names - {current}:
        remove_generation(folder, name)


@contextlib.contextmanager
def write_lock(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the folder's writer lock; wait up to ``wait`` seconds for another writer."""
    fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + wait
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except OSError as exc:
                if exc.errno not in (errno.EAGAIN, errno.EACCES):
                    raise
                if time.monotonic() >= deadline:
                    raise IndexLockedError(
                        f"the index in {folder} is being updated by another process; "
                        "try again when it has finished (or pass --wait SECONDS)"
                    ) from None
                time.sleep(0.2)
        os.ftruncate(fd, 0)
        os.write(fd, str(os.getpid()).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock
