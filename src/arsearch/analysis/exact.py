"""The exact-form twin: the one home of the convention.

Every word is indexed as its stem and, when it differs from its stem, as its exact
(normalised, unstemmed) form beside it, in the manner of Lucene's KeywordRepeatFilter:
the exact form is the stem's twin, marked by :data:`EXACT`, sharing its position. So a
query can rank the spelling the user typed above words that only share its stem, and
the vocabulary of written forms is the dictionary of did-you-mean. The twins carry no
positions in the index (phrases, leads and proximity are matched on stems).
"""

from __future__ import annotations

#: Prefix of an exact form's term. Tokens never contain it (it is not a word character).
EXACT = "="


def twin(norm: str, stem: str) -> str | None:
    """The exact-form term indexed beside ``stem`` for the normalised word ``norm``, or
    None when the word is its own stem (the stem term already is its exact form)."""
    return None if norm == stem else EXACT + norm


def written_term(norm: str, stem: str) -> str:
    """The term holding the word as written: its twin, or the stem when it is its own."""
    return EXACT + norm if norm != stem else norm


def is_exact(term: str) -> bool:
    """Whether ``term`` is an exact-form twin (not a stem)."""
    return term.startswith(EXACT)
