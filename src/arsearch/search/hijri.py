"""Hijri dates in the Umm al-Qura calendar: showing them, and reading them in filters.

Arab readers date events by both calendars (رمضان 1439 is May-June 2018), so the site
shows a Hijri date beside each Gregorian one and its date filter accepts Hijri periods.
The conversion is ``hijridate``'s (Umm al-Qura, the calendar of Saudi Arabia, tabulated
for 1343-1500 AH = 1924-2077 CE); outside that range there is no Hijri date: it is not
shown, and a Hijri filter there is not a date (searched as words, like ``date:2018-13``).

A Hijri period is written with the marker ``h`` or ``هـ`` (also ``ه``) after the year:
``1439h``, ``1439هـ``, ``1439-09h`` (a month), ``1439-09-01h`` (a day), or with the
month's Arabic name before the year, with or without the marker: ``رمضان 1439``,
``رمضان ١٤٣٩ هـ``. A bare ``1439`` stays a Gregorian year.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from hijridate import Gregorian, Hijri

from arsearch.analysis.normalize import normalize

#: The months' names as Umm al-Qura calendars print them.
MONTHS = ("محرم", "صفر", "ربيع الأول", "ربيع الآخر", "جمادى الأولى", "جمادى الآخرة",
          "رجب", "شعبان", "رمضان", "شوال", "ذو القعدة", "ذو الحجة")
#: Other spellings readers type (compared after Arabic normalisation, which folds
#: hamzas, alef forms, ta marbuta and diacritics).
ALIASES = {
    "المحرم": 1, "ربيع الاول": 3, "ربيع اول": 3, "ربيع الثاني": 4, "ربيع الاخر": 4,
    "ربيع ثاني": 4, "جمادي الاولي": 5, "جمادي الاول": 5, "جمادي الاولى": 5,
    "جمادى الاول": 5, "جمادي الثانيه": 6, "جمادي الاخره": 6, "جمادي الثاني": 6,
    "جمادى الثانية": 6, "ذي القعده": 11, "ذو القعده": 11, "ذي الحجه": 12,
    "ذو الحجه": 12,
}
#: What marks a year as Hijri: "h", "هـ" (ha with tatweel) or a bare "ه".
MARKER = r"(?:[hH]|هـ|ه)"
FIRST, LAST = (1343, 1), (1500, 12)  # hijridate's Umm al-Qura table, in months
#: The day after the table's last day (30 Dhu al-Hijja 1500 = 16 November 2077).
END = date.fromordinal(date(*Hijri(*LAST, Hijri(*LAST, 1).month_length())
                            .to_gregorian().datetuple()).toordinal() + 1)

_NUMERIC = re.compile(rf"(\d{{3,4}})(?:-(\d{{1,2}}))?(?:-(\d{{1,2}}))?\s*{MARKER}")
_SPACES = re.compile(r"[\s_]+")


@dataclass(frozen=True, order=True)
class HijriDate:
    year: int
    month: int
    day: int

    @property
    def month_name(self) -> str:
        return MONTHS[self.month - 1]

    def __str__(self) -> str:
        """``29 جمادى الأولى 1439 هـ``."""
        return f"{self.day} {self.month_name} {self.year} هـ"


def _month_names() -> dict[str, int]:
    names = {normalize(name): i for i, name in enumerate(MONTHS, 1)}
    names.update({normalize(name): month for name, month in ALIASES.items()})
    return names


_NAMES = _month_names()
_NAMED = re.compile(
    r"(?:(\d{1,2})\s+)?(" + "|".join(sorted(map(re.escape, _NAMES), key=len, reverse=True))
    + rf")\s*(\d{{3,4}})(?:\s*{MARKER})?")


def to_hijri(day: date | datetime | None) -> HijriDate | None:
    """The Umm al-Qura date of a Gregorian day; None outside the calendar's table."""
    if day is None:
        return None
    try:
        h = Gregorian(day.year, day.month, day.day).to_hijri()
    except (OverflowError, ValueError):
        return None
    return HijriDate(h.year, h.month, h.day)


def month_start(year: int, month: int) -> date | None:
    """The Gregorian day on which a Hijri month begins; None outside the table."""
    if not FIRST <= (year, month) <= LAST or not 1 <= month <= 12:
        return None
    g = Hijri(year, month, 1).to_gregorian()
    return date(g.year, g.month, g.day)


def period(year: int, month: int | None = None, day: int | None = None
           ) -> tuple[datetime, datetime] | None:
    """The Gregorian span [start, end) of a Hijri year, month or day; None if not one."""
    try:
        if day is not None and month is not None:
            start = Hijri(year, month, day).to_gregorian()
            first = datetime(start.year, start.month, start.day)
            return first, datetime.fromordinal(first.toordinal() + 1)
    except (OverflowError, ValueError):
        return None
    lo = (year, month or 1)
    hi = (year, month) if month else (year, 12)
    begin = month_start(*lo)
    after = (hi[0], hi[1] + 1) if hi[1] < 12 else (hi[0] + 1, 1)
    end = month_start(*after)
    if begin is None:
        return None
    if end is None:  # after the table's last month
        if hi != LAST:
            return None
        end = END
    return datetime(begin.year, begin.month, begin.day), datetime(end.year, end.month, end.day)


def parse(text: str) -> tuple[int, int | None, int | None] | None:
    """(year, month, day) of a Hijri period written as the module docstring says, or None.

    Arabic-Indic digits and diacritics are fine (``رمضانَ ١٤٣٩``): the text is
    normalised as the search is.
    """
    folded = _SPACES.sub(" ", normalize(text.strip())).strip()
    m = _NUMERIC.fullmatch(folded.replace(" ", ""))
    if m:
        return int(m[1]), int(m[2]) if m[2] else None, int(m[3]) if m[3] else None
    m = _NAMED.fullmatch(folded)
    if m:
        return int(m[3]), _NAMES[m[2]], int(m[1]) if m[1] else None
    return None


def parse_period(text: str) -> tuple[datetime, datetime] | None:
    """The Gregorian span [start, end) of a Hijri period's text; None if it is not one."""
    found = parse(text)
    if found is None:
        return None
    year, month, day = found
    if month is not None and not 1 <= month <= 12:
        return None
    return period(year, month, day)
