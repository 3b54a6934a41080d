"""The query language: words, "phrases", OR/أو, -exclusion/NOT, field: prefixes, dates.

Parsing never fails: an unclosed quote or a dangling operator is read as plain words,
because a search box must always answer. The result is a small structure the search
side turns into scores (words) and constraints (phrases, exclusions, filters).

Syntax, by example::

    داعش إدلب                 both words (documents with both rank first)
    "الجيش الحر"  «الجيش الحر»  a phrase (any of " “ ” « »)
    ترامب OR ترمب  ترامب أو ترمب  either word
    -سوريا  NOT سوريا          exclude
    title:إدلب  source:BBC     field prefixes (title, body, source, category, author)
    date:2018  date:2018-02..2018-03  date:2018..  date:..2018-03
    date:>2018-02-15 (after)  date:>=2018-02-15 (from)  date:<2018-03 (before)
    date:<=2018-02 (up to, inclusive)
    -source:BBC  NOT date:2018  exclude a source, category, author or dates
    date:1439h  date:1439-09هـ  date:"رمضان ١٤٣٩"  Hijri (Umm al-Qura) periods (hijri.py)

Dates run from year 1 to 9999; a range ending in 9999 is open (``date:2018..9999``:
from 2018 on). A date that is not one (``date:0000``,
``date:2018-13``) is searched as words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Literal

from arsearch.analysis import analyze, query_terms, stem, written_term
from arsearch.search.framing import eulogies, framing
from arsearch.search.hijri import parse_period as hijri_period

TEXT_FIELDS = ("title", "body")
FILTER_FIELDS = ("source", "category", "author")
OR_WORDS = {"OR", "أو", "او", "|"}
NOT_WORDS = {"NOT"}
AND_WORDS = {"AND", "&"}

#: At most this many phrases of a query, wanted or excluded, are checked word by word:
#: each costs a pass over the positions of its words (10-40 ms for common words on
#: 41,000 articles), so forty quoted pairs in a 500-character query cost half a second
#: or more, while a pasted headline holds one or two. Beyond it, wanted quoted text is
#: searched as words, an excluded phrase excludes the documents holding all its words
#: (their positions unchecked: ``Phrase.adjacent``), and synonym phrases are not added
#: (expand.py). A repeated phrase or exclusion is checked once.
MAX_PHRASES = 4

_QUOTES = "\"“”«»„"
#: Match levels (issue 14): how far a word may stray from what was typed. ``stem`` is
#: the default; the others are asked for per word with a field-style prefix (``root:كتب``,
#: ``جذر:كتب``), a shorthand (``=كتب`` exact, ``كتب~`` fuzzy), or for a whole query
#: (``Engine.search(level=...)``, the search page's control). See search/levels.py.
LEVELS = ("exact", "norm", "stem", "lemma", "root", "fuzzy")
LEVEL_PREFIXES = {
    "exact": "exact", "حرفي": "exact", "norm": "norm", "عادي": "norm",
    "stem": "stem", "جذع": "stem", "lemma": "lemma", "مدخل": "lemma", "root": "root",
    "جذر": "root", "fuzzy": "fuzzy", "تقريبي": "fuzzy",
}
_LEVEL_FIELDS = "|".join(k for k in LEVEL_PREFIXES if not k.isascii())
#: A chunk starts at a word boundary. A quote opens a phrase only there and only when
#: a closing quote follows; a quote inside a word (بـ"تفكيك) or left open is punctuation.
_CHUNK = re.compile(
    rf"""(?:^|(?<=\s))(?P<neg>-)?(?:(?P<field>[a-zA-Z]+|{_LEVEL_FIELDS}):)?
        (?:(?P<q>[{_QUOTES}])(?P<phrase>[^{_QUOTES}]*)[{_QUOTES}](?=\s|$|[^\w])
           |(?P<word>\S+))""",
    re.VERBOSE,
)


@dataclass(frozen=True)
class Word:
    """One analysed word: its stem, its normalised form and its spelling in the query."""

    stem: str
    norm: str
    surface: str
    field: str | None = None  # None: title and body
    weight: float = 1.0  # below 1 for words the engine added (synonyms)
    #: "stem" (stem + exact form), or "exact": the written form only (its exact-form
    #: term; a clitic variant, a root's word, the exact and norm levels). The level a
    #: user asked for (LEVELS) is ``level``; query understanding turns it into words.
    match: str = "stem"
    level: str = "stem"
    #: The word as typed with its diacritics, when the exact level must respect them.
    marks: str = ""
    #: Written forms (normalised) whose occurrences count as this word's: its forms with
    #: an attached prefix (لإيران for إيران, search/clitics.py). Scored as one term with
    #: the word's stem (their frequencies summed, one idf: Lucene's SynonymQuery,
    #: Xapian's OP_SYNONYM), so a document saying سوريا, لسوريا and وسوريا is not
    #: counted three times.
    also: tuple[str, ...] = ()
    synonym: bool = False  # added by the engine for a word of the query (expand.py)
    #: Stems whose occurrences count as this word's, in the same term as ``also``: the
    #: stem of the word with the article taken off or put on (``Weights.articles``).
    also_stems: tuple[str, ...] = ()

    def form_terms(self) -> list[tuple[str, str]]:
        """The terms besides its stem that this word's occurrences are counted in, each
        with the ``Weights`` knob that scales it: a prefixed form as written (its
        exact-form twin, or the form itself when it is its own stem: لداعش has no twin)
        under ``clitics``, an article stem under ``articles``. One rule for every
        backend: the Whoosh scorer and the Xapian compiler once each wrote their own."""
        return [(written_term(f, stem(f)), "clitics") for f in self.also] \
            + [(s, "articles") for s in self.also_stems]


@dataclass(frozen=True)
class Phrase:
    """Words in a row. ``adjacent`` False: only all of them somewhere in the field (an
    excluded phrase beyond MAX_PHRASES, whose positions are not checked)."""

    words: tuple[Word, ...]
    field: str | None = None
    weight: float = 1.0
    adjacent: bool = True
    #: A phrase the user quoted (or a compound like COVID-19): documents must hold it
    #: (Weights.phrases decides). A synonym's phrase is an alternative, never required.
    quoted: bool = True
    synonym: bool = False  # added by the engine for a word of the query (expand.py)


Item = Word | Phrase


@dataclass
class ParsedQuery:
    """``groups``: each is a list of alternatives (an OR); all groups are wanted."""

    groups: list[list[Item]] = field(default_factory=list)
    excluded: list[Item] = field(default_factory=list)
    filters: dict[str, list[str]] = field(default_factory=dict)
    date_from: datetime | None = None
    date_to: datetime | None = None  # exclusive
    #: ``-source:X``, ``NOT category:Y``: documents with any of these values are left out
    excluded_filters: dict[str, list[str]] = field(default_factory=dict)
    #: ``-date:2018``: documents dated in any of these [from, to) ranges are left out
    #: (an open end is None); undated documents stay
    excluded_dates: list[tuple[datetime | None, datetime | None]] = field(
        default_factory=list)

    @property
    def words(self) -> list[Word]:
        """Every positive word, phrases included, for scoring and highlighting."""
        out: list[Word] = []
        for group in self.groups:
            for item in group:
                out.extend(item.words if isinstance(item, Phrase) else (item,))
        return out

    def stem_weights(self) -> dict[str, float]:
        """Each stem of the positive words not bound to a field, with the weight of its
        heaviest word (1 if typed, ``Weights.synonyms`` if only a synonym brought it), in
        query order: what the lead bonus counts."""
        out: dict[str, float] = {}
        for group in self.groups:
            for item in group:
                scale = item.weight if isinstance(item, Phrase) else 1.0
                for word in item.words if isinstance(item, Phrase) else (item,):
                    if not word.field:
                        out[word.stem] = max(out.get(word.stem, 0.0), word.weight * scale)
        return out

    def highlight_terms(self) -> tuple[set[str], set[str]]:
        """(stems, normalised forms) of the positive words: what snippets mark.

        Words of an alternative phrase (a synonym such as تنظيم الدولة) are left out:
        alone they mean something else, and :meth:`highlight_phrases` marks them where
        the whole phrase stands. A word matched as written adds its form, not its stem;
        a word matched by its stem adds the stems counted as its (``also_stems``: حق
        finds الحق by its article stem, and marks it).
        """
        words = [w for group in self.groups for item in group
                 for w in ((item,) if isinstance(item, Word)
                           else item.words if len(group) == 1 else ())]
        return ({s for w in words if w.match == "stem" for s in (w.stem, *w.also_stems)},
                {n for w in words for n in (w.norm, *w.also)})

    def highlight_phrases(self) -> list[tuple[str, ...]]:
        """The stems of each alternative phrase (a synonym), marked only as a whole."""
        return [tuple(w.stem for w in item.words) for group in self.groups
                if len(group) > 1 for item in group if isinstance(item, Phrase)]

    @property
    def is_empty(self) -> bool:
        return not self.groups


def _words(text: str, field_name: str | None) -> list[Word]:
    from arsearch.analysis import analyze

    return [Word(t.stem, t.normalized, t.text, field_name) for t in analyze(text)
            if not t.stopword]


def _parse_date_bound(text: str, end: bool) -> datetime | Literal[False]:
    """``2018``, ``2018-02`` or ``2018-02-15`` (years 1 to 9999); False if not a date.

    ``end`` gives the exclusive upper bound: the first moment after that year, month or
    day. The last representable day (``9999``, ``9999-12``, ``9999-12-31``) has none:
    its bound is ``datetime.max``, which leaves the range open (``date:2018..9999`` is
    "from 2018 on") while still asking for a dated article, as every date filter does.
    A Hijri period (``1439h``, ``رمضان 1439``) bounds by its Gregorian span.
    """
    span = hijri_period(text)
    if span is not None:
        return span[1] if end else span[0]
    m = re.fullmatch(r"(\d{4})(?:-(\d{1,2}))?(?:-(\d{1,2}))?", text.strip())
    if not m:
        return False
    y, mo, d = int(m[1]), int(m[2] or 1), int(m[3] or 1)
    try:
        start = datetime(y, mo, d)  # year 0, month 13, 31 February: not a date
    except ValueError:
        return False
    if not end:
        return start
    try:
        if m[3]:
            return start + timedelta(days=1)
        if m[2]:
            return datetime(y + (mo == 12), mo % 12 + 1, 1)
        return datetime(y + 1, 1, 1)
    except (ValueError, OverflowError):  # past 9999-12-31
        return datetime.max


def _date_range(value: str) -> tuple[datetime | None, datetime | None] | None:
    """The [from, to) range ``date:VALUE`` names (an open end is None), or None when
    VALUE is not a date.

    ``>X`` is after X (X's day, month or year excluded), ``>=X`` from X on, ``<X``
    before X, ``<=X`` up to the end of X; ``X..Y`` from X to the end of Y, ``X..`` and
    ``..Y`` open on one side; ``X`` alone is X's day, month or year.
    """
    value = value.strip()
    for op in (">=", "<=", ">", "<"):
        if value.startswith(op):
            bound = _parse_date_bound(value[len(op):], end=op in (">", "<="))
            if bound is False:
                return None
            return (bound, None) if op[0] == ">" else (None, bound)
    if ".." in value:
        lo_text, _, hi_text = value.partition("..")
    else:
        lo_text = hi_text = value
    lo = _parse_date_bound(lo_text, end=False) if lo_text else None
    hi = _parse_date_bound(hi_text, end=True) if hi_text else None
    if lo is False or hi is False or not (lo_text or hi_text):
        return None
    return lo, hi


def _apply_date(q: ParsedQuery, value: str, negate: bool) -> bool:
    """Apply ``date:VALUE`` to ``q`` (or exclude its range); False (``q`` unchanged) when
    VALUE is not a date. Two date filters keep what both allow."""
    span = _date_range(value)
    if span is None:
        return False
    lo, hi = span
    if negate:
        q.excluded_dates.append(span)
        return True
    if lo is not None:
        q.date_from = max(lo, q.date_from) if q.date_from else lo
    if hi is not None:
        q.date_to = min(hi, q.date_to) if q.date_to else hi
    return True


def parse_query(text: str) -> ParsedQuery:
    """Parse a user's query. Never raises; unknown syntax is searched as words.

    Words that only frame the query (التي تتحدث عن: search/framing.py) are left out,
    unless nothing else would be searched."""
    chunks = list(_CHUNK.finditer(text or ""))
    governed = _governed(chunks)
    frame = framing(_plain_words(chunks, governed)) \
        | (eulogies([m.group(0) for m in chunks]) - governed)
    q = _parse(chunks, frame)
    return q if q.groups or not frame else _parse(chunks, set())


def _governed(chunks: list[re.Match[str]]) -> set[int]:
    """The positions of the chunks that NOT or a prefix written apart right before them
    applies to (``NOT تتحدث``, ``جذر: (ص)``): the reader's words, never a frame. Left
    out, they handed the operator on to the next word (``NOT (ص) القرآن`` excluded
    القرآن). An OR before a frame is dropped with it instead (:func:`_parse`)."""
    out = set()
    for i, m in enumerate(chunks[:-1]):
        word = m.group("word")
        if not word or m.group("field"):
            continue
        negation = not m.group("neg") and word.upper() in NOT_WORDS
        if negation or _dangling_prefix(word):
            out.add(i + 1)
    return out


def _plain_words(chunks: list[re.Match[str]], governed: set[int]) -> list[str | None]:
    """Each chunk's normalised word when it is one plain word (no field, no quote, no
    minus, no operator or prefix written apart before it (``NOT ذكر``, ``جذر: ذكر``:
    :func:`_governed`), one token), else None: what :func:`framing` reads."""
    out: list[str | None] = []
    for i, m in enumerate(chunks):
        word = m.group("word")
        plain = word and not m.group("field") and not m.group("neg") and i not in governed
        tokens = analyze(word) if plain else []
        out.append(tokens[0].normalized if len(tokens) == 1 else None)
    return out


def _parse(chunks: list[re.Match[str]], skip: set[int]) -> ParsedQuery:
    q = ParsedQuery()
    negate_next = False
    or_next = False
    pending: str | None = None  # "جذر: كتب": a prefix written apart from its word
    for i, m in enumerate(chunks):
        if i in skip:  # "X OR ذكرت في Y": the alternative was the frame, Y is wanted
            or_next = False
            continue
        raw = m.group(0)
        word = m.group("word")
        field, pending = m.group("field") or pending, None
        if word is not None and not field and _dangling_prefix(word):
            # "root:" or "title:" with nothing after: it applies to the next word, and
            # alone it is no word to search (searched as "root", it found English text)
            pending, negate_next = word[:-1], negate_next or bool(m.group("neg"))
            continue
        if word is not None and not field and not m.group("neg"):
            if word in OR_WORDS or word.upper() in OR_WORDS:
                or_next = bool(q.groups)
                continue
            if word in NOT_WORDS or word.upper() in NOT_WORDS:
                negate_next = True
                continue
            if word.upper() in AND_WORDS:
                continue
        negate = negate_next or bool(m.group("neg"))
        negate_next = False
        fname = (field or "").lower() or None
        value = m.group("phrase") if m.group("q") else word
        level = LEVEL_PREFIXES.get(fname or "")
        if level is None and value and not m.group("q") and not fname:
            level, value = _shorthand(value)
        if level is not None and value and not m.group("q"):
            value = _inner_levels(value)
        if fname in TEXT_FIELDS and value and not m.group("q"):
            inner, rest = _level_prefix(value)  # title:root:كتب, the root in titles
            if inner is not None:
                items = _bounded([_leveled(i, inner, rest)
                                  for i in _items(rest, fname, phrase=False)], q, negate)
                _place(q, items, negate, or_next)
                or_next = False
                continue
        if level is not None:
            items = _bounded([_leveled(i, level, value or "")
                              for i in _items(value or "", None, phrase=bool(m.group("q")))],
                             q, negate)
            _place(q, items, negate, or_next)
            or_next = False
            continue
        if fname == "date" and value is not None and _apply_date(q, value, negate):
            continue
        if fname in FILTER_FIELDS and value and value.strip():
            into = q.excluded_filters if negate else q.filters
            into.setdefault(fname, []).append(value.strip())
            continue
        unit = True
        if fname not in TEXT_FIELDS:
            # unknown prefix (or a failed date): search the whole chunk as words, its
            # words together first but not required (``date:0000`` is no compound)
            fname, value, unit = None, raw.lstrip("-"), field is None
        items = _bounded(_items(value or "", fname, phrase=bool(m.group("q")), unit=unit),
                         q, negate)
        _place(q, items, negate, or_next)
        or_next = False
    return q


def _place(q: ParsedQuery, items: list[Item], negate: bool, or_next: bool) -> None:
    """Add a chunk's items: excluded, as alternatives of the last group, or as groups."""
    if not items:
        return
    if negate:
        q.excluded.extend(items)
    elif or_next and q.groups:
        q.groups[-1].append(items[0])
        q.groups.extend([i] for i in items[1:])
    else:
        q.groups.extend([i] for i in items)


def _shorthand(word: str) -> tuple[str | None, str]:
    """``=كلمة`` (exact, as typed) and ``كلمة~`` (fuzzy; ``كلمة~2`` as search engines
    write it, the number ignored): (level, the word), or (None, word)."""
    if len(word) > 1 and word.startswith("="):
        return "exact", word[1:]
    if (fuzzy := _FUZZY_SUFFIX.match(word)) and fuzzy["word"].strip("~"):
        return "fuzzy", fuzzy["word"]
    return None, word


_FUZZY_SUFFIX = re.compile(r"^(?P<word>.+?)~+\d{0,2}$", re.DOTALL)
#: Every prefix a chunk may start with (a level, a text field, a filter, date).
_ALL_PREFIXES = frozenset((*LEVEL_PREFIXES, *TEXT_FIELDS, *FILTER_FIELDS, "date"))


def _dangling_prefix(word: str) -> bool:
    """A known prefix and its colon with no word after (``root:``, ``جذر:``, ``title:``)."""
    return word.endswith(":") and word[:-1].lower() in _ALL_PREFIXES


def _level_prefix(value: str) -> tuple[str | None, str]:
    """(level, the rest) when ``value`` starts with a level prefix or shorthand."""
    name, colon, rest = value.partition(":")
    if colon and rest and name.lower() in LEVEL_PREFIXES:
        return LEVEL_PREFIXES[name.lower()], _inner_levels(rest)
    level, word = _shorthand(value)
    return (level, word) if level is not None else (None, value)


def _inner_levels(value: str) -> str:
    """``value`` without the level prefixes nested in it (``root:root:كتب``,
    ``root:جذر:كتب``, ``exact:=كتب``): the outer level is the one asked for; the inner
    ones, searched as words, found nothing."""
    for _ in range(8):  # bounded: a query is at most MAX_QUERY_CHARS anyway
        level, rest = _level_prefix(value) if ":" in value or value[:1] == "=" \
            or value.endswith("~") else (None, value)
        if level is None or not rest:
            return value
        value = rest
    return value


def _leveled(item: Item, level: str, typed: str) -> Item:
    """``item`` with its words at ``level`` (the exact level keeps their diacritics)."""
    from dataclasses import replace

    from arsearch.analysis.normalize import TASHKEEL

    def one(w: Word) -> Word:
        marks = w.surface if level == "exact" and any(c in TASHKEEL for c in w.surface) \
            else ""
        return replace(w, level=level, marks=marks)

    if isinstance(item, Phrase):
        return replace(item, words=tuple(one(w) for w in item.words))
    return one(item)


def phrase_count(q: ParsedQuery) -> int:
    """Phrases the query checks word by word, wanted and excluded (the MAX_PHRASES
    budget)."""
    return sum(isinstance(item, Phrase) for group in q.groups for item in group) + sum(
        isinstance(item, Phrase) and item.adjacent for item in q.excluded)


def _phrase_key(phrase: Phrase) -> tuple:
    return tuple(w.stem for w in phrase.words), phrase.field


def _checked(q: ParsedQuery) -> set[tuple]:
    """The keys of the phrases ``q`` checks word by word, wanted and excluded."""
    wanted = {_phrase_key(i) for group in q.groups for i in group if isinstance(i, Phrase)}
    return wanted | {_phrase_key(i) for i in q.excluded if isinstance(i, Phrase) and i.adjacent}


def _bounded(items: list[Item], q: ParsedQuery, negate: bool) -> list[Item]:
    """``items`` without repeats of what ``q`` already has, within MAX_PHRASES."""
    checked: set[tuple | Word] = set(_checked(q))
    known: set[tuple | Word]
    if negate:
        known = {_phrase_key(i) if isinstance(i, Phrase) else i for i in q.excluded}
    else:
        known = checked
    out: list[Item] = []
    for item in items:
        key = _phrase_key(item) if isinstance(item, Phrase) else item
        if key in known:
            continue
        if isinstance(item, Phrase) and len(checked) >= MAX_PHRASES:
            # over budget: a wanted phrase is searched as words, an excluded one
            # excludes the documents holding all its words
            out.extend(item.words if not negate else (replace(item, adjacent=False),))
        else:
            out.append(item)
            if isinstance(item, Phrase):
                checked.add(key)
        if negate:
            known.add(key)
    return out


def _items(value: str, fname: str | None, phrase: bool, unit: bool = True) -> list[Item]:
    words = _words(value, fname)
    if phrase and len(words) > 1:
        return [Phrase(tuple(words), fname)]
    if not phrase and len(words) > 1:
        # one chunk that analyses into several words ("COVID-19", "F-16", "U.S"): a unit,
        # required like a quoted phrase (it never means "19" alone)
        return [Phrase(tuple(words), fname, quoted=unit)]
    return list(words)


__all__ = ["LEVELS", "LEVEL_PREFIXES"]


__all__ += ["MAX_PHRASES", "ParsedQuery", "Word", "Phrase", "parse_query", "phrase_count",
            "query_terms"]
