"""Words that frame a query instead of saying what it is about.

A question often says how the texts it wants treat their subject: "the verses that
*talk about* the bequest" (التي تتحدث عن الوصية), "the places *mentioned in* the
Qur'an" (التي ذكرت في), "the signs that *point to* the Hour" (التي تشير إلى), "the
events *related to* David" (المتعلقة بداوود). The verb relates a text to its subject;
the texts that answer rarely use it, while it is common elsewhere, so searched as a word
it ranks texts that happen to say "mentioned" above those about the subject. Such a
verb is recognised by the preposition it governs, which must follow it directly: ذكر
alone stays a word (ذكر الله, ذكر الأسد), and so does تحدث without عن (هل تحدث محمد مع
الجن: the talking is the subject). Stop words cannot say this: the rule is about a word
before a given preposition, and the index keeps these verbs (a pasted headline finds its
article by them; as query words they are dropped only where the preposition says they
frame).

The abbreviation of a eulogy after a name, (ص) in محمد (ص), is no word of the question
either (:data:`ABBREVIATION`).

A query made of nothing else keeps its words (the reader asked for them).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

#: Prepositions (normalised; the pronoun forms of في count as في).
_ABOUT = frozenset({"عن"})
_IN = frozenset({"في", "فيها", "فيه", "فيهم", "فيهما", "فيهن"})
_TO = frozenset({"الي"})
_ON = frozenset({"علي"})
#: The attached preposition ب: the next word starts with it (بداوود, بالامور).
ATTACHED_BI = "ب"

#: Verb (and participle) forms, normalised, that relate a text to its subject, with
#: the prepositions they take: talk about, mention in, point to, indicate, concern.
RELATIONS: dict[str, frozenset[str]] = {
    **dict.fromkeys(("تحدث", "تحدثت", "يتحدث", "تتحدث", "يتحدثون", "تكلم", "تكلمت",
                     "يتكلم", "تتكلم"), _ABOUT),
    **dict.fromkeys(("ذكر", "ذكرت", "يذكر", "تذكر", "ورد", "وردت", "يرد", "ترد"), _IN),
    **dict.fromkeys(("اشار", "اشارت", "يشير", "تشير"), _TO),
    **dict.fromkeys(("دل", "دلت", "يدل", "تدل"), _ON),
    **dict.fromkeys(("تعلق", "يتعلق", "تتعلق", "متعلق", "متعلقه", "المتعلق",
                     "المتعلقه"), frozenset({ATTACHED_BI})),
}


#: The abbreviation of a eulogy, written in parentheses after a name: (ص) for صلى الله
#: عليه وسلم, (ع) عليه السلام, (رض) رضي الله عنه; punctuation may follow (محمد (ص)؟).
#: Searched, it is the letter ص, which matches only other abbreviations and the
#: letters that open some suras. The formulas written out stay words: measured
#: dropped, they cost ARCD's test half 0.002 (a paragraph about the Prophet writes
#: them) and Qur'an QA's 0.001 (سلام على إبراهيم).
ABBREVIATION = re.compile(r"\((?:ص|ع|رض|صلعم)\)[^\w]*")


def eulogies(written: Sequence[str]) -> set[int]:
    """The positions of ``written`` (a query's chunks as typed) that abbreviate a
    eulogy after a name; never the first chunk."""
    return {i for i in range(1, len(written)) if ABBREVIATION.fullmatch(written[i].strip())}


def framing(words: Sequence[str | None]) -> set[int]:
    """The positions of ``words`` (a query's chunks, normalised; None for a chunk that
    is not one plain word: a phrase, a field, an operator) that frame the query: a
    relation verb directly followed by its preposition (and a governed فيها). The
    caller keeps them when nothing else would be searched (``query.parse_query``)."""
    out = set()
    for i, word in enumerate(words[:-1]):
        takes = RELATIONS.get(word or "")
        after = words[i + 1]
        if takes is None or after is None:
            continue
        if after in takes or (ATTACHED_BI in takes and len(after) > 3
                              and after.startswith(ATTACHED_BI)):
            out.add(i)
            if after in _IN:  # فيها: "in which", the wanted texts themselves
                out.add(i + 1)
    return out
