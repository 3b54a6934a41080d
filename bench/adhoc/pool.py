"""Pool and judge the ad-hoc news set: runs of four systems, unjudged documents, judged@10.

The ad-hoc set (topics.tsv, needs.tsv, qrels.txt beside this file) is judged over the
pooled top 10 of several systems. Judgements are only as fair as the pool: a ranking
change that brings unjudged documents into its top 10 is scored as if they were not
relevant, so every new run is pooled again and its new documents judged (see README.md).

    python bench/adhoc/pool.py runs WORK [--index DIR] [--systems arsearch,lucene,...]
    python bench/adhoc/pool.py unjudged RUN [RUN ...] [--depth 10] [--body 400]
    python bench/adhoc/pool.py twins RUN [RUN ...] >> bench/adhoc/qrels.txt
    python bench/adhoc/pool.py judged RUN [RUN ...] [--depth 10]
    python bench/adhoc/pool.py score RUN [RUN ...]
    python bench/adhoc/pool.py doc DOC_ID [DOC_ID ...]

``runs`` writes the titled corpus once to ``WORK/corpus.jsonl`` and one TREC run per
system to ``WORK/runs/<system>.run`` (top 100; existing runs are kept unless
``--force``); the arsearch index is built once into ``--index`` (default
``WORK/arsearch-index``). ``unjudged`` prints, per topic, the pooled documents that
qrels.txt does not judge yet, in a shuffled order fixed by (topic, document) so the
judge sees neither the system nor the rank; ``twins`` prints ready qrels lines for the
unjudged documents that are exact copies of judged ones (same grade, by the guidelines).
``judged`` prints each run's judged@10.
``score`` prints nDCG@10, MRR@10, AP@10, R@100 and judged@10 for all topics and for each
half: odd-numbered topics are the tuning half, even-numbered ones the held-out half.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

if __package__ in (None, ""):  # `python bench/adhoc/pool.py`: make `bench` importable
    sys.path[:0] = [str(Path(__file__).resolve().parents[2]),
                    str(Path(__file__).resolve().parents[2] / "src")]

from bench.corpus import ANT, iter_records, read_topics  # noqa: E402
from bench.measure import ROOT, python_env  # noqa: E402

HERE = Path(__file__).resolve().parent
TOPICS = HERE / "topics.tsv"
NEEDS = HERE / "needs.tsv"
QRELS = HERE / "qrels.txt"
SYSTEMS = ("arsearch", "lucene", "tantivy", "whoosh")
DEPTH = 10
GRADES = (0, 1, 2)

Run = dict[str, list[str]]  # qid -> document ids, best first
Qrels = dict[str, dict[str, int]]  # qid -> {docid: grade}


class PoolError(Exception):
    """A bad input file or argument: the CLI prints it on one line and exits 2."""


# -- files -------------------------------------------------------------------------------


def read_run(path: str | Path) -> Run:
    """A TREC run (``qid Q0 docid rank score tag``) as ranked ids per topic.

    Ordered as trec_eval and ir-measures order it for scoring (score descending, ties by
    document id descending; the rank column is ignored), so the pool and judged@10 see
    exactly the top 10 that will be scored.
    """
    rows: dict[str, list[tuple[float, str]]] = {}
    for lineno, parts in _rows(path):
        if len(parts) != 6:
            raise PoolError(f"{path}:{lineno}: expected 6 columns "
                            f"(qid Q0 docid rank score tag), got {len(parts)}")
        qid, _, docid, _, score, _ = parts
        try:
            value = float(score)
        except ValueError:
            raise PoolError(f"{path}:{lineno}: the score must be a number") from None
        if value != value:  # NaN cannot be ordered
            raise PoolError(f"{path}:{lineno}: the score is not a number (NaN)")
        rows.setdefault(qid, []).append((value, docid))
    run: Run = {}
    for qid, scored in rows.items():
        scored.sort(key=lambda r: r[1], reverse=True)
        scored.sort(key=lambda r: r[0], reverse=True)  # stable: ties stay by id, descending
        seen: set[str] = set()
        run[qid] = [d for _, d in scored if not (d in seen or seen.add(d))]
    return run


def read_qrels(path: str | Path = QRELS) -> Qrels:
    """TREC qrels (``qid 0 docid grade``); a missing file is an empty set of judgements."""
    qrels: Qrels = {}
    if not Path(path).exists():
        return qrels
    for lineno, parts in _rows(path):
        if len(parts) != 4:
            raise PoolError(f"{path}:{lineno}: expected 4 columns (qid 0 docid grade), "
                            f"got {len(parts)}")
        qid, _, docid, grade = parts
        if grade not in {str(g) for g in GRADES}:
            raise PoolError(f"{path}:{lineno}: grade must be one of {GRADES}, got {grade!r}")
        judged = qrels.setdefault(qid, {})
        if docid in judged and judged[docid] != int(grade):
            raise PoolError(f"{path}:{lineno}: {qid} {docid} judged twice with different "
                            "grades")
        judged[docid] = int(grade)
    return qrels


def _rows(path: str | Path) -> Iterable[tuple[int, list[str]]]:
    """Whitespace-split non-blank lines with their numbers; clear errors for bad files."""
    try:
        with open(path, encoding="utf-8-sig") as f:  # a BOM must not hide a topic id
            for lineno, line in enumerate(f, 1):
                if line.strip():
                    yield lineno, line.split()
    except FileNotFoundError:
        raise PoolError(f"no such file: {path}") from None
    except IsADirectoryError:
        raise PoolError(f"{path} is a folder, not a file") from None
    except UnicodeDecodeError:
        raise PoolError(f"{path} is not UTF-8 text") from None


def load_topics(path: Path = TOPICS) -> list[tuple[str, str]]:
    """(qid, query) pairs, with a clear error when the file is missing."""
    if not path.is_file():
        raise PoolError(f"no such topics file: {path}")
    return read_topics(path)


# -- pooling and judged@k ---------------------------------------------------------------


def pool(runs: Iterable[Run], depth: int = DEPTH) -> dict[str, set[str]]:
    """The union of every run's top ``depth`` documents, per topic."""
    pooled: dict[str, set[str]] = {}
    for run in runs:
        for qid, ranked in run.items():
            pooled.setdefault(qid, set()).update(ranked[:depth])
    return pooled


def shuffled(qid: str, docids: Iterable[str]) -> list[str]:
    """A fixed order that reveals neither system nor rank: sorted by a hash of (qid, id)."""
    return sorted(docids, key=lambda d: hashlib.sha1(f"{qid}\t{d}".encode()).hexdigest())


def unjudged(pooled: dict[str, set[str]], qrels: Qrels) -> dict[str, list[str]]:
    """Per topic, the pooled documents without a judgement, in :func:`shuffled` order."""
    return {qid: shuffled(qid, docs - qrels.get(qid, {}).keys())
            for qid, docs in pooled.items()}


def judged_at(run: Run, qrels: Qrels, k: int = DEPTH,
              topics: Iterable[str] | None = None) -> dict[str, float]:
    """Per topic, the fraction of the run's top ``k`` that is judged.

    Topics are those of ``topics`` (default: the judged ones); a topic the run leaves
    empty counts as fully judged (nothing unjudged could be scored), so the figure
    measures only the risk of scoring unjudged documents as non-relevant.
    """
    out = {}
    for qid in topics if topics is not None else qrels:
        top = run.get(qid, [])[:k]
        judged = qrels.get(qid, {})
        out[qid] = sum(d in judged for d in top) / len(top) if top else 1.0
    return out


def half_of(qid: str) -> str:
    """``tuning`` for odd-numbered topics (adhoc-01, -03...), ``held-out`` for even ones.

    Ranking changes are tuned on one half and reported on the other, so the held-out
    figure is not flattered by choices made while looking at it.
    """
    digits = "".join(c for c in qid.rsplit("-", 1)[-1] if c.isdigit())
    if not digits:
        raise PoolError(f"topic id {qid!r} has no number: cannot assign it to a half")
    return "tuning" if int(digits) % 2 else "held-out"


def score(run_path: str, qrels: Qrels, topics: list[str]) -> dict[str, dict[str, float]]:
    """{"all"|"tuning"|"held-out": {measure: mean}} of one run (needs ``ir-measures``)."""
    try:
        import ir_measures
        from ir_measures import AP, RR, R, nDCG
    except ImportError:
        raise PoolError("scoring needs ir-measures: pip install -e '.[bench]'") from None
    run = read_run(run_path)  # validates the file before ir-measures reads it
    qrel_rows = [ir_measures.Qrel(q, d, g) for q, judged in qrels.items()
                 for d, g in judged.items()]
    run_rows = list(ir_measures.read_trec_run(str(run_path)))
    measures = [nDCG @ 10, RR @ 10, AP @ 10, R @ 100]
    per = {q: {} for q in topics}
    for m in ir_measures.iter_calc(measures, qrel_rows, run_rows):
        if m.query_id in per:
            per[m.query_id][str(m.measure)] = m.value
    judged = judged_at(run, qrels, DEPTH, topics)
    out = {}
    for name in ("all", "tuning", "held-out"):
        qs = [q for q in topics if name == "all" or half_of(q) == name]
        # a topic the run does not answer scores 0 (ir-measures leaves it out)
        out[name] = {str(m): sum(per[q].get(str(m), 0.0) for q in qs) / len(qs)
                     for m in measures} | {"Judged@10": sum(judged[q] for q in qs) / len(qs)}
        out[name]["topics"] = len(qs)
    return out


# -- building the runs ------------------------------------------------------------------


def log(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def write_titled_corpus(dst: Path) -> int:
    """The ANT articles *with* their titles as uncompressed JSONL (what the anchors read)."""
    n = 0
    tmp = dst.with_suffix(".part")
    with open(tmp, "w", encoding="utf-8") as out:
        for r in iter_records(ANT):
            out.write(json.dumps({k: r.get(k) for k in
                                  ("id", "title", "body", "date", "source", "category", "url")},
                                 ensure_ascii=False) + "\n")
            n += 1
    tmp.replace(dst)
    return n


def commit() -> str:
    """The project commit the arsearch run was made with (``+dirty`` if uncommitted)."""
    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout
    head = git("rev-parse", "--short=12", "HEAD").strip() or "unknown"
    return head + ("+dirty" if git("status", "--porcelain", "--", "src").strip() else "")


def arsearch_run(corpus: Path, index: Path, topics: Path, run: Path, rebuild: bool) -> dict:
    """Build the index once (or again with ``rebuild``), then top-100 ``ranked_ids``."""
    from arsearch.errors import ArsearchError

    try:
        return _arsearch_run(corpus, index, topics, run, rebuild)
    except ArsearchError as exc:  # an unwritable or damaged index folder...
        raise PoolError(f"arsearch: {exc}") from None


def _arsearch_run(corpus: Path, index: Path, topics: Path, run: Path, rebuild: bool) -> dict:
    from arsearch.indexing import index_paths
    from arsearch.search.engine import Engine

    info: dict = {"index": str(index)}
    if rebuild or not (index / "arsearch.json").exists():
        log(f"arsearch: indexing {corpus} into {index}")
        t = time.perf_counter()
        report = index_paths(index, [corpus], rebuild=True, procs=2)
        info.update(build_s=round(time.perf_counter() - t, 1), documents=report.documents)
    failures = []
    with Engine(index) as engine, open(run, "w", encoding="utf-8") as out:
        info["documents"] = engine.doc_count
        for qid, query in load_topics(topics):
            try:
                ranked = engine.ranked_ids(query, 100)
            except Exception as exc:  # pool the other topics, report this one
                failures.append(qid)
                log(f"arsearch: {qid} failed: {type(exc).__name__}: {exc}")
                continue
            out.writelines(f"{qid} Q0 {d} {r} {s:.8g} arsearch\n"
                           for r, (d, s) in enumerate(ranked, 1))
    info["failed_topics"] = failures
    return info


def whoosh_run(corpus: Path, work: Path, topics: Path, run: Path) -> dict:
    """The plain-Whoosh baseline of ``bench/plain_whoosh.py``, in its own processes."""
    index = work / "whoosh-index"
    for args in (["build", str(corpus), str(index)],
                 ["search", str(index), str(topics), str(run), "--passes", "1"]):
        proc = subprocess.run([sys.executable, "-m", "bench.plain_whoosh", *args], cwd=ROOT,
                              env=python_env(), capture_output=True, text=True)
        if proc.returncode != 0:
            raise PoolError(f"plain Whoosh {args[0]} failed: {proc.stderr.strip()[-500:]}")
    return {}


def make_runs(work: Path, systems: list[str], topics: Path, index: Path | None,
              force: bool, rebuild: bool) -> dict[str, Path]:
    """Every requested system's run in ``work/runs`` (kept when present, unless ``force``)."""
    from bench import anchors

    work.mkdir(parents=True, exist_ok=True)
    (work / "runs").mkdir(exist_ok=True)
    corpus = work / "corpus.jsonl"
    if not corpus.exists():
        log(f"writing the titled corpus to {corpus}")
        log(f"  {write_titled_corpus(corpus)} articles")
    manifest_path = work / "runs" / "manifest.json"
    manifest = json.loads(manifest_path.read_text()) if manifest_path.exists() else {}
    runs = {}
    for system in systems:
        run = work / "runs" / f"{system}.run"
        runs[system] = run
        if run.exists() and run.stat().st_size and not force:
            log(f"{system}: keeping {run}")
            continue
        log(f"{system}: running")
        t = time.perf_counter()
        if system == "arsearch":
            info = arsearch_run(corpus, index or work / "arsearch-index", topics, run, rebuild)
            info["commit"] = commit()
        elif system == "lucene":
            info = anchors.lucene(corpus, topics, run)
        elif system == "tantivy":
            info = anchors.tantivy(sys.executable, corpus, topics, run)
        else:
            info = whoosh_run(corpus, work, topics, run)
        manifest[system] = {**info, "wall_s": round(time.perf_counter() - t, 1),
                            "made": time.strftime("%Y-%m-%d %H:%M"), "run": str(run)}
        manifest_path.write_text(json.dumps(manifest, indent=1))
        log(f"{system}: {run} ({manifest[system]['wall_s']} s)")
    return runs


# -- showing documents to the judge -----------------------------------------------------


def load_articles(ids: set[str], corpus: Path = ANT) -> dict[str, dict]:
    """The records of ``ids`` (one pass over the corpus)."""
    return {r["id"]: r for r in iter_records(corpus) if r["id"] in ids}


def text_key(record: dict) -> str:
    """Identical title and body (the corpus holds ~1,500 verbatim copies under other ids)."""
    return hashlib.sha1(((record.get("title") or "").strip() + "\n" +
                         (record.get("body") or "").strip()).encode()).hexdigest()


def render(record: dict, body_chars: int, twins: list[str]) -> str:
    """One document as the judge reads it: id, source, date, title, the start of the body."""
    body = " ".join((record.get("body") or "").split())
    lead = body[:body_chars] + ("…" if len(body) > body_chars else "")
    head = f"[{record['id']}] {record.get('source') or '?'} | {record.get('date') or '?'}"
    if twins:
        head += f" | same text as {', '.join(twins)}"
    return "\n".join([head, f"  TITLE: {(record.get('title') or '').strip()}",
                      textwrap.indent(textwrap.fill(lead, 110), "  ")])


@dataclass
class Pending:
    """The pooled documents still to judge, with their records and judged exact copies."""

    topics: dict[str, str]  # qid -> query, topic file order
    todo: dict[str, list[str]]  # qid -> unjudged pooled ids, shuffled
    articles: dict[str, dict]  # id -> record
    qrels: Qrels
    copies: dict[str, list[str]]  # text key -> ids with that exact title and body

    def twins(self, qid: str, doc_id: str) -> list[str]:
        """Other ids with exactly the same title and body (the corpus repeats ~1,500)."""
        if doc_id not in self.articles:
            return []
        return [t for t in sorted(self.copies[text_key(self.articles[doc_id])]) if t != doc_id]

    def twin_grades(self, qid: str, doc_id: str) -> set[int]:
        """The grades this topic already gives to exact copies of ``doc_id``."""
        judged = self.qrels.get(qid, {})
        return {judged[t] for t in self.twins(qid, doc_id) if t in judged}


def pending(run_paths: list[str], depth: int, qrels_path: Path, topics_path: Path,
            corpus: Path) -> Pending:
    """Pool the runs, drop what qrels judges, and load the articles left to judge."""
    runs = [read_run(p) for p in run_paths]
    qrels = read_qrels(qrels_path)
    topics = dict(load_topics(topics_path))
    todo = unjudged(pool(runs, depth), qrels)
    strangers = sorted(set(todo) - set(topics))
    if strangers:
        raise PoolError(f"runs hold topics not in {topics_path}: {', '.join(strangers[:5])}")
    wanted = {d for docs in todo.values() for d in docs}
    judged_ids = {d for j in qrels.values() for d in j}
    articles = load_articles(wanted | judged_ids, corpus)
    copies: dict[str, list[str]] = {}
    for a in articles.values():
        copies.setdefault(text_key(a), []).append(a["id"])
    return Pending(topics, todo, articles, qrels, copies)


def show_unjudged(p: Pending, needs_path: Path, body_chars: int) -> int:
    """Print the unjudged pooled documents per topic; returns how many there are."""
    needs = dict(read_topics(needs_path)) if needs_path.is_file() else {}
    total = 0
    for qid in p.topics:  # topic file order
        docs = p.todo.get(qid, [])
        if not docs:
            continue
        print(f"\n======== {qid}  {p.topics[qid]}\nNEED: {needs.get(qid, '?')}\n"
              f"({len(docs)} to judge)")
        for d in docs:
            if d not in p.articles:
                print(f"[{d}] not in the corpus: judge it 0 or fix the run")
                continue
            judged = p.qrels.get(qid, {})
            twins = [t + (f" (judged {judged[t]})" if t in judged else "")
                     for t in p.twins(qid, d)]
            print(render(p.articles[d], body_chars, twins))
            total += 1
    print(f"\n{total} documents to judge in {sum(bool(v) for v in p.todo.values())} topics",
          file=sys.stderr)
    return total


def twin_judgements(p: Pending) -> list[str]:
    """qrels lines for unjudged documents whose exact copies this topic already judges.

    The guidelines give an exact copy its twin's grade, so these need no reading; copies
    judged differently (a mistake to fix by hand) are reported and left out.
    """
    lines = []
    for qid in p.topics:
        for d in p.todo.get(qid, []):
            grades = p.twin_grades(qid, d)
            if len(grades) == 1:
                lines.append(f"{qid} 0 {d} {grades.pop()}")
            elif grades:
                print(f"pool: {qid} {d}: its exact copies are judged {sorted(grades)}, "
                      "judge it by hand", file=sys.stderr)
    return lines


# -- command line -----------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("runs", help="build the four systems' runs on the titled corpus")
    r.add_argument("work", type=Path, help="folder for the corpus copy, indexes and runs")
    r.add_argument("--index", type=Path, help="arsearch index folder (built once)")
    r.add_argument("--systems", default=",".join(SYSTEMS))
    r.add_argument("--topics", type=Path, default=TOPICS)
    r.add_argument("--force", action="store_true", help="redo runs that exist")
    r.add_argument("--rebuild", action="store_true", help="rebuild the arsearch index")
    u = sub.add_parser("unjudged", help="pooled documents not yet in qrels, per topic")
    t = sub.add_parser("twins", help="qrels lines for unjudged exact copies of judged ones")
    t.add_argument("--corpus", type=Path, default=ANT)
    j = sub.add_parser("judged", help="judged@k of each run")
    for p in (u, t, j):
        p.add_argument("runs", nargs="+", help="TREC run files (any number of systems)")
        p.add_argument("--depth", type=int, default=DEPTH)
        p.add_argument("--qrels", type=Path, default=QRELS)
        p.add_argument("--topics", type=Path, default=TOPICS)
    u.add_argument("--needs", type=Path, default=NEEDS)
    u.add_argument("--body", type=int, default=400, help="characters of body shown")
    u.add_argument("--corpus", type=Path, default=ANT)
    s = sub.add_parser("score", help="nDCG@10, MRR@10... on all topics and on each half")
    s.add_argument("runs", nargs="+")
    s.add_argument("--qrels", type=Path, default=QRELS)
    s.add_argument("--topics", type=Path, default=TOPICS)
    d = sub.add_parser("doc", help="print whole articles (when the lead is ambiguous)")
    d.add_argument("ids", nargs="+")
    d.add_argument("--corpus", type=Path, default=ANT)
    a = ap.parse_args(argv)
    try:
        return _dispatch(a)
    except PoolError as exc:
        print(f"pool: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:  # `pool.py ... | head`: the reader has gone, stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except OSError as exc:  # an unwritable work folder, a full disk...
        where = f" ({exc.filename})" if exc.filename else ""
        print(f"pool: {exc.strerror or exc}{where}", file=sys.stderr)
        return 1
    except RuntimeError as exc:  # a failed anchor step (its stderr's tail is in the message)
        print(f"pool: {str(exc).strip().splitlines()[0] if str(exc).strip() else exc!r}",
              file=sys.stderr)
        return 1


def _dispatch(a: argparse.Namespace) -> int:
    if getattr(a, "depth", 1) < 1:
        raise PoolError("--depth must be at least 1")
    if a.cmd == "runs":
        systems = [s.strip() for s in a.systems.split(",") if s.strip()]
        unknown = set(systems) - set(SYSTEMS)
        if unknown or not systems:
            raise PoolError(f"--systems takes some of {', '.join(SYSTEMS)}")
        load_topics(a.topics)
        for system, path in make_runs(a.work, systems, a.topics, a.index, a.force,
                                      a.rebuild).items():
            print(f"{system}\t{path}")
    elif a.cmd == "unjudged":
        if a.body < 0:
            raise PoolError("--body must be 0 or more")
        show_unjudged(pending(a.runs, a.depth, a.qrels, a.topics, a.corpus), a.needs, a.body)
    elif a.cmd == "twins":
        for line in twin_judgements(pending(a.runs, a.depth, a.qrels, a.topics, a.corpus)):
            print(line)
    elif a.cmd == "judged":
        qrels = read_qrels(a.qrels)
        topics = [q for q, _ in load_topics(a.topics)]
        for path in a.runs:
            per = judged_at(read_run(path), qrels, a.depth, topics)
            low = sorted((v, q) for q, v in per.items() if v < 1)
            worst = ", ".join(f"{q} {v:.1f}" for v, q in low[:5])
            print(f"{path}\tJudged@{a.depth}={sum(per.values()) / len(per):.4f}"
                  f"\ttopics below 1: {len(low)}" + (f" ({worst})" if low else ""))
    elif a.cmd == "score":
        qrels = read_qrels(a.qrels)
        topics = [q for q, _ in load_topics(a.topics) if q in qrels]
        if not topics:
            raise PoolError(f"no topic of {a.topics} is judged in {a.qrels}")
        table = {path: score(path, qrels, topics) for path in a.runs}  # fail before printing
        print("run\thalf\ttopics\tnDCG@10\tMRR@10\tAP@10\tR@100\tJudged@10")
        for path, halves in table.items():
            for name, m in halves.items():
                print(f"{path}\t{name}\t{m['topics']}\t{m['nDCG@10']:.4f}\t{m['RR@10']:.4f}"
                      f"\t{m['AP@10']:.4f}\t{m['R@100']:.4f}\t{m['Judged@10']:.4f}")
    else:
        found = load_articles(set(a.ids), a.corpus)
        for doc_id in a.ids:
            if doc_id not in found:
                raise PoolError(f"no article with id {doc_id!r} in {a.corpus}")
            rec = found[doc_id]
            print(f"[{doc_id}] {rec.get('source')} | {rec.get('date')} | {rec.get('url')}\n"
                  f"TITLE: {rec.get('title')}\n{rec.get('body')}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
