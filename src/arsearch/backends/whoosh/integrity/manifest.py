"""The manifest: sizes and CRC-32 of every file of each committed state, recorded at
commit and verified before a writer builds on a state or a reader trusts one."""


from __future__ import annotations

import contextlib
import json
import os
import re
import stat
import zlib
from dataclasses import dataclass
from pathlib import Path

from whoosh.filedb.structfile import StructFile
from whoosh.index import TOC

import arsearch.backends.whoosh.generations as storage
from arsearch.backends.whoosh.integrity.opening import _TrackingStorage
from arsearch.errors import ArsearchError, IndexDamagedError

MANIFEST = "arsearch.manifest.json"
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
