"""Arabic-aware spelling tolerance (issue 14)."""

from __future__ import annotations

from arsearch.search.lexicon import Lexicon
from arsearch.search.spelling import best_correction, cost
from tests.search.conftest import ids


def test_common_confusions_cost_less_than_other_edits():
    assert cost("الظابط", "الضابط") < cost("الكابط", "الضابط")
    assert cost("ذهب", "زهب") < cost("ذهب", "كهب")
    assert cost("الضابط", "ضابط") < 1.0  # the article dropped


def test_a_misspelt_word_is_corrected_from_the_index(qu_index):
    lex = Lexicon(qu_index.reader)
    assert best_correction("الظابط", lex) == "الضابط"
    assert qu_index.search("الظابط").suggestion == "الضابط"


def test_short_words_and_gibberish_get_no_correction(qu_index):
    lex = Lexicon(qu_index.reader)
    assert best_correction("ظبط", lex) is None  # three letters: never changed
    for junk in ("خهحجدكم", "ثقفغعهخ", "qwrtzp"):
        assert best_correction(junk, lex) is None


def test_fuzzy_mode_is_opt_in(qu_index):
    assert not ids(qu_index.search("الظابط"))
    assert {"dabit", "dabit2", "dabit3"} <= ids(qu_index.search("الظابط~"))
    assert ids(qu_index.search("الظابط", level="fuzzy")) == ids(qu_index.search("الظابط~"))


def test_a_suggestion_replaces_the_misspelt_word_not_a_word_containing_it(tmp_path):
    import arsearch
    from arsearch.ingest import Document

    docs = [Document(id=f"a{i}", title="خبر", body=f"الميزانية الحكومية {i}") for i in range(8)]
    docs += [Document(id=f"b{i}", title="خبر", body=f"قالت الحكومة إن الحكم نهائي {i}")
             for i in range(8)]
    arsearch.index_documents(tmp_path / "ix", docs)
    with arsearch.open_index(tmp_path / "ix") as engine:
        # الحكوم is inside الحكومية: the suggestion once read "الحكمية الحكوم"
        suggestion = engine.search("الحكومية الحكوم").suggestion
        assert suggestion is not None and suggestion.startswith("الحكومية ")
        assert suggestion != "الحكومية الحكوم"
