"""Make Debian's Xapian bindings (``python3-xapian``) importable from this virtual environment.

Xapian's Python bindings are not on PyPI as a wheel; Debian builds them for its own
Python 3.11. Pointing the venv at ``/usr/lib/python3/dist-packages`` would also put ~70
other Debian packages (blinker, cryptography, pip...) on the path, where they could
shadow or stand in for the venv's own. So this links *only* the ``xapian`` package:

    <venv>/debian-xapian/xapian -> /usr/lib/python3/dist-packages/xapian   (a symlink)
    <venv site-packages>/debian-xapian.pth                                 (that folder)

A symlink rather than a copy follows Debian's security updates of the package. Run it
with the venv's Python, after ``pip install`` (it is idempotent)::

    python scripts/link_xapian.py            # then: python -c "import xapian"

It refuses, with one line, when not run inside a virtual environment, when the Debian
package is missing (``apt-get install python3-xapian xapian-tools``), or when the
bindings were built for another Python than the venv's (their extension suffix differs).
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import sysconfig
from pathlib import Path

DEBIAN_DIST = Path("/usr/lib/python3/dist-packages")
PTH_NAME = "debian-xapian.pth"
PRIVATE = "debian-xapian"


def find_bindings(where: Path) -> Path:
    """The ``xapian`` package folder under ``where``; SystemExit if absent."""
    package = where / "xapian"
    if not (package / "__init__.py").is_file():
        raise SystemExit(f"link-xapian: no Xapian bindings in {where} "
                         "(apt-get install python3-xapian xapian-tools)")
    return package


def check_abi(package: Path) -> None:
    """Refuse bindings whose compiled module does not load in this Python."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX")
    built = sorted(p.name for p in package.glob("_xapian*.so"))
    if f"_xapian{suffix}" not in built:
        raise SystemExit(
            f"link-xapian: {package} holds {', '.join(built) or 'no compiled module'}, "
            f"this Python ({sys.version.split()[0]}) needs _xapian{suffix}: create the "
            "venv with the Python the bindings were built for (Debian 12: 3.11)")


def link(venv: Path, package: Path) -> Path:
    """Write the private folder and the .pth file; return the .pth file."""
    private = venv / PRIVATE
    private.mkdir(exist_ok=True)
    target = private / "xapian"
    if target.is_symlink() or target.exists():
        if target.is_symlink() and target.resolve() == package.resolve():
            pass
        elif target.is_symlink():
            target.unlink()
        else:
            raise SystemExit(f"link-xapian: {target} exists and is not a link; remove it")
    if not target.is_symlink():
        target.symlink_to(package.resolve(), target_is_directory=True)
    site = Path(sysconfig.get_paths()["purelib"])
    pth = site / PTH_NAME
    pth.write_text(f"{private}\n", "utf-8")
    return pth


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="source", type=Path, default=DEBIAN_DIST,
                    help=f"folder holding the xapian package (default {DEBIAN_DIST})")
    a = ap.parse_args(argv)
    if sys.prefix == sys.base_prefix:
        raise SystemExit("link-xapian: run this with a virtual environment's Python "
                         "(. .venv/bin/activate first)")
    package = find_bindings(a.source)
    check_abi(package)
    pth = link(Path(sys.prefix), package)
    # check in a new interpreter: the .pth file is read at start-up
    out = subprocess.run([sys.executable, "-c",
                          "import xapian; print(xapian.version_string(), xapian.__file__)"],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise SystemExit(f"link-xapian: wrote {pth}, but import fails: "
                         f"{out.stderr.strip().splitlines()[-1:]}")
    print(f"link-xapian: {pth} -> xapian {out.stdout.strip()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
