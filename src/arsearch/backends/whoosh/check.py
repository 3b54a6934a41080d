"""``arsearch check``: verify every file of the index, then decode every byte.

The files against the checksums recorded at commit
(:mod:`arsearch.backends.whoosh.integrity`), then a
full read of each segment as nothing else does it: every term entry and posting list
(document numbers in range and increasing, counts as recorded, field lengths summed),
every stored document, and every column against the stored documents and the postings.
Slow on purpose (seconds for tens of thousands of articles); ``quick`` stops after the
checksums and an open as a search would do it.
"""

from __future__ import annotations

import contextlib
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3TermInfo, _lenfield
from whoosh.util.numeric import byte_to_length, length_to_byte

import arsearch.backends.whoosh.generations as storage
from arsearch.backends.whoosh.integrity import (
    REBUILD,
    REQUIRED_COLUMNS,
    Finding,
    check_last_documents,
    column_values,
    describe,
    file_of,
    folder_key,
    missing_files,
    open_reader,
    read_column,
    read_manifest,
    state_files,
    toc_segments,
    unreadable,
    verify_files,
)
from arsearch.backends.whoosh.postings import read_postings
from arsearch.backends.whoosh.schema import TEXT_FIELDS
from arsearch.errors import IndexDamagedError


@dataclass
class CheckReport:
    """What :func:`check_index` found. ``ok`` when there is no error."""

    folder: str
    generation: str | None = None
    state: int | None = None
    documents: int = 0
    files: int = 0
    bytes: int = 0
    checksums: bool = False  # every file was compared with its recorded checksum
    decoded: bool = False  # every term, posting list, stored document and column was read
    errors: list[Finding] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok, "folder": self.folder, "generation": self.generation,
            "state": self.state, "documents": self.documents, "files": self.files,
            "bytes": self.bytes, "checksums": self.checksums, "decoded": self.decoded,
            "errors": [{"file": f.file, "message": f.message} for f in self.errors],
            "warnings": self.warnings, "seconds": round(self.seconds, 3),
        }


def check_index(folder: str | os.PathLike, *, quick: bool = False) -> CheckReport:
    """Verify the current state of the index in ``folder``: every file, then every byte.

    Files: present, regular, with the size and CRC-32 recorded at commit. Then (unless
    ``quick``) a full read: every segment's term file and every posting list decoded
    (document numbers in range and increasing, counts as recorded, field lengths summed),
    every stored document, every column against the stored documents and the postings.
    ``quick`` only opens the index as a search would. Raises IndexNotFoundError when
    there is no index, IndexVersionError when it is of another format (not damage: this
    arsearch would misread its files; it is rebuilt); everything else is reported. A
    writer committing meanwhile makes the check start again (three times at most).
    """
    folder = Path(folder)
    started = time.perf_counter()
    for _ in range(3):
        before = folder_key(folder)
        report = _check(folder, quick)
        if folder_key(folder) == before:
            break
    else:
        report.warnings.append("the index changed while it was checked (an indexing run?): "
                               "check again when it has finished")
    report.seconds = time.perf_counter() - started
    return report


def _check(folder: Path, quick: bool) -> CheckReport:
    report = CheckReport(str(folder))
    try:
        indexname = storage.require_meta(folder)["indexname"]
    except IndexDamagedError as exc:
        report.errors.append(Finding(None, str(exc)))
        return report
    report.generation = indexname
    toc = storage.toc_number(folder, indexname)
    if toc < 0:
        report.errors.append(Finding(storage.META, f"names {indexname}, which has no "
                                                   f"committed state: {REBUILD}"))
        return report
    report.state = toc
    names = _check_files(folder, indexname, toc, report)
    if names is None:
        return report
    report.files = len(names)
    for name in names:
        with contextlib.suppress(OSError):
            report.bytes += os.stat(folder / name).st_size
            if os.path.islink(folder / name):
                report.warnings.append(f"{name} is a symbolic link")
    if not report.errors or not quick:
        _read_everything(folder, indexname, report, quick)
    return report


def _check_files(folder: Path, indexname: str, toc: int, report: CheckReport) -> list | None:
    """Files against the manifest; the state's file names (None: its TOC is unreadable)."""
    states, problem = read_manifest(folder)
    if problem:
        report.warnings.append(f"{problem}: the next `arsearch index` run writes it anew")
    state = states.get(indexname)
    if state is not None and state.toc == toc:
        report.checksums = True
        report.errors += verify_files(folder, state)
        return sorted(state.files)
    report.warnings.append(
        f"no checksums were recorded for state {toc} of {indexname} (an index written "
        "before arsearch recorded them, or a commit interrupted before it could): its "
        "files are checked by reading them; the next `arsearch index` run records them")
    try:
        segments = toc_segments(folder, indexname, toc)
        names = state_files(folder, indexname, toc)
    except Exception as exc:  # noqa: BLE001 - any failure to read it is its damage
        report.errors.append(Finding(storage.toc_name(indexname, toc),
                                     unreadable(exc)))
        return None
    report.errors += missing_files(folder, segments, names)
    if state is not None:
        report.errors += verify_files(folder, state, set(names) & set(state.files))
    return names


def _read_everything(folder: Path, indexname: str, report: CheckReport, quick: bool) -> None:
    """Open the index as a search would, then (unless ``quick``) decode every byte."""
    bad = {f.file for f in report.errors}

    def add(finding: Finding) -> None:
        # one error a file, the first; an error that names no file only when it is alone
        if finding.file not in bad and (finding.file or not report.errors):
            bad.add(finding.file)
            report.errors.append(finding)

    try:
        _, reader = open_reader(folder, indexname)
    except Exception as exc:  # noqa: BLE001 - opening is reading the files
        add(Finding(file_of(exc), f"cannot be opened ({describe(exc)})"))
        return
    try:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        report.documents = reader.doc_count()
        try:
            for finding in check_last_documents(leaves):
                add(finding)
        except Exception as exc:  # noqa: BLE001
            add(Finding(file_of(exc), unreadable(exc)))
        if quick:
            return
        toc = storage.toc_name(indexname, report.state or 0)
        for leaf in leaves:
            for finding in _check_segment(leaf, toc):
                add(finding)
        report.decoded = True
    finally:
        reader.close()


def _check_segment(leaf, tocname: str) -> list[Finding]:
    """Decode one segment completely: postings, stored documents, columns."""
    segment = leaf._segment
    n = leaf.doc_count_all()
    findings = []
    deleted = list(segment.deleted_docs())
    if any(not 0 <= d < n for d in deleted):
        findings.append(Finding(tocname, f"deletes documents that segment "
                                         f"{segment.segment_id()} does not hold"))
    lengths, problem = _check_postings(leaf, n)
    if problem:
        findings.append(problem)
    stored, problem = _check_stored(leaf, n)
    if problem:
        findings.append(problem)
    if stored is not None:
        findings += _check_columns(leaf, stored, lengths)
    return findings


def _check_postings(leaf, n: int) -> tuple[dict | None, Finding | None]:
    """Every term entry and posting list of a segment; per-document field lengths."""
    segment = leaf._segment
    terms = leaf._terms
    trm, pst = segment.make_filename(".trm"), segment.make_filename(".pst")
    sums = {fname: _Sums(n) for fname in TEXT_FIELDS}
    formats: dict[str, object] = {}
    where, term = trm, None
    try:
        for key, value in terms._tindex.items():
            where = trm
            fieldname, tbytes = terms._keydecoder(key)
            term = (fieldname, tbytes)
            info = W3TermInfo.from_bytes(value)
            if info.is_inlined():
                ids, weights, _ = info._inlined
                if not isinstance(weights, (list, tuple)):
                    weights = [1.0 if weights is None else weights] * len(ids)
            else:
                where = pst
                fmt = formats.get(fieldname) or formats.setdefault(
                    fieldname, leaf.schema[fieldname].format)
                ids, weights, _ = read_postings(W3LeafMatcher(
                    terms._postfile, info._offset, info._length, fmt, term=term))
            problem = _bad_postings(ids, info.doc_frequency(), n)
            if problem:
                return None, Finding(where, f"posting list of {_term(term)} {problem}")
            if fieldname in sums:
                sums[fieldname].add(ids, weights)
    except Exception as exc:  # noqa: BLE001 - whatever decoding raises is damage
        at = f" at {_term(term)}" if term else ""
        return None, Finding(where, f"cannot be decoded{at} ({describe(exc)})")
    lengths = {fname: acc.total() for fname, acc in sums.items()}
    for fname, arr in lengths.items():
        recorded = segment._fieldlengths.get(fname, 0)
        low, high = _total_bounds(arr)
        if not low <= recorded <= high:
            return None, Finding(pst, f"the postings of {fname} hold {int(arr.sum()):,} words "
                                      f"where {recorded:,} were indexed")
    return lengths, None


def _total_bounds(lengths: np.ndarray) -> tuple[int, int]:
    """The range a segment's recorded total of ``lengths`` may take.

    A new segment records the exact sum; one Whoosh merged from others adds their
    documents' lengths as read back from the one-byte encoding (rounded), and a commit
    can merge old segments and add new documents into the same one: each document
    counts exactly or rounded.
    """
    low = high = 0
    for n in map(int, lengths.tolist()):
        if n:
            rounded = byte_to_length(length_to_byte(n))
            low += min(n, rounded)
            high += max(n, rounded)
    return low, high


class _Sums:
    """Posting weights summed per document (= field lengths), a chunk at a time.

    Adding each posting list into a NumPy array costs more than decoding it for the
    short lists that make most of an index; collecting them and summing a million
    postings at once with ``bincount`` bounds both the time and the memory.
    """

    CHUNK = 1 << 20

    def __init__(self, n: int):
        self.sums = np.zeros(n, dtype=np.float64)
        self.ids: list = []
        self.weights: list = []
        self.pending = 0

    def add(self, ids, weights) -> None:
        self.ids.append(ids)
        self.weights.append(weights)
        self.pending += len(ids)
        if self.pending >= self.CHUNK:
            self._flush()

    def _flush(self) -> None:
        if self.pending:
            ids = np.concatenate([np.asarray(i, dtype=np.int64) for i in self.ids])
            weights = np.concatenate([np.asarray(w, dtype=np.float64) for w in self.weights])
            self.sums += np.bincount(ids, weights, minlength=len(self.sums))
        self.ids, self.weights, self.pending = [], [], 0

    def total(self) -> np.ndarray:
        self._flush()
        return self.sums


def _bad_postings(ids, df: int, n: int) -> str | None:
    if len(ids) != df:
        return f"has {len(ids)} documents where {df} were recorded"
    if not len(ids):
        return None
    if len(ids) < 8:
        ok = ids[0] >= 0 and ids[-1] < n and all(a < b for a, b in zip(ids, ids[1:], strict=False))
    else:
        arr = np.asarray(ids)
        ok = arr[0] >= 0 and arr[-1] < n and bool((np.diff(arr) > 0).all())
    return None if ok else "holds document numbers out of order or out of range"


def _term(term) -> str:
    fieldname, tbytes = term
    return f"{fieldname}:{tbytes.decode('utf-8', 'replace')!r}"


def _check_stored(leaf, n: int) -> tuple[list | None, Finding | None]:
    stored_file = leaf._segment.make_filename("._stored.col")
    docs = []
    for docnum in range(n):
        try:
            doc = leaf.stored_fields(docnum)
            if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
                raise ValueError("not a document with an id")
        except Exception as exc:  # noqa: BLE001
            return None, Finding(stored_file, f"document {docnum} cannot be decoded "
                                              f"({describe(exc)})")
        docs.append(doc)
    return docs, None


def _check_columns(leaf, stored: list[dict], lengths: dict | None) -> list[Finding]:
    """Every column against the stored documents, and field lengths against postings."""
    segment = leaf._segment
    n = len(stored)
    findings = []
    expected = [column_values(leaf.schema, doc) for doc in stored]
    for name in expected[0] if expected else ():
        filename = W3Codec.column_filename(segment, name)
        try:
            if not leaf.has_column(name) and name in REQUIRED_COLUMNS:
                findings.append(Finding(filename, "missing"))
                continue
            actual = read_column(leaf, name, range(n))
        except Exception as exc:  # noqa: BLE001
            findings.append(Finding(filename, f"cannot be decoded ({describe(exc)})"))
            continue
        wrong = [d for d in range(n) if actual[d] != expected[d][name]]
        if wrong:
            findings.append(Finding(filename, f"{len(wrong):,} of {n:,} values disagree with "
                                              f"the stored documents (first: {wrong[0]})"))
    if lengths is None:
        return findings
    for fname, sums in lengths.items():
        filename = W3Codec.column_filename(segment, _lenfield(fname))
        try:
            reader = leaf._perdoc._cached_reader(_lenfield(fname), LENGTHS_COLUMN)
            codes = [reader[d] for d in range(n)] if reader is not None else [0] * n
        except Exception as exc:  # noqa: BLE001
            findings.append(Finding(filename, f"cannot be decoded ({describe(exc)})"))
            continue
        want = [length_to_byte(int(s)) if s else 0 for s in sums.tolist()]
        wrong = [d for d in range(n) if codes[d] != want[d]]
        if wrong:
            findings.append(Finding(filename, f"{len(wrong):,} of {n:,} field lengths disagree "
                                              f"with the postings (first: document "
                                              f"{wrong[0]})"))
        elif reader is not None and reader._count > n:
            findings.append(Finding(filename, f"holds {reader._count:,} values for "
                                              f"{n:,} documents"))
    return findings
