"""parse_date: every date form Arabic news and its dumps use, as naive UTC."""

from __future__ import annotations

from datetime import datetime

import pytest

from arsearch.analysis.normalize import normalize
from arsearch.ingest.dates import (
    HIJRI_MONTHS,
    MONTHS,
    calendar_problem,
    looks_like_date,
    parse_date,
)

FEB15 = datetime(2018, 2, 15)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2018-02-15", FEB15),
        ("2018-02-15T10:20:00Z", datetime(2018, 2, 15, 10, 20)),
        ("2018-02-15 10:20:00", datetime(2018, 2, 15, 10, 20)),
        ("2018-02-15T10:20:00+03:00", datetime(2018, 2, 15, 7, 20)),
        ("2017-01-22T185600", datetime(2017, 1, 22, 18, 56)),  # ISO basic time, in ANT
        ("Thu, 15 Feb 2018 10:20:00 +0300", datetime(2018, 2, 15, 7, 20)),
        ("Thu, 15 Feb 2018 10:20:00 GMT", datetime(2018, 2, 15, 10, 20)),
        ("Wed, 15 Jan 2020 18:45:00 -0500", datetime(2020, 1, 15, 23, 45)),
        ("15/02/2018", FEB15),  # day first
        ("١٥/٠٢/٢٠١٨", FEB15),
        ("١٥ فبراير ٢٠١٨", FEB15),
        ("15 فبراير 2018", FEB15),
        ("الخميس 15 فبراير 2018", FEB15),
        ("الخميس، ١٥ فبراير ٢٠١٨", FEB15),
        ("15 شباط 2018", FEB15),
        ("15 شباط/فبراير 2018", FEB15),
        ("15 فيفري 2018", FEB15),
        ("15 February 2018", FEB15),
        ("الخميس، ١٥ فبراير ٢٠١٨ - ١٠:٢٠ م", datetime(2018, 2, 15, 22, 20)),
        ("۱۵ فبراير ۲۰۱۸", FEB15),  # Persian digits
    ],
)
def test_parses_common_forms(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


MSA = ["يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو",
       "يوليو", "أغسطس", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]  # fmt: skip
LEVANTINE = ["كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران",
             "تموز", "آب", "أيلول", "تشرين الأول", "تشرين الثاني", "كانون الأول"]  # fmt: skip
MAGHREB = ["جانفي", "فيفري", "مارس", "أفريل", "ماي", "جوان",
           "جويلية", "أوت", "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر"]  # fmt: skip


@pytest.mark.parametrize("system", [MSA, LEVANTINE, MAGHREB], ids=["msa", "levant", "maghreb"])
def test_three_month_systems(system: list[str]) -> None:
    for month, name in enumerate(system, start=1):
        assert parse_date(f"٣ {name} ٢٠١٩") == datetime(2019, month, 3), name


@pytest.mark.parametrize(
    ("text", "month"),
    [("2 إبريل 2017", 4), ("2 ابريل 2017", 4), ("5 اغسطس 2017", 8), ("5 أغسطس 2017", 8),
     ("1 اذار 2020", 3), ("1 ايار 2020", 5), ("1 اب 2020", 8), ("1 تشرين اول 2020", 10),
     ("1 يونية 2020", 6), ("1 جويليه 2020", 7)],
)  # fmt: skip
def test_spelling_variants(text: str, month: int) -> None:
    parsed = parse_date(text)
    assert parsed is not None and parsed.month == month


def test_month_names_are_written_in_the_analyzers_normal_form() -> None:
    """The dates parser folds with :mod:`arsearch.analysis.normalize` (one home for the
    rules): a table entry that is not its own normal form could never match."""
    assert [name for name in MONTHS if normalize(name) != name] == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [("الأربعاء 14 فبراير 2018", datetime(2018, 2, 14)),
     ("الاربعاء 14 فبراير 2018", datetime(2018, 2, 14)),
     ("الجمعة 16 فبراير 2018", datetime(2018, 2, 16)),
     ("الجمعه 16 فبراير 2018", datetime(2018, 2, 16)),
     ("الخميس٬ ١٥ فبراير ٢٠١٨", FEB15)],
)  # fmt: skip
def test_weekdays_and_punctuation_in_every_spelling(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize("text", ["١٥ \u200fفبراير ٢٠١٨", "١٥ فبراير\u200e ٢٠١٨",
                                  "\ufeff١٥ فبراير ٢٠١٨", "١٥ ﻓﺒﺮﺍﻳﺮ ٢٠١٨", "15 ٲبريل 2018"])
def test_what_the_analyzer_folds_the_dates_parser_folds(text: str) -> None:
    """Bidi marks and BOMs copied from the web, presentation forms and rarer alef forms
    used to hide a dateline: the dates parser now folds exactly what the analyzer does."""
    parsed = parse_date(text)
    assert parsed is not None and parsed.day == 15


def test_diacritics_and_tatweel_in_month_names() -> None:
    assert parse_date("١٥ فَبْرَايِر ٢٠١٨") == FEB15
    assert parse_date("١٥ فبـــراير ٢٠١٨") == FEB15


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hello", "غدا", "31 فبراير 2018", "32/01/2018", "2018-13-01",
     "في 15 فبراير 2018 قال المسؤول", "۱۴۰۲", "Thu, 99 Foo 2018"],
)  # fmt: skip
def test_rejects_non_dates(text: str) -> None:
    assert parse_date(text) is None


def test_returns_naive_datetimes() -> None:
    for text in ("2018-02-15T10:20:00+03:00", "Thu, 15 Feb 2018 10:20:00 GMT", "15 شباط 2018"):
        parsed = parse_date(text)
        assert parsed is not None and parsed.tzinfo is None


def test_non_string_input_is_not_a_date() -> None:
    assert parse_date(20180215) is None  # type: ignore[arg-type]


def test_looks_like_date_separates_shape_from_validity() -> None:
    assert looks_like_date("٣١ فبراير ٢٠١٨")  # impossible, but shaped like a dateline
    assert looks_like_date("Thu, 15 Feb 2018 10:20:00 +0300")
    assert not looks_like_date("رؤية - محمود سعيد")
    assert not looks_like_date("أعلنت الفصائل في 15 فبراير 2018 إنهاء وجود التنظيم")


@pytest.mark.parametrize("text", ["1439-05-12", "29/05/1439", "1439/05/29", "1439/05/29 هـ",
                                  "15 جمادى الأولى 1439", "٣ رمضان ١٤٤٠ هـ"])
def test_a_hijri_date_is_never_taken_as_gregorian(text: str) -> None:
    assert parse_date(text) is None
    assert "Hijri" in (calendar_problem(text) or "")
    assert looks_like_date(text)  # a dateline: not kept as the article's first paragraph


@pytest.mark.parametrize("text", ["2018-02-15", "15 فبراير 2018", "1299-05-01", "صفر",
                                  "رمضان كريم", "15 February 1439"])
def test_gregorian_dates_and_plain_words_have_no_calendar_problem(text: str) -> None:
    assert calendar_problem(text) is None


def test_hijri_month_names_are_written_in_the_analyzers_normal_form() -> None:
    assert [name for name in HIJRI_MONTHS if normalize(name) != name] == []
