"""Ranking knobs measured for issue 10: a typed word's stem with the article taken off
or put on (``Weights.articles``, on) and its lemma forms (``Weights.lemmas``, off).
README, "How each choice was made"."""

from __future__ import annotations

import pytest

import arsearch
from arsearch.search.levels import article_stem
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import parse_query
from arsearch.search.weights import Weights

ARTICLES = {
    "al-insan": "خلق الإنسان من طين",
    "insan": "كل إنسان يخطئ",
    "quran": "تلاوة قرآن في المسجد",
    "al-quran": "حفظ القرآن في الصغر",
    "allah": "قال إمام المسجد إن الله غفور",
    "kitab": "صدر كتاب جديد عن تاريخ المدينة",
    "kutub": "نقلت الكتب إلى المخازن",
}


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    where = tmp_path_factory.mktemp("knobs") / "index"
    arsearch.index_documents(where, [arsearch.Document(id=k, title="", body=v)
                                     for k, v in ARTICLES.items()])
    return where


def search(folder, query: str, **weights) -> list[str]:
    with arsearch.open_index(folder, weights=Weights(**weights)) as engine:
        return [h.id for h in engine.search(query).hits]


def test_articles_are_on_and_lemmas_off_by_default():
    assert Weights().lemmas == 0.0
    assert Weights().articles == 1.0


@pytest.mark.parametrize(("query", "typed", "other"), [
    ("إنسان", "insan", "al-insan"), ("الإنسان", "al-insan", "insan"),
    ("القرآن", "al-quran", "quran"), ("قرآن", "quran", "al-quran"),
])
def test_articles_find_the_word_with_or_without_its_article(folder, query, typed, other):
    """Snowball stems الإنسان to انس and إنسان to انسان: apart, unless counted together
    (the default); the typed form first."""
    assert other not in search(folder, query, articles=0.0)
    found = search(folder, query)
    assert found[0] == typed and other in found


def test_a_dictionary_word_keeps_its_article(folder):
    with arsearch.open_index(folder) as engine:
        lex = Lexicon(engine.reader)
        (allah,) = parse_query("الله").words
        assert article_stem(allah, lex) is None  # not له
        (insan,) = parse_query("الإنسان").words
        assert article_stem(insan, lex) == "انسان"


def test_articles_explain_adds_up(folder):
    with arsearch.open_index(folder, weights=Weights(articles=1.0)) as engine:
        top = engine.search("إنسان").hits
        why = engine.explain("إنسان", top[1].id)
        assert sum(p.score for p in why.parts) == pytest.approx(top[1].score, abs=1e-4)


def test_lemmas_add_the_broken_plural_below_the_typed_form(folder):
    assert "kutub" not in search(folder, "كتاب")
    found = search(folder, "كتاب", lemmas=0.3)
    assert found[0] == "kitab" and "kutub" in found
