"""Readers during writes, and two writers at once.

An engine answers searches from several threads without a single error while another
process updates (many small commits) and then rebuilds the index; after the commits a
refresh, explicit or automatic, shows the new documents. Two ``arsearch index`` runs at
once: the second fails with a clear message, or with ``--wait`` waits and succeeds.
"""

from __future__ import annotations

import random
import threading
import time
import traceback

import pytest

import arsearch
from arsearch import QueryError
from tests.reliability.support import (
    check_committed,
    cli,
    popen_cli,
    popen_indexer,
    synthetic_docs,
    wait_for_lock_holder,
    write_jsonl,
)

QUERIES = ("الحكومة", "وزير الخارجية", '"منظمة أوبك"', "حلب OR إدلب", "-النفط المنتخب",
           "source:BBC الرئيس", "date:2018-03 مسؤول", "مُدَرِّسَة", "")


class Readers:
    """Threads that search, read documents, stats and health in a loop, recording errors."""

    def __init__(self, engine: arsearch.Engine, ids: list[str], threads: int = 4):
        self.engine, self.ids = engine, ids
        self.stop = threading.Event()
        self.errors: list[str] = []
        self.calls = 0
        self.counts: list[int] = []
        self.threads = [threading.Thread(target=self._loop, args=(i,), daemon=True)
                        for i in range(threads)]

    def _loop(self, seed: int) -> None:
        rng = random.Random(seed)
        while not self.stop.is_set():
            try:
                query = rng.choice(QUERIES)
                results = self.engine.search(query, page=rng.randint(1, 3), per_page=10)
                assert results.total >= 0
                doc = self.engine.document(rng.choice(self.ids), query)
                assert doc is None or doc["id"]
                if rng.random() < 0.1:
                    self.counts.append(self.engine.stats()["documents"])
                    self.engine.more_like_this(rng.choice(self.ids))
                if rng.random() < 0.3:
                    # a commit deletes merged segments' files: never "damaged" for that
                    assert self.engine.health()["documents"] >= 0
                self.calls += 1
            except QueryError:
                pass
            except Exception:
                self.errors.append(traceback.format_exc())
                if len(self.errors) > 20:
                    return

    def __enter__(self) -> Readers:
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


@pytest.fixture()
def corpora(tmp_path):
    base = synthetic_docs(1000, seed=1)
    more = synthetic_docs(1000, seed=2, prefix="n")
    write_jsonl(tmp_path / "base" / "a.jsonl", base)
    write_jsonl(tmp_path / "all" / "a.jsonl", base)
    write_jsonl(tmp_path / "all" / "b.jsonl", more)
    run = cli("index", str(tmp_path / "base"), "--index", str(tmp_path / "ix"))
    assert run.returncode == 0, run.stderr
    return tmp_path, [d["id"] for d in base + more]


@pytest.mark.parametrize("refresh_every", [0.0, 3600.0], ids=["auto-refresh", "manual"])
def test_readers_during_update_and_rebuild(corpora, refresh_every):
    root, ids = corpora
    folder = root / "ix"
    engine = arsearch.open_index(folder, refresh_every=refresh_every)
    try:
        assert engine.stats()["documents"] == 1000
        before = engine.search("الحكومة").total
        with Readers(engine, ids) as readers:
            # many small commits (segment merges delete files under the readers' feet)
            writer = popen_indexer(folder, [root / "all"], commit_every=100)
            out, err = writer.communicate(timeout=300)
            assert writer.returncode == 0, err
            engine.refresh()
            assert engine.stats()["documents"] == 2000
            time.sleep(0.5)
            # then a rebuild: a new generation, the old one's files deleted
            run = cli("index", str(root / "all"), "--index", str(folder), "--rebuild")
            assert run.returncode == 0, run.stderr
            time.sleep(0.5)
        assert not readers.errors, f"{len(readers.errors)} errors, first:\n{readers.errors[0]}"
        assert readers.calls > 10
        if refresh_every:
            engine.refresh()
        else:
            assert 2000 in readers.counts, "the automatic refresh never saw the update"
        assert engine.stats()["documents"] == 2000
        assert engine.document("n000999") is not None
        assert engine.search("الحكومة").total > before
    finally:
        engine.close()
    check_committed(folder, set(ids), {2000})


def test_refresh_after_merging_commits_counts_each_document_once(corpora):
    """Commits merge segments: a refreshed engine must not keep the replaced ones."""
    root, ids = corpora
    folder = root / "ix-segments"
    arsearch.index_paths(folder, [root / "base"], commit_every=100)  # many segments
    with arsearch.open_index(folder, refresh_every=3600) as engine:
        before = engine.search("الحكومة").total
        for n in (1200, 1500, 2000):
            docs = synthetic_docs(1000, seed=1) + synthetic_docs(n - 1000, seed=2, prefix="n")
            write_jsonl(root / "step" / "a.jsonl", docs)
            arsearch.index_paths(folder, [root / "step"], commit_every=100)
            engine.refresh()
            assert engine.stats()["documents"] == n
            assert engine.doc_count == n
            assert engine.document(f"n{n - 1001:06d}") is not None
        hits = engine.search("الحكومة", per_page=100)
        assert hits.total > before
        assert len({h.id for h in hits.hits}) == len(hits.hits)


def test_second_writer_fails_clearly_or_waits(corpora):
    root, ids = corpora
    folder = root / "ix"
    big = root / "big"
    write_jsonl(big / "a.jsonl", synthetic_docs(4000, seed=5, prefix="b"))
    first = popen_cli("index", str(big), "--index", str(folder))
    try:
        wait_for_lock_holder(folder, first.pid)
        second = cli("index", str(root / "all"), "--index", str(folder))
        assert second.returncode == 1
        assert "being updated" in second.stderr
        assert "Traceback" not in second.stderr
        assert first.poll() is None, "the first run ended too soon to test --wait"
        started = time.monotonic()
        waiting = cli("index", str(root / "all"), "--index", str(folder), "--wait", "30")
        assert waiting.returncode == 0, waiting.stderr
        assert first.poll() is not None  # it only got the lock when the first one ended
        assert time.monotonic() - started < 60
    finally:
        out, err = first.communicate(timeout=120)
    assert first.returncode == 0, err
    check_committed(folder, set(ids) | {f"b{i:06d}" for i in range(4000)}, {6000})


def test_wait_gives_up_with_a_clear_message(corpora):
    root, _ = corpora
    folder = root / "ix"
    from arsearch.backends.whoosh import generations as storage

    with storage.write_lock(folder):
        started = time.monotonic()
        run = cli("index", str(root / "all"), "--index", str(folder), "--wait", "1")
        assert run.returncode == 1
        assert "being updated" in run.stderr and "Traceback" not in run.stderr
        assert time.monotonic() - started >= 1
    with arsearch.open_index(folder) as engine:
        assert engine.stats()["documents"] == 1000
