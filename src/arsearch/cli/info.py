"""``arsearch stats`` and ``arsearch analyze``: what an index holds, and how text is read."""

from __future__ import annotations

import json
from dataclasses import asdict

import click

from arsearch.analysis.chain import analyze
from arsearch.cli.exits import handle_errors
from arsearch.cli.options import CLEAN_TEXT, QueryCommand, allow_partial_option, index_option
from arsearch.search.engine import open_index


@click.command("stats")
@index_option
@click.option("--json", "as_json", is_flag=True)
@allow_partial_option
@handle_errors
def stats_cmd(index_dir: str, as_json: bool, allow_partial: bool) -> None:
    """Documents, sources, categories, date range and size of the index (and of each
    shard of a cluster)."""
    with open_index(index_dir, allow_partial=allow_partial) as engine:
        stats = engine.stats()
    if as_json:
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    click.echo(f"documents: {stats['documents']}"
               + (" (partial: some shards did not answer)" if stats.get("partial") else ""))
    click.echo(f"dates:     {stats['date_from']} .. {stats['date_to']}")
    if stats.get("size_bytes") is not None:
        click.echo(f"size:      {stats['size_bytes'] / 1e6:.1f} MB")
    if stats.get("updated"):
        click.echo(f"updated:   {stats['updated']}")
    shards = stats.get("shards", [])
    if stats.get("fixed_xapian") is False and all(s.get("fixed_xapian") is not False
                                                  for s in shards):  # this process's
        click.echo(f"xapian:    {OUTDATED_XAPIAN}: build it with "
                   "`python scripts/build_xapian.py`")
    for shard in shards:
        click.echo(f"shard:     {shard['name']} {shard['address']}: " + shard_line(shard))
    for key in ("sources", "categories"):
        click.echo(f"{key}:")
        for name, count in stats[key].items():
            click.echo(f"  {count:>7}  {name}")


@click.command("analyze", cls=QueryCommand)
@click.argument("text", type=CLEAN_TEXT)
@click.option("--json", "as_json", is_flag=True)
@handle_errors
def analyze_cmd(text: str, as_json: bool) -> None:
    """Show how TEXT is analysed: each token, its normal form, stem and offsets."""
    tokens = analyze(text)
    if as_json:
        click.echo(json.dumps([asdict(t) for t in tokens], ensure_ascii=False, indent=2))
        return
    click.echo(f"{'token':<16} {'normalised':<16} {'stem':<14} {'offsets':<10} pos")
    for t in tokens:
        stem = "(stop word)" if t.stopword else t.stem
        click.echo(f"{t.text:<16} {t.normalized:<16} {stem:<14} {t.start}-{t.end:<7} "
                   f"{t.position}")


#: What a search loses without arsearch's Xapian build (docs/xapian.md, "Pruning").
OUTDATED_XAPIAN = ("not arsearch's current Xapian build: searches are not pruned, and a "
                   "phrase can be weighed on a document without it")


def shard_line(shard: dict) -> str:
    """A shard's state for people: its documents, where it answers, or why it does not."""
    if shard["status"] == "missing":
        return "MISSING" + (f" ({shard['reason']})" if shard.get("reason") else "")
    if shard["status"] == "outdated":
        return f"OUTDATED, {shard['documents']:,} documents ({shard['reason']})"
    where = f" (replica {shard['serving']})" if shard["status"] == "replica" else ""
    stock = f"; {OUTDATED_XAPIAN}" if shard.get("fixed_xapian") is False else ""
    return f"{shard['documents']:,} documents{where}{stock}"
