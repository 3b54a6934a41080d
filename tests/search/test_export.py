"""Exporting results (search/export.py): the rows, CSV that spreadsheets cannot be made to
run, JSON Lines that line readers cannot split, and the cap."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime

import arsearch
from arsearch.search.export import (
    COLUMNS,
    MAX_EXPORT_ROWS,
    json_line,
    rows,
    search_many,
    write_csv,
    write_jsonl,
)
from arsearch.search.results import Hit


def hit(**fields) -> Hit:
    base = {"id": "d1", "title": "عنوان", "date": datetime(2018, 2, 15, 10), "source": "BBC",
            "category": "sport", "author": None, "url": None, "score": 1.23456}
    return Hit(**{**base, **fields})


def test_rows_are_flat_plain_and_ranked(engine) -> None:
    results = engine.search("إدلب", page=2, per_page=2)
    records = list(rows(results))
    assert [r["rank"] for r in records] == [3, 4][:len(records)]
    assert all(list(r) == list(COLUMNS) for r in records)
    assert all("<mark>" not in (r["title"] or "") for r in records)


def test_a_row_carries_the_hijri_date() -> None:
    (record,) = rows(arsearch.Results("q", [hit()], 1, 1, 10, {}, None, 0.0))
    assert record["date"] == "2018-02-15T10:00:00" and record["date_hijri"] == "1439-05-29"
    assert record["score"] == 1.2346


def test_csv_cells_a_spreadsheet_would_run_are_defused() -> None:
    out = io.StringIO()
    write_csv([{**dict.fromkeys(COLUMNS, ""), "rank": 1, "score": -0.5,
                "title": "=HYPERLINK(\"http://evil\")", "source": "+cmd", "author": "@SUM(1)",
                "category": "-1+2", "url": "\tx", "id": "a,b\"c\nd"}], out)
    header, line = list(csv.reader(io.StringIO(out.getvalue())))
    assert header == list(COLUMNS)
    cell = dict(zip(header, line, strict=True))
    assert cell["title"] == "'=HYPERLINK(\"http://evil\")"
    assert cell["source"] == "'+cmd" and cell["author"] == "'@SUM(1)"
    assert cell["category"] == "'-1+2" and cell["url"] == "'\tx"
    assert cell["score"] == "-0.5"  # a number stays a number
    assert cell["id"] == "a,b\"c\nd"  # quoted, intact


def test_json_lines_stay_one_record_a_line() -> None:
    line = json_line({"title": "سطر\u2028فاصل\u2029و\nسطر", "rank": 1})
    assert line.endswith("\n") and len(line.splitlines()) == 1
    assert json.loads(line) == {"title": "سطر\u2028فاصل\u2029و\nسطر", "rank": 1}
    out = io.StringIO()
    write_jsonl([{"a": "ب"}, {"a": "ج"}], out)
    assert out.getvalue() == '{"a": "ب"}\n{"a": "ج"}\n'


def test_search_many_reads_past_the_engine_page_size(tmp_path) -> None:
    docs = [arsearch.Document(id=f"d{i:03d}", title=f"خبر {i}", body="خبر عن الاقتصاد",
                              date=datetime(2018, 1, 1 + i % 28)) for i in range(250)]
    arsearch.index_documents(tmp_path, docs)
    with arsearch.open_index(tmp_path) as engine:
        many = search_many(engine, "الاقتصاد", 1, 230, snippets=False)
        assert len(many.hits) == 230 and many.total == 250
        ids = [h.id for h in many.hits]
        assert len(set(ids)) == 230
        page2 = search_many(engine, "الاقتصاد", 2, 230)
        assert [h.id for h in page2.hits] == [h.id for h in engine.search(
            "الاقتصاد", page=3, per_page=100).hits][30:50] == \
            [h.id for h in search_many(engine, "الاقتصاد", 1, 250).hits][230:]
        assert MAX_EXPORT_ROWS == 1000
