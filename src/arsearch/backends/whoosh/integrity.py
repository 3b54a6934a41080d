"""Is the index on disk sound? Checksums recorded at commit, checked before use.

Whoosh never changes a file once written: a commit adds segment files and a new table of
contents (``_gen1_<N>.toc``, "state N"); deletions live in the table of contents. So after
every commit the writer records, for the newest state, the size and CRC-32 of each of its
files in ``arsearch.manifest.json`` beside ``arsearch.json``. Files recorded by an earlier
commit keep their checksum; only the files this commit wrote are read. With it:

* opening an index and ``/healthz`` compare file sizes (a ``stat`` per file);
* a writer verifies every checksum before it builds on a state, so an update never
  reports "unchanged" over a damaged index (:func:`verify_for_write`);
* ``arsearch check`` verifies checksums, then decodes everything
  (:mod:`arsearch.backends.whoosh.check`);
* an error raised while index bytes were being decoded is blamed on the index only when
  the checksums cannot vouch for the files (:func:`blame`): when every byte is as it was
  written, the error is a bug and must surface as one.

The manifest is keyed by generation and state number. A crash between Whoosh's rename of
the table of contents and the manifest write leaves the newest state without checksums:
it is "unverified", not damaged, and the next writer records it under its lock.
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import re
import stat
import threading
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from whoosh.codec.whoosh3 import LENGTHS_COLUMN, W3Codec, _lenfield
from whoosh.filedb.filestore import FileStorage
from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC, FileIndex
from whoosh.reading import IndexReader
from whoosh.util.numeric import length_to_byte
from whoosh.util.times import datetime_to_long

import arsearch.backends.whoosh.generations as storage
from arsearch.backends.whoosh.postings import read_postings, segment_lengths
from arsearch.backends.whoosh.schema import TEXT_FIELDS
from arsearch.backends.whoosh.vocabulary import _hashes
from arsearch.errors import ArsearchError, IndexDamagedError

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
    except (OSError, ValueError, RecursionError) as exc:
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


def state_files(folder: Path, indexname: str, toc: int) -> list[str]:
    """The files of state ``toc`` present in the folder: its table of contents first."""
    prefixes = tuple(f"{s.segment_id()}." for s in toc_segments(folder, indexname, toc))
    return [storage.toc_name(indexname, toc)] + sorted(
        n for n in os.listdir(folder) if n.startswith(prefixes))


def missing_files(folder: Path, segments: list, names: list[str]) -> list[Finding]:
    """Files every non-empty segment must have and that are absent, and files of the
    state (``names``) that are not regular files (a folder, a FIFO: opening one blocks)."""
    present = set(os.listdir(folder))
    findings = [Finding(segment.make_filename(ext), "missing") for segment in segments
                if segment.doc_count_all() for ext in REQUIRED_FILES
                if segment.make_filename(ext) not in present]
    for name in names:
        with contextlib.suppress(OSError):
            if not stat.S_ISREG(os.stat(folder / name).st_mode):
                findings.append(Finding(name, "is not a regular file"))
    return findings


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
        return unreadable(exc)
    if not stat.S_ISREG(st.st_mode):
        return "is not a regular file"
    if st.st_size != size:
        return f"has {st.st_size:,} bytes where {size:,} were written"
    if crc is not None:
        try:
            if checksum(path) != crc:
                return "its bytes changed after they were written (checksum mismatch)"
        except OSError as exc:
            return unreadable(exc)
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
                                unreadable(exc))], False)
    findings = missing_files(folder, segments, names)
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
_DECODERS = {f.__code__ for f in (segment_lengths, read_postings, _hashes)}
_DECODER_MODULES = ("whoosh.codec", "whoosh.filedb", "whoosh.columns", "whoosh.reading",
                    "whoosh.index", "whoosh.searching", "whoosh.matching", "whoosh.fields",
                    "whoosh.classify", "arsearch.backends.whoosh.positions",
                    "arsearch.backends.whoosh.codec")


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
        Finding(file_of(exc), unreadable(exc))]
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


def unreadable(exc: BaseException) -> str:
    """Why a file cannot be read, with what to do when it is not damage but permissions."""
    if isinstance(exc, PermissionError):
        return "cannot be read: permission denied (let the user running arsearch read it)"
    return f"cannot be read ({describe(exc)})"


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
        expected = column_values(leaf.schema, stored)
        for name, value in expected.items():
            if name in REQUIRED_COLUMNS and not leaf.has_column(name):
                continue
            if column_value(leaf, name, n - 1) != value:
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


def column_values(schema, stored: dict) -> dict:
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


def column_value(leaf, name: str, docnum: int):
    """One document's value in a column, as :func:`column_values` derives it."""
    return read_column(leaf, name, range(docnum, docnum + 1))[0]


def read_column(leaf, name: str, docnums: range) -> list:
    """The values of ``docnums`` in a column, as :func:`column_values` derives them.

    One column reader for all of them: Whoosh's variable-length column reader loads the
    whole offset table each time one is made.
    """
    if not leaf.has_column(name):
        return [None if name == "date" else ""] * len(docnums)
    if name == "date":
        reader = leaf.column_reader(name, translate=False)
        # Whoosh stores a missing date as an out-of-range default (as search.py reads it)
        values = [reader[d] if d < reader._count else None for d in docnums]
        return [v if v is not None and DATES[0] < v < DATES[1] else None for v in values]
    reader = leaf.column_reader(name)
    return [reader[d] or "" for d in docnums]


def segment_lengths_byte(leaf, fname: str, docnum: int) -> int:
    """The one-byte length code of ``fname`` in document ``docnum`` (0: none)."""
    reader = leaf._perdoc._cached_reader(_lenfield(fname), LENGTHS_COLUMN)
    return reader[docnum] if reader is not None else 0
