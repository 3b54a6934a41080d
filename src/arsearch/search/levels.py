"""Match levels: a word matched as typed, normalised, by its stem, its lemma or its root.

``stem`` is the default (Snowball; README "How the analysis works"). The other levels
are query-time alternatives in the parsed query, like synonyms (:mod:`.expand`), so
every backend that scores a :class:`~arsearch.search.query.ParsedQuery` serves them:

* ``exact`` and ``norm``: the word's written (normalised) form only, its exact-form
  term; ``exact`` also keeps what the diacritics the user typed say (the engine checks
  them in the text, :func:`marks_agree`).
* ``lemma``: the dictionary forms of the word's lemma (broken plurals: كتاب, كتب) that
  the index holds, through their stems.
* ``root``: every stem of the index's vocabulary built on the root. Candidates come from
  one regular-expression scan of the vocabulary's stems (the radicals in order, with
  the augment letters of Arabic morphology around and between them), then the
  dictionary vets them: a stem the dictionary knows under another root is dropped
  (كبت is not كتب). Cached per index state and root.

Closer matches rank first: the typed word keeps its full weight (stem and exact form),
forms of its own lemma count :data:`LEMMA_WEIGHT`, other words of the root
:data:`ROOT_WEIGHT`. A word the dictionary does not know stays at the stem level.
"""

from __future__ import annotations

import re
from dataclasses import replace

from arsearch.analysis import stem
from arsearch.analysis.morphology import analyse, dictionary, root_norm, root_of
from arsearch.analysis.normalize import TASHKEEL, normalize, strip_tashkeel, strip_tatweel
from arsearch.analysis.stem import CONJ_ARTICLE
from arsearch.analysis.stopwords import stopwords
from arsearch.search.clitics import LEXICAL_ARTICLE, is_arabic
from arsearch.search.lexicon import Lexicon
from arsearch.search.query import Word

LEMMA_WEIGHT = 0.7
ROOT_WEIGHT = 0.5
#: At most this many words of a root or lemma are added (the most frequent first): each
#: is a posting list to score, and the root query's latency budget is 60 ms.
MAX_FORMS = 30
#: Letters that Arabic patterns add around and between a root's radicals (سألتمونيها,
#: normalised; ل only as part of the article).
AUGMENTS = "اتسمنويهء"
_WEAK = "اويء"
#: Longer words are not analysed (qalsadi's time grows with the length).
MAX_LETTERS = 20


def root_pattern(root: str) -> re.Pattern:
    """Stems built on ``root``: its radicals in order, augment letters around them. A weak
    or hamza radical may change seat or vanish (قول: قال, يقول); a doubled one may be
    written once (عمم: عام)."""
    aug = f"[{AUGMENTS}]"
    parts = []
    for i, r in enumerate(root):
        if r in _WEAK:
            parts.append(f"[{_WEAK}]?")
        elif i and r == root[i - 1]:
            parts.append(f"{r}?")
        else:
            parts.append(r)
    body = f"{aug}{{0,2}}".join(parts)
    return re.compile(f"^(?:ال|لل)?{aug}{{0,3}}{body}{aug}{{0,3}}$", re.MULTILINE)


def dictionary_roots(form: str) -> set[str] | None:
    """The roots the dictionary gives a stem (also read as a conjugated verb or with its
    feminine ending), or None when it does not know it."""
    table = dictionary()
    for candidate in (form, form + "ه", form[1:] if form[:1] in "يتنا" else "",
                      form[2:] if form[:2] in ("سي", "ست", "سن") else ""):
        roots = table.roots_of.get(candidate)
        if candidate and roots:
            return roots
    return None


def root_stems(root: str, lex: Lexicon) -> list[tuple[str, int]]:
    """(stem, document frequency) of the vocabulary's stems built on ``root``, vetted
    by the dictionary, most frequent first (cached per index state)."""
    def compute() -> list[tuple[str, int]]:
        keep = []
        for m in root_pattern(root).finditer(lex.stems_text):
            candidate = m.group()
            roots = dictionary_roots(candidate)
            if roots is not None and root not in roots:
                continue  # the dictionary reads it under another root
            df = lex.df(candidate)
            if df and (roots is not None or df > 1):
                keep.append((candidate, df, roots is not None))
        keep.sort(key=lambda x: (not x[2], -x[1], x[0]))
        return [(s, df) for s, df, _ in keep]

    return lex.remember(("root", root), compute)


def lemma_stems(lemma: str, lex: Lexicon) -> list[tuple[str, int]]:
    """(stem, df) of the dictionary forms of ``lemma`` (singular, broken plurals) that
    the index holds."""
    def compute() -> list[tuple[str, int]]:
        forms = dictionary().forms_of_lemma.get(lemma, set()) | {lemma}
        out = {}
        for form in forms:
            s = stem(form)
            if s not in out:
                df = lex.df(s)
                if df:
                    out[s] = df
        return sorted(out.items(), key=lambda x: (-x[1], x[0]))

    return lex.remember(("lemma", lemma), compute)


def lemma_kin(word: Word, lex: Lexicon, weight: float) -> list[Word]:
    """The other forms of a typed word's lemma that the index holds (by their stems),
    each counting ``weight`` of the word (``Weights.lemmas``, at the stem level); none
    for a word the dictionary does not know."""
    if len(word.norm) > MAX_LETTERS or not any("\u0621" <= c <= "\u064a" for c in word.norm):
        return []
    lemma = analyse(word.surface).lemma
    if lemma is None:
        return []
    out = [Word(s, s, s, word.field, weight * word.weight, "stem", word.level)
           for s, _ in lemma_stems(lemma, lex) if s != word.stem]
    return out[:MAX_FORMS]


#: The article, alone or after a preposition (ب, ك, ل: لل is ل + ال), as written before
#: a word; و/ف before them is taken off before stemming (:mod:`arsearch.analysis.stem`).
ARTICLE_FORMS = ("بال", "كال", "لل", "ال")


def bare_form(norm: str, written: str = "") -> str | None:
    """``norm`` without its article (and a preposition or conjunction before it), when
    what is left can be a word: three letters or more that the dictionary does not hold
    with the ال (الغاء, بالغاء are إلغاء, not ال + غاء), or two letters that it holds as a
    word and are no function word (الحق, بالدم: حق, دم; الله, بالله keep their ال).
    ``written``, the word as typed, vetoes an "article" whose alef carries a hamza or a
    madda (آليات, أليم, إلغاء: normalising made them look like ال)."""
    norm = CONJ_ARTICLE.sub("", norm)  # و/ف before the article: the stemmer's rule
    for article in ARTICLE_FORMS:
        if norm.startswith(article):
            rest = norm[len(article):]
            if "ال" + rest in LEXICAL_ARTICLE:  # بالله is ب + الله, not بال + له
                return None
            if written and not _PLAIN_ARTICLE.match(strip_tatweel(strip_tashkeel(written))):
                return None
            if len(rest) >= 3:
                return None if "ال" + rest in dictionary().lemmas_of else rest
            if len(rest) == 2 and rest not in stopwords() and rest in dictionary().lemmas_of:
                return rest
            return None
    return None


#: The article as written before a word: a plain alef (أ, إ, آ start other words),
#: after و/ف and ب/ك, or لل.
_PLAIN_ARTICLE = re.compile(r"^[وف]?(?:[بك]?ال|لل)")


def whole_stem(word: Word) -> Word:
    """``word`` searched by the stem of its bare form when Snowball's stem of it is the
    article and one letter or none (الآيات: الا, which is also إلا; البيان: الب): the
    bare form's stem (آيات: ايا), with the word as written counted as it (``also``: its
    exact-form term holds every document that writes it so)."""
    if word.level != "stem" or not is_arabic(word.norm):
        return word
    kept = next((a for a in ARTICLE_FORMS if word.stem.startswith(a)), None)
    if kept is None or len(word.stem) - len(kept) > 1:
        return word
    base = bare_form(word.norm, word.surface)
    if base is None or len(base) < 3:
        return word
    return replace(word, stem=stem(base), also=(*word.also, word.norm))


def article_stems(word: Word, lex: Lexicon) -> tuple[str, ...]:
    """The stems of ``word`` written with the article taken off or put on, alone or
    after a preposition (القرآن: قران; إنسان: انس; بالأذى: اذ, الاذ), when Snowball stems
    them apart from the word's own and the index holds them (``Weights.articles``).
    Snowball keeps the article of a word shorter than five letters (الحق, بالحق and
    حق are three stems), so a word written one way missed the others."""
    norm = word.norm
    if not is_arabic(norm):
        return ()
    base = bare_form(norm, word.surface)
    if base is None:
        if norm.startswith("ال") or len(norm) < 2 or norm in stopwords() \
                or (len(norm) == 2 and norm not in dictionary().lemmas_of):
            return ()
        base = norm
    if len(base) == 2 and norm == base and base[0] in "وفبكل":
        return ()  # a bare two-letter word after a clitic letter (به, له) is a function word
    out: dict[str, None] = {}
    for article in ("", *ARTICLE_FORMS):
        s = stem(article + base)
        if s != word.stem and s not in out and _kept_whole(s, article, base) and lex.df(s):
            out[s] = None
    return tuple(out)


def _kept_whole(stem_: str, article: str, base: str) -> bool:
    """Whether a stem of ``article + base`` is the word's: Snowball took the article off,
    or kept it with at least two letters of the word after it (بالاذ for بالأذى). It
    also makes stems that are neither: كالهون -> كال, بالكيان -> بالك, other words'."""
    if not article or not stem_.startswith(article):
        return True
    rest = stem_[len(article):]
    return len(rest) >= 2 and base.startswith(rest)


def expand_word(word: Word, lex: Lexicon) -> tuple[list[Word], str]:
    """The alternatives for ``word`` at its level (the word itself first) and a note
    for the results ("" when nothing was added)."""
    level = word.level
    if len(word.norm) > MAX_LETTERS:  # no Arabic word is this long (suggest.py's bound)
        return [replace(word, match="exact") if level in ("exact", "norm") else word], ""
    if level in ("exact", "norm"):
        return [replace(word, match="exact")], ""
    if level not in ("lemma", "root") or not any("\u0621" <= c <= "\u064a" for c in word.norm):
        return [word], ""
    analysis = analyse(word.surface)
    if level == "root":
        root = root_of(word.surface)
        if root is None:
            return [word], ""
        found = root_stems(root_norm(root), lex)
    else:
        if analysis.lemma is None:
            return [word], ""
        found = lemma_stems(analysis.lemma, lex)
    own = stem(analysis.lemma) if analysis.lemma else word.stem
    lemma_forms = {stem(f) for f in dictionary().forms_of_lemma.get(analysis.lemma or "", ())}
    lemma_forms.add(own)
    out = [word]
    for s, _ in found:
        if s == word.stem or len(out) > MAX_FORMS:
            continue
        weight = LEMMA_WEIGHT if level == "lemma" or s in lemma_forms else ROOT_WEIGHT
        out.append(Word(s, s, s, word.field, weight * word.weight, "stem", level))
    label = "جذر" if level == "root" else "مدخل"
    target = root_of(word.surface) if level == "root" else analysis.lemma
    return out, f"{label}:{target} ({len(out) - 1})" if len(out) > 1 else ""


def marks_agree(typed: str, written: str) -> bool:
    """Whether a written word can be the vowelled word ``typed``: the same letters,
    and no diacritic of the text contradicting one the user typed (unvowelled text
    agrees with any vowelling; عُلِمَ does not agree with عَلِمَ)."""
    a, b = _marks(typed), _marks(written)
    if [normalize(x) for x, _ in a] != [normalize(x) for x, _ in b]:
        return False
    return all(not m1 or not m2 or m1 == m2 for (_, m1), (_, m2) in zip(a, b, strict=True))


def _marks(word: str) -> list[tuple[str, str]]:
    """(letter, its diacritics) for each letter of ``word`` (tatweel dropped)."""
    out: list[tuple[str, str]] = []
    for c in word:
        if c in TASHKEEL:
            if out:
                out[-1] = (out[-1][0], out[-1][1] + c)
        elif c != "\u0640":
            out.append((c, ""))
    return [(letter, "".join(sorted(m))) for letter, m in out]
