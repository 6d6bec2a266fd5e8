"""Report periods: which whole rounds and meetings a summary covers.

A period only chooses rounds by when they closed (and meetings by when they began); it
never cuts a round, so no two reports differ by part of one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

# The choices offered as buttons, in order.
CHOICES = ("quarter", "schoolyear", "all")
QUARTER_DAYS = 92
SCHOOL_YEAR_STARTS = 8  # August: the Danish school year begins after the summer holiday

_RANGE = re.compile(r"^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
_YEAR = re.compile(r"^\d{4}$")


@dataclass(frozen=True)
class Period:
    """[since, until) in UTC; None leaves that side open. `first`/`last` are local dates."""

    name: str
    since: datetime | None
    until: datetime | None
    first: date | None = None
    last: date | None = None


def _start(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=tz).astimezone(UTC)


def parse_period(name: str, now: datetime, tz: ZoneInfo) -> Period:
    """`all`, `quarter`, `schoolyear`, a year `2026`, or `2026-08-01..2026-12-31`."""
    name = name.strip().lower() or "all"
    today = now.astimezone(tz).date()
    if name == "all":
        return Period(name, None, None)
    if name == "quarter":
        first = today - timedelta(days=QUARTER_DAYS)
        return Period(name, _start(first, tz), None, first, today)
    if name == "schoolyear":
        year = today.year if today.month >= SCHOOL_YEAR_STARTS else today.year - 1
        first = date(year, SCHOOL_YEAR_STARTS, 1)
        return Period(name, _start(first, tz), None, first, today)
    if _YEAR.match(name):
        year = int(name)
        first, last = date(year, 1, 1), date(year, 12, 31)
        return Period(name, _start(first, tz), _start(last + timedelta(days=1), tz), first, last)
    match = _RANGE.match(name)
    if match:
        first, last = (date.fromisoformat(part) for part in match.groups())
        if last < first:
            raise ValueError("the period ends before it begins")
        return Period(name, _start(first, tz), _start(last + timedelta(days=1), tz), first, last)
    raise ValueError(
        "a period is all, quarter, schoolyear, a year such as 2026, "
        "or dates such as 2026-08-01..2026-12-31"
    )
