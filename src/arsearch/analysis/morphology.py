"""Roots and lemmas: which dictionary word a written word is, and which root it comes from.

The resource is arramooz's Arabic dictionary (``arramooz-pysqlite``: 30,000 nouns and
adjectives with their broken plurals and 14,000 verbs, each with its root), read once
into three tables, and qalsadi's morphological analyser for written words the tables do
not hold as such (conjugated verbs, words with clitics). Both ship their data and work
offline.

Why not analyse the index's words? qalsadi costs about 3 ms a word (20 ms on a busy
machine) and a news archive holds hundreds of thousands of distinct written forms:
minutes at build time for a feature most queries never use. So nothing happens at
build time. A root or lemma query is expanded at query time instead
(:mod:`arsearch.search.levels`): the dictionary says which words a root or lemma has,
the index's own vocabulary says which of their written forms occur. Only the few query
words are analysed, and the tables load on the first such query (about 0.5 s).

Everything here works on *normalised* text (:func:`arsearch.analysis.normalize`): a
root كتب, a lemma مكتبه (مكتبة), so that hamza seats and ة/ه never decide a match.
"""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import dataclass
from functools import cache
from importlib import resources

from arsearch.analysis.normalize import normalize, strip_tashkeel

#: The article and the one-letter clitics, longest first, that the dictionary look-up
#: may take off a written word before giving up on the tables (qalsadi does the rest).
PREFIXES = ("وبال", "وكال", "فبال", "وال", "فال", "بال", "كال", "ولل", "فلل", "لل", "ال",
            "و", "ف", "ب", "ك", "ل", "س")
#: Pronoun and number endings (normalised: ة is ه), longest first.
SUFFIXES = ("تهما", "كما", "هما", "تها", "ته", "ها", "هم", "هن", "كم", "كن", "نا", "ات",
            "ون", "ين", "ان", "يه", "ه", "ي")
#: A word no shorter than this after taking affixes off (two-letter "roots" are noise).
MIN_CORE = 3
#: Longer "words" are not analysed: none is this long, and qalsadi's time grows with it.
MAX_LETTERS = 20
_BROKEN_PLURAL = "جمع تكسير"


@dataclass(frozen=True)
class Analysis:
    """What a word is: its root and its lemma (normalised), and who said so."""

    word: str
    root: str | None
    lemma: str | None
    source: str  # "dictionary", "analyser" or "" (unknown: callers fall back to the stem)

    @property
    def known(self) -> bool:
        return bool(self.source)


class Dictionary:
    """arramooz's dictionary as three look-up tables (normalised, unvocalised)."""

    def __init__(self, rows: list[tuple[str, str, str]]):
        """``rows``: (written form, lemma, root) of every dictionary word form."""
        self.roots_of: dict[str, set[str]] = {}
        self.lemmas_of: dict[str, set[str]] = {}
        self.forms_of_root: dict[str, set[str]] = {}
        self.forms_of_lemma: dict[str, set[str]] = {}
        for form, lemma, root in rows:
            if not form or not root:
                continue
            self.roots_of.setdefault(form, set()).add(root)
            self.lemmas_of.setdefault(form, set()).add(lemma)
            self.forms_of_root.setdefault(root, set()).add(form)
            self.forms_of_lemma.setdefault(lemma, set()).add(form)

    def is_root(self, text: str) -> bool:
        return text in self.forms_of_root

    def lookup(self, norm: str) -> tuple[str, str] | None:
        """(root, lemma) of a normalised written form the tables hold, else None.

        A form with several readings takes the one whose lemma is the form itself (a
        singular beats a plural of another word), then the shortest lemma, then the
        alphabetically first: a fixed choice, so the same query always means the same.
        """
        lemmas = self.lemmas_of.get(norm)
        if not lemmas:
            return None
        lemma = norm if norm in lemmas else min(lemmas, key=lambda x: (len(x), x))
        roots = sorted(r for r in self.roots_of[norm]
                       if norm in self.forms_of_lemma.get(lemma, ()) and
                       lemma in self.forms_of_root.get(r, ()))
        root = roots[0] if roots else min(self.roots_of[norm])
        return root, lemma


def _norm(text: str | None) -> str:
    return normalize(strip_tashkeel(text or "")).strip()


def root_norm(text: str | None) -> str:
    """A root as the tables hold it: normalised, a hamza radical written ا whatever its
    seat (the dictionary writes ءكد, a reader types أكد)."""
    return _norm(text).replace("\u0621", "\u0627")


def _roots(text: str | None) -> list[str]:
    """The roots a dictionary cell names: some cells hold two (``احد،وحد``) or stray
    marks (``جم.ع``); a "root" of more than four letters is a data error (skipped)."""
    out = []
    for part in (text or "").replace("،", ",").split(","):
        root = root_norm("".join(c for c in part if "\u0621" <= c <= "\u064a"))
        if 3 <= len(root) <= 4:
            out.append(root)
    return out


#: The tables computed once from arramooz and shipped (``python
#: scripts/morphology_table.py`` writes it again): normalising arramooz's 44,000 entries
#: costs seconds, reading this costs a tenth of that.
TABLE = "data/morphology_ar.tsv.gz"


@cache
def dictionary() -> Dictionary:
    """The dictionary tables, loaded once per process (~0.3 s)."""
    import gzip

    data = resources.files("arsearch").joinpath(TABLE)
    if data.is_file():
        with data.open("rb") as raw, gzip.open(raw, "rt", encoding="utf-8") as f:
            rows = [tuple(line.rstrip("\n").split("\t")) for line in f]
        return Dictionary(rows)  # type: ignore[arg-type]
    return Dictionary(arramooz_rows())


def arramooz_rows() -> list[tuple[str, str, str]]:
    """(written form, lemma, root) of every word form of arramooz's dictionary."""
    path = resources.files("arramooz").joinpath("data/arabicdictionary.sqlite")
    rows: list[tuple[str, str, str]] = []
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as con:
        for unvoc, roots, number, single, plurals in con.execute(
                "SELECT unvocalized, root, number, single, broken_plural FROM nouns"):
            form = _norm(unvoc)
            lemma = _norm(single) if number == _BROKEN_PLURAL and single else form
            for root in _roots(roots):
                rows.append((form, lemma, root))
                for plural in (plurals or "").split(";"):
                    if _norm(plural):
                        rows.append((_norm(plural), form, root))
        for unvoc, roots in con.execute("SELECT unvocalized, root FROM verbs"):
            for root in _roots(roots):
                rows.append((_norm(unvoc), _norm(unvoc), root))
    con.close()
    return sorted(set(rows))


def _cores(norm: str) -> list[str]:
    """``norm`` and what remains of it without the clitics and endings of
    :data:`PREFIXES`/:data:`SUFFIXES` (والكتاب: الكتاب, كتاب...). A feminine plural
    ات also gives its singular in ه (الخدمات: خدمه)."""
    out = [norm]
    heads = [norm] + [norm[len(p):] for p in PREFIXES if norm.startswith(p)]
    for head in heads:
        tails = [head]
        for s in SUFFIXES:
            if head.endswith(s):
                if s == "ات":
                    tails.append(head[:-2] + "ه")
                tails.append(head[:-len(s)])
        for core in tails:
            if len(core) >= MIN_CORE and core not in out:
                out.append(core)
    return out


_analyser_lock = threading.Lock()


@cache
def _analyser():
    import qalsadi.analex

    return qalsadi.analex.Analex()


@cache
def _from_analyser(norm: str) -> tuple[str, str] | None:
    """qalsadi's most frequent reading that names a root, or None (~3-20 ms)."""
    with _analyser_lock:  # qalsadi's analyser keeps state between calls
        try:
            readings = _analyser().check_word(norm)
        except Exception:  # noqa: BLE001 - a third-party analyser must not fail a search
            return None
    best = None
    for r in readings or ():
        get = r.get if hasattr(r, "get") else (lambda k, r=r: getattr(r, k, None))
        roots, lemma = _roots(get("root")), _norm(get("lemma") or get("original"))
        if not roots or not lemma:
            continue
        freq = get("freq") or 0
        key = (-int(freq) if str(freq).lstrip("-").isdigit() else 0)
        if best is None or key < best[0]:
            best = (key, roots[0], lemma)
    return (best[1], best[2]) if best else None


def analyse(word: str) -> Analysis:
    """The root and lemma of one written word; unknown words say so (``known`` False).

    The dictionary tables first (the word as written, then without its clitics and
    endings), qalsadi's analyser for what they miss (conjugated verbs).
    """
    norm = _norm(word)
    if not norm or len(norm) > MAX_LETTERS or not any("\u0621" <= c <= "\u064a" for c in norm):
        return Analysis(word, None, None, "")
    table = dictionary()
    if norm in table.lemmas_of:
        found = table.lookup(norm)
    else:
        # the longest remainder the dictionary knows: التونسيه is تونسي, not تونس
        cores = [c for c in _cores(norm) if c in table.lemmas_of]
        found = table.lookup(max(cores, key=len)) if cores else None
    if found is not None:
        return Analysis(word, found[0], found[1], "dictionary")
    found = _from_analyser(norm)
    if found is not None:
        return Analysis(word, found[0], found[1], "analyser")
    return Analysis(word, None, None, "")


def root_of(text: str) -> str | None:
    """``text`` if it is a root of the dictionary, else the root of the word ``text``."""
    norm = root_norm(text)
    if dictionary().is_root(norm):
        return norm
    return analyse(text).root
