"""Match levels chosen per query: exact, norm, stem, lemma, root (issue 14)."""

from __future__ import annotations

import pytest

from arsearch.errors import QueryError
from arsearch.search.levels import marks_agree, root_pattern
from tests.search.conftest import ids

ROOT_WORDS = {"kitab", "maktaba", "katib", "yaktubun", "maktub", "kutub"}


@pytest.mark.parametrize("query", ["root:كتب", "جذر:كتب", "root:الكتاب", "جذر:يكتبون"])
def test_root_search_finds_the_roots_words_and_not_kabt(qu_index, query):
    found = ids(qu_index.search(query, per_page=50))
    assert found >= ROOT_WORDS
    assert "kabt" not in found


def test_root_search_lists_what_it_added(qu_index):
    results = qu_index.search("root:كتب")
    assert any(e.startswith("جذر:كتب") for e in results.expansions)


def test_root_search_ranks_the_typed_form_first(qu_index):
    assert qu_index.search("root:مكتبة").hits[0].id == "maktaba"
    assert qu_index.search("root:كاتب").hits[0].id == "katib"


def test_lemma_search_finds_the_broken_plural(qu_index):
    assert {"kitab", "kutub"} <= ids(qu_index.search("lemma:كتاب"))
    assert ids(qu_index.search("مدخل:كتاب")) == ids(qu_index.search("lemma:كتاب"))


def test_stem_stays_the_default(qu_index):
    assert "maktaba" not in ids(qu_index.search("كتاب"))


def test_the_level_argument_applies_to_words_without_a_prefix(qu_index):
    assert ids(qu_index.search("كتب", level="root")) == ids(qu_index.search("root:كتب"))


def test_an_unknown_level_is_a_query_error(qu_index):
    with pytest.raises(QueryError):
        qu_index.search("كتب", level="radical")


def test_an_unknown_word_falls_back_to_the_stem(qu_index):
    assert ids(qu_index.search("root:ترامب")) == ids(qu_index.search("ترامب"))


def test_exact_level_respects_typed_diacritics(qu_index):
    found = ids(qu_index.search("=عَلِمَ"))
    assert "alima" in found and "alm" in found and "ulima" not in found
    assert ids(qu_index.search("exact:عُلِمَ")) == {"ulima", "alm"}


def test_exact_level_matches_the_written_form_only(qu_index):
    assert ids(qu_index.search("exact:الكتب")) == {"kutub"}
    assert ids(qu_index.search("norm:مكتبه")) == {"maktaba"}


def test_marks_agree_with_unvowelled_text_but_not_with_other_vowels():
    assert marks_agree("عَلِمَ", "علم") and marks_agree("عَلِمَ", "عَلِمَ")
    assert not marks_agree("عَلِمَ", "عُلِمَ") and not marks_agree("عَلِمَ", "عالم")
    assert marks_agree("أَكَلَ", "اكل")


def test_root_pattern_keeps_the_radicals_in_order():
    pattern = root_pattern("كتب")
    for stem in ("كتاب", "مكتب", "كاتب", "يكتب", "مكتوب", "استكتاب"):
        assert pattern.fullmatch(stem), stem
    for stem in ("كبت", "بكت", "تكب"):
        assert not pattern.fullmatch(stem), stem
