"""What templates get from Python: Arabic dates (both calendars) and counts, paragraphs,
text safe for XML, the ``http_url`` test.

Display only: each takes a value the engine already made safe (or plain data) and returns
text for a page; none knows about requests or the index.
"""

from __future__ import annotations

import re
from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

from arsearch.search.hijri import to_hijri

ARABIC_MONTHS = ("يناير", "فبراير", "مارس", "أبريل", "مايو", "يونيو", "يوليو", "أغسطس",
                 "سبتمبر", "أكتوبر", "نوفمبر", "ديسمبر")

#: Singular, dual, plural (3-10) and 11+ forms, which Arabic numbers agree with.
COUNT_FORMS = {
    "result": ("لا توجد نتائج", "نتيجة واحدة", "نتيجتان", "نتائج", "نتيجة"),
    "article": ("لا توجد مقالات", "مقال واحد", "مقالان", "مقالات", "مقالا"),
}


def init_app(app: Flask) -> None:
    """Make the filters, the test and the site title available to every template."""
    app.add_template_filter(arabic_date)
    app.add_template_filter(arabic_count)
    app.add_template_filter(paragraphs)
    app.add_template_filter(hijri_date)
    app.add_template_filter(iso_day)
    app.add_template_filter(xml_text)
    app.add_template_test(is_http_url, "http_url")
    app.add_template_global(app.config["ARSEARCH_TITLE"], "site_title")


def is_http_url(value: object) -> bool:
    """Only http(s) links to sources: a stored ``javascript:`` URL must never be a link."""
    return isinstance(value, str) and value.lower().startswith(("http://", "https://"))


def paragraphs(escaped_html: str) -> Markup:
    """Wrap each line of the engine's already-escaped ``body_html`` in <p>.

    Only for the engine's highlighted HTML (escaped, <mark> only, no newline inside a
    mark), so no markup from the document itself can get through.
    """
    lines = (line.strip() for line in escaped_html.split("\n"))
    # each paragraph takes the direction of its own text (an English quote in an
    # Arabic article), and an override character in it ends with it
    return Markup("".join(f'<p dir="auto">{line}</p>\n' for line in lines if line))


def arabic_date(value: datetime | date | None) -> str:
    """``15 فبراير 2018``: Arabic month names, the digits most Arabic news sites use."""
    if not value:
        return ""
    return f"{value.day} {ARABIC_MONTHS[value.month - 1]} {value.year}"


def arabic_count(n: int, kind: str = "result") -> str:
    """``n`` results (or articles) with Arabic's agreement rules (0, 1, 2, 3-10, 11+)."""
    none, one, two, few, many = COUNT_FORMS[kind]
    if n == 0:
        return none
    if n == 1:
        return one
    if n == 2:
        return two
    return f"{n:,} {few if 3 <= n % 100 <= 10 else many}"


def hijri_date(value: datetime | date | None) -> str:
    """``29 جمادى الأولى 1439 هـ`` (Umm al-Qura); "" without a date or outside its table."""
    found = to_hijri(value)
    return str(found) if found else ""


def iso_day(value: datetime | date | None) -> str:
    """``2018-02-15``: the ``datetime`` attribute of a ``<time>``."""
    if not value:
        return ""
    day = value.date() if isinstance(value, datetime) else value
    return day.isoformat()


#: Characters XML 1.0 does not allow anywhere (a stored title may hold them): C0
#: controls but tab and line ends, lone surrogates, U+FFFE and U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(value: object) -> str:
    """``value`` as text an XML document may hold (the feed): forbidden characters go."""
    return _NOT_XML.sub("", "" if value is None else str(value))
