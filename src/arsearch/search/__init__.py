"""Searching: the query language, the ranking policy over BM25F, the engine, results,
snippets, did-you-mean, pseudo-relevance feedback and evaluation."""

from arsearch.search.engine import Engine, open_index
from arsearch.search.results import Explanation, Hit, Part, Results
from arsearch.search.weights import Weights

__all__ = ["Engine", "Explanation", "Hit", "Part", "Results", "Weights", "open_index"]
