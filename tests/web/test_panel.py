"""The filter panel: Arabic names, multi-select links (OR within a facet, AND across),
the count of choices, and a clear word when a typed filter names nothing."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from tests.web.support import parse, text


def facet_links(html: str, key: str) -> list[tuple[str, dict]]:
    """The links of the panel's facet ``key``."""
    section = html.split(f'aria-labelledby="facet-{key}"', 1)[1].split("</section>", 1)[0]
    return parse(section).links


def test_facet_values_show_their_arabic_names(client) -> None:
    html = text(client.get("/", query_string={"q": "الفريق"}))
    assert "<bdi>رياضة</bdi>" in html  # category "sport"
    assert ">sport<" not in html.replace("<bdi>", ">")
    data = client.get("/api/search", query_string={"q": "الفريق"}).json
    assert data["labels"]["category"]["sport"] == "رياضة"
    assert all(h["date_hijri"] is None or h["date_hijri"].startswith("14")
               for h in data["hits"])


def test_a_second_value_of_a_facet_is_added_not_swapped(client) -> None:
    html = text(client.get("/", query_string={"q": "الرئيس", "source": "العربية"}))
    links = facet_links(html, "source")
    chosen = [h for h, a in links if a.get("aria-current") == "true"]
    others = [h for h, a in links if a.get("aria-current") != "true"]
    assert len(chosen) == 1 and others
    assert parse_qs(urlsplit(chosen[0]).query).get("source") is None  # a click removes it
    both = parse_qs(urlsplit(others[0]).query)["source"]
    assert both[0] == "العربية" and len(both) == 2  # a click adds another: OR
    page = client.get(others[0])
    assert page.status_code == 200
    api = client.get("/api/search", query_string=[("q", "الرئيس"), *(("source", s) for s in both)])
    assert {h["source"] for h in api.json["hits"]} == set(both)
    assert 'class="filter-panel" id="filters"' in text(page)
    assert "(2)" in text(page).split("تصفية النتائج", 1)[1][:60]  # two choices made


def test_facets_combine_across_with_and(client) -> None:
    api = client.get("/api/search", query_string=[("source", "العربية"),
                                                  ("category", "sport"),
                                                  ("category", "economy")]).json
    assert api["total"] > 0
    assert all(h["source"] == "العربية" and h["category"] in ("sport", "economy")
               for h in api["hits"])


def test_chips_remove_one_value_at_a_time(client) -> None:
    html = text(client.get("/", query_string=[("q", "الرئيس"), ("source", "العربية"),
                                              ("source", "فرانس 24")]))
    removers = [h for h, a in parse(html).links
                if a.get("aria-label", "").startswith("إزالة المصدر")]
    assert len(removers) == 2
    left = sorted(parse_qs(urlsplit(h).query)["source"][0] for h in removers)
    assert left == ["العربية", "فرانس 24"]


def test_a_loose_source_filter_is_understood_and_shown_chosen(client) -> None:
    html = text(client.get("/", query_string={"source": "فرانس"}))
    assert "لا مصدر يطابق" not in html
    chosen = [a for h, a in facet_links(html, "source") if a.get("aria-current") == "true"]
    assert len(chosen) == 1


def test_a_filter_that_names_nothing_says_so_and_offers_the_real_ones(client) -> None:
    r = client.get("/", query_string={"q": "الرئيس", "source": "Jawhara"})
    html = text(r)
    assert r.status_code == 200
    assert "لا مصدر يطابق «<bdi>Jawhara</bdi>»" in html
    offered = [parse_qs(urlsplit(h).query)["source"] for h, _ in parse(html).links
               if "unknown" not in h and parse_qs(urlsplit(h).query).get("source")]
    assert ["العربية"] in offered


def test_hostile_facet_parameters_are_clear_400s(client) -> None:
    many = [("source", f"s{i}") for i in range(21)]
    r = client.get("/api/search", query_string=many)
    assert r.status_code == 400 and "at most 20 values of source" in r.json["error"]["message"]
    r = client.get("/api/search", query_string={"category": "x" * 201})
    assert r.status_code == 400 and "longer than 200" in r.json["error"]["message"]
    page = client.get("/", query_string=many)
    assert page.status_code == 400 and "لا يمكن اختيار أكثر من 20" in text(page)
    r = client.get("/api/search", query_string=[("source", " "), ("source", ""),
                                                ("source", "العربية"), ("source", "العربية")])
    assert r.status_code == 200 and r.json["total"] == 10  # blanks and repeats ignored


def test_front_page_chips_use_the_names(client) -> None:
    html = text(client.get("/"))
    assert "<bdi>صحة</bdi>" in html or "<bdi>رياضة</bdi>" in html or "<bdi>سياسة</bdi>" in html
