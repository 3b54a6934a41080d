"""Which Xapian runs, and when a searcher prunes (``arsearch.backends.xapian.native``).

The fixed library (``scripts/build_xapian.py``) is told from Debian's by what the process
really maps and by a marker the library and its shard server carry, never by a path; a
searcher prunes only when its library and every shard server it reads carry the fixes.
Library choices run in child processes: a process keeps the libxapian it first loaded.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.xapian_support import (
    STOCK,
    build_shards,
    require_fixed_build,
    require_xapian,
)

require_xapian()

import arsearch  # noqa: E402
from arsearch.backends.xapian import native  # noqa: E402
from arsearch.backends.xapian import search as xsearch  # noqa: E402
from arsearch.backends.xapian.cluster import ShardServer, write_cluster  # noqa: E402
from arsearch.backends.xapian.core import require_xapian as bindings  # noqa: E402
from arsearch.backends.xapian.members import cluster_status  # noqa: E402
from arsearch.cli.info import shard_line  # noqa: E402
from arsearch.ingest import Document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DEBIAN_SERVER = shutil.which("xapian-tcpsrv")

#: Prints what the child's arsearch found: its fixes, the libxapian files mapped, and the
#: shard server it would start.
REPORT = """
import json, sys
{first}
from arsearch.backends.xapian import native
from arsearch.backends.xapian.core import require_xapian
require_xapian()
print(json.dumps({{"fixes": native.fixes(), "mapped": sorted(native.mapped_libraries()),
                  "server": native.tcpsrv()}}))
"""


def report(env=None, first: str = "") -> dict:
    out = subprocess.run([sys.executable, "-c", REPORT.format(first=first)],
                         capture_output=True, text=True, cwd=ROOT, timeout=60, env=env)
    assert out.returncode == 0, out.stderr[-500:]
    return json.loads(out.stdout)


def test_xapian_native_fixed_build_is_the_one_library_mapped():
    require_fixed_build()
    bindings()
    mapped = native.mapped_libraries()
    assert len(mapped) == 1
    folder = native.build_folder()
    assert folder is not None and next(iter(mapped)).startswith(str(folder.resolve()))
    assert native.fixes() == native.FIXES
    assert Path(native.tcpsrv()).resolve() == (folder / native.SERVER).resolve()


def test_xapian_native_none_runs_debians_library_and_server():
    got = report(STOCK)
    assert got["fixes"] == 0
    assert len(got["mapped"]) == 1 and "arsearch-xapian" not in got["mapped"][0]
    assert got["server"] == DEBIAN_SERVER


def test_xapian_native_a_build_folder_that_does_not_load_falls_back_to_debians(tmp_path):
    broken = tmp_path / "build"
    (broken / "lib").mkdir(parents=True)
    (broken / native.LIBRARY).write_bytes(b"not a library")
    got = report({**STOCK, native.ENV: str(broken)})
    assert got["fixes"] == 0 and got["server"] == DEBIAN_SERVER


def test_xapian_native_bindings_imported_first_keep_debians_library_and_say_so():
    """The fixes are read from what the process maps, not from the build's presence: a
    program that imported xapian before arsearch runs Debian's library, unpruned."""
    require_fixed_build()
    got = report(first="import xapian")
    assert got["fixes"] == 0 and got["server"] == DEBIAN_SERVER
    assert all("arsearch-xapian" not in f for f in got["mapped"])


def test_xapian_native_relative_build_folder_starts_its_server_after_a_chdir(tmp_path):
    """``ARSEARCH_XAPIAN_BUILD`` relative to where the program started: after it changed
    directory, its shard servers were Debian's while it ran the fixed library."""
    require_fixed_build()
    folder = native.build_folder()
    assert folder is not None
    env = {**STOCK, native.ENV: os.path.relpath(folder, tmp_path)}
    elsewhere = tmp_path / "a" / "b"
    elsewhere.mkdir(parents=True)
    code = REPORT.format(first="import os").replace(
        "print(json", f"os.chdir({str(elsewhere)!r})\nprint(json")
    got = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=tmp_path, timeout=60, env=env)
    assert got.returncode == 0, got.stderr[-500:]
    found = json.loads(got.stdout)
    assert found["fixes"] == native.FIXES
    assert Path(found["server"]).resolve() == (folder / native.SERVER).resolve()


def test_xapian_native_fixes_asked_before_the_bindings_still_load_the_build():
    """``native.fixes()`` as a program's first call (before ``require_xapian``) imported
    the bindings without the build: Debian's library, for the process's whole life."""
    require_fixed_build()
    out = subprocess.run([sys.executable, "-c", "from arsearch.backends.xapian import "
                          "native; print(native.fixes())"], capture_output=True, text=True,
                         cwd=ROOT, timeout=60)
    assert out.returncode == 0, out.stderr[-500:]
    assert int(out.stdout) == native.FIXES


def test_xapian_native_a_folder_named_libxapian_holds_no_library_of_its_own(tmp_path):
    """Libraries are told by their file's name: a venv or a project under a folder
    named ``libxapian-...`` maps other files there, which made two 'libxapian's, so
    the fixed build went unpruned."""
    require_fixed_build()
    folder = tmp_path / "libxapian-project"
    folder.mkdir()
    other = folder / "libother.so"
    shutil.copy(_libz(), other)
    got = report(first=f"import ctypes; ctypes.CDLL({str(other)!r})")
    assert str(other) not in got["mapped"]
    assert got["fixes"] == native.FIXES


def _libz() -> str:
    """The file of the zlib this process maps (libxapian needs it; any library outside
    Xapian would do)."""
    with open("/proc/self/maps", encoding="utf-8") as maps:
        return next(line.split(None, 5)[5].strip() for line in maps if "/libz.so" in line)


# -- shard servers ------------------------------------------------------------------------


def _docs(n: int = 400) -> list[Document]:
    """Every article holds القمح or الحديد or both, so their OR matches all of them."""
    return [Document(id=f"n{i:04d}", title="",
                     body=" ".join(["القمح"] * (1 + i % 3) if i % 2 else ["الحديد"] * (1 + i % 5))
                     + (" الحديد" if i % 3 == 0 else "") + f" رقم{i}")
            for i in range(n)]


@pytest.fixture(scope="module")
def shards(tmp_path_factory) -> list[Path]:
    return build_shards(tmp_path_factory.mktemp("native-shards"), _docs(), 2)


def test_xapian_native_fixed_server_answers_its_marker_whatever_the_database_holds(tmp_path):
    require_fixed_build()
    xapian = bindings()
    path = build_shards(tmp_path, _docs(5), 1)[0]
    db = xapian.WritableDatabase(str(path), xapian.DB_OPEN)
    db.set_metadata(native.MARKER_KEY, b"0")
    db.commit()
    db.close()
    with ShardServer(path) as fixed, ShardServer(path, server=DEBIAN_SERVER) as stock:
        assert native.server_fixes(xapian.remote_open(fixed.host, fixed.port)) == native.FIXES
        assert native.server_fixes(xapian.remote_open(stock.host, stock.port)) == 0


@pytest.mark.parametrize("stock_servers", [0, 1])
def test_cluster_prunes_only_when_every_shard_server_carries_the_fixes(
        shards, tmp_path, monkeypatch, stock_servers):
    """With small thresholds a pruned search's large total is an estimate (search.py,
    "Counting"): one stock server among fixed ones keeps the whole cluster unpruned, so
    its total is counted; the pages are the same either way."""
    require_fixed_build()
    monkeypatch.setattr(xsearch, "EXACT_UP_TO", 50)
    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 150)
    servers = [ShardServer(p, server=DEBIAN_SERVER if i < stock_servers else None).start()
               for i, p in enumerate(shards)]
    try:
        path = write_cluster(tmp_path / "c.toml", [s.address for s in servers])
        with arsearch.open_index(path) as engine, \
                arsearch.open_index(path, exact_counts=True) as whole:
            backend = engine._current()
            assert backend.prunes_exactly() is (stock_servers == 0)
            assert [s.fixed for s in servers] == [i >= stock_servers
                                                  for i in range(len(servers))]
            assert [s["fixed_xapian"] for s in cluster_status(path)] == \
                [i >= stock_servers for i in range(len(servers))]
            shown = [shard_line(s) for s in backend.shard_status()]
            assert ["not pruned" in line for line in shown] == \
                [i < stock_servers for i in range(len(servers))]
            got, want = engine.search("القمح الحديد"), whole.search("القمح الحديد")
    finally:
        for s in servers:
            s.stop()
    assert want.total == 400 and want.total_exact
    assert [h.id for h in got.hits] == [h.id for h in want.hits]
    assert got.total_exact is (stock_servers == 1)


@pytest.mark.parametrize("library", ["stock", "fixed"])
def test_xapian_stats_say_when_the_index_is_not_searched_with_the_fixed_build(
        tmp_path, library):
    """``stats`` (and its JSON) tell a user whose process runs Debian's library, or an
    older build, what that costs and how to mend it; with the build they say nothing."""
    if library == "fixed":
        require_fixed_build()
    folder = tmp_path / "x"
    arsearch.index_documents(folder, [Document(id="a", title="", body="خبر عن النفط")],
                             backend="xapian")
    env = STOCK if library == "stock" else None
    shown = subprocess.run([sys.executable, "-m", "arsearch", "stats", "--index",
                            str(folder)], capture_output=True, text=True, env=env,
                           cwd=ROOT, timeout=120)
    as_json = subprocess.run([sys.executable, "-m", "arsearch", "stats", "--index",
                              str(folder), "--json"], capture_output=True, text=True,
                             env=env, cwd=ROOT, timeout=120)
    assert shown.returncode == 0 and as_json.returncode == 0, shown.stderr[-500:]
    assert json.loads(as_json.stdout)["fixed_xapian"] is (library == "fixed")
    told = [line for line in shown.stdout.splitlines() if line.startswith("xapian:")]
    if library == "fixed":
        assert told == []
    else:
        assert len(told) == 1 and "not pruned" in told[0] and "build_xapian.py" in told[0]
