"""Tests of the ad-hoc set: the pooling tool on small real files, and the set's own files.

Run with ``python -m pytest -q bench/adhoc`` (the project's ``tests/`` suite does not
collect ``bench/``). The data-file checks need nothing but the files in this folder; the
exact-copy check also reads the shared ANT corpus and skips without it.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

from bench.adhoc import pool
from bench.corpus import ANT, read_topics

HERE = Path(pool.__file__).resolve().parent  # bench/adhoc


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(HERE / "pool.py"), *args],
                          capture_output=True, text=True)


@pytest.fixture
def small(tmp_path: Path) -> dict[str, Path]:
    """A four-article corpus (two exact copies), two topics, two runs, one judgement."""
    docs = [
        {"id": "a", "title": "هجوم بن قردان", "body": "نص أول عن الهجوم", "source": "JA",
         "date": "2016-03-07"},
        {"id": "b", "title": "نسخة", "body": "نص مكرر", "source": "SK", "date": "2018-01-01"},
        {"id": "c", "title": "نسخة", "body": "نص مكرر", "source": "FR", "date": "2018-01-02"},
        {"id": "d", "title": "أخرى", "body": "شيء آخر " * 200, "source": "BB", "date": ""},
    ]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in docs),
                      encoding="utf-8")
    return {
        "corpus": corpus,
        "topics": write(tmp_path / "topics.tsv", "adhoc-01\tبن قردان\nadhoc-02\tنسخة\n"),
        "needs": write(tmp_path / "needs.tsv", "adhoc-01\tthe attack\nadhoc-02\tcopies\n"),
        "qrels": write(tmp_path / "qrels.txt", "adhoc-02 0 b 2\n"),
        "run1": write(tmp_path / "one.run", "adhoc-01 Q0 a 1 9.5 x\nadhoc-01 Q0 d 2 1.0 x\n"
                                           "adhoc-02 Q0 b 1 3.0 x\n"),
        "run2": write(tmp_path / "two.run", "adhoc-02 Q0 c 1 7.0 y\nadhoc-02 Q0 d 2 6.0 y\n"),
    }


# -- files ---------------------------------------------------------------------------------


def test_read_run_orders_like_trec_eval_not_by_rank_column(tmp_path):
    # the rank column lies; ties on score go to the larger id first, as in trec_eval
    run = write(tmp_path / "r.run", "q Q0 a 1 1.0 t\nq Q0 b 2 5.0 t\nq Q0 c 3 5.0 t\n")
    assert pool.read_run(run) == {"q": ["c", "b", "a"]}


def test_read_run_keeps_the_first_of_a_repeated_document(tmp_path):
    run = write(tmp_path / "r.run", "q Q0 a 1 3 t\nq Q0 b 2 2 t\nq Q0 a 3 1 t\n")
    assert pool.read_run(run) == {"q": ["a", "b"]}


@pytest.mark.parametrize("line, message", [
    ("q Q0 a 1 t\n", "expected 6 columns"),
    ("q Q0 a 1 high t\n", "score must be a number"),
    ("q Q0 a 1 nan t\n", "not a number (NaN)"),
])
def test_read_run_names_the_bad_line(tmp_path, line, message):
    run = write(tmp_path / "r.run", "q Q0 ok 1 2.0 t\n" + line)
    with pytest.raises(pool.PoolError, match=re.escape(message)) as err:
        pool.read_run(run)
    assert ":2:" in str(err.value)


@pytest.mark.parametrize("text, message", [
    ("q 0 a 3\n", "grade must be one of"),
    ("q 0 a\n", "expected 4 columns"),
    ("q 0 a 1\nq 0 a 2\n", "judged twice with different grades"),
])
def test_read_qrels_rejects_what_would_corrupt_scores(tmp_path, text, message):
    with pytest.raises(pool.PoolError, match=message):
        pool.read_qrels(write(tmp_path / "q.txt", text))


def test_read_qrels_of_a_missing_file_is_empty_so_a_first_pool_can_start(tmp_path):
    assert pool.read_qrels(tmp_path / "none.txt") == {}


def test_unreadable_files_give_a_clear_error(tmp_path):
    (tmp_path / "bin.run").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(pool.PoolError, match="not UTF-8"):
        pool.read_run(tmp_path / "bin.run")
    with pytest.raises(pool.PoolError, match="is a folder"):
        pool.read_run(tmp_path)
    with pytest.raises(pool.PoolError, match="no such file"):
        pool.read_run(tmp_path / "missing.run")


# -- pooling, order, judged@k, halves -------------------------------------------------------


def test_pool_is_the_union_of_each_runs_top_k():
    runs = [{"q": ["a", "b", "c"]}, {"q": ["c", "d", "e"]}, {"r": ["x"]}]
    assert pool.pool(runs, depth=2) == {"q": {"a", "b", "c", "d"}, "r": {"x"}}


def test_unjudged_order_depends_on_neither_run_order_nor_rank():
    a = pool.unjudged(pool.pool([{"q": list("abcdef")}], 6), {"q": {"c": 1}})
    b = pool.unjudged(pool.pool([{"q": list("fedba")}, {"q": ["c"]}], 6), {})
    assert "c" not in a["q"] and set(a["q"]) == set("abdef")
    assert [d for d in b["q"] if d != "c"] == a["q"]


def test_judged_at_is_the_judged_share_of_the_top_k():
    qrels = {"q": {"a": 0, "b": 2}}
    per = pool.judged_at({"q": ["a", "x", "b", "y"], "r": []}, qrels, k=4, topics=["q", "r"])
    assert per == {"q": 0.5, "r": 1.0}  # an unanswered topic risks no unjudged document


def test_topics_split_into_odd_tuning_and_even_held_out_halves():
    assert pool.half_of("adhoc-01") == "tuning"
    assert pool.half_of("adhoc-58") == "held-out"
    with pytest.raises(pool.PoolError):
        pool.half_of("adhoc-x")


def test_score_reports_each_half_and_counts_unanswered_topics_as_zero(tmp_path):
    pytest.importorskip("ir_measures")
    qrels = {"adhoc-01": {"a": 2}, "adhoc-02": {"b": 2}}
    run = write(tmp_path / "r.run", "adhoc-01 Q0 a 1 1.0 t\n")
    out = pool.score(str(run), qrels, ["adhoc-01", "adhoc-02"])
    assert out["tuning"]["nDCG@10"] == pytest.approx(1.0)
    assert out["held-out"]["nDCG@10"] == 0.0
    assert out["all"]["nDCG@10"] == pytest.approx(0.5)


# -- command line ----------------------------------------------------------------------------


def test_unjudged_cli_shows_only_unjudged_docs_and_flags_exact_copies(small):
    out = run_cli("unjudged", str(small["run1"]), str(small["run2"]), "--qrels",
                  str(small["qrels"]), "--topics", str(small["topics"]), "--needs",
                  str(small["needs"]), "--corpus", str(small["corpus"]), "--body", "30")
    assert out.returncode == 0, out.stderr
    assert "[b]" not in out.stdout  # judged
    assert "[c] FR | 2018-01-02 | same text as b (judged 2)" in out.stdout
    assert "NEED: the attack" in out.stdout and "TITLE: هجوم بن قردان" in out.stdout
    assert "شيء آخر شيء آخر شيء آخر شيء آخ…" in out.stdout  # the body is cut at --body
    assert "4 documents to judge in 2 topics" in out.stderr


def test_twins_cli_copies_the_grade_of_an_exact_copy(small):
    out = run_cli("twins", str(small["run1"]), str(small["run2"]), "--qrels",
                  str(small["qrels"]), "--topics", str(small["topics"]), "--corpus",
                  str(small["corpus"]))
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["adhoc-02 0 c 2"]


def test_judged_cli_reports_judged_at_10(small):
    out = run_cli("judged", str(small["run2"]), "--qrels", str(small["qrels"]), "--topics",
                  str(small["topics"]))
    assert out.returncode == 0, out.stderr
    # adhoc-01: nothing retrieved (1.0); adhoc-02: c and d unjudged (0.0)
    assert "Judged@10=0.5000" in out.stdout and "adhoc-02 0.0" in out.stdout


@pytest.mark.parametrize("args, message", [
    (["judged", "missing.run"], "pool: no such file: missing.run"),
    (["judged", "RUN", "--depth", "0"], "pool: --depth must be at least 1"),
    (["unjudged", "RUN", "--body", "-1"], "pool: --body must be 0 or more"),
    (["runs", "WORK", "--systems", "bm25"], "pool: --systems takes some of"),
    (["doc", "nope", "--corpus", "CORPUS"], "pool: no article with id 'nope'"),
    (["unjudged", "STRANGER", "--topics", "TOPICS", "--corpus", "CORPUS"],
     "pool: runs hold topics not in"),
])
def test_cli_bad_input_is_one_line_and_exit_2(small, tmp_path, args, message):
    stranger = write(tmp_path / "s.run", "other-9 Q0 a 1 1.0 t\n")
    subst = {"RUN": str(small["run1"]), "WORK": str(tmp_path / "w"),
             "CORPUS": str(small["corpus"]), "TOPICS": str(small["topics"]),
             "STRANGER": str(stranger)}
    out = run_cli(*[subst.get(a, a) for a in args])
    assert out.returncode == 2
    assert out.stderr.startswith(message) and out.stderr.count("\n") == 1
    assert "Traceback" not in out.stderr
    assert not (tmp_path / "w").exists()  # nothing built for a bad request


# -- the set's own files --------------------------------------------------------------------


def test_topics_and_needs_are_numbered_and_paired():
    topics, needs = read_topics(pool.TOPICS), read_topics(pool.NEEDS)
    qids = [q for q, _ in topics]
    assert qids == [f"adhoc-{i:02d}" for i in range(1, len(qids) + 1)]
    assert 50 <= len(qids) <= 60
    assert [q for q, _ in needs] == qids
    pairs = zip(topics, needs, strict=True)
    assert all(query.strip() and need.strip() for (_, query), (_, need) in pairs)


def test_every_topic_is_judged_with_at_least_three_relevant_articles():
    qrels = pool.read_qrels(pool.QRELS)
    qids = [q for q, _ in read_topics(pool.TOPICS)]
    assert sorted(qrels) == sorted(qids)
    thin = {q: n for q in qids if (n := sum(g >= 1 for g in qrels[q].values())) < 3}
    assert not thin


def test_exact_copies_carry_the_same_grade():
    if not ANT.exists():
        pytest.skip("the shared ANT corpus is absent (../shared)")
    qrels = pool.read_qrels(pool.QRELS)
    articles = pool.load_articles({d for j in qrels.values() for d in j})
    for qid, judged in qrels.items():
        grades: dict[str, set[int]] = {}
        for d, g in judged.items():
            grades.setdefault(pool.text_key(articles[d]), set()).add(g)
        assert all(len(g) == 1 for g in grades.values()), qid
