"""Meeting series: every N weeks on the same weekday at the same local time.

The recurrence is computed by :mod:`dateutil.rrule` on local wall time and only
then converted to UTC, so a series at 14:00 stays at 14:00 in Copenhagen when
summer time starts or ends between two meetings.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from dateutil.rrule import WEEKLY, rrule

from bot.scheduling.zones import require_aware, to_local, to_utc

__all__ = [
    "DEFAULT_MEETING_DURATION",
    "MAX_SERIES_COUNT",
    "Meeting",
    "meeting_end",
    "occurrences",
    "series_meetings",
]

DEFAULT_MEETING_DURATION = timedelta(hours=3)

# A school year has about forty weeks; a generous cap still stops a typo such
# as "--count 5000" from producing thousands of rows.
MAX_SERIES_COUNT = 100


@dataclass(frozen=True, slots=True)
class Meeting:
    """One meeting: an aware start and end, stored in UTC."""

    start_utc: datetime
    end_utc: datetime

    def __post_init__(self) -> None:
        require_aware(self.start_utc, "start_utc")
        require_aware(self.end_utc, "end_utc")
        if self.end_utc <= self.start_utc:
            raise ValueError("a meeting must end after it starts")


def meeting_end(start_utc: datetime, duration: timedelta = DEFAULT_MEETING_DURATION) -> datetime:
    """Return the end of a meeting starting at ``start_utc`` (three hours by default)."""
    if duration <= timedelta(0):
        raise ValueError("a meeting lasts a positive length of time")
    return require_aware(start_utc, "start_utc") + duration


def _local_wall_time(moment: datetime, tz: ZoneInfo) -> datetime:
    """Naive local wall time: aware input is converted to ``tz`` first."""
    if moment.tzinfo is None:
        return moment
    return to_local(moment, tz).replace(tzinfo=None)


def occurrences(
    first_start_local: datetime,
    tz: ZoneInfo,
    every_weeks: int,
    count: int,
    *,
    skip: Collection[date] = (),
    moved: Mapping[date, datetime] | None = None,
) -> list[datetime]:
    """Return the UTC start of each meeting in a series, in time order.

    ``first_start_local`` is the first meeting's wall time in ``tz`` (a naive
    datetime, or an aware one that is converted to ``tz``). The series has
    ``count`` planned dates ``every_weeks`` apart. ``skip`` leaves out the
    meetings planned on those local dates (the series then has fewer
    meetings); ``moved`` maps a planned local date to a new start (naive local
    wall time or aware). Dates in ``skip`` or ``moved`` that are not in the
    series raise :class:`ValueError`, so a mistyped date is not silently lost.
    """
    if every_weeks < 1:
        raise ValueError("a series repeats at least every week")
    if not 1 <= count <= MAX_SERIES_COUNT:
        raise ValueError(f"a series has between 1 and {MAX_SERIES_COUNT} meetings")
    moved = moved or {}
    first = _local_wall_time(first_start_local, tz)
    planned = list(rrule(WEEKLY, interval=every_weeks, count=count, dtstart=first))
    planned_days = {wall.date() for wall in planned}
    unknown = sorted((set(skip) | set(moved)) - planned_days)
    if unknown:
        listed = ", ".join(day.isoformat() for day in unknown)
        raise ValueError(f"not a date in this series: {listed}")

    starts: list[datetime] = []
    for wall in planned:
        day = wall.date()
        if day in skip:
            continue
        new_start = moved.get(day)
        starts.append(to_utc(wall if new_start is None else _local_wall_time(new_start, tz), tz))
    return sorted(starts)


def series_meetings(
    first_start_local: datetime,
    tz: ZoneInfo,
    every_weeks: int,
    count: int,
    *,
    duration: timedelta = DEFAULT_MEETING_DURATION,
    skip: Collection[date] = (),
    moved: Mapping[date, datetime] | None = None,
) -> list[Meeting]:
    """Return the meetings of a series, each lasting ``duration``."""
    return [
        Meeting(start, meeting_end(start, duration))
        for start in occurrences(first_start_local, tz, every_weeks, count, skip=skip, moved=moved)
    ]
