"""Hijri (Umm al-Qura) dates: conversion, Hijri periods in the query language, and the
month facets (Gregorian and Hijri) the timeline is drawn from."""

from __future__ import annotations

from datetime import date, datetime

import numpy as np
import pytest

import arsearch
from arsearch.search import hijri
from arsearch.search.facets import date_key, hijri_months, months
from arsearch.search.query import parse_query


def test_gregorian_days_have_their_umm_al_qura_date() -> None:
    assert hijri.to_hijri(date(2018, 2, 15)) == hijri.HijriDate(1439, 5, 29)
    assert str(hijri.to_hijri(datetime(2018, 5, 16, 9))) == "1 رمضان 1439 هـ"
    assert hijri.to_hijri(date(1900, 1, 1)) is None  # before the table: no Hijri date
    assert hijri.to_hijri(date(9999, 12, 31)) is None
    assert hijri.to_hijri(None) is None


@pytest.mark.parametrize(("text", "span"), [
    ("1439h", ((2017, 9, 21), (2018, 9, 11))),
    ("1439هـ", ((2017, 9, 21), (2018, 9, 11))),
    ("١٤٣٩ هـ", ((2017, 9, 21), (2018, 9, 11))),
    ("1439H", ((2017, 9, 21), (2018, 9, 11))),
    ("1439-09h", ((2018, 5, 16), (2018, 6, 15))),
    ("١٤٣٩-٠٩هـ", ((2018, 5, 16), (2018, 6, 15))),
    ("رمضان ١٤٣٩", ((2018, 5, 16), (2018, 6, 15))),
    ("رَمَضَانُ 1439 هـ", ((2018, 5, 16), (2018, 6, 15))),
    ("1 رمضان 1439", ((2018, 5, 16), (2018, 5, 17))),
    ("1439-09-01h", ((2018, 5, 16), (2018, 5, 17))),
    ("ذي الحجة 1439", ((2018, 8, 12), (2018, 9, 11))),
    ("جمادى الآخرة 1439", ((2018, 2, 17), (2018, 3, 18))),
    ("جمادى الثانية 1439", ((2018, 2, 17), (2018, 3, 18))),
    ("ربيع الثاني 1440", ((2018, 12, 8), (2019, 1, 7))),
    ("1500-12h", ((2077, 10, 18), (2077, 11, 17))),  # the table's last month
])
def test_hijri_periods_are_read_in_every_spelling(text, span) -> None:
    start, end = hijri.parse_period(text)
    assert (start.timetuple()[:3], end.timetuple()[:3]) == span


@pytest.mark.parametrize("text", ["1439", "2018-05", "رمضان", "1300h", "1501h", "1439-13h",
                                  "1439-00h", "1439-02-30h", "0000h", "99999h", "h", "هـ",
                                  "رمضان 1501", "1439-09-00h", "1439hh", ""])
def test_what_is_not_a_hijri_period_is_none(text) -> None:
    assert hijri.parse_period(text) is None


def test_hijri_date_filters_in_the_query_language() -> None:
    q = parse_query('date:"رمضان ١٤٣٩" إدلب')
    assert (q.date_from, q.date_to) == (datetime(2018, 5, 16), datetime(2018, 6, 15))
    assert [w.surface for w in q.words] == ["إدلب"]
    q = parse_query("date:1439-09h..1439-10h")
    assert (q.date_from, q.date_to) == (datetime(2018, 5, 16), datetime(2018, 7, 14))
    assert parse_query("date:>=1439-09h").date_from == datetime(2018, 5, 16)  # from
    assert parse_query("date:>1439-09h").date_from == datetime(2018, 6, 15)  # after it
    assert parse_query("date:<1440h").date_to == datetime(2018, 9, 11)  # before 1440
    assert parse_query("date:<=1439h").date_to == datetime(2018, 9, 11)  # 1439 taken in
    assert parse_query("date:2017..1439h").date_to == datetime(2018, 9, 11)  # mixed bounds
    assert parse_query("date:1439").date_from == datetime(1439, 1, 1)  # no marker: Gregorian


@pytest.mark.parametrize("query", ["date:1300h", "date:<=رمضان", "date:1439-13h",
                                   "date:رمضان1501"])
def test_a_hijri_date_that_is_not_one_is_searched_as_words(query) -> None:
    q = parse_query(query)
    assert q.date_from is None and q.date_to is None and q.words


def test_month_facets_bucket_dates_by_gregorian_and_hijri_month() -> None:
    keys = np.array([date_key(d) for d in (
        datetime(2018, 2, 15), datetime(2018, 5, 15, 23, 59), datetime(2018, 5, 16),
        datetime(1900, 1, 1), datetime(2077, 11, 16), datetime(2077, 11, 17),
        datetime(9999, 12, 31))] + [-1])
    assert months(keys) == ["2018-02", "2018-05", "2018-05", "1900-01", "2077-11",
                            "2077-11", "9999-12", ""]
    assert hijri_months(keys) == ["1439-05", "1439-08", "1439-09", "", "1500-12", "", "",
                                  ""]
    assert months(np.array([-1, -1])) == hijri_months(np.array([-1, -1])) == ["", ""]
    assert months(np.zeros(0, np.int64)) == []


def test_search_counts_results_by_month_in_both_calendars(engine) -> None:
    results = engine.search("إدلب")
    month, hijri_month = results.facets["month"], results.facets["hijri_month"]
    assert sum(month.values()) == sum(results.facets["year"].values()) <= results.total
    assert sum(hijri_month.values()) == sum(month.values())
    assert list(month) == sorted(month, reverse=True)  # newest first, as years
    assert month["2018-02"] >= 1 and hijri_month["1439-05"] >= 1  # the seed article
    assert results.to_dict()["facets"]["month"] == month


def test_a_hijri_month_filter_finds_the_articles_of_that_month(tmp_path) -> None:
    docs = [arsearch.Document(id=f"d{i}", title="خبر", body="خبر عن رمضان", date=d)
            for i, d in enumerate([datetime(2018, 5, 15), datetime(2018, 5, 16),
                                   datetime(2018, 6, 14, 23), datetime(2018, 6, 15)])]
    arsearch.index_documents(tmp_path, docs)
    with arsearch.open_index(tmp_path) as engine:
        found = engine.search('خبر date:"رمضان ١٤٣٩"')
        assert sorted(h.id for h in found.hits) == ["d1", "d2"]
        assert found.total == 2
        # the time facets count as if the date filter were not there: the neighbours show
        assert found.facets["hijri_month"] == {"1439-10": 1, "1439-09": 2, "1439-08": 1}
        assert engine.search("date:1439-10h").total == 1
