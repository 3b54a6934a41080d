"""Run the arsearch benchmark suite: one command, one machine, one data set, all systems.

    python bench/run.py [--quick] [--scale] [--out bench/results] [--repeat N]
    python bench/run.py --backend xapian            # arsearch on a local Xapian index
    python bench/run.py --cluster 4 --scale         # on 4 local shard servers

Measures arsearch (build, memory, size, latency, throughput, cold open, incremental
update; on the Whoosh backend, a local Xapian index or N shard servers on this machine)
and, in the same run, a plain Whoosh index, Lucene and tantivy on the same
body-only ANT corpus, scores every run (MRR@10), and writes ``<out>/<date>.json`` and
``<out>/<date>.md``. Each step runs in its own process (see ``bench/measure.py``).
See bench/README.md for what every figure means.
"""

from __future__ import annotations

import argparse
import json
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

if __package__ in (None, ""):  # `python bench/run.py`: make `bench` importable
    sys.path[:0] = [str(Path(__file__).resolve().parents[1]),
                    str(Path(__file__).resolve().parents[1] / "src")]

from bench import anchors  # noqa: E402
from bench.cluster import LocalCluster  # noqa: E402
from bench.corpus import TOPICS, read_topics, require_shared, write_body_only  # noqa: E402
from bench.measure import ROOT, folder_mb, run_step  # noqa: E402
from bench.quality import score_runs  # noqa: E402
from bench.report import markdown  # noqa: E402

QUICK_DOCS = 5000


def log(msg: str) -> None:
    """Progress on stderr, with a timestamp: a full run takes a while."""
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def bench_arsearch(corpus: Path | None, work: Path, a: argparse.Namespace, scale: bool) -> dict:
    """Build, size, latency, throughput, cold open and a 1,000-article update."""
    name = "arsearch-scale" if scale else "arsearch"
    cluster = LocalCluster(work, name, a.cluster).start() if a.cluster else None
    try:
        return _bench_arsearch(corpus, work, a, scale, name, cluster)
    finally:
        if cluster is not None:
            cluster.stop()


def _bench_arsearch(corpus: Path | None, work: Path, a: argparse.Namespace, scale: bool,
                    name: str, cluster: LocalCluster | None) -> dict:
    index = cluster.file if cluster else work / name
    backend = [] if cluster else ["--backend", a.backend]
    source = ["--scale", "--copies", str(a.copies)] if scale else [str(corpus)]
    builds = []
    repeat = a.scale_repeat if scale else a.repeat
    for i in range(repeat):
        log(f"{name}: build {i + 1}/{repeat} ({describe(a)})")
        if cluster and i:
            cluster.reset()
        step = run_step(["bench.build", str(index), *source, "--procs", str(a.procs),
                         *backend])
        builds.append({**step.result, "wall_s": step.wall_s, "peak_tree_mb": step.peak_tree_mb})
    build_s = statistics.median(b["seconds"] for b in builds)
    last = builds[-1]
    out: dict = {
        "backend": a.backend, "shards": a.cluster,
        "documents": last["documents"], "builds": builds, "build_s": build_s,
        "docs_per_s": last["documents"] / build_s, "mb_per_s": last["text_mb"] / build_s,
        "text_mb": last["text_mb"],
        "index_mb": cluster.size_mb() if cluster else folder_mb(index),
        "peak_build_mb": max(b["peak_tree_mb"] or 0 for b in builds) or None,
        "peak_build_single_mb": max(max(b["maxrss_self_mb"], b["maxrss_children_mb"])
                                    for b in builds),
    }
    run = work / f"{name}.run"
    # top-10 with snippets is ~1000x slower than top-100 ids (did-you-mean suggestions,
    # see bench/README.md), so by default it is timed on the first topics only
    settings = {"ids": ["--passes", str(a.passes)],
                "search": ["--passes", str(a.search_passes), "--limit", str(a.search_queries)]}
    # the same titles with every word searched by its root (query understanding: a root
    # expands over the index's vocabulary): the slowest level a reader can ask for
    timed = {**settings, "search_root": [*settings["search"], "--level", "root"]}
    for mode, extra in timed.items():
        log(f"{name}: latency {mode} {' '.join(extra)}")
        run_arg = ["--run", str(run)] if mode == "ids" else []
        step = run_step(["bench.latency", str(index), str(TOPICS), "--mode",
                         mode.removesuffix("_root"), *extra, *run_arg])
        out[f"latency_{mode}"] = {**step.result, "peak_tree_mb": step.peak_tree_mb}
    out["search_rss_mb"] = max(out[f"latency_{m}"]["maxrss_self_mb"] for m in settings)
    for mode, extra in settings.items():
        log(f"{name}: throughput {mode}, {a.workers} workers")
        out[f"throughput_{mode}"] = run_step(["bench.throughput", str(index), str(TOPICS),
                                              "--workers", str(a.workers), "--mode", mode,
                                              *extra]).result
    colds = [run_step(["bench.latency", str(index), str(TOPICS), "--mode", "cold"])
             for _ in range(3)]
    out["cold"] = {k: statistics.median(c.result[k] for c in colds)
                   for k in ("import_s", "open_s", "first_query_s", "total_s")}
    out["cold"]["process_wall_s"] = statistics.median(c.wall_s for c in colds)
    log(f"{name}: update of 1,000 articles")
    step = run_step(["bench.build", str(index), *source, "--update", "1000",
                     "--procs", str(a.procs), *backend])
    out["update_1000"] = {**step.result, "wall_s": step.wall_s, "peak_tree_mb": step.peak_tree_mb}
    out["run"] = str(run)
    return out


def bench_plain_whoosh(corpus: Path, work: Path, a: argparse.Namespace) -> dict:
    """Build time, size and top-100 latency of the plain Whoosh baseline."""
    index, run = work / "plain-whoosh", work / "plain-whoosh.run"
    log("plain whoosh: build")
    b = run_step(["bench.plain_whoosh", "build", str(corpus), str(index)])
    log("plain whoosh: latency")
    s = run_step(["bench.plain_whoosh", "search", str(index), str(TOPICS), str(run),
                  "--passes", str(a.passes)])
    return {"build_s": b.result["seconds"], "documents": b.result["documents"],
            "peak_build_mb": b.peak_tree_mb, "index_mb": folder_mb(index),
            "latency_ids": s.result, "search_rss_mb": s.result["maxrss_self_mb"],
            "run": str(run)}


def bench_anchors(corpus: Path, work: Path, a: argparse.Namespace) -> dict:
    """Lucene and tantivy; a failing anchor is recorded, not fatal."""
    out: dict = {}
    for name, call in (("lucene", lambda run: anchors.lucene(corpus, TOPICS, run)),
                       ("tantivy", lambda run: anchors.tantivy(a.tantivy_python, corpus,
                                                               TOPICS, run))):
        log(f"{name}: build + search")
        run = work / f"{name}.run"
        try:
            tries = [call(run) for _ in range(a.repeat)]
            out[name] = {**tries[-1], "run": str(run),
                         "builds_s": [t["build_s"] for t in tries],
                         "build_s": statistics.median(t["build_s"] for t in tries)}
        except (RuntimeError, KeyError, OSError) as exc:
            log(f"{name} failed: {exc}")
            out[name] = {"error": str(exc)}
    return out


def describe(a: argparse.Namespace) -> str:
    """Which backend the arsearch figures are of."""
    if a.cluster:
        return f"Xapian, {a.cluster} shard servers"
    return "Xapian, local" if a.backend == "xapian" else "Whoosh"


def _save(out: Path, results: dict) -> None:
    """Keep what is measured so far: a long run that fails late still leaves its figures."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "partial.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))


def _git_commit() -> str:
    out = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT,
                         capture_output=True, text=True)
    return out.stdout.strip() or "?"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true",
                    help=f"{QUICK_DOCS:,}-article subset, plain Whoosh as the only reference")
    ap.add_argument("--scale", action="store_true", help="also the ~400k generated set")
    ap.add_argument("--only-scale", action="store_true",
                    help="the generated set alone (no 41,661-article run, no references): "
                         "for the larger sets, --copies 48 is ~2 million articles")
    ap.add_argument("--out", type=Path, default=ROOT / "bench/results")
    ap.add_argument("--repeat", type=int, default=1, help="builds per system (median)")
    ap.add_argument("--scale-repeat", type=int, default=1,
                    help="builds of the scale set (median; each takes minutes)")
    ap.add_argument("--passes", type=int, default=3, help="passes over the topics; 1st warms")
    ap.add_argument("--search-queries", type=int, default=500,
                    help="topics timed for top-10 with snippets (500 = all; slow)")
    ap.add_argument("--search-passes", type=int, default=2,
                    help="passes for top-10 with snippets; 1st warms")
    ap.add_argument("--procs", type=int, default=2, help="arsearch indexing processes")
    ap.add_argument("--workers", type=int, default=2, help="processes for the QPS figure")
    ap.add_argument("--copies", type=int, default=10, help="scale set: copies of the corpus")
    ap.add_argument("--no-anchors", action="store_true", help="skip Lucene and tantivy")
    ap.add_argument("--tantivy-python", default=sys.executable,
                    help="an interpreter with `tantivy` installed (default: this one)")
    ap.add_argument("--backend", choices=("whoosh", "xapian"), default="whoosh",
                    help="arsearch's backend (default whoosh)")
    ap.add_argument("--cluster", type=int, default=0, metavar="N",
                    help="arsearch on N xapian-tcpsrv shard servers on 127.0.0.1 (Xapian)")
    ap.add_argument("--no-whoosh-baseline", action="store_true",
                    help="skip the plain Whoosh reference (slow; not arsearch)")
    ap.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch folder")
    a = ap.parse_args()
    if a.cluster:
        a.backend = "xapian"
    require_shared()
    work = a.work or Path(tempfile.mkdtemp(prefix="arsearch-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    corpus = work / "corpus.jsonl"
    keep = {qid for qid, _ in read_topics()}
    n = write_body_only(corpus, limit=QUICK_DOCS if a.quick else None, keep=keep)
    log(f"corpus: {n:,} articles, titles removed, in {work}")
    results: dict = {"meta": {
        "date": datetime.now().isoformat(timespec="seconds"), "commit": _git_commit(),
        "host": platform.node(), "cpus": __import__("os").cpu_count(),
        "python": platform.python_version(), "corpus_docs": n, "quick": a.quick,
        "arsearch": describe(a),
        "args": {k: str(v) for k, v in vars(a).items()}}}
    if a.only_scale:
        a.scale = a.no_anchors = a.no_whoosh_baseline = True
    try:
        if a.only_scale:
            results["arsearch_scale"] = bench_arsearch(None, work, a, scale=True)
        else:
            _bench_all(corpus, work, a, results)
    finally:
        if not a.keep:
            shutil.rmtree(work, ignore_errors=True)
    _finish(a, results, started)


def _bench_all(corpus: Path, work: Path, a: argparse.Namespace, results: dict) -> None:
    """arsearch on the 41,661 articles beside the references, then the scale set."""
    results["arsearch"] = bench_arsearch(corpus, work, a, scale=False)
    _save(a.out, results)
    if not a.no_whoosh_baseline:
        results["whoosh"] = bench_plain_whoosh(corpus, work, a)
        _save(a.out, results)
    if not (a.quick or a.no_anchors):
        results.update(bench_anchors(corpus, work, a))
    runs = {k: Path(v["run"]) for k, v in results.items() if isinstance(v, dict)
            and "run" in v}
    log("scoring runs")
    results["quality"] = score_runs(runs)
    if a.scale:
        results["arsearch_scale"] = bench_arsearch(None, work, a, scale=True)


def _finish(a: argparse.Namespace, results: dict, started: float) -> None:
    results["meta"]["total_s"] = time.perf_counter() - started
    a.out.mkdir(parents=True, exist_ok=True)
    stem = datetime.now().strftime("%Y-%m-%d_%H%M") + ("-quick" if a.quick else "") \
        + (f"-scale{a.copies}" if a.only_scale else "") \
        + (f"-cluster{a.cluster}" if a.cluster else "-xapian" if a.backend == "xapian" else "")
    (a.out / f"{stem}.json").write_text(json.dumps(results, indent=2, ensure_ascii=False))
    (a.out / f"{stem}.md").write_text(markdown(results))
    print(markdown(results))
    log(f"wrote {a.out / stem}.json and .md")


if __name__ == "__main__":
    main()
