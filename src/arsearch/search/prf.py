"""Pseudo-relevance feedback (RM3-style query expansion).

A two-word question rarely uses the words of the passage that answers it. Assuming the
first few results are relevant, the words they share (weighted by each document's
score, as in relevance model RM1, and by idf so that ubiquitous words do not win) are
added to the query with a small weight. Only short queries are expanded: a pasted title
already says what it wants, and expanding it measured worse.
"""

from __future__ import annotations

import math
from collections import Counter

from arsearch.analysis import analyze


def expansion_terms(texts: list[str], scores: list[float], doc_freq, n_docs: int,
                    exclude: set[str], n_terms: int) -> list[tuple[str, float]]:
    """The ``n_terms`` best (stem, weight) pairs from the feedback ``texts``.

    ``doc_freq(stem)`` gives a stem's document frequency; weights sum to 1.
    """
    top = max(scores, default=0.0) or 1.0
    weights: dict[str, float] = {}
    for text, score in zip(texts, scores, strict=True):
        stems = [t.stem for t in analyze(text) if not t.stopword and len(t.stem) > 1]
        if not stems:
            continue
        doc_weight = max(score, 0.0) / top
        for stem, tf in Counter(stems).items():
            weights[stem] = weights.get(stem, 0.0) + doc_weight * tf / len(stems)
    ranked = []
    for stem, w in weights.items():
        if stem in exclude or stem.isdigit():
            continue
        df = doc_freq(stem)
        if df < 2:
            continue
        ranked.append((w * math.log(1 + n_docs / df), stem))
    ranked.sort(reverse=True)
    best = ranked[:n_terms]
    total = sum(w for w, _ in best) or 1.0
    return [(stem, w / total) for w, stem in best]
