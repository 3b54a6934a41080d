"""Readers: plain-text articles, TREC <DOC> files, JSON Lines, and bad input."""

from __future__ import annotations

import gzip
import json
import shutil
import sys
from datetime import datetime
from pathlib import Path

import pytest

import arsearch
from arsearch.ingest import Document, Problem, read_documents, read_file
from tests.conftest import SHARED

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "arsearch" / "data" / "sample"
SEED = SAMPLE / "seed" / "000_f4303bb32ac63e1e.txt"
RAW_SAMPLE = SHARED / "corpora" / "ant-news" / "raw-sample"


def read(*paths: Path, id_root: Path | None = None) -> tuple[list[Document], list[Problem]]:
    """Documents and problems of ``paths``; ids relative to the first path's folder."""
    problems: list[Problem] = []
    if id_root is None:
        id_root = paths[0] if paths[0].is_dir() else paths[0].parent
    docs = list(read_documents(paths, on_problem=problems.append, id_root=id_root))
    return docs, problems


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def trec(docno: str | None, text: str | None = "نص الخبر", **tags: str) -> str:
    parts = ["<DOC>"]
    if docno is not None:
        parts.append(f"<DOCNO>{docno}</DOCNO>")
    parts += [f"<{tag}>{value}</{tag}>" for tag, value in tags.items()]
    if text is not None:
        parts.append(f"<TEXT>\n{text}\n</TEXT>")
    return "\n".join(parts + ["</DOC>"]) + "\n"


# --------------------------------------------------------------------------- plain text


def test_seed_article() -> None:
    docs, problems = read(SEED)
    assert problems == []
    [doc] = docs
    assert doc.id == "000_f4303bb32ac63e1e.txt"
    assert doc.title == 'رغم دعم النظام.. نهاية "داعش" في ريف إدلب'
    assert doc.date == datetime(2018, 2, 15)
    assert (doc.source, doc.author) == ("رؤية", "محمود سعيد")
    assert doc.body.startswith("أعلنت الفصائل المقاتلة")
    assert "تعليق" not in doc.body.splitlines()[-1]
    assert doc.body == doc.body.strip()
    assert "مفاوضات" in doc.body.splitlines()  # sub-headings stay in the body
    assert doc.path == str(SEED)


@pytest.mark.parametrize(
    ("dateline", "expected"),
    [("١٥ فبراير ٢٠١٨", datetime(2018, 2, 15)), ("3 كانون الأول 2019", datetime(2019, 12, 3)),
     ("٢٢ جويلية ٢٠١٦", datetime(2016, 7, 22)), ("2020-05-01", datetime(2020, 5, 1))],
)  # fmt: skip
def test_text_datelines_in_every_month_system(
    tmp_path: Path, dateline: str, expected: datetime
) -> None:
    path = write(tmp_path / "a.txt", f"العنوان\n\n{dateline}\n\nالجزيرة نت - كاتب\n\nالنص هنا.\n")
    [doc] = read(path)[0]
    assert doc.date == expected
    assert doc.body == "النص هنا."


def test_text_without_dateline_or_byline_keeps_first_paragraph(tmp_path: Path) -> None:
    body = "وصلت قافلة مساعدات - وفق مصادر محلية - إلى المدينة.\n\nفقرة ثانية."
    [doc] = read(write(tmp_path / "a.txt", f"عنوان الخبر\n{body}\n"))[0]
    assert (doc.date, doc.source, doc.author) == (None, None, None)
    assert doc.body == body


def test_text_byline_before_dateline_and_boilerplate_variants(tmp_path: Path) -> None:
    text = "عنوان\nفرانس 24 - سلمى\n٣ فيفري ٢٠٢٢\nالنص.\n\nأضف تعليق\n\n  \n"
    [doc] = read(write(tmp_path / "a.txt", text))[0]
    assert (doc.source, doc.author, doc.date) == ("فرانس 24", "سلمى", datetime(2022, 2, 3))
    assert doc.body == "النص."


@pytest.mark.parametrize("button", ["أضف تعليق", "اضف تعليق", "إضافة تعليق", "اضافه تعليق",
                                    "أضف تعليقاً", "اضف تعليقا", "طباعه", "شارك هذا المقال:"])
def test_text_comment_and_share_buttons_are_dropped_in_any_spelling(
    tmp_path: Path, button: str
) -> None:
    [doc] = read(write(tmp_path / "a.txt", f"عنوان\nالنص.\n\n{button}\n"))[0]
    assert doc.body == "النص."


def test_text_keeps_diacritics_and_normalises_layout(tmp_path: Path) -> None:
    raw = "\ufeffعنوان\r\n\r\nكُتِبَ عَلَيْكُمُ الصِّيَامُ   \r\n\r\n\r\n\r\nمـــصر\r\n"
    [doc] = read(write(tmp_path / "a.txt", raw))[0]
    assert doc.title == "عنوان"
    assert doc.body == "كُتِبَ عَلَيْكُمُ الصِّيَامُ\n\nمـــصر"


def test_text_impossible_dateline_is_dropped_with_problem(tmp_path: Path) -> None:
    path = write(tmp_path / "a.txt", "عنوان\n٣١ فبراير ٢٠١٨\nالنص.\n")
    [doc], problems = read(path)
    assert doc.date is None and doc.body == "النص."
    assert [(p.line, p.skipped) for p in problems] == [(2, False)]


def test_cp1256_file_is_decoded(tmp_path: Path) -> None:
    path = write(tmp_path / "old.txt", "عنوان قديم\nنص بترميز ويندوز العربي.\n".encode("cp1256"))
    [doc], problems = read(path)
    assert problems == []
    assert doc.title == "عنوان قديم" and doc.body == "نص بترميز ويندوز العربي."


def test_file_without_extension_is_read_as_text(tmp_path: Path) -> None:
    [doc] = read(write(tmp_path / "article", "عنوان\nنص.\n"))[0]
    assert doc.id == "article"


# --------------------------------------------------------------------------- TREC


def test_trec_multi_record_file(tmp_path: Path) -> None:
    content = (
        trec("A-1", "النص الأول", TITLE="الأول", TIME="2018-02-15T10:20:00+03:00",
             SRC="skynews", CAT="politic", AUTHOR="أبوظبي - كاتب", URL="http://x/1")
        + trec("A-2", "النص الثاني", TIME="Thu, 15 Feb 2018 10:20:00 +0300")
        + trec("A-3", "النص الثالث", TIME="Thu, 15 Feb 2018 10:20:00 GMT")
    )  # fmt: skip
    docs, problems = read(write(tmp_path / "news.xml", content))
    assert problems == []
    assert [d.id for d in docs] == ["A-1", "A-2", "A-3"]
    first = docs[0]
    assert (first.title, first.source, first.category, first.url) == (
        "الأول", "skynews", "politic", "http://x/1")  # fmt: skip
    assert first.author == "أبوظبي - كاتب"
    assert [d.date for d in docs] == [datetime(2018, 2, 15, 7, 20)] * 2 + [
        datetime(2018, 2, 15, 10, 20)
    ]


@pytest.mark.parametrize("name", ["doc.trec", "doc.txt", "doc", "doc.sgml"])
def test_trec_detected_by_content_whatever_the_name(tmp_path: Path, name: str) -> None:
    [doc] = read(write(tmp_path / name, "\n  " + trec("X-1")))[0]
    assert doc.id == "X-1"


def test_trec_abstract_prepended_only_when_different(tmp_path: Path) -> None:
    lead = "جملة أولى طويلة.\nجملة ثانية."
    content = trec("S-1", lead, ABSTRACT="جملة أولى طويلة.جملة ثا") + trec(
        "S-2", "نص مختلف.", ABSTRACT="ملخص الخبر."
    )
    same, other = read(write(tmp_path / "a.trec", content))[0]
    assert same.body == lead
    assert other.body == "ملخص الخبر.\n\nنص مختلف."


def test_trec_bad_records_are_skipped_and_reported(tmp_path: Path) -> None:
    content = (
        trec("G-1")
        + trec(None)  # no DOCNO
        + trec("G-3", text=None)  # no text at all
        + trec("G-4", text="   ")  # empty text
        + trec("G-5", TIME="yesterday")  # unparseable date: kept, date dropped
        + "<DOC>\n<DOCNO>G-6</DOCNO>\n<TITLE>بلا إغلاق\n<TEXT>\nنص بلا وسم إغلاق\n"  # no </DOC>
        + trec("G-7")
    )
    docs, problems = read(write(tmp_path / "bad.trec", content))
    assert [d.id for d in docs] == ["G-1", "G-5", "G-6", "G-7"]
    assert docs[1].date is None
    assert docs[2].title == "بلا إغلاق" and docs[2].body == "نص بلا وسم إغلاق"
    starts = [n for n, line in enumerate(content.splitlines(), 1) if line == "<DOC>"]
    assert [(p.line, p.skipped) for p in problems] == [
        (starts[1], True), (starts[2], True), (starts[3], True), (starts[4], False)]  # fmt: skip
    assert all(p.path.endswith("bad.trec") for p in problems)


def test_trec_repeated_tags_do_not_crash(tmp_path: Path) -> None:
    content = "<DOC><DOCNO>R-1</DOCNO><DOCNO>R-2</DOCNO><TEXT>أ</TEXT><TEXT>ب</TEXT></DOC>"
    [doc] = read(write(tmp_path / "r.trec", content))[0]
    assert doc.id == "R-1" and doc.body == "أ\nب"


# --------------------------------------------------------------------------- JSON Lines


def jsonl_record(i: int, **changes: object) -> str:
    record = {
        "id": f"j{i}",
        "title": f"عنوان {i}",
        "body": f"نص {i}",
        "date": "2018-02-15",
        "source": "الجزيرة نت",
        "author": "كاتب",
        "category": "politic",
        "url": "http://x",
    }
    record.update(changes)
    return json.dumps(record, ensure_ascii=False)


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


def test_truncated_gzip_keeps_documents_read_before(tmp_path: Path) -> None:
    data = gzip.compress("".join(jsonl_record(i) + "\n" for i in range(2000)).encode())
    path = write(tmp_path / "cut.jsonl.gz", data[: len(data) // 2])
    docs, problems = read(path)
    assert 0 < len(docs) < 2000
    assert [d.id for d in docs] == [f"j{i}" for i in range(len(docs))]
    [problem] = problems
    assert problem.skipped and problem.line is not None and "gzip" in problem.message


@pytest.mark.skipif(sys.platform == "win32", reason="cannot unlink an open file")
def test_jsonl_streams_lazily(tmp_path: Path) -> None:
    path = write(tmp_path / "a.jsonl", "".join(jsonl_record(i) + "\n" for i in range(10)))
    stream = read_documents([path])
    assert next(stream).id == "j0"
    path.unlink()  # the rest is read from the already open file
    assert [d.id for d in stream] == [f"j{i}" for i in range(1, 10)]


# --------------------------------------------------------------------------- encodings

ARABIC = "افتتاح مستشفى جديد في إدلب"
ARABIC_BODY = "أعلنت وزارة الصحة افتتاح مستشفى لعلاج الأطفال في مدينة إدلب."


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le-bom", "utf-16-be-bom",
                                      "utf-16-le", "utf-16-be", "utf-8-sig", "utf-32"])
def test_utf16_and_bom_text_articles_are_decoded(tmp_path: Path, encoding: str) -> None:
    text = f"{ARABIC}\r\n١٥ فبراير ٢٠١٨\r\nرؤية - كاتب\r\n{ARABIC_BODY}\r\n"
    codec, _, bom = encoding.partition("-bom")
    data = text.encode(codec)
    if encoding == "utf-16-le-bom":
        data = b"\xff\xfe" + text.encode("utf-16-le")
    elif encoding == "utf-16-be-bom":
        data = b"\xfe\xff" + text.encode("utf-16-be")
    [doc], problems = read(write(tmp_path / "a.txt", data))
    assert problems == []
    assert (doc.title, doc.body) == (ARABIC, ARABIC_BODY)
    assert (doc.date, doc.source) == (datetime(2018, 2, 15), "رؤية")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le"])
def test_utf16_trec_and_jsonl_files_are_decoded(tmp_path: Path, codec: str) -> None:
    trec_text = trec("U-1", ARABIC_BODY, TITLE=ARABIC) + trec("U-2", "نص ثان")
    jsonl = jsonl_record(1, title=ARABIC, body=ARABIC_BODY) + "\n" + jsonl_record(2) + "\n"
    write(tmp_path / "a.trec", trec_text.encode(codec))
    write(tmp_path / "b.jsonl", jsonl.encode(codec))
    docs, problems = read(tmp_path)
    assert problems == []
    assert [(d.id, d.title) for d in docs] == [("U-1", ARABIC), ("U-2", ""), ("j1", ARABIC),
                                               ("j2", "عنوان 2")]
    assert docs[0].body == docs[2].body == ARABIC_BODY


def test_binary_data_with_nul_bytes_is_not_taken_for_utf16(tmp_path: Path) -> None:
    rng = __import__("random").Random(5)
    write(tmp_path / "a.txt", bytes(rng.randrange(256) for _ in range(4000)) + b"\x00\x00")
    write(tmp_path / "b.txt", b"\x00" * 5000)
    docs, problems = read(tmp_path)
    assert docs == [] and [p.message for p in problems] == ["binary file (NUL bytes), skipped"] * 2


def test_jsonl_with_bom_crlf_and_unicode_line_separators(tmp_path: Path) -> None:
    lines = [jsonl_record(1, title="سطر\u2028فاصل"), jsonl_record(2, body="نص\u2029فقرة\u0085")]
    path = write(tmp_path / "a.jsonl", b"\xef\xbb\xbf" + "\r\n".join(lines).encode() + b"\r\n")
    docs, problems = read(path)
    assert problems == []
    assert [d.id for d in docs] == ["j1", "j2"]
    assert "\u2028" not in docs[0].title  # a title is one line
    assert docs[1].body.startswith("نص")


def test_old_mac_line_ends_in_text_and_jsonl(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", "عنوان قديم\r١٥ فبراير ٢٠١٨\rنص المقال.\r\rفقرة ثانية.\r")
    write(tmp_path / "b.jsonl", jsonl_record(1) + "\r" + jsonl_record(2) + "\r")
    docs, problems = read(tmp_path)
    assert problems == []
    assert [(d.id, d.title) for d in docs] == [("a.txt", "عنوان قديم"), ("j1", "عنوان 1"),
                                               ("j2", "عنوان 2")]
    assert docs[0].date == datetime(2018, 2, 15)
    assert docs[0].body == "نص المقال.\n\nفقرة ثانية."


def test_a_json_array_file_is_skipped_with_a_hint(tmp_path: Path) -> None:
    _, [problem] = read(write(tmp_path / "export.json", "[" + jsonl_record(1) + "]\n"))
    assert "JSON Lines" in problem.message and problem.skipped


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs Linux's /proc")
def test_files_of_size_zero_are_not_read(tmp_path: Path) -> None:
    """/proc's files say size 0 (and some block when read): an empty file is not read."""
    docs, problems = read(Path("/proc/self/status"), id_root=tmp_path)
    assert docs == [] and [p.message for p in problems] == ["empty file, skipped"]


# --------------------------------------------------------------------------- hostile values


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


# --------------------------------------------------------------------------- size cap

CAP = 64 * 1024


def read_capped(*paths: Path) -> tuple[list[Document], list[Problem]]:
    problems: list[Problem] = []
    docs = list(read_documents(paths, problems.append, id_root=paths[0].parent,
                               max_doc_bytes=CAP))
    return docs, problems


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


@pytest.mark.parametrize("cut", [1, 2, 3, 5, 6, 7])
def test_cutting_a_json_string_never_splits_an_escape(cut: int) -> None:
    from arsearch.ingest.json_cut import shrink_json_line as _shrink_json_line

    content = "ab" + "\\u0627\\\\\\\"" * 3
    line = '{"id": "e", "body": "' + content + '", "title": "t"}'
    shrunk = _shrink_json_line(line, iter(()), keep=5 + cut, budget=1000)  # keys stay whole
    record = json.loads(shrunk)
    assert json.loads(line)["body"].startswith(record["body"])
    assert record["title"] == "t"


def test_json_line_fed_in_pieces_is_rebuilt_exactly() -> None:
    from arsearch.ingest.json_cut import shrink_json_line as _shrink_json_line

    line = json.dumps({"id": "p", "title": 'a"b\\', "body": "ج" * 50 + '\\"' * 20})
    for size in (1, 2, 3, 7):
        pieces = [line[i:i + size] for i in range(0, len(line), size)]
        rest = iter((1, p, i < len(pieces) - 2) for i, p in enumerate(pieces[1:]))
        assert _shrink_json_line(pieces[0], rest, keep=10_000, budget=10_000) == line


def test_oversized_trec_record_is_cut_and_later_records_kept(tmp_path: Path) -> None:
    long_text = "نص طويل جدا " * 20_000  # 240 KB, one line
    content = (trec("T-1", long_text, TITLE="الأول", TIME="2018-02-15")
               + "".join(trec(f"T-{i}", "نص قصير") for i in range(2, 5)).replace("\n", ""))
    docs, problems = read_capped(write(tmp_path / "a.trec", content))
    assert [d.id for d in docs] == ["T-1", "T-2", "T-3", "T-4"]
    assert len(docs[0].body.encode()) <= CAP and docs[0].title == "الأول"
    assert [(p.line, p.skipped) for p in problems] == [(1, False)]


def test_gzip_bomb_article_is_read_only_up_to_the_cap(tmp_path: Path) -> None:
    path = tmp_path / "bomb.txt.gz"
    with gzip.open(path, "wb") as f:
        f.write("عنوان\n".encode())
        chunk = ("نص " * 100_000).encode()
        for _ in range(300):  # 180 MB inflated, 180 KB on disk
            f.write(chunk)
    [doc], problems = read_capped(path)
    assert len(doc.body.encode()) <= CAP and doc.title == "عنوان"
    assert [p.skipped for p in problems] == [False] and "larger than" in problems[0].message


# --------------------------------------------------------------------------- bad files


def test_bad_files_are_skipped_others_still_read(tmp_path: Path) -> None:
    write(tmp_path / "a_good.txt", "عنوان\nنص.\n")
    write(tmp_path / "b_binary.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00IHDR")
    write(tmp_path / "c_empty.txt", "\n\n   \n")
    write(tmp_path / "d_title_only.txt", "عنوان فقط\n")
    write(tmp_path / "e_image.png", b"not really")
    write(tmp_path / "f_good.jsonl", jsonl_record(1) + "\n")
    docs, problems = read(tmp_path)
    assert [d.id for d in docs] == ["a_good.txt", "j1"]
    assert sorted(Path(p.path).name for p in problems) == [
        "b_binary.txt", "c_empty.txt", "d_title_only.txt", "e_image.png"]  # fmt: skip
    assert all(p.skipped for p in problems)


def test_missing_path_is_reported_not_raised(tmp_path: Path) -> None:
    docs, problems = read(tmp_path / "nope")
    assert docs == [] and len(problems) == 1 and "no such" in problems[0].message


def test_problem_str_shows_file_and_line() -> None:
    assert str(Problem("a.jsonl", 3, "bad")) == "a.jsonl:3: bad"
    assert str(Problem("a.txt", None, "bad")) == "a.txt: bad"


# --------------------------------------------------------------------------- walking, ids


def test_recursive_walk_sorted_skips_hidden_and_ids_are_relative(tmp_path: Path) -> None:
    for rel in ["b/z.txt", "a/y/x.txt", "a/w.txt", ".git/h.txt", "a/.hidden.txt", "c/.d/e.txt"]:
        write(tmp_path / rel, "عنوان\nنص.\n")
    docs, problems = read(tmp_path)
    assert problems == []
    assert [d.id for d in docs] == ["a/w.txt", "a/y/x.txt", "b/z.txt"]
    assert docs[0].path == str(tmp_path / "a" / "w.txt")


def test_ids_are_paths_from_the_id_root_whatever_the_argument(tmp_path: Path) -> None:
    first = tmp_path / "one" / "corpus"
    shutil.copytree(SAMPLE, first)
    second = tmp_path / "elsewhere" / "moved"
    shutil.copytree(SAMPLE, second)
    # an archive moved with its id root keeps its ids
    assert [d.id for d in read(first)[0]] == [d.id for d in read(second)[0]]
    # the same file has the same id whether its folder or a subfolder is given
    via_sub = read(first / "txt", id_root=first)[0]
    assert via_sub[0].id == "txt/01_idlib_politics.txt"
    assert via_sub[0].id in {d.id for d in read(first)[0]}
    (tmp_path / "link").symlink_to(first)  # ... or a symbolic link to it
    assert [d.id for d in read(tmp_path / "link" / "txt", id_root=first)[0]][0] == \
        "txt/01_idlib_politics.txt"


def test_files_outside_the_id_root_get_their_absolute_path(tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    article = write(tmp_path / "elsewhere" / "a.txt", "عنوان\nنص.\n")
    [doc] = read(article, id_root=root)[0]
    assert doc.id == str(article.resolve()) == doc.path


def test_read_file_uses_id_root_for_ids(tmp_path: Path) -> None:
    [doc] = list(read_file(SEED, id_root=SAMPLE))
    assert doc.id == "seed/000_f4303bb32ac63e1e.txt"
    [doc] = list(read_file(SEED, SEED.parent))
    assert doc.id == "000_f4303bb32ac63e1e.txt"
    [doc] = list(read_file(SEED, tmp_path))
    assert doc.id == str(SEED)


# --------------------------------------------------------------------------- bundled sample


def test_bundled_sample_reads_cleanly() -> None:
    docs, problems = read(SAMPLE)
    assert problems == []
    assert len(docs) >= 35
    assert len({d.id for d in docs}) == len(docs)
    assert all(d.body and d.title for d in docs)
    assert sum(d.date is not None for d in docs) >= len(docs) - 1  # one article is undated
    bodies = "\n".join(d.body for d in docs)
    for word in ["مسؤول", "مسئول", "إدلب", "ادلب", "مستشفى", "داعش", "ترامب", "مـــصر", "۱۴۰۲"]:
        assert word in bodies, word


# --------------------------------------------------------------------------- real corpus


@pytest.mark.corpus
def test_ant_raw_sample_parses_completely() -> None:
    if not RAW_SAMPLE.is_dir():
        pytest.skip(f"ANT raw sample not found at {RAW_SAMPLE} (needs ../shared)")
    docs, problems = read(RAW_SAMPLE)
    files = [p for p in RAW_SAMPLE.rglob("*") if p.is_file()]
    assert [p for p in problems if p.skipped] == []
    assert len(docs) == len(files) == 300
    assert all(d.date is not None for d in docs), [p for p in problems if not p.skipped]
    assert all(d.id == Path(d.path or "").stem for d in docs)  # DOCNO matches file names


def test_single_path_string_and_default_problem_logging(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default id root is the current folder
    write(tmp_path / "a.txt", "عنوان\nنص.\n")
    write(tmp_path / "b.txt", "")
    docs = list(read_documents(str(tmp_path)))  # a bare string is one path, not characters
    assert [d.id for d in docs] == ["a.txt"]
    assert "b.txt" in caplog.text  # without a callback, problems are logged, not lost
