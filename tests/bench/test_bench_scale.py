"""The scale-set generator keeps corpus statistics realistic (bench/scale.py)."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.scale import scale_records  # noqa: E402

BASE = [
    {"id": f"{src}-{i}", "title": f"t{i}", "source": src,
     "body": "\n".join(f"{src} paragraph {i}.{k}" for k in range(1 + i % 3))}
    for src in ("BBC", "CNN") for i in range(7)
]


def _paragraphs(records, source):
    return Counter(p for r in records if r["source"] == source for p in r["body"].split("\n"))


def test_ids_are_distinct_and_copies_equal_in_size():
    out = list(scale_records(BASE, copies=3))
    assert len(out) == 3 * len(BASE)
    assert len({r["id"] for r in out}) == len(out)
    per_copy = Counter(r["id"].rsplit("~", 1)[1] for r in out)
    assert set(per_copy.values()) == {len(BASE)}


def test_each_copy_keeps_the_paragraphs_of_each_source_and_article_lengths():
    out = list(scale_records(BASE, copies=2))
    for copy in ("0", "1"):
        part = [r for r in out if r["id"].endswith("~" + copy)]
        for source in ("BBC", "CNN"):
            assert _paragraphs(part, source) == _paragraphs(BASE, source)
        for base, r in zip(BASE, part, strict=True):
            assert r["body"].count("\n") == base["body"].count("\n")
            assert r["title"] == base["title"]


def test_copies_differ_but_are_reproducible():
    first = [r["body"] for r in scale_records(BASE, copies=2)]
    assert first == [r["body"] for r in scale_records(BASE, copies=2)]
    assert first[: len(BASE)] != first[len(BASE):]


def test_building_the_scale_set_without_the_shared_data_says_so_in_one_message(tmp_path):
    """``bench.build --scale`` with no corpus: the missing files named, exit 1, never a
    traceback from deep inside the reader."""
    import os
    import subprocess

    root = Path(__file__).resolve().parents[2]
    env = {**os.environ, "ARSEARCH_SHARED": str(tmp_path / "none"),
           "PYTHONPATH": os.pathsep.join([str(root), str(root / "src")])}
    out = subprocess.run([sys.executable, "-m", "bench.build", str(tmp_path / "ix"), "--scale"],
                         capture_output=True, text=True, cwd=root, env=env, timeout=120)
    assert out.returncode == 1 and "Traceback" not in out.stderr
    assert "the shared data is missing" in out.stderr and "ant_all.jsonl.gz" in out.stderr
    assert not (tmp_path / "ix").exists()
