"""Facet values: display names (search/labels.py), loose matching of typed filters
(Column.select) and the engine's multi-select (OR within a facet, AND across, with the
counts of a filtered facet as if it were not)."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

import arsearch
from arsearch.errors import ArsearchError
from arsearch.search.facets import Column, fold
from arsearch.search.labels import Labels, load_labels, parse_labels

SOURCES = ["skynews", "Jawhara FM", "alarabia", "BBC", "CNN", "france24", "العربية", ""]


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    """Six sources, two categories, in the ANT corpus' own codes."""
    folder = tmp_path_factory.mktemp("labels")
    docs = []
    for i, source in enumerate(["skynews", "Jawhara FM", "alarabia", "BBC", "CNN",
                                "france24"] * 4):
        docs.append(arsearch.Document(
            id=f"d{i}", title=f"خبر {i}", body="خبر عن الاقتصاد" + (" والرياضة" * (i % 2)),
            source=source, category="sport" if i // 6 % 2 else "economy",
            date=datetime(2018, 1 + i % 5, 1)))
    arsearch.index_documents(folder, docs)
    return folder


def test_bundled_names_cover_the_ant_codes() -> None:
    labels = load_labels()
    assert labels.name("category", "internationalNews") == "أخبار دولية"
    assert labels.name("category", "middleEast") == "الشرق الأوسط"
    assert labels.name("source", "skynews") == "سكاي نيوز عربية"
    assert labels.name("source", "SKYNEWS") == "سكاي نيوز عربية"  # any case
    assert labels.name("source", "unknown-code") == "unknown-code"
    assert labels.names("source", ["BBC", "x"]) == {"BBC": "بي بي سي عربي"}


def test_names_beside_the_index_override_the_bundled_ones(tmp_path) -> None:
    (tmp_path / "labels.txt").write_text(
        "\ufeff# ours\n[source]\nSKYNEWS = سكاي نيوز\nlocal = المحلية\n[category]\nsport=الرياضة\n",
        "utf-8")
    labels = load_labels(tmp_path / "labels.txt", tmp_path / "absent.txt")
    assert labels.name("source", "skynews") == "سكاي نيوز"
    assert labels.name("source", "local") == "المحلية"
    assert labels.name("category", "sport") == "الرياضة"
    assert labels.name("category", "economy") == "اقتصاد"  # the rest stays


@pytest.mark.parametrize(("text", "message"), [
    ("sport = رياضة", ":1: expected 'value = name'"),
    ("[sources]\nx = y", ":1: unknown facet [sources]"),
    ("[source]\njust a line", ":2: expected"),
    ("[source]\n = name", ":2: expected"),
    ("[source]\nvalue = ", ":2: expected"),
])
def test_a_malformed_labels_file_is_named_with_its_line(text, message) -> None:
    with pytest.raises(ArsearchError, match=re.escape(message)):
        parse_labels(text, "labels.txt")


def test_an_undecodable_labels_file_is_one_clear_error(tmp_path) -> None:
    (tmp_path / "labels.txt").write_bytes(b"[source]\nx = \xff\xfe\n")
    with pytest.raises(ArsearchError, match="cannot read the labels file"):
        load_labels(tmp_path / "labels.txt")


@pytest.mark.parametrize(("typed", "chosen"), [
    ("jawhara", ["Jawhara FM"]), ("JAWHARA", ["Jawhara FM"]), ("jawharafm", ["Jawhara FM"]),
    ("Jawhara FM", ["Jawhara FM"]), ("jawhara-fm", ["Jawhara FM"]),
    ("جوهرة", ["Jawhara FM"]), ("جوهره", ["Jawhara FM"]),  # its Arabic name, ta marbuta folded
    ("bbc", ["BBC"]), ("بي بي سي", ["BBC"]), ("سكاي", ["skynews"]), ("نيوز", ["skynews"]),
    ("العربية", ["alarabia", "العربية"]),  # a code named العربية and the value itself
    ("العربيّة", ["alarabia", "العربية"]),  # diacritics ignored
    ("france", ["france24"]), ("فرانس 24", ["france24"]),
    ("b", []), ("fm", []),  # too short to be a prefix: exact values only
    ("nothing", []), ("", []), ("   ", []), ("***", []),
])
def test_typed_values_choose_facet_values_loosely(typed, chosen) -> None:
    column = Column(SOURCES)
    assert column.select(typed, load_labels().namer("source")) == chosen


def test_fold_is_the_search_normalisation_plus_case_and_punctuation() -> None:
    assert fold("  Jawhara_FM!! ") == "jawhara fm"
    assert fold("الإذاعةُ") == fold("الاذاعه")


def test_source_filters_match_loosely_in_the_engine(archive) -> None:
    with arsearch.open_index(archive) as engine:
        assert engine.search("source:jawhara").total == 4
        assert engine.search("source:جوهرة").total == 4
        assert engine.search("خبر", source="سكاي").total == 4
        assert engine.search("خبر", category="رياضة").total == 12  # the Arabic name
        assert engine.search("source:nothing").total == 0


def test_multi_select_is_or_within_a_facet_and_and_across(archive) -> None:
    with arsearch.open_index(archive) as engine:
        both = engine.search("خبر", source=["BBC", "CNN"])
        assert both.total == 8 and {h.source for h in both.hits} == {"BBC", "CNN"}
        narrowed = engine.search("خبر", source=["BBC", "CNN"], category="sport")
        assert {(h.source, h.category) for h in narrowed.hits} <= {("BBC", "sport"),
                                                                    ("CNN", "sport")}
        assert narrowed.total == 4
        assert engine.search("source:BBC source:CNN").total == 8


def test_a_filtered_facet_counts_its_other_values_too(archive) -> None:
    with arsearch.open_index(archive) as engine:
        results = engine.search("خبر", source="BBC", category="sport")
        # sources as if no source were chosen (within the category): others can be added
        assert results.facets["source"] == dict.fromkeys(
            ["skynews", "Jawhara FM", "alarabia", "BBC", "CNN", "france24"], 2)
        # categories as if none were chosen (within the source)
        assert results.facets["category"] == {"economy": 2, "sport": 2}
        unfiltered = engine.search("خبر", source="BBC")
        assert unfiltered.facets["category"] == {"economy": 2, "sport": 2}
        assert sum(results.facets["month"].values()) == results.total == 2
        dated = engine.search("خبر", source="BBC", category="sport", date_to=datetime(2018, 3, 1))
        assert dated.total == 1  # April 2018 is left out...
        assert dated.facets["month"] == results.facets["month"]  # ...but still counted


def test_labels_are_read_from_the_index_folder(archive) -> None:
    (archive / "labels.txt").write_text("[source]\nBBC = هيئة الإذاعة\n", "utf-8")
    try:
        with arsearch.open_index(archive) as engine:
            assert engine.labels.name("source", "BBC") == "هيئة الإذاعة"
            assert engine.search("source:هيئة").total == 4
    finally:
        (archive / "labels.txt").unlink()


def test_labels_default_is_empty_but_harmless() -> None:
    assert Labels().name("source", "x") == "x"
    assert Column(["a"]).select("a") == ["a"]
