"""JSON Lines: fields, gzip, bad lines reported by number, streaming, the cap."""

from __future__ import annotations

import gzip
import json
import sys
from datetime import datetime
from pathlib import Path

import pytest

from arsearch.ingest import Document, read_documents
from tests.ingest.support import CAP, jsonl_record, read, read_capped, write


def test_jsonl_all_fields(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", jsonl_record(1) + "\n\n" + jsonl_record(2, title="") + "\n")
    docs, problems = read(path)
    assert problems == []
    assert docs[0] == Document("j1", "عنوان 1", "نص 1", datetime(2018, 2, 15), "الجزيرة نت",
                               "كاتب", "politic", "http://x", str(path))  # fmt: skip
    assert docs[1].title == ""


@pytest.mark.parametrize("suffix", [".jsonl.gz", ".ndjson"])
def test_jsonl_gzip_and_ndjson(tmp_path: Path, suffix: str) -> None:
    data = "".join(jsonl_record(i) + "\n" for i in range(50)).encode()
    path = tmp_path / f"a{suffix}"
    path.write_bytes(gzip.compress(data) if suffix.endswith(".gz") else data)
    docs, problems = read(path)
    assert problems == [] and [d.id for d in docs] == [f"j{i}" for i in range(50)]


def test_jsonl_bad_lines_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = [
        jsonl_record(1),
        "{not json",
        "[1, 2]",
        jsonl_record(4, body=""),
        jsonl_record(5, body=None),
        jsonl_record(6, title=7),
        json.dumps({"title": "t", "body": "b"}),  # no id
        "[" * 100_000 + "]" * 100_000,  # nested far too deep
        jsonl_record(9, date="not a date", source=5),  # kept; date and source dropped
        jsonl_record(10),
    ]
    docs, problems = read(write(tmp_path / "a.jsonl", "\n".join(lines) + "\n"))
    assert [d.id for d in docs] == ["j1", "j9", "j10"]
    assert docs[1].date is None and docs[1].source is None and docs[1].author == "كاتب"
    skipped = [p.line for p in problems if p.skipped]
    dropped = [p.line for p in problems if not p.skipped]
    assert skipped == [2, 3, 4, 5, 6, 7, 8]
    assert dropped == [9, 9]
    assert all(p.path.endswith("a.jsonl") for p in problems)


@pytest.mark.skipif(sys.platform == "win32", reason="cannot unlink an open file")
def test_jsonl_streams_lazily(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", "".join(jsonl_record(i) + "\n" for i in range(10)))
    stream = read_documents([path])
    assert next(stream).id == "j0"
    path.unlink()  # the rest is read from the already open file
    assert [d.id for d in stream] == [f"j{i}" for i in range(1, 10)]


def test_jsonl_with_bom_crlf_and_unicode_line_separators(tmp_path: Path) -> None:
    lines = [jsonl_record(1, title="سطر\u2028فاصل"), jsonl_record(2, body="نص\u2029فقرة\u0085")]
    path = write(tmp_path / "a.jsonl", b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    docs, problems = read(path)
    assert problems == []
    assert [d.id for d in docs] == ["j1", "j2"]
    assert "\u2028" not in docs[0].title  # a title is one line
    assert docs[1].body.startswith("نص")


@pytest.mark.parametrize("ensure_ascii", [False, True])
def test_oversized_jsonl_record_is_cut_to_the_cap_with_a_warning(
    tmp_path: Path, ensure_ascii: bool
) -> None:
    body = "كلمة عربية وأخرى \"مقتبسة\" \\ مائلة\n" * 50_000  # 2 MB, escapes everywhere
    record = {"id": "big", "title": "عنوان", "body": body, "date": "2018-02-15",
              "source": "رؤية"}  # fields after the body survive the cut
    path = write(tmp_path / "a.jsonl", json.dumps(record, ensure_ascii=ensure_ascii) + "\n"
                 + jsonl_record(2) + "\n")
    docs, problems = read_capped(path)
    assert [d.id for d in docs] == ["big", "j2"]
    big = docs[0]
    assert len(big.title.encode()) + len(big.body.encode()) <= CAP
    assert len(big.body.encode()) > CAP * 0.9
    assert body.startswith(big.body)  # a prefix of the article, cut on a word boundary
    assert (big.date, big.source) == (datetime(2018, 2, 15), "رؤية")
    [problem] = problems
    assert (problem.line, problem.skipped) == (1, False) and "first 65,536 bytes" in problem.message


def test_oversized_jsonl_line_without_text_is_skipped_and_the_next_read(tmp_path: Path) -> None:
    huge = '{"id": "arr", "title": "t", "body": "نص", "x": [' + "1," * 200_000 + "1]}"
    path = write(tmp_path / "a.jsonl", huge + "\n" + jsonl_record(2) + "\n")
    docs, problems = read_capped(path)
    assert [d.id for d in docs] == ["j2"]
    assert [(p.line, p.skipped) for p in problems] == [(1, True)]


def test_nul_and_other_controls_in_a_record_separate_words(tmp_path: Path) -> None:
    import arsearch

    record = json.dumps({"id": "n1", "title": "عنوان\u0000خبر\u001b[31m", "body":
                         "داعش\u0000صفر\u0007إدلب", "source": "مصدر\u0001"}, ensure_ascii=True)
    docs, problems = read(write(tmp_path / "a.jsonl", record + "\n"))
    assert problems == []
    assert docs[0].body == "داعش صفر إدلب"
    assert docs[0].title == "عنوان خبر [31m" and docs[0].source == "مصدر"
    arsearch.index_documents(tmp_path / "ix", docs)
    with arsearch.open_index(tmp_path / "ix") as engine:
        hit = engine.search("صفر").hits[0]
        assert hit.id == "n1" and "\x00" not in hit.snippet + hit.title_html


def test_jsonl_hijri_date_is_left_empty_with_a_warning(tmp_path: Path) -> None:
    docs, problems = read(write(tmp_path / "a.jsonl", jsonl_record(1, date="1439-05-12")))
    assert docs[0].date is None and docs[0].id == "j1"
    assert [p.skipped for p in problems] == [False]
    assert "Hijri (Islamic calendar)" in problems[0].message
