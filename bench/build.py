"""Build (or update) an arsearch index in this process: ``python -m bench.build ...``.

Run as its own process by ``bench/run.py`` so that wall time and peak memory belong to
indexing alone. Prints one JSON line: seconds, documents, MB read, peak RSS.

    python -m bench.build INDEX CORPUS.jsonl [--procs 2]
    python -m bench.build INDEX --scale [--copies 10]            # the ~400k set, streamed
    python -m bench.build INDEX CORPUS.jsonl --update 1000 [--scale]
    python -m bench.build INDEX CORPUS.jsonl --backend xapian     # a local Xapian index
    python -m bench.build CLUSTER.toml CORPUS.jsonl               # into a cluster's shards

``--update N`` changes the bodies of N articles and indexes just those N into the
existing index (same ids, so they replace the old versions): the cost of a small
incremental update, including the reading of every existing id and hash.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Iterable, Iterator
from itertools import islice
from pathlib import Path

from arsearch.indexing import index_documents
from arsearch.ingest import Document, parse_date, read_documents
from bench.corpus import iter_records, require_shared
from bench.measure import maxrss_mb
from bench.scale import scale_records


def _documents(records: Iterable[dict]) -> Iterator[Document]:
    """Documents from raw records (the scale generator), with titles blanked."""
    for r in records:
        yield Document(id=r["id"], title="", body=r["body"], date=parse_date(r.get("date")),
                       source=r.get("source"), category=r.get("category"), url=r.get("url"))


def _changed(docs: Iterable[Document], n: int) -> Iterator[Document]:
    """The first ``n`` documents with one sentence appended to the body."""
    for d in islice(docs, n):
        yield Document(id=d.id, title=d.title, body=d.body + "\nتحديث للمقال بعد نشره.",
                       date=d.date, source=d.source, category=d.category, url=d.url)


class _Counting:
    """Wraps a document stream to count documents and body+title UTF-8 bytes."""

    def __init__(self, docs: Iterable[Document]):
        self.docs, self.n, self.bytes = docs, 0, 0

    def __iter__(self) -> Iterator[Document]:
        for d in self.docs:
            self.n += 1
            self.bytes += len(d.title.encode()) + len(d.body.encode())
            yield d


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index", type=Path)
    ap.add_argument("corpus", type=Path, nargs="?")
    ap.add_argument("--scale", action="store_true")
    ap.add_argument("--copies", type=int, default=10)
    ap.add_argument("--procs", type=int, default=2)
    ap.add_argument("--update", type=int, default=0, metavar="N")
    ap.add_argument("--backend", choices=("whoosh", "xapian"), default=None,
                    help="for a new index folder (a cluster file is Xapian)")
    a = ap.parse_args()
    if a.scale:
        require_shared()  # a clear message, not a traceback, without the corpus
        docs: Iterable[Document] = _documents(scale_records(iter_records(), a.copies))
    else:
        docs = read_documents([a.corpus])
    if a.update:
        docs = _changed(docs, a.update)
    counted = _Counting(docs)
    started = time.perf_counter()
    # a cluster is never rebuilt in place: bench/run.py empties its shards instead
    cluster = a.index.suffix == ".toml"
    report = index_documents(a.index, counted, rebuild=not a.update and not cluster,
                             procs=a.procs, backend=None if cluster else a.backend)
    seconds = time.perf_counter() - started
    print(json.dumps({
        "seconds": round(seconds, 3), "read": counted.n, "added": report.added,
        "updated": report.updated, "documents": report.documents,
        "text_mb": round(counted.bytes / 1e6, 2),
        **maxrss_mb(),
    }))


if __name__ == "__main__":
    main()
