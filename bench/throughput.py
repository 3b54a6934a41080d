"""Queries per second with N worker processes: ``python -m bench.throughput INDEX TOPICS``.

A web deployment runs one engine per worker process (the GIL makes threads useless for
the NumPy/Python scoring mix), so throughput is measured the same way: each worker opens
the index once, then the workers share the queue of topics. One unmeasured pass warms
every worker; the measured passes' median wall time gives queries per second.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import statistics
import time

from bench.corpus import read_topics

_engine = None
_mode = "search"


def _open(index: str, mode: str) -> None:
    global _engine, _mode
    import arsearch

    _engine, _mode = arsearch.open_index(index, refresh_every=3600.0), mode


def _query(query: str) -> int:
    if _mode == "search":
        return len(_engine.search(query, per_page=10).hits)
    return len(_engine.ranked_ids(query, 100))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("topics")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--mode", choices=("search", "ids"), default="search")
    ap.add_argument("--limit", type=int, help="only the first N topics")
    ap.add_argument("--passes", type=int, default=3, help="including one warm-up pass")
    a = ap.parse_args()
    queries = [q for _, q in read_topics(a.topics)][: a.limit]
    walls = []
    with mp.get_context("fork").Pool(a.workers, _open, (a.index, a.mode)) as pool:
        for _ in range(a.passes):
            t = time.perf_counter()
            pool.map(_query, queries, chunksize=4)
            walls.append(time.perf_counter() - t)
    measured = statistics.median(walls[1:] or walls)
    print(json.dumps({"workers": a.workers, "mode": a.mode, "queries": len(queries),
                      "warmup_qps": len(queries) / walls[0], "qps": len(queries) / measured}))


if __name__ == "__main__":
    main()
