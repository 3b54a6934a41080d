"""Highlighted, HTML-safe snippets cut from the original (vowelled) text.

A word matches when its normalised form or its stem is one the query asked for; the
text shown is the document's own spelling, escaped, with matches wrapped in ``<mark>``
and nothing else added. The snippet is the window holding the most distinct matches.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from html import escape as html_escape

from arsearch.analysis import TOKEN_PATTERN, normalize_token, stem, stopwords

_TOKEN = re.compile(TOKEN_PATTERN)
#: Articles are scanned up to here for a snippet: the best passage is nearly always
#: early in news text, and scanning a whole book per hit would make a page slow.
SCAN_LIMIT = 30_000
#: C0 controls (but tab, newline, CR) and DEL are shown as spaces: an index built before
#: the readers turned them into spaces may hold them, and a NUL or ESC in HTML is
#: invalid markup (one for one, so the match offsets still hold).
_CONTROLS = dict.fromkeys((*range(9), 11, 12, *range(14, 32), 127), " ")


def match_spans(text: str, stems: Collection[str], norms: Collection[str],
                limit: int | None = None,
                phrases: Collection[tuple[str, ...]] = ()) -> list[tuple[int, int, str]]:
    """(start, end, stem) of every word of ``text`` that matches the query: a word of
    ``stems``/``norms``, or a run of words whose stems are one of ``phrases`` (each word
    of the run is marked, never a lone part of the phrase). A word is marked whole, as
    written, with its attached prefixes."""
    if not stems and not norms and not phrases:
        return []
    stops = stopwords()
    spans = []
    words: list[tuple[int, int, str]] = []  # the non-stop words, for phrases
    firsts = {p[0] for p in phrases}
    for m in _TOKEN.finditer(text, 0, limit or len(text)):
        norm = normalize_token(m.group())
        if not norm or norm in stops:
            continue
        s = stem(norm)
        if s in stems or norm in norms:
            spans.append((m.start(), m.end(), s))
        if firsts:
            words.append((m.start(), m.end(), s))
    if phrases:
        spans = sorted(set(spans) | set(_phrase_spans(words, phrases)))
    return spans


def _phrase_spans(words: list[tuple[int, int, str]],
                  phrases: Collection[tuple[str, ...]]) -> list[tuple[int, int, str]]:
    """The words of every run of ``words`` whose stems are a phrase (gaps are stop words)."""
    out = []
    stems = [w[2] for w in words]
    for phrase in phrases:
        n = len(phrase)
        for i in range(len(words) - n + 1):
            if tuple(stems[i:i + n]) == phrase:
                out.extend(words[i:i + n])
    return out


def mark(text: str, spans: list[tuple[int, int, str]], start: int = 0,
         end: int | None = None) -> str:
    """Escape ``text[start:end]`` and wrap the spans inside it in ``<mark>``."""
    end = len(text) if end is None else end
    out, pos = [], start
    for s, e, _ in spans:
        if s < start or e > end:
            continue
        out.append(escape(text[pos:s]))
        out.append("<mark>" + escape(text[s:e]) + "</mark>")
        pos = e
    out.append(escape(text[pos:end]))
    return "".join(out)


def escape(text: str) -> str:
    """``text`` as HTML: escaped, and without control characters."""
    return html_escape(text.translate(_CONTROLS))


def highlight_all(text: str, stems: Collection[str], norms: Collection[str],
                  phrases: Collection[tuple[str, ...]] = ()) -> str:
    """The whole text escaped with every match marked (titles, the article page)."""
    return mark(text, match_spans(text, stems, norms, phrases=phrases))


def snippet(text: str, stems: Collection[str], norms: Collection[str],
            phrases: Collection[tuple[str, ...]] = (), size: int = 240) -> str:
    """The best ``size``-character passage of ``text``, escaped, matches marked."""
    spans = match_spans(text, stems, norms, limit=SCAN_LIMIT, phrases=phrases)
    if not spans:
        return _cut(text, 0, size)
    best, best_key = 0, (-1, 0)
    j = 0
    for i, (s, _, _) in enumerate(spans):
        j = max(j, i)
        while j + 1 < len(spans) and spans[j + 1][1] - s <= size:
            j += 1
        window = spans[i:j + 1]
        key = (len({w[2] for w in window}), len(window))
        if key > best_key:
            best_key, best = key, i
    first = spans[best][0]
    # start a little before the first match, on a word boundary
    start = max(0, first - size // 5)
    if start:
        space = text.rfind(" ", 0, start + 1)
        start = space + 1 if space >= 0 and first - space < size // 2 else start
    return _cut(text, start, size, spans)


def _cut(text: str, start: int, size: int,
         spans: list[tuple[int, int, str]] | None = None) -> str:
    end = min(len(text), start + size)
    if end < len(text):
        space = text.rfind(" ", start + size // 2, end)
        end = space if space > 0 else end
    body = mark(text, spans or [], start, end)
    body = " ".join(body.split())
    return ("… " if start > 0 else "") + body + (" …" if end < len(text) else "")
