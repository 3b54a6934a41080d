"""Shared fixtures for the web tests (flaskr style): one real index per test session.

The index holds the bundled sample articles plus a few hostile documents (markup in
titles and bodies, a ``javascript:`` URL) so that escaping is tested on real pages.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

import arsearch
from arsearch.documents import Document
from arsearch.webapp import create_app

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "src" / "arsearch" / "data" / "sample"

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


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("web-index")
    arsearch.index_paths(folder, [SAMPLE])
    arsearch.index_documents(folder, HOSTILE)
    return folder


@pytest.fixture
def app(index_dir: Path):
    app = create_app({"TESTING": True, "ARSEARCH_INDEX": str(index_dir)})
    yield app
    app.extensions["arsearch"].close()


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


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()
