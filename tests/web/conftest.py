"""The web tests' app (flaskr style): ``app`` on the session's web index, and its ``client``."""

from __future__ import annotations

from pathlib import Path

import pytest

from arsearch.web.app import create_app
from arsearch.web.engine import EXTENSION


@pytest.fixture
def app(index_dir: Path):
    app = create_app({"TESTING": True, "ARSEARCH_INDEX": str(index_dir)})
    yield app
    app.extensions[EXTENSION].close()


@pytest.fixture
def client(app):
    return app.test_client()
