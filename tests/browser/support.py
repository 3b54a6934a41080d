"""What the browser tests share: where chromium is, where screenshots go, a real server."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from arsearch.web.app import create_app
from tests.conftest import ROOT

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
#: Screenshots for a human to look at (gitignored).
ARTEFACTS = ROOT / "test-artefacts"


def shot(page, name: str, full_page: bool = True) -> Path:
    ARTEFACTS.mkdir(exist_ok=True)
    path = ARTEFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path


@contextmanager
def serving(index: Path, **config) -> Iterator[str]:
    """A real HTTP server (werkzeug, threaded) over ``index``; yields its base URL."""
    from werkzeug.serving import make_server

    app = create_app({"ARSEARCH_INDEX": str(index), **config})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_port}"
    finally:
        httpd.shutdown()
        thread.join(5)
        httpd.server_close()
        app.extensions["arsearch"].close()
