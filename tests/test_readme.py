"""The README's examples work as written."""

from __future__ import annotations

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from arsearch.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
SAMPLE_REL = "src/arsearch/data/sample"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.DOTALL)


def test_python_api_example_runs(tmp_path, sample_dir):
    (code,) = blocks("python")
    assert SAMPLE_REL in code
    script = tmp_path / "example.py"
    script.write_text(code.replace(SAMPLE_REL, str(sample_dir)), "utf-8")
    proc = subprocess.run([sys.executable, str(script)], cwd=tmp_path, capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
                               "PYTHONWARNINGS": "error::ResourceWarning"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    total, _, _ = lines[0].partition(" ")
    assert int(total) > 0
    assert "seed/000_f4303bb32ac63e1e.txt" in lines[1]  # the best hit's id and title
    assert "<mark>" in proc.stdout
    assert (tmp_path / "index" / "arsearch.json").is_file()


def quick_start_commands() -> list[list[str]]:
    """The ``arsearch ...`` commands of the Quick start's first shell block."""
    run_block = blocks("sh")[0]
    commands = [shlex.split(part.strip()) for part in run_block.split("&&")]
    return [c[1:] for c in commands if c and c[0] == "arsearch"]


def test_quick_start_commands_work(runner, tmp_path, monkeypatch, sample_dir):
    commands = quick_start_commands()
    assert [c[0] for c in commands] == ["index", "search", "serve"]
    assert runner.invoke(main, ["serve", "--help"]).exit_code == 0  # serving blocks
    monkeypatch.chdir(tmp_path)
    (tmp_path / "src" / "arsearch" / "data").mkdir(parents=True)
    (tmp_path / SAMPLE_REL).symlink_to(sample_dir)
    monkeypatch.delenv("ARSEARCH_INDEX", raising=False)
    index = runner.invoke(main, commands[0])
    assert index.exit_code == 0, index.output
    assert (tmp_path / "index" / "arsearch.json").is_file()  # the default ./index
    search = runner.invoke(main, commands[1])
    assert search.exit_code == 0, search.output
    assert re.match(r"[1-9]\d* results", search.stdout)
    assert "1. " in search.stdout


SYNOPSIS = next(b for b in blocks("sh") if b.startswith("arsearch index PATH..."))


@pytest.mark.parametrize("line", [line for line in SYNOPSIS.splitlines()
                                  if line.startswith("arsearch ")])
def test_command_line_synopsis_matches_cli(runner, line):
    """Every command and --option of the synopsis exists."""
    words = line.split("#")[0].split()
    command = words[1:3] if words[1] in ("shard", "cluster") else words[1:2]  # groups
    help_text = runner.invoke(main, [*command, "--help"]).stdout
    for option in {w.strip("[]") for w in words if w.lstrip("[").startswith("--")}:
        assert option in help_text, (command, option)
