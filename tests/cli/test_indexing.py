"""``arsearch index``: summaries, skipped files, ids, sizes, and exit statuses."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest

import arsearch
from arsearch.cli import main
from tests.conftest import ROOT


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


@pytest.mark.parametrize("size", ["1e30", "9" * 30, "", "2G", "inf"])
def test_a_huge_or_empty_max_doc_bytes_is_a_usage_error(runner, tmp_path, size):
    feed = tmp_path / "feed.jsonl"
    feed.write_text('{"id": "a", "title": "t", "body": "نص"}\n', "utf-8")
    result = runner.invoke(main, ["index", str(feed), "--index", str(tmp_path / "ix"),
                                  "--max-doc-bytes", size])
    assert result.exit_code == 2 and "--max-doc-bytes" in result.stderr
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_index_paths_refuses_a_cap_above_the_limit(tmp_path, sample_dir):
    from arsearch.errors import ArsearchError

    with pytest.raises(ArsearchError, match="max_doc_bytes must be a whole number"):
        arsearch.index_paths(tmp_path / "ix", sample_dir, max_doc_bytes=10**30)


def test_index_into_a_folder_that_lost_arsearch_json_exits_1(runner, tmp_path, sample_dir):
    folder = tmp_path / "ix"
    assert runner.invoke(main, ["index", str(sample_dir / "txt"), "--index",
                                str(folder)]).exit_code == 0
    (folder / "arsearch.json").unlink()
    for args in (["index", str(sample_dir / "jsonl"), "--index", str(folder)],
                 ["search", "إدلب", "--index", str(folder)]):
        result = runner.invoke(main, args)
        assert result.exit_code == 1, args
        assert result.stderr.startswith(f"error: {folder} holds index files (")
        assert result.stderr.count("\n") == 1 and "--rebuild" in result.stderr
    rebuilt = runner.invoke(main, ["index", str(sample_dir / "txt"), "--index", str(folder),
                                   "--rebuild"])
    assert rebuilt.exit_code == 0, rebuilt.output
