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
import threading
from pathlib import Path

from bench.corpus import ANCHORS, read_topics
from bench.measure import folder_mb, run_step


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
    tmp = run.parent / "lucene-tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    size: dict[str, float] = {}
    stop = threading.Event()
    watcher = threading.Thread(target=_size_lucene_index, args=(tmp, stop, size), daemon=True)
    watcher.start()
    try:
        step = run_step(["bash", str(ANCHORS / "lucene.sh"), str(corpus), str(topics),
                         str(run)], python="", expect_json=False, env={"TMPDIR": str(tmp)})
    finally:
        stop.set()
        watcher.join()
    figures = _figures(step.stdout, "lucene")
    queries = len(read_topics(topics))
    return {"build_s": figures["index_s"], "search_s": figures["search_s"],
            "ms_mean_upper": figures["search_s"] * 1000 / queries,
            "peak_tree_mb": step.peak_tree_mb, "index_mb": size.get("index_mb")}


def _size_lucene_index(tmp: Path, stop: threading.Event, out: dict) -> None:
    """Size Lucene's index once its search starts (the script deletes it on exit)."""
    while not stop.wait(0.1):
        for log in tmp.glob("*/search.log"):
            out["index_mb"] = folder_mb(log.parent / "idx")
            return


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
