"""The ``arsearch`` command: a thin click layer over the library.

One module per job, each a few click commands that call the library and print:

- :mod:`~arsearch.cli.indexing`: ``index``, ``check``
- :mod:`~arsearch.cli.searching`: ``search`` (and its batch mode), ``explain``, ``eval``
- :mod:`~arsearch.cli.info`: ``stats``, ``analyze``
- :mod:`~arsearch.cli.serving`: ``serve``
- :mod:`~arsearch.cli.cluster`: ``shard serve``, ``cluster status`` (Xapian clusters)
- :mod:`~arsearch.cli.options`: the options and types the commands share
- :mod:`~arsearch.cli.exits`: the only place where an :class:`ArsearchError` becomes a
  message and an exit code (1 for errors, 2 for usage, 3 when a run finished but skipped
  documents or topics)

The command modules know nothing of this group: it adds them, so that they never import
it back (no import cycle).
"""

from __future__ import annotations

import click

from arsearch.cli.cluster import cluster_group, shard_group
from arsearch.cli.indexing import check_cmd, index_cmd
from arsearch.cli.info import analyze_cmd, stats_cmd
from arsearch.cli.searching import eval_cmd, explain_cmd, search_cmd
from arsearch.cli.serving import serve_cmd


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="arsearch")
def main() -> None:
    """arsearch: full-text search for Arabic news archives."""


for _command in (index_cmd, search_cmd, stats_cmd, check_cmd, eval_cmd, explain_cmd,
                 serve_cmd, analyze_cmd, shard_group, cluster_group):
    main.add_command(_command)


if __name__ == "__main__":  # pragma: no cover
    main()
