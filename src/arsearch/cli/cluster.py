"""``arsearch shard serve`` and ``arsearch cluster status``: the Xapian cluster's tools.

A cluster is a file (``*.toml``) naming shard servers; every other command takes it as
``--index`` (``arsearch index PATH --index cluster.toml``, ``search``, ``stats``,
``serve``). These two run a shard server and say how the shards are.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys

import click

from arsearch.backends import cluster_status, shard_server
from arsearch.cli.exits import EXIT_ERROR, handle_errors
from arsearch.cli.info import OUTDATED_XAPIAN, shard_line


@click.group("shard")
def shard_group() -> None:
    """One shard of a Xapian cluster."""


@shard_group.command("serve")
@click.argument("folder", type=click.Path(file_okay=False))
@click.option("--port", type=click.IntRange(1, 65535), required=True)
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (loopback unless --allow-public).")
@click.option("--writable", is_flag=True,
              help="Accept one writer (arsearch index --index cluster.toml); creates an "
                   "empty shard in FOLDER if there is none.")
@click.option("--allow-public", is_flag=True,
              help="Listen on an address other machines reach. Xapian's protocol has no "
                   "authentication or encryption: only on a private network.")
@handle_errors
def shard_serve_cmd(folder: str, port: int, host: str, writable: bool,
                    allow_public: bool) -> None:
    """Serve the Xapian database in FOLDER as a shard (xapian-tcpsrv) until stopped."""
    server = shard_server(folder, port, host, writable=writable,
                          allow_public=allow_public).start()
    stopping: list[int] = []

    def stop(signum, frame) -> None:  # noqa: ARG001 - the signal handler's signature
        # only signal here: waiting inside the handler would wait on the wait it
        # interrupted (Popen's lock); the main loop below sees the server end
        stopping.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(server.proc.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"arsearch: serving shard {folder} on {host}:{server.port}"
               f"{' (writable)' if writable else ''} with {server_kind(server)}", err=True)
    code = server.proc.wait()
    server.stop()  # its connections' children too
    if stopping:
        return
    if code:
        click.secho(f"error: xapian-tcpsrv stopped with status {code}", fg="red", err=True)
        sys.exit(EXIT_ERROR)


def server_kind(server) -> str:
    """Which xapian-tcpsrv serves: arsearch's fixed build (searches over it may be
    pruned) or another (docs/xapian.md, "Pruning: on arsearch's fixed Xapian only")."""
    if server.fixed:
        return "arsearch's fixed Xapian"
    return f"{server.server_exe} ({OUTDATED_XAPIAN})"


@click.group("cluster")
def cluster_group() -> None:
    """A Xapian cluster (a file naming its shard servers)."""


@cluster_group.command("status")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--timeout", type=click.FloatRange(0.1, 600), default=5.0, show_default=True,
              help="Seconds a shard may take to answer.")
@handle_errors
def cluster_status_cmd(file: str, as_json: bool, timeout: float) -> None:
    """Each shard's documents and health. Exits 1 when a shard answers at no address or
    was written by an older arsearch (its layout: searches refuse it)."""
    shards = cluster_status(file, timeout)
    if as_json:
        click.echo(json.dumps(shards, ensure_ascii=False, indent=2))
    else:
        for shard in shards:
            click.echo(f"{shard['name']:<16} {shard['address']:<22} {shard_line(shard)}")
        documents = sum(s["documents"] or 0 for s in shards)
        missing = [s["name"] for s in shards if s["status"] == "missing"]
        outdated = [s["name"] for s in shards if s["status"] == "outdated"]
        click.echo(f"{len(shards)} shards, {documents:,} documents"
                   + (f"; missing: {', '.join(missing)}" if missing else "")
                   + (f"; outdated: {', '.join(outdated)}" if outdated else ""))
    if any(s["status"] in ("missing", "outdated") for s in shards):
        sys.exit(EXIT_ERROR)
