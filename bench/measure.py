"""Run a benchmark step in its own process and measure wall time and peak memory.

Each step runs in a fresh process so its memory is its own (the orchestrator holds
nothing big) and so peak RSS covers helper processes too: Whoosh's multiprocess writer
forks sub-writers, and ``ru_maxrss`` of children only reports the largest *single*
process. We therefore sample the RSS *sum* of the whole process tree from /proc
(Linux; elsewhere the tree figure is reported as None).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024 if hasattr(os, "sysconf") else 4


@dataclass
class Step:
    """What one measured process did: its JSON answer, wall time and peak tree RSS."""

    result: dict
    wall_s: float
    peak_tree_mb: float | None
    stdout: str


def tree_rss_kb(root: int) -> int | None:
    """Sum of the resident set sizes of ``root`` and all its descendants."""
    parents: dict[int, int] = {}
    rss: dict[int, int] = {}
    try:
        names = os.listdir("/proc")
    except OSError:
        return None
    for name in names:
        if not name.isdigit():
            continue
        try:
            with open(f"/proc/{name}/stat", "rb") as f:
                stat = f.read()
            with open(f"/proc/{name}/statm", "rb") as f:
                rss[int(name)] = int(f.read().split()[1]) * PAGE_KB
        except (OSError, IndexError, ValueError):
            continue
        fields = stat[stat.rfind(b")") + 2:].split()
        parents[int(name)] = int(fields[1])
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [p for p, pp in parents.items() if pp == pid and p not in tree]
        tree.update(children)
        frontier.extend(children)
    return sum(rss.get(p, 0) for p in tree)


def python_env() -> dict[str, str]:
    """The environment for benchmark processes: this worktree's sources first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(ROOT)])
    return env


def run_step(args: list[str], python: str | None = None, sample_every: float = 0.2,
             expect_json: bool = True, env: dict[str, str] | None = None) -> Step:
    """Run ``python -m args...`` (or a command when ``python`` is "") from the project root.

    With ``expect_json`` the step's last stdout line is parsed as its JSON result.
    Raises ``RuntimeError`` (with stderr's tail) when the step fails.
    """
    cmd = args if python == "" else [python or sys.executable, "-m", *args]
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, env={**python_env(), **(env or {})},
                            stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    peak: list[int | None] = [0]

    def sample() -> None:
        while proc.poll() is None:
            kb = tree_rss_kb(proc.pid)
            if kb is None:
                peak[0] = None
                return
            peak[0] = max(peak[0], kb)
            time.sleep(sample_every)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    wall = time.perf_counter() - started
    sampler.join()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{err[-2000:]}")
    result = {}
    if expect_json:
        lines = [line for line in out.splitlines() if line.strip()]
        result = json.loads(lines[-1]) if lines else {}
    return Step(result, wall, peak[0] / 1024 if peak[0] is not None else None, out + err)


def maxrss_mb() -> dict[str, float]:
    """This process's and its waited-for children's peak RSS (``ru_maxrss``, Linux KiB)."""
    import resource

    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"maxrss_self_mb": round(own, 1), "maxrss_children_mb": round(kids, 1)}


def folder_mb(path: Path) -> float:
    """Bytes on disk under ``path`` in MB (10^6), as an index-size figure."""
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file()) / 1e6
