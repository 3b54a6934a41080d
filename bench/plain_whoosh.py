"""The plain-Whoosh baseline: what arsearch adds on top of an out-of-the-box Whoosh index.

Regex tokeniser + lowercase + Snowball Arabic stemming (PyStemmer), BM25F, one process,
the default writer, and an OR query of the title words: the setup a developer would
write in an afternoon. Run through ``bench/run.py``, or by hand:

    python -m bench.plain_whoosh build CORPUS.jsonl INDEX
    python -m bench.plain_whoosh search INDEX TOPICS.tsv RUN [--passes 3]

Each prints one JSON line (build seconds, or latency percentiles in ms).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import time
from pathlib import Path

import Stemmer
from whoosh import index
from whoosh.analysis import Filter, LowercaseFilter, RegexTokenizer
from whoosh.fields import ID, TEXT, Schema
from whoosh.query import Or, Term
from whoosh.scoring import BM25F

from bench.corpus import iter_records, read_topics
from bench.latency import per_query_median, percentiles
from bench.measure import maxrss_mb

WORD = r"[\w\u064B-\u065F\u0670]+"


class ArabicStem(Filter):
    """Snowball Arabic via PyStemmer; a class (not a bound C method) so it pickles."""

    def __init__(self) -> None:
        self._stemmer = None

    def __getstate__(self) -> dict:
        return {}

    def __setstate__(self, state: dict) -> None:
        self._stemmer = None

    def __call__(self, tokens):
        stem = (self._stemmer or self._make()).stemWord
        for t in tokens:
            t.text = stem(t.text)
            yield t

    def _make(self):
        self._stemmer = Stemmer.Stemmer("arabic")
        return self._stemmer


def analyzer():
    """The analysis chain shared by indexing and queries."""
    return RegexTokenizer(WORD) | LowercaseFilter() | ArabicStem()


def build(corpus: str, folder: str) -> dict:
    """Index ``corpus`` (id, title, body) into a fresh index in ``folder``."""
    os.makedirs(folder, exist_ok=True)
    schema = Schema(id=ID(stored=True, unique=True), body=TEXT(analyzer=analyzer()))
    ix = index.create_in(folder, schema)
    t = time.perf_counter()
    writer = ix.writer()
    n = 0
    for r in iter_records(Path(corpus)):
        writer.add_document(id=r["id"], body=(r.get("title") or "") + "\n" + r["body"])
        n += 1
    writer.commit()
    return {"seconds": time.perf_counter() - t, "documents": n, **maxrss_mb()}


def search(folder: str, topics: str, run: str, passes: int) -> dict:
    """Top-100 OR queries of the topic titles, timed per query; first pass is the run."""
    ix = index.open_dir(folder)
    ana = analyzer()
    clean = re.compile(r"[^\w\u064B-\u065F\u0670]+")
    all_times: list[list[float]] = []
    with ix.searcher(weighting=BM25F()) as searcher, open(run, "w", encoding="utf-8") as out:
        for n in range(passes):
            times = []
            for qid, q in read_topics(Path(topics)):
                t = time.perf_counter()
                terms = dict.fromkeys(tok.text for tok in ana(clean.sub(" ", q)))
                hits = searcher.search(Or([Term("body", w) for w in terms]), limit=100)
                ranked = [(h["id"], h.score) for h in hits]
                times.append((time.perf_counter() - t) * 1000)
                if n == 0:
                    out.writelines(f"{qid} Q0 {d} {r} {s:.4f} whoosh\n"
                                   for r, (d, s) in enumerate(ranked, 1))
            all_times.append(times)
    return {"warmup_ms": percentiles(all_times[0]),
            "ms": percentiles(per_query_median(all_times[1:] or all_times)), **maxrss_mb()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    b = sub.add_parser("build")
    b.add_argument("corpus")
    b.add_argument("index")
    s = sub.add_parser("search")
    s.add_argument("index")
    s.add_argument("topics")
    s.add_argument("run")
    s.add_argument("--passes", type=int, default=3)
    a = ap.parse_args()
    if a.cmd == "build":
        result = build(a.corpus, a.index)
    else:
        result = search(a.index, a.topics, a.run, a.passes)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
