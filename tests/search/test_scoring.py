"""The scoring policy: BM25F by hand, explain adds up, queries never break ranking."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import arsearch
from arsearch.analysis.synonyms import _bundled
from arsearch.errors import DocumentNotFoundError, QueryError
from arsearch.search.weights import Weights

# -- BM25F, computed by hand -------------------------------------------------------------

# Words chosen to be their own stems and not stop words, so that every token is one term
# with no exact twin: the field lengths below are then plain token counts.
DOCS = [
    arsearch.Document(id="t", title="ثلج", body="جبل نهر سهل"),
    arsearch.Document(id="b", title="", body="ثلج ثلج جبل"),
    arsearch.Document(id="n", title="سهل", body="نهر سهل"),
]


@pytest.fixture(scope="module")
def hand(tmp_path_factory):
    folder = tmp_path_factory.mktemp("bm25f")
    arsearch.index_documents(folder, DOCS)
    return folder


def test_words_of_the_hand_index_are_their_own_stems():
    for word in ("ثلج", "جبل", "نهر", "سهل"):
        [token] = arsearch.analyze(word)
        assert token.stem == word and not token.stopword


def hand_bm25f(k1, b, title, title_b, docs, word):
    """BM25F of ``word`` for each document, from the formula (no index involved)."""
    n = len(docs)
    lengths = {f: [len(getattr(d, f).split()) for d in docs] for f in ("title", "body")}
    avg = {f: sum(v) / n for f, v in lengths.items()}
    df = sum(1 for d in docs if word in d.title.split() or word in d.body.split())
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))
    out = {}
    for i, d in enumerate(docs):
        tf = 0.0
        for f, weight, fb in (("title", title, title_b), ("body", 1.0, b)):
            norm = 1 - fb + fb * lengths[f][i] / avg[f]
            tf += weight * getattr(d, f).split().count(word) / norm
        if tf:
            out[d.id] = idf * tf * (k1 + 1) / (tf + k1)
    return out


@pytest.mark.parametrize("weights", [
    Weights(lead=0, all_words_first=0),
    Weights(lead=0, all_words_first=0, title=3.0, title_b=0.3, b=0.9, k1=2.0),
])
@pytest.mark.parametrize("word", ["ثلج", "سهل", "جبل"])
def test_bm25f_score_equals_the_hand_computation(hand, weights, word):
    expected = hand_bm25f(weights.k1, weights.b, weights.title, weights.title_b, DOCS, word)
    with arsearch.open_index(hand, weights=weights) as engine:
        got = dict(engine.ranked_ids(word, 10))
    assert got.keys() == expected.keys()
    for doc_id, score in expected.items():
        assert got[doc_id] == pytest.approx(score, rel=1e-5)


def test_bm25f_saturates_title_and_body_together(hand):
    """A one-word title is evidence, not a trump: two body occurrences can beat it."""
    weights = Weights(lead=0, all_words_first=0, title=2.0)
    with arsearch.open_index(hand, weights=weights) as engine:
        ranked = [d for d, _ in engine.ranked_ids("ثلج", 10)]
    # the hand computation says which wins; the engine must agree with it
    expected = hand_bm25f(1.2, weights.b, 2.0, weights.title_b, DOCS, "ثلج")
    assert ranked == sorted(expected, key=expected.get, reverse=True)


def test_sum_of_fields_model_is_still_available(hand):
    with arsearch.open_index(hand, weights=Weights(fields="sum", lead=0)) as engine:
        assert {d for d, _ in engine.ranked_ids("ثلج", 10)} == {"t", "b"}


# -- explain -------------------------------------------------------------------------------

QUERIES = ["داعش إدلب", "نهاية داعش في ريف إدلب", '"الجيش الحر"', "مستشفى الأطفال",
           "ترامب OR ترمب", "تونس -كرة", "title:إدلب", "البرلمان العراقي قانون الموازنة",
           'تنظيم "الدولة الإسلامية" في سوريا']


@pytest.mark.parametrize("query", QUERIES)
def test_explain_parts_add_up_to_the_search_score(engine, query):
    results = engine.search(query, per_page=10)
    assert results.hits or query.startswith("title:")
    for rank, hit in enumerate(results.hits, 1):
        x = engine.explain(query, hit.id)
        assert x.matches and x.rank == rank and x.total == results.total
        assert x.score == pytest.approx(hit.score, rel=1e-6)
        assert round(x.score, 6) == hit.to_dict()["score"]  # what search --json prints
        assert sum(p.score for p in x.parts) == pytest.approx(x.score, rel=1e-4, abs=1e-4)
        assert all(p.score > 0 for p in x.parts)


def test_explain_names_the_fields_of_each_word(engine):
    results = engine.search("إدلب", per_page=3)
    x = engine.explain("إدلب", results.hits[0].id)
    words = [p for p in x.parts if p.kind in ("stem", "exact")]
    assert words and all(p.fields and sum(p.fields.values()) == pytest.approx(1.0)
                         for p in words)


def test_explain_of_a_document_that_does_not_match(engine):
    x = engine.explain("داعش", "txt/03_tunis_football.txt")
    assert not x.matches and x.rank is None and x.score == 0 and x.parts == []


@pytest.fixture(scope="module")
def why_index(tmp_path_factory):
    from arsearch.ingest import Document

    folder = tmp_path_factory.mktemp("why") / "ix"
    arsearch.index_documents(folder, [
        Document(id="a", title="داعش", body="داعش في إدلب", source="الجزيرة"),
        Document(id="b", title="كرة", body="مباراة كرة القدم"),
    ])
    with arsearch.open_index(folder) as engine:
        yield engine


@pytest.mark.parametrize(("query", "doc_id", "reason"), [
    ("داعش -إدلب", "a", "it contains an excluded word: إدلب"),
    ("داعش source:العربية", "a", "a filter leaves it out"),
    ("داعش date:2019", "a", "a filter leaves it out"),
    ('"إدلب داعش"', "a", "it lacks the quoted phrase «إدلب داعش»"),
    ("داعش", "b", "no word of the query is in it"),
])
def test_explain_of_a_document_that_is_not_a_result_says_why(why_index, query, doc_id,
                                                              reason):
    x = why_index.explain(query, doc_id)
    assert not x.matches and x.reason.startswith(reason)
    assert x.to_dict()["reason"] == x.reason and x.reason_arabic
    assert why_index.explain("داعش", "a").reason == ""


def test_explain_unknown_id_and_bad_query_raise_library_errors(engine):
    with pytest.raises(DocumentNotFoundError):
        engine.explain("داعش", "no-such-id")
    with pytest.raises(QueryError):
        engine.explain("x" * 10_000, "txt/03_tunis_football.txt")


def test_explain_shows_the_phrase_tier_and_synonyms(sample_index):
    # the tier is Weights(phrases="tier"); by default quotes are a requirement
    engine = arsearch.open_index(sample_index, weights=Weights(phrases="tier"))
    query = '"الجيش الحر" داعش'
    top = engine.search(query).hits[0]
    kinds = {p.kind for p in engine.explain(query, top.id).parts}
    assert "phrase tier" in kinds and "stem" in kinds


# -- queries never break ranking -------------------------------------------------------------

ENTRIES = sorted({e for group in _bundled() for e in group})
QUOTES = [('"', '"'), ("«", "»"), ("“", "”"), ("„", "“")]


@st.composite
def queries(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(1, 5))):
        kind = draw(st.sampled_from(["entry", "quoted", "word", "op", "field", "date"]))
        entry = draw(st.sampled_from(ENTRIES))
        if kind == "entry":
            parts.append(entry)
        elif kind == "quoted":
            left, right = draw(st.sampled_from(QUOTES))
            parts.append(f"{left}{entry}{right}")
        elif kind == "word":
            parts.append(draw(st.sampled_from(["في", "سوريا", "-إدلب", "NOT", "ليس", "x"])))
        elif kind == "op":
            parts.append(draw(st.sampled_from(["OR", "أو", "AND", "|", "-", '"'])))
        elif kind == "field":
            field = draw(st.sampled_from(["title", "body", "source", "category", "foo"]))
            parts.append(f"{field}:{entry.split()[0]}")
        else:
            parts.append(draw(st.sampled_from(["date:2018", "date:2018..2019",
                                               "date:>2020-01-01", "date:<2019"])))
    return " ".join(parts)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(queries())
def test_synonym_phrases_operators_and_fields_never_raise(engine, query):
    results = engine.search(query, per_page=5)
    assert results.total >= len(results.hits)
    for hit in results.hits[:2]:
        x = engine.explain(query, hit.id)
        assert sum(p.score for p in x.parts) == pytest.approx(x.score, rel=1e-4, abs=1e-4)
    assert isinstance(engine.ranked_ids(query, 10), list)


def test_quoted_synonym_entry_next_to_words_is_searched(engine):
    """AFP's spelling: a quoted phrase that is also a synonym entry, beside other words."""
    results = engine.search('تنظيم "الدولة الإسلامية" في سوريا')
    assert results.total >= 0
    assert "داعش" in results.expansions or "تنظيم الدولة" in results.expansions


def test_phrase_documents_are_where_the_stems_stand_in_a_row(engine):
    """The vectorised phrase check finds exactly the documents a position-by-position
    walk finds, for every pair of consecutive stems of the sample's bodies."""
    import numpy as np

    from arsearch.search.bm25 import BM25F

    reader = engine.reader
    ranker = BM25F(reader)
    everyone = np.arange(reader.size)
    pairs = set()
    for d in range(reader.size):
        stems = [t.stem for t in arsearch.analyze(reader.stored(d).get("body") or "")
                 if not t.stopword][:60]
        pairs.update(zip(stems, stems[1:], strict=False))
    assert len(pairs) > 500
    for pair in sorted(pairs)[::7]:
        per_term = [reader.positions("body", s, everyone) for s in pair]
        walked = [d for d in range(reader.size)
                  if per_term[0][d] and per_term[1][d]
                  and {p - 1 for p in per_term[1][d]} & set(per_term[0][d])]
        assert ranker.phrase_docs("body", list(pair)).tolist() == walked, pair


@pytest.mark.parametrize("query", ["date:2019", "-إدلب", "source:العربية", "في"])
def test_explain_ranks_a_document_where_search_lists_it(engine, query):
    """A query without a word to rank by lists its results newest first: explain gives
    each document that place (it gave the place by score, all scores being 0)."""
    results = engine.search(query, per_page=100)
    assert results.sorted_by == "date" and results.total > 2
    for rank, hit in enumerate(results.hits, 1):
        x = engine.explain(query, hit.id)
        assert (x.rank, x.total, x.sorted_by) == (rank, results.total, "date")
        assert x.to_dict()["score"] == hit.to_dict()["score"]


def test_scores_have_one_precision_in_search_api_and_explain(engine):
    from arsearch.search.results import SCORE_DECIMALS

    hit = engine.search("داعش إدلب").hits[0]
    x = engine.explain("داعش إدلب", hit.id)
    assert x.to_dict()["score"] == hit.to_dict()["score"] == round(hit.score, SCORE_DECIMALS)
    assert x.sorted_by == "relevance" and x.rank == 1


#: داعش's entries overlap: a document naming "تنظيم الدولة الإسلامية" holds all three.
OVERLAP = [
    arsearch.Document(id="long-name", title="تنظيم الدولة الإسلامية يعلن",
                      body="قال تنظيم الدولة الإسلامية إن تنظيم الدولة الإسلامية باق. "
                           "وأضاف أن الدولة الإسلامية ستقاتل"),
    arsearch.Document(id="both-words", title="داعش في إدلب",
                      body="هاجم داعش مواقع قرب إدلب صباح اليوم"),
    arsearch.Document(id="filler-1", title="", body="أخبار الطقس في دمشق اليوم"),
    arsearch.Document(id="filler-2", title="", body="الدولة تبني مدارس جديدة"),
    arsearch.Document(id="filler-3", title="", body="إدلب تستقبل المساعدات"),
]


@pytest.fixture(scope="module")
def overlap(tmp_path_factory):
    folder = tmp_path_factory.mktemp("overlap")
    arsearch.index_documents(folder, OVERLAP)
    return folder


def test_a_words_synonyms_count_as_their_best_one(overlap):
    """The old rule added each overlapping entry's words (the synonym parts of one
    article came to four times the typed word): a document naming ISIS at length, without
    إدلب, outranked one with both words. Now the synonyms add their best entry only."""
    with arsearch.open_index(overlap) as engine:
        assert [h.id for h in engine.search("داعش إدلب").hits][:2] == ["both-words",
                                                                        "long-name"]
        x = engine.explain("داعش إدلب", "long-name")
        terms = [p.term for p in x.parts if p.kind == "synonym"]
        assert len(terms) == len(set(terms)) == 5  # one entry: 3 stems, 2 exact forms
        assert sum(p.score for p in x.parts) == pytest.approx(x.score, rel=1e-5)
        lead = next(p.score for p in x.parts if p.kind == "lead")
        assert lead < 0.6 * next(p.score for p in engine.explain(
            "تنظيم الدولة الإسلامية إدلب", "long-name").parts if p.kind == "lead")
    with arsearch.open_index(overlap, weights=Weights(synonym_group="sum")) as old:
        assert [h.id for h in old.search("داعش إدلب").hits][0] == "long-name"
