"""The JSON API: the shapes of /api/search, /api/documents/<id> and /api/explain."""

from __future__ import annotations

from tests.web.support import IDLIB, text


def test_api_search_shape(client) -> None:
    r = client.get("/api/search", query_string={"q": IDLIB, "per_page": 3})
    assert r.status_code == 200 and r.mimetype == "application/json"
    data = r.json
    for key in ("query", "total", "page", "per_page", "took_ms", "suggestion", "facets",
                "hits"):
        assert key in data
    assert data["query"] == IDLIB and data["page"] == 1 and data["per_page"] == 3
    assert set(data["facets"]) == {"source", "category", "year", "month", "hijri_month"}
    assert len(data["hits"]) == 3
    for hit in data["hits"]:
        assert {"id", "title", "date", "source", "category", "url", "score",
                "snippet_html"} <= set(hit)
    assert any("<mark>" in h["snippet_html"] for h in data["hits"])
    years = list(data["facets"]["year"])
    assert years == sorted(years, reverse=True)  # the engine's order is kept
    assert "إدلب".encode() in r.data  # not \\u-escaped


def test_api_document(client) -> None:
    r = client.get("/api/documents/sample-json-001", query_string={"q": "الناخبون"})
    assert r.status_code == 200
    doc = r.json
    assert doc["id"] == "sample-json-001" and doc["date"].startswith("2021-06-18")
    assert "<mark>" in doc["body_html"] and "path" not in doc


def test_date_range_filter(client) -> None:
    everything = client.get("/api/search", query_string={"q": IDLIB}).json["total"]
    r = client.get("/api/search", query_string={"q": IDLIB, "from": "2019-01-01",
                                               "to": "2019-12-31"})
    assert 0 < r.json["total"] < everything
    assert all(h["date"].startswith("2019") for h in r.json["hits"])
    html = text(client.get("/", query_string={"q": IDLIB, "from": "2019-01-01"}))
    assert 'value="2019-01-01"' in html
    assert 'من <time datetime="2019-01-01">1 يناير 2019</time>' in html


def test_api_page_one_of_nothing_is_fine(client) -> None:
    r = client.get("/api/search", query_string={"q": "كلمةغيرموجودةاطلاقا"})
    assert r.status_code == 200 and r.json["total"] == 0 and r.json["hits"] == []


def test_explain_api_errors_have_the_one_shape(client) -> None:
    r = client.get("/api/explain", query_string={"q": "داعش", "id": "nope"})
    assert r.status_code == 404 and r.json["error"]["status"] == 404
    r = client.get("/api/explain", query_string={"q": "x" * 600, "id": "nope"})
    assert r.status_code == 400
