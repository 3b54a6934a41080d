"""kill -9 the indexer at many moments: the index always holds a committed state.

Three scenarios, each killed at seeded random moments spread over a full run (one kill
per slice of the run's duration, so the kills cover its start, middle and end):

* a fresh build into an empty folder (a child calling ``index_paths`` with
  ``commit_every=200``);
* ``arsearch index --rebuild`` over a complete index (the CLI itself);
* an incremental update that adds and changes documents (child, ``commit_every=200``).

After every kill the index must open, hold exactly the documents of a committed state
(a commit checkpoint or the previous state: no duplicates, no stray ids), leave no
generation behind for ever, and the next ``arsearch index`` run must complete and bring
it up to date. Lock tests check that a killed writer never blocks the next one.
"""

from __future__ import annotations

import fcntl
import os
import random
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest
from whoosh import index as whoosh_index

from arsearch import IndexNotFoundError, open_index, read_documents
from arsearch.backends.whoosh import generations as storage
from arsearch.ingest import content_hash
from tests.reliability.support import (
    check_committed,
    cli,
    generation_files,
    popen_cli,
    popen_indexer,
    synthetic_docs,
    wait_for_lock_holder,
    write_jsonl,
)
from tests.summaries import summary

N_DOCS = 1600
COMMIT_EVERY = 200
KILLS_PER_SCENARIO = 7
SEED = 20260

SUMMARY: dict[str, dict[str, int]] = {}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> dict:
    """The corpora and a complete index of each, built once (timed, to place the kills)."""
    root = tmp_path_factory.mktemp("crash")
    full = synthetic_docs(N_DOCS)
    write_jsonl(root / "full" / "a.jsonl", full)
    # incremental: a base of 1000 documents, then an update that changes 400 of them
    # (their bodies differ) and adds 600 more
    base_docs = full[:1000]
    changed = [dict(d, body=d["body"] + " تحديث") if 300 <= i < 700 else d
               for i, d in enumerate(base_docs)]
    write_jsonl(root / "base" / "a.jsonl", base_docs)
    write_jsonl(root / "update" / "a.jsonl", changed)
    write_jsonl(root / "update" / "b.jsonl", full[1000:])

    started = time.monotonic()
    child = popen_indexer(root / "ix-full", [root / "full"], commit_every=COMMIT_EVERY)
    assert child.stdout.readline().strip() == "ready"
    ready = time.monotonic()
    out, err = child.communicate(timeout=120)
    assert child.returncode == 0, err
    fresh_seconds = time.monotonic() - ready
    assert time.monotonic() - started < 120

    started = time.monotonic()
    run = cli("index", str(root / "full"), "--index", str(root / "ix-rebuilt"), "--rebuild")
    assert run.returncode == 0, run.stderr
    rebuild_seconds = time.monotonic() - started

    run = cli("index", str(root / "base"), "--index", str(root / "ix-base"))
    assert run.returncode == 0, run.stderr
    shutil.copytree(root / "ix-base", root / "ix-timing")
    child = popen_indexer(root / "ix-timing", [root / "update"], commit_every=COMMIT_EVERY)
    assert child.stdout.readline().strip() == "ready"
    ready = time.monotonic()
    child.communicate(timeout=120)
    assert child.returncode == 0
    update_seconds = time.monotonic() - ready
    return {
        "root": root, "ids": {d["id"] for d in full}, "fresh_s": fresh_seconds,
        "rebuild_s": rebuild_seconds, "update_s": update_seconds,
    }


def kill_delays(seconds: float, scenario: str) -> list[float]:
    """One seeded random moment in each of KILLS_PER_SCENARIO slices of the run."""
    rng = random.Random(f"{SEED}-{scenario}")
    span = seconds * 1.05
    return [span * (i + rng.random()) / KILLS_PER_SCENARIO for i in range(KILLS_PER_SCENARIO)]


def kill_after(proc, delay: float) -> bool:
    """SIGKILL ``proc`` ``delay`` s from now; True if the kill is what ended it. A run
    can finish between the last look and the signal (it then exits 0, seen in CI): that
    counts as finished first, not as a kill."""
    deadline = time.monotonic() + delay
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            break
        time.sleep(0.005)
    if proc.poll() is None:
        os.kill(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)
    return proc.returncode == -signal.SIGKILL


def kill_while_running(start, delay: float, reset) -> None:
    """Start a writer (``start()`` returns its process, ready) and kill it ``delay`` s
    later; when the run finished first (a busy machine makes runs slower or faster than
    measured), ``reset()`` the folder and try again sooner. A kill that lands after the
    run ended proves nothing, so the test fails if none lands while the writer runs."""
    for _ in range(6):
        child = start()
        if kill_after(child, delay):
            return
        reset()
        delay /= 2
    pytest.fail("the writer always finished before the kill: nothing was tested")


def expected_hashes(*paths: Path) -> dict[str, str]:
    return {d.id: content_hash(d) for d in read_documents(list(paths), on_problem=print)}


def index_hashes(folder: Path) -> dict[str, str]:
    meta = storage.require_meta(folder)
    ix = whoosh_index.open_dir(str(folder), indexname=meta["indexname"])
    try:
        with ix.reader() as reader:
            ids, hashes = reader.column_reader("id"), reader.column_reader("hash")
            return {ids[n]: hashes[n] for n in reader.all_doc_ids()}
    finally:
        ix.close()


def recover(folder: Path, source: Path, input_ids: set[str]) -> None:
    """The next ``arsearch index`` completes and brings the index up to date."""
    run = cli("index", str(source), "--index", str(folder))
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
    check_committed(folder, input_ids, {N_DOCS})
    assert index_hashes(folder) == expected_hashes(source)
    meta = storage.require_meta(folder)
    assert generation_files(folder) == {meta["indexname"]}, "a stale generation was left"


def record(scenario: str, survived: bool, state: str) -> None:
    row = SUMMARY.setdefault(scenario, {"tried": 0, "survived": 0})
    row["tried"] += 1
    row["survived"] += survived
    row[state] = row.get(state, 0) + 1


def test_kill_during_fresh_build(corpus):
    root, ids = corpus["root"], corpus["ids"]
    # a first build is current from its creation: the empty index is a committed state
    checkpoints = {0, *range(COMMIT_EVERY, N_DOCS + 1, COMMIT_EVERY)}
    for n, delay in enumerate(kill_delays(corpus["fresh_s"], "fresh")):
        folder = root / f"ix-fresh-{n}"

        def start(folder=folder):
            child = popen_indexer(folder, [root / "full"], commit_every=COMMIT_EVERY)
            assert child.stdout.readline().strip() == "ready"
            return child

        kill_while_running(start, delay, lambda folder=folder: shutil.rmtree(folder))
        try:
            count = check_committed(folder, ids, checkpoints)
            state = "complete" if count == N_DOCS else "partial"
        except IndexNotFoundError:
            state = "empty"  # killed before anything was made current: nothing to lose
        record("fresh build", True, state)
        recover(folder, root / "full", ids)
        shutil.rmtree(folder)
    assert SUMMARY["fresh build"]["tried"] == KILLS_PER_SCENARIO


def test_kill_during_cli_rebuild(corpus):
    root, ids = corpus["root"], corpus["ids"]
    folder = root / "ix-rebuild"
    shutil.copytree(root / "ix-full", folder)
    for delay in kill_delays(corpus["rebuild_s"], "rebuild"):
        seen: dict[str, str] = {}

        def start(seen: dict[str, str] = seen) -> subprocess.Popen:
            # a rebuild that finished first left a complete index: rebuild it again
            seen["before"] = storage.require_meta(folder)["indexname"]
            return popen_cli("index", str(root / "full"), "--index", str(folder), "--rebuild")

        kill_while_running(start, delay, lambda: None)
        before = seen["before"]
        # the old generation stays current until the new one is complete
        check_committed(folder, ids, {N_DOCS})
        after = storage.require_meta(folder)["indexname"]
        record("--rebuild (CLI)", True, "switched" if after != before else "old kept")
        recover(folder, root / "full", ids)


def test_kill_during_incremental_update(corpus):
    root, ids = corpus["root"], corpus["ids"]
    # the committed states: every COMMIT_EVERY changed (added or updated) documents
    base = expected_hashes(root / "base")
    counts, pending, total = {len(base)}, 0, len(base)
    for doc_id, digest in expected_hashes(root / "update").items():
        if base.get(doc_id) != digest:
            pending += 1
            total += doc_id not in base
            if pending == COMMIT_EVERY:
                counts.add(total)
                pending = 0
    counts.add(total)
    assert total == N_DOCS and len(counts) >= 4
    for n, delay in enumerate(kill_delays(corpus["update_s"], "update")):
        folder = root / f"ix-update-{n}"

        def start(folder=folder):
            shutil.copytree(root / "ix-base", folder)
            child = popen_indexer(folder, [root / "update"], commit_every=COMMIT_EVERY)
            assert child.stdout.readline().strip() == "ready"
            return child

        kill_while_running(start, delay, lambda folder=folder: shutil.rmtree(folder))
        check_committed(folder, ids, counts)
        # every document holds either its old or its new content, once
        hashes = index_hashes(folder)
        new = expected_hashes(root / "update")
        assert all(h in (base.get(i), new[i]) for i, h in hashes.items())
        done = sum(h == new[i] != base.get(i) for i, h in hashes.items())
        state = "previous" if not done else "complete" if hashes == new else "partial"
        record("incremental update", True, state)
        recover(folder, root / "update", ids)
        shutil.rmtree(folder)


def test_interrupted_first_build_resumes(corpus, tmp_path):
    """The commits of an interrupted first build are kept and the next run resumes."""
    root, ids = corpus["root"], corpus["ids"]
    folder = tmp_path / "ix"
    child = popen_indexer(folder, [root / "full"], commit_every=COMMIT_EVERY)
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    # Whoosh numbers its table of contents per commit: _gen1_0.toc is the empty index
    while not any(int(p.stem.rsplit("_", 1)[1]) >= 2 for p in folder.glob("_gen*_*.toc")):
        assert time.monotonic() < deadline and child.poll() is None, "no commit seen"
        time.sleep(0.005)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=60)
    kept = check_committed(folder, ids, set(range(COMMIT_EVERY, N_DOCS + 1, COMMIT_EVERY)))
    assert kept >= 2 * COMMIT_EVERY
    run = cli("index", str(root / "full"), "--index", str(folder))
    assert run.returncode == 0, run.stderr
    assert f"{N_DOCS - kept} added, 0 updated, {kept} unchanged" in run.stdout
    check_committed(folder, ids, {N_DOCS})


def test_every_kill_landed_while_a_writer_ran():
    """(Runs last in this module.) Each scenario killed its writer KILLS_PER_SCENARIO
    times mid-run and survived; the table goes to pytest's terminal summary."""
    if not SUMMARY:
        pytest.skip("no kill scenario ran")
    lines = ["kill -9 survived / tried (each kill landed while the writer ran):"]
    for scenario, row in SUMMARY.items():
        states = ", ".join(f"{k}: {v}" for k, v in row.items() if k not in ("tried", "survived"))
        lines.append(f"  {scenario:<20} {row['survived']}/{row['tried']}  ({states})")
        assert row["tried"] == row["survived"] == KILLS_PER_SCENARIO, scenario
    tried = sum(r["tried"] for r in SUMMARY.values())
    lines.append(f"  total {sum(r['survived'] for r in SUMMARY.values())}/{tried}")
    summary("crash safety", lines)


# ---------------------------------------------------------------------------- locks


def test_live_writer_blocks_second_and_kill_releases_lock(corpus):
    root, ids = corpus["root"], corpus["ids"]
    folder = root / "ix-lock"
    first = popen_cli("index", str(root / "full"), "--index", str(folder))
    try:
        wait_for_lock_holder(folder, first.pid)
        second = cli("index", str(root / "full"), "--index", str(folder))
        assert second.returncode != 0
        assert "being updated" in second.stderr
        assert "Traceback" not in second.stderr
        assert len(second.stderr.strip().splitlines()) == 1, second.stderr
    finally:
        first.kill()
        first.communicate(timeout=60)
    assert first.returncode == -signal.SIGKILL
    # the lock file outlives the process, its flock does not
    assert (folder / storage.LOCK).read_text() == str(first.pid)
    fd = os.open(folder / storage.LOCK, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises if the lock were stale
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
    started = time.monotonic()
    run = cli("index", str(root / "full"), "--index", str(folder))  # --wait 0: no waiting
    assert run.returncode == 0, run.stderr
    assert time.monotonic() - started < 60
    check_committed(folder, ids, {N_DOCS})


def test_killed_python_writer_releases_lock(tmp_path):
    """index_documents under the lock, killed: the next writer in-process gets it at once."""
    write_jsonl(tmp_path / "c" / "a.jsonl", synthetic_docs(3000, seed=3))
    child = popen_indexer(tmp_path / "ix", [tmp_path / "c"], commit_every=100)
    assert child.stdout.readline().strip() == "ready"
    wait_for_lock_holder(tmp_path / "ix", child.pid)
    os.kill(child.pid, signal.SIGKILL)
    child.communicate(timeout=60)
    with storage.write_lock(tmp_path / "ix", wait=0):
        pass
    run = cli("index", str(tmp_path / "c"), "--index", str(tmp_path / "ix"))
    assert run.returncode == 0, run.stderr
    with open_index(tmp_path / "ix") as engine:
        assert engine.stats()["documents"] == 3000
