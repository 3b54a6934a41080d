"""``arsearch eval``'s metrics agree with ir-measures (trec_eval) on random rankings."""

from __future__ import annotations

import random

import pytest

from arsearch.errors import ArsearchError
from arsearch.search.evaluate import evaluate, metrics, read_qrels, read_topics

ir_measures = pytest.importorskip("ir_measures", reason="pip install ir-measures (test extra)")

NAMES = {"nDCG@10": "nDCG@10", "MAP@10": "AP@10", "MRR@10": "RR@10", "R@100": "R@100"}


def reference(ranking: list[str], judged: dict[str, int]) -> dict[str, float]:
    from ir_measures import AP, RR, R, nDCG

    qrels = [ir_measures.Qrel("q", d, g) for d, g in judged.items()]
    run = [ir_measures.ScoredDoc("q", d, float(len(ranking) - i)) for i, d in enumerate(ranking)]
    got = ir_measures.calc_aggregate([nDCG @ 10, AP @ 10, RR @ 10, R @ 100], qrels, run)
    return {ours: got[ir_measures.parse_measure(theirs)] for ours, theirs in NAMES.items()}


@pytest.mark.parametrize("seed", range(40))
def test_metrics_equal_trec_eval_on_random_rankings(seed):
    rng = random.Random(seed)
    docs = [f"d{i}" for i in range(rng.randint(5, 150))]
    judged = {d: rng.choice([0, 0, 1, 2]) for d in rng.sample(docs, rng.randint(1, len(docs)))}
    if not any(judged.values()):
        judged[docs[0]] = 1
    ranking = rng.sample(docs, rng.randint(0, len(docs)))
    ours = metrics(ranking, judged)
    theirs = reference(ranking, judged)
    assert ours.keys() == theirs.keys()
    for name in ours:
        assert ours[name] == pytest.approx(theirs[name], abs=1e-9), name


def test_topics_without_relevant_documents_are_left_out():
    assert metrics(["a"], {"a": 0}) == {}
    scores = evaluate(lambda q: ["a", "b"], [("1", "x"), ("2", "y")],
                      {"1": {"a": 1}, "2": {"b": 0}})
    assert scores["queries"] == 1 and scores["MRR@10"] == 1.0


def test_no_judged_topic_is_an_error():
    with pytest.raises(ArsearchError):
        evaluate(lambda q: [], [("1", "x")], {"2": {"a": 1}})


def test_qrels_and_topics_files(tmp_path):
    qrels = tmp_path / "q.txt"
    qrels.write_text("1 0 a 2\n1 0 b 0\n\n2 0 c 1\n", "utf-8")
    assert read_qrels(qrels) == {"1": {"a": 2, "b": 0}, "2": {"c": 1}}
    topics = tmp_path / "t.tsv"
    topics.write_text("1\tداعش\n\n2\tإدلب\n", "utf-8")
    assert read_topics(topics) == [("1", "داعش"), ("2", "إدلب")]
    qrels.write_text("1 0 a\n", "utf-8")
    with pytest.raises(ArsearchError, match=":1:"):
        read_qrels(qrels)


@pytest.mark.parametrize("text, line, words", [
    ("1\tداعش\n2\tإدلب\n1\tسوريا\n", ":3:", "already used on line 1"),
    ("1\tداعش\n\tإدلب\n", ":2:", "qid before the tab"),
    ("1 2\tداعش\n", ":1:", "one word"),
])
def test_topics_with_a_duplicate_or_empty_qid_name_the_line(tmp_path, text, line, words):
    topics = tmp_path / "t.tsv"
    topics.write_text(text, "utf-8")
    with pytest.raises(ArsearchError, match=f"{line}.*{words}"):
        read_topics(topics)


def test_a_fractional_qrels_grade_says_grades_are_whole_numbers(tmp_path):
    qrels = tmp_path / "q.txt"
    qrels.write_text("1 0 a 1.5\n", "utf-8")
    with pytest.raises(ArsearchError, match=r":1: grade '1\.5' is not a whole number"):
        read_qrels(qrels)
