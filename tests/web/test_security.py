"""Security headers everywhere; absolute URLs from configuration or trusted proxies only."""

from __future__ import annotations

import pytest

import arsearch
from arsearch.web.security import SECURITY_HEADERS
from tests.web.support import text


@pytest.mark.parametrize("url", ["/", "/?q=x", "/api/search?q=x", "/api/documents/nope",
                                 "/doc/nope", "/healthz", "/opensearch.xml",
                                 "/static/style.css", "/nowhere", "/?page=0"])
def test_security_headers_everywhere(client, url) -> None:
    with client.get(url) as r:  # closes the static file
        r.get_data()
    for name, value in SECURITY_HEADERS.items():
        assert r.headers[name] == value, (url, name)
    csp = r.headers["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp


def test_opensearch_uses_the_public_url_never_the_host_header(make_app, index_dir) -> None:
    app = make_app(ARSEARCH_INDEX=str(index_dir), ARSEARCH_PUBLIC_URL="https://news.example.org/s")
    client = app.test_client()
    r = client.get("/opensearch.xml", headers={"Host": "evil.example",
                                               "X-Forwarded-Host": "evil2.example"})
    xml = text(r)
    assert r.status_code == 200 and r.mimetype == "application/opensearchdescription+xml"
    assert 'template="https://news.example.org/s/?q={searchTerms}"' in xml
    assert "evil" not in xml
    assert 'rel="search"' in text(client.get("/", headers={"Host": "evil.example"}))


def test_opensearch_without_a_public_address_is_not_offered(client) -> None:
    r = client.get("/opensearch.xml", headers={"Host": "evil.example"})
    assert r.status_code == 404 and "evil" not in text(r)
    assert 'rel="search"' not in text(client.get("/"))


def test_opensearch_behind_trusted_proxies(make_app, index_dir) -> None:
    app = make_app(ARSEARCH_INDEX=str(index_dir), ARSEARCH_PROXIES=1)
    client = app.test_client()
    r = client.get("/opensearch.xml", headers={
        "Host": "127.0.0.1:8000", "X-Forwarded-Host": "news.example.org",
        "X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"})
    assert 'template="https://news.example.org/?q={searchTerms}"' in text(r)
    # only the last proxy's value counts: a client cannot prepend its own
    r = client.get("/opensearch.xml", headers={
        "X-Forwarded-Host": "evil.example, news.example.org", "X-Forwarded-Proto": "https"})
    assert "evil" not in text(r) and "https://news.example.org/" in text(r)


@pytest.mark.parametrize("config", [{"ARSEARCH_PUBLIC_URL": "javascript:alert(1)"},
                                    {"ARSEARCH_PUBLIC_URL": "https://x/\"><b>"},
                                    {"ARSEARCH_PROXIES": "many"}, {"ARSEARCH_PROXIES": 9}])
def test_bad_address_settings_are_refused_at_start(make_app, index_dir, config) -> None:
    with pytest.raises(arsearch.ArsearchError):
        make_app(ARSEARCH_INDEX=str(index_dir), **config)
