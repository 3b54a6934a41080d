"""Retrieval quality of the Xapian prototype on the visible sets, beside arsearch.

Indexes each set's corpus (the JSON Lines files ``bench/quality.py`` writes) into a
local Xapian database, or over N shard servers, answers the topics with the top 100, and
scores the runs with the shared ``score.py`` and, per half, with ``bench/quality.py``'s
own measures::

    python bench/xapian_quality.py                          # every set, local database
    python bench/xapian_quality.py --sets qqa23 --shards 3  # over 3 xapian-tcpsrv
    python bench/xapian_quality.py --arsearch combined      # also arsearch (Whoosh) with
                                                            # Weights(fields="combined")

Corpora are read from ``--corpora`` when present there (default: this checkout's
``bench/results/quality/corpora``, then the main checkout's), else written by
``bench/quality.py``'s ``corpus_file``. Indexes go to ``--work`` (``--reuse`` keeps them).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.corpus import SCORE  # noqa: E402
from bench.measure import ROOT  # noqa: E402
from bench.quality import (  # noqa: E402
    MEASURES,
    SETS,
    arsearch_run,
    corpus_file,
    halves,
    parse_weights,
    per_query,
    read_topics,
    summarize,
)

#: The lead's figures for arsearch (Whoosh) at the time of writing, for the table.
ARSEARCH_NOW = {"qqa23": "nDCG 0.335 / MRR 0.380", "ant-ki": "MRR 0.71", "arcd": "MRR 0.69",
                "arcd-notitle": "MRR 0.65", "adhoc": "nDCG 0.893"}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def find_corpus(name: str, corpora: list[Path], work: Path) -> Path:
    for folder in corpora:
        path = folder / f"{name}.jsonl"
        if path.exists():
            return path
    return corpus_file(name, work)


def build_xapian(corpus: Path, folder: Path, shards: int, reuse: bool) -> list[Path]:
    """The shard folders of ``corpus`` (one folder when ``shards`` is 0 or 1)."""
    from arsearch.backends.xapian.cluster import shard_index
    from arsearch.backends.xapian.index import XapianIndex
    from arsearch.ingest import read_documents

    n = max(shards, 1)
    paths = [folder / f"shard{i}" for i in range(n)] if n > 1 else [folder]
    marker = folder / "built.json"  # written last: a killed build is never reused
    if reuse and marker.exists():
        return paths
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    started = time.perf_counter()
    writers = [XapianIndex.open_local(p) for p in paths]
    count = 0
    for doc in read_documents([corpus]):
        writers[shard_index(doc.id, n)].put(doc)
        count += 1
    for w in writers:
        w.commit()
        w.close()
    seconds = time.perf_counter() - started
    marker.write_text(json.dumps({"corpus": str(corpus), "documents": count, "shards": n,
                                  "seconds": round(seconds, 1)}))
    log(f"xapian: {count} documents of {corpus.name} into {n} database(s) in {seconds:.1f} s")
    return paths


def shared_score(qrels: Path, run: Path) -> str:
    out = subprocess.run([sys.executable, str(SCORE), str(qrels), str(run)],
                         capture_output=True, text=True, cwd=ROOT)
    return (out.stdout or out.stderr).strip().partition(" ")[2]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=",".join(SETS))
    ap.add_argument("--shards", type=int, default=0,
                    help="split each corpus over N shard servers on 127.0.0.1 (0: local)")
    ap.add_argument("--weights", default="", help="Weights changes: k=v,... (both engines)")
    ap.add_argument("--arsearch", default="",
                    help="also run arsearch (Whoosh) with these fields models: bm25f,combined")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "xapian")
    ap.add_argument("--corpora", type=Path, action="append", default=None)
    ap.add_argument("--reuse", action="store_true")
    ap.add_argument("--json", type=Path)
    a = ap.parse_args(argv)
    from arsearch.backends.xapian.cluster import ShardServer
    from arsearch.backends.xapian.search import XapianSearcher

    models = [m for m in a.arsearch.split(",") if m]
    unknown = set(models) - {"bm25f", "combined", "sum"}
    if unknown:
        sys.exit(f"xapian_quality: unknown fields model(s) {', '.join(sorted(unknown))}")
    corpora = a.corpora or [ROOT / "bench/results/quality/corpora"]
    weights = parse_weights(a.weights)
    a.work.mkdir(parents=True, exist_ok=True)
    results: dict[str, dict] = {}
    for name in [s for s in a.sets.split(",") if s]:
        qs = SETS[name]
        corpus = find_corpus(qs.corpus, corpora, a.work)
        topics = read_topics(qs.topics)
        split = halves(topics)
        suffix = f"-{a.shards}shards" if a.shards > 1 else ""
        paths = build_xapian(corpus, a.work / "indexes" / f"xapian-{qs.corpus}{suffix}",
                             a.shards, a.reuse)
        run = a.work / "runs" / f"{name}.xapian{suffix}.run"
        run.parent.mkdir(parents=True, exist_ok=True)
        servers = []
        try:
            if a.shards > 1:
                servers = [ShardServer(p).start() for p in paths]
                searcher = XapianSearcher.open_shards(
                    [_address(i, s) for i, s in enumerate(servers)], weights=weights)
            else:
                searcher = XapianSearcher.open_local(paths[0], weights=weights)
            with searcher:
                extra = arsearch_run(searcher, topics, run, "xapian")
        finally:
            for s in servers:
                s.stop()
        scores = per_query(qs.qrels, run)
        results[name] = {"xapian": {h: summarize(scores, q) for h, q in split.items()}
                         | extra | {"score.py": shared_score(qs.qrels, run)}}
        log(f"{name}: xapian {results[name]['xapian']['score.py']}")
        for model in models:
            import arsearch
            from bench.quality import build_arsearch

            # one index serves every model (the fields model is a search-time choice)
            index = build_arsearch(corpus, a.work / "indexes" / f"arsearch-{qs.corpus}",
                                   a.reuse or model != models[0])
            w = parse_weights(",".join(filter(None, [a.weights, f"fields={model}"])))
            arun = a.work / "runs" / f"{name}.arsearch-{model}.run"
            with arsearch.open_index(index, weights=w) as engine:
                extra = arsearch_run(engine, topics, arun)
            scores = per_query(qs.qrels, arun)
            key = f"arsearch {model}"
            results[name][key] = {h: summarize(scores, q) for h, q in split.items()} \
                | extra | {"score.py": shared_score(qs.qrels, arun)}
            log(f"{name}: {key} {results[name][key]['score.py']}")
    print(table(results, ["xapian", *(f"arsearch {m}" for m in models)]))
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))
    return results


def _address(i: int, server):
    from arsearch.backends.xapian.cluster import ShardAddress

    return ShardAddress(f"shard-{i}", server.host, server.port)


def table(results: dict, cols: list[str]) -> str:
    lines = ["| set | half | " + " | ".join(cols) + " | arsearch (lead's figures) |",
             "| --- | --- |" + " ---: |" * (len(cols) + 1)]
    for name, by in results.items():
        for part in ("all", "tune", "test"):
            cells = []
            for key in cols:
                s = by.get(key, {}).get(part)
                cells.append(" / ".join(f"{s[m]:.3f}" for m in MEASURES) if s else "–")
            n = by["xapian"][part].get("queries", 0) if by["xapian"].get(part) else 0
            ref = ARSEARCH_NOW.get(name, "") if part == "all" else ""
            lines.append(f"| {name} | {part} ({n}) | " + " | ".join(cells) + f" | {ref} |")
    lines.append("")
    lines.append("cells: nDCG@10 / MRR@10 / R@100; errors: " + ", ".join(
        f"{n} {len(r['xapian']['errors'])}" for n, r in results.items()))
    for n, r in results.items():
        for key in cols:
            if key in r:
                lines.append(f"score.py {n} {key}: {r[key]['score.py']}  "
                             f"({r[key]['ms_per_query']:.1f} ms/query)")
    return "\n".join(lines)


if __name__ == "__main__":
    main()
