"""A parsed arsearch query as ONE ``xapian.Query`` that carries arsearch's ranking policy.

The policy is :mod:`arsearch.scoring`'s; each part maps onto a Xapian operator
(docs/xapian.md, "The mapping"), so the whole ranking runs inside Xapian's matcher, on
every shard at once, with statistics combined across shards:

* a word: its stem plus its exact form at ``Weights.exact``, each an ``OP_SCALE_WEIGHT``
  of a term by the word's weight (a synonym: ``Weights.synonyms``) times a factor that
  turns Xapian's idf into arsearch's (Lucene's) ``log(1 + (N - n + 0.5) / (n + 0.5))``;
  ``title:`` words are filtered by the stem's title term, ``body:`` words leave out the
  documents that hold the stem in the title only;
* a phrase: its stems consecutive in the body (the stems' positions) or in the title
  (the ``XT`` terms' positions), or only in the field a ``title:``/``body:`` prefix names;
* alternatives and groups: ``OP_OR`` (a document matching any word is a result, as in
  arsearch); an alternative phrase counts only where it occurs (``OP_FILTER`` by the
  ``OP_PHRASE``); a word's synonyms count as their best one (``OP_MAX``);
* the lead: each query stem in the first ``lead_words`` words of the body adds
  ``Weights.lead`` x its idf, a constant weight (``FixedWeightPostingSource``) filtered
  by the stem's lead term;
* tiers: a quoted phrase found lifts a document by ``2 x TIER``, a document holding every
  group (``Weights.all_words_first``) by ``TIER``; ``TIER`` is above any score, so the
  order is arsearch's (tier, then score);
* filters, dates and exclusions (of words, phrases, filter values and date ranges):
  boolean ``OP_FILTER`` / ``OP_VALUE_RANGE`` / ``OP_AND_NOT``, which add no weight.

Bonuses join with ``OP_AND_MAYBE``: they reorder results, never add any (the leads as
one ``OP_OR``, each tier in its own ``OP_AND_MAYBE``: see :meth:`_Compiler.compile`).

Every clause that adds weight is also recorded with the :class:`~arsearch.search.results.Part`
it stands for (``Compiled.parts``): a document's weight under that clause alone is that
part of its score, which is how ``explain`` takes a score apart (the parts add up to it
because Xapian's ``OP_OR`` and ``OP_AND_MAYBE`` add exactly these weights).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from .core import (
    EXACT,
    ParsedQuery,
    Part,
    Phrase,
    Weights,
    Word,
    require_xapian,
    written_term,
)
from .core import stem as stem_of
from .index import (
    FILTER_PREFIXES,
    PREFIX_LEAD,
    PREFIX_TITLE,
    PREFIX_TITLE_ONLY,
    SLOT_DATE,
    SLOT_TIME,
    date_value,
    filter_term,
    phrase_term,
    term,
)

xapian = require_xapian()
Q = xapian.Query

#: A tier's lift: above any score a 500-character query can reach (~80 words of idf
#: below 20), and small enough that float64 keeps scores exact to 1e-9 beside it.
TIER = 1e6


def weighting(weights: Weights):
    """Xapian's BM25 with arsearch's k1 and b: no k2 length prior, no k3 query-frequency
    factor (a word typed twice counts twice, as in arsearch), no floor on short documents'
    normalised length (min_normlen 0: Lucene's formula)."""
    return xapian.BM25Weight(weights.k1, 0.0, 0.0, weights.b, 0.0)


def lucene_idf(n: int, total: int) -> float:
    return math.log1p((total - n + 0.5) / (n + 0.5))


def xapian_idf(n: int, total: int) -> float:
    """BM25Weight's idf in Xapian 1.4 (measured: bench/xapian_facts.py)."""
    tw = (total - n + 0.5) / (n + 0.5)
    return math.log(tw * 0.5 + 1.0 if tw < 2 else tw)


@dataclass
class Stats:
    """Collection statistics of the database searched (every shard's, summed)."""

    doccount: int
    termfreq: Callable[[bytes], int]

    def idf(self, t: bytes) -> float:
        return lucene_idf(self.termfreq(t), self.doccount)

    #: Documents holding any of some terms (exactly), for OP_SYNONYM's idf.
    union_freq: Callable[[list[bytes]], int] | None = None
    #: The phrases every member of the database holds a phrase term for (``Layout``)
    phrases: frozenset[str] = frozenset()

    def idf_factor(self, t: bytes) -> float:
        """What Xapian's idf of ``t`` must be multiplied by to be arsearch's."""
        n = self.termfreq(t)
        if not n:
            return 1.0  # matches nothing: any factor
        return lucene_idf(n, self.doccount) / xapian_idf(n, self.doccount)

    def synonym_idf_factor(self, terms: list[bytes]) -> float:
        """The same for ``OP_SYNONYM`` over ``terms``: Xapian weighs it with an estimate
        of how many documents hold any of them (as if independent: a + b - ab/N, a
        binary OR at a time), arsearch with the exact count (a word's prefixed forms
        mostly stand in the same articles as the word, so the estimate was high and
        the idf low)."""
        freqs = [self.termfreq(t) for t in terms]
        estimate = 0.0
        for n in freqs:
            estimate = float(int(estimate + n - estimate * n / self.doccount + 0.5))
        if not estimate:
            return 1.0
        exact = self.union_freq(terms) if self.union_freq else int(estimate)
        return lucene_idf(exact, self.doccount) / xapian_idf(int(estimate), self.doccount)


@dataclass
class Compiled:
    """The query to run, and how to read its results."""

    query: object  # xapian.Query
    by_date: bool  # no word to rank by: newest first (arsearch's rule)
    #: (part, query): what each weighing clause adds to a document's score (explain);
    #: tiers are parts of score 0 (they order, the score leaves their lift out)
    parts: list[tuple[Part, object]] = field(default_factory=list)
    #: groups of alternatives that count as their best one (a word's synonyms, OP_MAX):
    #: for each group, the slice of ``parts`` each alternative recorded; a document's
    #: explain keeps the parts of its best alternative only
    best_of: list[list[slice]] = field(default_factory=list)
    #: posting sources the query uses: the bindings need them kept alive
    keep: list = field(default_factory=list)

    def guarded(self):
        """The query as a ranked pass runs it: in the form :func:`pruning_safe` gives
        where it holds an ``OP_MAX``, which Xapian 1.4.22 can crash on even when it
        counts every match."""
        return pruning_safe(self.query) if self.best_of else self.query


class _Compiler:
    def __init__(self, weights: Weights, stats: Stats):
        self.w = weights
        self.stats = stats
        self.keep: list = []
        self.parts: list[tuple[Part, object]] = []
        self.best_of: list[list[slice]] = []
        #: compiling the alternatives of an OP_MAX (see :meth:`joined`)
        self.in_max = False

    # -- recording parts ------------------------------------------------------------------

    def record(self, part: Part, query):
        """Note ``query`` as the clause of ``part``; return it."""
        self.parts.append((part, query))
        return query

    def wrap_parts(self, since: int, wrap: Callable) -> None:
        """The parts recorded from ``since`` count only within ``wrap`` (a filter)."""
        self.parts[since:] = [(part, wrap(query)) for part, query in self.parts[since:]]

    # -- leaves ---------------------------------------------------------------------------

    def scaled(self, t: bytes, weight: float):
        return Q(Q.OP_SCALE_WEIGHT, Q(t), weight * self.stats.idf_factor(t))

    def constant(self, weight: float):
        """A query matching every document with weight ``weight``."""
        source = xapian.FixedWeightPostingSource(weight)
        self.keep.append(source)
        return Q(source)

    def newest_first(self):
        """Every document, weighted by its date's time (undated: 0), so relevance order is
        newest first. Not a sort by value: with one, Xapian 1.4's match spies over-count
        on remote shards (bench/xapian_facts.py)."""
        source = xapian.ValueWeightPostingSource(SLOT_TIME)
        self.keep.append(source)
        return Q(Q.OP_OR, Q(source), Q(Q.OP_SCALE_WEIGHT, Q.MatchAll, 0.0))

    def word(self, word: Word, boost: float = 1.0):
        """The stem, and the exact form at ``Weights.exact``; ``title:``/``body:`` restrict."""
        weight = word.weight * boost
        kind = "synonym" if weight < 1.0 else "stem"  # an expansion, not a typed word
        mark = len(self.parts)
        if getattr(word, "match", "stem") == "exact":  # the written form only
            written = written_term(word.norm, word.stem)
            query = self.record(
                Part("exact" if kind == "stem" else kind, word.surface, 0.0, term=written),
                self.scaled(term(written), weight))
            self.wrap_parts(mark, lambda q: self.restrict(q, [word.stem], word.field))
            return self.restrict(query, [word.stem], word.field)
        forms = word.form_terms()
        if forms:  # other forms counted as the word's own (one term)
            every = [term(word.stem), *(term(t) for t, _ in forms)]
            stem_query = Q(Q.OP_SCALE_WEIGHT, Q(Q.OP_SYNONYM, list(map(Q, every))),
                           weight * self.stats.synonym_idf_factor(every))
        else:
            stem_query = self.scaled(term(word.stem), weight)
        parts = [self.record(Part(kind, word.surface, 0.0, term=word.stem), stem_query)]
        if word.norm != word.stem and self.w.exact > 0:
            exact = EXACT + word.norm
            parts.append(self.record(
                Part("exact" if kind == "stem" else kind, word.surface, 0.0, term=exact),
                self.scaled(term(exact), weight * self.w.exact)))
        field_name = word.field
        if forms and field_name:  # the word or any of its forms there
            stems = list(dict.fromkeys([word.stem, *(stem_of(f) for f in word.also),
                                        *word.also_stems]))
            self.wrap_parts(mark, lambda q: self.restrict_any(q, stems, field_name))
            return self.restrict_any(self.joined(parts), stems, field_name)
        self.wrap_parts(mark, lambda q: self.restrict(q, [word.stem], word.field))
        return self.restrict(self.joined(parts), [word.stem], word.field)

    def joined(self, parts: list):
        """A word's stem and exact form as one clause: ``OP_OR``, except inside a group
        of synonyms (``OP_MAX``), where it is ``OP_AND_MAYBE``: the same matches and
        weights (a document holding the exact form holds its stem). Over ``OP_OR``,
        Xapian 1.4.22's ``OP_MAX`` weighed some results without their exact form, so
        their explained parts did not add up to their score: 11 to 17 of the 111 ANT
        dev topics with synonyms had such a result in their top 10 (3,000, 41,661 and
        416,610 articles), none with ``OP_AND_MAYBE`` (docs/xapian.md, "OP_MAX over OR
        weighs without the exact form")."""
        if self.in_max and len(parts) == 2:
            return Q(Q.OP_AND_MAYBE, parts[0], parts[1])
        return _or(parts)

    def restrict_any(self, query, stems: list[str], field_name: str):
        """``title:``/``body:`` for a word counted with its prefixed forms: documents
        with any of ``stems`` in the field (a form's stem stands for the form: title
        positions and title-only marks are kept by stem)."""
        if field_name == "title":
            return Q(Q.OP_FILTER, query, _or([Q(term(PREFIX_TITLE + s)) for s in stems]))
        in_body = [Q(Q.OP_AND_NOT, Q(term(s)), Q(term(PREFIX_TITLE_ONLY + s)))
                   for s in stems]
        return Q(Q.OP_FILTER, query, _or(in_body))

    def restrict(self, query, stems: list[str], field_name: str | None):
        """``title:``: only documents with the stems in the title; ``body:``: only those
        with them in the body (not in the title alone)."""
        if field_name == "title":
            return Q(Q.OP_FILTER, query,
                     Q(Q.OP_AND, [Q(term(PREFIX_TITLE + s)) for s in stems]))
        if field_name == "body":
            return Q(Q.OP_AND_NOT, query,
                     _or([Q(term(PREFIX_TITLE_ONLY + s)) for s in stems]))
        return query

    def phrase(self, phrase: Phrase):
        """Documents where the phrase's stems are consecutive: in the body (the stems'
        positions) or in the title (the title terms' positions), or only in the field
        a prefix names. A phrase never runs from the title into the body."""
        stems = [w.stem for w in phrase.words]
        if not phrase.adjacent:  # an exclusion over the phrase budget: all its words
            return self.restrict(Q(Q.OP_AND, [Q(term(s)) for s in stems]), stems,
                                 phrase.field)
        if phrase.field is None and " ".join(stems) in self.stats.phrases:
            return Q(phrase_term(stems))  # the same documents, one posting list
        body = Q(Q.OP_PHRASE, [Q(term(s)) for s in stems], len(stems))
        title = Q(Q.OP_PHRASE, [Q(term(PREFIX_TITLE + s)) for s in stems], len(stems))
        if phrase.field == "title":
            return title
        if phrase.field == "body":
            return body
        return Q(Q.OP_OR, body, title)

    def words(self, words, boost: float = 1.0):
        return _or([self.word(w, boost) for w in words])

    def alternative(self, item):
        """One alternative of a group: a word, or a phrase ("a" OR "b c", a synonym)
        whose words count where it occurs."""
        if isinstance(item, Phrase):
            mark = len(self.parts)
            found = self.phrase(item)
            words = self.words(item.words, item.weight)
            self.wrap_parts(mark, lambda q, f=found: Q(Q.OP_FILTER, q, f))
            return Q(Q.OP_FILTER, words, found)
        return self.word(item)

    def item(self, item):
        """An excluded word or phrase: the documents holding it."""
        if isinstance(item, Phrase):
            return self.phrase(item)
        return self.restrict(Q(term(item.stem)), [item.stem], item.field)

    # -- the query ------------------------------------------------------------------------

    def compile(self, q: ParsedQuery) -> Compiled:
        if q.is_empty:
            return Compiled(self.restrictions(self.newest_first(), q), True, [], [], self.keep)
        clauses, tiers, required = [], [], []
        outside = sum(1 for g in q.groups if not (len(g) == 1 and isinstance(g[0], Phrase)))
        strict = outside <= getattr(self.w, "strict_phrase_words", outside)
        for group in q.groups:
            best_of = self.w.synonym_group == "max" and any(i.synonym for i in group)
            if best_of:  # a word's synonyms count as their best one (OP_MAX)
                alternatives, spans = [], []
                self.in_max = True
                for i in group:
                    if i.synonym:
                        mark = len(self.parts)
                        alternatives.append(self.alternative(i))
                        spans.append(slice(mark, len(self.parts)))
                self.in_max = False
                self.best_of.append(spans)
                clauses.append(_max(alternatives))
            for item in group:
                if best_of and item.synonym:
                    continue
                if isinstance(item, Phrase) and len(group) > 1:
                    clauses.append(self.alternative(item))
                elif isinstance(item, Phrase):
                    clauses.append(self.words(item.words))
                    found = self.phrase(item)
                    mode = self.w.phrases if getattr(item, "quoted", True) and strict \
                        else "tier"
                    if mode == "filter":
                        required.append(found)
                    elif mode == "tier":
                        tiers.append(self.record(
                            Part("phrase tier", _surface(item), 0.0,
                                 note="ranked above the documents without the phrase"),
                            Q(Q.OP_FILTER, self.constant(2 * TIER), found)))
                    else:  # "bonus": the phrase's words count phrase_bonus more
                        mark = len(self.parts)
                        bonus = self.words(item.words, self.w.phrase_bonus)
                        for part, _ in self.parts[mark:]:
                            part.kind, part.text = "phrase bonus", _surface(item)
                        self.wrap_parts(mark, lambda q, f=found: Q(Q.OP_FILTER, q, f))
                        clauses.append(Q(Q.OP_FILTER, bonus, found))
                else:
                    clauses.append(self.word(item))
        if 1 < len(q.groups) <= self.w.all_words_first:
            every = Q(Q.OP_AND, [_or([self.item(i) for i in group]) for group in q.groups])
            tiers.append(self.record(
                Part("all-words tier", "", 0.0,
                     note="ranked above the documents without every word"),
                Q(Q.OP_FILTER, self.constant(TIER), every)))
        query = _or(clauses)
        leads = self.lead(q)
        if leads:
            self.record(Part("lead", " ".join(leads), 0.0,
                             note=f"query words in the first {self.w.lead_words} words"),
                        Q(Q.OP_FILTER, _or(list(leads.values())), query))
            query = Q(Q.OP_AND_MAYBE, query, _or(list(leads.values())))
        for tier in tiers:
            # one OP_AND_MAYBE each: Xapian 1.4.22 loses the phrase check of a filter ORed
            # with others on AND_MAYBE's optional side (bench/xapian_facts.py)
            query = Q(Q.OP_AND_MAYBE, query, tier)
        if required:
            query = Q(Q.OP_FILTER, query, Q(Q.OP_AND, required))
        return Compiled(self.restrictions(query, q), False, self.parts, self.best_of, self.keep)

    def lead(self, q: ParsedQuery) -> dict[str, object]:
        """{surface: ``lead`` x idf for the query stem} for each distinct query stem (not
        field-restricted) that the document's lead holds (arsearch applies it to its best
        100; here to every result: the cost is one boolean posting list a stem)."""
        if self.w.lead <= 0:
            return {}
        stems: dict[str, str] = {}
        for w in reversed(q.words):  # the first spelling of a stem names it
            if not w.field:
                stems[w.stem] = w.surface
        out = {}
        for stem, share in q.stem_weights().items():  # a synonym's stem: its weight
            weight = self.w.lead * share * self.stats.idf(term(stem))
            if weight > 0:
                out[stems[stem]] = Q(Q.OP_FILTER, self.constant(weight),
                                     Q(term(PREFIX_LEAD + stem)))
        return out

    def restrictions(self, query, q: ParsedQuery):
        """Filters, the date range and exclusions: boolean, no weight."""
        wanted = []
        for name, values in q.filters.items():
            if name in FILTER_PREFIXES and values:
                wanted.append(_or([Q(filter_term(name, v)) for v in values]))
        if q.date_from is not None or q.date_to is not None:
            wanted.append(date_range(q.date_from, q.date_to))
        if wanted:
            query = Q(Q.OP_FILTER, query, wanted[0] if len(wanted) == 1
                      else Q(Q.OP_AND, wanted))
        unwanted = [self.item(i) for i in q.excluded]
        for name, values in q.excluded_filters.items():
            if name in FILTER_PREFIXES:
                unwanted.extend(Q(filter_term(name, v)) for v in values)
        unwanted.extend(date_range(lo, hi) for lo, hi in q.excluded_dates)
        if unwanted:
            query = Q(Q.OP_AND_NOT, query, _or(unwanted))
        return query


def date_range(date_from: datetime | None, date_to: datetime | None):
    """Dated documents from ``date_from`` (inclusive) to ``date_to`` (exclusive)."""
    lo = date_value(date_from) if date_from else date_value(datetime.min)
    if date_to is None:
        hi = date_value(datetime.max)
    elif date_to == datetime.min:
        return Q.MatchNothing
    else:
        hi = date_value(date_to - timedelta(microseconds=1))  # values are exact to 1 µs
    return Q(Q.OP_VALUE_RANGE, SLOT_DATE, lo, hi)


def by_date(compiled: Compiled, weights: Weights, stats: Stats):
    """``compiled``'s matches, newest first (``sort="date"``): weighed by their time only."""
    compiler = _Compiler(weights, stats)
    query = Q(Q.OP_FILTER, compiler.newest_first(), compiled.query)
    compiled.keep.extend(compiler.keep)
    return query


def pruning_safe(query):
    """``query`` (one with ``OP_MAX``) in a form Xapian 1.4.22 does not crash on when it
    prunes (stops weighing once its minimum weight rises).

    Pruning replaces operators as weights rise: an ``OP_OR`` whose sides cannot reach
    the page turns into an AND, and the matcher, when that replaces its root, recomputes
    every maximum weight before it looks whether the new root has ended. An ``OP_MAX``
    (a word's synonyms) whose alternatives all ended in that step has no alternative
    left, and Xapian 1.4.22 reads the first anyway: the process dies (SIGSEGV; a shard
    server drops its connection). Found with a debug build of 1.4.22: the crash is in
    ``MaxPostList::recalc_maxweight``, called from ``MultiMatch::get_mset`` right after
    "REPLACING ROOT"; no later 1.4 release changes either.

    So the query is run as ``FILTER(SCALE_WEIGHT(query, 1), MatchAll)``:
    an AND of the query and every document, which Xapian never replaces (its AND returns
    no replacement) and whose end the matcher sees before recomputing any weight. The
    matches and weights are the query's own (a scale of 1 changes nothing, and the
    ``MatchAll`` side is boolean); the scale keeps the query one side of the AND, where
    a top ``OP_AND_MAYBE`` would otherwise be merged into a new root that can be
    replaced.

    On Debian's Xapian the searcher prunes no query (search.py, "Pruning": pruned pages
    drop results), but Xapian still raises its minimum weight at the last match when
    every document matched, and prunes from there: so every ranked pass of a query with
    ``OP_MAX`` runs in this form (tests/test_xapian_pruning.py); arsearch's fixed build
    does not need it, and it costs little. ``bench/xapian_pruning.py``
    prunes in it (:meth:`Compiled.guarded`) to show what pruning would drop.
    """
    return Q(Q.OP_FILTER, Q(Q.OP_SCALE_WEIGHT, query, 1.0), Q.MatchAll)


def _surface(phrase: Phrase) -> str:
    return " ".join(wd.surface for wd in phrase.words)


def _max(queries: list):
    return queries[0] if len(queries) == 1 else Q(Q.OP_MAX, queries)


def _or(queries: list):
    if not queries:
        return Q.MatchNothing
    return queries[0] if len(queries) == 1 else Q(Q.OP_OR, queries)


def compile_query(q: ParsedQuery, weights: Weights, stats: Stats) -> Compiled:
    """``q`` (synonyms already expanded) as one Xapian query ranked as arsearch ranks."""
    return _Compiler(weights, stats).compile(q)
