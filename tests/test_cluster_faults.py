"""A cluster when things go wrong: a shard down (an error naming it, or with
``allow_partial`` results marked partial everywhere), a replica taking over reads, and
``kill -9`` of a writer or of a shard server in the middle of indexing (nothing
committed is lost; running again converges).

Everything is real: ``xapian-tcpsrv`` servers on 127.0.0.1 free ports, the
``arsearch`` command in subprocesses, ``xapian-replicate-server`` / ``xapian-replicate``,
the Flask app.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.xapian_support import LocalCluster, require_xapian

require_xapian()

import xapian  # noqa: E402

import arsearch  # noqa: E402
from arsearch.backends.xapian import search as xsearch  # noqa: E402
from arsearch.backends.xapian.cluster import (  # noqa: E402
    ShardServer,
    free_port,
    read_cluster,
    shard_index,
)
from arsearch.backends.xapian.core import ShardUnavailableError  # noqa: E402
from arsearch.backends.xapian.folder import part_paths, read_meta  # noqa: E402
from arsearch.backends.xapian.store import existing_documents  # noqa: E402
from arsearch.ingest import Document, content_hash  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "arsearch", *args], capture_output=True,
                          text=True, cwd=cwd or ROOT, timeout=300)


@pytest.fixture
def cluster(tmp_path, sample_dir):
    """Three writable shard servers holding the sample (indexed through the cluster)."""
    with LocalCluster(tmp_path, 3) as c:
        arsearch.index_paths(c.file, [sample_dir], id_root=sample_dir)
        yield c


def per_shard_totals(c: LocalCluster, query: str) -> list[int]:
    """The total of ``query`` on each shard alone (its own server)."""
    totals = []
    for s in c.servers:
        one = c.folder / f"one-{s.port}.toml"
        one.write_text(f'[[shard]]\nhost = "127.0.0.1"\nport = {s.port}\n', "utf-8")
        with arsearch.open_index(one) as engine:
            totals.append(engine.search(query).total)
    return totals


# -- a shard down -------------------------------------------------------------------------


def test_cluster_shard_down_is_an_error_naming_it_or_partial_results_that_say_so(cluster):
    query = "الحكومة"
    totals = per_shard_totals(cluster, query)
    with arsearch.open_index(cluster.file) as whole:
        assert whole.search(query).total == sum(totals)
    cluster.kill(1)
    name = read_cluster(cluster.file).shards[1].name
    with pytest.raises(ShardUnavailableError, match=name) as info:
        arsearch.open_index(cluster.file)
    assert "\n" not in str(info.value)
    with arsearch.open_index(cluster.file, allow_partial=True) as engine:
        results = engine.search(query, per_page=100)
        # the total of the shards that answered, and said to be partial: never a
        # silently smaller total
        assert results.partial and results.missing_shards == [name]
        assert results.total == totals[0] + totals[2]
        assert results.to_dict()["partial"] is True
        assert results.to_dict()["missing_shards"] == [name]
        assert engine.stats()["partial"] and engine.health()["missing_shards"] == [name]
    # the command line: one line and status 1, or a "partial" line with --allow-partial
    out = run_cli("search", query, "--index", str(cluster.file))
    assert out.returncode == 1 and out.stderr.count("\n") == 1 and name in out.stderr
    out = run_cli("search", query, "--index", str(cluster.file), "--allow-partial")
    assert out.returncode == 0 and f"partial: shard(s) {name} did not answer" in out.stderr
    assert f"{totals[0] + totals[2]} results" in out.stdout and "(partial)" in out.stdout
    out = run_cli("search", query, "--index", str(cluster.file), "--allow-partial", "--json")
    data = json.loads(out.stdout)
    assert data["partial"] is True and data["missing_shards"] == [name]
    status = run_cli("cluster", "status", str(cluster.file), "--json")
    assert status.returncode == 1
    assert [s["status"] for s in json.loads(status.stdout)] == ["ok", "missing", "ok"]


def test_cluster_shard_killed_while_open_then_back(cluster, monkeypatch):
    """Killed under an open engine: the next search names it (not partial) or goes on
    without it (partial); once it is back, the partial engine takes it in again."""
    monkeypatch.setattr(xsearch, "RETRY_MISSING", 0.0)
    query = "الحكومة"
    strict = arsearch.open_index(cluster.file, refresh_every=0)
    partial = arsearch.open_index(cluster.file, allow_partial=True, refresh_every=0)
    try:
        full = strict.search(query).total
        cluster.kill(2)
        with pytest.raises(ShardUnavailableError):
            strict.search(query)
        got = partial.search(query)
        assert got.partial and got.total < full
        cluster.restart(2)
        again = partial.search(query)
        assert not again.partial and again.total == full
        assert strict.search(query).total == full  # the strict one reconnects too
    finally:
        strict.close()
        partial.close()


def test_cluster_web_marks_partial_results_and_refuses_otherwise(cluster, make_app):
    cluster.kill(0)
    name = read_cluster(cluster.file).shards[0].name
    client = make_app(ARSEARCH_INDEX=str(cluster.file), ARSEARCH_ALLOW_PARTIAL=True
                      ).test_client()
    page = client.get("/?q=الحكومة")
    assert page.status_code == 200
    assert "نتائج جزئية" in page.get_data(as_text=True) and name in page.get_data(as_text=True)
    api = client.get("/api/search?q=الحكومة").get_json()
    assert api["partial"] is True and api["missing_shards"] == [name]
    health = client.get("/healthz")
    assert health.status_code == 200 and health.get_json()["partial"] is True
    strict = make_app(ARSEARCH_INDEX=str(cluster.file)).test_client()
    refused = strict.get("/api/search?q=الحكومة")
    assert refused.status_code == 503 and name in refused.get_json()["error"]["message"]
    assert strict.get("/healthz").status_code == 503


# -- replicas -----------------------------------------------------------------------------


def test_cluster_replica_takes_over_reads_when_its_primary_is_down(tmp_path, sample_docs):
    """A shard's replica, kept by xapian-replicate from its primary's changesets, serves
    reads when the primary is down; the results are the same."""
    masters = tmp_path / "masters"
    primary = ShardServer(masters / "s0", writable=True).start()
    other = ShardServer(tmp_path / "s1", writable=True).start()
    rport = free_port()
    replicator = subprocess.Popen(["xapian-replicate-server", "-I", "127.0.0.1", "-p",
                                   str(rport), str(masters)], stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL, start_new_session=True)
    replica_dir = tmp_path / "replica-s0"
    replica = None
    try:
        plain = tmp_path / "plain.toml"
        plain.write_text(f'[[shard]]\nname = "s0"\nhost = "127.0.0.1"\nport = {primary.port}\n'
                         f'[[shard]]\nname = "s1"\nhost = "127.0.0.1"\nport = {other.port}\n',
                         "utf-8")
        arsearch.index_documents(plain, sample_docs[:20])

        def pull() -> None:
            deadline = time.monotonic() + 20
            while True:  # the replication server may not listen yet
                out = subprocess.run(["xapian-replicate", "-h", "127.0.0.1", "-p", str(rport),
                                      "-m", "s0", "-o", "-r", "0", str(replica_dir)],
                                     capture_output=True, text=True, timeout=60)
                if out.returncode == 0 or time.monotonic() > deadline:
                    break
                time.sleep(0.2)
            assert out.returncode == 0, out.stderr

        pull()
        replica = ShardServer(replica_dir).start()
        config = tmp_path / "cluster.toml"
        config.write_text(
            f'[[shard]]\nname = "s0"\nhost = "127.0.0.1"\nport = {primary.port}\n'
            f'replicas = [{{ host = "127.0.0.1", port = {replica.port} }}]\n'
            f'[[shard]]\nname = "s1"\nhost = "127.0.0.1"\nport = {other.port}\n', "utf-8")
        # more documents on the primary: the replica follows its changesets
        arsearch.index_documents(config, sample_docs[20:])
        pull()
        queries = ["الحكومة", "إدلب", "", '"ريف إدلب"']
        with arsearch.open_index(config, refresh_every=0) as engine:
            before = {q: [(h.id, h.score) for h in engine.search(q, per_page=50).hits]
                      for q in queries}
            assert engine.search("").total == len(sample_docs)
            primary.stop(signal.SIGKILL)
            for q in queries:  # failover inside the open engine, same answers
                got = engine.search(q, per_page=50)
                assert not got.partial
                assert [(h.id, round(h.score, 9)) for h in got.hits] == \
                    [(i, round(s, 9)) for i, s in before[q]], q
        with arsearch.open_index(config) as engine:  # opening on the replica
            assert engine.search("").total == len(sample_docs)
            assert [s["status"] for s in engine.stats()["shards"]] == ["replica", "ok"]
        status = run_cli("cluster", "status", str(config))
        assert status.returncode == 0 and f"(replica 127.0.0.1:{replica.port})" in status.stdout
    finally:
        for server in (primary, other, replica):
            if server is not None:
                server.stop()
        os.killpg(replicator.pid, signal.SIGKILL)
        replicator.wait()


# -- kill -9 while indexing ----------------------------------------------------------------

WRITER = """
import sys
import arsearch
from arsearch.ingest import Document

n, procs = int(sys.argv[2]), int(sys.argv[3])
docs = (Document(id=f"d{i:05d}", title=f"خبر رقم {i}", body=f"نص الخبر رقم {i} عن الاقتصاد " * 40)
        for i in range(n))
report = arsearch.index_documents(sys.argv[1], docs, commit_every=100, procs=procs, wait=30)
print(report.added, report.unchanged, report.documents)
"""


def expected(n: int) -> dict[str, str]:
    return {f"d{i:05d}": content_hash(Document(
        id=f"d{i:05d}", title=f"خبر رقم {i}", body=f"نص الخبر رقم {i} عن الاقتصاد " * 40))
        for i in range(n)}


def start_writer(target: Path, n: int, procs: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(n), str(procs)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=ROOT, start_new_session=True)


def read_while_written(open_dbs) -> dict[str, tuple[str, str]]:
    """id -> (hash, path) of the committed documents (again when a commit overtook us)."""
    for _ in range(50):
        dbs = open_dbs()
        try:
            return existing_documents(dbs)
        except xapian.DatabaseModifiedError:
            continue
        finally:
            for db in dbs:
                db.close()
    raise AssertionError("the index kept changing under the reader")


def cluster_documents(c: LocalCluster) -> dict[str, tuple[str, str]]:
    return read_while_written(lambda: [xapian.remote_open("127.0.0.1", s.port, 10_000)
                                       for s in c.servers])


def cluster_count(c: LocalCluster) -> int:
    total = 0
    for s in c.servers:
        db = xapian.remote_open("127.0.0.1", s.port, 10_000)
        total += db.get_doccount()
        db.close()
    return total


def wait_for(predicate, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


@pytest.mark.parametrize("procs", [1, 2])
def test_cluster_kill_9_of_the_writer_loses_nothing_committed_and_a_rerun_converges(
        tmp_path, procs):
    n = 6000
    want = expected(n)
    with LocalCluster(tmp_path, 3) as c:
        writer = start_writer(c.file, n, procs)
        wait_for(lambda: cluster_count(c) >= 300 or writer.poll() is not None)
        os.killpg(writer.pid, signal.SIGKILL)
        writer.communicate()
        found = cluster_documents(c)
        assert 300 <= len(found) < n
        # every document there is whole: its content hash, on the shard it routes to
        assert {i: h for i, (h, _) in found.items()} == {i: want[i] for i in found}
        again = start_writer(c.file, n, procs)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        added, unchanged, total = map(int, out.split())
        assert total == n and added + unchanged == n and unchanged >= len(found)
        assert {i: h for i, (h, _) in cluster_documents(c).items()} == want
        for i, s in enumerate(c.servers):  # each on the shard its id routes to
            db = xapian.remote_open("127.0.0.1", s.port, 10_000)
            ids = [v.value.decode() for v in db.valuestream(0)]
            db.close()
            assert all(shard_index(d, 3) == i for d in ids)


def test_cluster_kill_9_of_a_shard_server_loses_nothing_committed_and_a_rerun_converges(
        tmp_path):
    n = 6000
    want = expected(n)
    with LocalCluster(tmp_path, 3) as c:
        first = start_writer(c.file, 300, 1)
        _, err = first.communicate(timeout=300)
        assert first.returncode == 0, err
        committed = cluster_documents(c)
        assert len(committed) == 300
        writer = start_writer(c.file, n, 1)
        wait_for(lambda: cluster_count(c) >= 600 or writer.poll() is not None)
        c.kill(1)
        _, err = writer.communicate(timeout=120)
        # the run stops with one line naming the shard
        assert writer.returncode == 1 and "shard" in err and str(c.servers[1].port) in err
        c.restart(1)
        after = cluster_documents(c)
        assert set(committed) <= set(after)  # nothing committed was lost
        assert {i: h for i, (h, _) in after.items()} == {i: want[i] for i in after}
        again = start_writer(c.file, n, 1)
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        assert {i: h for i, (h, _) in cluster_documents(c).items()} == want


def test_xapian_kill_9_of_a_local_writer_keeps_its_commits_and_a_rerun_converges(tmp_path):
    n = 6000
    want = expected(n)
    index = tmp_path / "index"
    arsearch.index_documents(index, [], backend="xapian", procs=2)  # two parts, empty

    def local_documents() -> dict:
        return read_while_written(lambda: [xapian.Database(str(p))
                                           for p in part_paths(index, read_meta(index))])

    writer = start_writer(index, n, 2)
    wait_for(lambda: len(local_documents()) >= 300 or writer.poll() is not None)
    os.killpg(writer.pid, signal.SIGKILL)
    writer.communicate()
    found = local_documents()
    assert 300 <= len(found) < n
    assert {i: h for i, (h, _) in found.items()} == {i: want[i] for i in found}
    again = start_writer(index, n, 2)
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, err
    assert {i: h for i, (h, _) in local_documents().items()} == want
    # one database left: the re-run's compacted copy (a large run), nothing stale
    assert [p.name for p in index.iterdir() if p.name.startswith("db")] == \
        [read_meta(index)["database"]]



def workers_of(pid: int) -> list[int]:
    """The processes ``pid`` forked (Linux: /proc)."""
    with open(f"/proc/{pid}/task/{pid}/children", encoding="ascii") as f:
        return [int(c) for c in f.read().split()]


def local_count(index: Path) -> int:
    meta = read_meta(index)
    if meta is None:
        return 0
    total = 0
    for p in part_paths(index, meta):
        try:
            db = xapian.Database(str(p))
        except xapian.DatabaseOpeningError:  # a part not created yet
            continue
        total += db.get_doccount()
        db.close()
    return total


def test_xapian_kill_9_of_a_local_writers_main_process_frees_the_index_for_a_rerun(
        tmp_path):
    """Its workers must not outlive it: orphans held the folder's writer lock for ever,
    and every later run failed with "being updated by another process"."""
    n = 6000
    index = tmp_path / "index"
    arsearch.index_documents(index, [], backend="xapian", procs=2)  # two parts, empty
    writer = start_writer(index, n, 2)
    try:
        wait_for(lambda: local_count(index) >= 300 or writer.poll() is not None)
        assert len(workers_of(writer.pid)) == 2
        os.kill(writer.pid, signal.SIGKILL)  # the main process only, not its group
        writer.wait()  # not communicate(): orphans would hold its pipes open
        writer.stdout.close()
        writer.stderr.close()
        again = start_writer(index, n, 2)  # waits up to 30 s for the lock
        out, err = again.communicate(timeout=300)
        assert again.returncode == 0, err
        assert int(out.split()[2]) == n
        assert {i: h for i, (h, _) in read_while_written(
            lambda: [xapian.Database(str(p))
                     for p in part_paths(index, read_meta(index))]).items()} == expected(n)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(writer.pid, signal.SIGKILL)  # orphans, if the test failed


def test_xapian_kill_9_of_one_local_worker_stops_the_run_with_one_line(tmp_path):
    """`arsearch index` stops with its one-line error and exits: before, it printed the
    error, then waited for ever at exit to hand the dead worker the batch it was
    sending."""
    n = 6000
    corpus = tmp_path / "news.jsonl"
    corpus.write_text("".join(json.dumps({"id": f"d{i:05d}", "title": f"خبر رقم {i}",
                                          "body": f"نص الخبر رقم {i} عن الاقتصاد " * 40},
                                         ensure_ascii=False) + "\n" for i in range(n)),
                      "utf-8")
    index = tmp_path / "index"
    command = [sys.executable, "-m", "arsearch", "index", str(corpus), "--index", str(index),
               "--backend", "xapian", "--procs", "2"]
    writer = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True, cwd=ROOT, start_new_session=True)
    try:
        wait_for(lambda: local_count(index) >= 300 or writer.poll() is not None)
        os.kill(workers_of(writer.pid)[0], signal.SIGKILL)
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 1
        assert err.strip() == "error: an indexing worker stopped (exit code -9)"
        again = run_cli(*command[3:])
        assert again.returncode == 0, again.stderr
        assert f"{n} documents in" in again.stdout
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(writer.pid, signal.SIGKILL)

# -- growing -------------------------------------------------------------------------------


def test_cluster_grown_by_a_shard_moves_changed_documents_and_holds_no_id_twice(
        tmp_path, sample_docs):
    """Appending a shard reroutes a third of the ids to it (jump hash); unchanged
    documents stay where they are (still found), changed ones move: every id is held
    once."""
    with LocalCluster(tmp_path, 3) as c:
        two = tmp_path / "two.toml"
        two.write_text("".join(f'[[shard]]\nname = "shard-{i}"\nhost = "127.0.0.1"\n'
                               f"port = {s.port}\n\n" for i, s in enumerate(c.servers[:2])),
                       "utf-8")
        arsearch.index_documents(two, sample_docs)
        assert cluster_count(c) == len(sample_docs)
        moving = [d for d in sample_docs if shard_index(d.id, 3) == 2]
        assert moving
        changed = [Document(id=d.id, title=d.title, body=d.body + " زقزقة", date=d.date,
                            source=d.source) for d in moving[:3]]
        report = arsearch.index_documents(c.file, changed)
        assert report.updated == len(changed)
        found = cluster_documents(c)
        assert len(found) == cluster_count(c) == len(sample_docs)  # no id twice
        db = xapian.remote_open("127.0.0.1", c.servers[2].port, 10_000)
        on_new = {v.value.decode() for v in db.valuestream(0)}
        db.close()
        assert on_new == {d.id for d in changed}
        with arsearch.open_index(c.file) as engine:
            assert engine.search("").total == len(sample_docs)
            assert {h.id for h in engine.search("زقزقة").hits} == {d.id for d in changed}
