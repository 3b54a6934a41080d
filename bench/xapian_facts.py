"""The facts about Xapian 1.4 that decide arsearch's Xapian backend, each checked here.

``docs/xapian.md`` quotes this script's output; re-run it after a Xapian upgrade::

    python bench/xapian_facts.py            # ~20 s; starts xapian-tcpsrv on 127.0.0.1

Every check prints ``ok`` or ``FAILED`` with the figures it compared; the exit status is
the number of failed checks. Needs Debian's ``python3-xapian`` linked into the venv
(``python scripts/link_xapian.py``) and ``xapian-tools`` on the PATH.
"""

from __future__ import annotations

import contextlib
import math
import os
import random
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import xapian

FAILED: list[str] = []


def check(name: str, ok: bool, detail: str) -> None:
    print(f"  [{'ok' if ok else 'FAILED'}] {name}: {detail}", flush=True)
    if not ok:
        FAILED.append(name)


def section(title: str) -> None:
    print(f"\n## {title}", flush=True)


# -- helpers ----------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(path: Path, writable: bool = False, timeout_ms: int | None = None
          ) -> tuple[subprocess.Popen, int]:
    """Start xapian-tcpsrv on 127.0.0.1 and wait until it accepts connections."""
    for _ in range(5):
        port = free_port()
        cmd = ["xapian-tcpsrv", "--port", str(port), "--interface", "127.0.0.1", "--quiet"]
        if writable:
            cmd.append("--writable")
        if timeout_ms is not None:
            cmd += ["--timeout", str(timeout_ms)]
        # its own process group: the server forks a child per connection, and a shard
        # going down means all of them
        proc = subprocess.Popen([*cmd, str(path)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return proc, port
            except OSError:
                time.sleep(0.02)
        proc.kill()
        proc.wait()
    raise RuntimeError("xapian-tcpsrv did not start")


def stop(proc: subprocess.Popen) -> None:
    """Kill the server and the children serving its connections."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    if proc.stderr:
        proc.stderr.close()


WORDS = [f"w{i}" for i in range(60)]


def random_docs(n: int, seed: int = 7) -> list[list[str]]:
    rnd = random.Random(seed)
    # Zipf-ish: common and rare words, lengths 1..120
    weights = [1 / (i + 1) for i in range(len(WORDS))]
    return [rnd.choices(WORDS, weights, k=rnd.randint(1, 120)) for _ in range(n)]


def make_doc(words: list[str], ident: str) -> xapian.Document:
    d = xapian.Document()
    for pos, w in enumerate(words, 1):
        d.add_posting(w, pos)
    d.add_boolean_term("Q" + ident)
    d.set_data(ident)
    d.add_value(0, xapian.sortable_serialise(len(words)))
    d.add_value(1, f"src{int(ident[1:]) % 3}")
    return d


def build(path: Path | None, docs: list[list[str]], ids: list[int] | None = None
          ) -> xapian.WritableDatabase:
    db = xapian.WritableDatabase(str(path), xapian.DB_CREATE_OR_OPEN) if path \
        else xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    for i in ids if ids is not None else range(len(docs)):
        db.replace_document("Q" + f"d{i}", make_doc(docs[i], f"d{i}"))
    db.commit()
    return db


def mset_by_id(db, query: xapian.Query, weight: xapian.Weight | None = None,
               k: int = 1000, spy: xapian.MatchSpy | None = None) -> dict[str, float]:
    enq = xapian.Enquire(db)
    enq.set_query(query)
    if weight is not None:
        enq.set_weighting_scheme(weight)
    if spy is not None:
        enq.add_matchspy(spy)
    return {m.document.get_data().decode(): m.weight for m in enq.get_mset(0, k, k)}


# -- the checks -------------------------------------------------------------------------


def bm25_formula() -> None:
    section("BM25Weight in 1.4.22: the formula")
    docs = random_docs(300)
    db = build(None, docs)
    n_docs, avg = db.get_doccount(), db.get_avlength()

    def predicted(term: str, k1: float, b: float, min_normlen: float, k3: float = 1,
                  wqf: int = 1) -> dict[int, float]:
        n = db.get_termfreq(term)
        tw = (n_docs - n + 0.5) / (n + 0.5)
        idf = math.log(tw * 0.5 + 1 if tw < 2 else tw)
        qf = (k3 + 1) * wqf / (k3 + wqf) if k3 else 1.0
        out = {}
        for p in db.postlist(term):
            normlen = max(db.get_doclength(p.docid) / avg, min_normlen)
            out[p.docid] = qf * idf * (k1 + 1) * p.wdf / (k1 * ((1 - b) + b * normlen) + p.wdf)
        return out

    worst = 0.0
    rare = common = 0
    for term in WORDS:
        n = db.get_termfreq(term)
        if not n:
            continue
        tw = (n_docs - n + 0.5) / (n + 0.5)
        rare += tw >= 2
        common += tw < 2
        for k1, b, mn in ((1.2, 0.75, 0.0), (1.0, 0.5, 0.5), (2.0, 1.0, 0.0)):
            enq = xapian.Enquire(db)
            enq.set_weighting_scheme(xapian.BM25Weight(k1, 0, 1, b, mn))
            enq.set_query(xapian.Query(term))
            got = {m.docid: m.weight for m in enq.get_mset(0, n_docs)}
            want = predicted(term, k1, b, mn)
            worst = max(worst, max(abs(got[d] - want[d]) for d in want))
    check("weight = idf * (k1+1) * wdf / (k1*((1-b) + b*max(doclen/avlen, min_normlen)) "
          "+ wdf)", worst < 1e-12,
          f"{rare} rare and {common} common terms x 3 parameter sets, max error {worst:.1e}")
    check("idf = log(tw), tw = (N-n+0.5)/(n+0.5), and tw < 2 becomes tw/2 + 1", worst < 1e-12,
          "(the branch matters: Lucene's idf is log(1 + tw), always)")
    # k3: the query-frequency factor; a word typed twice has wqf 2
    term = "w5"
    enq = xapian.Enquire(db)
    enq.set_weighting_scheme(xapian.BM25Weight(1.2, 0, 1, 0.75, 0))
    enq.set_query(xapian.Query(term, 2))  # wqf 2
    got = {m.docid: m.weight for m in enq.get_mset(0, n_docs)}
    want = predicted(term, 1.2, 0.75, 0, k3=1, wqf=2)
    err = max(abs(got[d] - want[d]) for d in want)
    check("k3 scales by (k3+1)*wqf/(k3+wqf); wqf 1 gives 1 whatever k3", err < 1e-12,
          f"wqf 2, k3 1: factor 4/3, max error {err:.1e}")
    # k2 adds a document-length term to every matching document (not per term): keep 0
    enq.set_weighting_scheme(xapian.BM25Weight(1.2, 1.0, 1, 0.75, 0))
    enq.set_query(xapian.Query(term))
    with_k2 = {m.docid: m.weight for m in enq.get_mset(0, n_docs)}
    plain = predicted(term, 1.2, 0.75, 0)
    err = max(abs(with_k2[d] - plain[d] - 2 * 1.0 / (1 + db.get_doclength(d) / avg))
              for d in plain)
    check("k2 (default 0) adds 2*k2*querylen/(1+normlen) once per matching document",
          err < 1e-9, f"k2 = 1, max error {err:.1e}: a length prior outside BM25, "
          "arsearch uses k2 = 0")
    # min_normlen: the default 0.5 floors short documents' normalised length
    short = min(range(1, n_docs + 1), key=db.get_doclength)
    check("min_normlen (default 0.5) floors doclen/avlen; 0 gives Lucene's BM25",
          db.get_doclength(short) / avg < 0.5,
          f"shortest document {db.get_doclength(short)} terms, avlen {avg:.1f}: "
          "BM25Weight(1.2, 0, 1, 0.75, 0) for arsearch")


def doc_length() -> None:
    section("Document length = sum of wdf")
    db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    d = xapian.Document()
    for pos, w in enumerate(["a", "b", "a"], 1):
        d.add_posting(w, pos)          # wdf +1 each: 3
    d.add_term("=a", 2)                # an exact twin without positions: +2
    d.add_posting("T", 7, 2)           # a posting counting 2 (a title word x2): +2
    d.add_boolean_term("XSRCbbc")      # boolean: wdf 0
    d.add_term("Lz", 0)                # wdf 0
    d.add_posting("XTa", 1, 0)         # positions but wdf 0
    did = db.add_document(d)
    length = db.get_doclength(did)
    check("boolean terms and wdf-0 terms (even with positions) do not count", length == 7,
          f"3 postings + twin wdf 2 + posting with wdfinc 2 = {length}")
    wdfs = {t.term.decode(): t.wdf for t in db.termlist(did)}
    check("wdf is per term and any integer (a title word x2: add_posting(t, pos, 2))",
          wdfs == {"=a": 2, "Lz": 0, "T": 2, "XSRCbbc": 0, "XTa": 0, "a": 2, "b": 1},
          f"{wdfs}")
    positions = list(db.positionlist(did, "XTa"))
    check("a wdf-0 term keeps its positions (field-restricted phrases need no extra length)",
          positions == [1], f"positionlist(XTa) = {positions}")
    scaled = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    docs = random_docs(200, seed=3)
    for words in docs:
        x = xapian.Document()
        for w in words:
            x.add_term(w, 2)
        scaled.add_document(x)
    plain = build(None, docs)
    q = xapian.Query(xapian.Query.OP_OR, [xapian.Query("w3"), xapian.Query("w20")])

    def weights(db, k1):
        enq = xapian.Enquire(db)
        enq.set_weighting_scheme(xapian.BM25Weight(k1, 0, 1, 0.75, 0))
        enq.set_query(q)
        return [m.weight for m in enq.get_mset(0, 300)]

    a, b = weights(plain, 1.2), weights(scaled, 2.4)
    ratio = (1.2 + 1) / (2.4 + 1)
    err = max(abs(x - y * ratio) for x, y in zip(a, b, strict=True))
    check("every wdf x c with k1 x c gives BM25 x (c*k1+1)/(k1+1): fractional field "
          "weights work", len(a) == len(b) and err < 1e-12,
          f"{len(a)} documents, c = 2, max error after OP_SCALE_WEIGHT-able factor {err:.1e}")


def operators() -> None:
    section("Query operators")
    docs = random_docs(300, seed=11)
    db = build(None, docs)
    bm25 = xapian.BM25Weight(1.2, 0, 1, 0.75, 0)
    base = mset_by_id(db, xapian.Query("w4"), bm25)
    scaled = mset_by_id(db, xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query("w4"), 0.3),
                        bm25)
    err = max(abs(scaled[d] - 0.3 * base[d]) for d in base)
    check("OP_SCALE_WEIGHT multiplies a subquery's weight exactly", err < 1e-12,
          f"0.3 x w4 over {len(base)} documents, max error {err:.1e}")
    # Lucene's idf through OP_SCALE_WEIGHT: factor = log(1+tw) / xapian_idf(tw)
    n, big_n = db.get_termfreq("w4"), db.get_doccount()
    tw = (big_n - n + 0.5) / (n + 0.5)
    factor = math.log1p(tw) / math.log(tw * 0.5 + 1 if tw < 2 else tw)
    fixed = mset_by_id(db, xapian.Query(xapian.Query.OP_SCALE_WEIGHT, xapian.Query("w4"),
                                        factor), bm25)
    avg = db.get_avlength()
    lucene = {}
    for p in db.postlist("w4"):
        norm = 1.2 * (0.25 + 0.75 * db.get_doclength(p.docid) / avg)
        lucene[db.get_document(p.docid).get_data().decode()] = \
            math.log1p(tw) * 2.2 * p.wdf / (norm + p.wdf)
    err = max(abs(fixed[d] - lucene[d]) for d in lucene)
    check("OP_SCALE_WEIGHT by log(1+tw)/xapian_idf gives Lucene's (arsearch's) idf exactly",
          err < 1e-9, f"w4 (df {n} of {big_n}, tw {tw:.2f}), max error {err:.1e}")
    # OP_OR sums the weights of the subqueries that match
    a, b = mset_by_id(db, xapian.Query("w2"), bm25), mset_by_id(db, xapian.Query("w9"), bm25)
    both = mset_by_id(db, xapian.Query(xapian.Query.OP_OR, xapian.Query("w2"),
                                       xapian.Query("w9")), bm25)
    err = max(abs(both[d] - a.get(d, 0) - b.get(d, 0)) for d in both)
    check("OP_OR's weight is the sum of its matching subqueries' weights", err < 1e-12,
          f"{len(both)} documents, max error {err:.1e}")
    # OP_SYNONYM: one term whose wdf is the sum; its termfreq is estimated
    syn = mset_by_id(db, xapian.Query(xapian.Query.OP_SYNONYM, xapian.Query("w30"),
                                      xapian.Query("w31")), bm25)
    union = {d for t in ("w30", "w31") for d in mset_by_id(db, xapian.Query(t), bm25)}
    sep = mset_by_id(db, xapian.Query(xapian.Query.OP_OR, xapian.Query("w30"),
                                      xapian.Query("w31")), bm25)
    check("OP_SYNONYM matches the union and scores the summed wdf as one term (not a sum of "
          "two BM25s)", set(syn) == union and any(abs(syn[d] - sep[d]) > 1e-6 for d in syn),
          f"{len(syn)} documents; arsearch scores each synonym as its own term at 0.5, so the "
          "prototype uses OP_SCALE_WEIGHT, not OP_SYNONYM")
    # OP_PHRASE needs positions; a term without positions never matches a phrase
    pdb = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    for text in ("a b c", "b a c", "a x b", "c a b"):
        d = xapian.Document()
        for pos, w in enumerate(text.split(), 1):
            d.add_posting(w, pos)
            d.add_term("=" + w)  # a twin without positions
        d.set_data(text)
        pdb.add_document(d)
    phrase = mset_by_id(pdb, xapian.Query(xapian.Query.OP_PHRASE, [xapian.Query("a"),
                                                                     xapian.Query("b")]))
    twins = mset_by_id(pdb, xapian.Query(xapian.Query.OP_PHRASE, [xapian.Query("=a"),
                                                                    xapian.Query("=b")]))
    near = mset_by_id(pdb, xapian.Query(xapian.Query.OP_NEAR, [xapian.Query("a"),
                                                                 xapian.Query("b")], 3))
    check("OP_PHRASE matches consecutive positions", sorted(phrase) == ["a b c", "c a b"],
          f"'a b' -> {sorted(phrase)}")
    check("OP_PHRASE on terms without positions matches nothing (phrases use stems)",
          not twins, f"'=a =b' -> {sorted(twins)}")
    check("OP_NEAR's window is the span of positions (a _ b needs 3), in any order",
          sorted(near) == ["a b c", "a x b", "b a c", "c a b"], f"a NEAR/3 b -> {sorted(near)}")


def values_and_spies() -> None:
    section("Values: date ranges, facets, exact totals")
    docs = random_docs(500, seed=5)
    db = build(None, docs)
    lengths = [len(w) for w in docs]
    rng = xapian.Query(xapian.Query.OP_VALUE_RANGE, 0, xapian.sortable_serialise(10),
                       xapian.sortable_serialise(20))
    got = mset_by_id(db, xapian.Query(xapian.Query.OP_FILTER, xapian.Query("w0"), rng))
    want = {f"d{i}" for i, w in enumerate(docs) if "w0" in w and 10 <= lengths[i] <= 20}
    check("OP_VALUE_RANGE over sortable_serialise(number) is inclusive at both ends",
          set(got) == want, f"{len(got)} documents with 10 <= length <= 20")
    check("OP_FILTER adds no weight", all(v == max(got.values()) or v > 0 for v in got.values())
          and got == {k: v for k, v in mset_by_id(db, xapian.Query("w0")).items() if k in got},
          "scores with the filter equal the unfiltered scores")
    ge = xapian.Query(xapian.Query.OP_VALUE_GE, 0, xapian.sortable_serialise(100))
    check("OP_VALUE_GE / OP_VALUE_LE for open ranges",
          len(mset_by_id(db, ge)) == sum(x >= 100 for x in lengths),
          f"{sum(x >= 100 for x in lengths)} documents of length >= 100")
    spy = xapian.ValueCountMatchSpy(1)
    enq = xapian.Enquire(db)
    enq.set_query(xapian.Query("w1"))
    enq.add_matchspy(spy)
    mset = enq.get_mset(0, 10, db.get_doccount())
    counts = {i.term.decode(): i.termfreq for i in spy.values()}
    want_counts: dict[str, int] = {}
    for i, w in enumerate(docs):
        if "w1" in w:
            key = f"src{i % 3}"
            want_counts[key] = want_counts.get(key, 0) + 1
    check("ValueCountMatchSpy counts every match when check_at_least >= doccount",
          counts == want_counts and spy.get_total() == sum(want_counts.values()),
          f"{counts}")
    exact = mset.get_matches_lower_bound() == mset.get_matches_upper_bound() \
        == mset.get_matches_estimated() == sum(want_counts.values())
    enq2 = xapian.Enquire(db)
    enq2.set_query(xapian.Query(xapian.Query.OP_AND, xapian.Query("w1"), xapian.Query("w2")))
    m2 = enq2.get_mset(0, 10)
    check("get_mset(0, k, check_at_least=doccount) makes the total exact (bounds equal)",
          exact, f"w1: {mset.get_matches_estimated()}; without it w1 AND w2 gives bounds "
          f"{m2.get_matches_lower_bound()}..{m2.get_matches_upper_bound()} "
          f"(estimate {m2.get_matches_estimated()})")


def remote(tmp: Path) -> None:
    section("Remote shards: xapian-tcpsrv, one database over several servers")
    docs = random_docs(900, seed=21)
    local = build(tmp / "local", docs)
    shard_ids: list[list[int]] = [[], [], []]
    for i in range(len(docs)):
        shard_ids[hash(f"d{i}") % 3 if False else i * 7 % 3].append(i)
    servers = []
    for s, ids in enumerate(shard_ids):
        build(tmp / f"shard{s}", docs, ids).close()
        servers.append(serve(tmp / f"shard{s}"))
    try:
        combined = xapian.Database()
        for _, port in servers:
            combined.add_database(xapian.remote_open("127.0.0.1", port))
        check("Database.add_database(remote_open(host, port)) opens shards as one",
              combined.get_doccount() == local.get_doccount()
              and abs(combined.get_avlength() - local.get_avlength()) < 1e-9
              and combined.get_termfreq("w7") == local.get_termfreq("w7"),
              f"doccount {combined.get_doccount()}, avlength {combined.get_avlength():.4f}, "
              "termfreq summed")
        bm25 = xapian.BM25Weight(1.2, 0, 1, 0.75, 0)
        rnd = random.Random(4)
        worst, order_same, compared = 0.0, 0, 0
        for _ in range(40):
            terms = rnd.sample(WORDS, rnd.randint(1, 4))
            q = xapian.Query(xapian.Query.OP_OR, [xapian.Query(t) for t in terms])
            if rnd.random() < 0.3:
                q = xapian.Query(xapian.Query.OP_SCALE_WEIGHT, q, 0.5)
            a = mset_by_id(local, q, bm25, 100)
            b = mset_by_id(combined, q, bm25, 100)
            common = set(a) & set(b)
            worst = max([worst, *(abs(a[d] - b[d]) for d in common)])
            order_same += [round(a[d], 9) for d in a] == [round(b[d], 9) for d in b]
            compared += len(common)
        check("BM25 over 3 tcpsrv shards equals one local database (stats combined)",
              worst < 1e-9 and order_same == 40,
              f"40 random queries, {compared} top-100 weights compared, max difference "
              f"{worst:.1e}, same weight sequence in {order_same}/40")
        spy = xapian.ValueCountMatchSpy(1)
        enq = xapian.Enquire(combined)
        enq.set_query(xapian.Query("w1"))
        enq.add_matchspy(spy)
        enq.get_mset(0, 10, combined.get_doccount())
        remote_counts = {i.term.decode(): i.termfreq for i in spy.values()}
        lspy = xapian.ValueCountMatchSpy(1)
        enq = xapian.Enquire(local)
        enq.set_query(xapian.Query("w1"))
        enq.add_matchspy(lspy)
        enq.get_mset(0, 10, local.get_doccount())
        check("ValueCountMatchSpy over remote shards (serialised to the servers, merged back)",
              remote_counts == {i.term.decode(): i.termfreq for i in lspy.values()},
              f"{remote_counts}")
        # docids interleave: combined = (shard_docid - 1) * n_shards + shard + 1
        first = xapian.remote_open("127.0.0.1", servers[1][1])
        doc = combined.get_document((1 - 1) * 3 + 1 + 1)
        check("combined docid = (docid_in_shard - 1) * n_shards + shard_index + 1",
              doc.get_data() == first.get_document(1).get_data(),
              "so ids must be found through a unique id term, never by docid")
        # positions over the wire
        did = next(iter(combined.postlist("w3"))).docid
        t0 = time.perf_counter()
        for _ in range(200):
            plist = list(combined.positionlist(did, "w3"))
        per_call = (time.perf_counter() - t0) / 200 * 1000
        check("Database.positionlist(docid, term) works on a remote shard", bool(plist),
              f"one round trip per (document, term): {per_call:.3f} ms a call on loopback")
        enq = xapian.Enquire(combined)
        enq.set_query(xapian.Query("w3"))
        mset = enq.get_mset(0, 100)
        t0 = time.perf_counter()
        mset.fetch()
        datas = [m.document.get_data() for m in mset]
        fetch_ms = (time.perf_counter() - t0) * 1000
        t0 = time.perf_counter()
        again = [combined.get_document(m.docid).get_data() for m in mset]
        one_by_one = (time.perf_counter() - t0) * 1000
        check("documents come from remote shards one round trip each (MSet.fetch() is no "
              "faster here)", datas == again, f"100 documents: fetch {fetch_ms:.1f} ms, "
              f"one by one {one_by_one:.1f} ms")
        spy_quirk(combined, local)
        # a writable shard
        wport_proc, wport = serve(tmp / "shard0", writable=False)
        stop(wport_proc)
        build(tmp / "wshard", docs, []).close()
        wproc, wport = serve(tmp / "wshard", writable=True)
        try:
            w = xapian.remote_open_writable("127.0.0.1", wport)
            w.replace_document("Qd1", make_doc(docs[1], "d1"))
            w.commit()
            w.close()
            ro = xapian.Database(str(tmp / "wshard"))
            check("remote_open_writable + xapian-tcpsrv --writable: add, replace, commit",
                  ro.get_doccount() == 1, f"the shard's directory holds {ro.get_doccount()}")
            try:
                xapian.remote_open_writable("127.0.0.1", servers[0][1]).close()
                refused = "accepted"
            except xapian.Error as exc:
                refused = f"{type(exc).__name__}: {exc}"
            check("a read-only tcpsrv refuses a writer", refused != "accepted", refused)
        finally:
            stop(wproc)
        shard_down(servers, local)
    finally:
        for proc, _ in servers:
            stop(proc)


def spy_quirk(combined, local) -> None:
    """Found building the backend: with a sort by value, spies over-count on remote shards."""
    def facet(db, sort: bool) -> tuple[int, int]:
        enq = xapian.Enquire(db)
        enq.set_query(xapian.Query(xapian.Query.OP_OR, xapian.Query("w1"), xapian.Query("w2")))
        if sort:
            enq.set_sort_by_relevance_then_value(0, False)
        spy = xapian.ValueCountMatchSpy(1)
        enq.add_matchspy(spy)
        mset = enq.get_mset(0, 10, db.get_doccount())
        return spy.get_total(), mset.get_matches_estimated()

    (lt, lm), (rt, rm), (st, sm) = facet(local, True), facet(combined, False), \
        facet(combined, True)
    check("QUIRK: with set_sort_by_*value*, a match spy over remote shards counts more "
          "documents than match (not locally, not without the sort)",
          lt == lm and rt == rm and st > sm,
          f"spy total / matches: local sorted {lt}/{lm}, remote unsorted {rt}/{rm}, remote "
          f"sorted {st}/{sm}: the backend never sorts by value (newest-first lists weigh by "
          "a date posting source instead)")


def phrase_quirk() -> None:
    section("A phrase check lost in 1.4.22")
    rnd = random.Random(1)
    db = xapian.WritableDatabase("", xapian.DB_BACKEND_INMEMORY)
    truth = []
    for i in range(100):
        words = rnd.choices(["x", "y", "z", "a", "b"], [5, 5, 5, 1, 1], k=rnd.randint(3, 30))
        if i % 20 == 0:
            words = ["a", "b", *words]
        if any(pair == ("a", "b") for pair in zip(words, words[1:], strict=False)):
            truth.append(str(i))
        d = xapian.Document()
        for pos, w in enumerate(words, 1):
            d.add_posting(w, pos)
        if rnd.random() < 0.5:
            d.add_boolean_term("Lb")  # as if b were in the document's lead
        d.set_data(str(i))
        db.add_document(d)
    keep = []

    def fixed(w: float):
        keep.append(xapian.FixedWeightPostingSource(w))
        return xapian.Query(keep[-1])

    q = xapian.Query
    words = q(q.OP_OR, q("a"), q("b"))
    phrase = q(q.OP_PHRASE, [q("a"), q("b")], 2)
    bm25 = xapian.BM25Weight(1.2, 0, 0, 0.75, 0)

    def lifted(query) -> list[str]:
        return sorted((d for d, w in mset_by_id(db, query, bm25).items() if w >= 100), key=int)

    both = lifted(q(q.OP_AND_MAYBE, words, q(q.OP_OR, q(q.OP_FILTER, fixed(1), q("Lb")),
                                             q(q.OP_FILTER, fixed(100), phrase))))
    chained = lifted(q(q.OP_AND_MAYBE, q(q.OP_AND_MAYBE, words,
                                         q(q.OP_FILTER, fixed(1), q("Lb"))),
                       q(q.OP_FILTER, fixed(100), phrase)))
    check("QUIRK: a phrase filter ORed with another filter on AND_MAYBE's optional side "
          "matches without the phrase", set(both) > set(truth),
          f"AND_MAYBE(a OR b, OR(FILTER(1, Lb), FILTER(100, PHRASE a b))) over 100 documents "
          f"lifts {len(both)}; {len(truth)} hold 'a b' ({', '.join(truth)})")
    check("...and one AND_MAYBE per phrase bonus is right (what compile.py does)",
          chained == truth, f"lifts {', '.join(chained)}")


def shard_down(servers, local) -> None:
    section("A shard down")
    dead = free_port()
    t0 = time.perf_counter()
    try:
        xapian.remote_open("127.0.0.1", dead)
        got = "opened"
    except xapian.Error as exc:
        got = f"{type(exc).__name__} (a {type(exc).__mro__[1].__name__}): {exc}"
    check("opening a closed port raises at once", got.startswith("NetworkError"),
          f"{got} in {(time.perf_counter() - t0) * 1000:.1f} ms")
    combined = xapian.Database()
    for _, port in servers:
        combined.add_database(xapian.remote_open("127.0.0.1", port))
    proc, _ = servers[2]

    def query() -> str:
        enq = xapian.Enquire(combined)
        enq.set_query(xapian.Query("w3"))
        try:
            return f"answered ({enq.get_mset(0, 10).size()} hits)"
        except xapian.Error as exc:
            return f"{type(exc).__name__}: {exc}"

    proc.kill()  # the listener only
    proc.wait()
    got = query()
    check("killing only the listening tcpsrv leaves open connections served (it forks a "
          "child per connection)", got.startswith("answered"), got)
    os.killpg(proc.pid, signal.SIGKILL)  # the whole shard
    time.sleep(0.2)
    got = query()
    check("a shard killed after opening: get_mset raises (no partial answer)",
          got.startswith("Network"), got)
    # a hung server (SIGSTOP): without a timeout the client would wait forever
    alive_proc, port = servers[1]
    db = xapian.Database()
    db.add_database(xapian.remote_open("127.0.0.1", port, 1500))
    os.killpg(alive_proc.pid, signal.SIGSTOP)
    t0 = time.perf_counter()
    try:
        enq = xapian.Enquire(db)
        enq.set_query(xapian.Query("w3"))
        enq.get_mset(0, 10)
        got = "answered"
    except xapian.Error as exc:
        got = f"{type(exc).__name__}: {exc}"
    finally:
        os.killpg(alive_proc.pid, signal.SIGCONT)
    took = time.perf_counter() - t0
    check("a hung shard: remote_open(host, port, timeout_ms) turns into NetworkTimeoutError",
          got.startswith("NetworkTimeoutError") and took < 5,
          f"{got} after {took:.1f} s (timeout 1.5 s)")
    check("Xapian errors are xapian.Error subclasses (NetworkError < RuntimeError < Error)",
          issubclass(xapian.NetworkTimeoutError, xapian.NetworkError)
          and issubclass(xapian.NetworkError, xapian.Error), "one except clause covers them")


def replication(tmp: Path) -> None:
    section("Replication: xapian-replicate-server / xapian-replicate")
    masters = tmp / "masters"
    masters.mkdir()
    docs = random_docs(300, seed=2)
    env = {**os.environ, "XAPIAN_MAX_CHANGESETS": "10"}
    # a writer keeps changesets only when XAPIAN_MAX_CHANGESETS is set in its environment
    code = (f"import sys; sys.path.insert(0, {str(Path(__file__).parent)!r}); "
            "from pathlib import Path; from xapian_facts import build, random_docs; "
            "build(Path(sys.argv[1]), random_docs(300, 2), "
            "list(range(int(sys.argv[2]), int(sys.argv[3]))))")
    subprocess.run([sys.executable, "-c", code, str(masters / "s0"), "0", "200"], env=env,
                   check=True)
    port = free_port()
    server = subprocess.Popen(["xapian-replicate-server", "-I", "127.0.0.1", "-p", str(port),
                               str(masters)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        replica = tmp / "replica-s0"

        def pull() -> subprocess.CompletedProcess:
            return subprocess.run(["xapian-replicate", "-h", "127.0.0.1", "-p", str(port),
                                   "-m", "s0", "-o", "-r", "0", "-v", str(replica)],
                                  capture_output=True, text=True, timeout=60)

        first = pull()
        rdb = xapian.Database(str(replica))
        n1 = rdb.get_doccount()
        rdb.close()
        check("xapian-replicate -o copies a master database (full copy the first time)",
              first.returncode == 0 and n1 == 200, f"replica holds {n1} documents")
        subprocess.run([sys.executable, "-c", code, str(masters / "s0"), "200", "300"],
                       env=env, check=True)
        second = pull()
        rdb = xapian.Database(str(replica))
        n2 = rdb.get_doccount()
        check("a later pull applies the master's changesets", second.returncode == 0
              and n2 == 300, f"replica holds {n2} documents; log: "
              f"{' | '.join(second.stdout.split(chr(10))[:2]).strip()}")
        rproc, rport = serve(replica)
        try:
            db = xapian.remote_open("127.0.0.1", rport)
            check("a replica directory is served by xapian-tcpsrv like its primary (failover)",
                  db.get_doccount() == 300, "reads move to the replica's server when the "
                  "primary's is down; writes wait for the primary")
        finally:
            stop(rproc)
        del docs
    finally:
        server.kill()
        server.wait()


def main() -> int:
    print(f"Xapian {xapian.version_string()}, Python {sys.version.split()[0]}")
    if shutil.which("xapian-tcpsrv") is None:
        sys.exit("xapian_facts: xapian-tcpsrv is not on the PATH (apt-get install xapian-tools)")
    steps: list[Callable[[], None]] = [bm25_formula, doc_length, operators, values_and_spies,
                                       phrase_quirk]
    for step in steps:
        step()
    with tempfile.TemporaryDirectory() as tmp:
        remote(Path(tmp))
        replication(Path(tmp))
    print(f"\n{len(FAILED)} failed" + (f": {', '.join(FAILED)}" if FAILED else ""))
    return len(FAILED)


if __name__ == "__main__":
    sys.exit(main())
