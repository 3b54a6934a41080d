"""Arabic orthographic normalisation: each rule a pure ``str -> str`` function.

Arabic is written with optional short vowels, several shapes of alef and hamza, two
forms of final ya and ta, decorative elongation, presentation-form ligatures and three
digit systems. A reader searching ``مسؤول`` expects ``مسئول`` too, ``إدلب`` to find
``ادلب`` and ``١٥`` to find ``15``. Every rule below folds one such family of variants.

The rules are applied to *tokens* by :mod:`arsearch.analysis.chain`, never to the document
before tokenising, so character offsets keep pointing at the original, vowelled text.

:func:`normalize` lists the steps in order. It runs on every token of every document,
so it applies one combined ``str.translate`` table (built from the same tables) plus an
NFKC pass only when presentation forms occur; a test checks that it equals the
step-by-step composition.
"""

from __future__ import annotations

import unicodedata

# --- named character sets -------------------------------------------------------------

TATWEEL = "\u0640"
#: Harakat and tanween (U+064B..U+065F), dagger alef (U+0670), Quranic honorifics and
#: small high letters (U+0610..U+061A) and Quranic annotation marks (U+06D6..U+06ED).
TASHKEEL = (
    "".join(map(chr, range(0x064B, 0x0660)))
    + "\u0670"
    + "".join(map(chr, range(0x0610, 0x061B)))
    + "".join(chr(c) for c in range(0x06D6, 0x06EE) if c not in (0x06E5, 0x06E6))
)
#: Zero-width and bidirectional control characters, soft hyphen and BOM: invisible in
#: text, but they split or alter words copied from the web.
INVISIBLE = (
    "\u00ad\u061c\u180e\u200b\u200c\u200d\u200e\u200f\u202a\u202b\u202c\u202d\u202e"
    "\u2060\u2061\u2062\u2063\u2064\u2066\u2067\u2068\u2069\ufeff"
)
#: Hamzated and wasla alef shapes folded to bare alef (ا).
ALEF_FORMS = "\u0623\u0625\u0622\u0671\u0672\u0673\u0675"
#: Hamza on waw (ؤ) and on ya (ئ): writers disagree (مسؤول / مسئول), so both carriers
#: fold to the bare hamza ء. Alef carriers are handled by :data:`ALEF_FORMS`.
HAMZA_CARRIERS = "\u0624\u0626"
ALEF_MAQSURA = "\u0649"
TA_MARBUTA = "\u0629"
#: What ة becomes (ه): other rules that look at normalised words (the stem tidying, the
#: dates parser) name it from here.
TA_MARBUTA_FOLDED = "\u0647"
#: The feminine plural ending (ات) as normalised words spell it.
FEMININE_PLURAL = "\u0627\u062a"
ARABIC_INDIC_DIGITS = "٠١٢٣٤٥٦٧٨٩"
PERSIAN_DIGITS = "۰۱۲۳۴۵۶۷۸۹"
#: Arabic comma ، (U+060C), thousands separator ٬ (U+066C), decimal separator ٫ (U+066B).
ARABIC_PUNCTUATION = "\u060c\u066c\u066b"

# --- translation tables ------------------------------------------------------------------

_STRIP_TASHKEEL = str.maketrans("", "", TASHKEEL)
_STRIP_TATWEEL = str.maketrans("", "", TATWEEL)
_STRIP_INVISIBLE = str.maketrans("", "", INVISIBLE)
_ALEF = str.maketrans(dict.fromkeys(ALEF_FORMS, "ا"))
_HAMZA = str.maketrans(dict.fromkeys(HAMZA_CARRIERS, "ء"))
_YA = str.maketrans({ALEF_MAQSURA: "\u064a", "\u06cc": "\u064a", "\u06d0": "\u064a"})
_TA_MARBUTA = str.maketrans({TA_MARBUTA: TA_MARBUTA_FOLDED})
_PERSIAN_LETTERS = str.maketrans({"\u06a9": "\u0643", "\u06c1": "\u0647", "\u06be": "\u0647"})
_DIGITS = str.maketrans(ARABIC_INDIC_DIGITS + PERSIAN_DIGITS, "0123456789" * 2)
_PUNCTUATION = str.maketrans(ARABIC_PUNCTUATION, ",,.")


def _has_presentation_forms(text: str) -> bool:
    return any("\ufb50" <= c <= "\ufdff" or "\ufe70" <= c <= "\ufeff" for c in text)


# --- the rules ------------------------------------------------------------------------------


def remove_invisible(text: str) -> str:
    """Drop zero-width joiners, bidi controls, soft hyphens and BOMs."""
    return text.translate(_STRIP_INVISIBLE)


def unfold_presentation_forms(text: str) -> str:
    """Turn lam-alef ligatures and isolated/final presentation forms into letters (NFKC).

    Only applied when such forms occur: NFKC would otherwise also rewrite characters we
    want to keep, and it is slow.
    """
    if _has_presentation_forms(text):
        return unicodedata.normalize("NFKC", text)
    return text


def strip_tashkeel(text: str) -> str:
    """Remove short vowels, tanween, shadda, sukun, dagger alef and Quranic marks."""
    return text.translate(_STRIP_TASHKEEL)


def strip_tatweel(text: str) -> str:
    """Remove the decorative elongation (مـــصر -> مصر)."""
    return text.translate(_STRIP_TATWEEL)


def normalize_alef(text: str) -> str:
    """أ إ آ ٱ -> ا. Unlike pyarabic's ``normalize_alef`` this leaves ى alone."""
    return text.translate(_ALEF)


def normalize_hamza_carriers(text: str) -> str:
    """ؤ ئ -> ء, so that مسؤول and مسئول are the same word."""
    return text.translate(_HAMZA)


def normalize_ya(text: str) -> str:
    """Final ى and Persian ی -> ي (مستشفى = مستشفي)."""
    return text.translate(_YA)


def normalize_ta_marbuta(text: str) -> str:
    """ة -> ه (المدرسة = المدرسه)."""
    return text.translate(_TA_MARBUTA)


def normalize_persian_letters(text: str) -> str:
    """Persian/Urdu ک ہ ھ -> Arabic ك ه."""
    return text.translate(_PERSIAN_LETTERS)


def normalize_digits(text: str) -> str:
    """Arabic-Indic ١٢٣ and Persian ۱۲۳ digits -> 123."""
    return text.translate(_DIGITS)


def normalize_punctuation(text: str) -> str:
    """Arabic comma ، and thousands separator ٬ -> ``,``; decimal separator ٫ -> ``.``.

    Not one of :data:`STEPS`: tokens hold no punctuation. It serves the parsers of
    written values, such as dates (``الخميس، ١٥ فبراير``).
    """
    return text.translate(_PUNCTUATION)


def lower_latin(text: str) -> str:
    """Lower-case Latin (and any cased script); Arabic has no case."""
    return text.lower()


#: The steps in the order :func:`normalize` applies them. Presentation forms come
#: first because NFKC produces the letters (and hamza forms) the later rules fold.
STEPS = (
    remove_invisible,
    unfold_presentation_forms,
    strip_tashkeel,
    strip_tatweel,
    normalize_alef,
    normalize_hamza_carriers,
    normalize_ya,
    normalize_ta_marbuta,
    normalize_persian_letters,
    normalize_digits,
    lower_latin,
)


def normalize_stepwise(text: str) -> str:
    """Apply :data:`STEPS` one by one: the reference :func:`normalize` must equal."""
    for step in STEPS:
        text = step(text)
    return text


def _combined_table() -> dict[int, str | int | None]:
    table: dict[int, str | int | None] = {}
    for part in (
        _STRIP_INVISIBLE, _STRIP_TASHKEEL, _STRIP_TATWEEL, _ALEF, _HAMZA, _YA,
        _TA_MARBUTA, _PERSIAN_LETTERS, _DIGITS,
    ):
        table.update(part)
    return table


_ALL = str.maketrans(_combined_table())


def normalize(text: str) -> str:
    """Normalise one token (or any text): every rule of :data:`STEPS`, in one pass."""
    if _has_presentation_forms(text):
        text = unicodedata.normalize("NFKC", remove_invisible(text))
    return text.translate(_ALL).lower()
