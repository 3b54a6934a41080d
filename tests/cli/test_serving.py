"""``arsearch serve`` up to the point of serving: what it binds, with which settings."""

from __future__ import annotations

import pytest

from arsearch.cli import main as cli_main


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(monkeypatch):
    """``arsearch serve`` up to the point of serving: the bound server, then closed."""
    from arsearch.web import server as webserver

    servers = []
    bind = webserver.bind

    def bound(app, *args, **kwargs):
        server = bind(app, *args, **kwargs)
        servers.append((server, app.app))  # the Flask app inside the access log
        return server

    def run(server) -> None:
        server.close() if hasattr(server, "close") else server.server_close()

    monkeypatch.setattr(webserver, "configure_logging", lambda access: None)  # global
    monkeypatch.setattr(webserver, "bind", bound)
    monkeypatch.setattr(webserver, "run", run)
    return servers


def test_serve_command_binds_waitress_with_the_public_url(runner, index_dir, served) -> None:
    from waitress.server import BaseWSGIServer

    port = free_port()
    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--port", str(port)])
    assert result.exit_code == 0, result.output
    server, app = served[0]
    assert isinstance(server, BaseWSGIServer) and server.adj.ident == "arsearch"
    assert server.adj.clear_untrusted_proxy_headers
    assert app.config["ARSEARCH_INDEX"] == str(index_dir) and not app.debug
    assert app.config["ARSEARCH_PUBLIC_URL"] == f"http://127.0.0.1:{port}/"
    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--port", str(port),
                                      "--host", "0.0.0.0", "--proxies", "1"])
    server, app = served[1]
    assert app.config["ARSEARCH_PUBLIC_URL"] == "" and app.config["ARSEARCH_PROXIES"] == 1
    assert not server.adj.clear_untrusted_proxy_headers  # left for ProxyFix to judge


def test_serve_dev_server_never_debug(runner, index_dir, served) -> None:
    from werkzeug.serving import BaseWSGIServer

    result = runner.invoke(cli_main, ["serve", "--index", str(index_dir), "--dev-server",
                                      "--port", str(free_port())])
    assert result.exit_code == 0, result.output
    server, app = served[0]
    assert isinstance(server, BaseWSGIServer) and not app.debug and not server.app.app.debug
    assert "Flask development server" in result.stderr


def test_serve_warns_without_index(runner, tmp_path, served) -> None:
    result = runner.invoke(cli_main, ["serve", "--index", str(tmp_path / "none"),
                                      "--port", str(free_port())])
    assert result.exit_code == 0
    assert "arsearch index PATH" in result.output


def test_serve_refuses_a_bad_public_url(runner, index_dir, served) -> None:
    for url in ("ftp://x/", "example.org", "https://x/?q=1", 'https://x/"><script>'):
        result = runner.invoke(cli_main, ["serve", "--index", str(index_dir),
                                          "--public-url", url])
        assert result.exit_code == 1 and result.stderr.startswith("error: the public URL")
    assert not served
