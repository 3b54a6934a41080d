"""Suggestions as you type (search/complete.py): what completes what, Arabic folding,
pairs and titles, bounds, and the per-state dictionary cache."""

from __future__ import annotations

import threading
import time

import pytest

import arsearch
from arsearch.search import complete
from arsearch.search.complete import CompletionCache, Completions, Suggestion

TITLES = [
    ("a1", "الدولة الإسلامية تخسر آخر معاقلها"),
    ("a2", "الدَّولة الإسلاميّة في إدلب"),
    ("a3", "داعش في إدلب: هجوم جديد"),
    ("a4", "إدلب تستقبل قافلة مساعدات"),
    ("a5", "مؤتمر الدول المانحة في لندن"),
    ("a6", "ترامب يهدد إيران"),
    ("a7", "ترامب يهدد كوريا الشمالية"),
    ("a8", "BBC تنشر تقريرا عن إدلب"),
    ("a9", "\u202eعنوان فيه محرف اتجاه"),
]


@pytest.fixture(scope="module")
def dictionary() -> Completions:
    return Completions(TITLES)


def texts(found: list[Suggestion], kind: str = "query") -> list[str]:
    return [s.text for s in found if s.kind == kind]


def test_a_prefix_completes_to_the_commonest_words_and_pairs(dictionary) -> None:
    found = dictionary.complete("الدول")
    assert texts(found)[:2] == ["الدولة", "الدولة الإسلامية"]  # usual spelling shown
    assert "الدول" in texts(found) and "الدول المانحة" not in texts(found)  # pairs recur
    assert texts(dictionary.complete("إدل")) == ["إدلب"]


def test_folding_hamza_alef_ta_marbuta_and_diacritics(dictionary) -> None:
    for typed in ("الاسلاميه", "الإسلاميّة", "الأسلامية", "الإسلامية"):
        assert texts(dictionary.complete(typed)) == ["الإسلامية"], typed
    assert texts(dictionary.complete("ادلب")) == ["إدلب"]
    assert texts(dictionary.complete("bb")) == ["BBC"]


def test_earlier_words_are_kept_and_the_last_completed(dictionary) -> None:
    assert texts(dictionary.complete("هجوم إد"))[0] == "هجوم إدلب"
    assert texts(dictionary.complete("ترامب يه")) == ["ترامب يهدد"]  # the recurring pair
    assert texts(dictionary.complete("ترامب "))[0] == "ترامب يهدد"  # the next word


def test_titles_that_start_with_the_text_are_offered_with_their_id(dictionary) -> None:
    found = dictionary.complete("ترامب يهدد ك")
    titles = [(s.text, s.id) for s in found if s.kind == "title"]
    assert titles == [("ترامب يهدد كوريا الشمالية", "a7")]
    assert Suggestion("x", "title", "a7").to_dict() == {"text": "x", "kind": "title",
                                                       "id": "a7"}


def test_shown_text_drops_diacritics_and_direction_overrides(dictionary) -> None:
    (title,) = [s for s in dictionary.complete("عنوان فيه") if s.kind == "title"]
    assert title.text == "عنوان فيه محرف اتجاه" and "\u202e" not in title.text
    assert all("\u064e" not in s.text for s in dictionary.complete("الدول"))


@pytest.mark.parametrize("typed", ["", " ", "ا", "a", "!!", "\u200f\u202e", "في",
                                   "x" * 10_000, "ال" * 300, "\x00\x01"])
def test_short_long_or_empty_input_is_answered_quickly_and_safely(dictionary, typed) -> None:
    found = dictionary.complete(typed)
    assert len(found) <= complete.MAX_SUGGESTIONS
    assert all(isinstance(s.text, str) and s.text for s in found)


def test_limit_is_bounded(dictionary) -> None:
    assert len(dictionary.complete("ال", 3)) <= 3
    assert len(dictionary.complete("ال", 10_000)) <= complete.MAX_SUGGESTIONS
    assert len(dictionary.complete("ال", -5)) <= 1


def test_stop_words_are_not_suggested_alone() -> None:
    assert texts(Completions([("x", "في في في")]).complete("في")) == []


def test_the_cache_builds_once_per_state_and_in_the_background_when_large(monkeypatch) -> None:
    cache = CompletionCache()
    calls = []

    def titles():
        calls.append(1)
        return TITLES

    reader = object()
    first = cache.get(reader, titles, 10)
    assert first is not None and cache.get(reader, titles, 10) is first and len(calls) == 1
    monkeypatch.setattr(complete, "SYNC_BUILD_DOCS", 5)
    started = threading.Event()
    release = threading.Event()

    def slow_titles():
        started.set()
        release.wait(5)
        return TITLES[:2]

    newer = object()
    assert cache.get(newer, slow_titles, 100) is first  # the old one while building
    assert started.wait(5)
    assert cache.get(newer, slow_titles, 100) is first  # one build at a time
    release.set()
    deadline = time.monotonic() + 5
    while cache.get(newer, slow_titles, 100) is first and time.monotonic() < deadline:
        time.sleep(0.01)
    built = cache.get(newer, slow_titles, 100)
    assert built is not first and texts(built.complete("ترا")) == []  # a2 has no Trump


def test_a_failed_background_build_is_tried_again(monkeypatch, caplog) -> None:
    monkeypatch.setattr(complete, "SYNC_BUILD_DOCS", 0)
    cache = CompletionCache()
    attempts = []

    def broken():
        attempts.append(1)
        raise OSError("disk gone")

    reader = object()
    assert cache.get(reader, broken, 10) is None
    deadline = time.monotonic() + 5
    while cache._building is not None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get(reader, lambda: TITLES, 10) is None  # a new build starts
    deadline = time.monotonic() + 5
    while cache.get(reader, lambda: TITLES, 10) is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert cache.get(reader, lambda: TITLES, 10) is not None and attempts == [1]
    assert "could not build the suggestions" in caplog.text


def test_engine_completes_from_its_own_titles(engine) -> None:
    found = engine.complete("رغم دعم")
    assert [s for s in found if s.kind == "title" and
            s.id == "seed/000_f4303bb32ac63e1e.txt"]
    assert engine.complete("إدل")[0].text == "إدلب"


def test_engine_picks_up_new_titles_after_a_commit(tmp_path) -> None:
    arsearch.index_documents(tmp_path, [arsearch.Document(id="1", title="زلزال في تركيا",
                                                          body="نص")])
    with arsearch.open_index(tmp_path, refresh_every=0) as engine:
        assert texts(engine.complete("زلز")) == ["زلزال"]
        assert texts(engine.complete("فيض")) == []
        arsearch.index_documents(tmp_path, [arsearch.Document(id="2", title="فيضان في ليبيا",
                                                              body="نص")])
        assert texts(engine.complete("فيض")) == ["فيضان"]
