"""The ``arsearch`` command line, through click's CliRunner and one real subprocess."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from arsearch.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def built(tmp_path_factory, sample_dir) -> Path:
    """An index of the sample built through the CLI."""
    from click.testing import CliRunner

    folder = tmp_path_factory.mktemp("cli") / "index"
    result = CliRunner().invoke(main, ["index", str(sample_dir), "--index", str(folder),
                                       "--id-root", str(sample_dir)])
    assert result.exit_code == 0, result.output
    return folder


def test_index_prints_summary(runner, tmp_path, sample_dir, sample_docs):
    folder = tmp_path / "ix"
    result = runner.invoke(main, ["index", str(sample_dir), "--index", str(folder)])
    assert result.exit_code == 0, result.output
    n = len(sample_docs)
    assert f"{n} added, 0 updated, 0 unchanged, 0 deleted, 0 skipped; {n} documents" \
        in result.stdout
    again = runner.invoke(main, ["index", str(sample_dir), "--index", str(folder)])
    assert again.exit_code == 0
    assert f"0 added, 0 updated, {n} unchanged" in again.stdout


def test_index_with_bad_file_exits_3(runner, tmp_path, sample_dir, sample_docs):
    data = tmp_path / "data"
    shutil.copytree(sample_dir / "txt", data)
    bad = data / "bad.jsonl"
    bad.write_text('{"id": "x", "title": "عنوان"}\n', "utf-8")
    result = runner.invoke(main, ["index", str(data), "--index", str(tmp_path / "ix")])
    assert result.exit_code == 3
    assert f"{bad}:1" in result.stderr
    assert "bad.jsonl" not in result.stdout
    assert "12 added" in result.stdout and "1 skipped" in result.stdout


def test_index_missing_path_exits_1(runner, tmp_path):
    result = runner.invoke(main, ["index", str(tmp_path / "nope"), "--index",
                                  str(tmp_path / "ix")])
    assert result.exit_code == 1
    assert "no such file" in result.stderr and "Traceback" not in result.output


def test_index_dot_with_its_index_inside_exits_0_on_every_run(runner, tmp_path, monkeypatch,
                                                              sample_dir):
    shutil.copytree(sample_dir / "txt", tmp_path / "news")
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ARSEARCH_INDEX", raising=False)
    for expected in ("12 added", "12 unchanged"):
        result = runner.invoke(main, ["index", "."])
        assert result.exit_code == 0, result.output
        assert expected in result.stdout and result.stderr == ""


def test_index_skips_a_pipe_without_hanging(tmp_path, sample_dir):
    data = tmp_path / "data"
    shutil.copytree(sample_dir / "txt", data)
    os.mkfifo(data / "incoming.txt")
    run = subprocess.run([sys.executable, "-m", "arsearch", "index", str(data), "--index",
                          str(tmp_path / "ix")], capture_output=True, text=True, timeout=120,
                         env={**os.environ, "PYTHONPATH": str(ROOT / "src")})
    assert run.returncode == 0, run.stderr
    assert "incoming.txt: a named pipe, not a regular file: ignored" in run.stderr
    assert "12 added" in run.stdout


def test_index_id_root_option(runner, tmp_path, sample_dir):
    ix = str(tmp_path / "ix")
    result = runner.invoke(main, ["index", str(sample_dir / "txt"), "--index", ix,
                                  "--id-root", str(sample_dir)])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["search", "البطريق OR مستشفى", "--json", "--index", ix])
    assert "txt/05_hospital_health.txt" in {h["id"] for h in json.loads(result.stdout)["hits"]}
    other = runner.invoke(main, ["index", str(sample_dir / "txt"), "--index", ix,
                                 "--id-root", str(tmp_path)])
    assert other.exit_code == 1
    assert other.stderr.count("\n") == 1 and "--rebuild --id-root" in other.stderr


def test_index_max_doc_bytes_cuts_with_a_warning(runner, tmp_path):
    feed = tmp_path / "feed.jsonl"
    feed.write_text(json.dumps({"id": "big", "title": "عنوان", "body": "نص طويل " * 20_000},
                               ensure_ascii=False) + "\n", "utf-8")
    ix = str(tmp_path / "ix")
    result = runner.invoke(main, ["index", str(feed), "--index", ix, "--max-doc-bytes", "64K"])
    assert result.exit_code == 0, result.output
    assert "warning: " in result.stderr and "big: larger than 65,536 bytes" in result.stderr
    for bad in ("12", "lots", "-1M"):
        result = runner.invoke(main, ["index", str(feed), "--index", ix,
                                      "--max-doc-bytes", bad])
        assert result.exit_code == 2 and "--max-doc-bytes" in result.stderr


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


def test_stats_json(runner, built, sample_docs):
    result = runner.invoke(main, ["stats", "--json", "--index", str(built)])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["documents"] == len(sample_docs)
    plain = runner.invoke(main, ["stats", "--index", str(built)])
    assert f"documents: {len(sample_docs)}" in plain.stdout


def test_analyze(runner):
    result = runner.invoke(main, ["analyze", "قَرَأْتُ الكتابَ في المدرسة"])
    assert result.exit_code == 0
    out = result.stdout
    assert "قرات" in out and "المدرسه" in out and "مدرسه" in out and "كتاب" in out
    assert "(stop word)" in out
    data = json.loads(runner.invoke(main, ["analyze", "والكتاب مسؤول", "--json"]).stdout)
    assert [(t["normalized"], t["stem"]) for t in data] == [("والكتاب", "كتاب"),
                                                           ("مسءول", "مسءول")]


@pytest.mark.parametrize("command", [["search", "إدلب"], ["stats"]])
def test_missing_index_exits_1_without_traceback(runner, tmp_path, command):
    result = runner.invoke(main, [*command, "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output


def test_arsearch_index_env_var(runner, built, tmp_path, sample_docs, monkeypatch):
    env = {"ARSEARCH_INDEX": str(built)}
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(main, ["stats", "--json"], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["documents"] == len(sample_docs)
    result = runner.invoke(main, ["search", "إدلب", "--json"], env=env)
    assert json.loads(result.stdout)["total"] > 0
    # --index wins over the variable
    result = runner.invoke(main, ["stats", "--index", "elsewhere"], env=env)
    assert result.exit_code == 1
    assert not os.path.exists("index")


def test_real_subprocess(built, tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.run(
        [sys.executable, "-m", "arsearch", "search", "ليفربول", "--json", "--index",
         str(built)], capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert data["hits"][0]["id"] == "SAMPLE-sport-10-20200821"
    proc = subprocess.run(
        [sys.executable, "-m", "arsearch", "stats", "--index", str(tmp_path / "none")],
        capture_output=True, text=True, env=env, cwd=ROOT, timeout=60)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("error: ")


# --- queries as a user types them -------------------------------------------------------


def _json_ids(result) -> list[str]:
    assert result.exit_code == 0, result.output
    return [h["id"] for h in json.loads(result.stdout)["hits"]]


def test_query_starting_with_a_dash_is_a_query(runner, built):
    import arsearch

    with arsearch.open_index(built) as engine:
        expected = [h.id for h in engine.search("-سوريا", per_page=100).hits]
    missing = runner.invoke(main, ["search", "-سوريا", "--index"])
    assert missing.exit_code == 2 and "'--index' requires an argument" in missing.stderr
    result = runner.invoke(main, ["search", "-سوريا", "--json", "-n", "100",
                                  "--index", str(built)])
    assert _json_ids(result) == expected
    result = runner.invoke(main, ["search", "--json", "-n", "100", "--index", str(built),
                                  "--", "-سوريا"])
    assert _json_ids(result) == expected


def test_several_query_arguments_are_one_query(runner, built):
    one = runner.invoke(main, ["search", "داعش إدلب", "--json", "--index", str(built)])
    several = runner.invoke(main, ["search", "داعش", "--json", "إدلب", "--index", str(built)])
    assert _json_ids(several) == _json_ids(one)
    assert json.loads(several.stdout)["query"] == "داعش إدلب"


def test_option_values_may_start_with_a_dash(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--source", "-x", "--json",
                                  "--index", str(built)])
    assert _json_ids(result) == []  # the source "-x", not a query word
    result = runner.invoke(main, ["search", "إدلب", "--source=-x", "-n2", "--json",
                                  "--index", str(built)])
    assert _json_ids(result) == []


def test_dash_word_that_starts_like_a_short_option_is_a_word(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "-nato", "-n2", "--json", "--index",
                                  str(built)])
    data = json.loads(result.stdout)
    assert data["query"] == "إدلب -nato" and data["per_page"] == 2


def test_after_double_dash_options_are_query_words(runner, built):
    result = runner.invoke(main, ["search", "--json", "--index", str(built), "--",
                                  "--limit", "إدلب"])
    assert json.loads(result.stdout)["query"] == "--limit إدلب"


def test_broken_pipe_exits_quietly(built):
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader (head -1) has gone
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "arsearch", "search", "إدلب", "-n", "100", "--index",
             str(built)], stdout=write_end, stderr=subprocess.PIPE, text=True, env=env,
            timeout=60)
    finally:
        os.close(write_end)
    assert proc.stderr == ""
    assert proc.returncode == 141  # 128 + SIGPIPE, what a shell shows for `| head`


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
    assert _json_ids(first) == ranked[:150]
    data = json.loads(first.stdout)
    assert (data["page"], data["per_page"], data["total"]) == (1, 150, 260)
    second = runner.invoke(main, ["search", "اقتصاد", "-n", "150", "--page", "2", "--json",
                                  "--index", str(many)])
    assert _json_ids(second) == ranked[150:]
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


def test_undecodable_argument_bytes_never_crash_the_output(built):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src"), "PYTHONIOENCODING": "utf-8"}
    index = [b"--index", str(built).encode()]
    for args in ([b"search", b"\xff\xfe", b"--json", *index],
                 [b"search", "إدلب".encode() + b"\xff", *index], [b"analyze", b"\xd8\xa8\xff"]):
        proc = subprocess.run([sys.executable.encode(), b"-m", b"arsearch", *args],
                              capture_output=True, env=env, timeout=60)
        assert proc.returncode == 0, proc.stderr
        assert b"Traceback" not in proc.stderr
        assert proc.stdout.decode("utf-8").strip()  # valid UTF-8, something printed


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
    assert _json_ids(result) == ["txt/01_idlib_politics.txt"]


def test_blank_source_or_category_is_no_filter(runner, built):
    plain = runner.invoke(main, ["search", "إدلب", "--json", "--index", str(built)])
    blank = runner.invoke(main, ["search", "إدلب", "--json", "--source", " ", "--category", "",
                                 "--index", str(built)])
    assert _json_ids(blank) == _json_ids(plain) != []


def test_help_still_works_beside_dash_queries(runner):
    for flag in ("--help", "-h"):
        result = runner.invoke(main, ["search", "-سوريا", flag])
        assert result.exit_code == 0 and "--limit" in result.stdout, flag


def test_explain_json_score_equals_the_search_json_score(runner, built):
    query = "داعش إدلب"
    found = json.loads(runner.invoke(main, ["search", query, "--json", "--index",
                                            str(built)]).stdout)
    for rank, hit in enumerate(found["hits"], 1):
        result = runner.invoke(main, ["explain", query, hit["id"], "--json", "--index",
                                      str(built)])
        assert result.exit_code == 0, result.output
        x = json.loads(result.stdout)
        assert round(x["score"], 4) == hit["score"] and x["rank"] == rank
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
