"""What a search returns: hits, a page of results, and the explanation of a score.

Plain data with ``to_dict()`` for the JSON API and ``arsearch search --json``, so the
CLI, the web and Python callers see the same fields.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

#: Decimals of every score in JSON (search, the API, explain): scores are float32, good
#: to about 7 significant digits, and one document's score must read the same in each.
SCORE_DECIMALS = 6


def json_score(score: float) -> float:
    return round(score, SCORE_DECIMALS)


@dataclass
class Hit:
    """One search result. ``snippet`` and ``title_html`` are escaped HTML with <mark>."""

    id: str
    title: str
    date: datetime | None
    source: str | None
    category: str | None
    author: str | None
    url: str | None
    score: float
    snippet: str = ""
    title_html: str = ""
    docnum: int = field(default=-1, repr=False)

    def to_dict(self) -> dict:
        return {
            "id": self.id, "title": self.title,
            "date": self.date.isoformat() if self.date else None,
            "source": self.source, "category": self.category, "author": self.author,
            "url": self.url, "score": json_score(self.score), "snippet_html": self.snippet,
            "title_html": self.title_html,
        }


@dataclass
class Results:
    """A page of results with the total, facet counts and a spelling suggestion."""

    query: str
    hits: list[Hit]
    total: int
    page: int
    per_page: int
    facets: dict[str, dict[str, int]]
    suggestion: str | None
    took_ms: float
    expansions: list[str] = field(default_factory=list)  # "also searched for"
    #: "relevance" or "date" (newest first): a query without a word to score (only stop
    #: words, filters or exclusions) is sorted by date, whatever was asked
    sorted_by: str = "relevance"
    #: a cluster searched without some of its shards (``allow_partial``): the total and
    #: the hits are those of the shards that answered, never presented as the whole
    partial: bool = False
    missing_shards: list[str] = field(default_factory=list)
    #: False: a search with very many matches on a Xapian index, whose facet counts come
    #: from a sample of them (about; ``exact_counts=True`` counts them all)
    facets_exact: bool = True
    #: False: ``total`` is an estimate ("about"): a Xapian search of more matches than it
    #: counts one by one stops once its page is certain (Elasticsearch's
    #: ``track_total_hits`` does the same); the hits are exactly those of a full count
    total_exact: bool = True

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    def to_dict(self) -> dict:
        return {
            "query": self.query, "total": self.total, "total_exact": self.total_exact,
            "facets_exact": self.facets_exact,
            "page": self.page,
            "per_page": self.per_page, "took_ms": round(self.took_ms, 2),
            "suggestion": self.suggestion, "expansions": self.expansions,
            "sorted_by": self.sorted_by,
            **({"partial": True, "missing_shards": self.missing_shards}
               if self.partial else {}),
            "facets": self.facets,
            "hits": [h.to_dict() for h in self.hits],
        }


@dataclass
class Part:
    """One addend of a document's score (``Engine.explain``)."""

    #: stem, exact, synonym, expansion, phrase bonus, lead, proximity, recency,
    #: phrase tier, all-words tier
    kind: str
    text: str  # the query word, or what the part is about
    score: float
    term: str = ""  # the indexed term scored
    fields: dict[str, float] = field(default_factory=dict)  # each field's share of score
    note: str = ""

    def to_dict(self) -> dict:
        out: dict = {"kind": self.kind, "text": self.text, "score": json_score(self.score)}
        if self.term:
            out["term"] = self.term
        if self.fields:
            out["fields"] = {k: round(v, 6) for k, v in self.fields.items()}
        if self.note:
            out["note"] = self.note
        return out


#: Why a document is not a result (Explanation.why): English, Arabic.
NOT_A_RESULT = {
    "filter": ("a filter leaves it out (its source, category or date)",
               "تستبعده تصفية البحث (المصدر أو التصنيف أو التاريخ)"),
    "excluded": ("it contains an excluded word: {}", "فيه كلمة مستبعدة: {}"),
    "phrase": ("it lacks the quoted phrase {}", "ليست فيه العبارة {}"),
    "words": ("it lacks words the query requires", "تنقصه كلمات يشترطها البحث"),
    "none": ("no word of the query is in it", "ليست فيه أي كلمة من كلمات البحث"),
}


@dataclass
class Explanation:
    """Why a document has its score for a query: the parts, which add up to ``score``."""

    id: str
    query: str
    score: float  # as search gives it (same float32 arithmetic)
    matches: bool  # a result of the query (within filters, not excluded, some word found)
    rank: int | None  # 1-based position among the results, None when not a result
    total: int  # number of results
    parts: list[Part]
    #: how search orders the results, and so ``rank``: "date" (newest first) when the
    #: query has no word to rank by
    sorted_by: str = "relevance"
    #: why the document is not a result ("" when it is one): a key of NOT_A_RESULT
    why: str = ""
    #: the word or phrase concerned (an excluded word, a missing quoted phrase)
    why_words: str = ""

    @property
    def reason(self) -> str:
        """Why the document is not a result, in English ("" when it is one)."""
        return NOT_A_RESULT[self.why][0].format(self.why_words) if self.why else ""

    @property
    def reason_arabic(self) -> str:
        """The same for the article page."""
        return NOT_A_RESULT[self.why][1].format(self.why_words) if self.why else ""

    def to_dict(self) -> dict:
        return {"id": self.id, "query": self.query, "score": json_score(self.score),
                "matches": self.matches, "rank": self.rank, "total": self.total,
                "sorted_by": self.sorted_by, "reason": self.reason,
                "parts": [p.to_dict() for p in self.parts]}
