"""The error boundary: which exceptions mean "the index on disk is damaged".

An error raised while index bytes were being decoded is blamed on the index only when
the checksums cannot vouch for the files; when every byte is as it was written, the
error is a bug and must surface as one. Verdicts are cached until the folder changes."""


from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import arsearch.backends.whoosh.generations as storage
from arsearch.backends.whoosh.integrity.consistency import Inconsistent
from arsearch.backends.whoosh.integrity.manifest import (
    Finding,
    damaged,
    file_of,
    missing_files,
    read_manifest,
    state_files,
    toc_segments,
    unreadable,
    verify_files,
)
from arsearch.backends.whoosh.postings import read_postings, segment_lengths
from arsearch.backends.whoosh.vocabulary import _hashes
from arsearch.errors import ArsearchError

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


def verify_for_write(folder: Path, indexname: str) -> None:
    """Refuse to build on a damaged state: verify every checksum of the current state.

    Raises IndexDamagedError naming the first bad file. A state without checksums is
    checked for what can be (its table of contents, required files, older checksums).
    """
    verdict = diagnose(folder, indexname)
    if verdict.findings:
        raise damaged(folder, verdict.findings)
