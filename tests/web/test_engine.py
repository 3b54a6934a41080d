"""The app's one engine (opened once, late, and again once an index exists) and the
document lookup, which never touches the filesystem."""

from __future__ import annotations

from pathlib import Path

import pytest

import arsearch
from arsearch.web.engine import get_engine
from tests.conftest import SAMPLE
from tests.web.support import text


def test_missing_index_explains_and_recovers(make_app, tmp_path) -> None:
    folder = tmp_path / "empty"
    folder.mkdir()
    app = make_app(ARSEARCH_INDEX=str(folder))
    client = app.test_client()
    r = client.get("/")
    assert r.status_code == 503 and "arsearch index PATH" in text(r)
    r = client.get("/api/search?q=x")
    assert r.status_code == 503 and r.json["error"]["status"] == 503
    assert "arsearch index" in r.json["error"]["message"]
    assert client.get("/healthz").status_code == 503
    with client.get("/static/style.css") as r:
        assert r.status_code == 200
    arsearch.index_paths(folder, [SAMPLE / "txt"])  # built later: no restart needed
    assert client.get("/healthz").json == {"ok": True, "documents": 12}


def test_one_engine_per_app_reused(app) -> None:
    with app.app_context():
        first = get_engine()
    client = app.test_client()
    client.get("/?q=x")
    client.get("/api/search?q=y")
    with app.app_context():
        assert get_engine() is first


@pytest.mark.parametrize("path", [
    "/doc/../pyproject.toml", "/doc/..%2F..%2Fpyproject.toml", "/doc/%2Fetc%2Fpasswd",
    "/doc/etc/passwd", "/doc/txt%00.txt", "/doc/" + "a" * 5000, "/doc/nope",
    "/api/documents/../../README.md", "/api/documents/%2e%2e%2fREADME.md",
    "/api/documents/x%00y", "/api/documents/" + "b/" * 3000, "/api/documents/nope",
])
def test_hostile_ids_are_404(client, path) -> None:
    r = client.get(path)
    assert r.status_code == 404
    if path.startswith("/api/"):
        assert r.json == {"error": {"status": 404, "message": "no document with this id",
                                    "request_id": r.headers["X-Request-Id"]}}
    else:
        assert "لا يوجد مقال" in text(r) or "غير موجودة" in text(r)


def test_document_lookup_never_touches_the_filesystem(client, monkeypatch) -> None:
    seen: list[str] = []
    engine = client.application.extensions["arsearch"].get()
    original = engine.document
    monkeypatch.setattr(engine, "document",
                        lambda doc_id, q="", **kw: seen.append(doc_id)
                        or original(doc_id, q, **kw))
    monkeypatch.setattr(Path, "exists", lambda self: pytest.fail(f"touched {self}"))
    monkeypatch.setattr(Path, "is_file", lambda self: pytest.fail(f"touched {self}"))
    assert client.get("/api/documents/../../../etc/passwd").status_code == 404
    assert seen == ["../../../etc/passwd"]
