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
