"""Query-time synonyms: one search for داعش also finds تنظيم الدولة.

Names in Arabic news come in several spellings and several names (organisations,
transliterated leaders, the three month-naming systems). Expanding at query time keeps
the index unchanged when the list changes, and lets the results say what was added.
The bundled list is small and curated; users add groups in a file of the same format.
"""

from __future__ import annotations

import os
from dataclasses import replace
from functools import cache
from importlib import resources
from pathlib import Path

from arsearch.analysis.chain import query_terms
from arsearch.errors import ArsearchError
from arsearch.search.query import MAX_PHRASES, Item, ParsedQuery, Phrase, Word, phrase_count

#: An expansion counts this much of a word the user typed (0.8 cost 0.01 MRR@10 on the
#: ANT known-item titles, where the wording is exact; 0.5 keeps that loss to 0.003).
SYNONYM_WEIGHT = 0.5
MAX_ENTRY_WORDS = 4

Entry = tuple[str, ...]  # stems


class Synonyms:
    """Groups of equivalent entries, looked up by their stems."""

    def __init__(self, groups: list[list[str]]):
        self.groups: list[list[tuple[Entry, str, tuple[Word, ...]]]] = []
        self.index: dict[Entry, int] = {}
        for group in groups:
            entries = []
            for text in group:
                words = tuple(Word(s, n, n) for s, n in query_terms(text))
                if words:
                    entries.append((tuple(w.stem for w in words), text.strip(), words))
            if len(entries) > 1:
                for stems, _, _ in entries:
                    self.index.setdefault(stems, len(self.groups))
                self.groups.append(entries)

    def __len__(self) -> int:
        return len(self.groups)

    def expand(self, q: ParsedQuery, weight: float = SYNONYM_WEIGHT) -> list[str]:
        """Add the synonyms of the query's words and names to ``q``, each counting ``weight``
        of a typed word; return what was added."""
        added: list[str] = []
        groups = q.groups
        i = 0
        while i < len(groups):
            for size in range(min(MAX_ENTRY_WORDS, len(groups) - i), 0, -1):
                run = groups[i:i + size]
                stems = _single_stems(run)
                if stems is None or stems not in self.index:
                    continue
                phrases = phrase_count(q) + (size > 1)
                if phrases > MAX_PHRASES:
                    continue  # the query's phrase budget is spent (query.py)
                original = run[0][0] if size == 1 else Phrase(tuple(g[0] for g in run))
                extra: list[Item] = []
                for entry_stems, text, words in self.groups[self.index[stems]]:
                    if entry_stems == stems or (len(words) > 1 and phrases >= MAX_PHRASES):
                        continue
                    phrases += len(words) > 1
                    words = tuple(replace(w, field=original.field) for w in words)
                    extra.append(replace(words[0], weight=weight) if len(words) == 1
                                 else Phrase(words, original.field, weight=weight))
                    added.append(text)
                groups[i:i + size] = [[original, *extra]]
                break
            i += 1
        return added


def _single_stems(run: list[list[Item]]) -> Entry | None:
    """The stems of ``run`` if it can be one synonym entry, else None.

    A run of several groups must be plain words (تنظيم الدولة): a phrase the user
    quoted is a unit of its own, matched as an entry only alone ("الدولة الإسلامية"),
    never merged with its neighbours into a longer phrase.
    """
    if len(run) == 1 and len(run[0]) == 1 and isinstance(run[0][0], Phrase):
        return tuple(w.stem for w in run[0][0].words)
    stems = []
    for group in run:
        if len(group) != 1 or not isinstance(group[0], Word):
            return None
        stems.append(group[0].stem)
    return tuple(stems)


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
