"""Xapian's pruned ranking against its exhaustive one, on every visible set's topics.

The searcher prunes only on arsearch's fixed Xapian (search.py, "Pruning"): Debian's
1.4.22 pruned to a page (``check_at_least`` its end) leaves results out. This shows how
often, on real topics, on the library this process runs (``ARSEARCH_XAPIAN_BUILD=none``:
Debian's): for each topic (``--all``: also those with a word's synonyms, pruned in the
guarded form ``Compiled.guarded`` gives), whether the top ``--depth`` (ids and
weights) is the same pruned as weighed whole, and that no topic crashes Xapian (each set
runs in its own process: a crash is reported, not fatal). On the local Xapian indexes
``bench/quality.py --backends whoosh,xapian`` builds, or on any index or cluster file
with its topics::

    python bench/xapian_pruning.py --work bench/results/quality [--sets ant-ki,arcd]
    python bench/xapian_pruning.py --index cluster.toml --topics topics.tsv [--depth 10]
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


def check_set(index: Path, topics: Path, depth: int, every: bool = False) -> dict:
    """Compare pruned and exhaustive top ``depth`` for every topic (in this process)."""
    import arsearch
    from arsearch.backends.xapian.compile import compile_query, weighting
    from arsearch.backends.xapian.core import require_xapian

    xapian = require_xapian()  # after arsearch's fixed library, when there is one

    engine = arsearch.open_index(index, refresh_every=3600.0)
    backend = engine._current()  # the XapianSearcher: its database and statistics
    everything = max(backend.db.get_doccount(), 1)
    out = {"topics": 0, "not_pruned": 0, "differ": []}
    for qid, text in read_topics(topics):
        print(qid, file=sys.stderr, flush=True)  # the topic a crash stopped at
        parsed, _ = engine._parse(backend, text)
        compiled = compile_query(parsed, backend.weights, backend._stats())
        out["topics"] += 1
        if not every and compiled.best_of:
            out["not_pruned"] += 1
            continue
        runs = []
        for check, query in ((depth, compiled.guarded()), (everything, compiled.query)):
            enquire = xapian.Enquire(backend.db)
            enquire.set_query(query)
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
    ap.add_argument("--all", action="store_true",
                    help="check every topic, also those the searcher does not prune")
    ap.add_argument("--index", type=Path, help="an index folder or cluster file (with --topics)")
    ap.add_argument("--topics", type=Path)
    ap.add_argument("--one", nargs=2, metavar=("INDEX", "TOPICS"), help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(check_set(Path(a.one[0]), Path(a.one[1]), a.depth, a.all)))
        return
    if bool(a.index) != bool(a.topics):
        sys.exit("xapian_pruning: --index and --topics go together")
    runs = [(a.topics.stem, a.index, a.topics)] if a.index else []
    for name in [] if a.index else names(a.sets, "set", SETS, "xapian_pruning"):
        s = SETS[name]
        index = a.work / "indexes" / f"arsearch-xapian-{s.corpus}"
        if not index.exists():
            sys.exit(f"xapian_pruning: no Xapian index of {s.corpus} in {a.work} "
                     "(bench/quality.py --backends whoosh,xapian builds it)")
        runs.append((name, index, s.topics))
    failed = False
    for name, index, topics in runs:
        run = subprocess.run([sys.executable, __file__, "--one", str(index), str(topics),
                              "--depth", str(a.depth), *(["--all"] if a.all else [])],
                             capture_output=True, text=True)
        if run.returncode:
            failed = True
            last = run.stderr.strip().splitlines()[-1:] or ["?"]
            print(f"{name}: Xapian died (exit {run.returncode}) at topic {last[0]}")
            continue
        got = json.loads(run.stdout)
        failed |= bool(got["differ"])
        print(f"{name}: {got['topics']} topics ({got['not_pruned']} with synonyms left "
              f"out: --all checks them), {len(got['differ'])} with another top "
              f"{a.depth} when pruned {got['differ'][:10]}")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
