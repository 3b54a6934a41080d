"""Query understanding: what a reader meant, as weighted alternatives in the parsed query.

After parsing and synonym expansion, each typed word may gain alternatives, each a
:class:`~arsearch.search.query.Word` (or its written form only, ``match="exact"``) with
a weight below or equal to a typed word's, in the word's group (an OR), exactly as
synonyms are added (:mod:`.expand`). So the Whoosh scorer and the Xapian compiler serve
all of it without knowing where a word came from:

* the word's match level (:mod:`.levels`: exact, norm, stem, lemma, root; fuzzy);
* attached prefixes, when the index's vocabulary vouches for them (:mod:`.clitics`);
* the Arabic forms of a Latin-script name (:mod:`.translit`).

What cannot be expressed that way is done by the engine: the exact level's diacritics
are checked in the documents' text (:func:`arsearch.search.levels.marks_agree`), and the
wrong keyboard layout and spelling corrections are suggestions, not expansions
(:func:`suggestion`).
"""

from __future__ import annotations

import re
from dataclasses import replace

from arsearch.analysis import stem
from arsearch.search import clitics, keyboard, levels, spelling, translit
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import LEVELS, Item, ParsedQuery, Phrase, Word
from arsearch.search.suggest import (
    RARE_DF,
    TIME_BUDGET,
    Documents,
    archive_spelling,
    words_to_check,
)
from arsearch.search.suggest import _clock as suggest_clock
from arsearch.search.weights import Weights

#: Fuzzy matches (opt-in) count this much of a typed word.
FUZZY_WEIGHT = 0.5
#: At most this many words of one query are understood (each costs a few look-ups;
#: a root a regular-expression scan of the vocabulary, once per index state).
MAX_WORDS = 8


def understand(q: ParsedQuery, lex: Lexicon, level: str = "stem",
               weights: Weights | None = None) -> list[str]:
    """Add the alternatives of ``q``'s typed words in place; return what to tell the
    reader was also searched ("بحثنا أيضًا عن"). ``level``: the level of words that
    name none (the search page's control)."""
    w = weights or Weights()
    if level not in LEVELS:
        level = "stem"
    notes: list[str] = []
    budget = [MAX_WORDS]
    for group in q.groups:
        new: list[Item] = []
        for item in group:
            if isinstance(item, Word) and item.weight == 1.0 and budget[0] > 0:
                budget[0] -= 1
                new.extend(_alternatives(item, lex, level, notes, w))
            elif isinstance(item, Phrase) and level != "stem" and item.weight == 1.0:
                new.append(replace(item, words=tuple(
                    _at(w, level) for w in item.words)))
            else:
                new.append(item)
        group[:] = _unique(new)
    excluded: list[Item] = []
    for item in q.excluded:
        if isinstance(item, Word) and budget[0] > 0:
            budget[0] -= 1
            excluded.extend(_alternatives(item, lex, level, [], w))
        else:
            excluded.append(item)
    q.excluded[:] = _unique(excluded)
    return notes


def _at(word: Word, level: str) -> Word:
    """``word`` at the query's level unless it names its own."""
    if word.level != "stem" or level == "stem":
        return word
    return replace(word, level=level,
                   match="exact" if level in ("exact", "norm") else word.match)


def _alternatives(word: Word, lex: Lexicon, level: str, notes: list[str],
                  w: Weights) -> list[Word]:
    word = _at(word, level)
    if word.level == "fuzzy":
        out = [word]
        for form, _, _ in spelling.corrections(word.norm, lex):
            out.append(Word(stem(form), form, form, word.field, FUZZY_WEIGHT * word.weight,
                            "exact", "fuzzy"))
            notes.append(form)
        return out + _names(word, lex, notes, w)  # trump~ finds ترامب as trump does
    word = levels.whole_stem(word)
    out, note = levels.expand_word(word, lex)
    if note:
        notes.append(note)
    if word.level in ("stem", "lemma", "root") and w.clitics > 0 and out[0] is word:
        bare = clitics.variants(word, lex)
        if bare:  # لقطر is قطر with a prefix: search قطر, counting لقطر as it
            word = replace(bare[0], weight=word.weight, also=(word.norm,))
        forms = clitics.attached(word, lex)
        out[0] = word = replace(word, also=tuple(dict.fromkeys((*word.also, *forms))))
    if word.level == "stem" and w.articles > 0 and out[0] is word:
        others = levels.article_stems(word, lex)
        if others:
            out[0] = word = replace(word, also_stems=(*word.also_stems, *others))
    if word.level == "stem" and w.lemmas > 0:
        out += levels.lemma_kin(word, lex, w.lemmas)
    return out + _names(word, lex, notes, w)


def _names(word: Word, lex: Lexicon, notes: list[str], w: Weights) -> list[Word]:
    """The Arabic forms of a Latin-script name (none for an Arabic word)."""
    if not translit.is_latin(word.norm) or word.field or w.names <= 0:
        return []
    names = translit.arabic_forms(word.norm, lex)
    notes.extend(names)
    return [Word(stem(form), form, form, word.field, w.names * word.weight, "stem",
                 word.level) for form in names]


def _unique(items: list[Item]) -> list[Item]:
    """Items without repeats of the same term and match (the first, heaviest, wins)."""
    seen: set = set()
    out = []
    for item in items:
        key = (item.stem, item.norm if item.match == "exact" else "", item.match, item.field) \
            if isinstance(item, Word) else id(item)
        if key in seen:
            continue
        seen.add(key)
        out.append(item)
    return out


def suggestion(query: str, q: ParsedQuery, lex: Lexicon) -> str | None:
    """The query as it was probably meant: typed on the other keyboard layout, or with
    its rare or unknown words spelt as the index's common words are; None if it looks
    fine."""
    return layout_suggestion(query, lex) or spelling_suggestion(query, q, lex)


def layout_suggestion(query: str, lex: Lexicon) -> str | None:
    """``query`` converted to the other keyboard layout when that makes it known words."""
    chunks = query.split()
    if not chunks or len(chunks) > 10:
        return None
    if all(keyboard.looks_latin(c) for c in chunks):
        from arsearch.analysis import normalize_token as normalize

        if any(lex.written_df(normalize(c.lower())) for c in chunks if c.isalpha()):
            return None  # real Latin words (BBC, covid)
        converted = [keyboard.to_arabic(c) for c in chunks]
        known = sum(bool(lex.written_df(normalize(c))) for c in converted)
        return " ".join(converted) if known * 2 >= len(chunks) and known else None
    if all(keyboard.looks_arabic(c) for c in chunks):
        from arsearch.analysis import normalize_token as normalize

        if any(lex.written_df(normalize(c)) or lex.df(stem(normalize(c)))
               or spelling.best_correction(normalize(c), lex) for c in chunks):
            return None  # Arabic words (known as written, by their stem, or misspelt)
        latin = [keyboard.to_latin(c) for c in chunks]
        # letters only, three or more a word: ل ب ك (g f ;) or وبالالا (,fhgh) are not
        # text typed on the wrong layout
        if all(c.isascii() and c.isalpha() and len(c) >= 3 for c in latin):
            return " ".join(latin)
        return None
    return None


def _whole_word(surface: str) -> re.Pattern[str]:
    """``surface`` as a whole chunk of the query: replaced inside a longer word, the
    suggestion for ``x`` in ``xyz x`` read ``<better>yz x``."""
    return re.compile(rf"(?<![^\s\"“”«»(:=-]){re.escape(surface)}(?![^\s\"“”«»)~:,.،؛])")


def spelling_suggestion(query: str, q: ParsedQuery, lex: Lexicon) -> str | None:
    """Rare or unknown words replaced by their most likely Arabic-aware correction."""
    text, changed = query, False
    # a search box is open to anyone; the budget counts this thread's CPU time (as
    # did-you-mean's does: the same query gets the same answer on a busy machine)
    deadline = suggest_clock() + TIME_BUDGET
    for norm, surface in words_to_check(q):
        if suggest_clock() > deadline:
            break
        if lex.written_df(norm) > RARE_DF:
            continue
        better = spelling.best_correction(norm, lex)
        if better and isinstance(lex.reader, Documents):  # as the archive writes it
            better = archive_spelling(lex.reader, better)
        if better and (where := _whole_word(surface).search(text)):
            text = text[:where.start()] + better + text[where.end():]
            changed = True
    return text if changed else None
