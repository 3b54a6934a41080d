"""Shared fixtures: the bundled sample, a built index, the CLI, and the web app.

Core fixtures (``sample_dir``, ``sample_index``, ``engine``, ``runner``) depend on
nothing but arsearch. The web's index (``index_dir``: one real index per session holding
the sample plus a few hostile documents, markup in titles and bodies, a ``javascript:``
URL, so that escaping is tested on real pages) and ``make_app`` are here because tests
outside tests/web use them too; ``app`` and ``client`` are in tests/web/conftest.py.
"""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path

import pytest
from click.testing import CliRunner

import arsearch
from arsearch.backends.xapian import native
from arsearch.ingest import Document
from arsearch.web.app import create_app

# arsearch's fixed Xapian, when built, before any test module imports the bindings
native.preload()

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "arsearch" / "data" / "sample"
#: The large corpora and benchmarks: ``$ARSEARCH_SHARED`` or ``../shared``.
SHARED = Path(os.environ.get("ARSEARCH_SHARED") or ROOT.parent / "shared")

HOSTILE = [
    Document(
        id="hostile/script",
        title='<script>alert(1)</script> خبر عن إدلب <img src=x onerror="alert(2)">',
        body=('نص خبيث <script>alert(3)</script> عن إدلب وسوريا '
              '<img src=x onerror="alert(4)"> و"اقتباس" & رمز.'),
        date=datetime(2020, 1, 2), source='مصدر <b>عريض</b>', category="<i>hack</i>",
        url="javascript:alert(5)",
    ),
    Document(
        id="hostile/a b?c#d&e", title="معرّف غريب", body="نص عادي عن الزراعة في الأردن.",
        date=datetime(2021, 7, 1), source="اختبار",
    ),
]


# --- core ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def sample_dir() -> Path:
    """The bundled sample articles (plain text, TREC and JSON Lines).

    Indexes of it take it as their id root, so its articles' ids are ``txt/...``.
    """
    assert SAMPLE.is_dir(), f"bundled sample missing: {SAMPLE}"
    return SAMPLE


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory, sample_dir) -> Path:
    """A folder holding an index of the sample, built once per session. Do not modify."""
    folder = tmp_path_factory.mktemp("sample-index") / "index"
    report = arsearch.index_paths(folder, [sample_dir], id_root=sample_dir)
    assert report.documents > 0 and not report.problems
    return folder


@pytest.fixture(scope="session")
def sample_docs(sample_dir) -> list[arsearch.Document]:
    """The documents of the sample, as the readers produce them."""
    problems: list = []
    docs = list(arsearch.read_documents([sample_dir], on_problem=problems.append,
                                        id_root=sample_dir))
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
    """A click test runner for the ``arsearch`` command."""
    return CliRunner()


# --- web -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The web tests' index: the sample plus hostile documents."""
    folder = tmp_path_factory.mktemp("web-index")
    arsearch.index_paths(folder, [SAMPLE], id_root=SAMPLE)
    arsearch.index_documents(folder, HOSTILE)
    return folder


@pytest.fixture
def make_app():
    """create_app for tests that need their own config; engines closed afterwards."""
    apps = []

    def make(**config):
        app = create_app({"TESTING": True, **config})
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["arsearch"].close()


def pytest_terminal_summary(terminalreporter) -> None:
    """Figures the tests collected (tests.summaries), after the results."""
    from tests.summaries import RECORDED

    for title, lines in RECORDED.items():
        terminalreporter.section(title)
        for line in lines:
            terminalreporter.write_line(line)


#: Folders whose tests start processes, servers or browsers, or fill disks: the full lane
#: (``.ci/run``) runs them, the edit loop (``pytest -m "not slow"``) leaves them out.
SLOW_FOLDERS = ("reliability", "browser", "bench")
#: Files of the same kind elsewhere: kill -9 of cluster writers and shard servers, the
#: real ``arsearch serve`` and ``shard serve`` processes.
SLOW_FILES = ("test_cluster_faults.py", "web/test_server.py", "cli/test_cluster.py")


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        parts = Path(str(item.fspath)).relative_to(ROOT / "tests").parts
        if parts[0] in SLOW_FOLDERS or "/".join(parts).endswith(SLOW_FILES):
            item.add_marker(pytest.mark.slow)
