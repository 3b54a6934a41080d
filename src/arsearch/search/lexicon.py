"""The index's vocabulary as query understanding sees it: one object per index state.

Roots, clitics, transliterations, the wrong keyboard and spelling tolerance all ask the
same questions of an index: is this written form in it, in how many documents, which
stems look like this root, which written forms start like this. :class:`Lexicon` answers
them from the backend (:class:`arsearch.backends.SearchBackend`: ``terms``,
``doc_frequency``, ``may_contain``) and caches what it computed for that state (the
sorted vocabulary, each root's expansion), so only the first query of a kind pays.
"""

from __future__ import annotations

import threading
from bisect import bisect_left
from functools import cached_property

from arsearch.analysis import EXACT, stem, written_term

#: The vocabulary is read from the body: titles repeat the bodies' words (and some
#: collections have none).
FIELD = "body"


class Lexicon:
    """What query understanding asks of one committed state of an index."""

    def __init__(self, reader):
        self.reader = reader
        self.cache: dict[tuple, object] = {}  # per-state results (root expansions...)
        self.lock = threading.Lock()

    def df(self, term: str) -> int:
        """Documents holding ``term`` in the body or the title (the larger count)."""
        return max(self.reader.doc_frequency("body", term),
                   self.reader.doc_frequency("title", term))

    def written_df(self, norm: str) -> int:
        """Documents holding the normalised word ``norm`` as written."""
        return self.df(written_term(norm, stem(norm)))

    def known(self, norms: list[str]) -> list[str]:
        """Those of ``norms`` the index holds as written (filtered by the term hashes
        first, so hundreds of candidates cost one NumPy search)."""
        if not norms:
            return []
        terms = [written_term(n, stem(n)) for n in norms]
        keep = self.reader.may_contain(FIELD, terms)
        found = [bool(k) and self.reader.doc_frequency(FIELD, t) > 0
                 for t, k in zip(terms, keep.tolist(), strict=True)]
        # a form only titles hold (لكأس in «يستعد لكأس الأمم») is the index's too, as
        # :meth:`df` counts it: a backend whose title and body share one term space
        # finds it in the body's lookup, so both backends understand the same query
        rest = [i for i, f in enumerate(found) if not f]
        if rest:
            in_title = self.reader.may_contain("title", [terms[i] for i in rest])
            for i, k in zip(rest, in_title.tolist(), strict=True):
                found[i] = bool(k) and self.reader.doc_frequency("title", terms[i]) > 0
        return [n for n, f in zip(norms, found, strict=True) if f]

    @cached_property
    def stems(self) -> list[str]:
        """Every stem of the vocabulary, sorted."""
        return [t for t in self.reader.terms(FIELD) if not t.startswith(EXACT)]

    @cached_property
    def stems_text(self) -> str:
        """The stems one a line: a regular expression scans them all in one C call."""
        return "\n".join(self.stems)

    @cached_property
    def written(self) -> list[str]:
        """Every written (normalised) form, sorted: exact-form twins and the words that
        are their own stems."""
        forms = {t[len(EXACT):] if t.startswith(EXACT) else t for t in self.reader.terms(FIELD)}
        return sorted(forms)

    def has_prefix(self, prefix: str) -> bool:
        """Whether some written form starts with ``prefix``."""
        written = self.written
        i = bisect_left(written, prefix)
        return i < len(written) and written[i].startswith(prefix)

    def has_word(self, form: str) -> bool:
        written = self.written
        i = bisect_left(written, form)
        return i < len(written) and written[i] == form

    def remember(self, key: tuple, compute):
        """``compute()`` once per state for ``key`` (bounded: a state is short-lived)."""
        with self.lock:
            if key in self.cache:
                return self.cache[key]
        value = compute()
        with self.lock:
            if len(self.cache) > 10_000:
                self.cache.clear()
            self.cache[key] = value
        return value
