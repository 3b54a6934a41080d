"""Per-query latency of one arsearch index: ``python -m bench.latency INDEX TOPICS ...``.

Runs in its own process (started by ``bench/run.py``) so the figures include nothing
but this engine, and so its peak RSS is the memory *while searching*. The first pass
over the topics warms the engine (stems, caches, page cache) and is reported
separately; latencies are the per-query medians over the remaining passes.

    --mode search   engine.search(q, per_page=10): top-10 with snippets, facets, suggestion
                    (the reader's page)
    --mode hits     engine.search(q, per_page=10, facets=False): top-10 with snippets and
                    suggestion, no facets (a caller that shows none)
    --mode ids      engine.ranked_ids(q, 100): top-100 ids (written as a TREC run)
    --mode cold     only open_index + the first query (top-100 ids), in this fresh process
    --limit N       only the first N topics (top-10 mode: see bench/README.md, it is slow)
    --level L       the match level of the topics' words (search mode; e.g. root: every
                    word of each title searched by its root)
"""

from __future__ import annotations

import argparse
import json
import math
import time

T0 = time.perf_counter()  # before arsearch is imported: cold start includes imports

import arsearch  # noqa: E402
from bench.corpus import read_topics  # noqa: E402
from bench.measure import maxrss_mb  # noqa: E402


def percentiles(values: list[float]) -> dict[str, float]:
    """p50/p95/p99 and mean (nearest-rank, in the units given)."""
    v = sorted(values)

    def rank(p: float) -> float:
        return v[max(0, math.ceil(p / 100 * len(v)) - 1)]

    return {"p50": rank(50), "p95": rank(95), "p99": rank(99), "mean": sum(v) / len(v)}


def per_query_median(passes: list[list[float]]) -> list[float]:
    """For each query, the median of its times over the given passes."""
    out = []
    for times in zip(*passes, strict=True):
        s = sorted(times)
        mid = len(s) // 2
        out.append(s[mid] if len(s) % 2 else (s[mid - 1] + s[mid]) / 2)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("index")
    ap.add_argument("topics")
    ap.add_argument("--mode", choices=("search", "hits", "ids", "cold"), default="ids")
    ap.add_argument("--passes", type=int, default=3)
    ap.add_argument("--limit", type=int, help="only the first N topics")
    ap.add_argument("--run", help="write the top-100 TREC run here (mode ids)")
    ap.add_argument("--level", default="stem", help="match level (search mode)")
    a = ap.parse_args()
    topics = read_topics(a.topics)[: a.limit]
    t_import = time.perf_counter()
    engine = arsearch.open_index(a.index, refresh_every=3600.0)
    t_open = time.perf_counter()
    if a.mode == "cold":
        engine.ranked_ids(topics[0][1], 100)
        t_first = time.perf_counter()
        print(json.dumps({"import_s": t_import - T0, "open_s": t_open - t_import,
                          "first_query_s": t_first - t_open, "total_s": t_first - T0,
                          **maxrss_mb()}))
        return
    passes: list[list[float]] = []
    run_lines: list[str] = []
    for n in range(a.passes):
        times = []
        for qid, query in topics:
            t = time.perf_counter()
            if a.mode in ("search", "hits"):
                engine.search(query, per_page=10, level=a.level, facets=a.mode == "search")
            else:
                ranked = engine.ranked_ids(query, 100)
            times.append((time.perf_counter() - t) * 1000)
            if a.mode == "ids" and n == 0:
                run_lines += [f"{qid} Q0 {doc} {r} {score:.4f} arsearch\n"
                              for r, (doc, score) in enumerate(ranked, 1)]
        passes.append(times)
    if a.run:
        with open(a.run, "w", encoding="utf-8") as f:
            f.writelines(run_lines)
    measured = per_query_median(passes[1:] or passes)
    print(json.dumps({"mode": a.mode, "queries": len(topics), "passes": a.passes,
                      "open_s": t_open - t_import,
                      "warmup_ms": percentiles(passes[0]), "ms": percentiles(measured),
                      **maxrss_mb()}))


if __name__ == "__main__":
    main()
