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

The first is an alternative in the word's group, the second the word's ``also`` forms
(scored as one term with it), so both backends serve them, and highlights mark the
whole written word, prefix included.
"""

from __future__ import annotations

from arsearch.analysis import stem
from arsearch.analysis.morphology import dictionary
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import Word

#: Prefixes (one clitic, or a conjunction and a preposition), longest first.
PREFIXES = ("وب", "ول", "وك", "فب", "فل", "فك", "وس", "فس", "و", "ف", "ب", "ك", "ل", "س")
#: What is left after a prefix must be this long: two-letter words are mostly other
#: function words (له, به), never the name a reader meant.
MIN_REST = 3
#: A form with the prefix taken off counts this much of the typed word (it is what the
#: user meant, written bare). The typed word's prefixed forms count as the word itself
#: (``Word.also``; ``Weights.clitics`` scales their frequencies).
STRIPPED_WEIGHT = 1.0
#: Words whose ال is their own and whose rest is another word (الله is not ال + له),
#: after a preposition too (بالله is ب + الله, not بال + له; لله is ل + الله).
LEXICAL_ARTICLE = frozenset({"الله", "اللهم"})
#: The letters a present-tense verb starts with (يكتب، تكتب، نكتب، أكتب normalised).
_PRESENT = "يتنا"


def is_arabic(word: str) -> bool:
    return bool(word) and all("\u0621" <= c <= "\u064a" for c in word)


def variants(word: Word, lex: Lexicon) -> list[Word]:
    """The typed word without its prefix, when the index vouches for the rest: it is
    a written form of the index, as frequent as the typed word or more (لقطر: قطر; بيان
    keeps its ب: يان is rarer than بيان, a name or a typo)."""
    norm = word.norm
    if not is_arabic(norm) or len(norm) < MIN_REST:
        return []
    out: list[Word] = []
    seen = {word.stem}
    for prefix in PREFIXES:
        if not norm.startswith(prefix):
            continue
        for rest in _rests(norm, prefix):
            # the rest must be a written form of the index (a typed word the index does
            # not hold has df 0, and so had every rest: سوريا became وريا, then كوريا,
            # Korea), and the future س goes before a present-tense verb only (as in
            # attached())
            if len(rest) >= MIN_REST and ("س" not in prefix or rest[0] in _PRESENT) \
                    and lex.written_df(rest) >= max(lex.written_df(norm), 1):
                s = stem(rest)
                if s not in seen:
                    seen.add(s)
                    out.append(Word(s, rest, word.surface, word.field,
                                    STRIPPED_WEIGHT * word.weight, "stem", word.level))
    return out


def _rests(norm: str, prefix: str) -> tuple[str, ...]:
    """What ``prefix`` may leave of ``norm``: ل before the article drops its alef (للحق
    is ل + الحق), so after a ل a rest starting with ل may be the article's (للحق) or the
    word's own (لليبيا is ل + ليبيا): both are offered, the index vouches. الله also
    drops a lam (لله)."""
    rest = norm[len(prefix):]
    if prefix.endswith("ل") and rest.startswith("ل"):
        if "ال" + rest in LEXICAL_ARTICLE:  # لله: ل + الله, alef and a lam dropped
            return ("ال" + rest,)
        return ("ا" + rest, rest)
    return (rest,)


def attached(word: Word, lex: Lexicon) -> tuple[str, ...]:
    """The typed word's forms with a prefix that the index holds and the stemmer does
    not already put under the word's stem (لإيران for إيران): ``Word.also``."""
    norm = word.norm
    if not is_arabic(norm) or len(norm) < MIN_REST:
        return ()
    verb = norm[0] in _PRESENT  # the future س goes before a present-tense verb only
    forms = [p + norm for p in PREFIXES
             if stem(p + norm) != word.stem and ("س" not in p or verb)]
    # a form that is a word of its own (لازمة is not ل + أزمة, لقمة not ل + قمة) is not
    # the typed word with a prefix: the dictionary says which
    words = dictionary().lemmas_of
    return tuple(f for f in lex.known(forms) if f not in words)
