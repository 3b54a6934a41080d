"""``python -m arsearch``: the same as the ``arsearch`` command."""

from .cli import main

main()
