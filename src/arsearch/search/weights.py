"""How much each kind of match counts: the ranking's knobs, in one place.

Every default here was set on the tune halves of every visible set and checked on the
test halves (``bench/quality.py``, ``bench/tune.py``; README, "Ranking").
"""

from __future__ import annotations

from dataclasses import dataclass

#: BM25 saturation and length normalisation: Lucene's defaults, re-measured on every
#: visible set (README, "Ranking"): b = 0.6 suited the Qur'an passages alone, but where
#: short answers compete with long news articles 0.75 is clearly better.
K1 = 1.2
B = 0.75


@dataclass(frozen=True)
class Weights:
    """How much each kind of match counts (measured on the benchmarks, see README)."""

    k1: float = K1
    b: float = B  # length normalisation of the body
    #: BM25F (Robertson, Zaragoza & Taylor 2004): a word's frequency in the title counts
    #: ``title`` times its frequency in the body, each normalised by its own field's
    #: length (``title_b``, ``b``), before ONE saturation. So a title adds evidence to the
    #: body's without a one-word title match outranking a document about the query.
    #: ``fields="combined"`` normalises by the weighted total length instead (Lucene's
    #: CombinedFieldQuery); ``fields="sum"`` is the old model (each field saturated
    #: alone, then added).
    title: float = 2.0
    title_b: float = B
    fields: str = "bm25f"
    exact: float = 0.3  # extra weight of the exact (unstemmed) form over the stem
    synonyms: float = 0.5  # an expansion (ترمب for ترامب) counts this much of a typed word
    #: A word's expansions count as their best one ("max"), or each adds its own score
    #: ("sum", the old rule: داعش's overlapping entries تنظيم الدولة, الدولة الإسلامية and
    #: تنظيم الدولة الإسلامية each added their words, four times the typed word's weight).
    synonym_group: str = "max"
    #: Quoted phrases: "filter" (only documents with the phrase: quotes are a
    #: requirement, as in web search engines and Elasticsearch's match_phrase; issue
    #: 14), "tier" (documents with the phrase rank first, others follow) or "bonus" (a
    #: phrase match adds ``phrase_bonus`` times the phrase words' own score).
    phrases: str = "filter"
    #: ...when the query has at most this many words outside its phrases. A longer query
    #: with quotes is a pasted headline or question quoting someone (خالد بن سلمان عن
    #: "كيماوي دوما": يجب الوقوف ضد الأسد...): its quotes quote, they do not constrain, so
    #: its phrases rank first ("tier") instead (measured: README "Ranking").
    strict_phrase_words: int = 2
    phrase_bonus: float = 0.5
    #: Queries of at most this many word groups list documents holding all of them
    #: first (0: off). Off by default: this hard tier overrode better evidence on every
    #: set, news keyword queries included (README, "Ranking").
    all_words_first: int = 0
    #: Optional recency boost for news: a document ``recency_half_life`` days older
    #: than the newest one gets half of the extra ``recency`` x its score (0: off).
    recency: float = 0.0
    recency_half_life: float = 30.0
    #: Pseudo-relevance feedback for queries of at most ``prf_max_words`` words: the
    #: top ``prf_docs`` results lend ``prf_terms`` words, weighted ``prf_weight``.
    prf_max_words: int = 0
    prf_docs: int = 10
    prf_terms: int = 10
    prf_weight: float = 0.5
    #: Term proximity (in the manner of BM25TP): among the best ``proximity_docs``
    #: results, pairs of query words at most ``proximity_window`` words apart add
    #: ``proximity`` x min(idf) x a saturated sum of 1/distance^2.
    proximity: float = 0.0
    proximity_docs: int = 100
    proximity_window: int = 5
    #: Leads: among the same best results, each query word that occurs in the first
    #: ``lead_words`` words of the body adds ``lead`` x its idf. The lead of a news story
    #: says what the story is about; a short document is all lead, and counts as such
    #: (excluding short documents cost untitled Wikipedia paragraphs their place among
    #: news articles).
    lead: float = 0.5
    lead_words: int = 30
    #: Query understanding (issue 14; search/understand.py). An occurrence of a typed
    #: word's form with an attached prefix (لإيران for إيران) counts ``clitics`` of an
    #: occurrence of the word, in the same term (one saturation, one idf); 0: off.
    clitics: float = 1.0
    #: The Arabic forms of a Latin-script name count this much of a typed word.
    names: float = 0.5
    #: The other dictionary forms of a typed word's lemma (its singular, its broken
    #: plurals: نبي for الأنبياء) count this much of a typed word at the default (stem)
    #: level; 0: off. The lemma level (``lemma:``) asks for them at LEMMA_WEIGHT.
    lemmas: float = 0.0
    #: The stem of a typed word written with the article taken off or put on (القرآن:
    #: قرآن, إنسان: الإنسان), when Snowball stems the two apart (القر / قران, انسان /
    #: انس), counts as the word's own in the same term, its frequencies scaled by
    #: ``articles`` (one saturation, one idf, as ``clitics``); 0: off. On: it helps or
    #: is neutral on every tune half and the test halves agree (README, "Ranking").
    articles: float = 1.0

    def field_weight(self, field: str) -> float:
        return self.title if field == "title" else 1.0

    def field_b(self, field: str) -> float:
        return self.title_b if field == "title" else self.b
