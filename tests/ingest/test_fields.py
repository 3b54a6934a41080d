"""The rules every format applies to a field: ids, invalid text, dates, the cap."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

import arsearch
from arsearch.ingest.fields import clean_text, fit, one_line
from tests.ingest.support import jsonl_record, read, write


def test_bad_ids_are_skipped_with_a_reason(tmp_path: Path) -> None:
    lines = [jsonl_record(1, id="a/../b c"), jsonl_record(2, id="nul\u0000x"),
             jsonl_record(3, id="x" * 1001), jsonl_record(4, id="new\nline"),
             json.dumps({"id": "\ud800", "title": "t", "body": "نص"}), jsonl_record(6, id="ok")]
    docs, problems = read(write(tmp_path / "a.jsonl", "\n".join(lines) + "\n"))
    assert [d.id for d in docs] == ["a/../b c", "ok"]  # ids are opaque strings
    assert [p.line for p in problems] == [2, 3, 4, 5]
    assert "longer than 1000" in problems[1].message
    assert all("skipped" in p.message for p in problems)


def test_lone_surrogates_in_text_are_replaced_not_fatal(tmp_path: Path) -> None:
    record = '{"id": "s1", "title": "عنوان \\ud800", "body": "نص \\udfff و\\ud83d\\ude00", ' \
             '"source": "مصدر\\udc00"}'
    [doc], problems = read(write(tmp_path / "a.jsonl", record + "\n"))
    assert problems == []
    assert (doc.title, doc.body, doc.source) == ("عنوان \ufffd", "نص \ufffd و😀", "مصدر\ufffd")
    ix = arsearch.index_documents(tmp_path / "ix", [doc])  # encodable: the run completes
    assert ix.documents == 1


@pytest.mark.parametrize("date", ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00",
                                  "1e309", "+275760-09-13", "99999-01-01", "0001-01-01",
                                  "9999-12-31", "1000-01-01T00:00:00"])
def test_dates_out_of_range_are_dropped_not_fatal(tmp_path: Path, date: str) -> None:
    [doc], problems = read(write(tmp_path / "a.jsonl", jsonl_record(1, date=date) + "\n"))
    assert doc.date is None
    assert [(p.line, p.skipped) for p in problems] == [(1, False)]


def test_dates_at_the_ends_of_the_indexed_span_are_kept(tmp_path: Path) -> None:
    lines = [jsonl_record(1, date="1000-01-02"), jsonl_record(2, date="9998-12-31T23:59:59")]
    docs, problems = read(write(tmp_path / "a.jsonl", "\n".join(lines) + "\n"))
    assert problems == []
    assert [d.date for d in docs] == [datetime(1000, 1, 2), datetime(9998, 12, 31, 23, 59, 59)]
    arsearch.index_documents(tmp_path / "ix", docs)
    with arsearch.open_index(tmp_path / "ix") as engine:  # seen by date filters and sorting
        assert engine.stats()["date_from"] == "1000-01-02"
        assert engine.stats()["date_to"] == "9998-12-31"


def test_clean_text_fixes_layout_but_never_letters() -> None:
    raw = "\ufeffأولاً:  كُتِبَ   \r\n\r\n\r\n\r\nمـــصر\rإدلب\x00\n\n"
    assert clean_text(raw) == "أولاً:  كُتِبَ\n\nمـــصر\nإدلب"


def test_one_line_joins_a_field_onto_one_line() -> None:
    assert one_line(" عنوان\n على \u2028 سطرين\ufeff ") == "عنوان على سطرين"
    assert one_line(None) == ""


def test_fit_cuts_title_and_body_to_the_cap_on_a_word_boundary() -> None:
    title, body = "عنوان " * 10, "كلمة " * 1000  # 2 bytes a letter
    assert fit(title, body, 100_000) == (title, body, False)
    new_title, new_body, cut = fit(title, body, 1000)
    assert cut and new_title == title
    assert len(new_title.encode()) + len(new_body.encode()) <= 1000
    assert body.startswith(new_body) and new_body.endswith("كلمة")
    long_title, _, cut = fit("عنوان " * 1000, "نص", 1000)
    assert cut and len(long_title.encode()) <= 500  # a title gets half the cap at most
