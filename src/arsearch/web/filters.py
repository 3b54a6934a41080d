"""What templates get from Python: Arabic dates and counts, paragraphs, the ``http_url`` test.

Display only: each takes a value the engine already made safe (or plain data) and returns
text for a page; none knows about requests or the index.
"""

from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from markupsafe import Markup

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
    return Markup("".join(f"<p>{line}</p>\n" for line in lines if line))


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
