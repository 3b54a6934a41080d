"""Retrieval metrics for ``arsearch eval``: judge a ranking against your own qrels.

The usual TREC measures at the usual cut-offs (nDCG@10, MAP@10, MRR@10, R@100), with
the same definitions as ``ir-measures``/trec_eval, so figures compare with published
ones. Kept dependency-free: a newsroom's own judgements are a few hundred lines.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from pathlib import Path

from arsearch.errors import ArsearchError


def read_qrels(path: str | Path) -> dict[str, dict[str, int]]:
    """TREC qrels ``qid 0 docid grade`` -> {qid: {docid: grade}}."""
    qrels: dict[str, dict[str, int]] = {}
    for n, line in _lines(path):
        parts = line.split()
        if not parts:
            continue
        if len(parts) != 4:
            raise ArsearchError(f"{path}:{n}: expected 'qid 0 docid grade'")
        try:
            grade = int(parts[3])
        except ValueError:
            raise ArsearchError(f"{path}:{n}: grade {parts[3]!r:.40} is not a whole number "
                                "(TREC grades are 0, 1, 2...)") from None
        qrels.setdefault(parts[0], {})[parts[2]] = grade
    return qrels


def read_topics(path: str | Path) -> list[tuple[str, str]]:
    """``qid<TAB>query`` lines.

    A qid must be given and unique: a run with a qid twice ranks that topic twice and
    its evaluation counts it twice, so the line is named rather than accepted.
    """
    topics = []
    seen: dict[str, int] = {}
    for n, line in _lines(path):
        line = line.rstrip("\r\n")
        if not line.strip():
            continue
        qid, sep, text = line.partition("\t")
        if not sep:
            raise ArsearchError(f"{path}:{n}: expected qid<TAB>query")
        qid = qid.strip()
        if not qid or len(qid.split()) != 1:
            raise ArsearchError(f"{path}:{n}: the qid before the tab must be one word "
                                f"(got {qid!r:.40})")
        if qid in seen:
            raise ArsearchError(f"{path}:{n}: qid {qid!r:.40} already used on line "
                                f"{seen[qid]}")
        seen[qid] = n
        topics.append((qid, text))
    return topics


def _lines(path: str | Path) -> Iterator[tuple[int, str]]:
    """Numbered lines of a UTF-8 text file (a BOM, as Windows editors write, is dropped).

    Raises ArsearchError naming the first line that is not UTF-8, rather than letting
    UnicodeDecodeError reach the user as a traceback.
    """
    with open(path, "rb") as f:
        for n, raw in enumerate(f, 1):
            try:
                yield n, raw.decode("utf-8-sig" if n == 1 else "utf-8")
            except UnicodeDecodeError:
                raise ArsearchError(f"{path}:{n}: not UTF-8 text (save the file as UTF-8)"
                                    ) from None


def metrics(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    """nDCG@10, AP@10, RR@10 and R@100 of one ranked list (trec_eval's linear gains)."""
    relevant = {d for d, g in judged.items() if g > 0}
    if not relevant:
        return {}
    dcg = sum(judged.get(d, 0) / math.log2(i + 2)
              for i, d in enumerate(ranking[:10]) if judged.get(d, 0) > 0)
    ideal = sorted((g for g in judged.values() if g > 0), reverse=True)[:10]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    hits, ap, rr = 0, 0.0, 0.0
    for i, d in enumerate(ranking[:10]):
        if d in relevant:
            hits += 1
            ap += hits / (i + 1)
            rr = rr or 1.0 / (i + 1)
    return {
        "nDCG@10": dcg / idcg if idcg else 0.0,
        "MAP@10": ap / len(relevant),
        "MRR@10": rr,
        "R@100": len(relevant & set(ranking[:100])) / len(relevant),
    }


def evaluate(search: Callable[[str], list[str]], topics: list[tuple[str, str]],
             qrels: dict[str, dict[str, int]]) -> dict[str, float]:
    """Mean of each metric over the judged topics (unjudged topics are ignored)."""
    totals: dict[str, float] = {}
    n = 0
    for qid, text in topics:
        if qid not in qrels:
            continue
        scores = metrics(search(text), qrels[qid])
        if not scores:
            continue
        n += 1
        for k, v in scores.items():
            totals[k] = totals.get(k, 0.0) + v
    if not n:
        raise ArsearchError("no topic has a judgement in the qrels file")
    return {k: v / n for k, v in totals.items()} | {"queries": n}
