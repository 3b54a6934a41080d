"""``scripts/build_xapian.py`` refuses bad input in one line, before it builds.

Each case stops before the compiler runs (a full build takes minutes): what is checked
is the refusal, that nothing the user had is removed, and that no build folder is left
in the temporary directory.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCRIPT = ROOT / "scripts" / "build_xapian.py"


def build(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """Run the script with its temporary folders in ``tmp_path / "tmp"``."""
    scratch = tmp_path / "tmp"
    scratch.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, str(SCRIPT), *args], capture_output=True,
                          text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "TMPDIR": str(scratch)})


@pytest.fixture
def wrong_tarball(tmp_path: Path) -> Path:
    path = tmp_path / "xapian-core_1.4.22.orig.tar.xz"
    path.write_bytes(b"not Debian's tarball")
    return path


def test_xapian_build_never_replaces_a_prefix_that_holds_other_files(tmp_path,
                                                                      wrong_tarball):
    """A build replaces its whole prefix: ``--prefix`` naming a folder of the user's
    (``/usr/local``, a home) was removed with everything in it once the build ended."""
    mine = tmp_path / "mine"
    mine.mkdir()
    (mine / "thesis.txt").write_text("years of work", encoding="utf-8")
    out = build(tmp_path, "--prefix", str(mine), "--tarball", str(wrong_tarball))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and "holds other files" in out.stderr
    assert (mine / "thesis.txt").read_text(encoding="utf-8") == "years of work"


@pytest.mark.parametrize("where", ["a-file", "a-file/below"])
def test_xapian_build_refuses_a_prefix_it_cannot_create_before_building(
        tmp_path, wrong_tarball, where):
    """A file as the prefix (or above it) ended a whole build in a traceback."""
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    out = build(tmp_path, "--prefix", str(tmp_path / where), "--tarball",
                str(wrong_tarball))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and str(tmp_path / "a-file") in out.stderr
    assert "SHA-256" not in out.stderr  # refused before the tarball is even read


@pytest.mark.parametrize("tarball", ["missing", "wrong", "a-folder"])
def test_xapian_build_bad_tarball_is_one_line_and_leaves_no_build_folder(
        tmp_path, wrong_tarball, tarball):
    (tmp_path / "a-folder").mkdir()
    given = {"missing": tmp_path / "missing.tar.xz", "wrong": wrong_tarball,
             "a-folder": tmp_path / "a-folder"}[tarball]
    out = build(tmp_path, "--prefix", str(tmp_path / "prefix"), "--tarball", str(given))
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert out.stderr.count("\n") == 1 and str(given) in out.stderr
    assert list((tmp_path / "tmp").iterdir()) == []
    assert not (tmp_path / "prefix").exists()


def test_xapian_build_script_native_module_and_patches_agree_on_the_fixes():
    """The number of fixes is written in four places: the build script checks the
    library it built for it, the engine asks the library and the shard servers for it,
    and the two marker patches answer it. A new fix must change all four."""
    import re

    from arsearch.backends.xapian import native

    script = SCRIPT.read_text(encoding="utf-8")
    assert re.search(rf"^FIXES = {native.FIXES}$", script, re.M)
    patches = sorted((ROOT / "scripts" / "xapian-patches").glob("*.patch"))
    text = "\n".join(p.read_text(encoding="utf-8") for p in patches)
    assert f"+    return {native.FIXES};" in text
    assert f'+\tsend_message(REPLY_METADATA, "{native.FIXES}");' in text
    fixes = [p for p in patches if "marker" not in p.name]
    assert len(fixes) == native.FIXES, [p.name for p in fixes]
