"""The wrong keyboard layout: ``hgsdhsm`` is السياسة typed with the Latin layout on.

Arabic keyboards carry both layouts, and a query typed with the wrong one is a string
of nonsense in the other script. Each key's two letters (the common Arabic 101 layout,
as Windows, macOS and Linux ship it) convert a query back. The conversion is offered
(as the suggestion) when the typed words are unknown to the index and the converted
Arabic words are known; Arabic letters typed for Latin text (شسيبلا for asdfgh) are
offered back in Latin when none of the Arabic words is a word of the index.
"""

from __future__ import annotations

#: Latin key -> the Arabic letter on the same key (unshifted).
LATIN_TO_ARABIC = {
    "q": "ض", "w": "ص", "e": "ث", "r": "ق", "t": "ف", "y": "غ", "u": "ع", "i": "ه",
    "o": "خ", "p": "ح", "[": "ج", "]": "د", "a": "ش", "s": "س", "d": "ي", "f": "ب",
    "g": "ل", "h": "ا", "j": "ت", "k": "ن", "l": "م", ";": "ك", "'": "ط", "z": "ئ",
    "x": "ء", "c": "ؤ", "v": "ر", "b": "لا", "n": "ى", "m": "ة", ",": "و", ".": "ز",
    "/": "ظ", "`": "ذ",
}
#: Arabic letter -> Latin key (لا, one key for two letters, reads as g h).
ARABIC_TO_LATIN = {v: k for k, v in LATIN_TO_ARABIC.items() if len(v) == 1}
#: Shifted keys that give hamzated alefs and the like on the Arabic layout.
ARABIC_TO_LATIN.update({"أ": "h", "إ": "y", "آ": "n"})


def to_arabic(text: str) -> str:
    """``text`` as if typed with the Arabic layout (only letters of the Latin keys)."""
    return "".join(LATIN_TO_ARABIC.get(c, c) for c in text.lower())


def to_latin(text: str) -> str:
    """``text`` as if typed with the Latin layout (لا as the two keys g h: the b key's
    ligature cannot be told from them once typed)."""
    return "".join(ARABIC_TO_LATIN.get(c, c) for c in text)


def looks_latin(word: str) -> bool:
    return bool(word) and all(c.isascii() and (c.isalpha() or c in "[];',./`") for c in word)


def looks_arabic(word: str) -> bool:
    return bool(word) and all(c in ARABIC_TO_LATIN or c == "ى" or c == "ة" for c in word)
