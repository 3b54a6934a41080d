"""What the commands share on their command lines: the index folder, text and size types,
and the query command class that lets a query start with ``-``."""

from __future__ import annotations

import math
import os
import re
from typing import Any

import click

from arsearch.search.requests import without_controls


def _default_index() -> str:
    return os.environ.get("ARSEARCH_INDEX", "index")


#: ``--index DIR`` on every command that reads or writes an index (or a cluster file).
index_option = click.option(
    "--index", "index_dir", default=_default_index, show_default="./index or $ARSEARCH_INDEX",
    type=click.Path(), help="Index folder, or a cluster file (*.toml) naming Xapian shards.",
)

#: ``--allow-partial`` on the commands that search a cluster.
allow_partial_option = click.option(
    "--allow-partial", is_flag=True,
    help="Cluster: answer without the shards that cannot be reached (results are marked "
         "partial and name them) instead of failing.")

#: ``--exact-counts`` on the commands that search (a Xapian index or cluster).
exact_counts_option = click.option(
    "--exact-counts", is_flag=True,
    help="Xapian: count the facets of every match, even of a search with very many "
         "(slower; by default those come from a sample and are marked approximate).")


class CleanText(click.ParamType):
    """Command-line text as valid Unicode.

    Bytes that are not UTF-8 reach Python as lone surrogates (``\\udcff``), which any
    later print or JSON dump to a strict UTF-8 stdout turns into a traceback: they
    become U+FFFD here, as the web does with such bytes in a URL. Control characters
    become spaces (an ESC echoed in did-you-mean would drive the terminal).
    """

    name = "text"

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        if not isinstance(value, str):
            return value
        try:
            raw = value.encode("utf-8", "surrogateescape")
        except UnicodeEncodeError:  # a lone surrogate not from undecodable bytes
            raw = value.encode("utf-8", "surrogatepass")
        return without_controls(raw.decode("utf-8", "replace"))


CLEAN_TEXT = CleanText()


class ByteSize(click.ParamType):
    """A size in bytes, optionally with a K, M or G suffix (powers of 1024), from 1K to
    ``maximum`` bytes."""

    name = "size"
    _UNITS = {"": 1, "K": 1024, "M": 1024**2, "G": 1024**3}

    def __init__(self, maximum: int = 1024**3) -> None:
        self.maximum = maximum

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text = str(value).strip().upper().removesuffix("B")
        number, unit = (text[:-1], text[-1]) if text[-1:] and text[-1] in "KMG" \
            else (text, "")
        try:
            size = int(float(number) * self._UNITS[unit])
        except (ValueError, OverflowError):  # "lots", "nan"; "inf" and "1e400" overflow
            self.fail(f"{value!r} is not a size like 4M, 500K or 4000000", param, ctx)
        if size < 1024:
            self.fail(f"{value!r} is below 1K", param, ctx)
        if size > self.maximum:
            self.fail(f"{value!r} is above the largest size, {self.maximum:,} bytes",
                      param, ctx)
        return size


class Seconds(click.FloatRange):
    """Seconds, 0 or more; ``inf`` waits as long as it takes. ``nan`` passes a range check
    (every comparison with it is false) and would then wait forever: it is refused."""

    def __init__(self) -> None:
        super().__init__(min=0)

    def convert(self, value: Any, param: click.Parameter | None,
                ctx: click.Context | None) -> Any:
        seconds = super().convert(value, param, ctx)
        if math.isnan(seconds):
            self.fail(f"{value!r} is not a number of seconds", param, ctx)
        return seconds


class QueryCommand(click.Command):
    """A command whose words form a query that may start with ``-`` (``-سوريا``).

    click would read ``-سوريا`` as an unknown option. Here every argument that is not
    one of the command's own options (or an option's value) is a query word, wherever
    it stands; after ``--`` everything is. The words are handed to click after a
    ``--`` of their own, in their order, so the arguments receive them all.

    Except what looks like a long option: ``--`` and a Latin letter (``--indx``,
    ``--jsno``). No query word is written so, and a mistyped option searched as words
    would answer something else than what was asked, with exit status 0: click says
    "No such option" (and what was meant). ``--`` first makes it a word.
    """

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        options: list[str] = []
        words: list[str] = []
        takes_value = {name: not (p.is_flag or p.count) for p in self.get_params(ctx)
                       if isinstance(p, click.Option) for name in p.opts + p.secondary_opts}
        i = 0
        while i < len(args):
            arg = args[i]
            if arg == "--":
                words.extend(args[i + 1:])
                break
            name = _option_name(arg, takes_value)
            if name is None and _LONG_OPTION.match(arg):
                return super().parse_args(ctx, [*options, arg])  # click: no such option
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


#: What a long option looks like (see QueryCommand).
_LONG_OPTION = re.compile(r"--[A-Za-z]")


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
