"""Figures tests collect (kills survived, fuzz cases tried), shown once after the run.

Tests record with :func:`summary`; ``conftest.pytest_terminal_summary`` prints what was
recorded, so no test exists only to print.
"""

from __future__ import annotations

RECORDED: dict[str, list[str]] = {}


def summary(title: str, lines: list[str]) -> None:
    """Show ``lines`` under ``title`` in pytest's terminal summary (replacing earlier ones)."""
    RECORDED[title] = list(lines)
