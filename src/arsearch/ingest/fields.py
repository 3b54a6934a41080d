"""The rules every reader applies to a document's fields, whatever the file format.

Layout is cleaned but letters are not (the stored text must show the article as it was
written; folding is the analyzer's job); one-line fields lose their line breaks; text
that cannot be encoded is repaired rather than allowed to abort a run; ids must be
valid and short; dates must be indexable; and title plus body are cut to the size cap,
so memory stays bounded whatever the input. Cutting rather than skipping keeps such an
article findable by its title and first megabytes.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from arsearch.ingest.dates import INDEXED_DATES, calendar_problem, parse_date
from arsearch.ingest.documents import MAX_ID_CHARS, OnProblem, Problem
from arsearch.ingest.sources import SourceFile, bad_name

__all__ = ["checked_date", "clean_text", "cut_problem", "fit", "id_problem", "one_line",
           "valid_text"]

_BLANK_LINES = re.compile(r"\n{3,}")
#: C0 controls but tab, newline and CR, and DEL: a separator, not a letter, in a text.
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SURROGATES = re.compile(r"[\ud800-\udfff]")


# --------------------------------------------------------------------------- text


def clean_text(text: str) -> str:
    """Normalise layout only: BOM, newlines, trailing spaces, runs of blank lines;
    control characters become spaces (they separate words, see :func:`one_line`).

    The Arabic letters and diacritics are left untouched: folding them is the analyzer's
    job, and the stored text must show the article as it was written.
    """
    text = _CONTROLS.sub(" ", text.replace("\ufeff", ""))
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = [line.rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip("\n")


def one_line(text: str | None) -> str:
    """A title, source or id on one line: any run of white space becomes one space.

    Control characters (NUL, ESC... from a broken export) count as white space: deleted
    they joined two words into one that no search finds (``داعش\x00صفر``), kept they
    reached the HTML of every result list. An id is checked before (``id_problem``).
    """
    return " ".join(_CONTROLS.sub(" ", (text or "").replace("\ufeff", "")).split())


def valid_text(text: str) -> str:
    """``text`` with lone surrogates (from JSON ``\\ud800`` escapes) replaced by U+FFFD:
    they cannot be encoded, and one of them would abort the whole run."""
    return _SURROGATES.sub("\ufffd", text) if _SURROGATES.search(text) else text


# --------------------------------------------------------------------------- ids and dates


def id_problem(doc_id: str) -> str | None:
    """Why ``doc_id`` cannot be an id (it must be one line, valid, not too long), or None."""
    if len(doc_id) > MAX_ID_CHARS:
        return f"id longer than {MAX_ID_CHARS} characters, skipped"
    if bad_name(doc_id):
        return f"id {doc_id.encode('unicode_escape').decode('ascii')[:80]!r} holds " \
               "control characters or invalid Unicode, skipped"
    return None


def checked_date(value: Any, shown: str, line: int | None,
                 report: OnProblem) -> datetime | None:
    """``value`` parsed as a date that an index can filter by, or None (and a Problem
    when there was a value): a bad date drops the field, never the document."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    parsed = parse_date(value) if isinstance(value, str) else None
    if parsed is None and (why := calendar_problem(value)):
        report(Problem(shown, line, why, skipped=False))
    elif parsed is None:
        report(Problem(shown, line, f"unparseable date {value!r:.100} dropped",
                       skipped=False))
    elif not INDEXED_DATES[0] < parsed < INDEXED_DATES[1]:
        report(Problem(shown, line, f"date {value!r:.100} out of range (after "
                       f"{INDEXED_DATES[0].year}, before {INDEXED_DATES[1].year}) dropped",
                       skipped=False))
        return None
    return parsed


# --------------------------------------------------------------------------- size cap


def fit(title: str, body: str, cap: int) -> tuple[str, str, bool]:
    """Cut title and body to ``cap`` UTF-8 bytes together; True when something was cut.

    The body is cut first; a title longer than half the cap is cut to half of it.
    """
    if (len(title) + len(body)) * 4 <= cap:  # no character is longer than 4 bytes
        return title, body, False
    title_bytes, body_bytes = title.encode("utf-8"), body.encode("utf-8")
    if len(title_bytes) + len(body_bytes) <= cap:
        return title, body, False
    if len(title_bytes) > cap // 2:
        title = _cut_utf8(title_bytes, cap // 2)
        title_bytes = title.encode("utf-8")
    return title, _cut_utf8(body_bytes, max(cap - len(title_bytes), 1)), True


def _cut_utf8(data: bytes, limit: int) -> str:
    """The first ``limit`` bytes of ``data`` as text, ending on a word boundary if near."""
    text = data[:limit].decode("utf-8", "ignore")
    space = max(text.rfind(" "), text.rfind("\n"))
    if space > len(text) - 200 and space > 0:
        text = text[:space]
    return text.rstrip()


def cut_problem(src: SourceFile, line: int | None, doc_id: str | None, cap: int) -> Problem:
    """The warning for a document cut to the cap (``doc_id`` None: the whole file)."""
    what = f"{doc_id}: larger" if doc_id else "article larger"
    return Problem(src.shown, line, f"{what} than {cap:,} bytes: only its first {cap:,} "
                   "bytes are indexed (see --max-doc-bytes)", skipped=False)
