"""Searching: ranking, syntax, filters, pagination, facets, snippets, suggestions, API."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import arsearch
from arsearch.errors import QueryError
from arsearch.ingest import Document
from arsearch.search.engine import MAX_QUERY_CHARS
from arsearch.search.weights import Weights

VOWELLED = "حَضَرْتُ الدَّرْسَ فِي المَدْرَسَةِ صَبَاحًا"

TINY = [
    # exact form vs stem only: identical but for the form of one word
    Document(id="exact-plain", title="", body="قرأ الطالب الكتاب أمس"),
    Document(id="exact-lil", title="", body="قرأ الطالب للكتاب أمس"),
    # all words first: a document rich in one word vs one holding both
    Document(id="one-word-many", title="الزلزال الزلزال",
             body="الزلزال الزلزال الزلزال ضرب المنطقة الزلزال"),
    Document(id="both-words", title="", body="تقرير طويل عن آثار الزلزال في مدينة أنطاكية "
             "وما خلفه من دمار في الأحياء القديمة والأسواق"),
    # phrases: the words together, apart and reversed
    Document(id="phrase-yes", title="", body="قال قائد الجيش الحر في بيان"),
    Document(id="phrase-apart", title="", body="الجيش النظامي يقاتل وبقي الحر شديدا"),
    Document(id="phrase-reversed", title="", body="الحر الجيش كلمات مقلوبة"),
    # snippets
    Document(id="xss", title="<b>عنوان</b> خطير",
             body="<script>alert(1)</script> خبر عن القرصنة & الاختراق"),
    Document(id="vowelled", title="", body=VOWELLED),
]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    arsearch.index_documents(folder, TINY)
    engine = arsearch.open_index(folder)
    yield engine
    engine.close()


def ids(results) -> list[str]:
    return [h.id for h in results.hits]


def everything(engine, query: str, **kw) -> list:
    results = engine.search(query, per_page=100, **kw)
    assert results.total == len(results.hits) <= 100
    return results.hits


# --- ranking --------------------------------------------------------------------------


@pytest.mark.parametrize(("query", "doc_id"), [
    ("مكتبة تاريخية تمبكتو", "SAMPLE-culture-11-20201005"),
    ("البرلمان العراقي قانون الموازنة", "SAMPLE-politic-1-20190405"),
    ("محمد صلاح ليفربول", "SAMPLE-sport-10-20200821"),
    ("افتتاح مستشفى لعلاج الأطفال", "txt/05_hospital_health.txt"),
    ("نهاية داعش في ريف إدلب", "seed/000_f4303bb32ac63e1e.txt"),
])
def test_title_words_rank_that_document_first(engine, query, doc_id):
    results = engine.search(query)
    assert results.hits[0].id == doc_id
    scores = [h.score for h in results.hits]
    assert scores == sorted(scores, reverse=True)


def test_readme_query_finds_idlib_articles(engine):
    results = engine.search("داعش إدلب")
    assert results.hits[0].id == "seed/000_f4303bb32ac63e1e.txt"
    assert "txt/01_idlib_politics.txt" in ids(results)
    assert results.total == len(results.hits)


def test_exact_form_ranks_above_stem_only(tiny):
    assert ids(tiny.search("الكتاب"))[:2] == ["exact-plain", "exact-lil"]
    assert ids(tiny.search("للكتاب"))[:2] == ["exact-lil", "exact-plain"]
    a, b = tiny.search("الكتاب").hits[:2]
    assert a.score > b.score


def test_all_words_first_for_short_queries_when_asked(tiny):
    assert Weights().all_words_first == 0  # off by default: measured worse (README)
    with arsearch.Engine(tiny.folder, weights=Weights(all_words_first=4)) as engine:
        assert engine.search("الزلزال").hits[0].id == "one-word-many"
        results = engine.search("الزلزال أنطاكية")
        assert ids(results)[0] == "both-words"
        assert "one-word-many" in ids(results)  # still found, ranked below
        x = engine.explain("الزلزال أنطاكية", "both-words")
        assert "all-words tier" in {p.kind for p in x.parts}


def test_a_rare_word_outweighs_repeating_a_common_one(tiny):
    """BM25F alone ranks the document with both words first: the one-word document's
    four body and two title occurrences saturate together."""
    results = tiny.search("الزلزال أنطاكية")
    assert ids(results)[:2] == ["both-words", "one-word-many"]


def test_no_match_is_empty(engine):
    results = engine.search("بطريقالقطبالجنوبي")
    assert results.total == 0 and results.hits == [] and results.pages == 1


# --- syntax ------------------------------------------------------------------------------


@pytest.mark.parametrize("quoted", ['"الجيش الحر"', "«الجيش الحر»", "“الجيش الحر”"])
def test_phrase_matches_rank_first(tiny, quoted):
    assert set(ids(tiny.search("الجيش الحر"))) >= {"phrase-yes", "phrase-apart",
                                                   "phrase-reversed"}
    with arsearch.Engine(tiny.folder, weights=Weights(phrases="tier")) as tiered:
        found = ids(tiered.search(quoted))
    assert found[0] == "phrase-yes"
    assert set(found[1:]) >= {"phrase-apart", "phrase-reversed"}


@pytest.mark.parametrize("quoted", ['"الجيش الحر"', "«الجيش الحر»", "“الجيش الحر”"])
def test_quotes_are_a_requirement_by_default(tiny, quoted):
    results = tiny.search(quoted)
    assert ids(results) == ["phrase-yes"] and results.total == 1


@pytest.mark.parametrize("quoted", ['"الجيش الحر"', "«الجيش الحر»"])
def test_phrase_filter_mode_returns_only_the_phrase(tiny, quoted):
    with arsearch.Engine(tiny.folder, weights=Weights(phrases="filter")) as strict:
        assert ids(strict.search(quoted)) == ["phrase-yes"]


@pytest.mark.parametrize("quoted", ['"ريف إدلب"', "«ريف إدلب»", "“ريف إدلب”"])
def test_phrase_on_sample(engine, quoted):
    with arsearch.Engine(engine.folder, weights=Weights(phrases="tier")) as tiered:
        hits = everything(tiered, quoted)
    assert hits[0].id == "seed/000_f4303bb32ac63e1e.txt"
    assert len(hits) > 1
    assert [h.id for h in everything(engine, quoted)] == [hits[0].id]


@pytest.mark.parametrize("query", ["إدلب -داعش", "إدلب NOT داعش"])
def test_exclusion(engine, query):
    with_daesh = {h.id for h in everything(engine, "داعش")}
    idlib = {h.id for h in everything(engine, "إدلب")}
    result = {h.id for h in everything(engine, query)}
    assert result == idlib - with_daesh
    assert result and idlib & with_daesh



def test_an_excluded_phrase_beyond_the_budget_excludes_documents_with_all_its_words(tiny):
    """The fifth excluded phrase is not checked word by word: documents holding all its
    words are left out, the others stay (bounded work for a hostile query)."""
    from arsearch.search.query import MAX_PHRASES

    spent = " ".join(f'-"كلمة{i} أخرى{i}"' for i in range(MAX_PHRASES))
    army = {"phrase-yes", "phrase-apart", "phrase-reversed"}
    assert set(ids(tiny.search('الجيش -"الجيش الحر"'))) == army - {"phrase-yes"}
    assert set(ids(tiny.search(f'الجيش {spent} -"الجيش الحر"'))) == set()
    assert set(ids(tiny.search(f'الجيش {spent} -"الجيش الزلزال"'))) == army
    everything = {d.id for d in TINY}
    assert {h.id for h in tiny.search(f'{spent} -"الجيش الحر"', per_page=100).hits} \
        == everything - army

@pytest.mark.parametrize("op", ["OR", "أو"])
def test_or(engine, op):
    trump = {h.id for h in everything(engine, "ترامب")}
    salah = {h.id for h in everything(engine, "ليفربول")}
    assert trump and salah and not trump & salah
    assert {h.id for h in everything(engine, f"ترامب {op} ليفربول")} == trump | salah
    assert everything(engine, "ترامب ليفربول") == [] or \
        len(everything(engine, "ترامب ليفربول")) <= len(trump | salah)


def test_title_prefix(engine, sample_docs):
    hits = everything(engine, "title:إدلب")
    expected = {d.id for d in sample_docs if "دلب" in d.title}
    assert {h.id for h in hits} == expected
    assert len(everything(engine, "إدلب")) > len(expected)


def test_source_prefix_and_argument(engine, sample_docs):
    expected = {d.id for d in sample_docs if d.source == "العربية"}
    assert {h.id for h in everything(engine, "source:العربية")} == expected
    assert {h.id for h in everything(engine, "", source="العربية")} == expected
    hits = everything(engine, 'النفط source:"العربية"')
    assert hits and all(h.source == "العربية" for h in hits)


def test_category_argument(engine, sample_docs):
    expected = {d.id for d in sample_docs if d.category == "sport"}
    assert {h.id for h in everything(engine, "", category="sport")} == expected
    assert {h.id for h in everything(engine, "category:SPORT")} == expected


def in_range(docs, lo, hi):
    return {d.id for d in docs if d.date and lo <= d.date < hi}


def test_date_filter_arguments(engine, sample_docs):
    expected = in_range(sample_docs, datetime(2019, 1, 1), datetime(2020, 1, 1))
    hits = everything(engine, "", date_from=datetime(2019, 1, 1),
                      date_to=datetime(2019, 12, 31))  # inclusive of that day
    assert {h.id for h in hits} == expected
    assert expected and len(expected) < len(sample_docs)
    assert all(datetime(2019, 1, 1) <= h.date < datetime(2020, 1, 1) for h in hits)


@pytest.mark.parametrize(("syntax", "lo", "hi"), [
    ("date:2019", datetime(2019, 1, 1), datetime(2020, 1, 1)),
    ("date:2019-03..2019-07", datetime(2019, 3, 1), datetime(2019, 8, 1)),
    ("date:>2021-01-01", datetime(2021, 1, 1), datetime(9999, 1, 1)),
    ("date:<2018-12-31", datetime(1000, 1, 1), datetime(2018, 12, 31)),
])
def test_date_syntax(engine, sample_docs, syntax, lo, hi):
    expected = in_range(sample_docs, lo, hi)
    assert expected
    assert {h.id for h in everything(engine, syntax)} == expected



@pytest.mark.parametrize("negation", ["-", "NOT "])
def test_negated_filters_exclude_their_documents(engine, sample_docs, negation):
    """``-date:2019`` leaves 2019 out (undated articles stay), ``-source:X`` and
    ``-category:Y`` leave that source or category out: they were read as date:2019 or
    dropped."""
    every = {d.id for d in sample_docs}
    in_2019 = in_range(sample_docs, datetime(2019, 1, 1), datetime(2020, 1, 1))
    assert {h.id for h in everything(engine, f"{negation}date:2019")} == every - in_2019
    arabiya = {d.id for d in sample_docs if d.source == "العربية"}
    sport = {d.id for d in sample_docs if d.category == "sport"}
    assert in_2019 and arabiya and sport
    assert {h.id for h in everything(engine, f"{negation}source:العربية")} == every - arabiya
    assert {h.id for h in everything(engine, f"{negation}category:SPORT")} == every - sport
    idlib = {h.id for h in everything(engine, "إدلب")}
    assert {h.id for h in everything(engine, f"إدلب {negation}date:2019")} == idlib - in_2019
    assert {h.id for h in everything(engine, f"date:2019 {negation}date:2019-03")} == \
        in_2019 - in_range(sample_docs, datetime(2019, 3, 1), datetime(2019, 4, 1))

def test_date_syntax_with_words(engine, sample_docs):
    hits = everything(engine, "إدلب date:2019")
    assert [h.id for h in hits] == ["txt/01_idlib_politics.txt"]


def test_sort_by_date(engine):
    hits = engine.search("", per_page=100, sort="date").hits
    dates = [h.date for h in hits if h.date]
    assert dates == sorted(dates, reverse=True) and len(dates) > 10


@pytest.mark.parametrize("query", ["في", "في من على", "date:2019", "-إدلب",
                                   "source:العربية", "date:2018..9999"])
def test_query_without_words_lists_newest_first_and_says_so(engine, query):
    results = engine.search(query, per_page=100)
    assert results.total and results.sorted_by == "date"
    assert results.to_dict()["sorted_by"] == "date"
    dates = [h.date for h in results.hits]
    dated = [d for d in dates if d]
    assert dated == sorted(dated, reverse=True)
    assert dates[:len(dated)] == dated  # undated articles last
    assert engine.search("إدلب").sorted_by == "relevance"
    ranked = [i for i, _ in engine.ranked_ids(query, 100)]
    assert ranked == [h.id for h in results.hits]


@pytest.mark.parametrize(("query", "since"), [
    ("date:9999", None), ("date:9999-12-31", None), ("date:>9999", None),
    ("date:2018..9999", datetime(2018, 1, 1)), ("date:<=9999-12", datetime(1, 1, 1)),
    ("date:0001..9999", datetime(1, 1, 1)),
])
def test_dates_at_the_calendar_edges_answer(engine, sample_docs, query, since):
    results = engine.search(query, per_page=100)
    expected = {d.id for d in sample_docs if since and d.date and d.date >= since}
    assert {h.id for h in results.hits} == expected


def test_impossible_year_is_searched_as_words_not_as_a_filter(engine):
    assert engine.search("إدلب date:0000").total == engine.search("إدلب").total > 0


# --- pagination and facets --------------------------------------------------------------


def test_pagination(engine, sample_docs):
    p1 = engine.search("", page=1, per_page=10)
    p2 = engine.search("", page=2, per_page=10)
    assert p1.total == p2.total == len(sample_docs)
    assert len(p1.hits) == len(p2.hits) == 10
    assert not set(ids(p1)) & set(ids(p2))
    last = engine.search("", page=p1.pages, per_page=10)
    assert len(last.hits) == len(sample_docs) - 10 * (p1.pages - 1)
    assert engine.search("", page=p1.pages + 1, per_page=10).hits == []
    # pages of a ranked query are the slices of the full ranking
    full = ids(engine.search("مسؤول", per_page=100))
    paged = ids(engine.search("مسؤول", page=1, per_page=2)) + \
        ids(engine.search("مسؤول", page=2, per_page=2))
    assert paged == full[:4]


@pytest.mark.parametrize("query", ["", "date:2019", "مستشفى", "source:العربية"])
def test_facets_sum_to_total(engine, query):
    """The counts of a facet the search does not filter add up to the hits; a filtered
    one (``date:``, ``source:``) counts as if it were not: the values one may add."""
    results = engine.search(query, per_page=100)
    with_source = [h for h in results.hits if h.source]
    unfiltered = engine.search("", per_page=100).facets
    if query.startswith("source:"):
        assert results.facets["source"] == unfiltered["source"]
    else:
        assert sum(results.facets["source"].values()) == len(with_source)
        for name, count in results.facets["source"].items():
            assert count == sum(1 for h in with_source if h.source == name)
    for period in ("year", "month", "hijri_month"):
        if query.startswith("date:"):
            assert results.facets[period] == unfiltered[period]
        else:
            assert sum(results.facets[period].values()) == sum(1 for h in results.hits
                                                                if h.date)


def test_facets_all_sourced_query(engine):
    results = engine.search("date:2019", per_page=100)
    assert all(h.source for h in results.hits)
    assert sum(results.facets["source"].values()) == results.total > 0


def test_facets_after_an_update_in_a_new_segment(tmp_path):
    """Regression: a segment without a category column misaligned the facet columns."""
    folder = tmp_path / "ix"
    arsearch.index_documents(folder, [
        Document(id="a", title="", body="خبر أول", source="S1", category="C"),
        Document(id="b", title="", body="خبر ثان", source="S2"),
    ])
    arsearch.index_documents(folder, [Document(id="c", title="", body="خبر ثالث",
                                               source="S3")])
    with arsearch.open_index(folder) as engine:
        results = engine.search("خبر")
        assert results.total == 3
        assert results.facets["source"] == {"S1": 1, "S2": 1, "S3": 1}
        assert results.facets["category"] == {"C": 1}
        assert ids(engine.search("", source="S3")) == ["c"]
        assert ids(engine.search("", category="C")) == ["a"]


# --- snippets ----------------------------------------------------------------------------


def test_snippet_is_escaped_with_only_mark_tags(tiny):
    hit = tiny.search("القرصنة").hits[0]
    assert hit.id == "xss"
    assert "&lt;script&gt;" in hit.snippet
    assert "<script" not in hit.snippet and "&amp;" in hit.snippet
    assert set(re.findall(r"<[^>]*>", hit.snippet)) == {"<mark>", "</mark>"}
    assert "<mark>القرصنة</mark>" in hit.snippet
    title_hit = tiny.search("خطير").hits[0]
    assert "&lt;b&gt;" in title_hit.title_html
    assert set(re.findall(r"<[^>]*>", title_hit.title_html)) == {"<mark>", "</mark>"}


@pytest.mark.parametrize("query", ["المدرسة", "المدرسه", "الدرس", "صباحا"])
def test_snippet_keeps_diacritics_of_the_original(tiny, query):
    hit = tiny.search(query).hits[0]
    assert hit.id == "vowelled"
    marked = re.findall(r"<mark>(.*?)</mark>", hit.snippet)
    assert marked and all(m in VOWELLED.split() for m in marked)
    assert any(arsearch.normalize(m) != m for m in marked)  # the vowels are there


def test_snippet_marks_every_spelling(engine):
    hit = engine.search("ادلب").hits[0]
    assert "<mark>إدلب</mark>" in hit.snippet or "<mark>ادلب</mark>" in hit.snippet


# --- suggestions --------------------------------------------------------------------------


@pytest.mark.parametrize(("wrong", "right"), [("ليفربوك", "ليفربول"), ("تمبكتا", "تمبكتو")])
def test_suggestion_for_a_misspelt_word(engine, wrong, right):
    results = engine.search(wrong)
    assert results.suggestion == right
    assert engine.search(results.suggestion).total > 0


def test_suggestion_keeps_the_rest_of_the_query(engine):
    assert engine.search("محمد ليفربوك").suggestion == "محمد ليفربول"


@pytest.mark.parametrize("query", ["ليفربول", "داعش إدلب", "مستشفى"])
def test_no_suggestion_for_a_correct_query(engine, query):
    assert engine.search(query).suggestion is None


# --- robustness and errors ---------------------------------------------------------------


@pytest.mark.parametrize("query", [
    '"الجيش الحر', "-", "OR OR", "NOT", "في من على", "«", "date:", "title:", "source:",
    "date:9999-99", "-إدلب", "*", "إدلب" * 100 + "ا" * 100, "ا " * 250, "\ud800", "\x00",
    "(إدلب", "إدلب)", "title:\"\"", "-\"\"",
])
def test_malformed_queries_never_raise(engine, query):
    assert len(query) <= MAX_QUERY_CHARS
    results = engine.search(query)
    assert isinstance(results, arsearch.Results)
    assert results.total >= len(results.hits)


def test_only_exclusions_return_the_complement(engine, sample_docs):
    results = engine.search("-إدلب", per_page=100)
    idlib = {h.id for h in everything(engine, "إدلب")}
    assert {h.id for h in results.hits} == {d.id for d in sample_docs} - idlib


@pytest.mark.parametrize("kwargs", [
    {"page": 0}, {"page": -1}, {"per_page": 0}, {"per_page": 101}, {"sort": "random"},
    {"query": "ا" * (MAX_QUERY_CHARS + 1)}, {"query": None},
])
def test_query_errors(engine, kwargs):
    args = {"query": "إدلب", **kwargs}
    with pytest.raises(QueryError):
        engine.search(**args)


@pytest.mark.parametrize("call, message", [
    (lambda e: e.search("إدلب", source=5), "source must be a text or a list of texts"),
    (lambda e: e.search("إدلب", source=[None]), "source must be a text or a list"),
    (lambda e: e.search("إدلب", category=b"x"), "category must be a text"),
    (lambda e: e.search("إدلب", page=True), "page must be a whole number"),
    (lambda e: e.explain("إدلب", ["a"]), "the document id must be text, not list"),
    (lambda e: e.document(5), "the document id must be text, not int"),
    (lambda e: e.ranked_ids("ا" * (MAX_QUERY_CHARS + 1)), "longer than"),
    (lambda e: e.ranked_ids("إدلب", -1), "limit must be a whole number"),
    (lambda e: e.ranked_ids("إدلب", "10"), "limit must be a whole number"),
])
def test_wrong_argument_types_are_query_errors_not_type_errors(engine, call, message):
    with pytest.raises(QueryError, match=message):
        call(engine)


def test_an_empty_source_argument_is_no_filter(engine):
    assert engine.search("إدلب", source="").total == engine.search("إدلب").total
    assert engine.search("إدلب", source=["", "  "][:1]).total == engine.search("إدلب").total


def test_query_error_is_an_arsearch_error():
    assert issubclass(QueryError, arsearch.ArsearchError)


# --- lifecycle and other API --------------------------------------------------------------


def test_refresh_sees_new_documents(tmp_path):
    folder = tmp_path / "ix"
    arsearch.index_documents(folder, [Document(id="one", title="", body="خبر أول")])
    engine = arsearch.open_index(folder, refresh_every=3600)
    assert engine.search("خبر").total == 1
    arsearch.index_documents(folder, [Document(id="two", title="", body="خبر ثان")])
    assert engine.search("خبر").total == 1  # not refreshed yet
    engine.refresh()
    assert engine.search("خبر").total == 2
    assert engine.doc_count == 2
    # a rebuild switches generation: refresh follows it
    arsearch.index_documents(folder, [Document(id="three", title="", body="خبر ثالث")],
                             rebuild=True)
    engine.refresh()
    assert ids(engine.search("خبر")) == ["three"]
    engine.close()


def test_automatic_refresh(tmp_path):
    folder = tmp_path / "ix"
    arsearch.index_documents(folder, [Document(id="one", title="", body="خبر أول")])
    with arsearch.open_index(folder, refresh_every=0) as engine:
        assert engine.search("خبر").total == 1
        arsearch.index_documents(folder, [Document(id="two", title="", body="خبر ثان")])
        assert engine.search("خبر").total == 2


def test_open_missing_index(tmp_path):
    with pytest.raises(arsearch.IndexNotFoundError):
        arsearch.open_index(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(arsearch.IndexNotFoundError):
        arsearch.open_index(tmp_path / "empty")


def test_more_like_this(engine):
    related = engine.more_like_this("txt/01_idlib_politics.txt", limit=5)
    assert 0 < len(related) <= 5
    assert "txt/01_idlib_politics.txt" not in [h.id for h in related]
    assert len({h.id for h in related}) == len(related)
    assert engine.more_like_this("no-such-id") == []


def test_document(engine):
    doc = engine.document("txt/11_idlib_aid.txt", query="إدلب")
    assert doc["title"] == "قافلة مساعدات جديدة تصل الى ادلب"
    assert "<mark>ادلب</mark>" in doc["title_html"]
    assert "<mark>" in doc["body_html"] and "path" not in doc
    assert engine.document("no-such-id") is None


def test_stats(engine, sample_docs):
    stats = engine.stats()
    assert {"documents", "sources", "categories", "date_from", "date_to", "size_bytes",
            "created", "updated", "index"} <= set(stats)
    assert stats["documents"] == len(sample_docs)
    assert sum(stats["sources"].values()) == sum(1 for d in sample_docs if d.source)
    dates = sorted(d.date for d in sample_docs if d.date)
    assert stats["date_from"] == dates[0].date().isoformat()
    assert stats["date_to"] == dates[-1].date().isoformat()
    assert stats["size_bytes"] > 0


def test_ranked_ids(engine):
    ranked = engine.ranked_ids("داعش إدلب", limit=3)
    assert [i for i, _ in ranked] == ids(engine.search("داعش إدلب", per_page=3))
    assert [s for _, s in ranked] == sorted((s for _, s in ranked), reverse=True)


def test_results_to_dict(engine):
    data = engine.search("إدلب").to_dict()
    assert data["total"] >= len(data["hits"]) > 0
    assert {"id", "title", "date", "source", "score", "snippet_html"} <= set(data["hits"][0])


def test_optional_recency_boost_ranks_newer_news_first(tmp_path):
    folder = tmp_path / "recency"
    arsearch.index_documents(folder, [
        Document("old", "خبر", "انتخابات البلدية في المدينة", date=datetime(2017, 1, 1)),
        Document("new", "خبر", "انتخابات البلدية في المدينة", date=datetime(2018, 6, 1)),
        Document("old-better", "انتخابات", "انتخابات انتخابات البلدية",
                 date=datetime(2017, 1, 1)),
    ])
    with arsearch.open_index(folder) as plain:
        assert ids(plain.search("انتخابات"))[0] == "old-better"
    with arsearch.Engine(folder, weights=Weights(recency=50.0)) as fresh:
        found = ids(fresh.search("انتخابات"))
        assert found[0] == "new" and found.index("new") < found.index("old")


def test_pages_never_repeat_or_skip_documents_with_tied_scores(tmp_path):
    # many documents with the same score: each page's top-k must agree on the ties
    arsearch.index_documents(tmp_path, [
        Document(id=f"t{i:03}", title="", body="اقتصاد " * (1 + i % 3) + f"رقم{i}")
        for i in range(150)])
    with arsearch.open_index(tmp_path) as engine:
        for sort in ("relevance", "date"):
            pages = [h.id for p in range(1, 16)
                     for h in engine.search("اقتصاد", page=p, per_page=10, sort=sort,
                                            snippets=False).hits]
            whole = [h.id for h in engine.search("اقتصاد", per_page=100, sort=sort).hits]
            assert len(pages) == len(set(pages)) == 150, sort
            assert pages[:100] == whole, sort


def test_dates_with_a_time_zone_are_compared_in_utc(engine):
    from datetime import timedelta, timezone

    plus5 = timezone(timedelta(hours=5))
    aware = engine.search("إدلب date:2019", date_from=datetime(2018, 2, 15, 10, tzinfo=plus5))
    assert ids(aware) == ids(engine.search("إدلب date:2019"))
    with pytest.raises(QueryError):
        engine.search("إدلب", date_from="2018-01-01")


def test_long_titles_are_shortened_for_display(tmp_path):
    from arsearch.search.requests import MAX_TITLE_CHARS, display_title

    title = "عنوان طويل عن سوريا " * 10_000  # a text file without line breaks
    arsearch.index_documents(tmp_path, [Document(id="t", title=title, body="سوريا")])
    with arsearch.open_index(tmp_path) as engine:
        hit = engine.search("سوريا").hits[0]
        doc = engine.document("t", "سوريا")
    for shown in (hit.title, doc["title"]):
        assert shown == display_title(title) and shown.endswith(" …")
        assert len(shown) <= MAX_TITLE_CHARS + 2 and title.startswith(shown[:-2])
    assert "<mark>سوريا</mark>" in hit.title_html and len(hit.title_html) < 3 * MAX_TITLE_CHARS
    assert display_title("قصير") == "قصير"


def test_search_without_facets_gives_the_same_page_and_no_counts(engine):
    """``facets=False`` is for callers that show none: the page, its scores, snippets and
    total are those of a search with facets; only the counts are left out."""
    full, bare = engine.search("إدلب"), engine.search("إدلب", facets=False)
    assert full.facets and full.total > 0
    assert bare.facets == {} and bare.facets_exact
    assert [(h.id, h.score, h.snippet) for h in bare.hits] == \
        [(h.id, h.score, h.snippet) for h in full.hits]
    assert bare.total == full.total
