"""Build arsearch's Xapian: Debian's xapian-core 1.4.22 with the fixes in
``scripts/xapian-patches/``, installed into this virtual environment.

Why. Xapian 1.4 can stop ranking once it knows a page (pruning), which makes a search
over a large archive several times cheaper, but its pruned pages leave results out and
two query shapes crash it (docs/xapian.md, "Pruning drops results", "The OP_MAX
crash"). The patches fix those three defects, in two lines of the matcher, and add a
marker by which arsearch tells this build from a stock one, in the process and in a
shard server: arsearch lets Xapian prune only when both carry it
(``arsearch.backends.xapian.native``). Without this build everything still works, on
Debian's library, unpruned.

What. The source is Debian's own ``xapian-core_1.4.22.orig.tar.xz``, fetched with
``apt-get source --download-only`` (apt checks it against Debian's signed index; it
needs a ``deb-src`` line, see ``.ci/run``) or given with ``--tarball``; its SHA-256 is
checked here too. It is the source of the ``libxapian30`` Debian's ``python3-xapian``
links against (Debian adds no patches), so the bindings load it in place of Debian's.
The result, under ``<venv>/arsearch-xapian``::

    lib/libxapian.so.30     loaded before the bindings (``native.preload``)
    bin/xapian-tcpsrv       the shard server ``arsearch shard serve`` starts

Run it with the venv's Python after ``scripts/link_xapian.py`` (about 1.5 minutes on two
cores; it needs ``g++``, ``make``, ``patch``, ``zlib1g-dev`` and ``uuid-dev``)::

    python scripts/build_xapian.py

It does nothing when the venv already holds a build with every fix (``--force``
rebuilds). Errors are one line, naming the log of the step that failed.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

VERSION = "1.4.22"
TARBALL = f"xapian-core_{VERSION}.orig.tar.xz"
#: From Debian's xapian-core_1.4.22-1.dsc (Checksums-Sha256).
TARBALL_SHA256 = "05884af00b06702ce486057d62a3bfbe6606cf965ada0f5ea570b328a2fa1ea8"
PATCHES = Path(__file__).resolve().parent / "xapian-patches"
#: What ``arsearch_xapian_fixes()`` returns in a build with every patch
#: (``arsearch.backends.xapian.native.FIXES`` must agree).
FIXES = 4
BUILD_DIR = "arsearch-xapian"
LIBRARY = "lib/libxapian.so.30"
SERVER = "bin/xapian-tcpsrv"
#: Written last into a verified build: the prefix is this script's to replace.
STAMP = "arsearch-xapian.txt"


class BuildError(Exception):
    """A step failed: the message is the one line to show."""


def default_prefix() -> Path:
    if sys.prefix == sys.base_prefix:
        raise BuildError("run this with a virtual environment's Python, or give --prefix")
    return Path(sys.prefix) / BUILD_DIR


def fixes_of(prefix: Path) -> int:
    """The fixes the library under ``prefix`` carries (0: none, or no library). Read in a
    child process: loading it here would put a second libxapian in this one."""
    library = prefix / LIBRARY
    if not library.is_file():
        return 0
    code = ("import ctypes, sys\n"
            "try:\n"
            f"    print(ctypes.CDLL({str(library)!r}).arsearch_xapian_fixes())\n"
            "except (OSError, AttributeError):\n"
            "    print(0)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=False)
    try:
        return int(out.stdout.strip() or 0)
    except ValueError:
        return 0


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def fetch_tarball(into: Path) -> Path:
    """Debian's source tarball, downloaded by apt (which checks it against the signed
    Sources index)."""
    if shutil.which("apt-get") is None:
        raise BuildError("no apt-get here: download xapian-core-1.4.22.tar.xz from "
                         "xapian.org and give it with --tarball")
    # any Debian revision of 1.4.22 has this tarball (its hash is checked after)
    run(["apt-get", "source", "--download-only", "xapian-core"],
        into, into / "fetch.log", "fetching the source with apt-get "
        "(it needs a deb-src line for bookworm: see .ci/run)")
    return into / TARBALL


def run(cmd: list[str], cwd: Path, log: Path, step: str,
        env: dict[str, str] | None = None) -> None:
    with log.open("ab") as out:
        done = subprocess.run(cmd, cwd=cwd, stdout=out, stderr=subprocess.STDOUT,
                              stdin=subprocess.DEVNULL, env=env, check=False)
    if done.returncode != 0:
        raise BuildError(f"{step} failed (exit {done.returncode}); see {log}")


def unpack(tarball: Path, into: Path) -> Path:
    """The tarball's one top folder, unpacked (members outside it refused)."""
    with tarfile.open(tarball) as tar:
        tar.extractall(into, filter="data")
    tops = [p for p in into.iterdir() if p.is_dir() and p.name.startswith("xapian-core")]
    if len(tops) != 1:
        raise BuildError(f"{tarball} does not hold one xapian-core folder")
    return tops[0]


def build(tarball: Path, prefix: Path, work: Path, jobs: int) -> None:
    if sha256(tarball) != TARBALL_SHA256:
        raise BuildError(f"{tarball} is not Debian's {TARBALL} (SHA-256 differs)")
    source = unpack(tarball, work)
    log = work / "build.log"
    patches = sorted(PATCHES.glob("*.patch"))
    if not patches:
        raise BuildError(f"no patches in {PATCHES}")
    for patch in patches:
        run(["patch", "-p1", "--forward", "--batch", "-i", str(patch)], source, log,
            f"applying {patch.name}")
    env = {**os.environ, "CXXFLAGS": "-O2 -g0"}
    run(["./configure", f"--prefix={prefix}", "--disable-documentation"], source, log,
        "configure", env)
    run(["make", f"-j{jobs}"], source, log, "make", env)
    stage = work / "stage"
    run(["make", "install", f"DESTDIR={stage}"], source, log, "make install", env)
    staged = stage / prefix.relative_to(prefix.anchor)
    if fixes_of(staged) != FIXES:
        raise BuildError(f"the library built in {staged} does not report {FIXES} fixes; "
                         f"see {log}")
    (staged / STAMP).write_text(f"Xapian {VERSION} with {FIXES} fixes\n", encoding="utf-8")
    swap_in(staged, prefix)


def check_prefix(prefix: Path) -> None:
    """Refuse, before building, a prefix this script would fail to install into or must
    not replace: a file, or a folder holding anything but a build of its own (a build
    replaces the whole prefix: ``--prefix /usr/local`` would otherwise be wiped)."""
    if prefix.exists() and not prefix.is_dir():
        raise BuildError(f"--prefix {prefix} is not a folder")
    if prefix.is_dir() and any(prefix.iterdir()) and not (prefix / STAMP).is_file() \
            and fixes_of(prefix) == 0:
        raise BuildError(f"{prefix} holds other files than a build of this script: "
                         "give a new or empty folder with --prefix")
    parent = next((p for p in prefix.parents if p.exists()), Path(prefix.anchor))
    try:  # what swap_in will do there (a mere access check passes for root in /proc)
        os.rmdir(tempfile.mkdtemp(prefix=f".{prefix.name}-", dir=parent))
    except OSError as exc:
        raise BuildError(f"cannot create {prefix}: {parent} is not a writable folder "
                         f"({exc.strerror})") from exc


def swap_in(staged: Path, prefix: Path) -> None:
    """Put the verified build ``staged`` at ``prefix`` by renames beside it, so that an
    interrupted install leaves the previous prefix or the new one, never a part of one
    that ``native`` would load (the copy goes beside the prefix first: ``staged`` may be
    on another file system)."""
    prefix.parent.mkdir(parents=True, exist_ok=True)
    beside = Path(tempfile.mkdtemp(prefix=f".{prefix.name}-", dir=prefix.parent))
    try:
        shutil.copytree(staged, beside / "new", symlinks=True)
        if prefix.exists():
            prefix.rename(beside / "old")
        (beside / "new").rename(prefix)
    finally:
        shutil.rmtree(beside, ignore_errors=True)


def _clean(work: Path | None, keep: bool) -> None:
    if work is not None and not keep:
        shutil.rmtree(work, ignore_errors=True)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--prefix", type=Path, help=f"where to install (default: "
                    f"<venv>/{BUILD_DIR})")
    ap.add_argument("--tarball", type=Path, help=f"Debian's {TARBALL} (default: fetch it "
                    "with apt-get source)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--keep", action="store_true", help="keep the build folder")
    ap.add_argument("--force", action="store_true", help="rebuild even when built")
    a = ap.parse_args(argv)
    signal.signal(signal.SIGTERM, _interrupt)  # cleaned up as after Ctrl-C
    work: Path | None = None
    try:
        prefix = (a.prefix or default_prefix()).absolute()
        if not a.force and fixes_of(prefix) == FIXES:
            print(f"build-xapian: {prefix} already holds Xapian {VERSION} with "
                  f"{FIXES} fixes")
            return 0
        check_prefix(prefix)
        tarball = a.tarball.absolute() if a.tarball else None
        if tarball is not None and not tarball.is_file():
            raise BuildError(f"no tarball {tarball}")
        work = Path(tempfile.mkdtemp(prefix="arsearch-xapian-"))
        build(tarball or fetch_tarball(work), prefix, work, max(1, a.jobs))
    except BuildError as exc:
        print(f"build-xapian: {exc}", file=sys.stderr)
        # the build folder is kept for the log an error names
        _clean(work, a.keep or (work is not None and str(work) in str(exc)))
        return 1
    except KeyboardInterrupt:
        print("build-xapian: interrupted", file=sys.stderr)
        _clean(work, a.keep)
        return 130
    _clean(work, a.keep)
    print(f"build-xapian: Xapian {VERSION} with {FIXES} fixes in {prefix}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
