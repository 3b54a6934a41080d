"""Downloads of a result set: /api/export.csv and /api/export.jsonl, linked from the page."""

from __future__ import annotations

import csv
import io
import json

import pytest

from tests.web.support import IDLIB, parse, text


def test_export_csv_is_a_utf8_spreadsheet_of_the_results(client) -> None:
    r = client.get("/api/export.csv", query_string={"q": IDLIB})
    assert r.status_code == 200 and r.mimetype == "text/csv"
    assert r.headers["Content-Disposition"] == 'attachment; filename="arsearch-results.csv"'
    body = r.get_data(as_text=True)
    assert body.startswith("\ufeff")  # spreadsheets read Arabic UTF-8 after a BOM
    table = list(csv.DictReader(io.StringIO(body.lstrip("\ufeff"))))
    api = client.get("/api/search", query_string={"q": IDLIB, "per_page": 100}).json
    assert [row["id"] for row in table] == [h["id"] for h in api["hits"]]
    assert int(r.headers["X-Total-Count"]) == api["total"] == len(table)


def test_export_jsonl_keeps_filters_and_sort(client) -> None:
    r = client.get("/api/export.jsonl", query_string=[
        ("q", "الرئيس"), ("source", "العربية"), ("source", "فرانس 24"), ("sort", "date")])
    assert r.status_code == 200 and r.mimetype == "application/x-ndjson"
    records = [json.loads(line) for line in r.get_data(as_text=True).splitlines()]
    assert records and {rec["source"] for rec in records} <= {"العربية", "فرانس 24"}
    dates = [rec["date"] for rec in records if rec["date"]]
    assert dates == sorted(dates, reverse=True)


def test_export_limit_is_capped(client) -> None:
    r = client.get("/api/export.jsonl", query_string={"q": IDLIB, "limit": "2"})
    assert len(r.get_data(as_text=True).splitlines()) == 2


@pytest.mark.parametrize("limit", ["0", "1001", "-1", "abc", "1e3", "9" * 40, "٢"])
def test_export_bad_limit_is_a_clear_400(client, limit) -> None:
    r = client.get("/api/export.csv", query_string={"q": "x", "limit": limit})
    assert r.status_code == 400 and "limit must be between 1 and 1000" in \
        r.json["error"]["message"]


def test_unknown_export_format_is_404(client) -> None:
    r = client.get("/api/export.xlsx?q=x")
    assert r.status_code == 404 and r.json["error"]["status"] == 404


def test_results_page_links_its_downloads(client) -> None:
    html = text(client.get("/", query_string={"category": "politic", "page": "1"}))
    links = [h for h, _ in parse(html).links if h.startswith("/api/export.")]
    assert sorted(h.split("?")[0] for h in links) == ["/api/export.csv", "/api/export.jsonl"]
    for href in links:
        assert "category=politic" in href and "page=" not in href
        assert client.get(href).status_code == 200
    assert "أول 1,000 نتيجة على الأكثر" in html
