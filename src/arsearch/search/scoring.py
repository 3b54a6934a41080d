"""The scoring policy: what each part of a parsed query adds to a document's score.

:class:`~arsearch.search.bm25.BM25F` knows BM25F over posting lists; this module decides
which terms are scored with which weights, and how the parts combine:

1. every query word scores its stem over title and body with BM25F, plus its exact
   (normalised, unstemmed) form at ``Weights.exact``; a synonym the engine added counts
   ``Weights.synonyms`` of a typed word, and a word's synonyms count as their best one
   (``Weights.synonym_group``); an alternative phrase counts only where it occurs;
2. among the best results, query words in the lead of a story add ``lead`` x idf, and
   (optional) words standing close together add a proximity score;
3. tiers: documents with a quoted phrase, then (short queries) documents holding every
   word group, are lifted above all others, each tier still ranked by score.

Every addition goes through :class:`Sheet`, which can also write down the parts of one
document's score: that is ``Engine.explain``, and its parts add up to the score that
search gives, because they are the same additions.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from arsearch.analysis import twin, written_term
from arsearch.search.bm25 import BM25F
from arsearch.search.query import Item, ParsedQuery, Phrase, Word
from arsearch.search.results import Part
from arsearch.search.weights import Weights

#: Phrases that rank (rather than filter) are checked in at most this many of the best
#: documents: checking positions is Python work per document, and on a large archive a
#: phrase of two common words occurs in tens of thousands.
PHRASE_CHECK = 2000
TEXT_FIELDS = ("title", "body")


class Sheet:
    """The dense score vector being built, and the parts of one document's score."""

    def __init__(self, size: int, doc: int | None = None):
        self.scores = np.zeros(size, dtype=np.float32)
        self.doc = doc
        self.parts: list[Part] = []

    def add(self, ids: np.ndarray, values: np.ndarray, part: Part | None = None) -> None:
        """Add ``values`` at ``ids``; when explaining, note the document's share."""
        self.scores[ids] += values
        if self.doc is not None and part is not None:
            where = np.flatnonzero(ids == self.doc)
            if len(where) and values[where[0]]:
                part.score = float(values[where[0]])
                self.parts.append(part)

    def value(self) -> float:
        return float(self.scores[self.doc]) if self.doc is not None else 0.0


@dataclass
class Scored:
    """Scores and the documents that match, plus the explained document's parts."""

    scores: np.ndarray
    mask: np.ndarray
    parts: list[Part]


class Scorer:
    """Scores parsed queries against one reader's :class:`BM25F`."""

    def __init__(self, ranker: BM25F, weights: Weights,
                 texts: Callable[[np.ndarray], list[str]] | None = None,
                 freshness: Callable[[], np.ndarray] | None = None):
        """``texts(docnums)``: the documents' text, for pseudo-relevance feedback;
        ``freshness()``: 1 for the newest document down to 0, for ``Weights.recency``."""
        self.ranker = ranker
        self.w = weights
        self.texts = texts
        self.freshness = freshness

    # -- the whole query ----------------------------------------------------------------

    def score(self, q: ParsedQuery, allowed: np.ndarray, explain: int | None = None
              ) -> Scored:
        """Score ``q`` among the ``allowed`` documents (live, within the filters)."""
        ranker, w = self.ranker, self.w
        size = ranker.size
        sheet = Sheet(size, explain)
        matched = np.zeros(size, dtype=np.int16)
        mask = allowed.copy()
        tiered: list[Phrase] = []
        strict = words_outside_phrases(q) <= w.strict_phrase_words
        for group in q.groups:
            hit_ids: list[np.ndarray] = []
            before = sheet.scores.copy() if w.phrases == "bonus" else None
            best_of = w.synonym_group == "max" and any(i.synonym for i in group)
            for item in group:
                if best_of and item.synonym:
                    continue  # below, as one
                if isinstance(item, Phrase) and len(group) > 1:
                    hit_ids.append(self._alternative_phrase(sheet, item))
                    continue
                for word in (item.words if isinstance(item, Phrase) else (item,)):
                    hit_ids.extend(self.add_word(sheet, word))
            if best_of:
                hit_ids.append(self._best_synonym(sheet, [i for i in group if i.synonym]))
            if hit_ids:
                # a boolean scatter, not np.unique: a common word hits most of a large
                # archive, and sorting or hashing those ids cost more than the scoring
                seen = np.zeros(size, dtype=bool)
                for ids in hit_ids:
                    seen[ids] = True
                matched += seen
            if len(group) == 1 and isinstance(group[0], Phrase):
                phrase = group[0]
                mode = w.phrases if phrase.quoted and strict else "tier"
                if mode == "filter":
                    mask &= self.phrase_mask(phrase)
                elif mode == "tier":
                    tiered.append(phrase)
                else:
                    found = self.phrase_mask(phrase)
                    assert before is not None  # taken above in "bonus" mode
                    delta = (sheet.scores - before) * w.phrase_bonus
                    ids = np.flatnonzero(found)
                    sheet.add(ids, delta[ids], Part("phrase bonus", _surface(phrase), 0.0))
        prf = bool(q.groups) and len(q.words) <= w.prf_max_words
        if q.excluded:
            # a phrase is checked only where it could exclude a result: among the
            # documents a word matched (everywhere when the query has no word, or when
            # feedback words may add more)
            within = np.flatnonzero(mask & (sheet.scores > 0)) if q.groups and not prf \
                else None
            for item in q.excluded:
                mask &= ~self.item_mask(item, within)
        if prf:
            self._expand(sheet, q, mask & (sheet.scores > 0))
        if q.groups and w.recency > 0 and self.freshness is not None:
            # a multiplier written as an addend: score x recency x freshness
            extra = sheet.scores * (w.recency * self.freshness())
            ids = np.flatnonzero(extra)
            sheet.add(ids, extra[ids], Part("recency", "", 0.0,
                                            note=f"half-life {w.recency_half_life:g} days"))
        if q.groups and (w.proximity > 0 or w.lead > 0):
            self._add_proximity(sheet, q, mask & (sheet.scores > 0))
        if q.groups:
            mask &= sheet.scores > 0
            self._tiers(sheet, q, mask, matched, tiered)
        return Scored(sheet.scores, mask, sheet.parts)

    def _tiers(self, sheet: Sheet, q: ParsedQuery, mask: np.ndarray, matched: np.ndarray,
               tiered: list[Phrase]) -> None:
        """Lift phrase matches, then (short queries) documents holding every group."""
        w = self.w
        size = self.ranker.size
        phrase_hits = np.zeros(size, dtype=np.int16)
        if tiered:
            # only the best documents need checking: a document holding the phrase
            # holds all its words and scores high
            within = top(sheet.scores, mask, PHRASE_CHECK)
            for phrase in tiered:
                phrase_hits += self.phrase_mask(phrase, within)
        n = len(q.groups)
        every = (matched == n) if 1 < n <= w.all_words_first else None
        if not phrase_hits.any() and (every is None or not every.any()):
            return
        step = float(sheet.scores.max()) + 1.0  # above every score without the tier
        ids = np.flatnonzero(phrase_hits)
        sheet.add(ids, (2.0 * step) * phrase_hits[ids],
                  Part("phrase tier", " / ".join(_surface(p) for p in tiered), 0.0))
        if every is not None:
            ids = np.flatnonzero(every)
            sheet.add(ids, np.full(len(ids), step, np.float32), Part("all-words tier", "", 0.0))

    # -- words ----------------------------------------------------------------------------

    def add_word(self, sheet: Sheet, word: Word, boost: float = 1.0) -> list[np.ndarray]:
        """Score one word (stem, and exact form at ``exact``); return the docnums hit."""
        w = self.w
        fields = (word.field,) if word.field else TEXT_FIELDS
        weight = word.weight * boost
        kind = "synonym" if weight < 1.0 else "stem"  # an expansion, not a typed word
        if word.match == "exact":  # the written form only (a clitic variant, a level)
            term = written_term(word.norm, word.stem)
            return [self._term(sheet, term, fields, weight,
                               Part(kind, word.surface, 0.0, term=term))]
        if (word.also or word.also_stems) and w.fields != "sum":
            hits = [self._with_forms(sheet, word, fields, weight,
                                     Part(kind, word.surface, 0.0, term=word.stem))]
        else:
            hits = [self._term(sheet, word.stem, fields, weight,
                               Part(kind, word.surface, 0.0, term=word.stem))]
        exact = twin(word.norm, word.stem)
        if exact is not None and w.exact > 0:  # a word that is its own stem has none
            hits.append(self._term(sheet, exact, fields, weight * w.exact,
                                   Part("exact" if kind == "stem" else kind, word.surface,
                                        0.0, term=exact)))
        return hits

    def _term(self, sheet: Sheet, term: str, fields: tuple[str, ...], weight: float,
              part: Part | None) -> np.ndarray:
        ranker = self.ranker
        if self.w.fields == "sum":
            hit = []
            for f in fields:
                ids, tf = ranker.field_tf(f, term)
                if len(ids):
                    sheet.add(ids, (weight * self.w.field_weight(f)) * ranker.saturate(ids, tf),
                              _field_part(part, f))
                    hit.append(ids)
            return np.concatenate(hit) if hit else np.zeros(0, np.int64)
        ids, values = ranker.bm25f(term, fields)
        if len(ids):
            if part is not None and sheet.doc is not None:
                part.fields = self._field_shares(term, fields, sheet.doc)
            sheet.add(ids, weight * values, part)
        return ids

    def _with_forms(self, sheet: Sheet, word: Word, fields: tuple[str, ...], weight: float,
                    part: Part | None) -> np.ndarray:
        """The word's stem and its ``also`` forms as one term: frequencies summed (the
        forms' scaled by ``Weights.clitics``), one saturation, the idf of the documents
        holding any of them."""
        from arsearch.search.bm25 import _merge_add

        ranker = self.ranker
        ids, tf = ranker.pseudo_tf(word.stem, fields)
        terms = [(word.stem, 1.0)] \
            + [(t, getattr(self.w, knob)) for t, knob in word.form_terms()]
        for term, scale in terms[1:]:
            more_ids, more_tf = ranker.pseudo_tf(term, fields)
            if len(more_ids):
                more_tf = more_tf * scale
                ids, tf = (more_ids, more_tf) if not len(ids) else \
                    _merge_add(ids, tf, more_ids, more_tf)
        if len(ids):
            if part is not None:
                part.note = "with " + " ".join((*word.also, *word.also_stems))
                if sheet.doc is not None:
                    part.fields = self._shares(terms, fields, sheet.doc)
            sheet.add(ids, weight * ranker.saturate(ids, tf), part)
        return ids

    def _shares(self, terms: list[tuple[str, float]], fields: tuple[str, ...],
                doc: int) -> dict[str, float]:
        """Each field's share of document ``doc``'s pseudo-frequency over ``terms``
        (each scaled), summing to 1."""
        shares = dict.fromkeys(fields, 0.0)
        for term, scale in terms:
            for f in fields:
                ids, tf = self.ranker.field_tf(f, term, self.w.field_weight(f))
                where = np.flatnonzero(ids == doc)
                if len(where):
                    shares[f] += scale * float(tf[where[0]])
        total = sum(shares.values()) or 1.0
        return {f: v / total for f, v in shares.items() if v}

    def _field_shares(self, term: str, fields: tuple[str, ...], doc: int) -> dict[str, float]:
        """Each field's share of document ``doc``'s pseudo-frequency (they sum to 1)."""
        shares = {}
        for f in fields:
            ids, tf = self.ranker.field_tf(f, term, self.w.field_weight(f))
            where = np.flatnonzero(ids == doc)
            shares[f] = float(tf[where[0]]) if len(where) else 0.0
        total = sum(shares.values()) or 1.0
        return {f: v / total for f, v in shares.items() if v}

    def _alternative_phrase(self, sheet: Sheet, phrase: Phrase) -> np.ndarray:
        """An alternative phrase ("a OR "b c"", a synonym) counts only where it occurs."""
        part = self._alternative(sheet.doc, phrase)
        ids = np.flatnonzero(part.scores)
        if sheet.doc is not None and part.scores[sheet.doc]:
            sheet.parts.extend(part.parts)
        sheet.scores[ids] += part.scores[ids]
        return ids

    def _alternative(self, doc: int | None, item: Item) -> Sheet:
        """The scores of one alternative on a sheet of its own: a word, or a phrase's
        words where the phrase occurs (0 elsewhere)."""
        part = Sheet(self.ranker.size, doc)
        if not isinstance(item, Phrase):
            self.add_word(part, item)
            return part
        for word in item.words:
            self.add_word(part, word, item.weight)
        # every document holding all the phrase's words is checked, not only the best
        # scored: an alternative can be a query's only way to a document (a quoted
        # synonym entry), so a budget here dropped matches (a common word such as دول
        # put the phrase's documents beyond it; Xapian's OP_PHRASE found them)
        part.scores[~self.phrase_mask(item)] = 0.0
        return part

    def _best_synonym(self, sheet: Sheet, synonyms: list[Item]) -> np.ndarray:
        """A word's synonyms add the score of the best one in each document: entries that
        overlap (تنظيم الدولة, الدولة الإسلامية, تنظيم الدولة الإسلامية) hold the same
        words and added them up to four times the typed word's weight."""
        parts = [self._alternative(sheet.doc, item) for item in synonyms]
        stacked = np.vstack([p.scores for p in parts])
        best = stacked.max(axis=0)
        ids = np.flatnonzero(best)
        sheet.scores[ids] += best[ids]
        if sheet.doc is not None and best[sheet.doc]:
            sheet.parts.extend(parts[int(stacked[:, sheet.doc].argmax())].parts)
        return ids

    # -- phrases and exclusions -------------------------------------------------------------

    def phrase_mask(self, phrase: Phrase, within: np.ndarray | None = None) -> np.ndarray:
        """Documents holding ``phrase`` (only among ``within`` when given)."""
        mask = np.zeros(self.ranker.size, dtype=bool)
        stems = [wd.stem for wd in phrase.words]
        for f in (phrase.field,) if phrase.field else TEXT_FIELDS:
            mask[self.ranker.phrase_docs(f, stems, within, phrase.adjacent)] = True
        return mask

    def item_mask(self, item: Item, within: np.ndarray | None = None) -> np.ndarray:
        """Documents holding a word or phrase (for exclusions; a phrase is checked only
        among ``within`` when given)."""
        if isinstance(item, Phrase):
            return self.phrase_mask(item, within)
        mask = np.zeros(self.ranker.size, dtype=bool)
        term = written_term(item.norm, item.stem) if item.match == "exact" else item.stem
        for f in (item.field,) if item.field else TEXT_FIELDS:
            mask[self.ranker.reader.postings(f, term)[0]] = True
        return mask

    # -- re-ranking the best results --------------------------------------------------------

    def _add_proximity(self, sheet: Sheet, q: ParsedQuery, mask: np.ndarray) -> None:
        """Raise the best results whose query words open the story or stand close."""
        w, ranker = self.w, self.ranker
        surfaces = {word.stem: word.surface for word in reversed(q.words) if not word.field}
        weights = q.stem_weights()  # a stem only a synonym brought counts as much
        stems = list(weights)
        best = top(sheet.scores, mask, w.proximity_docs)
        if not len(best):  # one result still gets its bonus: its score is what Xapian gives
            return
        if w.lead > 0:
            sheet.add(best, w.lead * ranker.lead_scores("body", stems, best,
                                                        list(weights.values())),
                      Part("lead", " ".join(surfaces[s] for s in stems), 0.0,
                           note=f"query words in the first {w.lead_words} words"))
        if w.proximity > 0 and len(stems) > 1:
            for f in TEXT_FIELDS:
                sheet.add(best, (w.proximity * w.field_weight(f))
                          * ranker.proximity_scores(f, stems, best),
                          Part("proximity", f, 0.0, note="query words close together"))

    def _expand(self, sheet: Sheet, q: ParsedQuery, mask: np.ndarray) -> None:
        """Add pseudo-relevance-feedback words (see :mod:`arsearch.search.prf`)."""
        from arsearch.search.prf import expansion_terms

        w, ranker = self.w, self.ranker
        best = top(sheet.scores, mask, w.prf_docs)
        if not len(best) or self.texts is None:
            return
        terms = expansion_terms(
            self.texts(best), [float(sheet.scores[d]) for d in best],
            lambda t: ranker.reader.doc_frequency("body", t), ranker.doc_count,
            {word.stem for word in q.words}, w.prf_terms)
        scale = w.prf_weight * len(q.words)
        for stem, weight in terms:
            self._term(sheet, stem, TEXT_FIELDS, scale * weight,
                       Part("expansion", stem, 0.0, term=stem))


def words_outside_phrases(q: ParsedQuery) -> int:
    """The query's word groups that are not a phrase of their own (``strict_phrase_words``)."""
    return sum(1 for g in q.groups if not (len(g) == 1 and isinstance(g[0], Phrase)))


def _surface(phrase: Phrase) -> str:
    return " ".join(wd.surface for wd in phrase.words)


def _field_part(part: Part | None, field: str) -> Part | None:
    if part is None:
        return None
    return Part(part.kind, part.text, 0.0, term=part.term, fields={field: 1.0})


def rank_of(doc: int, scores: np.ndarray, mask: np.ndarray, by_date: bool = False,
            dates: np.ndarray | None = None) -> int:
    """The 1-based place of ``doc`` (within ``mask``) in the order :func:`top` gives."""
    key = dates.astype(np.float64) if by_date and dates is not None else scores
    ahead = mask & ((key > key[doc]) | ((key == key[doc]) & (np.arange(len(key)) < doc)))
    return int(ahead.sum()) + 1


def top(scores: np.ndarray, mask: np.ndarray, k: int, by_date: bool = False,
        dates: np.ndarray | None = None) -> np.ndarray:
    """Docnums of the ``k`` best documents within ``mask``, best first."""
    candidates = np.flatnonzero(mask)
    if not len(candidates) or k <= 0:
        return candidates[:0]
    key = dates[candidates].astype(np.float64) if by_date and dates is not None \
        else scores[candidates]
    if len(candidates) > k:
        # the k best, ties at the cut resolved by docnum as in the full order: else page
        # 2 (the best 20, minus 10) could repeat or skip a document page 1 showed
        kth = key[np.argpartition(-key, k - 1)[k - 1]]
        above = np.flatnonzero(key > kth)
        ties = np.flatnonzero(key == kth)[:k - len(above)]  # lowest docnums first
        keep = np.concatenate([above, ties])
        candidates, key = candidates[keep], key[keep]
    return candidates[np.lexsort((candidates, -key))]
