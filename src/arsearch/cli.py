"""The ``arsearch`` command: a thin click layer over the library.

Only this module turns :class:`ArsearchError` into a message and an exit code (1 for
errors, 2 for usage, 3 when indexing finished but skipped documents).
"""

from __future__ import annotations

import functools
import json
import os
import sys
from datetime import datetime
from pathlib import Path

import click

from .errors import ArsearchError

EXIT_ERROR = 1
EXIT_SKIPPED = 3


def _default_index() -> str:
    return os.environ.get("ARSEARCH_INDEX", "index")


index_option = click.option(
    "--index", "index_dir", default=_default_index, show_default="./index or $ARSEARCH_INDEX",
    type=click.Path(file_okay=False), help="Index folder.",
)


def handle_errors(func):
    """Print library errors as one line on stderr and exit non-zero, no traceback."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except ArsearchError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_ERROR)
        except KeyboardInterrupt:
            click.secho("interrupted: the index keeps its last committed state", err=True)
            sys.exit(130)
        except OSError as exc:
            click.secho(f"error: {exc.strerror or exc}: {exc.filename or ''}", fg="red",
                        err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arsearch")
def main() -> None:
    """arsearch: full-text search for Arabic news archives."""


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index (the old one stays "
              "searchable until the new one is complete).")
@click.option("--prune", is_flag=True, help="Delete documents whose files are gone.")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Writer processes (default: 2 for large runs, else 1).")
@click.option("--wait", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Seconds to wait for another indexing run to finish.")
@handle_errors
def index_cmd(paths, index_dir, rebuild, prune, procs, wait) -> None:
    """Index files and folders (plain-text articles, <DOC> files, JSON Lines)."""
    from .indexer import index_paths
    from .progress import Progress, terminal_bar

    def on_problem(problem) -> None:
        click.echo(f"skipped: {problem}" if problem.skipped else f"warning: {problem}",
                   err=True)

    if procs is None:
        procs = 2 if sum(_size(p) for p in paths) > 20_000_000 else 1
    progress = Progress(terminal_bar(sys.stderr))
    report = index_paths(index_dir, paths, rebuild=rebuild, prune=prune, procs=procs,
                         wait=wait, progress=progress, on_problem=on_problem)
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


def _size(path: str) -> int:
    p = Path(path)
    if p.is_file():
        return p.stat().st_size
    return sum(f.stat().st_size for f in p.rglob("*") if f.is_file()) if p.is_dir() else 0


def _parse_day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2018-02-15",
                                 param_hint=name) from None


@main.command("search")
@click.argument("query", required=False)
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--source", multiple=True, help="Only this source (repeatable).")
@click.option("--category", multiple=True, help="Only this category (repeatable).")
@click.option("--from", "date_from", help="Only articles from this date (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Only articles up to this date (YYYY-MM-DD).")
@click.option("--topics", type=click.Path(exists=True, dir_okay=False),
              help="Batch mode: a file of qid<TAB>query lines.")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Batch mode: write a TREC run file here.")
@handle_errors
def search_cmd(query, index_dir, limit, page, as_json, source, category, date_from,
               date_to, topics, output) -> None:
    """Search the index. QUERY supports "phrases", OR, -word, title:, source:, date:."""
    from .search import open_index

    with open_index(index_dir) as engine:
        _search(engine, query, limit, page, as_json, source, category, date_from, date_to,
                topics, output)


def _search(engine, query, limit, page, as_json, source, category, date_from, date_to,
            topics, output) -> None:
    if topics:
        if not output:
            raise click.UsageError("--topics needs --output RUN")
        n = _batch(engine, topics, output, limit)
        click.echo(f"{n} queries -> {output}", err=True)
        return
    if not query:
        raise click.UsageError("give a QUERY (or --topics FILE --output RUN)")
    per_page = min(limit, 100)
    results = engine.search(
        query, page=page, per_page=per_page, source=list(source) or None,
        category=list(category) or None, date_from=_parse_day(date_from, "--from"),
        date_to=_parse_day(date_to, "--to"))
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_results(results)


def _batch(engine, topics: str, output: str, limit: int) -> int:
    """Write a TREC run for the ``qid<TAB>query`` lines of ``topics``; return their count."""
    from .evaluate import read_topics

    queries = read_topics(topics)
    with open(output, "w", encoding="utf-8") as out:
        for qid, text in queries:
            for rank, (doc_id, score) in enumerate(engine.ranked_ids(text, limit), 1):
                out.write(f"{qid} Q0 {doc_id} {rank} {score:.4f} arsearch\n")
    return len(queries)


def _terminal_marks(html: str) -> str:
    """Turn a snippet's <mark> into bold/reverse on a terminal, plain text otherwise."""
    from html import unescape

    color = sys.stdout.isatty()
    on, off = ("\x1b[1;7m", "\x1b[0m") if color else ("[", "]")
    return unescape(html.replace("<mark>", on).replace("</mark>", off))


def _print_results(results) -> None:
    first = (results.page - 1) * results.per_page
    click.echo(f"{results.total} results ({results.took_ms:.0f} ms)")
    if results.suggestion:
        click.echo(f"did you mean: {results.suggestion}")
    for i, hit in enumerate(results.hits, first + 1):
        date = hit.date.date().isoformat() if hit.date else ""
        meta = " · ".join(x for x in (hit.source, date, hit.id) if x)
        click.echo(f"\n{i}. {_terminal_marks(hit.title_html) or hit.id}")
        click.echo(f"   {meta}")
        click.echo(f"   {_terminal_marks(hit.snippet)}")


@main.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def stats_cmd(index_dir, as_json) -> None:
    """Documents, sources, categories, date range and size of the index."""
    from .search import open_index

    with open_index(index_dir) as engine:
        stats = engine.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"documents: {stats['documents']}")
    click.echo(f"dates:     {stats['date_from']} .. {stats['date_to']}")
    click.echo(f"size:      {stats['size_bytes'] / 1e6:.1f} MB")
    click.echo(f"updated:   {stats['updated']}")
    for key in ("sources", "categories"):
        click.echo(f"{key}:")
        for name, count in stats[key].items():
            click.echo(f"  {count:>7}  {name}")


@main.command("check")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option("--quick", is_flag=True, help="Files and checksums only, then open the index "
              "as a search would (no full read of every posting list).")
@handle_errors
def check_cmd(index_dir, as_json, quick) -> None:
    """Verify the index: every file against its checksum, then every byte decoded.

    Exits 0 when the index is sound, 1 when it is damaged (rebuild it with
    `arsearch index --rebuild`).
    """
    from .check import check_index
    from .integrity import REBUILD

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


@main.command("eval")
@click.option("--qrels", required=True, type=click.Path(exists=True, dir_okay=False),
              help="TREC qrels: qid 0 docid grade.")
@click.option("--topics", required=True, type=click.Path(exists=True, dir_okay=False),
              help="qid<TAB>query lines.")
@index_option
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def eval_cmd(qrels, topics, index_dir, as_json) -> None:
    """Score the index's rankings against your judgements (nDCG@10, MAP@10, MRR@10, R@100)."""
    from .evaluate import evaluate, read_qrels, read_topics
    from .search import open_index

    engine = open_index(index_dir)
    scores = evaluate(lambda q: [d for d, _ in engine.ranked_ids(q, 100)],
                      read_topics(topics), read_qrels(qrels))
    if as_json:
        click.echo(json.dumps(scores))
        return
    click.echo(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in scores.items()))


@main.command("serve")
@index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 for every interface).")
@click.option("--port", type=click.IntRange(1, 65535), default=5000, show_default=True)
@click.option("--threads", type=click.IntRange(1, 256), default=8, show_default=True,
              help="Worker threads (waitress).")
@click.option("--dev-server", is_flag=True,
              help="Use Flask's development server instead of waitress (never in debug "
                   "mode; for local experiments only).")
@handle_errors
def serve_cmd(index_dir, host, port, threads, dev_server) -> None:
    """Serve the web search page and JSON API (waitress, a production WSGI server)."""
    from .storage import read_meta
    from .webapp import create_app

    if read_meta(Path(index_dir)) is None:
        click.secho(f"warning: no index in {index_dir} yet; the page explains how to build "
                    f"one (arsearch index PATH --index {index_dir})", fg="yellow", err=True)
    app = create_app({"ARSEARCH_INDEX": index_dir})
    click.echo(f"arsearch: serving {index_dir} on http://{host}:{port}/", err=True)
    if dev_server:
        app.run(host=host, port=port, debug=False, use_reloader=False)
        return
    import waitress

    waitress.serve(app, host=host, port=port, threads=threads, ident="arsearch")


@main.command("analyze")
@click.argument("text")
@click.option("--json", "as_json", is_flag=True)
def analyze_cmd(text, as_json) -> None:
    """Show how TEXT is analysed: each token, its normal form, stem and offsets."""
    from .analysis import analyze

    tokens = analyze(text)
    if as_json:
        from dataclasses import asdict

        click.echo(json.dumps([asdict(t) for t in tokens], ensure_ascii=False, indent=2))
        return
    click.echo(f"{'token':<16} {'normalised':<16} {'stem':<14} {'offsets':<10} pos")
    for t in tokens:
        stem = "(stop word)" if t.stopword else t.stem
        click.echo(f"{t.text:<16} {t.normalized:<16} {stem:<14} {t.start}-{t.end:<7} "
                   f"{t.position}")


if __name__ == "__main__":  # pragma: no cover
    main()
