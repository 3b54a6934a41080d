"""Did-you-mean suggestions from the index's own vocabulary.

The exact (unstemmed, normalised) forms indexed beside the stems are real words as
written in the archive, so they are the dictionary. Only a query word that is unknown
or rare (at most :data:`RARE_DF` documents) is looked at: every spelling one edit away
(deletion, insertion, substitution, transposition) is checked against the term index,
and the most frequent one wins if it is clearly more common. Checking a few hundred
candidates costs milliseconds, where scanning the vocabulary would cost seconds.
"""

from __future__ import annotations

from .analysis import EXACT, stem
from .query import ParsedQuery

#: Words in at most this many documents get a spelling check.
RARE_DF = 2
#: A candidate must be in this many times more documents than the word itself.
RARE_RATIO = 10
ARABIC_LETTERS = "ءابتثجحخدذرزسشصضطظعغفقكلمنهويى"
LATIN_LETTERS = "abcdefghijklmnopqrstuvwxyz"


def _df(reader, word: str) -> int:
    """Documents holding ``word`` as written (a word that is its own stem has no twin)."""
    term = EXACT + word if stem(word) != word else word
    return reader.doc_frequency("body", term) + reader.doc_frequency("title", term)


def edits1(word: str) -> set[str]:
    """Every string one edit away from ``word`` (Norvig's generator)."""
    letters = LATIN_LETTERS if word.isascii() else ARABIC_LETTERS
    splits = [(word[:i], word[i:]) for i in range(len(word) + 1)]
    deletes = {a + b[1:] for a, b in splits if b}
    transposes = {a + b[1] + b[0] + b[2:] for a, b in splits if len(b) > 1}
    replaces = {a + c + b[1:] for a, b in splits if b for c in letters}
    inserts = {a + c + b for a, b in splits for c in letters}
    return (deletes | transposes | replaces | inserts) - {word}


def best_spelling(reader, norm: str) -> str | None:
    """The most frequent indexed form one edit from ``norm``, if clearly more common."""
    if len(norm) < 3 or norm.isdigit():
        return None
    own = _df(reader, norm)
    if own > RARE_DF:
        return None
    best, best_df = None, max(own * RARE_RATIO, 1)
    for candidate in sorted(edits1(norm)):
        df = _df(reader, candidate)
        if df > best_df:
            best, best_df = candidate, df
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
