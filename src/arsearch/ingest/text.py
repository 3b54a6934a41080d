"""Plain-text articles: one article a file, as saved from a news site.

The first non-blank line is the title. Right after it, in either order, may come a
dateline (``١٥ فبراير ٢٠١٨``) and a ``source - author`` byline; they are recognised by
shape, not position, so an article without them keeps its first paragraph. The rest is
the body, minus the comment and share buttons a copy from the web drags along. The
article's id is its path (see :func:`arsearch.ingest.sources.path_id`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from arsearch.analysis.normalize import normalize
from arsearch.ingest.dates import looks_like_date
from arsearch.ingest.decoding import line_pieces
from arsearch.ingest.documents import Document, OnProblem, Problem
from arsearch.ingest.fields import checked_date, clean_text, cut_problem, fit, id_problem, one_line
from arsearch.ingest.sources import SourceFile

__all__ = ["TEXT_SUFFIXES", "read_text_article"]

#: Names read as plain-text articles (after any ``.gz``); "" is a file without suffix.
TEXT_SUFFIXES = (".txt", "")
#: Trailing lines a copy from the web drags along (comment and share buttons), compared
#: in normalised form so that every spelling of them (أضف / اضف, إضافة / اضافه) matches.
_BOILERPLATE = frozenset(map(normalize, ["أضف تعليق", "إضافة تعليق", "أضف تعليقاً", "شارك",
                                         "طباعة", "شارك هذا المقال", "التعليقات"]))
_BYLINE = re.compile(
    r"^(?P<source>[^\s.،:؛!?؟][^.،:؛!?؟]{0,40}?)\s+[-–—]\s+"
    r"(?P<author>[^.،:؛!?؟]{1,60})$"
)
_LINE_END = re.compile(r"\r\n?|\n")


def read_text_article(src: SourceFile, doc_id: str, encoding: str, report: OnProblem,
                      cap: int) -> Iterator[Document]:
    """Yield the one article of ``src`` (none, and a Problem, if it has no title or body)."""
    if problem := id_problem(doc_id):
        report(Problem(src.shown, None, f"its path cannot be an id: {problem}"))
        return
    lines, cut = _article_lines(src, encoding, report, cap)
    while lines and (not lines[-1][1].strip() or _is_boilerplate(lines[-1][1])):
        lines.pop()
    content = [(n, text) for n, text in lines if text.strip()]
    if not content:
        report(Problem(src.shown, None, "empty file, skipped"))
        return
    title_line, title = content[0]
    fields, body_start = _article_header(src.shown, content[1:4], report)
    body = clean_text("\n".join(text for n, text in lines if n >= body_start))
    if not body:
        report(Problem(src.shown, title_line, "article has a title but no body, skipped"))
        return
    title, body, was_cut = fit(one_line(title), body, cap)
    if cut or was_cut:
        report(cut_problem(src, None, None, cap))
    yield Document(id=doc_id, title=title, body=body, path=src.real, **fields)


def _article_lines(src: SourceFile, encoding: str, report: OnProblem,
                   cap: int) -> tuple[list[tuple[int, str]], bool]:
    """The article's ``(line number, text)`` lines, reading no more than ``cap``
    characters (a gzip bomb is not inflated); True when the file was longer."""
    lines: list[tuple[int, str]] = []
    size = 0
    for lineno, piece, _more in line_pieces(src, encoding, report, cap):
        if lines and lines[-1][0] == lineno:
            lines[-1] = (lineno, lines[-1][1] + piece)
        else:
            lines.append((lineno, piece))
        size += len(piece)
        if size > cap:
            return _split_old_mac(lines), True
    return _split_old_mac(lines), False


def _split_old_mac(lines: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Lines without their ends; a file ending its lines with a lone CR (old Mac and
    some Windows exports) is split on it too, and its lines numbered anew."""
    stripped = [(n, text.rstrip("\r\n")) for n, text in lines]
    if any("\r" in text for _, text in stripped):
        texts = _LINE_END.split("\n".join(text for _, text in stripped))
        stripped = list(enumerate(texts, start=1))
    return [(n, text.rstrip()) for n, text in stripped]


def _is_boilerplate(line: str) -> bool:
    return normalize(line.strip().rstrip(".:")) in _BOILERPLATE


def _article_header(
    shown: str, candidates: list[tuple[int, str]], report: OnProblem
) -> tuple[dict[str, Any], int]:
    """Find the optional dateline and byline right after the title, in either order.

    They are recognised by shape, not position, so an article without them keeps its
    first paragraph.  Returns the fields found and the line where the body starts.
    """
    fields: dict[str, Any] = {}
    body_start = candidates[0][0] if candidates else 10**9
    for lineno, raw in candidates:
        line = raw.strip()
        if fields.get("date") is None and looks_like_date(line):  # Hijri, then Gregorian
            fields["date"] = checked_date(line, shown, lineno, report)
        elif "source" not in fields and (match := _BYLINE.match(line)):
            fields["source"] = match["source"].strip()
            fields["author"] = match["author"].strip()
        else:
            return fields, lineno
        body_start = lineno + 1
    return fields, body_start
