"""Latin-script names and the wrong keyboard layout (issue 14)."""

from __future__ import annotations

from arsearch.search.keyboard import to_arabic, to_latin
from arsearch.search.lexicon import Lexicon
from arsearch.search.translit import arabic_forms
from tests.search.conftest import ids


def test_latin_names_find_their_arabic_forms(qu_index):
    lex = Lexicon(qu_index.reader)
    assert "ادلب" in arabic_forms("idlib", lex)
    assert "ترامب" in arabic_forms("Trump", lex)
    assert "اردوغان" in arabic_forms("erdogan", lex)
    assert "مصر" not in arabic_forms("egypt", lex)  # an exonym the index lacks


def test_a_latin_query_lists_the_arabic_forms_it_searched(qu_index):
    results = qu_index.search("idlib")
    assert "idlib" in ids(results) and "ادلب" in results.expansions


def test_mixed_latin_and_arabic_queries_keep_working(qu_index):
    assert ids(qu_index.search("idlib سوريا")) >= {"idlib"}


def test_keyboard_layouts_convert_both_ways():
    assert to_arabic("hgsdhsm") == "السياسة"
    assert to_latin("شسيبلا") == "asdfgh"


def test_wrong_layout_is_offered_converted(qu_index):
    assert qu_index.search("hgsdhsm").suggestion == "السياسة"
    assert qu_index.search("شسيبلا").suggestion == "asdfgh"


def test_real_words_are_not_converted(qu_index):
    assert qu_index.search("السياسة").suggestion is None
    assert qu_index.search("covid").suggestion is None


def test_a_fuzzy_latin_name_still_finds_its_arabic_forms(qu_index):
    assert {"trump", "bi-trump"} <= ids(qu_index.search("trump~"))
    assert ids(qu_index.search("trump~")) >= ids(qu_index.search("trump"))
