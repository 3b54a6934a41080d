"""Is the index on disk sound? Checksums recorded at commit, checked before use.

Whoosh never changes a file once written: a commit adds segment files and a new table of
contents (``_gen1_<N>.toc``, "state N"); deletions live in the table of contents. So after
every commit the writer records, for the newest state, the size and CRC-32 of each of its
files in ``arsearch.manifest.json`` beside ``arsearch.json``. Files recorded by an earlier
commit keep their checksum; only the files this commit wrote are read. With it:

* opening an index and ``/healthz`` compare file sizes (a ``stat`` per file);
* a writer verifies every checksum before it builds on a state, so an update never
  reports "unchanged" over a damaged index (:func:`verify_for_write`);
* ``arsearch check`` verifies checksums, then decodes everything (:func:`check_index`);
* an error raised while index bytes were being decoded is blamed on the index only when
  the checksums cannot vouch for the files (:func:`blame`): when every byte is as it was
  written, the error is a bug and must surface as one.

The manifest is keyed by generation and state number. A crash between Whoosh's rename of
the table of contents and the manifest write leaves the newest state without checksums:
it is "unverified", not damaged, and the next writer records it under its lock.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import threading
import time
import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import numpy as np
from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, W3LeafMatcher, W3TermInfo, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, FileIndex
from whoosh.reading import IndexReader
from whoosh.util.numeric import length_to_byte
from whoosh.util.times import datetime_to_long

from . import storage
from .errors import ArsearchError, IndexDamagedError, IndexVersionError
from .ranking import _read_postings, segment_lengths
from .schema import TEXT_FIELDS
from .suggest import _hashes

MANIFEST = "arsearch.manifest.json"
#: Column values outside this range are Whoosh's "no date".
DATES = (datetime_to_long(datetime(1000, 1, 1)), datetime_to_long(datetime(9999, 1, 1)))
MANIFEST_FORMAT = 1
REBUILD = "rebuild it with `arsearch index --rebuild`"
#: Bytes read at a time when checksumming (zlib.crc32 runs at ~2 GB/s).
CHUNK = 1 << 20
#: Columns every document has a value in (``schema.to_fields``): never legitimately absent.
REQUIRED_COLUMNS = ("id", "hash", "path")
#: Files every non-empty segment has, whatever its documents hold.
REQUIRED_FILES = (".trm", ".pst", "._stored.col") + tuple(f".{c}.col" for c in REQUIRED_COLUMNS)


@dataclass(frozen=True)
class Finding:
    """One problem, about one file of the index when it can be named."""

    file: str | None
    message: str

    def __str__(self) -> str:
        return f"{self.file}: {self.message}" if self.file else self.message


def damaged(folder: Path, findings: list[Finding]) -> IndexDamagedError:
    """The one-line error for ``findings`` (the first is named, the others counted)."""
    more = f", and {len(findings) - 1} more problem(s)" if len(findings) > 1 else ""
    return IndexDamagedError(f"the index in {folder} is damaged ({findings[0]}{more}): "
                             f"{REBUILD}")


# --- the manifest ----------------------------------------------------------------------


@dataclass(frozen=True)
class State:
    """The recorded files of one committed state: file name -> (size, CRC-32)."""

    indexname: str
    toc: int
    files: dict[str, tuple[int, int]]


def read_manifest(folder: Path) -> tuple[dict[str, State], str | None]:
    """The recorded states by generation, and why the manifest is unusable (if it is)."""
    try:
        data = json.loads(storage.read_small(folder / MANIFEST))
    except FileNotFoundError:
        return {}, None
    except (OSError, ValueError) as exc:
        return {}, f"{MANIFEST} is unreadable ({describe(exc)})"
    try:
        return _parse_manifest(data), None
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        return {}, f"{MANIFEST} is not a valid manifest ({describe(exc)})"


def _parse_manifest(data) -> dict[str, State]:
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"format {data.get('format') if isinstance(data, dict) else '?'}")
    states = {}
    for indexname, entry in data["generations"].items():
        if not re.fullmatch(r"gen\d+", indexname):
            raise ValueError(f"generation {indexname!r}")
        files = {}
        for name, (size, crc) in entry["files"].items():
            # only files of that generation, in the folder itself: a manifest must never
            # make check read anything else
            if not _generation_file(indexname).fullmatch(name):
                raise ValueError(f"file name {name!r}")
            if not (isinstance(size, int) and isinstance(crc, int)):
                raise TypeError(f"size or checksum of {name}")
            files[name] = (size, crc)
        toc = entry["toc"]
        if not isinstance(toc, int):
            raise TypeError("state number")
        states[indexname] = State(indexname, toc, files)
    return states


def _generation_file(indexname: str) -> re.Pattern:
    return re.compile(rf"_?{indexname}_[A-Za-z0-9_.]+")


def record(folder: Path, indexname: str) -> State:
    """Record the checksums of the newest state of ``indexname``, after a commit.

    Call with the writer lock held. Files already recorded with the same size keep their
    checksum (segment files never change), so a commit reads only what it wrote. The
    manifest keeps this generation and the current one (a rebuild records its new
    generation before switching to it); others are dropped.
    """
    toc = storage.toc_number(folder, indexname)
    states, _ = read_manifest(folder)
    known = {name: entry for state in states.values() for name, entry in state.files.items()}
    files = {}
    for name in state_files(folder, indexname, toc):
        size = os.stat(folder / name).st_size
        old = known.get(name)
        files[name] = old if old is not None and old[0] == size else (size, checksum(folder / name))
    state = State(indexname, toc, files)
    keep = {indexname: state}
    with contextlib.suppress(ArsearchError):
        current = (storage.read_meta(folder) or {}).get("indexname")
        if current in states and current != indexname:
            keep[current] = states[current]
    storage.write_json(folder / MANIFEST, {"format": MANIFEST_FORMAT, "generations": {
        s.indexname: {"toc": s.toc, "files": {n: list(v) for n, v in s.files.items()}}
        for s in keep.values()}})
    return state


def checksum(path: Path) -> int:
    """CRC-32 of a file's bytes (never blocks on a FIFO swapped in for the file)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    with open(fd, "rb", buffering=0) as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path.name} is not a regular file")
        crc = 0
        buffer = bytearray(CHUNK)
        view = memoryview(buffer)
        while n := f.readinto(buffer):
            crc = zlib.crc32(view[:n], crc)
    return crc


# --- the files of a state --------------------------------------------------------------


def toc_segments(folder: Path, indexname: str, toc: int) -> list:
    """The segments state ``toc`` lists (reads its table of contents; may raise)."""
    files = _TrackingStorage(str(folder))
    try:
        return TOC.read(files, indexname, gen=toc).segments
    finally:
        files.close_opened()


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
        f = super().open_file(name, **kwargs)
        if self.opened is not None:
            self.opened.append(f)
        return f

    def close_opened(self) -> None:
        for f in self.opened or ():
            if not f.is_closed:
                f.close()


def state_files(folder: Path, indexname: str, toc: int) -> list[str]:
    """The files of state ``toc`` present in the folder: its table of contents first."""
    prefixes = tuple(f"{s.segment_id()}." for s in toc_segments(folder, indexname, toc))
    return [storage.toc_name(indexname, toc)] + sorted(
        n for n in os.listdir(folder) if n.startswith(prefixes))


def missing_files(folder: Path, segments: list) -> list[Finding]:
    """Files every non-empty segment must have and that are absent."""
    present = set(os.listdir(folder))
    return [Finding(segment.make_filename(ext), "missing") for segment in segments
            if segment.doc_count_all() for ext in REQUIRED_FILES
            if segment.make_filename(ext) not in present]


def verify_files(folder: Path, state: State, names=None, *,
                 checksums: bool = True) -> list[Finding]:
    """Each of ``names`` (default: every recorded file) against its size and checksum."""
    findings = []
    for name in sorted(state.files if names is None else names):
        size, crc = state.files[name]
        problem = _verify_file(folder / name, size, crc if checksums else None)
        if problem:
            findings.append(Finding(name, problem))
    return findings


def _verify_file(path: Path, size: int, crc: int | None) -> str | None:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "missing"
    except OSError as exc:
        return f"cannot be read ({describe(exc)})"
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if st.st_size != size:
        return f"has {st.st_size:,} bytes where {size:,} were written"
    if crc is not None:
        try:
            if checksum(path) != crc:
                return "its bytes changed after they were written (checksum mismatch)"
        except OSError as exc:
            return f"cannot be read ({describe(exc)})"
    return None


def check_sizes(folder: Path, indexname: str) -> list[Finding]:
    """Cheap: each recorded file of the newest state present with its size.

    A state without checksums has nothing to compare with (an empty list). A writer may
    commit while this runs and delete files of the state before: that is checked again
    against the newer state, never reported.
    """
    for _ in range(3):
        toc = storage.toc_number(folder, indexname)
        states, _ = read_manifest(folder)
        state = states.get(indexname)
        if state is None or state.toc != toc:
            return []
        findings = verify_files(folder, state, checksums=False)
        if not findings or storage.toc_number(folder, indexname) == toc:
            return findings
    return []


# --- diagnosis: is it the index? -------------------------------------------------------


@dataclass(frozen=True)
class Verdict:
    """What the checksums say about the current state."""

    findings: list[Finding]
    verified: bool  # every file of the state was compared with its recorded checksum


def diagnose(folder: Path, indexname: str | None = None) -> Verdict:
    """Check the current state's files (checksums); raises for a bad ``arsearch.json``."""
    indexname = indexname or storage.require_meta(folder)["indexname"]
    toc = storage.toc_number(folder, indexname)
    if toc < 0:
        return Verdict([Finding(None, f"{storage.META} names {indexname}, which has no "
                                      f"committed state (no _{indexname}_N.toc file)")], False)
    states, _ = read_manifest(folder)
    state = states.get(indexname)
    if state is not None and state.toc == toc:
        return Verdict(verify_files(folder, state), True)
    # unverified: what the table of contents lists, against older checksums if any
    try:
        segments = toc_segments(folder, indexname, toc)
        names = state_files(folder, indexname, toc)
    except Exception as exc:  # noqa: BLE001 - any failure to read it is its damage
        return Verdict([Finding(storage.toc_name(indexname, toc),
                                f"cannot be read ({describe(exc)})")], False)
    findings = missing_files(folder, segments)
    if state is not None:
        findings += verify_files(folder, state, set(names) & set(state.files))
    return Verdict(findings, False)


_verdicts: dict[Path, tuple[tuple, Verdict]] = {}
_verdicts_lock = threading.Lock()


def cached_diagnose(folder: Path) -> Verdict:
    """:func:`diagnose`, computed once while no file of the folder changes.

    A damaged index fails every search: its verdict (checksumming the whole index) must
    not be recomputed for each of them. Concurrent callers wait for one computation.
    """
    key = folder_key(folder)
    with _verdicts_lock:
        hit = _verdicts.get(folder)
        if hit is not None and hit[0] == key:
            return hit[1]
        verdict = diagnose(folder)
        _verdicts[folder] = (key, verdict)
        return verdict


def _remember(folder: Path, verdict: Verdict) -> None:
    """Keep what reading found for an unverified state, for :func:`known_verdict`."""
    with _verdicts_lock:
        _verdicts[folder] = (folder_key(folder), verdict)


def known_verdict(folder: Path) -> Verdict | None:
    """The cached verdict for the folder as it is now, if one was computed."""
    hit = _verdicts.get(folder)
    return hit[1] if hit is not None and hit[0] == folder_key(folder) else None


def folder_key(folder: Path) -> tuple:
    """Name, size, inode and mtime of every file: changes whenever a file does."""
    entries = []
    with contextlib.suppress(OSError), os.scandir(folder) as it:
        for entry in it:
            with contextlib.suppress(OSError):
                st = entry.stat(follow_symlinks=False)
                if entry.name != storage.LOCK:  # rewritten by every writer
                    entries.append((entry.name, st.st_size, st.st_ino, st.st_mtime_ns))
    return tuple(sorted(entries))


#: Code that decodes index files: Whoosh's readers and arsearch's own decoders. Not
#: Whoosh's utilities (dates, queries, analysis), which arsearch also calls directly.
_DECODERS = {f.__code__ for f in (segment_lengths, _read_postings, _hashes)}
_DECODER_MODULES = ("whoosh.codec", "whoosh.filedb", "whoosh.columns", "whoosh.reading",
                    "whoosh.index", "whoosh.searching", "whoosh.matching", "whoosh.fields",
                    "whoosh.classify", "arsearch.postings", "arsearch.blocks")


def raised_while_decoding(exc: BaseException) -> bool:
    """Whether ``exc`` passed through code that decodes index files on its way up."""
    tb = exc.__traceback__
    while tb is not None:
        frame = tb.tb_frame
        module = frame.f_globals.get("__name__", "")
        if module.startswith(_DECODER_MODULES) or frame.f_code in _DECODERS:
            return True
        tb = tb.tb_next
    return False


def blame(folder: Path, exc: Exception, *, opening: bool = False) -> ArsearchError | None:
    """The error to report for ``exc``, if the index is to blame; None for a bug.

    The index is blamed when ``exc`` was raised while reading it (``opening``, or while
    decoding its bytes) and its files cannot be vouched for: a file is missing, has
    another size or checksum than when written (named), or the state has no checksums.
    When every byte is as written, ``exc`` is a bug: None, and the caller re-raises it.
    """
    if not (opening or raised_while_decoding(exc)):
        return None
    try:
        verdict = cached_diagnose(folder)
    except ArsearchError as err:  # arsearch.json itself is bad, or the index went away
        return err
    if verdict.findings:
        return damaged(folder, verdict.findings)
    if verdict.verified:
        return None
    findings = exc.findings if isinstance(exc, Inconsistent) else [
        Finding(file_of(exc), f"cannot be read ({describe(exc)})")]
    if not isinstance(exc, OSError):  # not a passing shortage (files, memory): remember it
        _remember(folder, Verdict(findings, False))
    return damaged(folder, findings)


@contextlib.contextmanager
def reading(folder: Path, *, opening: bool = False) -> Iterator[None]:
    """Turn errors the index is to blame for (see :func:`blame`) into IndexDamagedError."""
    try:
        yield
    except ArsearchError:
        raise
    except Exception as exc:
        error = blame(folder, exc, opening=opening)
        if error is None:
            raise
        raise error from exc


def file_of(exc: BaseException) -> str | None:
    """The index file being read when ``exc`` was raised, when it can be told."""
    if isinstance(exc, OSError) and exc.filename:
        return os.path.basename(str(exc.filename))
    frames = []
    tb = exc.__traceback__
    while tb is not None:
        frames.append(tb.tb_frame)
        tb = tb.tb_next
    for frame in reversed(frames):  # the innermost file wins
        for value in frame.f_locals.values():
            for obj in (value, *(_attribute(value, a) for a in
                                 ("_dbfile", "_postfile", "dbfile", "_file"))):
                if isinstance(obj, StructFile) and obj._name:
                    return os.path.basename(str(obj._name))
    return None


def _attribute(obj, name: str):
    try:
        return getattr(obj, name, None)
    except Exception:  # noqa: BLE001 - a damaged object's property may fail in any way
        return None


def describe(exc: BaseException) -> str:
    """``Type: message`` on one short line."""
    text = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
    text = " ".join(str(text).split())
    if len(text) > 160:
        text = text[:157] + "..."
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def verify_for_write(folder: Path, indexname: str) -> None:
    """Refuse to build on a damaged state: verify every checksum of the current state.

    Raises IndexDamagedError naming the first bad file. A state without checksums is
    checked for what can be (its table of contents, required files, older checksums).
    """
    verdict = diagnose(folder, indexname)
    if verdict.findings:
        raise damaged(folder, verdict.findings)


# --- the last document: cheap consistency of columns when opening ----------------------


class Inconsistent(Exception):
    """Columns disagree with the stored documents: damage, unless the checksums say no."""

    def __init__(self, findings: list[Finding]):
        super().__init__("; ".join(map(str, findings)))
        self.findings = findings


def check_last_documents(leaves) -> list[Finding]:
    """Columns that disagree with the stored fields of each segment's last document.

    Whoosh writes a fixed-width column (dates, field lengths) only up to the last
    document with a value, and reads anything past the end as "no value": a truncated
    date or length column is silently accepted. The last document's date, id and facets
    are stored, and its field lengths can be recomputed from its stored text, so a
    column that lost its end disagrees there. Costs one document's analysis a segment.
    """
    findings = []
    for leaf in leaves:
        n = leaf.doc_count_all()
        if not n:
            continue
        segment = leaf._segment
        stored = leaf.stored_fields(n - 1)
        for name in REQUIRED_COLUMNS:
            if not leaf.has_column(name):
                findings.append(Finding(W3Codec.column_filename(segment, name), "missing"))
        expected = _column_values(leaf.schema, stored)
        for name, value in expected.items():
            if name in REQUIRED_COLUMNS and not leaf.has_column(name):
                continue
            if _column_value(leaf, name, n - 1) != value:
                findings.append(Finding(W3Codec.column_filename(segment, name),
                                        f"disagrees with the stored document {n - 1} "
                                        "(truncated or overwritten?)"))
        for fname in TEXT_FIELDS:
            length = sum(freq for _, freq, _, _ in
                         leaf.schema[fname].index(stored.get(fname) or ""))
            want = length_to_byte(length) if length else 0
            if int(segment_lengths_byte(leaf, fname, n - 1)) != want:
                findings.append(Finding(W3Codec.column_filename(segment, _lenfield(fname)),
                                        f"disagrees with the stored document {n - 1} "
                                        "(truncated or overwritten?)"))
    return findings


def check_opened(ix) -> None:
    """:func:`check_last_documents` of a freshly opened index; raises Inconsistent."""
    with ix.reader() as reader:
        leaves = [leaf for leaf, _ in reader.leaf_readers()] if reader.doc_count_all() else []
        findings = check_last_documents(leaves)
    if findings:
        raise Inconsistent(findings)


def _column_values(schema, stored: dict) -> dict:
    """The raw column values the writer derived from one document's stored fields."""
    values = {}
    for name in ("id", "source", "category", "author", "path", "date"):
        if name not in schema or not schema[name].column_type:
            continue
        value = stored.get(name)
        if name == "date":
            values[name] = datetime_to_long(value) if value else None
        else:
            values[name] = value or ""
    return values


def _column_value(leaf, name: str, docnum: int):
    if name == "date":
        if not leaf.has_column(name):
            return None
        reader = leaf.column_reader(name, translate=False)
        value = reader[docnum] if docnum < reader._count else None
        # Whoosh stores a missing date as an out-of-range default (as search.py reads it)
        return value if value is not None and DATES[0] < value < DATES[1] else None
    if not leaf.has_column(name):
        return ""
    return leaf.column_reader(name)[docnum] or ""


def segment_lengths_byte(leaf, fname: str, docnum: int) -> int:
    """The one-byte length code of ``fname`` in document ``docnum`` (0: none)."""
    reader = leaf._perdoc._cached_reader(_lenfield(fname), LENGTHS_COLUMN)
    return reader[docnum] if reader is not None else 0


# --- arsearch check ---------------------------------------------------------------------


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
    there is no index; everything else is reported. A writer committing meanwhile makes
    the check start again (three times at most).
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
    except (IndexDamagedError, IndexVersionError) as exc:
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
                                     f"cannot be read ({describe(exc)})"))
        return None
    report.errors += missing_files(folder, segments)
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
            add(Finding(file_of(exc), f"cannot be read ({describe(exc)})"))
        if quick:
            return
        for leaf in leaves:
            for finding in _check_segment(leaf, storage.toc_name(indexname, report.state)):
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
    sums = {fname: np.zeros(n, dtype=np.float64) for fname in TEXT_FIELDS}
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
                ids, weights, _ = _read_postings(W3LeafMatcher(
                    terms._postfile, info._offset, info._length, fmt, term=term))
            problem = _bad_postings(ids, info.doc_frequency(), n)
            if problem:
                return None, Finding(where, f"posting list of {_term(term)} {problem}")
            if fieldname in sums and len(ids):
                np.add.at(sums[fieldname], np.asarray(ids, dtype=np.int64),
                          np.asarray(weights, dtype=np.float64))
    except Exception as exc:  # noqa: BLE001 - whatever decoding raises is damage
        at = f" at {_term(term)}" if term else ""
        return None, Finding(where, f"cannot be decoded{at} ({describe(exc)})")
    for fname, arr in sums.items():
        recorded = segment._fieldlengths.get(fname, 0)
        if int(arr.sum()) != recorded:
            return None, Finding(pst, f"the postings of {fname} hold {int(arr.sum()):,} "
                                      f"words where {recorded:,} were indexed")
    return sums, None


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
    expected = [_column_values(leaf.schema, doc) for doc in stored]
    for name in expected[0] if expected else ():
        filename = W3Codec.column_filename(segment, name)
        try:
            if not leaf.has_column(name) and name in REQUIRED_COLUMNS:
                findings.append(Finding(filename, "missing"))
                continue
            actual = [_column_value(leaf, name, d) for d in range(n)]
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
