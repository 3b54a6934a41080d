"""Synonyms: groups of names for one thing (داعش, تنظيم الدولة, الدولة الإسلامية).

Names in Arabic news come in several spellings and several names (organisations,
transliterated leaders, the three month-naming systems). Expanding at query time keeps
the index unchanged when the list changes, and lets the results say what was added.
The bundled list is small and curated; users add groups in a file of the same format.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

from arsearch.analysis.chain import query_terms
from arsearch.errors import ArsearchError

MAX_ENTRY_WORDS = 4

Stems = tuple[str, ...]


@dataclass(frozen=True)
class Entry:
    """One way of naming a thing: its text, and its words as (stem, normalised form)."""

    text: str
    terms: tuple[tuple[str, str], ...]

    @property
    def stems(self) -> Stems:
        return tuple(stem for stem, _ in self.terms)


class Synonyms:
    """Groups of equivalent entries, looked up by their stems.

    Expanding a query with them is the search side's job (:mod:`arsearch.search.expand`):
    this class only knows which entries name the same thing.
    """

    def __init__(self, groups: list[list[str]]):
        self.groups: list[list[Entry]] = []
        self.index: dict[Stems, int] = {}
        for group in groups:
            entries = [Entry(text.strip(), tuple(query_terms(text))) for text in group]
            entries = [e for e in entries if e.terms]
            if len(entries) > 1:
                self._add(entries)

    def _add(self, entries: list[Entry]) -> None:
        """Add a group; one that shares an entry with groups already known joins them.

        A user's line ``داعش, داعش الإرهابي`` extends the bundled داعش group: kept apart,
        the first group would win every lookup of داعش and the line would do nothing.
        """
        known = sorted({self.index[e.stems] for e in entries if e.stems in self.index})
        if not known:
            target = len(self.groups)
            self.groups.append([])
        else:
            target = known[0]
            for other in known[1:]:  # a line naming two groups makes them one
                entries = self.groups[other] + entries
                self.groups[other] = []
        members = self.groups[target]
        for entry in entries:
            if all(e.stems != entry.stems for e in members):
                members.append(entry)
            self.index[entry.stems] = target

    def __len__(self) -> int:
        return sum(1 for g in self.groups if g)  # a merged group leaves an empty slot

    def others(self, stems: Stems) -> list[Entry] | None:
        """The other entries of the group ``stems`` names, or None when it names none."""
        group = self.index.get(stems)
        if group is None:
            return None
        return [e for e in self.groups[group] if e.stems != stems]


def parse_groups(text: str) -> list[list[str]]:
    """Lines of comma-separated entries; ``#`` starts a comment."""
    groups = []
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            groups.append([e for e in (p.strip() for p in line.replace("،", ",").split(","))
                           if e])
    return groups


@cache
def _bundled() -> tuple[tuple[str, ...], ...]:
    text = resources.files("arsearch").joinpath("data/synonyms_ar.txt").read_text("utf-8")
    return tuple(tuple(g) for g in parse_groups(text))


def load_synonyms(*paths: str | os.PathLike | None, bundled: bool = True) -> Synonyms:
    """The bundled groups plus those of each existing file in ``paths``."""
    groups = [list(g) for g in _bundled()] if bundled else []
    for path in paths:
        if path is None:
            continue
        p = Path(path)
        if not p.is_file():
            continue
        try:
            groups.extend(parse_groups(p.read_text("utf-8")))
        except (OSError, UnicodeDecodeError) as exc:
            raise ArsearchError(f"cannot read the synonyms file {p}: {exc}") from exc
    return Synonyms(groups)
