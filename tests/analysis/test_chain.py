"""The analysis chain: tokenizer, normalisation, stop words, stemming, exact forms."""

from __future__ import annotations

import pickle

import pytest
import snowballstemmer
import Stemmer
from hypothesis import given
from hypothesis import strategies as st

import arsearch
from arsearch.analysis import (
    EXACT,
    ArabicAnalyzer,
    ArabicTokenizer,
    analyze,
    normalize_token,
    query_terms,
    stem,
    stopwords,
)
from arsearch.backends.whoosh.schema import make_schema

VERSE = "بِسْمِ اللَّهِ الرَّحْمَٰنِ الرَّحِيمِ"
VERSE_PLAIN = "بسم الله الرحمن الرحيم"

#: Spellings a reader expects to be the same word.
PAIRS = [
    ("إدلب", "ادلب"),
    ("الأسد", "الاسد"),
    ("مستشفى", "مستشفي"),
    ("المدرسة", "المدرسه"),
    ("الكتاب", "والكتاب"),
    ("الكتاب", "بالكتاب"),
    ("الكتاب", "للكتاب"),
    ("والكتاب", "للكتاب"),
    ("مسؤول", "مسئول"),
    ("١٥", "15"),
    ("۱۵", "15"),
]


def tokens(text: str, analyzer=None) -> list[tuple[str, int, int, int]]:
    """(text, position, start, end) of each token (Whoosh reuses one Token object)."""
    analyzer = analyzer or ArabicAnalyzer()
    return [(t.text, t.pos, t.startchar, t.endchar)
            for t in analyzer(text, positions=True, chars=True)]


def stems_of(text: str) -> list[str]:
    return [s for s, _ in query_terms(text)]


# --- tokenizer --------------------------------------------------------------------------


def test_tokenizer_keeps_harakat_inside_words():
    text = "قَرَأْتُ الكِتَابَ"
    toks = [(t.text, t.startchar, t.endchar)
            for t in ArabicTokenizer()(text, chars=True)]
    assert [t for t, _, _ in toks] == ["قَرَأْتُ", "الكِتَابَ"]
    for word, start, end in toks:
        assert text[start:end] == word


def test_tokenizer_keeps_dagger_alef_and_quranic_marks_inside_words():
    toks = [t.text for t in ArabicTokenizer()(VERSE + "\u06d6")]
    assert toks == VERSE.split(" ")[:-1] + [VERSE.split(" ")[-1] + "\u06d6"]


def test_tokenizer_keeps_invisible_joiners_inside_words():
    assert [t.text for t in ArabicTokenizer()("إد\u200cلب")] == ["إد\u200cلب"]


def test_analyzer_offsets_point_at_original_vowelled_text():
    text = "قَرَأْتُ الكِتَابَ في المَدْرَسَةِ"
    toks = tokens(text)
    spans = {(s, e) for _, _, s, e in toks}
    originals = sorted(text[s:e] for s, e in spans)
    assert originals == sorted(["قَرَأْتُ", "الكِتَابَ", "المَدْرَسَةِ"])
    for word, _, s, e in toks:
        if word.startswith(EXACT):
            assert arsearch.normalize(text[s:e]) == word[1:]


def test_analyze_reports_original_text_and_offsets():
    text = "  قَرَأْتُ الكتابَ"
    result = analyze(text)
    assert [t.text for t in result] == ["قَرَأْتُ", "الكتابَ"]
    assert all(text[t.start:t.end] == t.text for t in result)
    assert result[0].normalized == "قرات"
    assert result[1].normalized == "الكتاب" and result[1].stem == "كتاب"


# --- exact forms ----------------------------------------------------------------------


def test_exact_form_emitted_at_same_position_as_stem():
    toks = tokens("والكتاب المدرسة")
    assert toks == [
        ("كتاب", 0, 0, 7), (EXACT + "والكتاب", 0, 0, 7),
        ("مدرس", 1, 8, 15), (EXACT + "المدرسه", 1, 8, 15),
    ]


def test_without_exact_only_stems():
    assert [t for t, *_ in tokens("والكتاب المدرسة", ArabicAnalyzer(exact=False))] == [
        "كتاب", "مدرس"]


# --- stems ------------------------------------------------------------------------------


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_pairs_have_same_stem_and_exact_form_folding(a, b):
    assert stems_of(a) == stems_of(b)
    assert len(stems_of(a)) == 1


def test_vowelled_verse_analyses_like_plain_verse():
    assert query_terms(VERSE) == query_terms(VERSE_PLAIN)
    assert len(query_terms(VERSE)) == 4


def test_conjunction_before_article_removed_before_snowball():
    assert stem("والكتاب") == stem("فالكتاب") == stem("الكتاب")
    assert stem("فالمدرسه") == stem("المدرسه")
    # و that is part of a short word is not a conjunction: والد (father) keeps it
    from arsearch.analysis.stem import CONJ_ARTICLE

    assert CONJ_ARTICLE.sub("", "والد") == "والد"
    assert CONJ_ARTICLE.sub("", "والكتاب") == "الكتاب"


def test_non_arabic_words_unchanged_by_stemmer():
    assert stem("bbc") == "bbc"
    assert stem("2018") == "2018"


def test_stemmer_is_pystemmer():
    assert isinstance(snowballstemmer.stemmer("arabic"), Stemmer.Stemmer)
    from arsearch.analysis.stem import _snowball

    assert isinstance(_snowball(), Stemmer.Stemmer)


# --- stop words --------------------------------------------------------------------------


@pytest.mark.parametrize("word", ["ما", "من", "في", "على", "هل", "كم", "الذي"])
def test_stop_words(word):
    assert arsearch.normalize(word) in stopwords()
    assert query_terms(word) == []
    assert [t.stopword for t in analyze(word)] == [True]


@pytest.mark.parametrize("word", ["بماذا", "فلماذا", "وكيف", "فهل", "بأي", "بمن", "والتي"])
def test_question_words_with_a_prefix_are_stop_words(word):
    """بماذا is ماذا with ب: without it, بماذا stemmed to ماذ and matched فماذا."""
    assert query_terms(word) == []


def test_content_words_are_not_stop_words():
    for word in ("إدلب", "مستشفى", "الكتاب", "داعش", "كهل", "كائن", "ولي"):
        assert query_terms(word), word


def test_stop_filter_renumbers_positions():
    positions = [p for t, p, *_ in tokens("الجيش في إدلب") if not t.startswith(EXACT)]
    assert positions == [0, 1]


# --- pickling ---------------------------------------------------------------------------


def test_analyzer_pickles():
    analyzer = ArabicAnalyzer()
    clone = pickle.loads(pickle.dumps(analyzer))
    text = "قَرَأْتُ الكتابَ في المدرسة"
    assert tokens(text, clone) == tokens(text, analyzer)


def test_schema_pickles():
    schema = make_schema()
    clone = pickle.loads(pickle.dumps(schema))
    assert clone.names() == schema.names()
    assert tokens("والكتاب", clone["body"].analyzer) == tokens("والكتاب", ArabicAnalyzer())


# --- through an index --------------------------------------------------------------------

FORMS = sorted({w for pair in PAIRS for w in pair})


@pytest.fixture(scope="module")
def variants_engine(tmp_path_factory):
    """One document per spelling, plus the verse vowelled and plain, plus noise."""
    docs = [arsearch.Document(id=f"form-{i}", title="", body=f"نص يذكر {form} هنا")
            for i, form in enumerate(FORMS)]
    docs.append(arsearch.Document(id="verse-vowelled", title="", body=VERSE))
    docs.append(arsearch.Document(id="verse-plain", title="", body=VERSE_PLAIN))
    docs.append(arsearch.Document(id="noise", title="", body="خبر عن الطقس والرياح"))
    folder = tmp_path_factory.mktemp("variants")
    report = arsearch.index_documents(folder, docs)
    assert report.documents == len(docs)
    engine = arsearch.open_index(folder)
    yield engine
    engine.close()


def hit_ids(engine, query: str) -> set[str]:
    results = engine.search(query, per_page=100)
    assert results.total == len(results.hits)
    return {h.id for h in results.hits}


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_pairs_find_the_same_documents(variants_engine, a, b):
    ids_a, ids_b = hit_ids(variants_engine, a), hit_ids(variants_engine, b)
    assert ids_a == ids_b
    assert {f"form-{FORMS.index(a)}", f"form-{FORMS.index(b)}"} <= ids_a
    assert "noise" not in ids_a


@pytest.mark.parametrize("query", [VERSE, VERSE_PLAIN])
def test_verse_vowelled_and_plain_find_each_other(variants_engine, query):
    assert hit_ids(variants_engine, f'"{query}"') == {"verse-vowelled", "verse-plain"}
    assert {"verse-vowelled", "verse-plain"} <= hit_ids(variants_engine, query)


@pytest.mark.parametrize(("a", "b"), [
    ("الجامعة", "جامعة"), ("الحكومات", "حكومات"), ("الجامعات", "جامعة"),
    ("المدرسه", "مدرسة"),
])
def test_definite_and_bare_forms_share_a_stem(a, b):
    # Snowball alone gives الجامعة -> جامعه but جامعة -> جامع
    assert stem(normalize_token(a)) == stem(normalize_token(b))


# --- the fused indexing path ------------------------------------------------------------

def _chain_positions(analyzer, text: str) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    for t in analyzer(text, positions=True, mode="index"):
        out.setdefault(t.text, []).append(t.pos)
    return out


_PIECES = ["في", "من", "إِدْلِبَ", "ـــ", "\u064e", "المدرسة", "والمدارس", "كتاب", "Idlib",
           "٢٠١٨", "،", " ", "\u200f", "هل", "ﻻ", "قال", "الذي", "للكتاب", "a", "!"]


@given(st.lists(st.sampled_from(_PIECES), max_size=40).map(" ".join))
def test_index_positions_equals_the_chain(text):
    from arsearch.analysis import ArabicAnalyzer, index_positions

    for exact in (True, False):
        analyzer = ArabicAnalyzer(exact)
        assert index_positions(analyzer, text) == _chain_positions(analyzer, text)


def test_index_positions_equals_the_chain_on_the_sample(sample_docs):
    from arsearch.analysis import ArabicAnalyzer, index_positions

    analyzer = ArabicAnalyzer()
    for doc in sample_docs:
        for text in (doc.title or "", doc.body):
            assert index_positions(analyzer, text) == _chain_positions(analyzer, text)


def test_index_positions_declines_other_analyzers():
    from whoosh.analysis import StandardAnalyzer

    from arsearch.analysis import ArabicTokenizer, NormalizeFilter, index_positions

    assert index_positions(StandardAnalyzer(), "text") is None
    assert index_positions(ArabicTokenizer() | NormalizeFilter(), "نص") is None


def test_c_and_pure_python_snowball_stem_alike(sample_docs):
    """PyStemmer (C) is the fast path; snowballstemmer (pure Python, the fallback) is the
    reference: the same algorithm must give the same stems on real text."""
    from arsearch.analysis.stem import _make_stemmer

    fast, slow = _make_stemmer(), _make_stemmer(prefer_c=False)
    assert type(fast).__module__ != type(slow).__module__
    words = sorted({t.normalized for d in sample_docs for t in arsearch.analyze(d.body)
                    if not t.stopword})
    assert len(words) > 500
    assert [fast.stemWord(w) for w in words] == [slow.stemWord(w) for w in words]
