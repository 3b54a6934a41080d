"""Retrieval quality of every system's run, scored by the shared ``score.py``.

Speed without quality is meaningless (an engine returning nothing is fast), so each
system's top-100 run on the known-item topics is scored beside its timings.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from bench.corpus import QRELS, SCORE
from bench.measure import ROOT, python_env


def score_runs(runs: dict[str, Path], python: str = sys.executable) -> dict[str, dict]:
    """{system: {"RR@10": .., "R@100": .., ...}} for the runs that exist."""
    present = {name: p for name, p in runs.items() if p.exists() and p.stat().st_size}
    if not present:
        return {}
    out = subprocess.run([python, str(SCORE), str(QRELS), *map(str, present.values())],
                         cwd=ROOT, env=python_env(), capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"score.py failed (pip install ir-measures?):\n{out.stderr[-1500:]}")
    by_path = {}
    for line in out.stdout.splitlines():
        path, _, rest = line.partition(" ")
        by_path[path] = {k: float(v) for k, v in re.findall(r"(\S+)=([\d.]+)", rest)}
    return {name: by_path.get(str(p), {}) for name, p in present.items()}
