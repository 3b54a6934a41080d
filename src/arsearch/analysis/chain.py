"""The Arabic analysis chain: ``ArabicTokenizer | NormalizeFilter | StopFilter | StemFilter``.

Each part is a small Whoosh filter that changes one thing. Tokens keep the character
offsets of the original text (normalisation happens per token, after tokenising), so a
highlight marks the reader's own vowelled spelling, not a normalised copy.

The analyzer is pickled into the index schema by module path (this module's:
``schema.PICKLED`` lists it, and renaming it changes the on-disk format), so the filters
hold no unpicklable state: the stemmer is created lazily per thread and the caches live
at module level. The rules themselves live in :mod:`~arsearch.analysis.normalize`,
:mod:`~arsearch.analysis.stopwords`, :mod:`~arsearch.analysis.stem` and
:mod:`~arsearch.analysis.exact`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from whoosh.analysis import Filter, RegexTokenizer, Token

from arsearch.analysis.exact import twin
from arsearch.analysis.normalize import normalize
from arsearch.analysis.stem import stem
from arsearch.analysis.stopwords import stopwords

#: A word: letters and digits (``\w``) together with the combining marks ``\w`` does not
#: match (harakat, dagger alef, Quranic marks, Latin accents) and the invisible joiners
#: and bidi marks that web text hides inside words. Normalisation removes the marks.
TOKEN_PATTERN = (
    r"[\w\u0300-\u036f\u0610-\u061a\u064b-\u065f\u0670\u06d6-\u06ed"
    r"\u00ad\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]+"
)
_CACHE_LIMIT = 300_000
_norm_cache: dict[str, str] = {}


def normalize_token(text: str) -> str:
    """:func:`arsearch.analysis.normalize.normalize`, memoised: news text repeats its words."""
    try:
        return _norm_cache[text]
    except KeyError:
        if len(_norm_cache) > _CACHE_LIMIT:
            _norm_cache.clear()
        value = _norm_cache[text] = normalize(text)
        return value


class ArabicTokenizer(RegexTokenizer):
    """Whoosh's regex tokenizer with a word pattern that keeps harakat inside words."""

    def __init__(self, expression: str = TOKEN_PATTERN, gaps: bool = False):
        super().__init__(expression=expression, gaps=gaps)


class NormalizeFilter(Filter):
    """Replace each token's text by its normalised form; drop tokens that vanish."""

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        for t in tokens:
            text = normalize_token(t.text)
            if text:
                t.text = text
                yield t


class ArabicStopFilter(Filter):
    """Drop stop words (the curated list), renumbering positions.

    Renumbering keeps phrases working across removed words: the query "X في Y" and the
    text "X في Y" both become X Y at consecutive positions.
    """

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        stops = stopwords()
        pos = None
        for t in tokens:
            if t.text in stops:
                if t.positions and pos is None:
                    pos = t.pos
                continue
            if t.positions:
                if pos is None:
                    pos = t.pos
                t.pos = pos
                pos += 1
            yield t


class StemFilter(Filter):
    """Replace the text by its stem; with ``exact``, also emit the exact form.

    The exact form (its :func:`~arsearch.analysis.exact.twin`) shares the stem's
    position: one field, one analysis pass, and phrase queries over stems still line
    up. A word that is its own stem gets no twin (a sixth of all postings).
    """

    def __init__(self, exact: bool = True):
        self.exact = exact

    def __eq__(self, other: object) -> bool:
        return isinstance(other, StemFilter) and other.exact == self.exact

    def __call__(self, tokens: Iterator[Token]) -> Iterator[Token]:
        exact = self.exact
        for t in tokens:
            word = t.text
            t.text = root = stem(word)
            yield t
            if exact and (term := twin(word, root)) is not None:
                t.text = term
                yield t


def ArabicAnalyzer(exact: bool = True):  # noqa: N802 - mirrors Whoosh's analyzer factories
    """The index analyzer: tokenise, normalise, drop stop words, stem (+ exact forms)."""
    return ArabicTokenizer() | NormalizeFilter() | ArabicStopFilter() | StemFilter(exact)


_VANISHED, _STOP = 0, 1
_Terms = tuple[str, str | None]  # (stem, exact twin or None)
_word_cache: dict[str, int | _Terms] = {}
_TOKEN_RE = re.compile(TOKEN_PATTERN)


def _word_terms(surface: str) -> int | _Terms:
    """What the chain makes of one word: vanished, a stop word, or (stem, exact form)."""
    norm = normalize_token(surface)
    if not norm:
        return _VANISHED
    if norm in stopwords():
        return _STOP
    root = stem(norm)
    return root, twin(norm, root)


def _standard_exact(analyzer) -> bool | None:
    """StemFilter's ``exact`` if ``analyzer`` is exactly :func:`ArabicAnalyzer`, else None."""
    items = getattr(analyzer, "items", None)
    if not items or [type(x) for x in items] != [ArabicTokenizer, NormalizeFilter,
                                                 ArabicStopFilter, StemFilter]:
        return None
    tokenizer = items[0]
    if tokenizer.gaps or tokenizer.expression.pattern != TOKEN_PATTERN:
        return None
    return items[3].exact


def index_positions(analyzer, text: str) -> dict[str, list[int]] | None:
    """Term -> positions for ``text`` as ``analyzer`` indexes it; None if not the standard one.

    The same terms and positions as running the chain (tests compare them on random
    and real text), from one cached lookup per word instead of a token passing through
    four generators: the chain was a quarter of the indexing time.
    """
    exact = _standard_exact(analyzer)
    if exact is None:
        return None
    cache = _word_cache
    if len(cache) > _CACHE_LIMIT:
        cache.clear()
    poses: dict[str, list[int]] = {}
    pos = None
    for i, surface in enumerate(_TOKEN_RE.findall(text)):
        terms = cache.get(surface)
        if terms is None:
            terms = cache[surface] = _word_terms(surface)
        if terms is _VANISHED:
            continue
        if pos is None:  # ArabicStopFilter numbers from the first word it sees
            pos = i
        if terms is _STOP or isinstance(terms, int):
            continue
        root, exact_form = terms
        plist = poses.get(root)
        if plist is None:
            poses[root] = [pos]
        else:
            plist.append(pos)
        if exact and exact_form is not None:
            plist = poses.get(exact_form)
            if plist is None:
                poses[exact_form] = [pos]
            else:
                plist.append(pos)
        pos += 1
    return poses


@dataclass(frozen=True, slots=True)
class AnalyzedToken:
    """One token as ``arsearch analyze`` shows it."""

    text: str  # as written in the input, diacritics kept
    normalized: str
    stem: str
    start: int
    end: int
    position: int
    stopword: bool


def analyze(text: str) -> list[AnalyzedToken]:
    """Explain the analysis of ``text``: each word, its normal form, stem and offsets.

    Stop words are listed too (flagged), so a user can see why a word does not count.
    """
    stops = stopwords()
    out = []
    for i, m in enumerate(re.finditer(TOKEN_PATTERN, text)):
        norm = normalize_token(m.group())
        if not norm:
            continue
        is_stop = norm in stops
        out.append(
            AnalyzedToken(m.group(), norm, "" if is_stop else stem(norm), m.start(), m.end(),
                          i, is_stop)
        )
    return out


def query_terms(text: str) -> list[tuple[str, str]]:
    """The (stem, normalised form) pairs a query string contributes, stop words removed."""
    return [(t.stem, t.normalized) for t in analyze(text) if not t.stopword]
