"""The README's examples work as written, on a fresh clone.

They run in a copy of the checkout's committed files (``git ls-files``), so that what a
clone holds (``index/README.md`` in the default index folder) is there, and nothing a
developer built (an index in ``index/``) is: the commands and the Python example are
run exactly as the README prints them, from the clone's root.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from arsearch.cli import main

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text("utf-8")
SAMPLE_REL = "src/arsearch/data/sample"
SEED_ID = f"{SAMPLE_REL}/seed/000_f4303bb32ac63e1e.txt"


def blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", README, re.DOTALL)


@pytest.fixture
def clone(tmp_path) -> Path:
    """A copy of the checkout's committed files, as ``git clone`` would give them."""
    try:
        listed = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True,
                                check=True, timeout=60).stdout
    except (OSError, subprocess.CalledProcessError):
        pytest.skip("the README examples run in a copy of a git checkout's files")
    copy = tmp_path / "clone"
    for name in filter(None, listed.decode("utf-8").split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is not copied
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, copy / name)
    assert (copy / "index" / "README.md").is_file()  # what made the Quick start fail
    return copy


def cli_env() -> dict[str, str]:
    """The environment of a user's shell: this interpreter's ``bin`` first, no index set."""
    env = {k: v for k, v in os.environ.items() if k != "ARSEARCH_INDEX"}
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env.get("PATH", "")])
    env["PYTHONPATH"] = str(ROOT / "src")
    return env


def run(command: list[str], cwd: Path) -> subprocess.CompletedProcess:
    """``arsearch ARGS`` as a user types it (the installed command, else ``-m``)."""
    exe = shutil.which("arsearch", path=cli_env()["PATH"])
    argv = [exe, *command[1:]] if exe else [sys.executable, "-m", "arsearch", *command[1:]]
    return subprocess.run(argv, cwd=cwd, capture_output=True, text=True, timeout=300,
                          env=cli_env())


def test_python_api_example_runs(clone):
    (code,) = blocks("python")
    assert SAMPLE_REL in code
    script = clone.parent / "example.py"
    script.write_text(code, "utf-8")  # exactly as written, run from the clone's root
    proc = subprocess.run([sys.executable, str(script)], cwd=clone, capture_output=True,
                          text=True, timeout=120,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin",
                               "PYTHONWARNINGS": "error::ResourceWarning"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    total, _, _ = lines[0].partition(" ")
    assert int(total) > 0
    assert SEED_ID in lines[1]  # the best hit's id and title
    assert "<mark>" in proc.stdout
    assert (clone / "index" / "arsearch.json").is_file()
    assert (clone / "index" / "README.md").is_file()  # left as it was


def quick_start_commands() -> list[list[str]]:
    """The ``arsearch ...`` commands of the Quick start's first shell block."""
    run_block = blocks("sh")[0]
    commands = [shlex.split(part.strip()) for part in run_block.split("&&")]
    return [c for c in commands if c and c[0] == "arsearch"]


def explain_example() -> list[str]:
    """The command of the README's "Why a document ranks where it does" block."""
    (line,) = [b.strip() for b in blocks("sh") if b.startswith("arsearch explain ")]
    return shlex.split(line.replace(" [--json]", ""))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_quick_start_and_explain_example_work_on_a_fresh_clone(clone):
    commands = quick_start_commands()
    assert [c[1] for c in commands] == ["index", "search", "serve"]
    index = run(commands[0], clone)
    assert index.returncode == 0, index.stderr
    assert (clone / "index" / "arsearch.json").is_file()  # the default ./index
    search = run(commands[1], clone)
    assert search.returncode == 0, search.stderr
    assert re.match(r"[1-9]\d* results", search.stdout)
    assert "1. " in search.stdout and SEED_ID in search.stdout
    explain = run(explain_example(), clone)
    assert explain.returncode == 0, explain.stderr
    assert re.match(rf"\d+\.\d+  {re.escape(SEED_ID)}  \(rank 1 of \d+\)", explain.stdout)
    shown = re.search(r"arsearch explain [^\n]*\n```\n+```\n(.*?)```", README, re.DOTALL)
    assert explain.stdout == shown[1]  # the README shows that command's very output
    _serve_answers(commands[2], clone)


def _serve_answers(command: list[str], clone: Path) -> None:
    """``arsearch serve`` as written (on a free port, not 5000) finds the clone's index."""
    port = free_port()
    exe = shutil.which("arsearch", path=cli_env()["PATH"])
    argv = [exe] if exe else [sys.executable, "-m", "arsearch"]
    proc = subprocess.Popen([*argv, *command[1:], "--port", str(port)], cwd=clone,
                            env=cli_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while True:
            assert proc.poll() is None, proc.stderr.read()
            try:
                url = f"http://127.0.0.1:{port}/healthz"
                with urllib.request.urlopen(url, timeout=10) as response:
                    health = json.load(response)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not start"
                time.sleep(0.1)
        assert health["ok"] and health["documents"] > 0
    finally:
        proc.terminate()
        proc.communicate(timeout=30)


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


def test_no_placeholder_is_left_in_the_readme():
    """A line that is only an upper-case name (QUALITY_TABLE) is a figure someone meant to
    measure and did not: the README shows measured figures only."""
    assert not re.findall(r"^[A-Z][A-Z0-9]*_[A-Z0-9_]+$", README, re.MULTILINE)
