"""The stop list: function words that say nothing about what a text is about.

Curated in ``data/stopwords_ar.txt`` (prepositions, pronouns, conjunctions and the
question words ما، من، هل، كم، الذي…, so that questions rank by their content words),
normalised with the same rules as the text, so one entry covers every spelling.
"""

from __future__ import annotations

from functools import cache
from importlib import resources

from arsearch.analysis.normalize import normalize


@cache
def stopwords() -> frozenset[str]:
    """The curated stop list, normalised."""
    text = resources.files("arsearch").joinpath("data/stopwords_ar.txt").read_text("utf-8")
    words = (line.strip() for line in text.splitlines())
    return frozenset(normalize(w) for w in words if w and not w.startswith("#"))
