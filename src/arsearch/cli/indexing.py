"""``arsearch index`` and ``arsearch check``: build an index, and verify one."""

from __future__ import annotations

import json
import sys

import click

from arsearch.backends import BACKENDS, locate
from arsearch.backends.whoosh.check import check_index
from arsearch.backends.whoosh.integrity import REBUILD
from arsearch.cli.exits import EXIT_ERROR, EXIT_SKIPPED, handle_errors
from arsearch.cli.options import ByteSize, Seconds, index_option
from arsearch.errors import ArsearchError
from arsearch.indexing import index_paths
from arsearch.ingest.documents import MAX_DOC_BYTES_LIMIT
from arsearch.progress import Progress, terminal_bar


@click.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index (the old one stays "
              "searchable until the new one is complete).")
@click.option("--prune", is_flag=True, help="Delete the documents of the given paths "
              "whose files are gone (never documents from elsewhere).")
@click.option("--id-root", type=click.Path(exists=True, file_okay=False), default=None,
              help="Plain-text articles' ids are their paths relative to this folder "
                   "(default: the folder holding the index folder); recorded in the index.")
@click.option("--max-doc-bytes", type=ByteSize(MAX_DOC_BYTES_LIMIT), default=None,
              show_default="4M",
              help="Cut documents larger than this (reported), e.g. 500K, 16M.")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Writer processes (default: 2 for large runs, else 1).")
@click.option("--wait", type=Seconds(), default=0.0, show_default=True,
              help="Seconds to wait for another indexing run to finish.")
@click.option("--backend", type=click.Choice(BACKENDS), default=None,
              help="For a new index folder: whoosh (default, embedded) or xapian. An "
                   "existing index keeps its own; a cluster file is always Xapian.")
@handle_errors
def index_cmd(paths: tuple[str, ...], index_dir: str, rebuild: bool, prune: bool,
              id_root: str | None, max_doc_bytes: int | None, procs: int | None,
              wait: float, backend: str | None) -> None:
    """Index files and folders (plain-text articles, <DOC> files, JSON Lines) into an
    index folder, or into the shards of a cluster file (--index cluster.toml)."""

    def on_problem(problem) -> None:  # an ingest Problem
        click.echo(f"skipped: {problem}" if problem.skipped else f"warning: {problem}",
                   err=True)

    progress = Progress(terminal_bar(sys.stderr))
    report = index_paths(index_dir, paths, rebuild=rebuild, prune=prune, id_root=id_root,
                         max_doc_bytes=max_doc_bytes, procs=procs, wait=wait,
                         progress=progress, on_problem=on_problem, backend=backend)
    if sys.stderr.isatty():
        click.echo("", err=True)
    rate = (report.added + report.updated + report.unchanged) / max(report.seconds, 1e-9)
    click.echo(
        f"{report.added} added, {report.updated} updated, {report.unchanged} unchanged, "
        f"{report.deleted} deleted, {report.skipped} skipped; {report.documents} documents "
        f"in {index_dir} ({report.seconds:.1f} s, {rate:,.0f} documents/s)"
    )
    if report.skipped:
        click.secho(f"{report.skipped} document(s) could not be indexed (see above)",
                    fg="yellow", err=True)
        sys.exit(EXIT_SKIPPED)


@click.command("check")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quick", is_flag=True, help="Files and checksums only, then open the index "
              "as a search would (no full read of every posting list).")
@handle_errors
def check_cmd(index_dir: str, as_json: bool, quick: bool) -> None:
    """Verify the index: every file against its checksum, then every byte decoded.

    Exits 0 when the index is sound, 1 when it is damaged (rebuild it with
    `arsearch index --rebuild`).
    """
    backend = locate(index_dir).backend
    if backend != "whoosh":
        where = "each shard's folder on its machine" if backend == "cluster" \
            else f"each part under {index_dir}/db*/"
        raise ArsearchError(f"arsearch check verifies Whoosh index folders; {index_dir} is a "
                            f"Xapian index: run xapian-check on {where}")
    report = check_index(index_dir, quick=quick)
    if as_json:
        click.echo(json.dumps(report.to_dict(), ensure_ascii=False, indent=2))
    else:
        for warning in report.warnings:
            click.secho(f"warning: {warning}", fg="yellow", err=True)
        for finding in report.errors:
            click.secho(f"error: {finding}", fg="red", err=True)
        how = ("checksums" if report.checksums else "no checksums") + (
            ", every byte decoded" if report.decoded else "")
        click.echo(f"{index_dir}: generation {report.generation} state {report.state}, "
                   f"{report.documents:,} documents, {report.files} files, "
                   f"{report.bytes / 1e6:.1f} MB ({how}; {report.seconds:.1f} s): "
                   + ("sound" if report.ok else f"DAMAGED: {REBUILD}"))
    if not report.ok:
        sys.exit(EXIT_ERROR)
