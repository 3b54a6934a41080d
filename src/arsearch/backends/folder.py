"""An index folder's own small files, whichever backend keeps the index in it.

``arsearch.json`` says what the folder holds (for Whoosh: the current generation; for a
local Xapian index: the current database) and is replaced atomically; ``arsearch.lock``
is the writers' ``flock``. The kernel releases it when the process dies, even by
``kill -9``, so a lock can never go stale.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import stat
import time
from collections.abc import Iterator
from pathlib import Path

from arsearch.errors import ArsearchError, IndexLockedError

META = "arsearch.json"
LOCK = "arsearch.lock"
#: arsearch.json and the manifest are a few hundred bytes to a few KiB.
MAX_SMALL_FILE = 4 << 20


def read_small(path: Path, limit: int = MAX_SMALL_FILE) -> bytes:
    """The bytes of one of the folder's small bookkeeping files (at most ``limit``).

    A file swapped for something huge (or a device) must not be read whole into memory
    by every search; a directory or a FIFO in its place fails at once instead of blocking.
    """
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        chunks, size = [], 0
        while size <= limit and (chunk := os.read(fd, limit + 1 - size)):
            chunks.append(chunk)
            size += len(chunk)
        data = b"".join(chunks)
    finally:
        os.close(fd)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def write_json(path: Path, data: dict) -> None:
    """Replace ``path`` by ``data`` as JSON atomically: a reader or a crash sees the old
    file or the new one, never a part (write a temporary file, fsync, rename, fsync the
    folder)."""
    if path.is_dir() and not path.is_symlink():  # os.replace would blame the .tmp file
        raise ArsearchError(f"{path} is a folder where arsearch keeps a file: remove it")
    tmp = path.with_name(path.name + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f)
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, path)
    with contextlib.suppress(OSError):
        dirfd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dirfd)
        finally:
            os.close(dirfd)


@contextlib.contextmanager
def write_lock(folder: Path, wait: float = 0.0) -> Iterator[None]:
    """Hold the folder's writer lock; wait up to ``wait`` seconds for another writer."""
    try:
        fd = os.open(folder / LOCK, os.O_RDWR | os.O_CREAT | os.O_NONBLOCK, 0o644)
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            os.close(fd)
            raise OSError(errno.EINVAL, "not a regular file")
    except OSError as exc:  # a folder, a FIFO... in its place
        raise ArsearchError(f"cannot use the lock file {folder / LOCK}: "
                            f"{exc.strerror or exc}") from exc
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
