"""Opening a Whoosh index without leaking files when one of them fails to decode."""


from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import FileIndex
from whoosh.reading import IndexReader


def open_reader(folder: Path, indexname: str) -> tuple[FileIndex, IndexReader]:
    """Whoosh's index and a reader of its newest state; nothing left open on failure.

    ``whoosh.index.open_dir(...).reader()`` closes none of the files it opened when a
    later one fails to decode, and retries ten times on an OSError: a damaged index then
    leaves a dozen files open until the garbage collector finds them.
    """
    files = _TrackingStorage(str(folder))
    try:
        ix = FileIndex(files, indexname=indexname)
        toc = ix._read_toc()
        reader = FileIndex._reader(files, toc.schema, toc.segments, toc.generation)
    except BaseException:
        files.close_opened()
        raise
    files.opened = None  # the reader owns its files from now on
    return ix, reader


class _TrackingStorage(FileStorage):
    """A FileStorage that remembers the files it opens, to close them after a failure."""

    def __init__(self, path: str):
        super().__init__(path)
        self.opened: list | None = []

    def open_file(self, name, **kwargs):
        # non-blocking: a FIFO swapped in for an index file must fail, not hang
        fd = os.open(self._fpath(name), os.O_RDONLY | os.O_NONBLOCK)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise OSError(errno.EINVAL, "not a regular file", name)
            f = StructFile(os.fdopen(fd, "rb"), name=name, **kwargs)
        except BaseException:
            os.close(fd)
            raise
        if self.opened is not None:
            self.opened.append(f)
        return f

    def close_opened(self) -> None:
        for f in self.opened or ():
            if not f.is_closed:
                f.close()
