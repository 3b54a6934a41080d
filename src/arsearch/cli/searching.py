"""``arsearch search`` (one query, or a batch of topics into a TREC run), ``explain`` and
``eval``: the engine's answers printed for people (aligned text) or scripts (``--json``)."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from html import unescape

import click

from arsearch.cli.exits import EXIT_SKIPPED, handle_errors
from arsearch.cli.options import (
    CLEAN_TEXT,
    QueryCommand,
    allow_partial_option,
    exact_counts_option,
    index_option,
)
from arsearch.errors import QueryError
from arsearch.search.engine import Engine, open_index
from arsearch.search.evaluate import evaluate, read_qrels, read_topics
from arsearch.search.export import rows, search_many, write_csv, write_jsonl
from arsearch.search.query import LEVELS, parse_query
from arsearch.search.requests import page_beyond, reversed_dates
from arsearch.search.results import Explanation, Results

#: ``search --limit`` goes this far (read in engine pages of search.MAX_PER_PAGE).
MAX_LIMIT = 1000


@click.command("search", cls=QueryCommand)
@click.argument("query", nargs=-1, type=CLEAN_TEXT)
@index_option
@click.option("--limit", "-n", type=click.IntRange(1, MAX_LIMIT), default=10,
              show_default=True, help=f"Results to show (up to {MAX_LIMIT}).")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "csv", "jsonl"]),
              default=None, help="Output: text (default), json (= --json), csv or jsonl "
              "(one row per result: rank, id, title, date, date_hijri, source, category, "
              "author, url, score).")
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
@click.option("--level", type=click.Choice(LEVELS), default="stem", show_default=True,
              help="How far words without a level prefix may stray: exact, norm, stem, "
                   "lemma (the dictionary entry), root, fuzzy (close spellings too).")
@allow_partial_option
@exact_counts_option
@handle_errors
def search_cmd(query: tuple[str, ...], index_dir: str, limit: int, page: int, as_json: bool,
               fmt: str | None, source: tuple[str, ...], category: tuple[str, ...],
               date_from: str | None, date_to: str | None, topics: str | None,
               output: str | None, level: str, allow_partial: bool,
               exact_counts: bool) -> None:
    """Search the index. QUERY supports "phrases", OR, -word, title:, source:, date:.

    QUERY may be several arguments (they are joined by spaces) and may start with -
    (arsearch search -- -سوريا إدلب works too: after -- everything is the query).
    """
    with open_index(index_dir, allow_partial=allow_partial,
                    exact_counts=exact_counts) as engine:
        if topics:
            if not output:
                raise click.UsageError("--topics needs --output RUN")
            n = _batch(engine, topics, output, limit, level)
            click.echo(f"{n} queries -> {output}", err=True)
            return
        if as_json and fmt not in (None, "json"):
            raise click.UsageError(f"--json and --format {fmt} ask for different outputs")
        results = _search(engine, " ".join(query), limit, page, source, category,
                          date_from, date_to, level)
        fmt = "json" if as_json else fmt or "text"
        if fmt == "json":
            click.echo(json.dumps(results.to_dict(), ensure_ascii=False, indent=2))
        elif fmt == "csv":
            write_csv(rows(results), sys.stdout)
        elif fmt == "jsonl":
            write_jsonl(rows(results), sys.stdout)
        else:
            _print_results(results)


def _search(engine: Engine, query: str, limit: int, page: int, source: tuple[str, ...],
            category: tuple[str, ...], date_from: str | None, date_to: str | None,
            level: str = "stem") -> Results:
    """One page of results for the command line's query and filters."""
    # a blank --source '' is no filter (as an empty field in the web form), not "none"
    sources = [v.strip() for v in source if v.strip()]
    categories = [v.strip() for v in category if v.strip()]
    if not query.strip() and not (sources or categories or date_from or date_to):
        raise click.UsageError("give a QUERY (or --topics FILE --output RUN)")
    first, last = _parse_day(date_from, "--from"), _parse_day(date_to, "--to")
    if problem := reversed_dates(first, last):
        raise click.UsageError(problem)
    results = search_many(engine, query, page, limit, source=sources or None,
                          category=categories or None, date_from=first, date_to=last,
                          level=level)
    beyond = page_beyond(page, results.pages, len(results.hits))
    if beyond is not None:  # the web's 400; here a note
        click.secho(beyond, fg="yellow", err=True)
    return results


def _parse_day(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date like 2018-02-15",
                                 param_hint=name) from None


def _batch(engine: Engine, topics: str, output: str, limit: int, level: str = "stem") -> int:
    """Write a TREC run for the ``qid<TAB>query`` lines of ``topics``; return their count.

    A topic without a word to search (empty, or only stop words) is reported and left
    out of the run: it would rank arbitrary documents. The exit status is then 3.
    """
    queries = read_topics(topics)
    skipped = 0
    with open(output, "w", encoding="utf-8") as out:
        for qid, text in queries:
            why, ranked = _unsearchable(text), []
            if why is None:
                try:
                    ranked = engine.ranked_ids(text, limit, level)
                except QueryError as exc:  # e.g. longer than the engine takes
                    why = str(exc)
            if why is not None:
                click.echo(f"skipped: topic {qid!r}: {why}", err=True)
                skipped += 1
                continue
            for rank, (doc_id, score) in enumerate(ranked, 1):
                out.write(f"{qid} Q0 {doc_id} {rank} {score:.4f} arsearch\n")
    if skipped:
        click.echo(f"{len(queries) - skipped} queries -> {output}", err=True)
        click.secho(f"{skipped} topic(s) skipped (see above)", fg="yellow", err=True)
        sys.exit(EXIT_SKIPPED)
    return len(queries)


def _unsearchable(text: str) -> str | None:
    """Why a topic has nothing to search, or None."""
    if not parse_query(text).is_empty:
        return None
    return "empty query" if not text.strip() else "no word to search"


def _terminal_marks(html: str) -> str:
    """Turn a snippet's <mark> into bold/reverse on a terminal, plain text otherwise."""
    color = sys.stdout.isatty()
    on, off = ("\x1b[1;7m", "\x1b[0m") if color else ("[", "]")
    return unescape(html.replace("<mark>", on).replace("</mark>", off))


def _print_results(results: Results) -> None:
    first = (results.page - 1) * results.per_page
    if results.partial:
        click.secho(f"partial: shard(s) {', '.join(results.missing_shards)} did not answer; "
                    "the results and the total are those of the other shards",
                    fg="yellow", err=True)
    about = "" if results.total_exact else "about "
    click.echo(f"{about}{results.total} results ({results.took_ms:.0f} ms)"
               + (" (partial)" if results.partial else ""))
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


@click.command("explain", cls=QueryCommand)
@click.argument("query", type=CLEAN_TEXT)
@click.argument("doc_id", type=CLEAN_TEXT)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON for scripts.")
@handle_errors
def explain_cmd(query: str, doc_id: str, index_dir: str, as_json: bool) -> None:
    """Why DOC_ID scores what it does for QUERY: the score, part by part."""
    with open_index(index_dir) as engine:
        explanation = engine.explain(query, doc_id)
    if as_json:
        click.echo(json.dumps(explanation.to_dict(), ensure_ascii=False, indent=2))
        return
    click.echo(format_explanation(explanation))


def format_explanation(x: Explanation) -> str:
    """The explanation as aligned lines: one per part, the total first."""
    where = f"rank {x.rank} of {x.total}" if x.matches else \
        "not a result of this query" + (f": {x.reason}" if x.reason else "")
    if x.matches and x.sorted_by == "date":
        where += ", newest first: no word to rank by"
    lines = [f"{x.score:.4f}  {x.id}  ({where})"]
    for p in x.parts:
        fields = ", ".join(f"{f} {share:.0%}" for f, share in p.fields.items())
        detail = "  ".join(filter(None, (p.term if p.term != p.text else "", fields, p.note)))
        lines.append(f"  {p.score:+10.4f}  {p.kind:<13} {p.text}  {detail}".rstrip())
    return "\n".join(lines)


@click.command("eval")
@click.option("--qrels", required=True, type=click.Path(exists=True, dir_okay=False),
              help="TREC qrels: qid 0 docid grade.")
@click.option("--topics", required=True, type=click.Path(exists=True, dir_okay=False),
              help="qid<TAB>query lines.")
@index_option
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def eval_cmd(qrels: str, topics: str, index_dir: str, as_json: bool) -> None:
    """Score the index's rankings against your judgements (nDCG@10, MAP@10, MRR@10, R@100)."""
    with open_index(index_dir) as engine:
        scores = evaluate(lambda q: [d for d, _ in engine.ranked_ids(q, 100)],
                          read_topics(topics), read_qrels(qrels))
    if as_json:
        click.echo(json.dumps(scores))
        return
    click.echo(" ".join(f"{k}={v:.4f}" if isinstance(v, float) else f"{k}={v}"
                        for k, v in scores.items()))
