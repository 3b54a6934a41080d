"""``arsearch serve``: the web app (:mod:`arsearch.web`) behind waitress, bound before it
says it is serving.

Flask and waitress are imported when the command runs, not when the CLI loads: they
cost every other command some 130 ms of start-up and serve nothing there.
"""

from __future__ import annotations

from pathlib import Path

import click

from arsearch.backends import is_cluster_file, recorded_backend
from arsearch.cli.exits import handle_errors
from arsearch.cli.options import allow_partial_option, exact_counts_option, index_option
from arsearch.errors import ArsearchError


@click.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Worker threads (waitress).")
@click.option("--public-url", envvar="ARSEARCH_PUBLIC_URL", default=None,
              help="The site's address as users reach it (https://example.org/search/), "
                   "for absolute URLs ($ARSEARCH_PUBLIC_URL; default: http://HOST:PORT/ "
                   "unless HOST is 0.0.0.0 or ::).")
@click.option("--proxies", type=click.IntRange(0, 5), envvar="ARSEARCH_PROXIES", default=0,
              show_default=True, help="Reverse proxies in front whose X-Forwarded-* "
                                      "headers are trusted ($ARSEARCH_PROXIES).")
@click.option("--access-log/--no-access-log", default=True, show_default=True,
              help="One Common Log Format line per request on stderr.")
@click.option("--dev-server", is_flag=True,
              help="Use Flask's development server instead of waitress (never in debug "
                   "mode; for local experiments only).")
@allow_partial_option
@exact_counts_option
@handle_errors
def serve_cmd(index_dir: str, host: str, port: int, threads: int, public_url: str | None,
              proxies: int, access_log: bool, dev_server: bool, allow_partial: bool,
              exact_counts: bool) -> None:
    """Serve the web search page and JSON API (waitress, a production WSGI server)."""
    from arsearch.web.app import create_app
    from arsearch.web.server import AccessLog, BindError, bind, configure_logging, run

    if not is_cluster_file(index_dir) and recorded_backend(Path(index_dir)) is None:
        click.secho(f"warning: no index in {index_dir} yet; the page explains how to build "
                    f"one (arsearch index PATH --index {index_dir})", fg="yellow", err=True)
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    if public_url is None and not proxies and host not in ("0.0.0.0", "::", ""):
        public_url = address
    app = create_app({"ARSEARCH_INDEX": index_dir, "ARSEARCH_PUBLIC_URL": public_url or "",
                      "ARSEARCH_PROXIES": proxies, "ARSEARCH_ALLOW_PARTIAL": allow_partial,
                      "ARSEARCH_EXACT_COUNTS": exact_counts})
    configure_logging(access_log)
    try:
        server = bind(AccessLog(app), host, port, threads, dev_server=dev_server,
                      proxy_headers=proxies > 0)
    except BindError as exc:
        raise ArsearchError(str(exc)) from None
    click.echo(f"arsearch: serving {index_dir} on {address}"
               f"{' (Flask development server)' if dev_server else ''}", err=True)
    run(server)
