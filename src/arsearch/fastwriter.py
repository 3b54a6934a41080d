"""A faster Whoosh segment writer, and parallel indexing into several segments.

Whoosh's :class:`~whoosh.writing.SegmentWriter` puts every posting into an external
sorting pool (which spills to disk and merges when it outgrows ``limitmb``) and, when
writing, looks up the field length of every posting through the column reader. Both are
generic costs our bulk indexing does not need: postings of one term arrive already in
document order, so grouping them by term and sorting only the terms is enough, and field
lengths can be read once per field. The on-disk format is Whoosh's own.

With ``procs > 1`` documents go to worker processes that each write their own segment;
the parent holds the lock, applies deletions and commits all segments in one TOC. This
is the ``multisegment=True`` strategy, without Whoosh's ``MpWriter``, whose single-
segment mode silently drops documents.
"""

from __future__ import annotations

import multiprocessing as mp
import queue
from array import array
from collections.abc import Iterator

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec, W3TermInfo
from whoosh.writing import SegmentWriter

from .errors import ArsearchError

#: Documents per batch sent to a worker process.
BATCH = 200
#: Posting lists shorter than this are kept inside the term's entry instead of a block
#: of their own in the postings file (a block costs ~100 bytes; most words of an
#: archive occur in one or two documents).
INLINE_LIMIT = 2

if not hasattr(W3TermInfo, "set_inline"):
    # Whoosh's postings writer calls set_inline, but the term info defines only
    # set_inlined, so any inlinelimit above 1 crashes (whoosh-reloaded 2.7.x)
    W3TermInfo.set_inline = W3TermInfo.set_inlined


class GroupedPool:
    """Postings grouped by (field, term), in arrival (= document) order.

    Each group keeps its document numbers, weights and encoded values in flat arrays
    (about 20 bytes a posting instead of ~140 for a tuple of objects), so a worker can
    hold tens of thousands of news articles' postings in memory.
    """

    def __init__(self) -> None:
        self._groups: dict[tuple[str, bytes], tuple] = {}
        self.fieldnames: set[str] = set()

    def add(self, item: tuple) -> None:
        fieldname, tbytes, docnum, weight, value = item
        group = self._groups.get((fieldname, tbytes))
        if group is None:
            group = self._groups[(fieldname, tbytes)] = (
                array("I"), array("f"), array("I", [0]), bytearray())
            self.fieldnames.add(fieldname)
        docnums, weights, ends, data = group
        docnums.append(docnum)
        weights.append(weight)
        if value:
            data += value
        ends.append(len(data))

    def iter_postings(self) -> Iterator[tuple]:
        groups = self._groups
        for key in sorted(groups):
            fieldname, tbytes = key
            docnums, weights, ends, data = groups.pop(key)
            data = bytes(data)
            for i, docnum in enumerate(docnums):
                yield fieldname, tbytes, docnum, weights[i], data[ends[i]:ends[i + 1]]

    def cleanup(self) -> None:
        self._groups = {}


class _Lengths:
    """Field lengths of a new segment, read once per field instead of once per posting."""

    def __init__(self, pdr) -> None:
        self._pdr = pdr
        self._cache: dict[str, list[int]] = {}

    def __bool__(self) -> bool:
        return True

    def doc_field_length(self, docnum: int, fieldname: str, default: int = 0) -> int:
        lengths = self._cache.get(fieldname)
        if lengths is None:
            n = self._pdr.doc_count_all()
            dfl = self._pdr.doc_field_length
            lengths = self._cache[fieldname] = [dfl(d, fieldname, default) or 0
                                                for d in range(n)]
        return lengths[docnum]


class FastSegmentWriter(SegmentWriter):
    """A SegmentWriter with the grouped pool and cached lengths (same file format)."""

    def __init__(self, ix, **kwargs) -> None:
        kwargs.setdefault("compound", False)  # assembling a compound file copies it all
        # bigger blocks and the fastest zlib level: fewer, cheaper pickle+zlib calls,
        # an index a third the size of an uncompressed one; the ranker reads whole
        # posting lists anyway
        kwargs.setdefault("codec", W3Codec(blocklimit=256, compression=3,
                                           inlinelimit=INLINE_LIMIT))
        super().__init__(ix, **kwargs)
        self.pool = GroupedPool()

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            self.fieldwriter.add_postings(self.schema, _Lengths(pdr) if pdr else None,
                                          self.pool.iter_postings())
        finally:
            self.fieldwriter.close()
            if pdr:
                pdr.close()


def _worker(folder: str, indexname: str, jobs, results) -> None:
    """Index batches from ``jobs`` into a private segment; send the segment back."""
    try:
        ix = whoosh_index.open_dir(folder, indexname=indexname)
        writer = FastSegmentWriter(ix, _lk=False)
        while True:
            batch = jobs.get()
            if batch is None:
                break
            for fields in batch:
                writer.add_document(**fields)
        if writer._added:
            results.put(("ok", writer._finalize_segment()))
        else:
            writer._close_segment()
            results.put(("ok", None))
    except BaseException as exc:  # report, so the parent fails instead of hanging
        results.put(("error", f"{type(exc).__name__}: {exc}"))
        raise


class ParallelWriter:
    """Adds documents through ``procs`` worker processes; deletions in the parent.

    Use like a Whoosh writer: ``add_document``, ``delete_by_term``, ``commit``, ``cancel``.
    """

    def __init__(self, ix, folder: str, procs: int) -> None:
        self.main = FastSegmentWriter(ix)
        ctx = mp.get_context("fork")
        self.jobs = ctx.Queue(maxsize=procs * 4)
        self.results = ctx.Queue()
        self.workers = [ctx.Process(target=_worker, args=(folder, ix.indexname, self.jobs,
                                                          self.results), daemon=True)
                        for _ in range(procs)]
        for w in self.workers:
            w.start()
        self.batch: list[dict] = []

    def add_document(self, **fields) -> None:
        self.batch.append(fields)
        if len(self.batch) >= BATCH:
            self._send()

    def _send(self) -> None:
        while True:
            try:
                self.jobs.put(self.batch, timeout=1.0)
                break
            except queue.Full:
                self._check_workers()
        self.batch = []

    def _check_workers(self) -> None:
        for w in self.workers:
            if not w.is_alive() and w.exitcode not in (0, None):
                raise ArsearchError(f"an indexing worker died (exit code {w.exitcode})")

    def delete_by_term(self, fieldname: str, text: str) -> None:
        self.main.delete_by_term(fieldname, text)

    def commit(self, merge: bool = False) -> None:
        if self.batch:
            self._send()
        for _ in self.workers:
            self.jobs.put(None)
        segments = []
        for _ in self.workers:
            while True:
                try:
                    status, value = self.results.get(timeout=1.0)
                    break
                except queue.Empty:
                    self._check_workers()
            if status != "ok":
                raise ArsearchError(f"an indexing worker failed: {value}")
            if value is not None:
                segments.append(value)
        for w in self.workers:
            w.join()
        main = self.main
        final = main._merge_segments(None, None, merge)
        if main._added:
            final.append(main._finalize_segment())
        else:
            main._close_segment()
        main._commit_toc(final + segments)
        main._finish()

    def cancel(self) -> None:
        for w in self.workers:
            if w.is_alive():
                w.kill()
        for w in self.workers:
            w.join()
        self.main.cancel()
