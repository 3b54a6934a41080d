"""The timeline above the results: how many results each month (or year) holds.

Drawn on the server as an SVG bar chart (``_timeline.html``), so it needs no script and
no chart library; each bar is a link that filters the results to its period. The counts
are the engine's month facets (``facets.month``, ``facets.hijri_month``), so the chart
costs the search nothing. A span of more than :data:`MAX_MONTHS` months is shown by year.

Time runs the way the page reads, right to left: the oldest period is the rightmost bar
and the first link in the tab order.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta

from arsearch.search.hijri import MONTHS as HIJRI_MONTHS
from arsearch.search.hijri import period as hijri_period
from arsearch.web.filters import ARABIC_MONTHS

#: Up to this many months between the first and the last result, one bar a month.
MAX_MONTHS = 36
#: Never more bars than this (an archive from year 1 to 9999 shows its newest years).
MAX_BARS = 120
#: The shortest bar of a period with results, in hundredths of the chart's height.
MIN_HEIGHT = 3.0


@dataclass(frozen=True)
class Bar:
    """One period: its facet key (``2018-02``, ``2018``, ``1439-09``), Arabic label,
    result count, Gregorian first and last day, and bar height (0-100)."""

    key: str
    label: str
    count: int
    first: date | None
    last: date | None
    height: float


@dataclass(frozen=True)
class Tick:
    """A label under the bars: ``x`` is the centre of its bar, in percent from the left."""

    x: float
    text: str


@dataclass(frozen=True)
class Timeline:
    bars: list[Bar]  # oldest first
    unit: str  # "month" or "year"
    calendar: str  # "gregorian" or "hijri"
    ticks: list[Tick]

    @property
    def caption(self) -> str:
        what = "الشهر" if self.unit == "month" else "السنة"
        return f"عدد النتائج حسب {what}" + (" الهجرية" if self.calendar == "hijri" and
                                           self.unit == "year" else
                                           " الهجري" if self.calendar == "hijri" else "")

    def x(self, bar_index: int) -> int:
        """The left edge of a bar in the chart's units (one unit a bar), right to left."""
        return len(self.bars) - 1 - bar_index


def build(facets: dict[str, dict[str, int]], calendar: str = "gregorian") -> Timeline | None:
    """The timeline of a result set's month facet; None when fewer than two periods."""
    hijri = calendar == "hijri"
    counts = facets.get("hijri_month" if hijri else "month") or {}
    months = {k: v for k, v in counts.items() if _month_number(k) is not None}
    if not months:
        return None
    numbers = sorted(n for k in months if (n := _month_number(k)) is not None)
    if numbers[-1] - numbers[0] < MAX_MONTHS:
        unit = "month"
        periods = [(f"{n // 12:04d}-{n % 12 + 1:02d}", 0) for n in range(numbers[0],
                                                                          numbers[-1] + 1)]
        periods = [(k, months.get(k, 0)) for k, _ in periods]
    else:
        unit = "year"
        years: Counter[int] = Counter()
        for key, count in months.items():
            years[int(key[:4])] += count
        first, last = min(years), max(years)
        if last - first + 1 <= MAX_BARS:
            periods = [(f"{y:04d}", years.get(y, 0)) for y in range(first, last + 1)]
        else:  # a sparse, very long span: the newest years that have results
            periods = [(f"{y:04d}", years[y]) for y in sorted(years)[-MAX_BARS:]]
    if len(periods) < 2:
        return None
    top = max(count for _, count in periods)
    bars = [_bar(key, count, top, hijri) for key, count in periods]
    return Timeline(bars, unit, "hijri" if hijri else "gregorian", _ticks(bars, unit, hijri))


def _month_number(key: str) -> int | None:
    """``YYYY-MM`` as months since year 0; None for anything else."""
    if len(key) != 7 or key[4] != "-" or not (key[:4].isdigit() and key[5:].isdigit()):
        return None
    year, month = int(key[:4]), int(key[5:])
    return year * 12 + month - 1 if year >= 1 and 1 <= month <= 12 else None


def _bar(key: str, count: int, top: int, hijri: bool) -> Bar:
    first, last = _span(key, hijri)
    year = int(key[:4])
    if len(key) == 7:
        month = int(key[5:])
        label = (f"{HIJRI_MONTHS[month - 1]} {year} هـ" if hijri
                 else f"{ARABIC_MONTHS[month - 1]} {year}")
    else:
        label = f"{year} هـ" if hijri else str(year)
    height = max(MIN_HEIGHT, 100.0 * count / top) if count and top else 0.0
    return Bar(key, label, count, first, last, round(height, 2))


def _span(key: str, hijri: bool) -> tuple[date | None, date | None]:
    """The first and last Gregorian day of a period (None, None: not representable)."""
    year = int(key[:4])
    month = int(key[5:]) if len(key) == 7 else None
    if hijri:
        span = hijri_period(year, month)
        if span is None:
            return None, None
        return span[0].date(), (span[1] - timedelta(days=1)).date()
    try:
        if month is None:
            return date(year, 1, 1), date(year, 12, 31)
        last = date(year, 12, 31) if month == 12 else \
            date(year, month + 1, 1) - timedelta(days=1)
        return date(year, month, 1), last
    except ValueError:  # year 0
        return None, None


def _ticks(bars: list[Bar], unit: str, hijri: bool) -> list[Tick]:
    """Year labels: under the first bar of each year (months), or under every n-th bar
    (years) so that at most 12 labels show."""
    n = len(bars)

    def centre(i: int) -> float:
        return round(100.0 * (n - i - 0.5) / n, 3)

    if unit == "month":
        return [Tick(centre(i), f"{int(bar.key[:4])}" + (" هـ" if hijri else ""))
                for i, bar in enumerate(bars) if i == 0 or bar.key.endswith("-01")]
    step = max(1, -(-n // 12))
    return [Tick(centre(i), bar.label) for i, bar in enumerate(bars) if i % step == 0]
