"""Which files an indexing run reads, and the ids of files that carry none of their own.

Walking an archive is where careless and hostile input meets the file system, so every
rule about *which* files are read lives here:

* only regular files are opened: a named pipe, socket or device would block a reader
  forever (or have side effects), so it is reported and never opened;
* symbolic links are not followed while walking: a link to a file inside the folder is
  read under the target's own path, and a link leading outside it is reported, not
  followed, so a downloaded archive cannot smuggle ``~/.ssh/id_rsa`` into a web index;
* folders holding an arsearch index (``arsearch.json`` beside the index files) are never
  walked into, so ``arsearch index .`` does not read its own ``./index``;
* unreadable folders, broken links and names that are not valid UTF-8 are reported,
  never silently dropped, and each file is read once however many arguments reach it;
* the walk is iterative, so a tree of any depth cannot exhaust Python's stack.

A plain-text article's id is its canonical (symlink-free, absolute) path relative to an
*id root*, or the absolute path for files outside it: two different files can never
share an id, and a file keeps its id whatever folder argument it was reached through.
"""

from __future__ import annotations

import errno
import os
import re
import stat
from collections.abc import Callable, Iterable
from dataclasses import dataclass

__all__ = ["SourceFile", "bad_name", "find_files", "foreign_files", "is_index_listing",
           "is_inside", "path_id", "relative_or_absolute"]

#: The file naming the current generation of an arsearch index
#: (:data:`arsearch.backends.whoosh.generations.META`).
INDEX_MARKER = "arsearch.json"
#: Files an index folder owns: its metadata and lock, and its generations' files.
_INDEX_OWNED = re.compile(r"^(?:arsearch|_?gen\d+[_.]|synonyms\.txt$)")
#: Names an index folder may hold beside the index: hidden files and READMEs
#: (``README``, ``README.md``, ``readme.txt``...): see :func:`foreign_files`.
_LITTER = re.compile(r"^(?:\.|readme(?:\.[^.]+)?$)", re.IGNORECASE)
#: C0 and C1 controls, and surrogates (file names that are not valid UTF-8 decode to
#: lone surrogates): no id or stored path may hold them.
_BAD_CHARS = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
_KINDS = ((stat.S_ISFIFO, "a named pipe"), (stat.S_ISSOCK, "a socket"),
          (stat.S_ISCHR, "a character device"), (stat.S_ISBLK, "a block device"))


@dataclass(frozen=True, slots=True)
class SourceFile:
    """A regular file to read: how the user reached it, and what it really is."""

    shown: str  # the path as reached from the user's argument, for messages
    real: str  # canonical absolute path (symlinks resolved): ids, stored paths, dedup
    size: int = 0


#: Receives a problem: ``(path, message, skipped)``; see :class:`arsearch.ingest.documents.Problem`.
Report = Callable[[str, str, bool], None]


# --------------------------------------------------------------------------- ids


def relative_or_absolute(real: str, root: str) -> str:
    """``real`` relative to ``root`` (POSIX separators) when inside it, else ``real``.

    Both must be canonical absolute paths. Relative ids never start with ``/`` and
    absolute ones always do, so the two kinds can never collide.
    """
    if real == root:
        return "."
    prefix = root if root.endswith("/") else root + "/"
    return real[len(prefix):] if real.startswith(prefix) else real


def path_id(real: str, id_root: str) -> str:
    """The id of a file without ids of its own: its canonical path from the id root."""
    return relative_or_absolute(real, id_root)


def bad_name(text: str) -> bool:
    """True when ``text`` holds control characters or bytes that are not UTF-8."""
    return _BAD_CHARS.search(text) is not None


def printable(text: str) -> str:
    """``text`` with control characters and undecodable bytes escaped, for one-line messages."""
    if not bad_name(text):
        return text
    return _BAD_CHARS.sub(lambda m: m[0].encode("utf-8", "surrogateescape")
                          .decode("latin-1").encode("unicode_escape").decode("ascii"), text)


def is_inside(real: str, folders: Iterable[str]) -> bool:
    """True when canonical ``real`` is one of ``folders`` or lies under one of them."""
    return any(real == f or real.startswith(f.rstrip("/") + "/") for f in folders)


# --------------------------------------------------------------------------- index folders


def is_index_listing(names: Iterable[str]) -> bool:
    """True when a folder's file names are those of an arsearch index folder."""
    names = set(names)
    return INDEX_MARKER in names and any(
        n == "arsearch.lock" or (n.startswith("_gen") and n.endswith(".toc")) for n in names)


def _index_folder(real_dir: str) -> bool:
    try:
        return is_index_listing(os.listdir(real_dir))
    except OSError:
        return False


# --------------------------------------------------------------------------- walking


def find_files(paths: Iterable[str | os.PathLike[str]], report: Report, *,
               exclude: Iterable[str | os.PathLike[str]] = ()) -> list[SourceFile]:
    """The regular files of ``paths`` (files and folders), each once, folders sorted.

    ``exclude``: folders never read (the index being written). Everything left out for
    a reason the user may not expect is passed to ``report``.
    """
    excluded = [os.path.realpath(e) for e in exclude]
    seen: set[str] = set()
    out: list[SourceFile] = []
    for given in paths:
        for found in _expand(os.fspath(given), excluded, report):
            if found.real not in seen:
                seen.add(found.real)
                out.append(found)
    return out


#: File systems whose files are the kernel's state (their sizes are 0 or 4096 whatever
#: they hold): ``arsearch index /proc/cpuinfo`` said "empty file", a /sys file "no body".
KERNEL_FILESYSTEMS = frozenset({
    "proc", "sysfs", "debugfs", "tracefs", "securityfs", "cgroup", "cgroup2", "configfs",
    "pstore", "bpf", "efivarfs", "devpts", "mqueue", "binfmt_misc", "fusectl", "hugetlbfs",
})


def kernel_filesystem(device: int) -> str | None:
    """The type of the kernel file system on ``device`` (an ``st_dev``), or None.

    Read from /proc/self/mountinfo (Linux); elsewhere, or when it cannot be read, None.
    """
    wanted = f"{os.major(device)}:{os.minor(device)}"
    for line in _mountinfo():
        fields = line.split()
        if len(fields) > 2 and fields[2] == wanted and " - " in line:
            kind = line.split(" - ", 1)[1].split(" ", 1)[0]
            return kind if kind in KERNEL_FILESYSTEMS else None
    return None


def _mountinfo() -> list[str]:
    try:
        with open("/proc/self/mountinfo", encoding="utf-8", errors="replace") as f:
            return f.read().splitlines()
    except OSError:
        return []


def _expand(given: str, excluded: list[str], report: Report) -> list[SourceFile]:
    """The files of one argument: the user named it, so a link to it is followed."""
    shown = printable(given)
    if not os.path.lexists(given):
        report(shown, "no such file or folder", True)
        return []
    real = os.path.realpath(given)
    try:
        st = os.stat(real)
    except OSError as exc:
        report(shown, _stat_error(exc), True)
        return []
    if is_inside(real, excluded):
        report(shown, "is the index folder being written (or inside it), not articles: "
               "skipped", True)
        return []
    if kernel := kernel_filesystem(st.st_dev):
        report(shown, f"is on the kernel's {kernel} file system (system state, not "
               "articles): skipped", True)
        return []
    if bad_name(real):
        report(shown, "the path holds control characters or is not valid UTF-8: rename "
               "it, skipped", True)
        return []
    if stat.S_ISDIR(st.st_mode):
        if _index_folder(real):
            others = foreign_files(os.listdir(real))
            report(shown, "is an arsearch index folder, not articles: skipped" + (
                f" (with {len(others)} other file(s): keep articles out of index folders)"
                if others else ""), True)
            return []
        found = _walk(real, given, excluded, report)
        if not found:
            report(shown, "no files in this folder", False)
        return found
    if not stat.S_ISREG(st.st_mode):
        report(shown, f"{_kind(st.st_mode)}, not a regular file: skipped", True)
        return []
    parent = os.path.dirname(real)
    if _INDEX_OWNED.match(os.path.basename(real)) and _index_folder(parent):
        report(shown, f"is a file of the arsearch index in {printable(parent)}, not an "
               "article: skipped", True)
        return []
    return [SourceFile(given, real, st.st_size)]


def _walk(top: str, shown_top: str, excluded: list[str], report: Report) -> list[SourceFile]:
    """Every regular file under the canonical folder ``top``, sorted by relative path.

    Iterative (a stack, not recursion) and never following links, so neither depth nor
    link loops can stop it; folders are identified by device and inode so that a bind
    mount of a folder inside itself is walked once.
    """
    found: list[tuple[str, SourceFile]] = []
    stack = [(top, shown_top, "")]
    visited: set[tuple[int, int]] = set()
    while stack:
        real_dir, shown_dir, rel_dir = stack.pop()
        try:
            with os.scandir(real_dir) as it:
                entries = list(it)
            key = os.stat(real_dir)
        except OSError as exc:
            report(printable(shown_dir), f"cannot read folder: {exc.strerror or exc}, "
                   "skipped", True)
            continue
        if (key.st_dev, key.st_ino) in visited:
            continue
        visited.add((key.st_dev, key.st_ino))
        if rel_dir and is_index_listing(e.name for e in entries):
            _skip_index_folder(shown_dir, entries, report)
            continue
        for entry in entries:
            if entry.name.startswith("."):  # editor, VCS and OS litter, never articles
                continue
            real = os.path.join(real_dir, entry.name)
            shown = os.path.join(shown_dir, entry.name)
            rel = f"{rel_dir}/{entry.name}" if rel_dir else entry.name
            try:
                _visit(entry, real, shown, rel, top, shown_top, excluded, stack, found,
                       report)
            except OSError as exc:
                report(printable(shown), f"cannot read: {exc.strerror or exc}, skipped", True)
    found.sort(key=lambda pair: pair[0])
    return [f for _, f in found]


def _visit(entry: os.DirEntry[str], real: str, shown: str, rel: str, top: str,
           shown_top: str, excluded: list[str], stack: list[tuple[str, str, str]],
           found: list[tuple[str, SourceFile]], report: Report) -> None:
    """Sort one folder entry: a file to read, a folder to walk, or something reported."""
    if entry.is_symlink():
        _symlink(real, shown, top, shown_top, excluded, report)
    elif entry.is_dir(follow_symlinks=False):
        if bad_name(entry.name):
            report(printable(shown), "folder name holds control characters or is not valid "
                   "UTF-8: rename it, skipped", True)
        elif not is_inside(real, excluded):
            stack.append((real, shown, rel))
    elif entry.is_file(follow_symlinks=False):
        if bad_name(entry.name):
            report(printable(shown), "file name holds control characters or is not valid "
                   "UTF-8: rename it, skipped", True)
        else:
            found.append((rel, SourceFile(shown, real, entry.stat(follow_symlinks=False)
                                          .st_size)))
    else:
        mode = entry.stat(follow_symlinks=False).st_mode
        report(printable(shown), f"{_kind(mode)}, not a regular file: ignored", False)


def _symlink(real: str, shown: str, top: str, shown_top: str, excluded: list[str],
             report: Report) -> None:
    """A link found while walking: its target is read under its own path, or not at all."""
    target = os.path.realpath(real)
    if is_inside(target, excluded):
        return  # a link to the index being written (./index -> /fast/disk/index)
    if not os.path.exists(target):
        report(printable(shown), "broken symbolic link (or a loop): ignored", False)
    elif not is_inside(target, [top]):
        report(printable(shown), f"symbolic link to {printable(target)}, outside "
               f"{printable(shown_top)}: not followed (give that path to index it)", False)
    # else: the target lies in the walked tree and is read there, under its own path


def foreign_files(names: Iterable[str]) -> list[str]:
    """The names in an index folder that are neither the index's own files nor litter.

    Litter is what a repository or an editor puts in a folder and no one would take for
    an article: hidden files (``.gitkeep``, ``.gitignore``) and a README. A checkout
    ships its default ``index/`` with a README.md saying what the folder is for, and
    the Quick start must be able to build its index there.
    """
    return [n for n in names if not _LITTER.match(n) and not _INDEX_OWNED.match(n)]


def _skip_index_folder(shown_dir: str, entries: list[os.DirEntry[str]],
                       report: Report) -> None:
    """An index folder met while walking is never read; files of the user's are reported."""
    foreign = foreign_files(e.name for e in entries)
    if foreign:
        report(printable(shown_dir), f"holds an arsearch index, so its {len(foreign)} other "
               "file(s) are not read: keep articles out of index folders", True)


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def _stat_error(exc: OSError) -> str:
    if exc.errno in (errno.ELOOP, errno.ENOENT):  # a dangling or looping link
        return "broken symbolic link (or a loop): skipped"
    return f"cannot read: {exc.strerror or exc}, skipped"
