"""Did-you-mean suggestions from the index's own vocabulary.

The exact (unstemmed, normalised) forms indexed beside the stems are real words as
written in the archive, so they are the dictionary: a query word that is unknown, or
rare while a close spelling is common, is replaced by the most frequent form within one
edit (two for long words).
"""

from __future__ import annotations

from .analysis import EXACT
from .query import ParsedQuery

#: A known word is still "rare" when a neighbour is this many times more frequent.
RARE_RATIO = 20


def _df(reader, word: str) -> int:
    return reader.doc_frequency("body", word) + reader.doc_frequency("title", word)


def best_spelling(reader, norm: str) -> str | None:
    """The most frequent vocabulary form close to ``norm`` that beats it clearly."""
    if len(norm) < 3 or norm.isdigit():
        return None
    own = _df(reader, EXACT + norm)
    maxdist = 1 if len(norm) < 7 else 2
    best, best_df = None, max(own * RARE_RATIO, 1)
    for fieldname in ("body", "title"):
        for term in reader.terms_within(fieldname, EXACT + norm, maxdist, prefix=2):
            if term == EXACT + norm:
                continue
            df = _df(reader, term)
            if df > best_df or (df == best_df and best and term < EXACT + best):
                best, best_df = term[len(EXACT):], df
    return best


def suggest(reader, query: str, parsed: ParsedQuery, total: int) -> str | None:
    """The query with misspelt words replaced, or None when nothing looks misspelt."""
    changed = False
    text = query
    for word in parsed.words:
        better = best_spelling(reader, word.norm)
        if better and word.surface in text:
            text = text.replace(word.surface, better, 1)
            changed = True
    return text if changed else None
