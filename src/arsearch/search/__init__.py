"""Searching: the query language, the ranking policy over BM25F, results, snippets,
did-you-mean, pseudo-relevance feedback and evaluation, shared by every backend; and
the engine (:mod:`arsearch.search.engine`) that puts them together over one.

The engine sits above the backends (:mod:`arsearch.backends`), the rest below them: a
backend runs the ranking policy, the engine asks a backend. So this package's
``__init__`` does not import the engine (``arsearch.open_index`` or
``arsearch.search.engine`` do).
"""

from arsearch.search.results import Explanation, Hit, Part, Results
from arsearch.search.weights import Weights

__all__ = ["Explanation", "Hit", "Part", "Results", "Weights"]
