"""The timeline above the results (web/timeline.py and _timeline.html)."""

from __future__ import annotations

from datetime import date
from urllib.parse import parse_qs, urlsplit

from arsearch.web import timeline
from tests.web.support import parse, text


def test_months_between_the_first_and_last_result_each_get_a_bar() -> None:
    line = timeline.build({"month": {"2018-02": 5, "2018-05": 10, "2017-12": 1}})
    assert line.unit == "month" and line.caption == "عدد النتائج حسب الشهر"
    assert [b.key for b in line.bars] == ["2017-12", "2018-01", "2018-02", "2018-03",
                                          "2018-04", "2018-05"]
    assert [b.count for b in line.bars] == [1, 0, 5, 0, 0, 10]
    assert [b.height for b in line.bars] == [10.0, 0.0, 50.0, 0.0, 0.0, 100.0]
    feb = line.bars[2]
    assert (feb.label, feb.first, feb.last) == ("فبراير 2018", date(2018, 2, 1),
                                                date(2018, 2, 28))
    # right to left: the oldest bar is the rightmost, and each year is labelled
    assert [line.x(i) for i in range(6)] == [5, 4, 3, 2, 1, 0]
    assert [(t.x, t.text) for t in line.ticks] == [(91.667, "2017"), (75.0, "2018")]


def test_long_spans_are_shown_by_year() -> None:
    line = timeline.build({"month": {"2012-10": 5, "2018-05": 10, "2018-01": 3}})
    assert line.unit == "year" and line.caption == "عدد النتائج حسب السنة"
    assert [(b.key, b.count) for b in line.bars] == [
        ("2012", 5), ("2013", 0), ("2014", 0), ("2015", 0), ("2016", 0), ("2017", 0),
        ("2018", 13)]
    assert (line.bars[0].first, line.bars[0].last) == (date(2012, 1, 1), date(2012, 12, 31))


def test_hijri_months_have_their_names_and_gregorian_spans() -> None:
    line = timeline.build({"hijri_month": {"1439-09": 4, "1439-10": 1}}, "hijri")
    assert line.calendar == "hijri" and line.caption == "عدد النتائج حسب الشهر الهجري"
    ramadan = line.bars[0]
    assert (ramadan.label, ramadan.first, ramadan.last) == (
        "رمضان 1439 هـ", date(2018, 5, 16), date(2018, 6, 14))
    assert line.ticks[0].text == "1439 هـ"


def test_no_timeline_for_fewer_than_two_periods_or_odd_keys() -> None:
    assert timeline.build({"month": {"2018-02": 5}}) is None
    assert timeline.build({}) is None
    assert timeline.build({"month": {"x": 1, "2018-13": 2, "0000-01": 3}}) is None


def test_an_archive_from_year_1_to_9999_gets_at_most_max_bars() -> None:
    line = timeline.build({"month": {"0001-01": 1, "9999-12": 2, "5000-06": 3}})
    assert line.unit == "year" and len(line.bars) <= timeline.MAX_BARS
    assert line.bars[-1].key == "9999" and line.bars[-1].last == date(9999, 12, 31)


def test_results_page_draws_the_timeline_with_links_to_each_period(client) -> None:
    html = text(client.get("/", query_string={"q": "إدلب"}))
    assert '<figure class="timeline">' in html and "عدد النتائج حسب" in html
    bars = [(h, a) for h, a in parse(html).links if "aria-label" in a and "from=" in h
            and "timeline" not in a.get("class", "")]
    assert bars
    api = client.get("/api/search", query_string={"q": "إدلب"}).json
    for href, attrs in bars:
        state = parse_qs(urlsplit(href).query)
        assert state["q"] == ["إدلب"] and "page" not in state
        filtered = client.get("/api/search", query_string={
            "q": "إدلب", "from": state["from"][0], "to": state["to"][0]}).json
        assert filtered["total"] > 0 and filtered["total"] < api["total"]
        assert str(filtered["total"]) in attrs["aria-label"] or "نتيجة" in attrs["aria-label"]
    tags = parse(html).tags
    svg = [a for t, a in tags if t == "svg" and a.get("role") == "group"]
    assert svg and svg[0]["aria-labelledby"] == "timeline-caption"
    assert not [a for t, a in tags if t in ("rect", "svg", "text") and "style" in a]


def test_the_chosen_period_is_marked_current(client) -> None:
    html = text(client.get("/", query_string={"q": "الرئيس"}))
    bar = next(h for h, a in parse(html).links if "from=" in h and "aria-label" in a)
    chosen = text(client.get(bar))
    assert 'aria-current="true"' in chosen and "timeline-bar current" in chosen
