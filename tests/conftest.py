"""Shared fixtures of the core-engine tests: the bundled sample, a built index, the CLI.

Web fixtures (``app``/``client``) may live here too; the fixtures below depend on
nothing but arsearch itself.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

import arsearch

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "arsearch" / "data" / "sample"
SHARED = ROOT.parent / "shared"


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample articles (plain text, TREC and JSON Lines)."""
    assert SAMPLE.is_dir(), f"bundled sample missing: {SAMPLE}"
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, sample_dir) -> Path:
    """A folder holding an index of the sample, built once per session. Do not modify."""
    folder = tmp_path_factory.mktemp("sample-index") / "index"
    report = arsearch.index_paths(folder, [sample_dir])
    assert report.documents > 0 and not report.problems
    return folder


@pytest.fixture(scope="session")
def sample_docs(sample_dir) -> list[arsearch.Document]:
    """The documents of the sample, as the readers produce them."""
    problems: list = []
    docs = list(arsearch.read_documents([sample_dir], on_problem=problems.append))
    assert not problems
    return docs


@pytest.fixture(scope="session")
def engine(sample_index) -> arsearch.Engine:
    """An engine on the session's sample index (read-only)."""
    eng = arsearch.open_index(sample_index)
    yield eng
    eng.close()


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """``../shared`` (large corpora and benchmarks); skip when it is absent."""
    if not SHARED.is_dir():
        pytest.skip(f"needs the shared data folder {SHARED} (absent on this machine)")
    return SHARED


@pytest.fixture
def runner() -> CliRunner:
    """A click test runner."""
    return CliRunner()
