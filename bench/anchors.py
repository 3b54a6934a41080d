"""The reference engines, run through the shared anchor scripts on the same corpus file.

Lucene (Anserini, Arabic analyzer, BM25) is the quality reference; tantivy (Rust,
Snowball Arabic) the speed reference for an embedded engine. Both scripts time their own
build and search; Lucene's search time includes a JVM start, so its per-query figure is
an upper bound (stated as such in the report).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

from bench.corpus import ANCHORS, read_topics
from bench.measure import run_step


def _figures(text: str, name: str) -> dict[str, float]:
    """``name key=value ...`` pairs printed by an anchor script, as floats."""
    out: dict[str, float] = {}
    for line in text.splitlines():
        if line.startswith(name + " "):
            out.update({k: float(v) for k, v in re.findall(r"(\w+)=([\d.]+)", line)})
    return out


def lucene(corpus: Path, topics: Path, run: Path) -> dict:
    """Build + search with Lucene; first use downloads Anserini and a JDK into ~/.cache."""
    if not shutil.which("bash"):
        raise RuntimeError("bash is needed for the Lucene anchor")
    step = run_step(["bash", str(ANCHORS / "lucene.sh"), str(corpus), str(topics), str(run)],
                    python="", expect_json=False)
    figures = _figures(step.stdout, "lucene")
    queries = len(read_topics(topics))
    return {"build_s": figures["index_s"], "search_s": figures["search_s"],
            "ms_mean_upper": figures["search_s"] * 1000 / queries,
            "peak_tree_mb": step.peak_tree_mb}


def tantivy(python: str, corpus: Path, topics: Path, run: Path) -> dict:
    """Build + search with tantivy, using an interpreter that has ``tantivy`` installed."""
    probe = subprocess.run([python, "-c", "import tantivy"], capture_output=True)
    if probe.returncode != 0:
        raise RuntimeError(f"{python} cannot import tantivy (pip install tantivy, "
                           "or pass --tantivy-python)")
    # -P: the script is named tantivy.py, so with its folder first on sys.path
    # `import tantivy` would import the script itself instead of the library
    step = run_step([python, "-P", str(ANCHORS / "tantivy.py"), str(corpus), str(topics),
                     str(run)], python="", expect_json=False)
    figures = _figures(step.stdout, "tantivy")
    return {"build_s": figures["index_s"], "search_s": figures["search_s"],
            "ms_mean": figures["ms_per_query"], "peak_tree_mb": step.peak_tree_mb}
