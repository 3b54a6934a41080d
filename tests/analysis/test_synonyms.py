"""Query-time synonyms: bundled groups, user files, expansion and its effect on results."""

from __future__ import annotations

import pytest

import arsearch
from arsearch.analysis.synonyms import Synonyms, load_synonyms, parse_groups
from arsearch.ingest import Document
from arsearch.search.expand import SYNONYM_WEIGHT, expand
from arsearch.search.query import Phrase, Word, parse_query


def test_bundled_groups_cover_names_and_months():
    syn = load_synonyms()
    added = expand(syn, parse_query("داعش"))
    assert "تنظيم الدولة" in added and "الدولة الإسلامية" in added
    assert expand(syn, parse_query("ترامب")) == ["ترمب"]
    assert set(expand(syn, parse_query("شباط"))) == {"فبراير", "فيفري"}


def test_expansion_adds_weighted_alternatives_in_the_same_group():
    q = parse_query("داعش إدلب")
    expand(load_synonyms(), q)
    assert len(q.groups) == 2  # still two concepts: all-words-first is unchanged
    first = q.groups[0]
    assert isinstance(first[0], Word) and first[0].weight == 1.0
    phrases = [i for i in first[1:] if isinstance(i, Phrase)]
    assert phrases and all(p.weight == SYNONYM_WEIGHT for p in phrases)


def test_multi_word_entry_in_the_query_becomes_one_concept():
    q = parse_query("تنظيم الدولة في الرقة")
    added = expand(load_synonyms(), q)
    assert "داعش" in added
    assert len(q.groups) == 2 and isinstance(q.groups[0][0], Phrase)


def test_parse_groups_skips_comments_and_blank_entries():
    assert parse_groups("# c\nأ, ب ،ج\n\n , د # tail\n") == [["أ", "ب", "ج"], ["د"]]
    assert len(Synonyms([["وحيد"]])) == 0  # a group needs two entries


@pytest.fixture(scope="module")
def syn_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("syn") / "index"
    arsearch.index_documents(folder, [
        Document("a", "خبر", "هاجم مقاتلو داعش قرية في الصحراء."),
        Document("b", "خبر", "أعلن تنظيم الدولة مسؤوليته عن الهجوم في الصحراء."),
        Document("c", "خبر", "قالت الدولة إن التنظيم الجديد للمرور يبدأ غدا."),
        Document("d", "خبر", "وصل القطار إلى المحطة متأخرا."),
    ])
    (folder / "synonyms.txt").write_text("قطار, سكة الحديد\n", "utf-8")
    return folder


def test_search_finds_synonyms_but_not_their_scattered_words(syn_index):
    with arsearch.open_index(syn_index) as engine:
        results = engine.search("داعش")
        ids = [h.id for h in results.hits]
        assert ids[:2] == ["a", "b"]  # the word typed ranks above its synonym
        assert "c" not in ids  # الدولة and التنظيم apart are not تنظيم الدولة
        assert "تنظيم الدولة" in results.expansions
        assert "<mark>" in results.hits[1].snippet


def test_user_synonyms_file_in_the_index_folder(syn_index):
    with arsearch.open_index(syn_index) as engine:
        assert [h.id for h in engine.search("سكة الحديد").hits] == ["d"]


def test_expansion_can_be_switched_off(syn_index):
    with arsearch.Engine(syn_index, expand_synonyms=False) as engine:
        results = engine.search("داعش")
        assert [h.id for h in results.hits] == ["a"] and results.expansions == []


def test_web_page_says_what_else_was_searched(make_app, syn_index):
    app = make_app(ARSEARCH_INDEX=str(syn_index))
    page = app.test_client().get("/?q=داعش").get_data(as_text=True)
    assert "بحثنا أيضًا عن" in page and "تنظيم الدولة" in page
    api = app.test_client().get("/api/search?q=داعش").get_json()
    assert "تنظيم الدولة" in api["expansions"]


def test_synonym_phrases_stop_at_the_query_phrase_budget():
    from arsearch.search.query import MAX_PHRASES, phrase_count

    q = parse_query("داعش حماس السعودية الإمارات الفيفا كوريا الشمالية")
    added = expand(load_synonyms(), q)
    assert phrase_count(q) <= MAX_PHRASES
    assert "ترمب" not in added and added  # single words still expand
    assert "بيونغيانغ" in added or "فيفا" in added


@pytest.mark.parametrize("query", ["أب", "والد الطفل أب", "تيريزا ماي", "مارس الضغط",
                                   "سيارة نيسان"])
def test_month_names_that_are_common_words_do_not_expand(query):
    """آب is أب (father) once normalised, ماي is Theresa May, مارس is "practised",
    نيسان is Nissan: such month names are not in the bundled groups (hostile finding 21)."""
    assert expand(load_synonyms(), parse_query(query)) == []


def test_unambiguous_month_names_still_expand():
    assert "أوت" in expand(load_synonyms(), parse_query("أغسطس"))
    assert "أيار" in expand(load_synonyms(), parse_query("مايو"))
    assert "أفريل" in expand(load_synonyms(), parse_query("أبريل"))


def test_a_user_line_sharing_an_entry_with_a_bundled_group_extends_it(tmp_path):
    user = tmp_path / "synonyms.txt"
    user.write_text("داعش, داعش الإرهابي\n", "utf-8")
    syn = load_synonyms(user)
    added = expand(syn, parse_query("داعش"))
    assert "داعش الإرهابي" in added and "تنظيم الدولة" in added  # extended, not replaced
    assert "تنظيم الدولة" in expand(syn, parse_query("داعش الإرهابي"))
    assert len(syn) == len(load_synonyms())  # still one group


def test_a_line_naming_two_groups_makes_them_one():
    syn = Synonyms([["أ ب", "ج د"], ["هـ و", "ز ح"], ["ج د", "ز ح", "ط ي"]])
    assert len(syn) == 1
    assert {e.text for e in syn.others(syn.groups[0][0].stems) or []} == {
        "ج د", "هـ و", "ز ح", "ط ي"}
