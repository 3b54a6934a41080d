"""How a run ends: one line and exit 1 for errors, quietly for a closed pipe."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from arsearch.cli import main
from tests.conftest import ROOT


@pytest.mark.parametrize("command", [["search", "إدلب"], ["stats"]])
def test_missing_index_exits_1_without_traceback(runner, tmp_path, command):
    result = runner.invoke(main, [*command, "--index", str(tmp_path / "none")])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit)
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ")
    assert "Traceback" not in result.output


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


def test_ctrl_c_exits_130_saying_the_index_keeps_its_state(capsys) -> None:
    from arsearch.cli.exits import handle_errors

    @handle_errors
    def interrupted() -> None:
        raise KeyboardInterrupt

    with pytest.raises(SystemExit) as exit_:
        interrupted()
    assert exit_.value.code == 130
    assert capsys.readouterr().err == "interrupted: the index keeps its last committed state\n"


def test_os_error_is_one_line_and_exit_1(runner, tmp_path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(main, ["index", str(ROOT / "src" / "arsearch" / "data" / "sample"),
                                  "--index", str(blocker / "index")])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1 and result.stderr.startswith("error: ")
