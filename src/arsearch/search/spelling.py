"""Spelling tolerance that knows Arabic: which known word a misspelt one most likely is.

Arabic writers confuse letters that sound alike or look alike in their dialects and
hands: ض/ظ، ذ/ز، ذ/د، ث/س، ث/ت، ص/س، ط/ت، ق/ك، ح/ه، the hamza's seats (ا، ء، و، ي after
normalisation), ة/ه/ت at the end, ى/ي/ا at the end, and they drop or add the article
ال. Normalisation already folds some (أ/إ/آ، ة/ه، ى/ي); the others cost
:data:`CONFUSION_COST` here instead of a full edit, so سفسطة... ranks the right word first.

Candidates are generated (one edit, or up to two cheap confusions, or the article
added/dropped), then kept only if the index holds them (its term hashes first, then a
look-up): the index's vocabulary is the dictionary, weighted by how many documents hold
each word. Words of three letters or fewer are never changed (too many real words are
one edit apart), and nothing is offered when no candidate is close and common enough:
gibberish gets no suggestion.
"""

from __future__ import annotations

import math
from itertools import combinations

from arsearch.analysis import stem
from arsearch.search.lexicon import Lexicon
from arsearch.search.suggest import MAX_WORD_CHARS, edits1

CONFUSION_COST = 0.4
EDIT_COST = 1.0
ARTICLE_COST = 0.3
#: Words this short are never corrected.
MIN_LETTERS = 4
#: A candidate must be in one document per this many of the index (at least one: a
#: typo's neighbour on a large archive is often another typo)...
DOCS_PER_DF = 10_000
#: ...and this many times more than the typed word.
RATIO = 5
#: Confusable letters (normalised text), each pair both ways.
CONFUSIONS = ("ضظ", "ذز", "ذد", "ثس", "ثت", "صس", "طت", "قك", "حه", "ءا", "ءي", "ءو",
              "اي", "زظ", "دض", "تث", "هت", "اه", "يا")
_PAIRS: dict[str, set[str]] = {}
for _a, _b in (tuple(pair) for pair in CONFUSIONS):
    _PAIRS.setdefault(_a, set()).add(_b)
    _PAIRS.setdefault(_b, set()).add(_a)


def max_cost(word: str) -> float:
    """How far a correction may be: one full edit, plus a confusion for long words."""
    return EDIT_COST + (CONFUSION_COST if len(word) >= 7 else 0.0)


def cost(a: str, b: str) -> float:
    """Weighted edit distance (Damerau): confusions and the article cost less."""
    extra = 0.0
    if a.startswith("ال") != b.startswith("ال"):
        extra = ARTICLE_COST
        a, b = (a[2:] if a.startswith("ال") else a), (b[2:] if b.startswith("ال") else b)
    n, m = len(a), len(b)
    d = [[0.0] * (m + 1) for _ in range(n + 1)]
    for i in range(n + 1):
        d[i][0] = i * EDIT_COST
    for j in range(m + 1):
        d[0][j] = j * EDIT_COST
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            if a[i - 1] == b[j - 1]:
                sub = 0.0
            elif b[j - 1] in _PAIRS.get(a[i - 1], ()):
                sub = CONFUSION_COST
            else:
                sub = EDIT_COST
            d[i][j] = min(d[i - 1][j] + EDIT_COST, d[i][j - 1] + EDIT_COST,
                          d[i - 1][j - 1] + sub)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                d[i][j] = min(d[i][j], d[i - 2][j - 2] + EDIT_COST)
    return d[n][m] + extra


def confusions(word: str, limit: int = 2) -> set[str]:
    """Spellings with up to ``limit`` confusable letters swapped."""
    spots = [i for i, c in enumerate(word) if c in _PAIRS]
    out: set[str] = set()
    for k in range(1, limit + 1):
        for where in combinations(spots, k):
            forms = [word]
            for i in where:
                forms = [f[:i] + c + f[i + 1:] for f in forms for c in _PAIRS[word[i]]]
            out.update(forms)
    return out


def candidates(word: str) -> set[str]:
    """Every spelling a correction of ``word`` may be (before the index is asked)."""
    out = edits1(word) | confusions(word)
    if word.startswith("ال"):
        out.add(word[2:])
    else:
        out.add("ال" + word)
    out.discard(word)
    return out


def corrections(word: str, lex: Lexicon, limit: int = 5) -> list[tuple[str, float, int]]:
    """(word, cost, df) of the index's words ``word`` may be a misspelling of, best
    first; empty for short words and for words with no close, common neighbour."""
    if not MIN_LETTERS <= len(word) <= MAX_WORD_CHARS or not word.isalpha():
        return []  # the candidates grow with the length: suggest.py's bound
    own = lex.written_df(word)
    found = []
    bound = max_cost(word)
    floor = max(1, lex.reader.doc_count // DOCS_PER_DF)
    same = stem(word)
    for candidate in lex.known(sorted(candidates(word))):
        if stem(candidate) == same:
            continue  # the search already matches it (مستشفى: مستشف is its stem)
        c = cost(word, candidate)
        if c > bound:
            continue
        df = lex.written_df(candidate)
        if df < max(floor, own * RATIO):
            continue
        found.append((candidate, c, df))
    found.sort(key=lambda x: (x[1] - 0.3 * math.log10(x[2]), x[0]))
    return found[:limit]


def best_correction(word: str, lex: Lexicon) -> str | None:
    """The most likely intended word, or None (cached per index state)."""
    def compute() -> str | None:
        best = corrections(word, lex, 1)
        return best[0][0] if best else None

    return lex.remember(("spelling", word), compute)
