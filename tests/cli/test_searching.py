"""``arsearch search`` (and its batch mode), ``explain``: what a query prints."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from arsearch.cli import main
from tests.cli.support import json_ids


def test_search_prints_results(runner, built):
    result = runner.invoke(main, ["search", "داعش إدلب", "--index", str(built)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith("5 results")
    assert "1. رغم دعم النظام.. نهاية \"[داعش]\" في ريف [إدلب]" in result.stdout
    assert "seed/000_f4303bb32ac63e1e.txt" in result.stdout


def test_search_json(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--json", "--limit", "2",
                                  "--index", str(built)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["total"] > 2 and len(data["hits"]) == 2
    assert {"id", "title", "score", "snippet_html"} <= set(data["hits"][0])
    assert data["hits"][0]["score"] >= data["hits"][1]["score"]


def test_search_filters(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--json", "--from", "2019-01-01",
                                  "--to", "2019-12-31", "--index", str(built)])
    data = json.loads(result.stdout)
    assert [h["id"] for h in data["hits"]] == ["txt/01_idlib_politics.txt"]
    result = runner.invoke(main, ["search", "وقال", "--json", "--source", "العربية",
                                  "--limit", "100", "--index", str(built)])
    data = json.loads(result.stdout)
    assert data["total"] > 1 and {h["source"] for h in data["hits"]} == {"العربية"}
    bad = runner.invoke(main, ["search", "x", "--from", "yesterday", "--index", str(built)])
    assert bad.exit_code == 2 and "--from" in bad.stderr


def test_search_batch_trec_run(runner, built, tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tداعش إدلب\nq2\tمحمد صلاح ليفربول\n\n", "utf-8")
    run = tmp_path / "run.txt"
    result = runner.invoke(main, ["search", "--topics", str(topics), "--output", str(run),
                                  "--limit", "3", "--index", str(built)])
    assert result.exit_code == 0, result.output
    lines = [line.split() for line in run.read_text("utf-8").splitlines()]
    assert lines and all(len(p) == 6 and p[1] == "Q0" and p[5] == "arsearch" for p in lines)
    q1 = [p for p in lines if p[0] == "q1"]
    assert [int(p[3]) for p in q1] == [1, 2, 3]
    assert q1[0][2] == "seed/000_f4303bb32ac63e1e.txt"
    assert [p[2] for p in lines if p[0] == "q2"][0] == "SAMPLE-sport-10-20200821"
    scores = [float(p[4]) for p in q1]
    assert scores == sorted(scores, reverse=True)


def test_search_topics_needs_output(runner, built, tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tإدلب\n", "utf-8")
    result = runner.invoke(main, ["search", "--topics", str(topics), "--index", str(built)])
    assert result.exit_code == 2


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """260 articles holding one word, for results beyond one engine page."""
    import arsearch
    from arsearch.ingest import Document

    folder = tmp_path_factory.mktemp("many")
    arsearch.index_documents(folder, [
        Document(id=f"m{i:03}", title=f"خبر {i}", body="اقتصاد " * (1 + i % 7) + f"رقم{i}")
        for i in range(260)])
    return folder


def test_limit_above_one_engine_page_delivers_what_is_asked(runner, many):
    import arsearch

    with arsearch.open_index(many) as engine:
        ranked = [i for i, _ in engine.ranked_ids("اقتصاد", 300)]
    assert len(ranked) == 260
    first = runner.invoke(main, ["search", "اقتصاد", "-n", "150", "--json", "--index",
                                 str(many)])
    assert json_ids(first) == ranked[:150]
    data = json.loads(first.stdout)
    assert (data["page"], data["per_page"], data["total"]) == (1, 150, 260)
    second = runner.invoke(main, ["search", "اقتصاد", "-n", "150", "--page", "2", "--json",
                                  "--index", str(many)])
    assert json_ids(second) == ranked[150:]
    text = runner.invoke(main, ["search", "اقتصاد", "-n", "1000", "--index", str(many)])
    assert "\n260. " in text.stdout
    over = runner.invoke(main, ["search", "اقتصاد", "-n", "1001", "--index", str(many)])
    assert over.exit_code == 2


def test_query_without_words_is_listed_newest_first_and_says_so(runner, built):
    result = runner.invoke(main, ["search", "في", "--index", str(built)])
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == "no word to rank by: newest first"
    data = json.loads(runner.invoke(main, ["search", "date:2019", "--json", "--index",
                                           str(built)]).stdout)
    assert data["sorted_by"] == "date"
    dates = [h["date"] for h in data["hits"]]
    assert dates == sorted(dates, reverse=True)


def test_topics_without_words_are_reported_and_left_out(runner, built, tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_text("q1\tإدلب\n\nq2\t\nq3\tفي من\nq4\t   \n", "utf-8")
    run = tmp_path / "run.txt"
    result = runner.invoke(main, ["search", "--topics", str(topics), "--output", str(run),
                                  "--limit", "3", "--index", str(built)])
    assert result.exit_code == 3
    assert "skipped: topic 'q2': empty query" in result.stderr
    assert "skipped: topic 'q3': no word to search" in result.stderr
    assert "skipped: topic 'q4': empty query" in result.stderr
    assert {line.split()[0] for line in run.read_text("utf-8").splitlines()} == {"q1"}


def test_topics_file_that_is_not_utf8_is_a_one_line_error(runner, built, tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_bytes(b"q1\t\xff\xfe\n")
    result = runner.invoke(main, ["search", "--topics", str(topics), "--output",
                                  str(tmp_path / "run"), "--index", str(built)])
    assert result.exit_code == 1
    assert result.stderr == f"error: {topics}:1: not UTF-8 text (save the file as UTF-8)\n"


def test_topics_file_with_a_bom_and_crlf_keeps_its_ids(runner, built, tmp_path):
    topics = tmp_path / "topics.tsv"
    topics.write_bytes("\ufeffq1\tإدلب\r\nq2\tداعش\r\n".encode())
    run = tmp_path / "run"
    result = runner.invoke(main, ["search", "--topics", str(topics), "--output", str(run),
                                  "--index", str(built)])
    assert result.exit_code == 0, result.output
    assert {line.split()[0] for line in run.read_text("utf-8").splitlines()} == {"q1", "q2"}


def test_date_options_with_a_time_zone(runner, built):
    result = runner.invoke(main, ["search", "إدلب date:2019", "--from",
                                  "2018-02-15T10:00+05:00", "--json", "--index", str(built)])
    assert json_ids(result) == ["txt/01_idlib_politics.txt"]


def test_blank_source_or_category_is_no_filter(runner, built):
    plain = runner.invoke(main, ["search", "إدلب", "--json", "--index", str(built)])
    blank = runner.invoke(main, ["search", "إدلب", "--json", "--source", " ", "--category", "",
                                 "--index", str(built)])
    assert json_ids(blank) == json_ids(plain) != []


def test_explain_json_score_equals_the_search_json_score(runner, built):
    query = "داعش إدلب"
    found = json.loads(runner.invoke(main, ["search", query, "--json", "--index",
                                            str(built)]).stdout)
    for rank, hit in enumerate(found["hits"], 1):
        result = runner.invoke(main, ["explain", query, hit["id"], "--json", "--index",
                                      str(built)])
        assert result.exit_code == 0, result.output
        x = json.loads(result.stdout)
        assert x["score"] == hit["score"] and x["rank"] == rank
        assert sum(p["score"] for p in x["parts"]) == pytest.approx(x["score"], abs=1e-3)


def test_explain_text_lists_each_part(runner, built):
    result = runner.invoke(main, ["explain", "داعش إدلب", "seed/000_f4303bb32ac63e1e.txt",
                                  "--index", str(built)])
    assert result.exit_code == 0, result.output
    first, *parts = result.stdout.splitlines()
    assert "rank 1 of" in first
    assert any("stem" in p and "داعش" in p for p in parts)
    assert any("synonym" in p for p in parts)  # تنظيم الدولة and friends


def test_explain_unknown_document_is_one_line_exit_1(runner, built):
    result = runner.invoke(main, ["explain", "داعش", "no/such/doc", "--index", str(built)])
    assert result.exit_code == 1
    assert result.stderr.strip().splitlines() == ["error: no document with id 'no/such/doc'"]


def test_search_level_widens_to_the_root_and_is_checked(runner, built):
    """--level root finds the words of the root (الكتاب for كتب), which the stem does not;
    an unknown level is click's usage error (exit 2), not a search."""
    def ids(level: str) -> set[str]:
        return set(json_ids(runner.invoke(main, ["search", "كتب", "--level", level,
                                                 "--json", "--limit", "50",
                                                 "--index", str(built)])))

    stem, root = ids("stem"), ids("root")
    assert stem < root  # more words of the root: more documents
    bad = runner.invoke(main, ["search", "كتب", "--level", "bogus", "--index", str(built)])
    assert bad.exit_code == 2 and "bogus" in bad.output


def test_search_format_csv_and_jsonl_hold_the_same_rows(runner, built):
    import csv
    import io

    args = ["search", "إدلب", "--limit", "150", "--index", str(built)]
    as_csv = runner.invoke(main, [*args, "--format", "csv"])
    as_jsonl = runner.invoke(main, [*args, "--format", "jsonl"])
    as_json = json.loads(runner.invoke(main, [*args, "--format", "json"]).stdout)
    assert as_csv.exit_code == as_jsonl.exit_code == 0, (as_csv.output, as_csv.exception)
    table = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    lines = [json.loads(line) for line in as_jsonl.stdout.splitlines()]
    assert [r["id"] for r in table] == [r["id"] for r in lines] == \
        [h["id"] for h in as_json["hits"]] != []
    assert [int(r["rank"]) for r in table] == list(range(1, len(table) + 1))
    seed = next(r for r in lines if r["id"] == "seed/000_f4303bb32ac63e1e.txt")
    assert seed["date_hijri"] == "1439-05-29" and seed["title"].startswith("رغم دعم")


def test_search_format_and_json_must_agree(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--json", "--format", "csv",
                                  "--index", str(built)])
    assert result.exit_code == 2 and "--json" in result.stderr
    bad = runner.invoke(main, ["search", "إدلب", "--format", "xml", "--index", str(built)])
    assert bad.exit_code == 2 and "xml" in bad.stderr


def test_page_past_the_end_says_so_and_exits_0(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--page", "99999", "--index", str(built)])
    assert result.exit_code == 0, result.output
    assert "page 99999 is beyond the results (last page: 1)" in result.stderr


def test_from_after_to_is_the_webs_error_and_a_usage_error(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--from", "2019-01-01", "--to",
                                  "2018-01-01", "--index", str(built)])
    assert result.exit_code == 2
    assert "from (2019-01-01) is after to (2018-01-01)" in result.stderr


def test_eval_with_a_fractional_grade_is_one_line_exit_1(runner, built, tmp_path):
    (tmp_path / "q.txt").write_text("1 0 a 1.5\n", "utf-8")
    (tmp_path / "t.tsv").write_text("1\tإدلب\n", "utf-8")
    result = runner.invoke(main, ["eval", "--qrels", str(tmp_path / "q.txt"), "--topics",
                                  str(tmp_path / "t.tsv"), "--index", str(built)])
    assert result.exit_code == 1
    assert result.stderr.strip().endswith("grade '1.5' is not a whole number (TREC grades "
                                          "are 0, 1, 2...)")


def test_control_characters_in_a_query_never_reach_the_terminal(runner, built):
    result = runner.invoke(main, ["search", "إدلب\x1b[2J\x00", "--json", "--index", str(built)])
    assert result.exit_code == 0
    assert json.loads(result.stdout)["query"] == "إدلب [2J "
