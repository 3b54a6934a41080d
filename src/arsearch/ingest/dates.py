"""Date parsing for Arabic news: ISO 8601, RFC 2822, numeric and Arabic written dates.

Arabic news sites write the same calendar three ways (Egyptian/Gulf ``فبراير``,
Levantine ``شباط``, Maghreb ``فيفري``), often with Arabic-Indic digits and with
spelling variants (``أبريل``/``إبريل``).  Feeds and dumps use ISO 8601 or RFC 2822.
Every form ends up as one comparable value: a *naive datetime in UTC*, so date
filters and sorting in the index never mix time zones.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from arsearch.analysis.normalize import normalize, normalize_punctuation

__all__ = ["HIJRI_MONTHS", "HIJRI_YEARS", "INDEXED_DATES", "MONTHS", "calendar_problem",
           "looks_like_date", "parse_date"]

#: The dates an index can filter and sort by, strictly between these two: Whoosh stores
#: a missing date as an out-of-range value, so the search reads others as missing. Readers
#: drop such dates with a warning (0001-01-01 is also .NET's "no date") rather than
#: store a date that filters and sorting would ignore.
INDEXED_DATES = (datetime(1000, 1, 1), datetime(9999, 1, 1))

# Month names, written already folded by _fold() (no hamza on alef, ة -> ه, ى -> ي): a test
# checks that every name of these tables is its own normal form.
MONTHS: dict[str, int] = {
    # Egyptian / Gulf (from the Latin names), with common spelling variants
    "يناير": 1,
    "فبراير": 2,
    "فيبراير": 2,
    "مارس": 3,
    "ابريل": 4,
    "مايو": 5,
    "يونيو": 6,
    "يونيه": 6,
    "يوليو": 7,
    "يوليه": 7,
    "اغسطس": 8,
    "اغسطوس": 8,
    "سبتمبر": 9,
    "اكتوبر": 10,
    "نوفمبر": 11,
    "ديسمبر": 12,
    # Levantine / Iraqi (Syriac names)
    "كانون الثاني": 1,
    "كانون ثاني": 1,
    "شباط": 2,
    "اذار": 3,
    "نيسان": 4,
    "ايار": 5,
    "حزيران": 6,
    "تموز": 7,
    "اب": 8,
    "ايلول": 9,
    "تشرين الاول": 10,
    "تشرين اول": 10,
    "تشرين الثاني": 11,
    "تشرين ثاني": 11,
    "كانون الاول": 12,
    "كانون اول": 12,
    # Maghreb (from the French names) and Moroccan forms
    "جانفي": 1,
    "فيفري": 2,
    "افريل": 4,
    "ماي": 5,
    "جوان": 6,
    "جويليه": 7,
    "جويلييه": 7,
    "اوت": 8,
    "يوليوز": 7,
    "غشت": 8,
    "شتنبر": 9,
    "نونبر": 11,
    "دجنبر": 12,
    # English, for "15 February 2018" in mixed feeds
    "january": 1,
    "february": 2,
    "march": 3,
    "april": 4,
    "may": 5,
    "june": 6,
    "july": 7,
    "august": 8,
    "september": 9,
    "october": 10,
    "november": 11,
    "december": 12,
    "jan": 1,
    "feb": 2,
    "mar": 3,
    "apr": 4,
    "jun": 6,
    "jul": 7,
    "aug": 8,
    "sep": 9,
    "sept": 9,
    "oct": 10,
    "nov": 11,
    "dec": 12,
}

#: The Islamic (Hijri) calendar's months, folded as MONTHS. Many Arab sites print the
#: Hijri date beside or instead of the Gregorian one; it cannot be stored as such.
HIJRI_MONTHS = (
    "محرم", "صفر", "ربيع الاول", "ربيع اول", "ربيع الاخر", "ربيع الثاني", "ربيع ثاني",
    "جمادي الاولي", "جمادي الاول", "جمادي الاخره", "جمادي الاخر", "جمادي الثانيه",
    "جمادي الثاني", "رجب", "شعبان", "رمضان", "شوال", "ذو القعده", "ذي القعده", "ذو الحجه",
    "ذي الحجه",
)
#: Years a numeric date (``1439-05-12``, ``29/05/1439``) is taken to be Hijri in: the
#: Hijri years of 1882-2077. A news archive has no Gregorian date there, and taking
#: 1439 AH as 1439 AD would file the article six centuries early, silently.
HIJRI_YEARS = range(1300, 1501)

_WEEKDAYS = (
    "الاحد",
    "الاثنين",
    "الثلاثاء",
    "الاربعاء",
    "الخميس",
    "الجمعه",
    "السبت",
    "mon",
    "tue",
    "wed",
    "thu",
    "fri",
    "sat",
    "sun",
)


def _alternation(words: list[str]) -> str:
    """Longest first, so ``كانون الثاني`` wins over a shorter prefix; spaces may vary."""
    return "|".join(
        re.escape(w).replace(r"\ ", r"\s+") for w in sorted(words, key=len, reverse=True)
    )


_MONTH = f"(?:{_alternation(list(MONTHS))})"
_WRITTEN = re.compile(
    rf"""^(?:(?:يوم\s+)?(?:{_alternation(list(_WEEKDAYS))})[a-z]*\s*,?\s*)?
    (?P<day>\d{{1,2}})\s*(?P<month>{_MONTH})
    (?:\s*[/(-]\s*{_MONTH}\s*\)?)?            # "15 شباط/فبراير 2018"
    \s*,?\s*(?P<year>\d{{4}})
    (?:\s*[,-]?\s*(?:الساعه\s*)?(?P<time>\d{{1,2}}:\d{{2}}(?::\d{{2}})?)
       \s*(?P<ampm>[صم]|am|pm)?)?
    \s*(?:gmt|utc|بتوقيت\s+غرينتش)?\.?$""",
    re.VERBOSE,
)
_NUMERIC = re.compile(
    r"^(?P<day>\d{1,2})[/.-](?P<month>\d{1,2})[/.-](?P<year>\d{4})"
    r"(?:\s+(?P<time>\d{1,2}:\d{2}(?::\d{2})?))?$"
)
_YMD_SLASH = re.compile(r"^(?P<year>\d{4})/(?P<month>\d{1,2})/(?P<day>\d{1,2})$")
_HIJRI_HINT = re.compile(r"\d{4}\s*ه|جمادي|ربيع|محرم|صفر|رجب|شعبان|رمضان|شوال|ذو|ذي")
_RFC_HINT = re.compile(r"[a-z]{3},?\s+\d|^\d{1,2}\s+[a-z]{3}\s+\d{4}\s+\d", re.IGNORECASE)


_WEEKDAY = rf"(?:(?:يوم\s+)?(?:{_alternation(list(_WEEKDAYS))})[a-z]*\s*,?\s*)?"
_HIJRI = re.compile(
    rf"""^{_WEEKDAY}
    (?:(?P<day>\d{{1,2}})\s*(?:{_alternation(list(HIJRI_MONTHS))})\s*,?\s*\d{{4}}
       |\d{{4}}[/.-]\d{{1,2}}[/.-]\d{{1,2}}|\d{{1,2}}[/.-]\d{{1,2}}[/.-]\d{{4}})
    \s*(?P<suffix>ه|هجري|هجريه|ah)?\.?$""",
    re.VERBOSE,
)
_RELATIVE = re.compile(
    r"^(?:منذ|قبل)\s+(?:\d+\s+|نحو\s+|حوالي\s+)?(?:ثانيه|ثواني|ثوان|دقيقه|دقيقتين|دقائق"
    r"|ساعه|ساعتين|ساعات|يوم|يومين|ايام|اسبوع|اسبوعين|اسابيع|شهر|شهرين|اشهر|سنه|سنتين"
    r"|سنوات|عام|عامين|اعوام)$"
    r"|^(?:\d+|an?)\s+(?:second|minute|hour|day|week|month|year)s?\s+ago$"
    r"|^(?:امس|اول\s+امس|الان|yesterday|today)$"
)
#: Between the two dates of a dual dateline (``... 1439 هـ - 30 يناير 2018 م``).
_DUAL = re.compile(r"\s+[-–—|]\s+|\s*الموافق\s*|\s*[،;]\s*|\s+/\s+")


def calendar_problem(text: str) -> str | None:
    """Why ``text``, a dateline or a record's date, names no date that can be stored:
    a Hijri date (its months, ``هـ``, or a numeric date in HIJRI_YEARS) or a relative
    one (``منذ ساعتين``: relative to a moment the copy does not keep). None otherwise,
    and for a dual dateline whose Gregorian half :func:`parse_date` reads.

    Converting Hijri dates needs a calendar table this package does not carry; the
    date is left empty, with this message, rather than filed centuries early.
    """
    if not isinstance(text, str) or len(text) > 100 or not text.strip():
        return None
    folded = _fold(text)
    if _RELATIVE.match(folded):
        return f"relative date {text.strip()!r} cannot be dated (the copy does not say " \
               "when it was saved): date left empty"
    if _is_hijri(folded):
        return f"{text.strip()!r} is a Hijri (Islamic calendar) date: only Gregorian " \
               "dates are indexed, date left empty"
    parts = _DUAL.split(folded)
    if len(parts) > 1 and any(map(_is_hijri, parts)) and _dual(text) is None:
        return f"{text.strip()!r} holds a Hijri (Islamic calendar) date and no Gregorian " \
               "one: date left empty"
    return None


def _is_hijri(folded: str) -> bool:
    """A Hijri date: with a Hijri month, the suffix هـ, or numeric in HIJRI_YEARS."""
    match = _HIJRI.match(folded)
    if not match:
        return False
    years = re.findall(r"(?<!\d)\d{4}(?!\d)", folded)
    return bool(match["day"] or match["suffix"]) or (
        len(years) == 1 and int(years[0]) in HIJRI_YEARS)


def _dual(text: str) -> datetime | None:
    """The Gregorian half of a dual Hijri/Gregorian dateline, or None."""
    parts = _DUAL.split(_fold(text))
    if len(parts) < 2 or not any(map(_is_hijri, parts)):
        return None
    for part in parts:
        part = re.sub(r"\s*م\.?$", "", part)  # "2018 م": ميلادي, the Gregorian era
        if not _is_hijri(part) and (value := parse_date(part)) is not None:
            return value
    return None


def _fold(text: str) -> str:
    """Fold the spelling variants that do not change a date's meaning.

    The analyzer's normalisation (Arabic-Indic digits, alef forms, ة, ى, diacritics,
    tatweel, Latin case...) and Arabic punctuation, so that one table of names serves
    every spelling; runs of white space become one space.
    """
    text = normalize_punctuation(normalize(text))
    return re.sub(r"\s+", " ", text).strip()


def _to_naive_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)


def _month_number(name: str) -> int:
    return MONTHS[re.sub(r"\s+", " ", name)]


def _with_time(day: datetime, time: str | None, ampm: str | None = None) -> datetime:
    if not time:
        return day
    parts = [int(p) for p in time.split(":")] + [0]
    hour, minute, second = parts[0], parts[1], parts[2]
    if ampm in ("م", "pm") and hour < 12:
        hour += 12
    elif ampm in ("ص", "am") and hour == 12:
        hour = 0
    return day + timedelta(hours=hour, minutes=minute, seconds=second)


def _parse_iso(text: str) -> datetime | None:
    if not re.match(r"^\d{4}-?\d{2}", text):
        return None
    try:
        return datetime.fromisoformat(text.upper().replace(" Z", "Z"))
    except ValueError:
        return None


def _parse_rfc2822(text: str) -> datetime | None:
    if not _RFC_HINT.search(text):
        return None
    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None


def _parse_written(text: str) -> datetime | None:
    match = _WRITTEN.match(text)
    if not match:
        return None
    day = datetime(int(match["year"]), _month_number(match["month"]), int(match["day"]))
    return _with_time(day, match["time"], match["ampm"])


def _parse_numeric(text: str) -> datetime | None:
    match = _NUMERIC.match(text) or _YMD_SLASH.match(text)
    if not match:
        return None
    day = datetime(int(match["year"]), int(match["month"]), int(match["day"]))
    return _with_time(day, match.groupdict().get("time"))


def parse_date(text: str) -> datetime | None:
    """Parse one date written in any form Arabic news uses; ``None`` if it is not a date.

    The whole string must be a date (an optional weekday and time are allowed), so a
    sentence that merely mentions a date is not mistaken for a dateline.  Numeric
    ``15/02/2018`` is read day first, as everywhere in the Arab world.  Aware values are
    converted to UTC and returned naive.
    """
    if not isinstance(text, str) or not text.strip() or len(text) > 100:
        return None
    folded = _fold(text)
    for parser in (_parse_iso, _parse_rfc2822, _parse_numeric, _parse_written):
        try:
            value = parser(folded)
            if value is not None and parser in (_parse_iso, _parse_numeric) \
                    and value.year in HIJRI_YEARS:
                return None  # a Hijri date (see calendar_problem), not 1439 AD
            if value is not None:  # converting year 1 or 9999 to UTC may overflow
                return _to_naive_utc(value)
        except (ValueError, OverflowError):  # 31 February, hour 25...
            return None
    return _dual(text) if _HIJRI_HINT.search(folded) else None


def looks_like_date(text: str) -> bool:
    """True when ``text`` has the *shape* of a date even if its values are impossible.

    Lets readers tell an unparseable dateline (``٣١ فبراير ٢٠١٨``: report it, drop it)
    from an ordinary line of text (keep it in the body).
    """
    if not isinstance(text, str) or len(text) > 100:
        return False
    if parse_date(text) is not None or calendar_problem(text) is not None:
        return True
    folded = _fold(text)
    return bool(
        _WRITTEN.match(folded)
        or _NUMERIC.match(folded)
        or _YMD_SLASH.match(folded)
        or re.match(r"^\d{4}-\d{2}-\d{2}([t ][\d:.+-]+z?)?$", folded)
    )
