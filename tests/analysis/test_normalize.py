"""Normalisation rules: one test per rule, plus the combined fast path."""

from __future__ import annotations

import importlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from arsearch.analysis.normalize import normalize, normalize_stepwise

# the package re-exports the function ``normalize``, which shadows the module attribute
n = importlib.import_module("arsearch.analysis.normalize")


def test_strip_tashkeel_harakat_tanween_shadda_sukun():
    assert n.strip_tashkeel("قَرَأْتُ") == "قرأت"
    assert n.strip_tashkeel("كتابًا مُحَمَّدٌ") == "كتابا محمد"


def test_strip_tashkeel_dagger_alef_and_quranic_marks():
    assert n.strip_tashkeel("الرَّحْمَٰنِ") == "الرحمن"  # U+0670 dagger alef
    assert n.strip_tashkeel("هٰذا") == "هذا"
    assert n.strip_tashkeel("صلى الله عليه وسلم\u0610") == "صلى الله عليه وسلم"
    # Quranic annotation marks: small high ligatures, end-of-ayah pause marks
    assert n.strip_tashkeel("الْكِتَابُ\u06d6 لَا\u06da رَيْبَ\u06db") == "الكتاب لا ريب"
    assert n.strip_tashkeel("\u06e1\u06ecقل") == "قل"


def test_strip_tashkeel_keeps_letters():
    letters = "ابتثجحخدذرزسشصضطظعغفقكلمنهوي"
    assert n.strip_tashkeel(letters) == letters


def test_strip_tatweel():
    assert n.strip_tatweel("مـــصر") == "مصر"


@pytest.mark.parametrize("form", ["أ", "إ", "آ", "ٱ"])
def test_normalize_alef_forms(form):
    assert n.normalize_alef(form + "حمد") == "احمد"


def test_normalize_alef_leaves_alef_maqsura():
    # pyarabic's normalize_alef folds ى to ا: ours must not (مستشفى is not مستشفا)
    assert n.normalize_alef("مستشفى") == "مستشفى"
    assert normalize("مستشفى") != "مستشفا"


def test_normalize_ya_alef_maqsura():
    assert n.normalize_ya("مستشفى") == "مستشفي"
    assert normalize("على") == normalize("علي") == "علي"


def test_normalize_ta_marbuta():
    assert n.normalize_ta_marbuta("المدرسة") == "المدرسه"
    assert normalize("المدرسة") == normalize("المدرسه")


def test_normalize_hamza_carriers():
    assert n.normalize_hamza_carriers("مسؤول") == "مسءول"
    assert n.normalize_hamza_carriers("مسئول") == "مسءول"
    assert normalize("مسؤول") == normalize("مسئول")
    assert normalize("رئيس") == normalize("رءيس")


def test_lam_alef_ligature_and_presentation_forms():
    assert n.unfold_presentation_forms("ﻻ") == "لا"
    assert normalize("ﻻ") == "لا"
    assert normalize("ﻷ") == "لا"  # lam-alef with hamza above -> lam + bare alef
    # isolated/final presentation forms of ordinary letters
    assert normalize("ﺑﺴﻢ") == "بسم"
    assert normalize("ﷲ") == "الله"  # the Allah ligature U+FDF2 (NFKC gives الله)


def test_unfold_presentation_forms_leaves_plain_text_alone():
    # NFKC would rewrite e.g. the "fi" ligature or superscripts; without Arabic
    # presentation forms nothing is touched
    assert n.unfold_presentation_forms("ﬁ²") == "ﬁ²"


@pytest.mark.parametrize("digits", ["١٥", "۱۵", "15"])
def test_digits(digits):
    assert normalize(digits) == "15"


def test_all_digits():
    assert n.normalize_digits("٠١٢٣٤٥٦٧٨٩") == "0123456789"
    assert n.normalize_digits("۰۱۲۳۴۵۶۷۸۹") == "0123456789"


def test_persian_letters():
    assert normalize("ی") == "ي"  # Persian ya U+06CC
    assert normalize("ک") == "ك"  # keheh U+06A9
    assert normalize("کتاب") == "كتاب"
    assert n.normalize_persian_letters("ہ") == "ه"


@pytest.mark.parametrize("mark", ["\u200b", "\u200c", "\u200d", "\u200e", "\u200f",
                                  "\u202b", "\u202c", "\u2066", "\u2069", "\u00ad",
                                  "\u061c", "\ufeff"])
def test_invisible_removed(mark):
    assert n.remove_invisible(f"إد{mark}لب") == "إدلب"
    assert normalize(f"إد{mark}لب") == "ادلب"


def test_latin_lower_cased():
    assert n.lower_latin("BBC CNN") == "bbc cnn"
    assert normalize("COVID-19") == "covid-19"


def test_normalize_combined_example():
    assert normalize("\u200fإِدْلِــب١٥") == "ادلب15"


def test_normalize_punctuation_arabic_comma_and_separators():
    assert n.normalize_punctuation("الخميس، ١٢٬٥٠٠٫٧٥") == "الخميس, ١٢,٥٠٠.٧٥"
    assert n.normalize_punctuation("a,b.c") == "a,b.c"


def test_steps_cover_every_rule():
    names = {f.__name__ for f in n.STEPS}
    assert {"strip_tashkeel", "strip_tatweel", "normalize_alef", "normalize_hamza_carriers",
            "normalize_ya", "normalize_ta_marbuta", "normalize_digits", "remove_invisible",
            "unfold_presentation_forms", "normalize_persian_letters", "lower_latin"} <= names


ARABIC_BLOCKS = st.characters(min_codepoint=0x0600, max_codepoint=0x06FF)
PRESENTATION = st.characters(min_codepoint=0xFB50, max_codepoint=0xFEFF)
ARABICISH = st.text(st.one_of(ARABIC_BLOCKS, PRESENTATION, st.sampled_from(n.INVISIBLE),
                              st.characters()))


@given(st.text())
def test_normalize_equals_stepwise(text):
    assert normalize(text) == normalize_stepwise(text)


@given(ARABICISH)
def test_normalize_equals_stepwise_arabic(text):
    assert normalize(text) == normalize_stepwise(text)


@given(st.text())
def test_normalize_idempotent(text):
    once = normalize(text)
    assert normalize(once) == once


@given(ARABICISH)
def test_normalize_idempotent_arabic(text):
    once = normalize(text)
    assert normalize(once) == once


# --- against pyarabic (the design card's reference library) ----------------------------


def test_every_pyarabic_tashkeel_mark_is_stripped():
    from pyarabic import araby

    marks = "".join(araby.TASHKEEL) + araby.TATWEEL
    assert normalize("ك" + marks + "تب") == "كتب"


def test_pyarabic_hamza_default_is_the_trap_we_avoid():
    from pyarabic import araby

    # pyarabic folds every hamza form to ء (إدلب -> ءدلب); we fold alef forms to ا
    assert araby.normalize_hamza("إدلب") != normalize("إدلب") == "ادلب"
    # and its normalize_alef turns ى into ا, which we keep apart as ي
    assert normalize("مستشفى") == "مستشفي"
