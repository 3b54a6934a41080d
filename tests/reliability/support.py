"""Shared helpers of the reliability tests (crash safety, concurrency, bad environment).

A synthetic corpus of short Arabic articles written as JSON Lines, a child process that
indexes it with frequent commits (so a ``kill -9`` can land between any two of them),
and checks that an index folder holds exactly a committed state.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from whoosh import index as whoosh_index

import arsearch
from arsearch.backends.whoosh import generations as storage

ROOT = Path(__file__).resolve().parents[2]
SRC = ROOT / "src"

WORDS = (
    "الحكومة", "السورية", "أعلنت", "اليوم", "عن", "اتفاق", "جديد", "بين", "الأطراف", "في",
    "مدينة", "حلب", "وإدلب", "قال", "وزير", "الخارجية", "إن", "المفاوضات", "مستمرة", "مع",
    "الأمم", "المتحدة", "والجامعة", "العربية", "ارتفعت", "أسعار", "النفط", "في", "الأسواق",
    "العالمية", "بعد", "قرار", "منظمة", "أوبك", "خفض", "الإنتاج", "فاز", "المنتخب",
    "الوطني", "على", "نظيره", "في", "مباراة", "ودية", "أقيمت", "على", "الملعب", "الدولي",
    "الرئيس", "المصري", "يستقبل", "وفدا", "اقتصاديا", "لبحث", "الاستثمار", "في", "قناة",
    "السويس", "مَدْرَسَةٌ", "كِتَابٌ", "مسؤول", "مسئول", "إِدْلِب", "١٥", "٢٠١٨",
    "الـــعـــربـــيـــة",
)
SOURCES = ("BBC", "الجزيرة", "العربية", "رويترز")


def synthetic_docs(n: int, seed: int = 0, prefix: str = "d", start: int = 0) -> list[dict]:
    """``n`` short Arabic articles with stable ids ``{prefix}000000``..."""
    rng = random.Random(seed)
    docs = []
    for i in range(start, start + n):
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        title = " ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 8)))
        docs.append({
            "id": f"{prefix}{i:06d}", "title": title, "body": body,
            "date": f"2018-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
            "source": rng.choice(SOURCES), "category": rng.choice(("news", "sport")),
        })
    return docs


def write_jsonl(path: Path, docs: list[dict]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for d in docs:
            f.write(json.dumps(d, ensure_ascii=False) + "\n")
    return path


def child_env() -> dict[str, str]:
    """The environment of arsearch subprocesses: this checkout's sources first."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH")]))
    env.pop("ARSEARCH_INDEX", None)
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    return env


def cli(*args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    """Run ``python -m arsearch ARGS`` to completion."""
    return subprocess.run([sys.executable, "-m", "arsearch", *args], capture_output=True,
                          text=True, env=child_env(), timeout=timeout, **kwargs)


def popen_cli(*args: str, **kwargs) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "arsearch", *args],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=child_env(), **kwargs)


#: A child that indexes JSONL files with a small ``commit_every`` and prints "ready"
#: once imports are done, so kill delays measure indexing time, not interpreter start.
INDEXER_CHILD = textwrap.dedent("""
    import sys
    from arsearch import index_paths
    folder, rebuild, commit_every, *paths = sys.argv[1:]
    print("ready", flush=True)
    index_paths(folder, paths, rebuild=rebuild == "1", commit_every=int(commit_every))
    print("done", flush=True)
""")


def popen_indexer(folder: Path, paths: list[Path], *, rebuild: bool = False,
                  commit_every: int = 200) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-c", INDEXER_CHILD, str(folder), "1" if rebuild else "0",
         str(commit_every), *map(str, paths)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=child_env())


def stored_ids(folder: Path) -> list[str]:
    """The ids of every live document of the current generation, duplicates kept."""
    meta = storage.require_meta(folder)
    ix = whoosh_index.open_dir(str(folder), indexname=meta["indexname"])
    try:
        with ix.reader() as reader:
            return [reader.stored_fields(n)["id"] for n in reader.all_doc_ids()]
    finally:
        ix.close()


def check_committed(folder: Path, input_ids: set[str], allowed_counts: set[int]) -> int:
    """Assert the index opens and holds a committed state; return its document count.

    The state also checks sound: its checksums (when recorded: a kill between Whoosh's
    commit and the manifest leaves the state unverified, never damaged) and every byte.
    """
    report = arsearch.check_index(folder)
    assert report.ok, [str(f) for f in report.errors]
    engine = arsearch.open_index(folder)
    try:
        count = engine.stats()["documents"]
        ids = stored_ids(folder)
        assert len(ids) == count, f"reader has {len(ids)} docs, engine says {count}"
        assert len(set(ids)) == len(ids), "duplicate ids in the index"
        stray = set(ids) - input_ids
        assert not stray, f"ids that were never indexed: {sorted(stray)[:5]}"
        assert count in allowed_counts, f"{count} documents is not a committed state"
        if count:
            # the engine answers from the same state: a common word finds documents
            assert engine.search("الحكومة", per_page=1).total > 0
        return count
    finally:
        engine.close()


def generation_files(folder: Path) -> set[str]:
    """The generation names that have files in ``folder`` (``gen1``, ``gen2``...)."""
    names = set()
    for p in folder.iterdir():
        name = p.name.lstrip("_")
        if name.startswith("gen"):
            names.add(name.split("_")[0])
    return names


def wait_for_lock_holder(folder: Path, pid: int, timeout: float = 60) -> None:
    """Wait until ``pid`` holds the writer lock (it writes its pid into the lock file)."""
    deadline = time.monotonic() + timeout
    lock = folder / storage.LOCK
    while time.monotonic() < deadline:
        if lock.exists() and lock.read_text() == str(pid):
            return
        time.sleep(0.01)
    raise AssertionError(f"process {pid} never took the writer lock")
