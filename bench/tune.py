"""Tune a ranking knob on one half of every set, read it on the other half.

Uses the arsearch indexes ``bench/quality.py`` built (run it once first) and evaluates
each combination of a grid of :class:`arsearch.search.bm25.Weights` values on every set::

    python bench/tune.py --grid "title=1,2,3;title_b=0.3,0.75"
    python bench/tune.py --grid "lead=0,0.5" --base "title=2" --sets arcd,ant-ki

Each row is one combination; each cell a set's main measure (MRR@10 for the known-item
and question sets, nDCG@10 for Qur'an QA and ad-hoc news) on its ``tune`` half and its
``test`` half (the halves of ``bench/quality.py``). A knob is kept only when it helps
the tune half of every set and the test half agrees (README, "Ranking").
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from dataclasses import replace
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.quality import (  # noqa: E402
    ROOT,
    SETS,
    halves,
    names,
    parse_weights,
    read_topics,
    weight_changes,
)

MAIN = {"qqa23": "nDCG@10", "ant-ki": "MRR@10", "arcd": "MRR@10",
        "arcd-notitle": "MRR@10", "adhoc": "nDCG@10"}


def grid(text: str) -> list[str]:
    """``a=1,2;b=3`` -> ["a=1,b=3", "a=2,b=3"]."""
    axes = []
    for part in filter(None, (p.strip() for p in text.split(";"))):
        key, eq, values = part.partition("=")
        if not eq:
            sys.exit(f"tune: grid part {part!r} needs name=value,value...")
        axes.append([f"{key.strip()}={v}" for v in values.split(",")])
    return [",".join(c) for c in itertools.product(*axes)] or [""]


def evaluate_set(engine, topics, qrels, split) -> dict[str, dict[str, float]]:
    from arsearch.search.evaluate import metrics

    per: dict[str, dict[str, float]] = {}
    for qid, text in topics:
        if qid not in qrels:
            continue
        ranking = [d for d, _ in engine.ranked_ids(text, 100)]
        per[qid] = metrics(ranking, qrels[qid]) or dict.fromkeys(
            ("nDCG@10", "MAP@10", "MRR@10", "R@100"), 0.0)
    out = {}
    for half in ("tune", "test"):
        chosen = [v for q, v in per.items() if q in split[half]]
        out[half] = {m: sum(v[m] for v in chosen) / len(chosen) for m in chosen[0]} \
            if chosen else {}
    return out


def label(weights) -> str:
    """A grid row's name: the knobs it changes from the defaults (``b=0.6``)."""
    from arsearch.search.weights import Weights

    defaults = Weights()
    changed = {k: v for k, v in vars(weights).items() if getattr(defaults, k) != v}
    return ",".join(f"{k}={v}" for k, v in changed.items()) or "(defaults)"


def main(argv: list[str] | None = None) -> None:
    import arsearch
    from arsearch.search.evaluate import read_qrels

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--grid", default="")
    ap.add_argument("--base", default="", help="Weights changes shared by every row")
    ap.add_argument("--sets", default="qqa23,ant-ki,arcd,arcd-notitle,adhoc")
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "quality")
    a = ap.parse_args(argv)
    combos = grid(a.grid)
    for combo in combos:  # every row checked before the first one runs for minutes
        weight_changes(combo)
    sets = [SETS[s] for s in names(a.sets, "set", SETS, "tune")
            if SETS[s].topics.exists() and SETS[s].qrels.exists()]
    if not sets:
        sys.exit(f"tune: no data for the set(s) {a.sets} (../shared or bench/adhoc)")
    data = {}
    for qs in sets:
        topics = read_topics(qs.topics)
        index = a.work / "indexes" / f"arsearch-{qs.corpus}"
        if not (index / "arsearch.json").exists():
            sys.exit(f"tune: no index {index}: run bench/quality.py --sets {qs.name} first")
        data[qs.name] = (index, topics, read_qrels(qs.qrels), halves(topics))
    print("| weights | " + " | ".join(f"{n} {MAIN[n]} tune / test" for n in data) + " |")
    print("| --- |" + " ---: |" * len(data))
    base = parse_weights(a.base)
    for combo in combos:
        weights = replace(base, **weight_changes(combo))  # type: ignore[arg-type]
        cells = []
        started = time.perf_counter()
        for name, (index, topics, qrels, split) in data.items():
            with arsearch.open_index(index, weights=weights) as engine:
                res = evaluate_set(engine, topics, qrels, split)
            cells.append(f"{res['tune'][MAIN[name]]:.3f} / {res['test'][MAIN[name]]:.3f}")
        seconds = time.perf_counter() - started
        print(f"| {label(weights)} | " + " | ".join(cells) + f" | <!-- {seconds:.0f} s -->",
              flush=True)


if __name__ == "__main__":
    main()
