"""Retrieval quality on every visible set, arsearch beside Lucene, tantivy and plain Whoosh.

One command, one table (README "Ranking")::

    python bench/quality.py                      # every set, every system, all computed now
    python bench/quality.py --sets arcd,qqa23 --systems arsearch --reuse
    python bench/quality.py --weights title=1.5,lead=0 --half test
    python bench/quality.py --systems arsearch --backends whoosh,xapian   # both backends

The sets (``../shared/bench`` and ``bench/adhoc``):

=============  ==========================================================================
qqa23          Qur'an QA 2023 train: 148 questions over 1,266 untitled passages
ant-ki         ANT known-item dev: 500 article titles over the 41,661 articles, titles
               removed (the article must be found from its headline)
arcd           ARCD train: 693 questions over 231 Wikipedia paragraphs (with their
               article titles) among the 41,661 ANT articles with titles
arcd-notitle   the same with the paragraphs' titles removed: untitled documents compete
               with titled ones
adhoc          our ad-hoc news set: archive queries with graded judgements over the
               41,661 ANT articles with titles (``bench/adhoc``)
=============  ==========================================================================

Every system indexes the same JSON Lines file (the references index title + body as one
field) and answers the same topics with its top 100. Each set's topics are split into two
halves by position (1st, 3rd, 5th... = ``tune``; 2nd, 4th... = ``test``): ranking knobs
are chosen on ``tune`` and reported on ``test`` (README, "Ranking").

Reference runs and built indexes go to ``--work`` (default ``bench/results/quality``);
``--reuse`` keeps those that exist (for development; the README's table is a fresh run).
``--backends whoosh,xapian`` runs arsearch on each backend (column ``arsearch`` is the
Whoosh backend, ``arsearch-xapian`` a local Xapian index of the same corpus) and checks
that Xapian is within ``--tolerance`` (2 %) of Whoosh on nDCG@10 and MRR@10 of every set.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, fields
from pathlib import Path

if __package__ in (None, ""):  # `python bench/quality.py`: make `bench` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from bench.corpus import ANT, QRELS, SCORE, SHARED, iter_records  # noqa: E402
from bench.measure import ROOT, python_env, run_step  # noqa: E402

MEASURES = ("nDCG@10", "MRR@10", "R@100")
SYSTEMS = ("arsearch", "lucene", "tantivy", "whoosh")
ADHOC = ROOT / "bench" / "adhoc"


@dataclass(frozen=True)
class QualitySet:
    """A benchmark: the corpus it searches (built on demand), its topics and judgements."""

    name: str
    corpus: str  # key of CORPORA
    topics: Path
    qrels: Path


def _qqa(out: Path) -> Iterable[dict]:
    return iter_records(SHARED / "bench/qqa23/corpus.jsonl")


def _ant(titles: bool) -> Callable[[Path], Iterable[dict]]:
    def records(out: Path) -> Iterable[dict]:
        for r in iter_records(ANT):
            yield r if titles else {**r, "title": ""}
    return records


def _arcd(titles: bool) -> Callable[[Path], Iterable[dict]]:
    def records(out: Path) -> Iterable[dict]:
        for r in iter_records(SHARED / "bench/arcd-train/paragraphs.jsonl"):
            yield r if titles else {**r, "title": ""}
        yield from iter_records(ANT)
    return records


#: corpus name -> the records to write (once) into ``<work>/corpora/<name>.jsonl``
CORPORA: dict[str, Callable[[Path], Iterable[dict]]] = {
    "qqa23": _qqa,
    "ant-notitle": _ant(False),
    "ant": _ant(True),
    "arcd+ant": _arcd(True),
    "arcd-notitle+ant": _arcd(False),
}

SETS = {s.name: s for s in (
    QualitySet("qqa23", "qqa23", SHARED / "bench/qqa23/topics_train.tsv",
               SHARED / "bench/qqa23/qrels_train.txt"),
    QualitySet("ant-ki", "ant-notitle", SHARED / "bench/ant-known-item/topics_dev.tsv",
               QRELS),
    QualitySet("arcd", "arcd+ant", SHARED / "bench/arcd-train/topics.tsv",
               SHARED / "bench/arcd-train/qrels.txt"),
    QualitySet("arcd-notitle", "arcd-notitle+ant", SHARED / "bench/arcd-train/topics.tsv",
               SHARED / "bench/arcd-train/qrels.txt"),
    QualitySet("adhoc", "ant", ADHOC / "topics.tsv", ADHOC / "qrels.txt"),
)}


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


# -- topics and halves -------------------------------------------------------------------


def read_topics(path: Path) -> list[tuple[str, str]]:
    """(qid, query) in file order; lines without a tab are skipped."""
    with open(path, encoding="utf-8") as f:
        return [tuple(line.rstrip("\n").split("\t", 1)) for line in f  # type: ignore[misc]
                if "\t" in line]


def halves(topics: list[tuple[str, str]]) -> dict[str, set[str]]:
    """``tune``: the 1st, 3rd, 5th... topic of the file; ``test``: the others."""
    qids = [q for q, _ in topics]
    return {"all": set(qids), "tune": set(qids[0::2]), "test": set(qids[1::2])}


# -- corpora -----------------------------------------------------------------------------


def corpus_file(name: str, work: Path) -> Path:
    """The corpus as one uncompressed JSON Lines file (id, title, body, ...), written once."""
    path = work / "corpora" / f"{name}.jsonl"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        with open(tmp, "w", encoding="utf-8") as out:
            for r in CORPORA[name](path):
                out.write(json.dumps(r, ensure_ascii=False) + "\n")
        tmp.replace(path)
    return path


# -- runs --------------------------------------------------------------------------------


def build_arsearch(corpus: Path, index: Path, reuse: bool, backend: str = "whoosh",
                   **options) -> Path:
    """An arsearch index of ``corpus`` (rebuilt unless ``reuse`` and it holds every
    document of the corpus: an index whose build was interrupted is rebuilt, never
    scored as an empty run)."""
    import arsearch

    if reuse and (index / "arsearch.json").exists():
        with open(corpus, "rb") as f:
            expected = sum(1 for line in f if line.strip())
        try:
            with arsearch.open_index(index) as engine:
                if engine.doc_count == expected:
                    return index
                log(f"arsearch ({backend}): {index.name} holds {engine.doc_count:,} of "
                    f"{expected:,} documents: rebuilding it")
        except arsearch.ArsearchError as exc:
            log(f"arsearch ({backend}): {index.name} cannot be reused ({exc}): rebuilding it")
    log(f"arsearch ({backend}): indexing {corpus.name}")
    started = time.perf_counter()
    arsearch.index_paths(index, [corpus], rebuild=True, procs=2, backend=backend, **options)
    log(f"arsearch ({backend}): {corpus.name} in {time.perf_counter() - started:.0f} s")
    return index


def arsearch_run(engine, topics: list[tuple[str, str]], run: Path,
                 tag: str = "arsearch") -> dict:
    """Write the top-100 TREC run of ``engine`` (anything with ``ranked_ids``, a Xapian
    searcher too), named ``tag``; count queries that raised."""
    errors: list[str] = []
    started = time.perf_counter()
    with open(run, "w", encoding="utf-8") as out:
        for qid, text in topics:
            try:
                ranked = engine.ranked_ids(text, 100)
            except Exception as exc:  # counted and shown: batch search must never fail
                errors.append(f"{qid}: {type(exc).__name__}: {exc}")
                continue
            out.writelines(f"{qid} Q0 {d} {r} {s:.6f} {tag}\n"
                           for r, (d, s) in enumerate(ranked, 1))
    return {"errors": errors, "ms_per_query": (time.perf_counter() - started) * 1000
            / max(len(topics), 1)}


def reference_run(system: str, corpus: Path, topics: Path, run: Path, work: Path,
                  tantivy_python: str, reuse: bool = False) -> None:
    """Lucene, tantivy or plain Whoosh on ``corpus``: their run files, as they write them."""
    from bench import anchors

    log(f"{system}: {corpus.name} x {topics.parent.name}")
    if system == "lucene":
        anchors.lucene(corpus, topics, run)
    elif system == "tantivy":
        anchors.tantivy(tantivy_python, corpus, topics, run)
    elif system == "whoosh":
        index = work / "indexes" / f"whoosh-{corpus.stem}"
        if not (reuse and list(index.glob("*.toc"))):
            run_step(["bench.plain_whoosh", "build", str(corpus), str(index)])
        run_step(["bench.plain_whoosh", "search", str(index), str(topics), str(run),
                  "--passes", "1"])
    else:
        raise ValueError(system)


# -- scoring -----------------------------------------------------------------------------


def per_query(qrels: Path, run: Path) -> dict[str, dict[str, float]]:
    """{qid: {measure: value}} with ir-measures (queries without results score 0)."""
    import ir_measures
    from ir_measures import RR, R, nDCG

    names = {str(nDCG @ 10): "nDCG@10", str(RR @ 10): "MRR@10", str(R @ 100): "R@100"}
    judged = list(ir_measures.read_trec_qrels(str(qrels)))
    out: dict[str, dict[str, float]] = {
        q.query_id: dict.fromkeys(MEASURES, 0.0) for q in judged if q.relevance > 0}
    for m in ir_measures.iter_calc([nDCG @ 10, RR @ 10, R @ 100], judged,
                                   ir_measures.read_trec_run(str(run))):
        if m.query_id in out:
            out[m.query_id][names[str(m.measure)]] = m.value
    return out


def summarize(scores: dict[str, dict[str, float]], qids: set[str]) -> dict[str, float]:
    """Mean of each measure over the judged queries among ``qids``."""
    chosen = [v for q, v in scores.items() if q in qids]
    if not chosen:
        return {}
    return {m: sum(v[m] for v in chosen) / len(chosen) for m in MEASURES} | {
        "queries": len(chosen)}


def judged_at_10(qrels: Path, run: Path) -> float:
    """Share of the run's top-10 documents that have a judgement (pooled sets)."""
    judged: set[tuple[str, str]] = set()
    with open(qrels, encoding="utf-8") as f:
        for line in f:
            parts = line.split()
            if len(parts) == 4:
                judged.add((parts[0], parts[2]))
    top: list[tuple[str, str]] = []
    with open(run, encoding="utf-8") as f:
        for line in f:
            qid, _, doc, rank, *_ = line.split()
            if int(rank) <= 10:
                top.append((qid, doc))
    return sum(t in judged for t in top) / len(top) if top else 0.0


# -- the command -------------------------------------------------------------------------


def weight_changes(text: str) -> dict[str, object]:
    """``title=1.5,lead=0`` -> {"title": 1.5, "lead": 0.0}, typed as Weights declares."""
    from arsearch.search.weights import Weights

    types = {f.name: str(f.type) for f in fields(Weights)}
    changes: dict[str, object] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        key, eq, value = (s.strip() for s in part.partition("="))
        if key not in types:
            sys.exit(f"quality: unknown weight {key!r} (one of {', '.join(types)})")
        kind = types[key]
        try:
            if not eq or not value:
                raise ValueError
            number = value if "str" in kind else int(value) if "int" in kind \
                else float(value)
            if isinstance(number, float) and not math.isfinite(number):
                raise ValueError
        except ValueError:
            what = "text" if "str" in kind else "a whole number" if "int" in kind \
                else "a number"
            sys.exit(f"quality: weight {part!r} needs {key}=<{what}>")
        changes[key] = number
    return changes


def names(text: str, what: str, known, tool: str) -> list[str]:
    """The comma-separated ``text`` as a list of known names; exits with one line naming
    the unknown ones, or saying that none was given (``--sets ""`` is not "every set")."""
    chosen = [n.strip() for n in text.split(",") if n.strip()]
    if not chosen:
        sys.exit(f"{tool}: give at least one {what} (one of {', '.join(known)})")
    unknown = [n for n in chosen if n not in known]
    if unknown:
        sys.exit(f"{tool}: unknown {what}(s) {', '.join(unknown)} (one of {', '.join(known)})")
    return chosen


def parse_weights(text: str):
    """``title=1.5,lead=0`` -> a Weights with those fields changed."""
    from arsearch.search.weights import Weights

    return Weights(**weight_changes(text))  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sets", default=None,
                    help="comma-separated (default: every set whose data is present)")
    ap.add_argument("--systems", default=",".join(SYSTEMS))
    ap.add_argument("--work", type=Path, default=ROOT / "bench" / "results" / "quality")
    ap.add_argument("--reuse", action="store_true",
                    help="keep indexes and reference runs that exist (development)")
    ap.add_argument("--weights", default="", help="arsearch Weights changes: k=v,...")
    ap.add_argument("--half", choices=("all", "tune", "test"), default=None,
                    help="print only this half (default: all three)")
    ap.add_argument("--tantivy-python", default=sys.executable)
    ap.add_argument("--json", type=Path, help="write every figure here")
    ap.add_argument("--backends", default="whoosh",
                    help="arsearch's backends, comma-separated: whoosh,xapian")
    ap.add_argument("--tolerance", type=float, default=0.02,
                    help="how far Xapian may be below Whoosh (share of Whoosh's figure)")
    a = ap.parse_args(argv)
    if a.sets is None:
        sets = [s for s in SETS.values() if s.topics.exists() and s.qrels.exists()]
    else:
        sets = [SETS[s] for s in names(a.sets, "set", SETS, "quality")]
    backends = names(a.backends, "backend", ("whoosh", "xapian"), "quality")
    systems = []
    for s in names(a.systems, "system", SYSTEMS, "quality"):
        systems += [_arsearch_column(b) for b in backends] if s == "arsearch" else [s]
    if a.work.exists() and not a.work.is_dir():
        sys.exit(f"quality: --work {a.work} is a file, not a folder")
    missing = [str(p) for s in sets for p in (s.topics, s.qrels) if not p.exists()]
    if missing or not SCORE.exists():
        sys.exit("quality: missing data (../shared or bench/adhoc):\n  " + "\n  ".join(missing))
    a.work.mkdir(parents=True, exist_ok=True)
    weights = parse_weights(a.weights) if a.weights else None
    results: dict[str, dict] = {}
    for qs in sets:
        corpus = corpus_file(qs.corpus, a.work)
        topics = read_topics(qs.topics)
        split = halves(topics)
        results[qs.name] = {}
        for system in systems:
            run = a.work / "runs" / f"{qs.name}.{system}.run"
            run.parent.mkdir(parents=True, exist_ok=True)
            extra: dict = {}
            if system.startswith("arsearch"):
                import arsearch

                backend = "xapian" if system == "arsearch-xapian" else "whoosh"
                index = build_arsearch(corpus, a.work / "indexes" / f"{system}-{qs.corpus}",
                                       a.reuse, backend)
                with arsearch.open_index(index, weights=weights) as engine:
                    extra = arsearch_run(engine, topics, run)
                for e in extra["errors"][:5]:
                    log(f"{system} error: {e}")
            elif not (a.reuse and run.exists() and run.stat().st_size):
                try:
                    reference_run(system, corpus, qs.topics, run, a.work, a.tantivy_python,
                                  a.reuse)
                except (RuntimeError, OSError) as exc:
                    log(f"{system} failed: {exc}")
                    continue
            scores = per_query(qs.qrels, run)
            results[qs.name][system] = {h: summarize(scores, q) for h, q in split.items()}
            if qs.name == "adhoc":
                extra["judged@10"] = judged_at_10(qs.qrels, run)
            results[qs.name][system].update(extra)
    print(markdown(results, systems, [a.half] if a.half else ["all", "tune", "test"]))
    if {"arsearch", "arsearch-xapian"} <= set(systems):
        verdict = within(results, a.tolerance)
        print("\n" + "\n".join(verdict["lines"]))
        results["xapian_within"] = verdict
    if a.json:
        a.json.write_text(json.dumps(results, indent=2))
    return results


def _arsearch_column(backend: str) -> str:
    return "arsearch" if backend == "whoosh" else f"arsearch-{backend}"


def within(results: dict, tolerance: float) -> dict:
    """Is Xapian within ``tolerance`` of Whoosh on nDCG@10 and MRR@10 of every set
    (all topics, and each half)?"""
    lines, ok = [f"Xapian vs Whoosh (nDCG@10, MRR@10; allowed: {tolerance:.0%} below):"], True
    for name, by in results.items():
        w, x = by.get("arsearch"), by.get("arsearch-xapian")
        if not (w and x):
            continue
        for part in ("all", "tune", "test"):
            for m in ("nDCG@10", "MRR@10"):
                a, b = w[part][m], x[part][m]
                change = (b - a) / a if a else 0.0
                good = change >= -tolerance
                ok &= good
                if part == "all" or not good:
                    lines.append(f"  {name} {part} {m}: whoosh {a:.3f} xapian {b:.3f} "
                                 f"({change:+.1%}) {'ok' if good else 'OUTSIDE'}")
    lines.append("all within" if ok else "NOT all within")
    return {"ok": ok, "lines": lines}


def markdown(results: dict, systems: list[str], parts: list[str]) -> str:
    """One row per set and half, one column per system: nDCG@10 / MRR@10 / R@100."""
    lines = ["| set | half | " + " | ".join(systems) + " |",
             "| --- | --- |" + " ---: |" * len(systems)]
    for name, by_system in results.items():
        for part in parts:
            cells = []
            for system in systems:
                s = by_system.get(system, {}).get(part)
                cells.append(" / ".join(f"{s[m]:.3f}" for m in MEASURES) if s else "–")
            n = next((by_system[s][part]["queries"] for s in systems
                      if by_system.get(s, {}).get(part)), 0)
            lines.append(f"| {name} | {part} ({n}) | " + " | ".join(cells) + " |")
    errors = {f"{n} {s}": len(r[s].get("errors", [])) for n, r in results.items()
              for s in r if s.startswith("arsearch")}
    judged = {n: r[s]["judged@10"] for n, r in results.items() for s in r
              if "judged@10" in r[s]}
    lines.append("")
    lines.append("cells: nDCG@10 / MRR@10 / R@100; arsearch errors: "
                 + ", ".join(f"{n} {e}" for n, e in errors.items()))
    if judged:
        lines.append("judged@10 (adhoc): " + ", ".join(f"{k} {v:.2f}" for k, v in
                                                      judged.items()))
    return "\n".join(lines)


def score_runs(runs: dict[str, Path], python: str = sys.executable) -> dict[str, dict]:
    """{system: {"RR@10": .., "R@100": .., ...}} of known-item runs, by the shared score.py."""
    present = {name: p for name, p in runs.items() if p.exists() and p.stat().st_size}
    if not present:
        return {}
    out = subprocess.run([python, str(SCORE), str(QRELS), *map(str, present.values())],
                         cwd=ROOT, env=python_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"score.py failed (pip install ir-measures?):\n{out.stderr[-1500:]}")
    by_path = {}
    for line in out.stdout.splitlines():
        path, _, rest = line.partition(" ")
        by_path[path] = {k: float(v) for k, v in re.findall(r"(\S+)=([\d.]+)", rest)}
    return {name: by_path.get(str(p), {}) for name, p in present.items()}


if __name__ == "__main__":
    main()
