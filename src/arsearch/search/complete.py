"""Suggestions as you type: prefix completion over the archive's titles.

A reader typing ``الدول`` wants ``الدولة الإسلامية``; typing ``داعش إد`` wants ``داعش
إدلب``; typing the start of a headline wants the article. The dictionary is made of
the titles' words (the index's vocabulary as written in headlines, in their usual
spelling: hamzas and ta marbuta kept for display), the word pairs that recur in titles,
and the titles themselves, each under its normalised key (the analysis' own folding:
hamza and alef forms, ta marbuta, alef maqsura, diacritics, tatweel, Arabic-Indic
digits), so ``الاسلاميه`` and ``الإسلاميّة`` complete alike. A word is weighted by the
number of titles holding it.

Keys are kept sorted: a prefix is a range found by two binary searches, and the best
entries of the range one ``argpartition``; a request costs microseconds whatever the
archive's size. Building the dictionary reads every stored title (about 4 s for 41,661
articles), so :class:`CompletionCache` builds it once per index state, in a background
thread for large archives (suggestions start a few seconds after the server, and a new
state keeps serving the previous dictionary until its own is ready).
"""

from __future__ import annotations

import bisect
import logging
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np

from arsearch.analysis import TOKEN_PATTERN, normalize_token, stopwords
from arsearch.analysis.normalize import INVISIBLE, TASHKEEL, TATWEEL

log = logging.getLogger(__name__)

#: Suggestions a request returns at most.
MAX_SUGGESTIONS = 10
#: A prefix shorter than this (letters, once normalised) gets no suggestions.
MIN_PREFIX = 2
#: Typed text longer than this is not completed (a search box's prefix, not an essay).
MAX_PREFIX_CHARS = 100
#: Word pairs must recur in this many titles to be offered.
MIN_PAIR_TITLES = 2
#: Pairs completing the last two words that make single-word completions unneeded.
PAIRS_ENOUGH = 3
#: Titles offered beside the query completions, at most.
MAX_TITLES = 3
#: Archives up to this size build their dictionary at once, larger ones in a thread.
SYNC_BUILD_DOCS = 5_000

_WORD = re.compile(TOKEN_PATTERN)
_HIGH = "\U0010ffff"


@dataclass(frozen=True)
class Suggestion:
    """``text`` to search for (``kind="query"``), or an article's title (``"title"``,
    with its ``id``)."""

    text: str
    kind: str = "query"
    id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"text": self.text, "kind": self.kind}
        if self.id is not None:
            out["id"] = self.id
        return out


#: What a suggestion drops from the text it shows: diacritics, tatweel, invisible marks
#: (bidi overrides among them: a suggestion is plain text in a list).
_DISPLAY = str.maketrans("", "", TASHKEEL + TATWEEL + INVISIBLE)


class _Sorted:
    """Keys in order, with a weight and a display text each: prefix ranges, best first."""

    def __init__(self, entries: dict[str, tuple[int, str]]):
        self.keys = sorted(entries)
        self.weights = np.asarray([entries[k][0] for k in self.keys], dtype=np.int64)
        self.shown = [entries[k][1] for k in self.keys]

    def best(self, prefix: str, limit: int) -> list[int]:
        """Positions of the ``limit`` heaviest keys starting with ``prefix``."""
        lo = bisect.bisect_left(self.keys, prefix)
        hi = bisect.bisect_left(self.keys, prefix + _HIGH, lo)
        if hi <= lo:
            return []
        weights = self.weights[lo:hi]
        top = np.argpartition(-weights, limit)[:limit] if hi - lo > limit \
            else np.arange(hi - lo)
        # heaviest first; equal weights in key order (stable, reproducible)
        top = top[np.lexsort((top, -weights[top]))]
        return [lo + int(i) for i in top]


class Completions:
    """The dictionary of one index state: words, recurring word pairs and titles."""

    def __init__(self, titles: Iterable[tuple[str, str]]):
        """``titles``: (document id, title) of every live document, in docnum order."""
        stops = stopwords()
        words: Counter[str] = Counter()
        pairs: Counter[str] = Counter()
        spellings: Counter[tuple[str, str]] = Counter()
        heads: dict[str, tuple[int, str]] = {}
        for n, (doc_id, title) in enumerate(titles):
            shown = " ".join(title.translate(_DISPLAY).split())
            tokens = [(normalize_token(w), w) for w in _WORD.findall(shown)]
            tokens = [t for t in tokens if t[0]]
            spellings.update(tokens)
            norms = [norm for norm, _ in tokens]
            words.update(set(norms))
            pairs.update(f"{a} {b}" for a, b in zip(norms, norms[1:], strict=False)
                         if a not in stops and b not in stops)
            if norms:
                heads[" ".join(norms)] = (n, f"{shown}\x00{doc_id}")  # the newest one
        usual: dict[str, str] = {}
        for (norm, spelling), _ in spellings.most_common():
            usual.setdefault(norm, spelling)
        entries = {w: (c, usual[w]) for w, c in words.items()
                   if w not in stops and len(w) >= MIN_PREFIX and not w.isdigit()}
        for pair, c in pairs.items():
            if c >= MIN_PAIR_TITLES:
                a, b = pair.split(" ")
                entries[pair] = (c, f"{usual[a]} {usual[b]}")
        self.phrases = _Sorted(entries)
        self.titles = _Sorted(heads)

    def complete(self, text: str, limit: int = 8) -> list[Suggestion]:
        """Completions of what is typed: whole queries first (the words typed so far,
        then the best completions of the last one or two), then matching titles."""
        limit = max(1, min(limit, MAX_SUGGESTIONS))
        text = text[:MAX_PREFIX_CHARS]
        typed = [(m.group(), normalize_token(m.group())) for m in _WORD.finditer(text)]
        typed = [(raw, norm) for raw, norm in typed if norm]
        if not typed or len("".join(n for _, n in typed).replace(" ", "")) < MIN_PREFIX:
            return []
        open_end = not text[-1:].isspace()  # the last word is still being typed
        tail = "" if open_end else " "
        raws = [raw for raw, _ in typed]
        norms = [norm for _, norm in typed]
        heads = self.titles.best(" ".join(norms) + tail, limit)
        # titles keep a few places (a third, up to MAX_TITLES) when queries would fill all
        room = limit - min(len(heads), MAX_TITLES, max(limit // 3, 1)) if limit > 1 else limit
        out: list[Suggestion] = []
        known: set[str] = set()

        def offer(head: list[str], positions: list[int]) -> None:
            for p in positions:
                shown = " ".join([*head, self.phrases.shown[p]])
                key = " ".join(normalize_token(w) for w in shown.split())
                if key not in known and len(out) < room:
                    known.add(key)
                    out.append(Suggestion(shown))

        if len(norms) >= 2:  # the last two words as a recurring pair
            offer(raws[:-2], self.phrases.best(f"{norms[-2]} {norms[-1]}{tail}", room))
        if len(out) < PAIRS_ENOUGH and (len(norms) == 1 or len(norms[-1]) >= MIN_PREFIX):
            # the last word alone (unrelated to the words before it: not a single letter)
            offer(raws[:-1], self.phrases.best(norms[-1] + tail, room))
        for p in heads[:limit - len(out)]:
            shown, doc_id = self.titles.shown[p].split("\x00", 1)
            out.append(Suggestion(shown, "title", doc_id))
        return out


class CompletionCache:
    """One :class:`Completions` per index state, built once (see the module docstring)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._built: tuple[Any, Completions] | None = None
        self._building: Any = None

    def get(self, reader: Any, titles: Callable[[], Iterable[tuple[str, str]]],
            size: int) -> Completions | None:
        """The dictionary of the index state ``reader`` names (compared with ``==``: a
        backend may stay one object across states, see ``SearchBackend.state``); while
        it is being built, the previous state's (or None at first). ``size``:
        documents, for the sync/async choice."""
        built = self._built
        if built is not None and built[0] == reader:
            return built[1]
        if size <= SYNC_BUILD_DOCS:
            completions = Completions(titles())
            self._built = (reader, completions)
            return completions
        with self._lock:
            if self._building != reader:
                self._building = reader
                threading.Thread(target=self._build, args=(reader, titles),
                                 name="arsearch-completions", daemon=True).start()
        return built[1] if built is not None else None

    def _build(self, reader: Any, titles: Callable[[], Iterable[tuple[str, str]]]) -> None:
        try:
            completions = Completions(titles())
        except Exception:  # noqa: BLE001 - a later request tries again
            log.warning("could not build the suggestions dictionary", exc_info=True)
            with self._lock:
                if self._building == reader:
                    self._building = None
            return
        self._built = (reader, completions)
