"""TREC <DOC> files: records, forgiving markup, abstracts, the cap, the real ANT files."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from tests.ingest.support import CAP, RAW_SAMPLE, read, read_capped, trec, write


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


def test_oversized_trec_record_is_cut_and_later_records_kept(tmp_path: Path) -> None:
    long_text = "نص طويل جدا " * 20_000  # 240 KB, one line
    content = (trec("T-1", long_text, TITLE="الأول", TIME="2018-02-15")
               + "".join(trec(f"T-{i}", "نص قصير") for i in range(2, 5)).replace("\n", ""))
    docs, problems = read_capped(write(tmp_path / "a.trec", content))
    assert [d.id for d in docs] == ["T-1", "T-2", "T-3", "T-4"]
    assert len(docs[0].body.encode()) <= CAP and docs[0].title == "الأول"
    assert [(p.line, p.skipped) for p in problems] == [(1, False)]


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


def test_classic_trec_headline_and_date_tags_stand_for_title_and_time(tmp_path: Path) -> None:
    """The TREC collections' <HEADLINE>/<HEAD> and <DATE> are read when <TITLE> and
    <TIME> are missing (hostile finding 31: they were ignored silently)."""
    content = (
        "<DOC>\n<DOCNO>C-1</DOCNO>\n<HEADLINE>عنوان الخبر</HEADLINE>\n"
        "<DATE>2018-02-15</DATE>\n<TEXT>نص الخبر</TEXT>\n</DOC>\n"
        "<DOC>\n<DOCNO>C-2</DOCNO>\n<HEAD>رأس</HEAD>\n<TITLE>العنوان</TITLE>\n"
        "<TEXT>نص</TEXT>\n</DOC>\n"
    )
    docs, problems = read(write(tmp_path / "classic.sgml", content))
    assert problems == []
    assert [(d.title, d.date) for d in docs] == [
        ("عنوان الخبر", datetime(2018, 2, 15)), ("العنوان", None)]


def test_character_references_are_decoded(tmp_path: Path) -> None:
    content = trec("E-1", "القاهرة &amp; الجيزة &lt;تقرير&gt; &#1575;&#x644;", TITLE="AT&amp;T",
                   URL="http://x/?a=1&amp;b=2")
    [doc], problems = read(write(tmp_path / "e.trec", content))
    assert problems == []
    assert doc.body == "القاهرة & الجيزة <تقرير> ال"
    assert (doc.title, doc.url) == ("AT&T", "http://x/?a=1&b=2")
