"""The index folder: which Whoosh index generation is current, and who may write.

An arsearch index folder holds one or more Whoosh indexes (``gen1``, ``gen2``...) and a
small ``arsearch.json`` naming the current one. A rebuild writes a new generation beside
the old and switches the pointer with an atomic ``os.replace``, so an interrupted or
failed rebuild leaves the previous index searchable. Incremental updates rely on
Whoosh's own atomic commit (the table of contents is written then renamed).

Writers hold an exclusive ``flock`` on ``arsearch.lock``. The kernel releases it when the
process dies, even by ``kill -9``, so a lock can never go stale.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from whoosh.index import TOC

from arsearch.backends.folder import (  # noqa: F401 - the folder's files, re-exported
    LOCK,
    MAX_SMALL_FILE,
    META,
    read_small,
    write_json,
    write_lock,
)
from arsearch.backends.whoosh.schema import FORMAT_VERSION
from arsearch.errors import (
    IndexDamagedError,
    IndexNotFoundError,
    IndexVersionError,
)


def read_meta(folder: Path) -> dict | None:
    """The folder's metadata, or None when it holds no arsearch index."""
    path = folder / META
    try:
        meta = json.loads(read_small(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:  # deep nesting: RecursionError
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise IndexDamagedError(f"{path} is unreadable ({reason}): rebuild the index with "
                                "`arsearch index --rebuild`") from exc
    if not isinstance(meta, dict) or meta.get("format") != FORMAT_VERSION:
        found = meta.get("format") if isinstance(meta, dict) else "?"
        raise IndexVersionError(
            f"the index in {folder} has format {found}, this arsearch reads format "
            f"{FORMAT_VERSION}: rebuild it with `arsearch index --rebuild`"
        )
    if not isinstance(meta.get("indexname"), str) or not re.fullmatch(r"gen\d+",
                                                                       meta["indexname"]):
        raise IndexDamagedError(f"{path} names no valid index generation: rebuild the index "
                                "with `arsearch index --rebuild`")
    return meta


def require_meta(folder: Path) -> dict:
    """Like :func:`read_meta` but an absent index is an error with a hint."""
    if not folder.is_dir():
        raise IndexNotFoundError(
            f"no index folder {folder}: build one with `arsearch index PATH --index {folder}`"
        )
    meta = read_meta(folder)
    if meta is None:
        refuse_lost_meta(folder)
        raise IndexNotFoundError(
            f"{folder} holds no arsearch index yet: build one with "
            f"`arsearch index PATH --index {folder}`"
        )
    return meta


#: A generation's files that hold documents: its segments and any committed state after
#: the empty one Whoosh writes on creation (``_gen1_0.toc``). A build killed before it
#: wrote arsearch.json leaves only that empty state and its lock file.
_GENERATION_DATA = re.compile(r"^(?:gen\d+_(?!WRITELOCK$)[^.]+\.\w+|_gen\d+_(?!0\.toc$)\d+\.toc)$")


def refuse_lost_meta(folder: Path) -> None:
    """Raise IndexDamagedError when ``folder`` holds an index's documents but no
    arsearch.json (deleted, or lost with a backup's copy): a writer would otherwise take
    the folder for a new index and discard them, a reader would advise building one."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    found = sorted(n for n in names if _GENERATION_DATA.match(n))
    if found:
        raise IndexDamagedError(
            f"{folder} holds index files ({found[0]}...) but no {META}: restore {META}, "
            "or rebuild the index with `arsearch index --rebuild`")


def write_meta(folder: Path, indexname: str, created: str | None = None,
               extra: dict | None = None) -> None:
    """Point the folder at ``indexname``, atomically (write, fsync, rename).

    ``extra``: more fields to record (the indexer's id root).
    """
    now = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(folder / META, {**(extra or {}), "format": FORMAT_VERSION,
                               "indexname": indexname, "created": created or now,
                               "updated": now})


def next_indexname(folder: Path) -> str:
    """A generation name not used in ``folder`` yet."""
    used = {int(p.name[4:].split("_")[0]) for p in folder.glob("_gen*_*.toc")
            if p.name[4:].split("_")[0].isdigit()}
    with contextlib.suppress(IndexVersionError, IndexDamagedError):  # files count
        meta = read_meta(folder)
        if meta:
            used.add(int(meta["indexname"][3:]))
    return f"gen{max(used, default=0) + 1}"


def toc_number(folder: Path, indexname: str) -> int:
    """The number of the newest committed state of ``indexname``, -1 when there is none.

    Whoosh commits by writing a new table of contents ``_<indexname>_<N>.toc`` and opens
    the highest N: the same rule (Whoosh's own pattern) names the state readers see.
    """
    pattern = TOC._pattern(indexname)
    numbers = [int(m[1]) for name in os.listdir(folder) if (m := pattern.match(name))]
    return max(numbers, default=-1)


def toc_name(indexname: str, number: int) -> str:
    """The file name of the table of contents of committed state ``number``."""
    return TOC._filename(indexname, number)


def generation_exists(folder: Path, indexname: str) -> bool:
    """Whether ``indexname`` has a committed state, without reading (or trusting) it."""
    return toc_number(folder, indexname) >= 0


def remove_generation(folder: Path, indexname: str) -> None:
    """Delete the files of a generation that is no longer current."""
    for path in folder.iterdir():
        if path.name.startswith((f"_{indexname}_", f"{indexname}_")):
            with contextlib.suppress(OSError):
                path.unlink()
    # Whoosh's temporary folder of a writer that was killed
    shutil.rmtree(folder / f"{indexname}.tmp", ignore_errors=True)


_GENERATION = re.compile(r"_?(gen\d+)[_.]")


def remove_stale_generations(folder: Path, current: str | None) -> None:
    """Delete generations left by interrupted runs (call with the writer lock held)."""
    names = {m[1] for p in folder.iterdir() if (m := _GENERATION.match(p.name))}
    for name in names - {current}:
        remove_generation(folder, name)
