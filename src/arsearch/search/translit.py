"""Latin-script names find their Arabic forms: idlib إدلب, erdogan أردوغان, daesh داعش.

Readers type names as they see them in English or French news. A name has many
possible Arabic spellings (vowels written or not, s as س or ص, g as غ, ج or ق...), so
the rules below generate them all, letter group by letter group, and the index's own
vocabulary decides: a spelling is followed only while some written form of the index
starts with it (a binary search in the sorted vocabulary), and only complete written
forms are kept, the most frequent first. Buckwalter transliteration (pyarabic's
``trans`` module: ``<dlb``) is tried too, for the few who type it.

The Arabic forms are weighted alternatives of the Latin word in the parsed query (like
synonyms, :data:`WEIGHT` of a typed word) and listed in the results' expansions.
"""

from __future__ import annotations

import math
import re
from functools import cache
from importlib import resources

from arsearch.analysis import normalize_token as normalize
from arsearch.search.lexicon import Lexicon

#: The Arabic forms of a Latin word count this much of a typed word (as synonyms).
WEIGHT = 0.5
#: At most this many Arabic forms per Latin word (the most frequent).
MAX_FORMS = 5
#: Bounds on one word's work: its length, and the spellings followed.
MAX_LETTERS = 24
MAX_STEPS = 40_000
_LATIN = re.compile(r"[a-z]+(?:'[a-z]+)?")

#: Letter groups (longest first) and the Arabic letters they may stand for.
_GROUPS: dict[str, tuple[str, ...]] = {
    "tch": ("تش",), "sch": ("ش",), "wh": ("و",), "ng": ("نغ", "ن", "نج"), "nh": ("ني", "ن"),
    "ju": ("جو", "يو"), "ace": ("يس", "اس"), "kh": ("خ", "ك"), "sh": ("ش",), "ch": ("ش", "تش", "ك"),
    "th": ("ث", "ت", "ذ"), "dh": ("ذ", "ض", "د"), "gh": ("غ", "ج", "ق"), "ph": ("ف",),
    "ck": ("ك",), "qu": ("ك", "كو"), "ts": ("تس",), "zh": ("ج", "ز"), "dj": ("ج",),
    "gg": ("ج", "غ", "قج", "ق"), "ou": ("و",), "oo": ("و",), "ee": ("ي",), "ie": ("ي",),
    "ei": ("ي", "اي", "ءي"), "ai": ("ي", "اي", "ا"), "ay": ("اي", "ي"), "ey": ("اي", "ي"),
    "aa": ("ا", "اع"), "ae": ("اع", "ا", "اي"), "ea": ("يا", "ا"), "ia": ("يا", "ي"),
    "io": ("يو",), "eo": ("يو",), "ua": ("وا",), "ue": ("و",), "oe": ("و",),
    "a": ("ا", "", "ع"), "b": ("ب",), "c": ("ك", "س", "ش"), "d": ("د", "ض"),
    "e": ("", "ي", "ا"), "f": ("ف",), "g": ("غ", "ج", "ق", "ك"), "h": ("ه", "ح", ""),
    "i": ("ي", ""), "j": ("ج",), "k": ("ك", "ق"), "l": ("ل",), "m": ("م",), "n": ("ن",),
    "o": ("و", ""), "p": ("ب",), "q": ("ق", "ك"), "r": ("ر",), "s": ("س", "ص", "ز"),
    "t": ("ت", "ط"), "u": ("و", "", "ا", "يو"), "v": ("ف",), "w": ("و",), "x": ("كس", "قس"),
    "y": ("ي",), "z": ("ز", "ظ", "ذ"), "'": ("ع", "ء", ""),
}
#: At the start of a word a vowel is written with alef (or is an ain).
_INITIAL: dict[str, tuple[str, ...]] = {
    "a": ("ا", "ع"), "e": ("ا", "اي", "ع"), "i": ("ا", "اي", "ع"), "o": ("او", "ا", "ع"),
    "u": ("او", "ا", "ع", "يو"), "y": ("ي",), "al": ("ال",), "el": ("ال",),
}
#: At the end a vowel may be ة (folded to ه), ى (folded to ي) or nothing.
_FINAL: dict[str, tuple[str, ...]] = {
    "a": ("ا", "ه", "ي", "", "اه"), "ah": ("ه", "ا"), "e": ("ي", "ه", ""), "i": ("ي",),
    "o": ("و",), "ou": ("و",), "y": ("ي", "يا"),
}


def is_latin(word: str) -> bool:
    return bool(_LATIN.fullmatch(word)) and len(word) >= 3


#: What the article costs when a name is found with it (الشاهد for chahed).
ARTICLE_COST = 0.5
_SUN_LETTERS = "tdszrnl"


def spellings(word: str, lex: Lexicon) -> dict[str, float]:
    """The index's written forms that ``word`` (Latin script) may transliterate, each
    with its cost: the sum of the ranks of the options chosen (a letter's usual Arabic
    letter costs 0, the next one 1...), so the most natural reading ranks first."""
    word = word.lower()
    if not is_latin(word) or len(word) > MAX_LETTERS:
        return {}
    found: dict[str, float] = {}
    steps = 0
    stack: list[tuple[int, str, float]] = [(0, "ال", ARTICLE_COST), (0, "", 0.0)]
    best: dict[tuple[int, str], float] = {}
    while stack and steps < MAX_STEPS:
        pos, prefix, cost = stack.pop()
        if best.get((pos, prefix), 1e9) <= cost:
            continue
        best[(pos, prefix)] = cost
        steps += 1
        if pos == len(word):
            if prefix and lex.has_word(prefix) and cost < found.get(prefix, 1e9):
                found[prefix] = cost
            continue
        for size, options in _options(word, pos):
            for rank, arabic in enumerate(options):
                nxt = prefix + arabic
                if nxt and not lex.has_prefix(nxt):
                    continue
                stack.append((pos + size, nxt, cost + rank))
    buckwalter = _buckwalter(word)
    if buckwalter and lex.has_word(buckwalter):
        found.setdefault(buckwalter, 1.0)
    return found


def _options(word: str, pos: int) -> list[tuple[int, tuple[str, ...]]]:
    """(letters consumed, Arabic options, usual first) for every letter group at ``pos``."""
    out: list[tuple[int, tuple[str, ...]]] = []
    if pos == 0 and len(word) > 3 and word[0] in "ae" and word[1] == word[2] \
            and word[1] in _SUN_LETTERS:
        out.append((2, ("ال",)))  # the article assimilated: essebsi السبسي, ennahda
    if pos + 1 < len(word) and word[pos] == word[pos + 1] and word[pos] not in "aeiou" \
            and word[pos] in _GROUPS:
        out.append((2, _GROUPS[word[pos]]))  # a doubled consonant is one (shadda)
    for size in (3, 2, 1):
        chunk = word[pos:pos + size]
        if len(chunk) < size:
            continue
        options: tuple[str, ...] = ()
        if pos == 0 and chunk in _INITIAL:
            options += _INITIAL[chunk]
        if pos + size == len(word) and chunk in _FINAL:
            options += _FINAL[chunk]
        if chunk in _GROUPS and not (pos == 0 and chunk in _INITIAL and size == 1):
            options += _GROUPS[chunk]
        if options:
            out.append((size, tuple(dict.fromkeys(options))))
    return out


@cache
def exonyms() -> dict[str, tuple[str, ...]]:
    """Latin name -> Arabic names of the places whose names are not transliterations
    (``data/exonyms.tsv``: Egypt مصر), normalised."""
    text = resources.files("arsearch").joinpath("data/exonyms.tsv").read_text("utf-8")
    out: dict[str, tuple[str, ...]] = {}
    for line in text.splitlines():
        if not line.strip() or line.startswith("#") or "\t" not in line:
            continue
        latin, arabic = line.split("\t", 1)
        forms = tuple(normalize(a.strip()) for a in arabic.split(",") if a.strip())
        for name in latin.split(","):
            out[name.strip().lower()] = forms
    return out


def _buckwalter(word: str) -> str:
    """``word`` read as Buckwalter transliteration (pyarabic), normalised; "" if not."""
    try:
        from pyarabic.trans import convert
    except ImportError:  # pragma: no cover - pyarabic is a dependency
        return ""
    try:
        arabic = convert(word, "tim", "arabic")
    except Exception:  # noqa: BLE001 - a third-party converter must not fail a search
        return ""
    return normalize(arabic) if arabic and arabic != word else ""


def arabic_forms(word: str, lex: Lexicon) -> list[str]:
    """The :data:`MAX_FORMS` most frequent Arabic forms of a Latin word (cached)."""
    def compute() -> list[str]:
        named = [f for f in exonyms().get(word.lower(), ())
                 if " " not in f and lex.written_df(f) > 0]
        forms = spellings(word, lex)
        dfs = {f: lex.written_df(f) for f in forms}
        # the most natural reading first; among equals, the more frequent
        ranked = sorted((f for f in forms if dfs[f] > 0),
                        key=lambda f: (forms[f] - 0.5 * math.log10(dfs[f]), f))
        return list(dict.fromkeys([*named, *ranked]))[:MAX_FORMS]

    return lex.remember(("translit", word.lower()), compute)
