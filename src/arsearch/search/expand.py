"""Query-time synonym expansion: one search for داعش also finds تنظيم الدولة.

Names in Arabic news come in several spellings and several names (organisations,
transliterated leaders, the three month-naming systems). Expanding at query time keeps
the index unchanged when the list changes, and lets the results say what was added.
The groups come from :mod:`arsearch.analysis.synonyms`.
"""

from __future__ import annotations

from dataclasses import replace

from arsearch.analysis.synonyms import MAX_ENTRY_WORDS, Stems, Synonyms
from arsearch.search.query import MAX_PHRASES, Item, ParsedQuery, Phrase, Word, phrase_count

#: An expansion counts this much of a word the user typed (``Weights.synonyms``; measured
#: on every visible set, README "Ranking").
SYNONYM_WEIGHT = 0.5


def expand(synonyms: Synonyms, q: ParsedQuery, weight: float = SYNONYM_WEIGHT) -> list[str]:
    """Add the synonyms of the query's words and names to ``q``, each counting ``weight``
    of a typed word; return what was added."""
    added: list[str] = []
    groups = q.groups
    i = 0
    while i < len(groups):
        for size in range(min(MAX_ENTRY_WORDS, len(groups) - i), 0, -1):
            run = groups[i:i + size]
            stems = _single_stems(run)
            others = synonyms.others(stems) if stems is not None else None
            if others is None:
                continue
            phrases = phrase_count(q) + (size > 1)
            if phrases > MAX_PHRASES:
                continue  # the query's phrase budget is spent (query.py)
            original: Item = run[0][0] if size == 1 else \
                Phrase(tuple(g[0] for g in run if isinstance(g[0], Word)))
            extra: list[Item] = []
            for entry in others:
                if len(entry.terms) > 1 and phrases >= MAX_PHRASES:
                    continue
                phrases += len(entry.terms) > 1
                words = tuple(Word(s, n, n, original.field) for s, n in entry.terms)
                extra.append(replace(words[0], weight=weight, synonym=True) if len(words) == 1
                             else Phrase(words, original.field, weight=weight, synonym=True))
                added.append(entry.text)
            groups[i:i + size] = [[original, *extra]]
            break
        i += 1
    return added


def _single_stems(run: list[list[Item]]) -> Stems | None:
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
