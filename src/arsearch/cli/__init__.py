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

from arsearch.errors import ArsearchError

EXIT_ERROR = 1
EXIT_SKIPPED = 3
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE
#: ``search --limit`` goes this far (read in engine pages of search.MAX_PER_PAGE).
MAX_LIMIT = 1000


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
        except BrokenPipeError:
            _quiet_broken_pipe()
        except KeyboardInterrupt:
            click.secho("interrupted: the index keeps its last committed state", err=True)
            sys.exit(130)
        except OSError as exc:
            click.secho(f"error: {exc.strerror or exc}: {exc.filename or ''}", fg="red",
                        err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


class CleanText(click.ParamType):
    """Command-line text as valid Unicode.

    Bytes that are not UTF-8 reach Python as lone surrogates (``\\udcff``), which any
    later print or JSON dump to a strict UTF-8 stdout turns into a traceback: they
    become U+FFFD here, as the web does with such bytes in a URL.
    """

    name = "text"

    def convert(self, value, param, ctx) -> str:
        if not isinstance(value, str):
            return value
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate not from undecodable bytes
            raw = value.encode("utf-8", "surrogatepass")
        return raw.decode("utf-8", "replace")


CLEAN_TEXT = CleanText()


def _quiet_broken_pipe() -> None:
    """The reader of our output went away (``| head``): stop quietly, as Unix tools do.

    stdout is pointed at /dev/null so that the interpreter's final flush cannot raise
    again, and the status is the shell's for a process ended by SIGPIPE (128 + 13).
    SIGPIPE itself stays ignored: ``serve`` must survive clients that hang up.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # no real stdout (a test runner's buffer)
        pass
    sys.exit(EXIT_BROKEN_PIPE)


class QueryCommand(click.Command):
    """A command whose words form a query that may start with ``-`` (``-سوريا``).

    click would read ``-سوريا`` as an unknown option. Here every argument that is not
    one of the command's own options (or an option's value) is a query word, wherever
    it stands; after ``--`` everything is. The words are handed to click after a
    ``--`` of their own, in their order, so QUERY receives them all.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options, words = [], []
        takes_value = {name: not (p.is_flag or p.count) for p in self.get_params(ctx)
                       if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words.extend(args[i + 1:])
                break
            name = _option_name(arg, takes_value)
            if name is None:
                words.append(arg)
            else:
                options.append(arg)
                if takes_value[name] and arg == name:
                    if i + 1 == len(args):  # its value is missing: let click say so
                        return super().parse_args(ctx, options)
                    i += 1
                    options.append(args[i])  # the value, even if it starts with -
            i += 1
        return super().parse_args(ctx, [*options, "--", *words] if words else options)


def _option_name(arg: str, takes_value: dict[str, bool]) -> str | None:
    """The option ``arg`` names (``--limit``, ``--limit=5``, ``-n5``), or None."""
    if not arg.startswith("-") or arg == "-":
        return None
    if arg in takes_value:
        return arg
    head = arg.split("=", 1)[0]
    if arg.startswith("--"):
        return head if head in takes_value and takes_value[head] else None
    short = arg[:2]  # -n5; but -nato is an excluded word, not -n "ato"
    return short if takes_value.get(short) and arg[2:].isdigit() else None


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arsearch")
def main() -> None:
    """arsearch: full-text search for Arabic news archives."""


class ByteSize(click.ParamType):
    """A size in bytes, optionally with a K, M or G suffix (powers of 1024)."""

    name = "size"
    _UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

    def convert(self, value, param, ctx) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        number, unit = (text[:-1], text[-1]) if text[-1:] in "KMG" else (text, "")
        try:
            size = int(float(number) * self._UNITS[unit])
        except ValueError:
            self.fail(f"{value!r} is not a size like 4M, 500K or 4000000", param, ctx)
        if size < 1024:
            self.fail(f"{value!r} is below 1K", param, ctx)
        return size


@main.command("index")
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@index_option
@click.option("--rebuild", is_flag=True, help="Build a fresh index (the old one stays "
              "searchable until the new one is complete).")
@click.option("--prune", is_flag=True, help="Delete the documents of the given paths "
              "whose files are gone (never documents from elsewhere).")
@click.option("--id-root", type=click.Path(exists=True, file_okay=False), default=None,
              help="Plain-text articles' ids are their paths relative to this folder "
                   "(default: the folder holding the index folder); recorded in the index.")
@click.option("--max-doc-bytes", type=ByteSize(), default=None, show_default="4M",
              help="Cut documents larger than this (reported), e.g. 500K, 16M.")
@click.option("--procs", type=click.IntRange(1, 64), default=None,
              help="Writer processes (default: 2 for large runs, else 1).")
@click.option("--wait", type=click.FloatRange(0), default=0.0, show_default=True,
              help="Seconds to wait for another indexing run to finish.")
@handle_errors
def index_cmd(paths, index_dir, rebuild, prune, id_root, max_doc_bytes, procs, wait) -> None:
    """Index files and folders (plain-text articles, <DOC> files, JSON Lines)."""
    from arsearch.indexing import index_paths
    from arsearch.progress import Progress, terminal_bar

    def on_problem(problem) -> None:
        click.echo(f"skipped: {problem}" if problem.skipped else f"warning: {problem}",
                   err=True)

    progress = Progress(terminal_bar(sys.stderr))
    report = index_paths(index_dir, paths, rebuild=rebuild, prune=prune, id_root=id_root,
                         max_doc_bytes=max_doc_bytes, procs=procs, wait=wait,
                         progress=progress, on_problem=on_problem)
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


def _parse_day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2018-02-15",
                                 param_hint=name) from None


@main.command("search", cls=QueryCommand)
@click.argument("query", nargs=-1, type=CLEAN_TEXT)
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, MAX_LIMIT), default=10,
              show_default=True, help=f"Results to show (up to {MAX_LIMIT}).")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--source", multiple=True, type=CLEAN_TEXT,
              help="Only this source (repeatable).")
@click.option("--category", multiple=True, type=CLEAN_TEXT,
              help="Only this category (repeatable).")
@click.option("--from", "date_from", help="Only articles from this date (YYYY-MM-DD).")
@click.option("--to", "date_to", help="Only articles up to this date (YYYY-MM-DD).")
@click.option("--topics", type=click.Path(exists=True, dir_okay=False),
              help="Batch mode: a file of qid<TAB>query lines.")
@click.option("--output", type=click.Path(dir_okay=False),
              help="Batch mode: write a TREC run file here.")
@handle_errors
def search_cmd(query, index_dir, limit, page, as_json, source, category, date_from,
               date_to, topics, output) -> None:
    """Search the index. QUERY supports "phrases", OR, -word, title:, source:, date:.

    QUERY may be several arguments (they are joined by spaces) and may start with -
    (arsearch search -- -سوريا إدلب works too: after -- everything is the query).
    """
    from arsearch.search.engine import open_index

    with open_index(index_dir) as engine:
        _search(engine, " ".join(query), limit, page, as_json, source, category,
                date_from, date_to, topics, output)


def _search(engine, query, limit, page, as_json, source, category, date_from, date_to,
            topics, output) -> None:
    if topics:
        if not output:
            raise click.UsageError("--topics needs --output RUN")
        n = _batch(engine, topics, output, limit)
        click.echo(f"{n} queries -> {output}", err=True)
        return
    # a blank --source '' is no filter (as an empty field in the web form), not "none"
    source = [v.strip() for v in source if v.strip()]
    category = [v.strip() for v in category if v.strip()]
    if not query.strip() and not (source or category or date_from or date_to):
        raise click.UsageError("give a QUERY (or --topics FILE --output RUN)")
    results = _search_page(engine, query, page, limit, source=source or None,
                           category=category or None,
                           date_from=_parse_day(date_from, "--from"),
                           date_to=_parse_day(date_to, "--to"))
    if as_json:
        click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        return
    _print_results(results)


def _search_page(engine, query: str, page: int, limit: int, **filters):
    """Page ``page`` of ``limit`` results, in as many engine pages as that takes.

    The engine serves at most MAX_PER_PAGE hits a call (a bound for the web); the CLI
    promises up to MAX_LIMIT, so it reads the engine pages covering its own page.
    """
    from dataclasses import replace

    from arsearch.search.engine import MAX_PER_PAGE

    if limit <= MAX_PER_PAGE:
        return engine.search(query, page=page, per_page=limit, **filters)
    start = (page - 1) * limit
    first = start // MAX_PER_PAGE + 1
    results = engine.search(query, page=first, per_page=MAX_PER_PAGE, **filters)
    hits = list(results.hits)
    inner = first
    while len(hits) < start % MAX_PER_PAGE + limit and inner * MAX_PER_PAGE < results.total:
        inner += 1
        hits.extend(engine.search(query, page=inner, per_page=MAX_PER_PAGE, **filters).hits)
    skip = start - (first - 1) * MAX_PER_PAGE
    return replace(results, hits=hits[skip:skip + limit], page=page, per_page=limit)


def _batch(engine, topics: str, output: str, limit: int) -> int:
    """Write a TREC run for the ``qid<TAB>query`` lines of ``topics``; return their count.

    A topic without a word to search (empty, or only stop words) is reported and left
    out of the run: it would rank arbitrary documents. The exit status is then 3.
    """
    from arsearch.search.evaluate import read_topics
    from arsearch.search.query import parse_query

    queries = read_topics(topics)
    skipped = 0
    with open(output, "w", encoding="utf-8") as out:
        for qid, text in queries:
            if parse_query(text).is_empty:
                why = "empty query" if not text.strip() else "no word to search"
                click.echo(f"skipped: topic {qid!r}: {why}", err=True)
                skipped += 1
                continue
            for rank, (doc_id, score) in enumerate(engine.ranked_ids(text, limit), 1):
                out.write(f"{qid} Q0 {doc_id} {rank} {score:.4f} arsearch\n")
    if skipped:
        click.echo(f"{len(queries) - skipped} queries -> {output}", err=True)
        click.secho(f"{skipped} topic(s) skipped (see above)", fg="yellow", err=True)
        sys.exit(EXIT_SKIPPED)
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
    if results.sorted_by == "date" and results.query.strip():
        click.echo("no word to rank by: newest first")
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
    from arsearch.search.engine import open_index

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
    from arsearch.backends.whoosh.check import check_index
    from arsearch.backends.whoosh.integrity import REBUILD

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
    from arsearch.search.engine import open_index
    from arsearch.search.evaluate import evaluate, read_qrels, read_topics

    engine = open_index(index_dir)
    scores = evaluate(lambda q: [d for d, _ in engine.ranked_ids(q, 100)],
                      read_topics(topics), read_qrels(qrels))
    if as_json:
        click.echo(json.dumps(scores))
        return
    click.echo(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in scores.items()))


@main.command("explain")
@click.argument("query")
@click.argument("doc_id")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@handle_errors
def explain_cmd(query, doc_id, index_dir, as_json) -> None:
    """Why DOC_ID scores what it does for QUERY: the score, part by part."""
    from arsearch.search.engine import open_index

    with open_index(index_dir) as engine:
        explanation = engine.explain(query, doc_id)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(format_explanation(explanation))


def format_explanation(x) -> str:
    """The explanation as aligned lines: one per part, the total first."""
    where = f"rank {x.rank} of {x.total}" if x.matches else "not a result of this query"
    lines = [f"{x.score:.4f}  {x.id}  ({where})"]
    for p in x.parts:
        fields = ", ".join(f"{f} {share:.0%}" for f, share in p.fields.items())
        detail = "  ".join(filter(None, (p.term if p.term != p.text else "", fields, p.note)))
        lines.append(f"  {p.score:+10.4f}  {p.kind:<13} {p.text}  {detail}".rstrip())
    return "\n".join(lines)


@main.command("serve")
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
@handle_errors
def serve_cmd(index_dir, host, port, threads, public_url, proxies, access_log,
              dev_server) -> None:
    """Serve the web search page and JSON API (waitress, a production WSGI server)."""
    from arsearch.backends.whoosh.generations import read_meta
    from arsearch.web.app import create_app
    from arsearch.web.server import AccessLog, BindError, bind, configure_logging, run

    if read_meta(Path(index_dir)) is None:
        click.secho(f"warning: no index in {index_dir} yet; the page explains how to build "
                    f"one (arsearch index PATH --index {index_dir})", fg="yellow", err=True)
    address = f"http://{f'[{host}]' if ':' in host else host}:{port}/"
    if public_url is None and not proxies and host not in ("0.0.0.0", "::", ""):
        public_url = address
    app = create_app({"ARSEARCH_INDEX": index_dir, "ARSEARCH_PUBLIC_URL": public_url or "",
                      "ARSEARCH_PROXIES": proxies})
    configure_logging(access_log)
    try:
        server = bind(AccessLog(app), host, port, threads, dev_server=dev_server,
                      proxy_headers=proxies > 0)
    except BindError as exc:
        raise ArsearchError(str(exc)) from None
    click.echo(f"arsearch: serving {index_dir} on {address}"
               f"{' (Flask development server)' if dev_server else ''}", err=True)
    run(server)


@main.command("analyze")
@click.argument("text", type=CLEAN_TEXT)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def analyze_cmd(text, as_json) -> None:
    """Show how TEXT is analysed: each token, its normal form, stem and offsets."""
    from arsearch.analysis.chain import analyze

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
