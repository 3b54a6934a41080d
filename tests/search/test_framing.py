"""Words that frame a question (التي تتحدث عن، ذكرت في) are not searched for."""

from __future__ import annotations

import pytest

import arsearch
from arsearch.search.framing import framing
from arsearch.search.query import Word, parse_query


def norms(text: str) -> list[str]:
    return [w.norm for w in parse_query(text).words]


@pytest.mark.parametrize(("query", "left"), [
    ("ما هي الآيات التي تتحدث عن الوصية؟", ["الايات", "الوصيه"]),
    ("ما هي الأماكن التي ذُكرت في القرآن", ["الاماكن", "القران"]),
    ("الآيات التي ذكر فيها الشفاء", ["الايات", "الشفاء"]),
    ("العلامات التي تشير إلى موعد الساعة", ["العلامات", "موعد", "الساعه"]),
    ("الأدلة التي تدل على وجود الماء", ["الادله", "وجود", "الماء"]),
    ("ما هي الأحداث المتعلقة بداوود", ["الاحداث", "بداوود"]),
])
def test_a_relation_verb_before_its_preposition_is_not_searched(query, left):
    assert norms(query) == left


@pytest.mark.parametrize(("query", "kept"), [
    ("هل تحدث محمد مع الجن", "تحدث"),  # the talking is the subject
    ("ذكر الله في الصباح", "ذكر"),      # remembrance, then another word
    ("وزن ذكر الأسد", "ذكر"),           # the male lion
    ("تتحدث الحيوانات عن نفسها", "تتحدث"),
    ("الأمور المتعلقة بنا", "المتعلقه"),  # بنا: a pronoun, no word after ب
])
def test_a_relation_verb_without_its_preposition_is_searched(query, kept):
    assert kept in norms(query)


def test_a_quoted_or_fielded_relation_verb_is_searched():
    assert "تتحدث" in norms('"التي تتحدث عن" الوصية')
    assert "تتحدث" in norms("body:تتحدث عن الوصية")
    assert framing(["تتحدث", None]) == set()  # the next chunk is no plain word


def test_a_query_of_frame_words_only_keeps_them():
    assert norms("تتحدث عن") == ["تتحدث"]
    assert norms("ذكرت في") == ["ذكرت"]


def test_a_document_about_the_subject_outranks_one_that_says_mentioned(tmp_path):
    """The question's frame verb made a text that says "mentioned" beat the text about
    the subject (Qur'an QA 350: ذكر فيها الشفاء)."""
    folder = tmp_path / "index"
    arsearch.index_documents(folder, [
        arsearch.Document(id="about", title="", body="في العسل شفاء للناس من كل داء"),
        arsearch.Document(id="mention", title="",
                          body="ذكر الرجل في حديثه أن الشفاء يأتي بعد المرض وذكر الصبر"),
        *(arsearch.Document(id=f"other{i}", title="", body=f"نص آخر رقم {i} عن الطقس")
          for i in range(6)),
    ])
    with arsearch.open_index(folder) as engine:
        hits = engine.search("ما هي النصوص التي ذكر فيها الشفاء؟").hits
        explained = engine.explain("ما هي النصوص التي ذكر فيها الشفاء؟", "mention")
    assert hits[0].id == "about"
    assert "ذكر" not in {p.text for p in explained.parts}


@pytest.mark.parametrize("query", ["هل محمد (ص) هو أول المسلمين", "ما قاله محمد (ص)؟",
                                   "حديث علي (ع) في الصبر"])
def test_a_eulogy_abbreviation_after_a_name_is_not_searched(query):
    assert "ص" not in norms(query) and "ع" not in norms(query)


@pytest.mark.parametrize(("query", "kept"), [
    ("(ص) في المصحف", "ص"),       # the first chunk: the letter is what is asked about
    ("سورة ص", "ص"),              # no parentheses: the sura's letter
    ("موسى عليه السلام", "السلام"),  # the formula written out stays words (README)
])
def test_a_letter_or_formula_that_is_no_abbreviation_is_searched(query, kept):
    assert kept in norms(query)


def test_a_relation_verb_given_a_level_apart_is_searched():
    """``جذر: ذكر في القرآن``: the reader asked for ذكر's root; the level prefix written
    apart applies to the verb, which is then no frame."""
    q = parse_query("جذر: ذكر في القرآن")
    assert [(w.norm, w.level) for w in q.words] == [("ذكر", "root"), ("القران", "stem")]


@pytest.mark.parametrize(("query", "wanted", "excluded"), [
    # NOT excludes the verb the reader named; framed, the NOT fell on nothing
    ("NOT تتحدث عن سوريا", ["سوريا"], ["تتحدث"]),
    # framed, the abbreviation handed its NOT on to the next word: القرآن excluded
    ("محمد NOT (ص) القرآن", ["محمد", "القران"], ["ص"]),
])
def test_a_word_negated_by_not_is_never_a_frame(query, wanted, excluded):
    q = parse_query(query)
    assert [w.norm for w in q.words] == wanted
    assert [i.norm for i in q.excluded if isinstance(i, Word)] == excluded


@pytest.mark.parametrize(("query", "groups"), [
    # the OR's alternative was the frame: it went to the subject (الحرب OR القرآن)
    ("الحرب OR ذكرت في القرآن", [["الحرب"], ["القران"]]),
    ("محمد OR (ص) سوريا", [["محمد"], ["سوريا"]]),
    ("الآيات التي تتحدث عن OR تشير إلى الصبر", [["الايات"], ["الصبر"]]),
    ("تتحدث عن OR ذكرت في", [["تتحدث", "ذكرت"]]),  # frame words only: all kept
])
def test_an_or_before_a_frame_is_left_out_with_it(query, groups):
    assert [[w.norm for w in g] for g in parse_query(query).groups] == groups


def test_a_prefix_written_apart_before_an_abbreviation_stays_on_it():
    """``جذر: (ص)``: the root level is the abbreviation's; left out, it fell on the next
    word (سوريا searched by its root)."""
    q = parse_query("محمد جذر: (ص) سوريا")
    assert [(w.norm, w.level) for w in q.words] == [
        ("محمد", "stem"), ("ص", "root"), ("سوريا", "stem")]
