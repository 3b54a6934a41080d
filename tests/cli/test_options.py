"""What the commands share on their command lines: queries that start with ``-``,
undecodable bytes, ``$ARSEARCH_INDEX``."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from arsearch.cli import main
from tests.cli.support import json_ids
from tests.conftest import ROOT


def test_query_starting_with_a_dash_is_a_query(runner, built):
    import arsearch

    with arsearch.open_index(built) as engine:
        expected = [h.id for h in engine.search("-سوريا", per_page=100).hits]
    missing = runner.invoke(main, ["search", "-سوريا", "--index"])
    assert missing.exit_code == 2 and "'--index' requires an argument" in missing.stderr
    result = runner.invoke(main, ["search", "-سوريا", "--json", "-n", "100",
                                  "--index", str(built)])
    assert json_ids(result) == expected
    result = runner.invoke(main, ["search", "--json", "-n", "100", "--index", str(built),
                                  "--", "-سوريا"])
    assert json_ids(result) == expected


def test_several_query_arguments_are_one_query(runner, built):
    one = runner.invoke(main, ["search", "داعش إدلب", "--json", "--index", str(built)])
    several = runner.invoke(main, ["search", "داعش", "--json", "إدلب", "--index", str(built)])
    assert json_ids(several) == json_ids(one)
    assert json.loads(several.stdout)["query"] == "داعش إدلب"


def test_option_values_may_start_with_a_dash(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "--source", "-x", "--json",
                                  "--index", str(built)])
    assert json_ids(result) == []  # the source "-x", not a query word
    result = runner.invoke(main, ["search", "إدلب", "--source=-x", "-n2", "--json",
                                  "--index", str(built)])
    assert json_ids(result) == []


def test_dash_word_that_starts_like_a_short_option_is_a_word(runner, built):
    result = runner.invoke(main, ["search", "إدلب", "-nato", "-n2", "--json", "--index",
                                  str(built)])
    data = json.loads(result.stdout)
    assert data["query"] == "إدلب -nato" and data["per_page"] == 2


def test_after_double_dash_options_are_query_words(runner, built):
    result = runner.invoke(main, ["search", "--json", "--index", str(built), "--",
                                  "--limit", "إدلب"])
    assert json.loads(result.stdout)["query"] == "--limit إدلب"



@pytest.mark.parametrize(("command", "typo", "meant"), [
    (["search", "داعش"], "--indx", "--index"),
    (["search", "داعش"], "--jsno", "--json"),
    (["search", "داعش"], "--limt=5", "--limit"),
    (["explain", "داعش", "txt/01_idlib_politics.txt"], "--indx", "--index"),
    (["analyze", "داعش"], "--jsno", "--json"),
])
def test_a_mistyped_long_option_is_a_usage_error_not_query_words(runner, built, command,
                                                                 typo, meant):
    result = runner.invoke(main, [*command, typo, str(built)])
    assert result.exit_code == 2, result.output
    assert f"No such option '{typo.split('=')[0]}'" in result.stderr
    assert meant in result.stderr
    if command[0] == "search":  # after --, a word
        words = runner.invoke(main, ["search", "--json", "--index", str(built), "--",
                                     "داعش", typo])
        assert json.loads(words.stdout)["query"] == f"داعش {typo}"


def test_explain_and_analyze_read_a_dash_word_as_the_query(runner, built):
    """``-سوريا`` is an exclusion for explain as for search, and text for analyze."""
    doc = "txt/01_idlib_politics.txt"
    result = runner.invoke(main, ["explain", "-سوريا", doc, "--json", "--index", str(built)])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["query"] == "-سوريا" and data["id"] == doc
    result = runner.invoke(main, ["analyze", "-سوريا", "--json"])
    assert result.exit_code == 0, result.output
    assert [t["normalized"] for t in json.loads(result.stdout)] == ["سوريا"]

def test_help_still_works_beside_dash_queries(runner):
    for flag in ("--help", "-h"):
        result = runner.invoke(main, ["search", "-سوريا", flag])
        assert result.exit_code == 0 and "--limit" in result.stdout, flag


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


@pytest.mark.parametrize("size", ["inf", "1e400", "-inf", "nan", "1e400K", "lots", "12"])
def test_byte_sizes_that_are_not_sizes_are_usage_errors_not_tracebacks(runner, tmp_path,
                                                                       size):
    result = runner.invoke(main, ["index", str(tmp_path), "--index", str(tmp_path / "ix"),
                                  "--max-doc-bytes", size])
    assert result.exit_code == 2, result.output
    assert "--max-doc-bytes" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "ix").exists()


def test_wait_nan_is_refused_before_it_could_wait_forever(runner, tmp_path) -> None:
    result = runner.invoke(main, ["index", str(tmp_path), "--index", str(tmp_path / "ix"),
                                  "--wait", "nan"])
    assert result.exit_code == 2 and "--wait" in result.stderr
    assert "'nan' is not a number of seconds" in result.stderr
    from arsearch.cli.options import Seconds

    assert [Seconds().convert(v, None, None) for v in ("0", "2.5", "inf")] == \
        [0, 2.5, float("inf")]
