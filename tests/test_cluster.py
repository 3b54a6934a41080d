"""The Xapian cluster: routing, the cluster file, shard servers, one index over shards.

Every test that needs servers starts real ``xapian-tcpsrv`` processes on 127.0.0.1 with
free ports, and stops them (and the children they fork per connection) afterwards.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.xapian_support import build_local, build_shards, require_xapian

require_xapian()

import xapian  # noqa: E402

from arsearch.backends.xapian.cluster import (  # noqa: E402
    Cluster,
    ClusterWriter,
    ShardAddress,
    ShardServer,
    free_port,
    jump_hash,
    read_cluster,
    shard_index,
    write_cluster,
)
from arsearch.backends.xapian.core import (  # noqa: E402
    ArsearchError,
    ClusterFileError,
    ShardUnavailableError,
)
from arsearch.backends.xapian.index import LAYOUT_KEY, id_term  # noqa: E402
from arsearch.backends.xapian.search import XapianSearcher, cluster_status  # noqa: E402
from arsearch.ingest import Document  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
QUERIES = ["داعش إدلب", "أسعار النفط", "ترمب", '"كأس العالم"', "الحكومة -سوريا",
           "النفط OR القمح", "title:إدلب", "category:sport", "date:2019..2020 الحكومة",
           "في", "source:العربية أسعار", "المدرسة التلاميذ الجديد", "خبر عن الاقتصاد"]


@pytest.fixture(scope="module")
def corpus(sample_docs) -> list[Document]:
    """The sample plus 300 generated articles from its words (ties, common and rare
    words, several sources), so statistics differ visibly from shard to shard."""
    rnd = random.Random(13)
    vocab = [w for d in sample_docs for w in d.body.split() if len(w) > 2]
    sources = ["العربية", "الجزيرة نت", "فرانس 24", None]
    docs = list(sample_docs)
    for i in range(300):
        body = " ".join(rnd.choices(vocab, k=rnd.randint(5, 150)))
        title = " ".join(rnd.choices(vocab, k=rnd.randint(0, 8)))
        docs.append(Document(id=f"gen/{i:03d}", title=title, body=body,
                             source=sources[i % 4], category=["sport", "economy"][i % 2]))
    return docs


@pytest.fixture(scope="module")
def local_index(tmp_path_factory, corpus) -> Path:
    return build_local(tmp_path_factory.mktemp("local") / "ix", corpus)


@pytest.fixture(scope="module")
def shard_servers(tmp_path_factory, corpus):
    """Three read-only shard servers holding the corpus, routed by id."""
    paths = build_shards(tmp_path_factory.mktemp("shards"), corpus, 3)
    servers = [ShardServer(p).start() for p in paths]
    yield servers
    for s in servers:
        s.stop()


def addresses(servers) -> list[ShardAddress]:
    return [ShardAddress(f"shard-{i}", s.host, s.port) for i, s in enumerate(servers)]


# -- routing ------------------------------------------------------------------------------


def test_cluster_routing_is_stable_across_processes():
    """Never Python's hash(): a new process (another PYTHONHASHSEED) routes the same."""
    sample = [f"doc-{i}" for i in range(50)] + ["txt/01.txt", "إدلب/١", "x" * 1000]
    here = [shard_index(d, 7) for d in sample]
    code = ("import sys, json; from arsearch.backends.xapian.cluster import shard_index; "
            "print(json.dumps([shard_index(d, 7) for d in json.loads(sys.argv[1])]))")
    import json

    for seed in ("1", "999"):
        out = subprocess.run([sys.executable, "-c", code, json.dumps(sample)],
                             capture_output=True, text=True, cwd=ROOT,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(out.stdout) == here, out.stderr
    # pinned: a change of the routing function would strand every existing document
    assert [shard_index(f"doc-{i}", 3) for i in range(12)] == PINNED_ROUTES


PINNED_ROUTES = [0, 2, 0, 0, 2, 1, 0, 0, 1, 0, 1, 1]


def test_cluster_routing_balances_and_growing_moves_only_the_new_share():
    ids = [f"news/{i}" for i in range(30_000)]
    three = [shard_index(d, 3) for d in ids]
    counts = [three.count(s) for s in range(3)]
    assert max(counts) - min(counts) < 0.05 * len(ids) / 3
    four = [shard_index(d, 4) for d in ids]
    moved = [(a, b) for a, b in zip(three, four, strict=True) if a != b]
    assert all(b == 3 for _, b in moved)  # documents move only to the new shard
    assert abs(len(moved) / len(ids) - 1 / 4) < 0.02
    assert jump_hash(0, 1) == 0
    # the published implementations' vectors (the paper's C++ code)
    assert jump_hash(10863919174838991, 11) == 6
    assert jump_hash(2016238256797177309, 11) == 3
    assert jump_hash(256, 1024) == 520
    with pytest.raises(ValueError):
        jump_hash(5, 0)


# -- the cluster file ---------------------------------------------------------------------


def test_cluster_file_reads_shards_and_replicas(tmp_path):
    path = tmp_path / "cluster.toml"
    path.write_text("""
[[shard]]
name = "a"
host = "127.0.0.1"
port = 7001
replicas = [{ host = "127.0.0.1", port = 7101 }]

[[shard]]
host = "10.0.0.2"
port = 7002
""", "utf-8")
    cluster = read_cluster(path)
    assert [s.name for s in cluster.shards] == ["a", "shard-1"]
    assert cluster.shards[0].replicas == (ShardAddress("a replica 1", "127.0.0.1", 7101),)
    assert cluster.shard_for("x") in cluster.shards
    assert read_cluster(write_cluster(tmp_path / "w.toml", [("127.0.0.1", 1), ("h", 2)])
                        ).addresses == [ShardAddress("shard-0", "127.0.0.1", 1),
                                        ShardAddress("shard-1", "h", 2)]


@pytest.mark.parametrize(("text", "message"), [
    ("", "no \\[\\[shard\\]\\] table"),
    ("[[shard]\nhost=1", "not valid TOML"),
    ("[[shard]]\nport = 1", "host must be"),
    ("[[shard]]\nhost = 'h'\nport = 0", "port must be"),
    ("[[shard]]\nhost = 'h'\nport = 70000", "port must be"),
    ("[[shard]]\nhost = 'h'\nport = '1'", "port must be"),
    ("[[shard]]\nhost = 'h'\nport = true", "port must be"),
    ("[[shard]]\nhost = 'a b'\nport = 1", "host must be"),
    ("[[shard]]\nhost = 'h'\nport = 1\ncolour = 'red'", "unknown key"),
    ("shards = 1", "unknown key"),
    ("[[shard]]\nhost = 'h'\nport = 1\n[[shard]]\nhost = 'h'\nport = 1", "listed twice"),
    ("[[shard]]\nname='a'\nhost = 'h'\nport = 1\n[[shard]]\nname='a'\nhost = 'h'\nport = 2",
     "share the name 'a' \\(shards \\[1, 2\\]\\)"),
    ('[[shard]]\nname = "../x\\n"\nhost = "h"\nport = 1', "name must be printable"),
    ("[[shard]]\nhost = 'h'\nport = 1\nreplicas = [{ host = 'h' }]", "port must be"),
    ("[[shard]]\nhost = 'h'\nport = 1\nreplicas = 'h:2'", "replicas must be"),
])
def test_cluster_file_errors_are_one_line(tmp_path, text, message):
    path = tmp_path / "c.toml"
    path.write_text(text, "utf-8")
    with pytest.raises(ClusterFileError, match=message) as info:
        read_cluster(path)
    assert "\n" not in str(info.value)


def test_a_port_that_is_not_a_shard_server_is_named_as_such():
    from arsearch.backends.xapian.core import network_reason

    ssh = network_reason(Exception("Expecting reply type 0 or 2, got 83 (context: "
                                    "remote:tcp(127.0.0.1:22))"))
    assert ssh.startswith("Expecting reply type 0 or 2, got 83 (the port answers but not "
                          "as a Xapian shard server")
    assert "not a Xapian shard server" in network_reason(Exception(
        "Timeout expired while trying to read"))
    assert network_reason(Exception("Couldn't connect (Connection refused)")) == \
        "Couldn't connect (Connection refused)"


def test_cluster_file_missing_or_binary(tmp_path):
    with pytest.raises(ClusterFileError, match="no cluster file"):
        read_cluster(tmp_path / "none.toml")
    (tmp_path / "bin.toml").write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ClusterFileError, match="cannot read"):
        read_cluster(tmp_path / "bin.toml")


# -- shard servers ------------------------------------------------------------------------


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "8.8.8.8"])
def test_cluster_shard_server_refuses_a_public_address(tmp_path, host):
    with pytest.raises(ArsearchError, match="no authentication"):
        ShardServer(tmp_path, host=host).start()


def test_cluster_shard_server_errors_are_one_line(tmp_path, local_index):
    with pytest.raises(ArsearchError, match="no Xapian database"):
        ShardServer(tmp_path / "none").start()
    with ShardServer(local_index) as first, \
            pytest.raises(ArsearchError, match="could not serve"):
        ShardServer(local_index, port=first.port).start()  # the port is taken


#: A stand-in for a server whose connection's child outlives it (one such child, stuck
#: on a lock with SIGTERM blocked, stayed after a test run): it forks that child, which
#: writes its pid beside the script, then says it listens as xapian-tcpsrv does.
STRAGGLING_SERVER = """#!{python}
import os, signal, sys, time
from pathlib import Path
pid = os.fork()
if pid == 0:
    signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGTERM}})
    Path(sys.argv[0] + ".child").write_text(str(os.getpid()))
    time.sleep(120)
    os._exit(0)
while not Path(sys.argv[0] + ".child").exists():
    time.sleep(0.01)
print("Listening on port", sys.argv[2], flush=True)
time.sleep(120)
"""


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie, dead but not yet reaped, does not)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


def test_cluster_shard_server_stop_leaves_nothing_of_its_process_group(tmp_path,
                                                                       local_index):
    """``stop`` ends every process of the server's group, even one that blocks SIGTERM
    and so outlives the server itself."""
    script = tmp_path / "server.py"
    script.write_text(STRAGGLING_SERVER.format(python=sys.executable), encoding="utf-8")
    script.chmod(0o755)
    server = ShardServer(local_index, server=str(script)).start()
    try:
        child = int(Path(str(script) + ".child").read_text())
        assert alive(child)
    finally:
        server.stop()
    deadline = time.monotonic() + 10
    while alive(child) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not alive(child)


#: documents of the test corpus holding each quoted phrase of QUERIES (a phrase query
#: alone finds them; a tier found more when Xapian lost a phrase check, compile.py)
PHRASE_DOCS = {'"كأس العالم"': 1}


def test_cluster_scores_equal_one_local_database(local_index, shard_servers):
    """The same order and scores within 1e-6 over three servers as in one database:
    Xapian combines the shards' statistics before weighting. Totals and facet counts are
    the same too (date-ordered queries included: see compile.newest_first)."""
    with XapianSearcher.open_local(local_index) as one, \
            XapianSearcher.open_shards(addresses(shard_servers)) as three:
        assert three.doc_count == one.doc_count == 337
        for query in QUERIES:
            a = one.search(query, 0, 100, stored=False)
            b = three.search(query, 0, 100, stored=False)
            assert b.total == a.total, query
            assert b.facets == a.facets, query
            # the same scores in the same order (documents with equal scores, in either)
            assert len(b.hits) == len(a.hits), query
            for x, y in zip(a.hits, b.hits, strict=True):
                assert abs(x.score - y.score) < 1e-6 and x.tiers == y.tiers, query
            if '"' in query:  # quotes are required: exactly the phrase's documents
                assert b.total == PHRASE_DOCS[query], query
            if a.total <= 100:  # all of them: each document scores the same
                mine = {h.id: (h.score, h.tiers) for h in b.hits}
                for h in a.hits:
                    assert abs(mine[h.id][0] - h.score) < 1e-6, (query, h.id)


def test_cluster_document_lookup_finds_any_shard(shard_servers, corpus):
    with XapianSearcher.open_shards(addresses(shard_servers)) as s:
        for doc in corpus[::40]:
            assert s.document(doc.id)["body"] == doc.body
        assert s.document("no such id") is None


def test_cluster_shard_down_at_open_names_it(shard_servers):
    dead = ShardAddress("shard-x", "127.0.0.1", free_port())
    with pytest.raises(ShardUnavailableError) as info:
        XapianSearcher.open_shards([*addresses(shard_servers), dead])
    assert info.value.shard == str(dead)
    assert f"127.0.0.1:{dead.port}" in str(info.value) and "\n" not in str(info.value)


def test_cluster_shard_of_an_older_layout_among_current_ones_is_refused_naming_it(
        tmp_path, corpus):
    """A half-upgraded cluster (the first shard re-indexed, another still written by the
    older arsearch): Xapian's combined database shows the first shard's layout only, so
    each shard is checked, and the old one is named instead of searched with the wrong
    positions and lengths."""
    paths = build_shards(tmp_path, corpus, 3)
    db = xapian.WritableDatabase(str(paths[1]), xapian.DB_OPEN)
    db.set_metadata(LAYOUT_KEY, json.dumps({**json.loads(db.get_metadata(LAYOUT_KEY)),
                                            "version": 2}))
    db.close()
    servers = [ShardServer(p).start() for p in paths]
    try:
        for partial in (False, True):
            with pytest.raises(ArsearchError) as info:
                XapianSearcher.open_shards(addresses(servers), allow_partial=partial)
            message = str(info.value)
            assert "\n" not in message and message.startswith("shard shard-1 ")
            assert "has layout 2, this arsearch reads 3-4: " \
                   "a cluster is not rebuilt in place: serve empty folders" in message
        # the administrator's view says which shard is outdated, and fails
        status = cluster_status(write_cluster(tmp_path / "c.toml",
                                              [(s.host, s.port) for s in servers]))
        assert [s["status"] for s in status] == ["ok", "outdated", "ok"]
        assert status[1]["reason"].startswith("shard shard-1 has layout")
        assert all(s["documents"] for s in status)
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
        shown = subprocess.run([sys.executable, "-m", "arsearch", "cluster", "status",
                                str(tmp_path / "c.toml")], capture_output=True, text=True,
                               env=env, timeout=120)
        assert shown.returncode == 1 and "outdated: shard-1" in shown.stdout
        assert "OUTDATED" in shown.stdout and "Traceback" not in shown.stderr
    finally:
        for s in servers:
            s.stop()


def test_cluster_shard_killed_during_a_session_names_it(tmp_path, corpus):
    servers = [ShardServer(p).start() for p in build_shards(tmp_path, corpus, 3)]
    try:
        with XapianSearcher.open_shards(addresses(servers)) as s:
            total = s.search("الحكومة").total
            servers[1].stop(signal.SIGKILL)  # the shard and its connection's child
            with pytest.raises(ShardUnavailableError) as info:
                s.search("الحكومة")
            assert info.value.shard == str(addresses(servers)[1])
            assert total > 0
    finally:
        for server in servers:
            server.stop()


def test_cluster_hung_shard_times_out_and_is_named(tmp_path, corpus):
    servers = [ShardServer(p).start() for p in build_shards(tmp_path, corpus, 2)]
    try:
        with XapianSearcher.open_shards(addresses(servers), timeout=1.0) as s:
            os.killpg(servers[0].proc.pid, signal.SIGSTOP)
            try:
                started = time.monotonic()
                with pytest.raises(ShardUnavailableError, match="Timeout") as info:
                    s.search("الحكومة")
                assert time.monotonic() - started < 10
                assert info.value.shard == str(addresses(servers)[0])
            finally:
                os.killpg(servers[0].proc.pid, signal.SIGCONT)
    finally:
        for server in servers:
            server.stop()


def test_cluster_writer_routes_documents_to_their_shards(tmp_path, corpus):
    servers = [ShardServer(tmp_path / f"s{i}", writable=True).start() for i in range(3)]
    cluster: Cluster = read_cluster(write_cluster(tmp_path / "c.toml",
                                                  [s.address for s in servers]))
    try:
        with ClusterWriter(cluster) as writer:
            outcomes = [writer.put(d) for d in corpus]
            writer.commit()
            assert outcomes.count("added") == len(corpus)
            assert writer.put(corpus[0]) == "unchanged"
            assert writer.delete(corpus[1].id) is True
            writer.commit()
        # searched through the same (writable) servers as one index
        with XapianSearcher.open_shards(cluster) as s:
            assert s.doc_count == len(corpus) - 1
            assert s.document(corpus[1].id) is None
    finally:
        for server in servers:
            server.stop()
    import xapian

    dbs = [xapian.Database(str(server.path)) for server in servers]
    for doc in corpus[2:]:
        holders = [i for i, db in enumerate(dbs) if db.term_exists(id_term(doc.id))]
        assert holders == [shard_index(doc.id, 3)], doc.id
    for db in dbs:
        db.close()


def test_cluster_writer_refuses_a_read_only_server(tmp_path, local_index):
    with ShardServer(local_index) as ro, pytest.raises(ArsearchError, match="read-only"):
        ClusterWriter(read_cluster(write_cluster(tmp_path / "ro.toml", [ro.address])))


def test_cluster_writer_reports_a_shard_that_is_down(tmp_path):
    dead = free_port()
    cluster = read_cluster(write_cluster(tmp_path / "c.toml", [("127.0.0.1", dead)]))
    with pytest.raises(ShardUnavailableError, match=str(dead)):
        ClusterWriter(cluster)


def _records_from_value_streams(db) -> set[tuple[str, str, str]]:
    """The slow reference: the id, hash and path value streams, joined by document."""
    from arsearch.backends.xapian.index import SLOT_HASH, SLOT_ID, SLOT_PATH

    hashes = {v.docid: v.value.decode() for v in db.valuestream(SLOT_HASH)}
    paths = {v.docid: v.value.decode() for v in db.valuestream(SLOT_PATH)}
    return {(v.value.decode(), hashes.get(v.docid, ""), paths.get(v.docid, ""))
            for v in db.valuestream(SLOT_ID)}


def test_cluster_update_reads_each_shards_records_as_its_value_streams_hold_them(
        shard_servers, corpus):
    """What an update knows of each shard (id, content hash, path) comes from one
    server-side count of the record slot; it equals the value streams read locally."""
    from arsearch.backends.xapian.store import part_records

    seen = 0
    for server in shard_servers:
        remote = xapian.remote_open("127.0.0.1", server.port, 10_000)
        local = xapian.Database(str(server.path))
        fast = list(part_records(remote))
        assert len(fast) == len(set(fast)) == local.get_doccount() > 0
        assert set(fast) == _records_from_value_streams(local)
        seen += len(fast)
    assert seen == len(corpus)


def test_xapian_records_of_documents_written_before_the_record_slot(tmp_path, corpus):
    """An index whose documents lack the record slot (written before it) is read from
    its value streams, with the same result."""
    from arsearch.backends.xapian.index import SLOT_RECORD
    from arsearch.backends.xapian.store import part_records

    path = build_local(tmp_path / "ix", corpus[:40])
    db = xapian.WritableDatabase(str(path), xapian.DB_OPEN)
    for docid in list(range(1, db.get_lastdocid() + 1))[::3]:
        doc = db.get_document(docid)
        doc.remove_value(SLOT_RECORD)
        db.replace_document(docid, doc)
    db.commit()
    db.close()
    db = xapian.Database(str(path))
    assert 0 < db.get_value_freq(SLOT_RECORD) < db.get_doccount()
    assert set(part_records(db)) == _records_from_value_streams(db)
    assert len(list(part_records(db))) == 40


def test_xapian_records_that_arsearch_did_not_write_are_read_from_the_streams(tmp_path,
                                                                             corpus):
    """A record value without its separators (another tool, a damaged value) is not
    trusted: the part is read from its value streams, never a traceback."""
    from arsearch.backends.xapian.index import SLOT_RECORD
    from arsearch.backends.xapian.store import part_records

    path = build_local(tmp_path / "ix", corpus[:20])
    db = xapian.WritableDatabase(str(path), xapian.DB_OPEN)
    doc = db.get_document(3)
    doc.add_value(SLOT_RECORD, b"not a record")
    db.replace_document(3, doc)
    db.commit()
    db.close()
    db = xapian.Database(str(path))
    assert db.get_value_freq(SLOT_RECORD) == db.get_doccount()
    assert set(part_records(db)) == _records_from_value_streams(db)
    assert len(list(part_records(db))) == 20


# -- pruning ------------------------------------------------------------------------------


def test_cluster_pages_equal_those_of_exact_counts(shard_servers, tmp_path):
    """A cluster's ranked pass, pruned on arsearch's fixed Xapian (search.py, "Pruning"),
    ranks as weighing every match: every page, its scores and its total equal those of
    ``exact_counts``, which also counts every facet; totals this small (at most
    EXACT_UP_TO) are counted exactly even when pruned."""
    import arsearch

    path = write_cluster(tmp_path / "c.toml", [s.address for s in shard_servers])
    with arsearch.open_index(path) as default, \
            arsearch.open_index(path, exact_counts=True) as whole:
        for q in QUERIES:
            for page in (1, 2, 3):
                got, want = default.search(q, page=page, per_page=5), \
                    whole.search(q, page=page, per_page=5)
                assert [h.id for h in got.hits] == [h.id for h in want.hits], (q, page)
                assert [h.score for h in got.hits] == pytest.approx(
                    [h.score for h in want.hits], abs=1e-9)
                assert got.total == want.total and got.total_exact, (q, page)
            assert default.ranked_ids(q, 20) == whole.ranked_ids(q, 20)
