"""Facet columns and dates: counting and filtering results by source, category and time.

A facet's values are kept as one integer code per document, so a filter is one NumPy
comparison and the counts among any result set one ``bincount``. Dates are microseconds
since 0001-01-01 (the unit every backend's reader gives them in, and Whoosh's own).
Time facets (year, month, Hijri month) are columns too, computed once per index state
by bucketing the date array between period starts (one ``searchsorted``).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta

import numpy as np

from arsearch.analysis.normalize import normalize
from arsearch.search.hijri import END as HIJRI_END
from arsearch.search.hijri import FIRST as HIJRI_FIRST
from arsearch.search.hijri import LAST as HIJRI_LAST
from arsearch.search.hijri import month_start as hijri_month_start
from arsearch.search.hijri import to_hijri

#: A typed facet value shorter than this selects only values it equals.
MIN_PREFIX = 3
_PUNCT = re.compile(r"[^\w]+|_")
_EPOCH = datetime(1, 1, 1)
_MICROSECOND = timedelta(microseconds=1)
_DAY = 86_400_000_000


class Choices:
    """The distinct values of a facet, as typed filters choose among them
    (:meth:`select`). Every backend's values: a Whoosh column's, a Xapian index's."""

    def __init__(self, values: list[str]):
        self.values = values
        self._folded: tuple[Callable[[str], str], list[tuple[str, set[str]]]] | None = None

    def select(self, wanted: str, name: Callable[[str], str] = str) -> list[str]:
        """The values a typed filter means: ``source:jawhara`` is "Jawhara FM".

        Compared after :func:`fold` (Arabic normalisation, case, punctuation), with each
        value's display name (``name``, :class:`arsearch.search.labels.Labels`) as an
        alias: the values equal to ``wanted``, or, when none is, those with a word
        starting with it (3 letters at least) or starting with it once spaces go
        (``jawharaf``).
        """
        key = fold(wanted)
        if not key:
            return []
        keys = self._keys(name)
        exact = [v for v, forms in keys if key in forms or key.replace(" ", "") in forms]
        if exact or len(key.replace(" ", "")) < MIN_PREFIX:
            return exact
        return [v for v, forms in keys if any(_starts(f, key) for f in forms)]

    def _keys(self, name: Callable[[str], str]) -> list[tuple[str, set[str]]]:
        """(value, folded forms of it and its name, with and without spaces), once."""
        cached = self._folded
        if cached is None or cached[0] is not name:
            forms = []
            for v in self.values:
                if v:
                    folded = {fold(v), fold(name(v))}
                    forms.append((v, folded | {f.replace(" ", "") for f in folded}))
            cached = self._folded = (name, forms)
        return cached[1]


class Column(Choices):
    """A facet column as integer codes per document, plus the distinct values."""

    def __init__(self, values: list):
        distinct: list[str] = []
        index: dict[str, int] = {}
        codes = np.empty(len(values), dtype=np.int32)
        for i, v in enumerate(values):
            v = v or ""
            code = index.get(v)
            if code is None:
                code = index[v] = len(distinct)
                distinct.append(v)
            codes[i] = code
        super().__init__(distinct)
        self.codes = codes
        self.index = index

    def mask(self, wanted: list[str]) -> np.ndarray:
        """Documents whose value is one of ``wanted`` (case-insensitively)."""
        lowered = {w.casefold() for w in wanted}
        codes = [c for v, c in self.index.items() if v and v.casefold() in lowered]
        return np.isin(self.codes, codes)

    def counts(self, selection: np.ndarray) -> dict[str, int]:
        """Value counts among ``selection`` (a boolean mask or docnums), largest first."""
        counts = np.bincount(self.codes[selection], minlength=len(self.values))
        order = np.argsort(-counts, kind="stable")
        return {self.values[i]: int(counts[i]) for i in order if counts[i] and self.values[i]}


def _starts(form: str, key: str) -> bool:
    """``key`` begins ``form``, one of its words, or ``form`` without spaces."""
    return form.startswith((key, key.replace(" ", ""))) or \
        any(word.startswith(key) for word in form.split(" ")[1:])


def fold(text: str) -> str:
    """A facet value as filters compare it: Arabic normalisation (hamzas, ta marbuta,
    diacritics), case folded, punctuation as single spaces."""
    return _PUNCT.sub(" ", normalize(text).casefold()).strip()


def date_key(value: datetime) -> int:
    """A naive (UTC) datetime as the readers' date arrays hold it."""
    return (value.replace(tzinfo=None) - _EPOCH) // _MICROSECOND


def key_date(key: int) -> datetime:
    """The datetime of a date key."""
    return _EPOCH + timedelta(microseconds=int(key))


def years(dates: np.ndarray) -> np.ndarray:
    """The calendar year of each date key; 0 where there is none (-1)."""
    out = np.zeros(len(dates), dtype=np.int32)
    has = dates >= 0
    if has.any():
        first = key_date(int(dates[has].min())).year
        last = key_date(int(dates[has].max())).year
        starts = np.asarray([date_key(datetime(y, 1, 1)) for y in range(first, last + 2)],
                            dtype=np.int64)
        out[has] = first + np.searchsorted(starts, dates[has], side="right") - 1
    return out


def months(dates: np.ndarray) -> list[str]:
    """``YYYY-MM`` of each date key; "" where there is none (-1)."""
    def starts(first: datetime, last: datetime) -> list[tuple[str, date]]:
        return [(f"{y:04d}-{m + 1:02d}", date(y, m + 1, 1)) for y, m in (
            divmod(n, 12) for n in range(first.year * 12 + first.month - 1,
                                         last.year * 12 + last.month))]

    return _bucket(dates, starts)


def hijri_months(dates: np.ndarray) -> list[str]:
    """Umm al-Qura ``YYYY-MM`` (Hijri) of each date key; "" without a date or outside
    the calendar's table (1343-1500 AH)."""
    def starts(first: datetime, last: datetime) -> list[tuple[str, date]]:
        lo, hi = to_hijri(first), to_hijri(last)
        a = (lo.year, lo.month) if lo else HIJRI_FIRST  # before the table: from its start
        b = (hi.year, hi.month) if hi else HIJRI_LAST
        out = []
        for n in range(a[0] * 12 + a[1] - 1, b[0] * 12 + b[1]):
            y, m = divmod(n, 12)
            start = hijri_month_start(y, m + 1)
            if start is not None:  # always, within the table
                out.append((f"{y:04d}-{m + 1:02d}", start))
        y, m = divmod(b[0] * 12 + b[1], 12)  # where the last month ends
        out.append(("", hijri_month_start(y, m + 1) or HIJRI_END))
        return out

    return _bucket(dates, starts)


def _bucket(dates: np.ndarray,
            starts: Callable[[datetime, datetime], list[tuple[str, date]]]) -> list[str]:
    """The label of the period each date key falls in: ``starts(first, last)`` lists
    (label, first day) of consecutive periods covering the dates, in order; a date
    before the first period, or without a date (-1), gets ""."""
    out = [""] * len(dates)
    has = dates >= 0
    if not has.any():
        return out
    first, last = key_date(int(dates[has].min())), key_date(int(dates[has].max()))
    periods = starts(first, last)
    keys = np.asarray([date_key(datetime(d.year, d.month, d.day)) for _, d in periods],
                      dtype=np.int64)
    labels = [""] + [label for label, _ in periods]
    where = np.searchsorted(keys, dates, side="right")
    for i in np.flatnonzero(has).tolist():
        out[i] = labels[int(where[i])]
    return out


def freshness(dates: np.ndarray, half_life_days: float) -> np.ndarray:
    """1 for the newest document, halving every ``half_life_days``; 0 without a date."""
    dated = dates >= 0
    if not dated.any():
        return np.zeros(len(dates), dtype=np.float32)
    age_days = (dates.max() - dates) / _DAY
    return np.where(dated, 0.5 ** (age_days / half_life_days), 0.0).astype(np.float32)
