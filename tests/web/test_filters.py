"""Template filters: Arabic dates and counts."""

from __future__ import annotations

import pytest

from arsearch.web.filters import arabic_count, arabic_date


def test_arabic_formatting() -> None:
    from datetime import date

    assert arabic_date(date(2018, 2, 15)) == "15 فبراير 2018"
    assert arabic_date(date(2020, 12, 1)) == "1 ديسمبر 2020"
    assert arabic_date(None) == ""
    assert [arabic_count(n) for n in (0, 1, 2, 3, 10, 11, 103, 1500)] == [
        "لا توجد نتائج", "نتيجة واحدة", "نتيجتان", "3 نتائج", "10 نتائج", "11 نتيجة",
        "103 نتائج", "1,500 نتيجة"]


def test_paragraphs_wrap_lines_and_add_no_markup() -> None:
    from arsearch.web.filters import paragraphs

    html = paragraphs("سطر &lt;b&gt; <mark>أول</mark>\n\n  \nسطر ثان  \n")
    assert html == ('<p dir="auto">سطر &lt;b&gt; <mark>أول</mark></p>\n'
                    '<p dir="auto">سطر ثان</p>\n')
    assert paragraphs("") == ""


@pytest.mark.parametrize(("url", "link"), [
    ("https://example.org/a", True), ("HTTP://EXAMPLE.ORG", True),
    ("javascript:alert(1)", False), (" javascript:x", False), ("data:text/html,x", False),
    ("//evil.example", False), ("", False), (None, False), (42, False)])
def test_only_http_urls_become_links(url, link) -> None:
    from arsearch.web.filters import is_http_url

    assert is_http_url(url) is link
