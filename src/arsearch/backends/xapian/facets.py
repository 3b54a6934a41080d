"""Facet counts from Xapian's match spies, shaped as the Whoosh backend gives them."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

import numpy as np

from .core import date_key, hijri_months, months, require_xapian

xapian = require_xapian()

DATES = "_dates"  # the spy over the date slot (months and Hijri months)


def slot_values(db, slot: int) -> list:
    """Each distinct value of ``slot`` over every document of ``db`` with its count (the
    spy's items: ``term``, ``termfreq``). A match spy runs on a shard's server, so a
    cluster answers in one message a shard, where a value stream fetches every document."""
    enquire = xapian.Enquire(db)
    enquire.set_query(xapian.Query.MatchAll)
    enquire.set_weighting_scheme(xapian.BoolWeight())
    spy = xapian.ValueCountMatchSpy(slot)
    enquire.add_matchspy(spy)
    enquire.get_mset(0, 0, max(db.get_doccount(), 1))
    return list(spy.values())


def _scale(n: int, scale: float) -> int:
    """A count made in a sample, scaled up to the whole (seen once: at least 1)."""
    return n if scale == 1.0 else max(1, round(n * scale))


def counts(name: str, spy, scale: float = 1.0) -> dict[str, int]:
    values = [(v.term.decode("utf-8", "replace"), _scale(v.termfreq, scale))
              for v in spy.values()]
    if name == "year":
        return dict(sorted(values, reverse=True))
    return dict(sorted(values, key=lambda kv: (-kv[1], kv[0])))


def facet_counts(spies: dict, scale: float = 1.0) -> dict[str, dict[str, int]]:
    """The facet counts of a match's spies (none when facets were not asked for), each
    times ``scale`` for spies that counted a sample (the days are scaled before they are
    summed, so a year is the sum of its months)."""
    out = {name: counts(name, spy, scale) for name, spy in spies.items() if name != DATES}
    if DATES in spies:
        out.update(periods(spies[DATES], scale))
    return out


#: A day value's (year, month, Hijri month) labels, once worked out (a day's labels never
#: change; an archive spans some thousands of days, and the bound keeps a hostile index's
#: junk values from growing it without end).
_LABELS: dict[bytes, tuple[str, str, str]] = {}
_LABELS_MAX = 200_000


def day_labels(days: list[bytes]) -> list[tuple[str, str, str]]:
    """The (year, month, Hijri month) of each ``YYYYMMDD`` day, bucketed as the Whoosh
    backend buckets its dates (:func:`arsearch.search.facets.months`, ``hijri_months``)
    and remembered: a search's date facets would otherwise work out the calendars of
    every day it matched, a few milliseconds a search."""
    new = sorted({d for d in days if d not in _LABELS})
    if new:
        if len(_LABELS) + len(new) > _LABELS_MAX:
            _LABELS.clear()
        keys = np.array([date_key(datetime(int(d[:4]), int(d[4:6]), int(d[6:8])))
                         for d in new], dtype=np.int64)
        for day, month, hijri in zip(new, months(keys), hijri_months(keys), strict=True):
            _LABELS[day] = (str(int(day[:4])), month, hijri)
    return [_LABELS[d] for d in days]


def periods(spy, scale: float = 1.0) -> dict[str, dict[str, int]]:
    """Year, month and Hijri month counts from the counts of each day value
    (``YYYYMMDD``, or a whole date value of an older index): summed by day, then each day
    bucketed by :func:`day_labels` (a year is its day's)."""
    days: Counter[bytes] = Counter()
    for v in spy.values():
        days[v.term[:8]] += v.termfreq
    if scale != 1.0:
        days = Counter({day: _scale(n, scale) for day, n in days.items()})
    order = list(days)
    tallies: tuple[Counter[str], ...] = (Counter(), Counter(), Counter())
    for day, labels in zip(order, day_labels(order), strict=True):
        n = days[day]
        for tally, label in zip(tallies, labels, strict=True):
            if label:
                tally[label] += n
    return {name: dict(sorted(tally.items(), reverse=True))
            for name, tally in zip(("year", "month", "hijri_month"), tallies, strict=True)}


def iso_day(value: bytes) -> str | None:
    """A date value (``YYYYMMDDhhmmss...``) as an ISO day."""
    if len(value) < 8:
        return None
    text = value.decode("ascii", "replace")
    return f"{text[:4]}-{text[4:6]}-{text[6:8]}"
