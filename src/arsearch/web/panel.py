"""The filter panel of a results page: each facet's values, named, counted, toggled.

A value is a link that adds it to the facet's selection or, when chosen, removes it:
several values of one facet are alternatives (OR), facets combine (AND). The counts
of a facet with a selection are those of its other values as if it had none (the
engine's disjunctive counts), so a second source can be added. Values are shown by
their display names (:class:`arsearch.search.labels.Labels`); a typed filter may name a
value loosely (``source=jawhara``), so which values are chosen is decided by the
engine's own rule (:meth:`arsearch.search.facets.Column.select`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

from arsearch.search.facets import Column
from arsearch.search.hijri import period as hijri_period
from arsearch.search.labels import Labels
from arsearch.web.params import FACET_PARAMS, SearchParams

HEADINGS = {"source": "المصدر", "category": "القسم", "year": "السنة"}
#: Values shown before the rest fold under "more".
SHOWN = 8

Link = Callable[..., str]


@dataclass(frozen=True)
class Choice:
    value: str
    label: str
    count: int
    chosen: bool
    href: str


@dataclass(frozen=True)
class Facet:
    key: str
    heading: str
    choices: list[Choice]

    @property
    def first(self) -> list[Choice]:
        return self.choices[:SHOWN]

    @property
    def rest(self) -> list[Choice]:
        return self.choices[SHOWN:]

    @property
    def chosen(self) -> int:
        return sum(c.chosen for c in self.choices)


def selected(wanted: str, values: list[str], labels: Labels, facet: str) -> list[str]:
    """The values among ``values`` that a typed filter ``wanted`` chooses."""
    return Column(values).select(wanted, labels.namer(facet))


def build(params: SearchParams, facets: dict[str, dict[str, int]], labels: Labels,
          link: Link, calendar: str) -> list[Facet]:
    """The panel's facets, in order: sources, categories, years (of ``calendar``)."""
    out = []
    for key in FACET_PARAMS:
        counts = facets.get(key) or {}
        values = list(counts)
        wanted = getattr(params, key)
        chosen_by = {w: set(selected(w, values, labels, key)) for w in wanted}
        choices = []
        for value, count in counts.items():
            chosen = any(value in found for found in chosen_by.values())
            keep = [w for w, found in chosen_by.items() if value not in found]
            href = link(**{key: keep if chosen else [*wanted, value]})
            choices.append(Choice(value, labels.name(key, value), count, chosen, href))
        if choices:
            out.append(Facet(key, HEADINGS[key], choices))
    years = _years(params, facets, link, calendar)
    if years:
        out.append(Facet("year", HEADINGS["year"], years))
    return out


def unknown(params: SearchParams, facets: dict[str, dict[str, int]],
            labels: Labels) -> list[tuple[str, str, list[str]]]:
    """(facet, typed value, the facet's values) for each chosen value that names none of
    the values found for the query: the page says so instead of a silent nothing."""
    out = []
    for key in FACET_PARAMS:
        values = list(facets.get(key) or {})
        for wanted in getattr(params, key):
            if not selected(wanted, values, labels, key):
                out.append((key, wanted, values))
    return out


def _years(params: SearchParams, facets: dict[str, dict[str, int]], link: Link,
           calendar: str) -> list[Choice]:
    """Years newest first; each filters the dates to its span (again: removes it)."""
    if calendar == "hijri":
        counts: Counter[str] = Counter()
        for month, count in (facets.get("hijri_month") or {}).items():
            counts[month[:4]] += count
        years = sorted(counts.items(), reverse=True)
    else:
        years = list((facets.get("year") or {}).items())
    out = []
    for year, count in years:
        span = _year_span(year, calendar)
        if span is None:
            continue
        chosen = (params.date_from, params.date_to) == span
        href = link(**({"from": "", "to": ""} if chosen else
                       {"from": span[0].isoformat(), "to": span[1].isoformat()}))
        label = f"{int(year)} هـ" if calendar == "hijri" else str(int(year))
        out.append(Choice(year, label, count, chosen, href))
    return out


def _year_span(year: str, calendar: str) -> tuple[date, date] | None:
    """The first and last Gregorian day of a year of ``calendar``."""
    if not year.isdigit():
        return None
    if calendar == "hijri":
        span = hijri_period(int(year))
        return (span[0].date(), (span[1] - timedelta(days=1)).date()) if span else None
    if not 1 <= int(year) <= 9999:
        return None
    return date(int(year), 1, 1), date(int(year), 12, 31)
