"""Errors become exit codes here, and only here: the one place the CLI decides how a run ends.

The library raises :class:`ArsearchError` (and the OS raises ``OSError``) with a message
a user can act on; :func:`handle_errors` prints it as one line on stderr, never a
traceback, and exits 1. Usage errors are click's (exit 2); a run that finished but
skipped documents or topics exits 3 (:data:`EXIT_SKIPPED`).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import NoReturn, ParamSpec, TypeVar

import click

from arsearch.errors import ArsearchError

EXIT_ERROR = 1
EXIT_SKIPPED = 3
EXIT_BROKEN_PIPE = 128 + 13  # what a shell reports for a process ended by SIGPIPE
EXIT_INTERRUPTED = 128 + 2  # ... and for one ended by Ctrl-C (SIGINT)

P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Print library errors as one line on stderr and exit non-zero, no traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ArsearchError as exc:
            click.secho(f"error: {exc}", fg="red", err=True)
            sys.exit(EXIT_ERROR)
        except BrokenPipeError:
            quiet_broken_pipe()
        except KeyboardInterrupt:
            click.secho("interrupted: the index keeps its last committed state", err=True)
            sys.exit(EXIT_INTERRUPTED)
        except OSError as exc:
            click.secho(f"error: {exc.strerror or exc}: {exc.filename or ''}", fg="red",
                        err=True)
            sys.exit(EXIT_ERROR)

    return wrapper


def quiet_broken_pipe() -> NoReturn:
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
