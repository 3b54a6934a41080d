"""Stemming: Snowball Arabic (PyStemmer, the C implementation) and what it leaves undone.

A stem makes a word's inflections one term: الجامعات, جامعة and الجامعة meet at جامع.
Snowball does most of it; two endings it leaves half done are finished here, and و/ف
before the article, which it keeps, is removed first. Non-Arabic words (Latin names,
numbers) are their own stems.
"""

from __future__ import annotations

import re
import threading

from arsearch.analysis.normalize import FEMININE_PLURAL, TA_MARBUTA_FOLDED

_CACHE_LIMIT = 300_000
_stem_cache: dict[str, str] = {}
_local = threading.local()


def _snowball():
    """This thread's Snowball Arabic stemmer: PyStemmer's C implementation, or the
    pure-Python ``snowballstemmer`` (the same algorithm, tested equal, ~100x slower)
    where PyStemmer has no wheel and no compiler is at hand."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:
        stemmer = _local.stemmer = _make_stemmer()
    return stemmer


def _make_stemmer(prefer_c: bool = True):
    if prefer_c:
        try:
            import Stemmer  # PyStemmer: thread-safe per instance

            return Stemmer.Stemmer("arabic")
        except ImportError:  # pragma: no cover - PyStemmer is a dependency
            pass
    # snowballstemmer.stemmer() itself hands out PyStemmer when it is installed: the
    # pure-Python algorithm is its arabic_stemmer module
    from snowballstemmer.arabic_stemmer import ArabicStemmer

    return ArabicStemmer()


#: Conjunction + article prefixes Snowball leaves in place (والكتاب stays والكتاب).
CONJ_ARTICLE = re.compile(r"^[وف](?=(?:ال|بال|كال|لل)..)")
_ARABIC_LETTER = re.compile(r"[\u0621-\u064a]")


def _tidy(root: str, word: str) -> str:
    """Finish what Snowball leaves half done, so definite and bare forms meet.

    After removing the article Snowball keeps a final ه (a folded ة): الجامعة -> جامعه
    but جامعة -> جامع; and of the feminine plural ات it may drop only the ت (حكومات ->
    حكوما). Both endings are removed when at least three letters remain.
    """
    ending = root[-1:]
    if len(root) >= 4 and (ending == TA_MARBUTA_FOLDED
                           or (ending == FEMININE_PLURAL[0] and word.endswith(FEMININE_PLURAL))):
        return root[:-1]
    return root


def stem(word: str) -> str:
    """Stem a *normalised* word: Snowball Arabic, after dropping و/ف before ال.

    Non-Arabic words (Latin names, numbers) are returned unchanged. Memoised.
    """
    try:
        return _stem_cache[word]
    except KeyError:
        pass
    if _ARABIC_LETTER.match(word):
        base = CONJ_ARTICLE.sub("", word)
        result = _tidy(_snowball().stemWord(base) or word, base)
    else:
        result = word
    if len(_stem_cache) > _CACHE_LIMIT:
        _stem_cache.clear()
    _stem_cache[word] = result
    return result
