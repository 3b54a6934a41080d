"""Where the benchmark data lives, and the body-only copy the known-item protocol needs.

The ANT corpus and topics stay in ``../shared`` (never copied into the project). Every
system is given the *same* uncompressed JSONL file with the titles blanked, because the
Lucene and tantivy anchors index ``title + body`` and the known-item protocol searches
with the titles: leaving them in would make the task trivial.
"""

from __future__ import annotations

import gzip
import json
import os
import sys
from collections.abc import Iterator
from pathlib import Path

#: ``$ARSEARCH_SHARED`` or the ``shared`` folder beside the project root.
SHARED = Path(os.environ.get("ARSEARCH_SHARED")
              or Path(__file__).resolve().parents[1].parent / "shared")
ANT = SHARED / "corpora/ant-news/ant_all.jsonl.gz"
TOPICS = SHARED / "bench/ant-known-item/topics_dev.tsv"
QRELS = SHARED / "bench/ant-known-item/qrels_dev.txt"
ANCHORS = SHARED / "bench/anchors"
SCORE = SHARED / "bench/score.py"


def require_shared() -> None:
    """Exit with a clear message when ``../shared`` (corpus, topics, anchors) is absent."""
    missing = [p for p in (ANT, TOPICS, QRELS, SCORE) if not p.exists()]
    if missing:
        sys.exit("bench: the shared data is missing (expected ../shared next to the project"
                 " root):\n  " + "\n  ".join(str(p) for p in missing))


def read_topics(path: Path = TOPICS) -> list[tuple[str, str]]:
    """(qid, query) pairs of a TSV topics file."""
    with open(path, encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f if "\t" in line]


def iter_records(path: Path = ANT) -> Iterator[dict]:
    """The raw JSON records of a ``.jsonl`` or ``.jsonl.gz`` file, one at a time."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as f:
        for line in f:
            if line.strip():
                yield json.loads(line)


def write_body_only(dst: Path, limit: int | None = None, keep: set[str] = frozenset()) -> int:
    """Write the corpus with ``title`` blanked to ``dst`` (uncompressed JSONL).

    ``limit`` keeps the first ``limit`` articles, but always those whose ids are in
    ``keep`` (the known-item targets), so a quick subset still answers every topic.
    Returns the number of articles written.
    """
    records = list(iter_records()) if limit else None
    if records is not None:
        wanted = [r for r in records if r["id"] in keep]
        others = [r for r in records if r["id"] not in keep][: max(0, limit - len(wanted))]
        chosen = {r["id"] for r in wanted + others}
        source = (r for r in records if r["id"] in chosen)  # corpus order
    else:
        source = iter_records()
    n = 0
    with open(dst, "w", encoding="utf-8") as out:
        for record in source:
            record = {**record, "title": ""}
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
            n += 1
    return n
