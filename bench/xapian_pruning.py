"""Xapian's pruned ranking against its exhaustive one, on every visible set's topics.

Could a search on a Xapian index rank with ``check_at_least`` at the page's end, so that
Xapian skips the documents that cannot reach the page? Not yet (search.py, "Counting"):
this is what showed it. It checks, on
the local Xapian indexes ``bench/quality.py --backends whoosh,xapian`` builds, that every
topic of every set gets the same top ``--depth`` (ids and weights) pruned as weighed
whole, and that no topic crashes Xapian (each set runs in its own process: a crash is
reported, not fatal)::

    python bench/xapian_pruning.py --work bench/results/quality [--sets ant-ki,arcd]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.quality import SETS, names, read_topics  # noqa: E402


def check_set(index: Path, topics: Path, depth: int) -> dict:
    """Compare pruned and exhaustive top ``depth`` for every topic (in this process)."""
    import xapian

    import arsearch
    from arsearch.backends.xapian.compile import compile_query, weighting

    engine = arsearch.open_index(index, refresh_every=3600.0)
    backend = engine._current()  # the XapianSearcher: its database and statistics
    everything = max(backend.db.get_doccount(), 1)
    out = {"topics": 0, "differ": []}
    for qid, text in read_topics(topics):
        print(qid, file=sys.stderr, flush=True)  # the topic a crash stopped at
        parsed, _ = engine._parse(backend, text)
        compiled = compile_query(parsed, backend.weights, backend._stats())
        out["topics"] += 1
        runs = []
        for check in (depth, everything):
            enquire = xapian.Enquire(backend.db)
            enquire.set_query(compiled.query)
            enquire.set_weighting_scheme(weighting(backend.weights))
            runs.append([(m.docid, round(m.weight, 9)) for m in enquire.get_mset(0, depth, check)])
        if runs[0] != runs[1]:
            out["differ"].append(qid)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--work", type=Path, default=Path("bench/results/quality"))
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--depth", type=int, default=100)
    ap.add_argument("--one", nargs=2, metavar=("INDEX", "TOPICS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(check_set(Path(a.one[0]), Path(a.one[1]), a.depth)))
        return
    failed = False
    for name in names(a.sets, "set", SETS, "xapian_pruning"):
        s = SETS[name]
        index = a.work / "indexes" / f"arsearch-xapian-{s.corpus}"
        if not index.exists():
            sys.exit(f"xapian_pruning: no Xapian index of {s.corpus} in {a.work} "
                     "(bench/quality.py --backends whoosh,xapian builds it)")
        run = subprocess.run([sys.executable, __file__, "--one", str(index), str(s.topics),
                              "--depth", str(a.depth)], capture_output=True, text=True)
        if run.returncode:
            failed = True
            last = run.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"{name}: Xapian died (exit {run.returncode}) at topic {last[0]}")
            continue
        got = json.loads(run.stdout)
        failed |= bool(got["differ"])
        print(f"{name}: {got['topics']} topics, {len(got['differ'])} with another top "
              f"{a.depth} when pruned {got['differ'][:10]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
