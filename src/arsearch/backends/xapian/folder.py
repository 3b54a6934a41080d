"""A local Xapian index folder: which database is current, and its parts.

The folder holds ``arsearch.json`` (as a Whoosh index folder does, with ``"backend":
"xapian"``), the writers' ``arsearch.lock`` and one or more databases ``db1``, ``db2``...
A database is ``parts`` Xapian databases (``db1/part0``, ``db1/part1``...) searched as
one, each written by its own process (documents routed by the cluster's hash of their
id, so a part is a local shard). A rebuild writes a new database beside the current one
and switches ``arsearch.json`` with an atomic ``os.replace`` when it is complete.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path

from arsearch.backends.folder import META, read_small, write_json

from .core import ArsearchError, IndexNotFoundError

#: The folder format of a local Xapian index (the layout of each database is
#: :data:`arsearch.backends.xapian.index.LAYOUT_VERSION`, recorded inside it).
FOLDER_FORMAT = 1
MAX_PARTS = 64
_DATABASE = re.compile(r"db(\d+)")


class XapianFolderError(ArsearchError):
    """arsearch.json of a Xapian folder is unreadable or names no valid database."""


def read_meta(folder: Path) -> dict | None:
    """The folder's metadata if it holds a local Xapian index, else None."""
    try:
        meta = json.loads(read_small(folder / META))
    except FileNotFoundError:
        return None
    except (OSError, ValueError, RecursionError) as exc:
        raise XapianFolderError(f"{folder / META} is unreadable: {exc}") from exc
    if not isinstance(meta, dict) or meta.get("backend") != "xapian":
        return None
    if meta.get("format") != FOLDER_FORMAT:
        raise XapianFolderError(f"the Xapian index in {folder} has folder format "
                                f"{meta.get('format')!r}, this arsearch reads "
                                f"{FOLDER_FORMAT}: rebuild it")
    name, parts = meta.get("database"), meta.get("parts")
    if not isinstance(name, str) or not _DATABASE.fullmatch(name) \
            or not isinstance(parts, int) or isinstance(parts, bool) \
            or not 1 <= parts <= MAX_PARTS:
        raise XapianFolderError(f"{folder / META} names no valid Xapian database: rebuild "
                                "the index with `arsearch index --rebuild`")
    return meta


def require_meta(folder: Path) -> dict:
    meta = read_meta(folder)
    if meta is None:
        raise IndexNotFoundError(f"{folder} holds no Xapian index: build one with "
                                 f"`arsearch index PATH --index {folder} --backend xapian`")
    return meta


def part_paths(folder: Path, meta: dict) -> list[Path]:
    """The parts of the current database."""
    return [folder / meta["database"] / f"part{i}" for i in range(meta["parts"])]


def write_meta(folder: Path, database: str, parts: int, created: str | None = None,
               extra: dict | None = None) -> None:
    """Point the folder at ``database`` (atomically)."""
    now = datetime.now(UTC).isoformat(timespec="seconds")
    write_json(folder / META, {**(extra or {}), "backend": "xapian",
                               "format": FOLDER_FORMAT, "database": database,
                               "parts": parts, "created": created or now, "updated": now})


def next_database(folder: Path) -> str:
    used = [int(m[1]) for p in folder.iterdir() if (m := _DATABASE.fullmatch(p.name))]
    with contextlib.suppress(XapianFolderError):
        meta = read_meta(folder)
        if meta:
            used.append(int(meta["database"][2:]))
    return f"db{max(used, default=0) + 1}"


def remove_stale_databases(folder: Path, current: str | None) -> None:
    """Delete databases left by interrupted or replaced runs (writer lock held)."""
    for p in folder.iterdir():
        if _DATABASE.fullmatch(p.name) and p.name != current and p.is_dir():
            shutil.rmtree(p, ignore_errors=True)
