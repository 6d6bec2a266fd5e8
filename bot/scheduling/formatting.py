"""Dates and times as people read them, in Danish or English.

Babel supplies the month and weekday names; the patterns are ours, because
the way a Danish invitation names a meeting ("tirsdag den 3. december kl.
14.00") is more specific than any locale's standard formats.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from babel.dates import format_date as babel_format_date
from babel.dates import format_time as babel_format_time

from bot.scheduling.zones import to_local

__all__ = ["format_date", "format_span", "format_time", "format_when"]


@dataclass(frozen=True, slots=True)
class _Style:
    locale: str
    weekday_date: str
    plain_date: str
    year_suffix: str
    time: str
    joiner: str


_DANISH = _Style("da_DK", "EEEE 'den' d. MMMM", "d. MMMM", " y", "HH.mm", " kl. ")
# British English: day before month, 24-hour clock, as in the rest of the bot.
_ENGLISH = _Style("en_GB", "EEEE d MMMM", "d MMMM", " y", "HH:mm", " at ")


# Ranges of time take an en dash in both languages.
_DASH = "\u2013"


def _style(lang: str) -> _Style:
    # Danish is the first language: anything that is not English is Danish.
    return _ENGLISH if lang == "en" else _DANISH


def format_date(day: date, lang: str, *, weekday: bool = True, with_year: bool = True) -> str:
    """Format a date: "tirsdag den 3. december 2024" / "Tuesday 3 December 2024"."""
    style = _style(lang)
    pattern = style.weekday_date if weekday else style.plain_date
    if with_year:
        pattern += style.year_suffix
    return babel_format_date(day, pattern, locale=style.locale)


def format_time(moment_utc: datetime, tz: ZoneInfo, lang: str) -> str:
    """The local clock time: "14.00" in Danish, "14:00" in English."""
    style = _style(lang)
    local = to_local(moment_utc, tz).replace(tzinfo=None)
    return babel_format_time(local.time(), style.time, locale=style.locale)


def format_when(moment_utc: datetime, tz: ZoneInfo, lang: str, *, with_year: bool = False) -> str:
    """Format a moment: "tirsdag den 3. december kl. 14.00" / "Tuesday 3 December at 14:00"."""
    style = _style(lang)
    day = format_date(to_local(moment_utc, tz).date(), lang, with_year=with_year)
    return f"{day}{style.joiner}{format_time(moment_utc, tz, lang)}"


def format_span(
    start_utc: datetime, end_utc: datetime, tz: ZoneInfo, lang: str, *, with_year: bool = False
) -> str:
    """Format a meeting's time: "tirsdag den 3. december kl. 14.00-17.00" (with an en dash).

    A meeting that ends on a later local day names both days in full.
    """
    start_text = format_when(start_utc, tz, lang, with_year=with_year)
    if to_local(start_utc, tz).date() == to_local(end_utc, tz).date():
        return f"{start_text}{_DASH}{format_time(end_utc, tz, lang)}"
    return f"{start_text} {_DASH} {format_when(end_utc, tz, lang, with_year=with_year)}"
