"""Which Xapian library this process runs, and whether it may prune.

Xapian 1.4's pruning (stopping once a page is known) leaves results out and can crash
(docs/xapian.md, "Pruning drops results"). ``scripts/build_xapian.py`` builds Debian's
xapian-core 1.4.22 with the fixes into ``<venv>/arsearch-xapian``; its library exports
``arsearch_xapian_fixes()``, and its shard server answers the metadata key
:data:`MARKER_KEY` itself. This module loads that library before the bindings do
(:func:`preload`: the bindings then link to it, since it carries the soname they need)
and says how many fixes the library they really use carries (:func:`fixes`, read from
the libraries mapped into this process, never assumed from a path). A searcher prunes
only when its own library and every shard server it reads carry :data:`FIXES`.

``ARSEARCH_XAPIAN_BUILD`` names another build's folder, or ``none`` for Debian's
library (what the tests of the stock defects run).
"""

from __future__ import annotations

import ctypes
import os
import shutil
import sys
from pathlib import Path

#: The fixes of scripts/xapian-patches/ (``scripts/build_xapian.FIXES`` agrees).
FIXES = 4
#: The metadata key a fixed shard server answers with its fixes, whatever its database
#: holds (0005-arsearch-fixes-marker-of-a-shard-server.patch).
MARKER_KEY = b"arsearch.xapian.fixes"
ENV = "ARSEARCH_XAPIAN_BUILD"
LIBRARY = "lib/libxapian.so.30"
SERVER = "bin/xapian-tcpsrv"

_state: dict[str, int] = {}


def build_folder() -> Path | None:
    """The folder of arsearch's Xapian build to use, or None (Debian's library)."""
    named = os.environ.get(ENV)
    if named is not None:
        return None if named.strip().lower() in ("", "none") else Path(named)
    folder = Path(sys.prefix) / "arsearch-xapian"
    return folder if (folder / LIBRARY).is_file() else None


def preload() -> None:
    """Load the fixed library, if there is one, before ``import xapian`` (a no-op once
    the bindings are imported: they keep the library they loaded). A library that does
    not load leaves Debian's in place; :func:`fixes` then reports 0."""
    if "xapian" in sys.modules or "preloaded" in _state:
        return
    _state["preloaded"] = 1
    folder = build_folder()
    if folder is None:
        return
    try:
        ctypes.CDLL(str(folder / LIBRARY), mode=os.RTLD_NOW | os.RTLD_GLOBAL)
    except OSError:
        return


def mapped_libraries() -> set[str]:
    """The files of every libxapian mapped into this process (Linux; empty elsewhere):
    by the file's name, not its path (a venv in a folder named ``libxapian-...`` maps
    many other files under it)."""
    try:
        with open("/proc/self/maps", encoding="utf-8", errors="replace") as maps:
            files = {parts[5].strip() for parts in (line.split(None, 5) for line in maps)
                     if len(parts) == 6}
    except OSError:
        return set()
    return {f for f in files if os.path.basename(f).startswith("libxapian")}


def fixes() -> int:
    """How many of arsearch's fixes the libxapian of the bindings carries: 0 unless it is
    the only libxapian in this process and exports ``arsearch_xapian_fixes``."""
    if "fixes" not in _state:
        _state["fixes"] = _read_fixes()
    return _state["fixes"]


def _read_fixes() -> int:
    preload()  # asked before require_xapian: the bindings must still load the build
    try:
        import xapian  # noqa: F401  (the bindings load their library first)
    except ImportError:
        return 0

    files = mapped_libraries()
    if len(files) != 1:
        return 0
    try:
        return int(ctypes.CDLL(next(iter(files))).arsearch_xapian_fixes())
    except (OSError, AttributeError):
        return 0


def prunes() -> bool:
    """Whether this process's Xapian carries every fix pruning needs."""
    return fixes() >= FIXES


def server_fixes(db) -> int:
    """The fixes a shard server carries, asked over its open connection ``db`` (a stock
    server answers its database's value for the key: empty)."""
    value = db.get_metadata(MARKER_KEY)
    return int(value) if value.isdigit() else 0


def fixed_server() -> Path | None:
    """The fixed build's ``xapian-tcpsrv`` when this process runs the fixed library, else
    None. Found beside the library mapped, not from ``ARSEARCH_XAPIAN_BUILD`` again: a
    relative folder there names another place once the process changed directory."""
    if prunes():
        server = Path(next(iter(mapped_libraries()))).parent.parent / SERVER
        if server.is_file():
            return server
    return None


def tcpsrv() -> str | None:
    """The shard server to start: the fixed build's when this process runs it (the
    client and its servers then agree), else Debian's ``xapian-tcpsrv`` on the PATH."""
    server = fixed_server()
    return str(server) if server is not None else shutil.which("xapian-tcpsrv")
