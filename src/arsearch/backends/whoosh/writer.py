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

import gc
import multiprocessing as mp
import queue
from array import array
from collections.abc import Iterator
from contextlib import contextmanager

from whoosh import index as whoosh_index
from whoosh.codec.whoosh3 import W3Codec
from whoosh.writing import SegmentWriter

from arsearch.backends.whoosh.codec import CompactPostingsWriter, CompactTermInfo, compress
from arsearch.backends.workers import next_result
from arsearch.errors import ArsearchError

#: Documents per batch sent to a worker process.
BATCH = 200
#: Posting lists shorter than this are kept inside the term's entry instead of a block
#: of their own in the postings file (a block costs ~40 bytes; most words of an
#: archive occur in one or two documents).
INLINE_LIMIT = 4
#: Allocations between two young-generation garbage collections while indexing.
GC_THRESHOLD = 100_000


class GroupedPool:
    """Postings grouped by (field, term), in arrival (= document) order.

    Each group keeps its document numbers, weights and encoded values in flat arrays
    (about 20 bytes a posting instead of ~140 for a tuple of objects), so a worker can
    hold tens of thousands of news articles' postings in memory.
    """

    def __init__(self) -> None:
        # field -> term bytes -> (docnums, weights, value ends, value bytes)
        self._fields: dict[str, dict[bytes, tuple]] = {}
        self.fieldnames: set[str] = set()

    def _groups(self, fieldname: str) -> dict[bytes, tuple]:
        groups = self._fields.get(fieldname)
        if groups is None:
            groups = self._fields[fieldname] = {}
            self.fieldnames.add(fieldname)
        return groups

    def add(self, item: tuple) -> None:
        """Add one ``(fieldname, tbytes, docnum, weight, value)`` posting (Whoosh's API)."""
        fieldname, tbytes, docnum, weight, value = item
        self.add_terms(fieldname, docnum, ((tbytes, 0, weight, value),), 1.0)

    def add_terms(self, fieldname: str, docnum: int, items, boost: float) -> int:
        """Add one field's ``(tbytes, freq, weight, value)`` items; return the token count.

        The per-field form of :meth:`add`, for the writer's hot loop: one call per
        field instead of one call and one tuple per posting.
        """
        groups = self._groups(fieldname)
        get = groups.get
        length = 0
        for tbytes, freq, weight, value in items:
            length += freq
            group = get(tbytes)
            if group is None:
                group = groups[tbytes] = (array("I"), array("f"), array("I", [0]), bytearray())
            docnums, weights, ends, data = group
            docnums.append(docnum)
            weights.append(weight * boost)
            if value:
                data += value
            ends.append(len(data))
        return length

    def iter_groups(self) -> Iterator[tuple]:
        """(fieldname, tbytes, docnums, weights, ends, data) per term, in term order."""
        fields = self._fields
        for fieldname in sorted(fields):
            groups = fields.pop(fieldname)
            for tbytes in sorted(groups):
                docnums, weights, ends, data = groups.pop(tbytes)
                yield fieldname, tbytes, docnums, weights, ends, bytes(data)

    def cleanup(self) -> None:
        self._fields = {}


class _Lengths:
    """Field lengths of a new segment, read once per field instead of once per posting."""

    def __init__(self, pdr) -> None:
        self._pdr = pdr
        self._cache: dict[str, list[int]] = {}

    def __bool__(self) -> bool:
        return True

    def field(self, fieldname: str) -> list[int]:
        """The length of ``fieldname`` in every document of the segment."""
        lengths = self._cache.get(fieldname)
        if lengths is None:
            n = self._pdr.doc_count_all()
            dfl = self._pdr.doc_field_length
            lengths = self._cache[fieldname] = [dfl(d, fieldname, 0) or 0 for d in range(n)]
        return lengths


def write_postings(fieldwriter, schema, lengths: _Lengths | None, pool: GroupedPool) -> None:
    """Whoosh's ``FieldWriter.add_postings``, a posting list at a time.

    Whoosh's version makes four Python calls per posting (the pool's generator, a
    length lookup, the field writer, the postings writer); here each block of up to
    ``blocklimit`` postings is handed to Whoosh's postings writer as whole arrays, with
    the block statistics it would have computed (max weight, min and max field length),
    and Whoosh writes the block, the inlined list or the term entry as usual (in the
    compact encoding of :mod:`arsearch.backends.whoosh.codec`).
    """
    lastfn = None
    flens = None
    pw = None
    for fieldname, tbytes, docnums, weights, ends, data in pool.iter_groups():
        if fieldname != lastfn:
            if lastfn is not None:
                fieldwriter.finish_field()
            fieldobj = schema[fieldname]
            fieldwriter.start_field(fieldname, fieldobj)
            stock = fieldwriter._postwriter
            pw = fieldwriter._postwriter = CompactPostingsWriter(
                fieldwriter._postfile, stock._blocklimit, compression=stock._compression,
                inlinelimit=stock._inlinelimit)
            fmt = fieldobj.format
            lastfn = fieldname
            flens = lengths.field(fieldname) if lengths and fieldobj.scorable else None
        fieldwriter._btext = tbytes  # W3FieldWriter.start_term, with our term entry
        assert pw is not None  # set with the field, which comes first
        pw.start_postings(fmt, CompactTermInfo())
        limit = pw._blocklimit
        n = len(docnums)
        for start in range(0, n, limit):
            if start:
                pw._write_block()
            stop = min(start + limit, n)
            ids = docnums[start:stop]
            ws = weights[start:stop]
            pw._ids = ids
            pw._weights = ws
            pw._maxweight = max(ws)
            if data:
                pw._values = [data[ends[i]:ends[i + 1]] for i in range(start, stop)]
            if flens is not None:
                lens = [flens[d] for d in ids]
                # Whoosh ignores zero lengths (empty fields) in the block minimum
                pw._maxlength = max(lens)
                pw._minlength = min((x for x in lens if x), default=None)
        fieldwriter.finish_term()
    if lastfn is not None:
        fieldwriter.finish_field()


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
        # the stored fields: zlib set up for articles of a few KiB (blocks.compress),
        # a third of the time of zlib.compress for the same bytes
        stored = self.perdocwriter._colwriters.get("_stored")
        if stored is not None and hasattr(getattr(stored, "_child", None), "_compress"):
            stored._child._compress = compress

    def add_document(self, **fields) -> None:
        """Whoosh's ``SegmentWriter.add_document`` with each field's terms pooled at once.

        Fields with spelling words or term vectors (arsearch's schema has none) and
        custom ``_stored_`` values go through Whoosh's own method.
        """
        schema = self.schema
        if any(name.startswith("_stored_") for name in fields) or any(
                schema[name].separate_spelling() or schema[name].vector
                for name in fields if name in schema):
            return super().add_document(**fields)
        self._check_state()
        perdocwriter = self.perdocwriter
        docnum = self.docnum
        docboost = self._doc_boost(fields)
        fieldnames = sorted(name for name in fields if not name.startswith("_"))
        self._check_fields(schema, fieldnames)
        perdocwriter.start_doc(docnum)
        try:
            for fieldname in fieldnames:
                value = fields[fieldname]
                if value is None:
                    continue
                field = schema[fieldname]
                length = 0
                if field.indexed:
                    count = self.pool.add_terms(fieldname, docnum, field.index(value),
                                                self._field_boost(fields, fieldname, docboost))
                    if field.scorable:
                        length = count
                perdocwriter.add_field(fieldname, field, value if field.stored else None,
                                       length)
                if field.column_type:
                    perdocwriter.add_column_value(fieldname, field.column_type,
                                                  field.to_column_value(value))
        except Exception:
            perdocwriter.cancel_doc()
            raise
        perdocwriter.finish_doc()
        self._added = True
        self.docnum += 1

    def _flush_segment(self) -> None:
        self.perdocwriter.close()
        pdr = self.per_document_reader() if self.codec.length_stats else None
        try:
            write_postings(self.fieldwriter, self.schema, _Lengths(pdr) if pdr else None,
                           self.pool)
        finally:
            self.fieldwriter.close()
            if pdr:
                pdr.close()


@contextmanager
def rare_gc(threshold: int = GC_THRESHOLD) -> Iterator[None]:
    """Run the cyclic garbage collector rarely while indexing (restored afterwards).

    Indexing allocates millions of small objects that live until the segment is written
    (the pool's arrays) and makes no reference cycles; with the default threshold the
    collector keeps re-scanning them: 5-8% of the indexing time, measured.
    """
    old = gc.get_threshold()
    gc.set_threshold(threshold, old[1], old[2])
    try:
        yield
    finally:
        gc.set_threshold(*old)


def _worker(folder: str, indexname: str, jobs, results) -> None:
    """Index batches from ``jobs`` into a private segment; send the segment back."""
    gc.set_threshold(GC_THRESHOLD)  # this process only indexes: see rare_gc
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
            status, value = next_result(self.results, self._check_workers)
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
