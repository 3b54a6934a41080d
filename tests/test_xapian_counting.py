"""How a Xapian index counts: exact totals unless a search was pruned (arsearch's fixed
Xapian), the facets of small result sets exactly, those of very large ones in a sample
(``arsearch.backends.xapian.search``, "Counting").

The thresholds are lowered for a corpus a test can build (600 articles), so the sampled
path runs on a real index: the same code that counts 416,610 articles' matches.
"""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import datetime

import pytest

from tests.xapian_support import require_fixed_build, require_xapian

require_xapian()

import xapian  # noqa: E402

import arsearch  # noqa: E402
from arsearch.backends.xapian import native  # noqa: E402
from arsearch.backends.xapian import search as xsearch  # noqa: E402
from arsearch.backends.xapian.cluster import shard_index  # noqa: E402
from arsearch.backends.xapian.index import (  # noqa: E402
    PREFIX_SAMPLE,
    SAMPLE_BUCKETS,
    sample_bucket,
)
from arsearch.ingest import Document  # noqa: E402

N = 600
SOURCES = ("وكالة أ", "وكالة ب", "وكالة ج")


def _docs() -> list[Document]:
    """N articles that all hold الحكومة; every 120th also holds المريخ; sources 3:2:1."""
    out = []
    for i in range(N):
        rare = " وهبطت المركبة على المريخ" if i % 120 == 0 else ""
        out.append(Document(
            id=f"a{i:04d}", title="",
            body=f"قالت الحكومة في بيان رقم {i} إن الاجتماع عقد في العاصمة{rare}.",
            date=datetime(2016 + i % 3, 1 + i % 12, 1 + i % 28),
            source=SOURCES[0 if i % 6 < 3 else 1 if i % 6 < 5 else 2]))
    return out


@pytest.fixture(scope="module")
def counted(tmp_path_factory):
    folder = tmp_path_factory.mktemp("counting") / "ix"
    arsearch.index_documents(folder, _docs(), backend="xapian")
    return folder


@pytest.fixture
def stock(monkeypatch):
    """The searcher's policy on Debian's Xapian, which lacks arsearch's fixes: it never
    prunes (search.py, "Pruning"; the stock library's defects are witnessed in
    tests/test_xapian_pruning.py)."""
    monkeypatch.setattr(native, "prunes", lambda: False)


@pytest.fixture
def small_thresholds(monkeypatch):
    monkeypatch.setattr(xsearch, "EXACT_UP_TO", 50)
    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 150)


def test_xapian_counts_the_facets_of_a_very_large_result_set_in_a_sample(counted,
                                                                         small_thresholds):
    with arsearch.open_index(counted) as sampled, \
            arsearch.open_index(counted, exact_counts=True) as whole:
        approx, exact = sampled.search("الحكومة"), whole.search("الحكومة")
    assert exact.facets_exact and not approx.facets_exact
    assert approx.total == exact.total == N  # totals are always counted whole
    assert [h.id for h in approx.hits] == [h.id for h in exact.hits]
    assert sum(exact.facets["source"].values()) == N
    truth = exact.facets["source"]
    assert set(approx.facets["source"]) <= set(truth)
    for value, n in approx.facets["source"].items():
        assert abs(n - truth[value]) <= 0.5 * truth[value], (value, n, truth[value])
    assert abs(sum(approx.facets["source"].values()) - N) <= 0.25 * N
    assert set(approx.facets["year"]) <= set(exact.facets["year"]) == {"2016", "2017", "2018"}
    assert approx.to_dict()["facets_exact"] is False
    assert exact.to_dict()["facets_exact"] is True


def test_xapian_sampled_years_are_the_sums_of_their_sampled_months(counted, small_thresholds):
    with arsearch.open_index(counted) as engine:
        found = engine.search("الحكومة")
    assert not found.facets_exact
    for year, n in found.facets["year"].items():
        assert n == sum(m for month, m in found.facets["month"].items()
                        if month.startswith(year + "-")), year


def test_xapian_a_filtered_search_says_when_its_unfiltered_counts_were_sampled(
        counted, monkeypatch):
    """The chosen facet counts as if unchosen (one more match, without the filter): when
    that match is sampled, the results say so, though their own match was not."""
    monkeypatch.setattr(xsearch, "EXACT_UP_TO", 150)
    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 150)
    with arsearch.open_index(counted) as engine:
        plain = engine.search("الحكومة", source=SOURCES[2])  # 100 matches: counted whole
        dated = engine.search("الحكومة", source=SOURCES[2],
                              date_from=datetime(2016, 1, 1), date_to=datetime(2016, 12, 31))
        alone = engine.search("المريخ", source=SOURCES[0])
    assert plain.total == N // 6
    assert not plain.facets_exact  # its source facet counted all 600 matches in a sample
    assert not dated.facets_exact
    assert alone.facets_exact  # 5 matches without the filter: every count exact


def test_xapian_counts_the_facets_of_a_small_result_set_exactly(counted, small_thresholds):
    with arsearch.open_index(counted) as engine:
        found = engine.search("المريخ")
    assert found.facets_exact and found.total == N // 120
    assert sum(found.facets["source"].values()) == N // 120


def test_xapian_index_without_sample_terms_is_counted_whole(counted, small_thresholds,
                                                            tmp_path):
    """An index written before the sample terms (here: with them taken out) counts every
    match's facets, never a sample it does not hold."""
    import shutil

    old = tmp_path / "old"
    shutil.copytree(counted, old)
    for glass in old.rglob("iamglass"):
        db = xapian.WritableDatabase(str(glass.parent), xapian.DB_OPEN)
        for docid in range(1, db.get_lastdocid() + 1):
            try:
                doc = db.get_document(docid)
            except xapian.DocNotFoundError:
                continue
            for t in [t.term for t in doc.termlist()
                      if t.term.startswith(PREFIX_SAMPLE.encode())]:
                doc.remove_term(t)
            db.replace_document(docid, doc)
        db.commit()
        db.close()
    with arsearch.open_index(old) as engine:
        found = engine.search("الحكومة")
    assert found.facets_exact and found.total == N
    assert sum(found.facets["source"].values()) == N


def test_xapian_page_and_json_say_facet_counts_are_approximate(counted, small_thresholds):
    from arsearch.web.app import create_app

    app = create_app({"TESTING": True, "ARSEARCH_INDEX": str(counted)})
    client = app.test_client()
    page = client.get("/?q=الحكومة").get_data(as_text=True)
    assert "أعداد تقريبية" in page
    assert client.get("/api/search?q=الحكومة").get_json()["facets_exact"] is False
    assert "أعداد تقريبية" not in client.get("/?q=المريخ").get_data(as_text=True)
    assert client.get("/api/search?q=المريخ").get_json()["facets_exact"] is True
    exact = create_app({"TESTING": True, "ARSEARCH_INDEX": str(counted),
                        "ARSEARCH_EXACT_COUNTS": True}).test_client()
    got = exact.get("/api/search?q=الحكومة").get_json()
    assert got["facets_exact"] is True and sum(got["facets"]["source"].values()) == N
    assert "أعداد تقريبية" not in exact.get("/?q=الحكومة").get_data(as_text=True)


def test_xapian_cli_search_counts_every_match_when_asked(counted, small_thresholds, runner):
    from arsearch.cli import main

    args = ["search", "الحكومة", "--index", str(counted), "--json"]
    sampled = json.loads(runner.invoke(main, args).output)
    exact = json.loads(runner.invoke(main, [*args, "--exact-counts"]).output)
    assert sampled["facets_exact"] is False and exact["facets_exact"] is True
    assert sampled["total"] == exact["total"] == N
    assert sum(exact["facets"]["source"].values()) == N


def test_xapian_sample_buckets_are_even_and_independent_of_the_shards():
    ids = [f"doc-{i}" for i in range(64_000)]
    buckets = Counter(sample_bucket(i) for i in ids)
    assert set(buckets) == set(range(SAMPLE_BUCKETS))
    expected = len(ids) / SAMPLE_BUCKETS
    # each bucket within 5 standard deviations of its expected size
    assert all(abs(n - expected) < 5 * math.sqrt(expected) for n in buckets.values())
    # a shard's documents fill every bucket: a sample is never one shard's documents
    for shards in (2, 3, 4):
        in_shard = Counter(sample_bucket(i) for i in ids if shard_index(i, shards) == 0)
        assert set(in_shard) == set(range(SAMPLE_BUCKETS))
    assert [sample_bucket(i) for i in ids[:100]] == [sample_bucket(i) for i in ids[:100]]


# -- totals of pruned searches ------------------------------------------------------------


@pytest.fixture(scope="module")
def overlapping(tmp_path_factory):
    """N articles: القمح in every 2nd, الحديد in every 3rd, so "القمح الحديد" matches
    N * 2/3 of them, a union whose size Xapian's bounds do not know (400 of 600)."""
    folder = tmp_path_factory.mktemp("overlap") / "ix"
    docs = []
    for i in range(N):
        words = ["محصول القمح"] * (i % 2 == 0) + ["صناعة الحديد"] * (i % 3 == 0)
        docs.append(Document(id=f"o{i:04d}", title="",
                             body=f"تقرير رقم {i}: {' و'.join(words) or 'أخبار متفرقة'}.",
                             source=SOURCES[i % 3]))
    arsearch.index_documents(folder, docs, backend="xapian")
    return folder


UNION = sum(1 for i in range(N) if i % 2 == 0 or i % 3 == 0)


def test_xapian_large_result_set_counts_its_total_whole_and_samples_its_facets(
        overlapping, small_thresholds, stock):
    """Without arsearch's fixes every match is weighed (search.py, "Pruning"), so a total
    is always exact; only the facets of a large result set come from the sample."""
    with arsearch.open_index(overlapping) as engine, \
            arsearch.open_index(overlapping, exact_counts=True) as whole:
        got, want = engine.search("القمح الحديد"), whole.search("القمح الحديد")
    assert want.total == UNION and want.total_exact and want.facets_exact
    assert [h.id for h in got.hits] == [h.id for h in want.hits]
    assert got.total == UNION and got.total_exact and got.to_dict()["total_exact"] is True
    assert not got.facets_exact


def test_xapian_pruned_search_counts_a_large_total_in_the_sample_and_says_so(
        overlapping, small_thresholds):
    require_fixed_build()
    with arsearch.open_index(overlapping) as pruned, \
            arsearch.open_index(overlapping, exact_counts=True) as whole:
        got, want = pruned.search("القمح الحديد"), whole.search("القمح الحديد")
    assert want.total == UNION and want.total_exact
    assert [h.id for h in got.hits] == [h.id for h in want.hits]
    assert not got.total_exact and got.to_dict()["total_exact"] is False
    assert abs(got.total - UNION) <= 0.25 * UNION, got.total


def test_xapian_estimated_total_reads_about_on_the_page_cli_and_api(
        overlapping, small_thresholds, runner):
    require_fixed_build()
    from arsearch.cli import main
    from arsearch.web.app import create_app

    client = create_app({"TESTING": True, "ARSEARCH_INDEX": str(overlapping)}).test_client()
    page = client.get("/?q=القمح الحديد").get_data(as_text=True)
    assert "نحو " in page
    assert client.get("/api/search?q=القمح الحديد").get_json()["total_exact"] is False
    assert "نحو " not in client.get("/?q=المحصول").get_data(as_text=True)
    assert client.get("/api/search?q=المحصول").get_json()["total_exact"] is True
    out = runner.invoke(main, ["search", "القمح الحديد", "--index", str(overlapping)])
    assert out.exit_code == 0 and out.output.startswith("about "), out.output


def test_xapian_search_counts_small_totals_whole(overlapping, monkeypatch):
    """At most EXACT_UP_TO matches are counted one by one: when Xapian's bound says so
    (the default threshold), and when its bound is above it but a sample finds fewer."""
    with arsearch.open_index(overlapping) as engine:
        found = engine.search("القمح الحديد")
    assert found.total == UNION and found.total_exact
    monkeypatch.setattr(xsearch, "EXACT_UP_TO", UNION + 50)  # the bound (N) is above
    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 150)
    with arsearch.open_index(overlapping) as engine:
        found = engine.search("القمح الحديد")
    assert found.total == UNION and found.total_exact and found.facets_exact


def test_xapian_large_total_reads_exact_on_the_page_cli_and_api(
        overlapping, small_thresholds, runner, stock):
    from arsearch.cli import main
    from arsearch.web.app import create_app

    client = create_app({"TESTING": True, "ARSEARCH_INDEX": str(overlapping)}).test_client()
    assert "نحو " not in client.get("/?q=القمح الحديد").get_data(as_text=True)
    answer = client.get("/api/search?q=القمح الحديد")
    assert answer.get_json()["total_exact"] is True and answer.get_json()["total"] == UNION
    assert "X-Total-Exact" not in answer.headers
    out = runner.invoke(main, ["search", "القمح الحديد", "--index", str(overlapping)])
    assert out.exit_code == 0 and not out.output.startswith("about "), out.output


@pytest.mark.parametrize("page", [429_496_730, 10**12])
def test_xapian_page_past_every_document_is_empty_not_an_overflow(overlapping, page):
    """Xapian takes 32-bit offsets: a page whose end (page 429,496,730 of 10, pruned to
    its end) or start (10**12) is past 2**32 raised OverflowError, a traceback."""
    with arsearch.open_index(overlapping) as engine:
        found = engine.search("القمح الحديد", page=page)
        ids = engine.ranked_ids("القمح الحديد", limit=2**40)
    assert found.hits == [] and found.total == UNION
    assert len(ids) == UNION


def test_xapian_every_page_holding_matches_is_within_an_estimated_total(
        overlapping, small_thresholds, monkeypatch):
    """A sample that counts low (10 of 400 matches here: about 288) made the last pages,
    which hold matches, "beyond the results" (a 400 on the web, a note on the CLI); the
    estimate is kept within what the ranked pass saw, so each page's own total reaches
    it."""
    require_fixed_build()
    from arsearch.web.app import create_app

    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 10)
    last = math.ceil(UNION / 10)
    with arsearch.open_index(overlapping) as engine:
        first, end = engine.search("القمح الحديد"), engine.search("القمح الحديد", page=last)
    assert not first.total_exact and len(end.hits) == 10 and end.pages >= last
    client = create_app({"TESTING": True, "ARSEARCH_INDEX": str(overlapping)}).test_client()
    answer = client.get(f"/api/search?q=القمح الحديد&page={last}")
    assert answer.status_code == 200 and len(answer.get_json()["hits"]) == 10


def test_xapian_page_of_an_estimated_total_links_no_last_page(overlapping, small_thresholds):
    """The estimate's last page may lie past the real end (قال on the ANT: 2,216 of an
    estimated 22,155, 2,201 real), so its link led to "beyond the results"; the pages
    around the current one and "next" stay, an exact total links its last page."""
    require_fixed_build()
    from arsearch.web.app import create_app

    client = create_app({"TESTING": True, "ARSEARCH_INDEX": str(overlapping)}).test_client()
    with arsearch.open_index(overlapping) as engine:
        estimated = engine.search("القمح الحديد")
    assert not estimated.total_exact and estimated.pages > 4
    page = client.get("/?q=القمح الحديد").get_data(as_text=True)
    assert f'aria-label="الصفحة {estimated.pages}"' not in page
    assert 'aria-label="الصفحة 3"' in page and 'rel="next"' in page
    exact = client.get("/?q=المحصول").get_data(as_text=True)  # 300 matches, counted
    assert 'aria-label="الصفحة 30"' in exact


def test_xapian_export_of_an_estimated_total_reads_to_the_real_end(
        overlapping, small_thresholds, monkeypatch):
    """An export reads engine pages up to the total; a low estimate (about 300 of 400)
    left the last matches out of the file, silently."""
    require_fixed_build()
    from arsearch.search.export import search_many

    monkeypatch.setattr(xsearch, "SAMPLE_SIZE", 10)
    with arsearch.open_index(overlapping) as engine:
        exported = search_many(engine, "القمح الحديد", 1, 1000, snippets=False)
        past = search_many(engine, "القمح الحديد", 2, 300, snippets=False)
    assert not exported.total_exact and exported.total < UNION
    assert len({h.id for h in exported.hits}) == UNION
    assert len(past.hits) == UNION - 300


def test_xapian_search_without_facets_pages_as_with_them(overlapping, small_thresholds):
    """No facet pass: the same page; a pruned search's large total is then Xapian's own
    estimate, still marked, and within what Xapian's bounds allow."""
    with arsearch.open_index(overlapping) as engine:
        full = engine.search("القمح الحديد")
        bare = engine.search("القمح الحديد", facets=False)
        counted = engine.search("المحصول", facets=False)  # 300 matches, one word
    assert bare.facets == {}
    assert [h.id for h in bare.hits] == [h.id for h in full.hits]
    assert bare.total_exact is full.total_exact
    assert 0 < bare.total <= N
    assert counted.total == 300 and counted.total_exact
