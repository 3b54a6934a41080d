"""``python -m arsearch``: the same as the ``arsearch`` command."""

from arsearch.cli import main

main()
