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
from datetime import date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from dateparser.date import DateDataParser

from bot.scheduling.normalise import normalise
from bot.scheduling.zones import require_aware, to_local, to_utc

__all__ = ["ParsedWhen", "parse_date", "parse_datetime", "parse_when"]

# Longer text is not a date; dateparser also slows down on long input.
_MAX_LENGTH = 120

# A result further away than this is a misreading, not a meeting plan.
_YEARS_AHEAD = 10

_BARE_NUMBER = re.compile(r"\d+")
# Words that make a month or year offset precise ("om en måned", "next month");
# without them "december" or "jul" is too vague to plan with.
_RELATIVE = re.compile(r"\b(?:om|in|næste|next|from now)\b")


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
