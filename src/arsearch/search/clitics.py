"""Attached prefixes: لإيران, بترامب, وبوتين, لقطر are إيران, ترامب, بوتين, قطر.

Arabic writes the prepositions ل/ب/ك, the conjunctions و/ف and the future س as part of
the next word. Snowball removes some of them and mangles others (لإيران stems to لاير,
so a search for إيران missed every article that only says لإيران). Stripping them from
every word would break words that merely start with those letters (لندن, بطاطس, الله,
البانيا), so the index's own vocabulary decides, at query time:

* a typed word with a prefix is also searched without it when the rest is a written
  form of the index (لقطر: قطر; لندن keeps its ل: there is no ندن);
* a typed word is also searched with each prefix the index has it with, when the
  stemmer does not already put that form under the word's stem (إيران: لإيران).

Both are weighted alternatives in the parsed query (a written form matched as written,
``Word.match = "exact"``), so highlights mark the whole written word, prefix included.
"""

from __future__ import annotations

from arsearch.analysis import stem
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import Word

#: Prefixes (one clitic, or a conjunction and a preposition), longest first.
PREFIXES = ("وب", "ول", "وك", "فب", "فل", "فك", "وس", "فس", "و", "ف", "ب", "ك", "ل", "س")
#: What is left after a prefix must be this long: two-letter words are mostly other
#: function words (له, به), never the name a reader meant.
MIN_REST = 3
#: A form with the prefix taken off counts this much of the typed word (it is what the
#: user meant, written bare); the typed word's prefixed variants count fully.
STRIPPED_WEIGHT = 1.0
ATTACHED_WEIGHT = 1.0


def is_arabic(word: str) -> bool:
    return bool(word) and all("\u0621" <= c <= "\u064a" for c in word)


def variants(word: Word, lex: Lexicon) -> list[Word]:
    """Clitic alternatives of ``word`` that the index holds (the word itself excluded)."""
    norm = word.norm
    if not is_arabic(norm) or len(norm) < MIN_REST:
        return []
    out: list[Word] = []
    seen = {word.stem}
    for prefix in PREFIXES:
        rest = norm[len(prefix):]
        if norm.startswith(prefix) and len(rest) >= MIN_REST and lex.written_df(rest):
            s = stem(rest)
            if s not in seen:
                seen.add(s)
                out.append(Word(s, rest, word.surface, word.field,
                                STRIPPED_WEIGHT * word.weight, "stem", word.level))
    attached = [p + norm for p in PREFIXES if stem(p + norm) not in seen]
    for form in lex.known(attached):
        out.append(Word(stem(form), form, word.surface, word.field,
                        ATTACHED_WEIGHT * word.weight, "exact", word.level))
    return out
