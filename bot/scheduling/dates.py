"""Read dates and times that people type, in Danish or English.

dateparser does the reading (languages ``da`` and ``en``, dates preferred in
the future, relative to the moment given); :func:`normalise` first rewrites
the forms it does not understand. Text that cannot be read, or that is too
vague to act on ("december", "inden jul"), gives ``None`` and the caller asks
again. Nothing here ever raises on what a person typed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.scheduling.normalise import normalise
from bot.scheduling.zones import require_aware, to_local, to_utc

__all__ = [
    "ParsedSpan",
    "ParsedWhen",
    "parse_clock",
    "parse_date",
    "parse_datetime",
    "parse_length",
    "parse_span",
    "parse_when",
]

# Longer text is not a date; dateparser also slows down on long input.
_MAX_LENGTH = 120

# A result further away than this is a misreading, not a meeting plan.
_YEARS_AHEAD = 10

_BARE_NUMBER = re.compile(r"\d+")
# Words that make a month or year offset precise ("om en måned", "next month");
# without them "december" or "jul" is too vague to plan with.
_RELATIVE = re.compile(r"\b(?:om|in|næste|next|from now)\b")


# A time range at the end of the text: "14-16", "kl. 9-11.30", "13:00–15:30",
# "fra kl. 14 til 16", "from 9 to 11". Not a date range such as "12/10-16/10".
_RANGE = re.compile(
    r"(?<![\d/.:-])(?P<marker>(?:fra|from)\s+)?(?P<kl>(?:klokken|kl\.?|at)\s*)?"
    r"(?P<h1>\d{1,2})(?:[.:](?P<m1>\d{2}))?"
    r"\s*(?:[-–—]|\s(?:til|to|until)\s)\s*(?:(?:klokken|kl\.?)\s*)?"
    r"(?P<h2>\d{1,2})(?:[.:](?P<m2>\d{2}))?$"
)
# A length at the end of the text: "i 90 minutter", "2 timer", "1,5 time",
# "halvanden time", "for 2 hours", "90 min".
_LENGTH_WORDS = {
    "en halv": 0.5,
    "half an": 0.5,
    "halvanden": 1.5,
    "en": 1,
    "et": 1,
    "én": 1,
    "ét": 1,
    "an": 1,
    "one": 1,
    "to": 2,
    "two": 2,
    "tre": 3,
    "three": 3,
    "fire": 4,
    "four": 4,
    "fem": 5,
    "five": 5,
    "seks": 6,
    "six": 6,
}
_LENGTH_UNITS = {
    "minutter": 1,
    "minut": 1,
    "minutes": 1,
    "minute": 1,
    "mins": 1,
    "min": 1,
    "timer": 60,
    "time": 60,
    "hours": 60,
    "hour": 60,
    "hrs": 60,
    "hr": 60,
    "t": 60,
    "h": 60,
}
_LENGTH = re.compile(
    r"(?:^|(?<=\s)|(?<=,))(?:(?:i|for)\s+)?"
    r"(?P<amount>\d+(?:[.,]\d+)?|\d*½|"
    + "|".join(sorted(map(re.escape, _LENGTH_WORDS), key=len, reverse=True))
    + r")\s*(?P<unit>"
    + "|".join(sorted(_LENGTH_UNITS, key=len, reverse=True))
    + r")\.?$"
)


@dataclass(frozen=True, slots=True)
class ParsedWhen:
    """A moment read from text, and whether the text named a time of day."""

    moment_utc: datetime
    has_time: bool


def _languages(lang: str) -> list[str]:
    # Both languages always; the person's own language is tried first.
    return ["en", "da"] if lang == "en" else ["da", "en"]


def _dateparser(cleaned: str, base: datetime, tz_name: str, lang: str) -> tuple[datetime, str]:
    """Call dateparser; raises ``ValueError`` when it cannot read the text."""
    settings: dict[str, Any] = {
        "PREFER_DATES_FROM": "future",
        "RELATIVE_BASE": base,
        # Day before month, as Danes write it (3/12 is 3 December); the same
        # for English, which people here write the European way.
        "DATE_ORDER": "DMY",
        "TIMEZONE": tz_name,
        "RETURN_AS_TIMEZONE_AWARE": False,
        "RETURN_TIME_AS_PERIOD": True,
    }
    parser = DateDataParser(languages=_languages(lang), settings=settings)
    data = parser.get_date_data(cleaned)
    if data.date_obj is None:
        raise ValueError("not a date")
    moment = data.date_obj
    if moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz_name)).replace(tzinfo=None)
    return moment, data.period or "day"


def _read(text: str, base: datetime, tz_name: str, lang: str) -> tuple[datetime, bool] | None:
    """Parse into a naive wall time in ``tz_name`` and a has-time flag."""
    cleaned = normalise(text) if len(text) <= _MAX_LENGTH else ""
    if not cleaned or _BARE_NUMBER.fullmatch(cleaned):
        # "14" alone could be a day, an hour or a count: ask again.
        return None
    try:
        moment, period = _dateparser(cleaned, base, tz_name, lang)
    except (ValueError, OverflowError, TypeError, LookupError, AttributeError):
        # dateparser's guesses can fail in surprising ways on odd input; odd
        # input is simply not a date.
        return None
    vague = period in {"month", "year"} and not _RELATIVE.search(cleaned)
    if vague or not base.year - 1 <= moment.year <= base.year + _YEARS_AHEAD:
        return None
    return moment, period == "time"


def parse_when(text: str, now_utc: datetime, tz: ZoneInfo, lang: str = "da") -> ParsedWhen | None:
    """Read a moment from ``text`` as a person in ``tz`` means it at ``now_utc``.

    The result may lie in the past ("i dag kl. 9" typed in the afternoon); the
    caller decides whether that is acceptable.
    """
    base = to_local(require_aware(now_utc, "now_utc"), tz).replace(tzinfo=None)
    read = _read(text, base, tz.key, lang)
    if read is None:
        return None
    wall, has_time = read
    return ParsedWhen(to_utc(wall, tz), has_time)


def parse_datetime(
    text: str,
    now_utc: datetime,
    tz: ZoneInfo,
    lang: str = "da",
    default_time: time | None = None,
) -> datetime | None:
    """Read an aware UTC moment from text such as "tirsdag 14:00" or "3/12 kl. 9".

    When the text names no time of day ("tirsdag", "om to uger"), the result
    has ``default_time`` if one is given; otherwise it keeps what dateparser
    chose (midnight for a named day, the current time for an offset).
    """
    base = to_local(require_aware(now_utc, "now_utc"), tz).replace(tzinfo=None)
    read = _read(text, base, tz.key, lang)
    if read is None:
        return None
    wall, has_time = read
    if not has_time and default_time is not None:
        wall = datetime.combine(wall.date(), default_time.replace(tzinfo=None))
    return to_utc(wall, tz)


def parse_date(text: str, today: date, lang: str = "da") -> date | None:
    """Read a due date such as "fredag", "3/12", "om to uger" relative to ``today``."""
    base = datetime.combine(today, time(12, 0))
    read = _read(text, base, "UTC", lang)
    return None if read is None else read[0].date()


@dataclass(frozen=True, slots=True)
class ParsedSpan:
    """A meeting's start read from text, and its length when the text gave one.

    The length may be zero or negative ("14-13"): the caller says why that
    cannot be a meeting.
    """

    start: ParsedWhen
    length: timedelta | None


def _clean(text: str) -> str:
    return " ".join(text.lower().split()).strip(" .,!?;")


def _length(match: re.Match[str]) -> timedelta | None:
    amount = match.group("amount")
    if amount in _LENGTH_WORDS:
        number = float(_LENGTH_WORDS[amount])
    elif amount.endswith("½"):
        number = float(amount[:-1] or 0) + 0.5
    else:
        number = float(amount.replace(",", "."))
    minutes = number * _LENGTH_UNITS[match.group("unit")]
    if not 0 < minutes < 100_000:
        return None
    return timedelta(minutes=round(minutes))


def parse_length(text: str) -> timedelta | None:
    """Read a length alone ("2 timer", "i 90 minutter", "for 2 hours")."""
    cleaned = _clean(text)
    match = _LENGTH.match(cleaned) if len(cleaned) <= _MAX_LENGTH else None
    return None if match is None else _length(match)


def _clock(hour: str, minute: str | None) -> time | None:
    h, m = int(hour), int(minute or 0)
    return time(h, m) if h <= 23 and m <= 59 else None


_CLOCK = re.compile(r"^\s*(?:kl\.?\s*)?(\d{1,2})(?:[:.](\d{2}))?\s*$", re.IGNORECASE)


def parse_clock(text: str) -> time | None:
    """A clock time alone, as a form field holds it: "14:00", "14.00", "kl. 9"."""
    found = _CLOCK.match(text)
    return None if found is None else _clock(found.group(1), found.group(2))


def _with_range(cleaned: str, now_utc: datetime, tz: ZoneInfo, lang: str) -> ParsedSpan | None:
    match = _RANGE.search(cleaned)
    if match is None:
        return None
    before = cleaned[: match.start()].strip()
    marked = match.group("marker") or match.group("kl") or match.group("m1") or match.group("m2")
    if not before and not marked and int(match["h2"]) <= 12:
        # "3-12" alone is more likely a date than three to twelve o'clock.
        return None
    begins, ends = _clock(match["h1"], match["m1"]), _clock(match["h2"], match["m2"])
    if begins is None or ends is None:
        return None
    start = parse_when(f"{before} {begins:%H:%M}", now_utc, tz, lang)
    if start is None or not start.has_time:
        return None
    day = to_local(start.moment_utc, tz).date()
    end = to_utc(datetime.combine(day, ends), tz)
    return ParsedSpan(start, end - start.moment_utc)


def _with_length(cleaned: str, now_utc: datetime, tz: ZoneInfo, lang: str) -> ParsedSpan | None:
    match = _LENGTH.search(cleaned)
    if match is None:
        return None
    before = cleaned[: match.start()].strip(" ,")
    length = _length(match)
    start = parse_when(before, now_utc, tz, lang) if before else None
    if start is None or length is None:
        # "om 2 timer" is a start two hours from now, not a length.
        return None
    return ParsedSpan(start, length)


def parse_span(text: str, now_utc: datetime, tz: ZoneInfo, lang: str = "da") -> ParsedSpan | None:
    """Read a meeting's start and, when given, its length from ``text``.

    The end can be a time range ("tirsdag 14-16", "3/12 kl. 9-11.30",
    "torsdag 13:00–15:30") ending on the day it starts, or a length after the
    start ("tirsdag 14:00 i 90 minutter", "fredag kl. 9, 2 timer"). Text with
    neither is read as :func:`parse_when` reads it, with no length.
    """
    cleaned = _clean(text)
    if len(cleaned) <= _MAX_LENGTH:
        for reader in (_with_range, _with_length):
            found = reader(cleaned, now_utc, tz, lang)
            if found is not None:
                return found
    start = parse_when(text, now_utc, tz, lang)
    return None if start is None else ParsedSpan(start, None)
