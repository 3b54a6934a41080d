"""The data types: Document, Problem, and the public names that export them."""

from __future__ import annotations

import dataclasses

import pytest

import arsearch
import arsearch.ingest
from arsearch.ingest import documents, readers
from arsearch.ingest.documents import Document, Problem


def test_problem_str_shows_file_and_line() -> None:
    assert str(Problem("a.jsonl", 3, "bad")) == "a.jsonl:3: bad"
    assert str(Problem("a.txt", None, "bad")) == "a.txt: bad"


def test_documents_are_immutable_values() -> None:
    """Readers hand documents to the indexer and to callers: nobody may change one under
    the other, and two reads of the same article compare equal."""
    doc = Document(id="a", title="عنوان", body="نص")
    with pytest.raises(dataclasses.FrozenInstanceError):
        doc.body = "غيره"  # type: ignore[misc]
    assert doc == Document(id="a", title="عنوان", body="نص")
    assert (doc.date, doc.source, doc.path) == (None, None, None)


@pytest.mark.parametrize("name", ["Document", "Problem", "DEFAULT_MAX_DOC_BYTES",
                                  "MAX_ID_CHARS", "read_documents", "read_file",
                                  "read_sources"])
def test_public_names_are_one_object_wherever_imported(name: str) -> None:
    """The split into modules kept the public names: ``arsearch.ingest`` exports each from
    its one home (and ``arsearch`` the documented ones)."""
    home = documents if hasattr(documents, name) else readers
    assert getattr(arsearch.ingest, name) is getattr(home, name)
    assert name in arsearch.ingest.__all__
    if name in arsearch.__all__:
        assert getattr(arsearch, name) is getattr(home, name)
