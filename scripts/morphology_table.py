"""Write src/arsearch/data/morphology_ar.tsv.gz from arramooz's dictionary.

The table arsearch's root and lemma levels read (arsearch.analysis.morphology): one
line per (written form, lemma, root), normalised as arsearch normalises text. Run it
again after upgrading arramooz-pysqlite.
"""

from __future__ import annotations

import gzip
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from arsearch.analysis.morphology import TABLE, arramooz_rows  # noqa: E402


def main() -> None:
    rows = arramooz_rows()
    out = ROOT / "src" / "arsearch" / TABLE
    with gzip.GzipFile(out, "wb", mtime=0) as raw:  # reproducible bytes
        raw.write("".join("\t".join(r) + "\n" for r in rows).encode("utf-8"))
    print(f"{out}: {len(rows)} rows, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
