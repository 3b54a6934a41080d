"""Soak test: kill -9 the indexer again and again for N minutes; count what survives.

Each round starts ``arsearch index`` (or, for checkpointed runs, a child calling
``index_paths`` with a small ``commit_every``) on a bigger synthetic corpus: a fresh
build, a ``--rebuild`` or an incremental update, chosen at random. It kills it with
SIGKILL at a random moment, then checks that the index opens, holds exactly a committed
state (no duplicate or unknown ids, every document's content old or new), and every few
rounds lets a run complete and checks that nothing was lost.

Run (from the repository root; ~10 minutes by default)::

    PYTHONPATH=src python bench/soak.py --minutes 10 --docs 20000 --seed 1

It prints one line per round and a summary: kills survived / tried, by scenario, and
documents lost (documents of a completed run missing afterwards: must be 0). Exit
status is 1 if any round failed. ``--keep DIR`` keeps the work folder for inspection.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import sys
import tempfile
import time
import traceback
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "src"))

from reliability_support import (  # noqa: E402
    check_committed,
    cli,
    popen_cli,
    popen_indexer,
    stored_ids,
    synthetic_docs,
    write_jsonl,
)

from arsearch import IndexNotFoundError, read_documents  # noqa: E402
from arsearch.ingest import content_hash  # noqa: E402


def hashes_of(path: Path) -> dict[str, str]:
    return {d.id: content_hash(d) for d in read_documents([path], on_problem=lambda p: None)}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--minutes", type=float, default=10.0)
    ap.add_argument("--docs", type=int, default=20_000)
    ap.add_argument("--commit-every", type=int, default=500)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, help="work folder to keep (default: a temp dir)")
    args = ap.parse_args()

    rng = random.Random(args.seed)
    work = args.keep or Path(tempfile.mkdtemp(prefix="arsearch-soak-"))
    work.mkdir(parents=True, exist_ok=True)
    docs = synthetic_docs(args.docs, seed=args.seed)
    ids = {d["id"] for d in docs}
    # two versions of the corpus: v2 changes a quarter of v1 and adds a quarter more
    n1 = args.docs * 3 // 4
    v1 = work / "v1"
    v2 = work / "v2"
    write_jsonl(v1 / "a.jsonl", docs[:n1])
    write_jsonl(v2 / "a.jsonl", [dict(d, body=d["body"] + " تعديل") if i % 4 == 0 else d
                                 for i, d in enumerate(docs[:n1])])
    write_jsonl(v2 / "b.jsonl", docs[n1:])
    versions = {"v1": hashes_of(v1), "v2": hashes_of(v2)}
    folder = work / "ix"
    stats: dict[str, dict[str, int]] = {}
    lost = 0
    failures = 0

    t0 = time.monotonic()
    started = time.time()
    # how long a full run takes, to place the kills
    run = cli("index", str(v1), "--index", str(folder), timeout=3600)
    assert run.returncode == 0, run.stderr
    full_seconds = time.time() - started
    kept = set(versions["v1"])  # ids a completed run guarantees are in the index
    rounds = 0
    while time.monotonic() - t0 < args.minutes * 60:
        rounds += 1
        scenario = rng.choice(["fresh", "rebuild", "update", "update-cli"])
        target = rng.choice(["v1", "v2"])
        src = v1 if target == "v1" else v2
        if scenario == "fresh":
            shutil.rmtree(folder, ignore_errors=True)
            kept = set()
            child = popen_indexer(folder, [src], commit_every=args.commit_every)
        elif scenario == "rebuild":
            child = popen_cli("index", str(src), "--index", str(folder), "--rebuild")
        elif scenario == "update":
            child = popen_indexer(folder, [src], commit_every=args.commit_every)
        else:
            child = popen_cli("index", str(src), "--index", str(folder))
        delay = rng.uniform(0, full_seconds * 1.1)
        deadline = time.monotonic() + delay
        while time.monotonic() < deadline and child.poll() is None:
            time.sleep(0.01)
        killed = child.poll() is None
        if killed:
            os.kill(child.pid, signal.SIGKILL)
        child.communicate()
        row = stats.setdefault(scenario, {"tried": 0, "survived": 0})
        row["tried"] += killed
        try:
            try:
                count = check_committed(folder, ids, set(range(0, args.docs + 1)))
            except IndexNotFoundError:
                assert not kept, "the index vanished"
                count = 0
            present = set(stored_ids(folder)) if count else set()
            if scenario == "rebuild" and present == set(versions[target]):
                kept = present  # the rebuild completed and switched
            missing = kept - present
            lost += len(missing)
            assert not missing, f"{len(missing)} documents lost"
            row["survived"] += killed
            status = "ok"
        except Exception:
            failures += 1
            status = "FAILED\n" + traceback.format_exc()
        print(f"round {rounds:4d} {scenario:<10} -> {target} killed={killed} "
              f"after {delay:5.1f}s: {status}", flush=True)
        if rounds % 5 == 0 or not killed:
            run = cli("index", str(src), "--index", str(folder), timeout=3600)
            try:
                assert run.returncode == 0, f"recovery run failed: {run.stderr.strip()}"
                present = set(stored_ids(folder))
                check_committed(folder, ids, {len(present)})
                assert set(versions[target]) <= present, "recovery is incomplete"
                kept = present
            except Exception:
                failures += 1
                print("  recovery FAILED\n" + traceback.format_exc(), flush=True)
    print(json.dumps({"rounds": rounds, "kills": stats, "documents_lost": lost,
                      "failures": failures, "minutes": args.minutes, "docs": args.docs},
                     indent=2))
    survived = sum(r["survived"] for r in stats.values())
    tried = sum(r["tried"] for r in stats.values())
    print(f"kills survived / tried: {survived}/{tried}; documents lost: {lost}")
    if not args.keep:
        shutil.rmtree(work, ignore_errors=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
