"""When a message may reach a person: quiet hours, weekends and closed days.

A follow-up that falls at an unfriendly time is deferred to the next allowed
moment in the recipient's own time zone. A message that prepares for a meeting
must still arrive before that meeting, so a deadline caps the deferral; see
:func:`next_allowed` for the exact rule.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays

from bot.scheduling.zones import local_date, require_aware, wall_time_to_utc

__all__ = [
    "AllowedTimes",
    "DateRange",
    "is_allowed",
    "is_danish_public_holiday",
    "next_allowed",
]

# How far the search looks for an open moment. Two years covers any sensible
# set of school holidays; a policy that never opens leaves moments unchanged.
_SEARCH_DAYS = 731

# "The last allowed moment before" a meeting: one minute before the window
# closes (quiet hours start at 20:00, so 19:59) or before the meeting starts.
_LAST_MOMENT_MARGIN = timedelta(minutes=1)

_MIDNIGHT = time(0, 0)


@dataclass(frozen=True, slots=True)
class DateRange:
    """A closed range of local calendar dates, both ends included."""

    start: date
    end: date

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"date range ends ({self.end}) before it starts ({self.start})")

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class AllowedTimes:
    """When messages may be sent, in the recipient's local time.

    Quiet hours run from ``quiet_start`` to ``quiet_end``; when ``quiet_start``
    is later in the day than ``quiet_end`` (the default 20:00-07:30) they span
    midnight. Equal times mean no quiet hours. ``extra_closed`` holds the
    group's own closed periods, typically school holidays.
    """

    quiet_start: time = time(20, 0)
    quiet_end: time = time(7, 30)
    skip_weekends: bool = True
    skip_public_holidays: bool = True
    extra_closed: tuple[DateRange, ...] = ()

    def __post_init__(self) -> None:
        # Accept any iterable of ranges but store a tuple, so the policy stays
        # hashable and immutable.
        object.__setattr__(self, "extra_closed", tuple(self.extra_closed))
        for bound in (self.quiet_start, self.quiet_end):
            if bound.tzinfo is not None:
                raise ValueError("quiet hours are local wall times and carry no time zone")

    def quiet_hours_only(self) -> AllowedTimes:
        """Return the same quiet hours with every day open."""
        return dataclasses.replace(
            self, skip_weekends=False, skip_public_holidays=False, extra_closed=()
        )

    def is_open_day(self, day: date) -> bool:
        """Whether messages may be sent at all on this local date."""
        if self.skip_weekends and day.weekday() >= 5:
            return False
        if self.skip_public_holidays and is_danish_public_holiday(day):
            return False
        return not any(day in closed for closed in self.extra_closed)

    def is_quiet(self, at: time) -> bool:
        """Whether a local wall time falls inside quiet hours."""
        start, end = self.quiet_start, self.quiet_end
        if start == end:
            return False
        if start > end:
            return at >= start or at < end
        return start <= at < end


@lru_cache(maxsize=1)
def _danish_holidays() -> Any:
    # Built on first use (nothing happens at import); the object adds years
    # lazily as dates are looked up.
    return holidays.country_holidays("DK")


def is_danish_public_holiday(day: date) -> bool:
    """Whether ``day`` is a Danish public holiday (Store Bededag only up to 2023)."""
    return day in _danish_holidays()


def _open_windows(day: date, tz: ZoneInfo, policy: AllowedTimes) -> list[tuple[datetime, datetime]]:
    """The UTC intervals ``[start, end)`` of local ``day`` when sending is allowed."""
    if not policy.is_open_day(day):
        return []
    day_start = wall_time_to_utc(day, _MIDNIGHT, tz)
    day_end = wall_time_to_utc(day + timedelta(days=1), _MIDNIGHT, tz)
    quiet_start = wall_time_to_utc(day, policy.quiet_start, tz)
    quiet_end = wall_time_to_utc(day, policy.quiet_end, tz)
    if policy.quiet_start == policy.quiet_end:
        windows = [(day_start, day_end)]
    elif policy.quiet_start > policy.quiet_end:
        windows = [(quiet_end, quiet_start)]
    else:
        windows = [(day_start, quiet_start), (quiet_end, day_end)]
    return [(start, end) for start, end in windows if start < end]


def is_allowed(moment_utc: datetime, tz: ZoneInfo, policy: AllowedTimes) -> bool:
    """Whether a message may be sent at ``moment_utc`` to someone living in ``tz``."""
    require_aware(moment_utc, "moment_utc")
    day = local_date(moment_utc, tz)
    return any(start <= moment_utc < end for start, end in _open_windows(day, tz, policy))


def _first_open_from(moment: datetime, tz: ZoneInfo, policy: AllowedTimes) -> datetime | None:
    first_day = local_date(moment, tz)
    for offset in range(_SEARCH_DAYS):
        for start, end in _open_windows(first_day + timedelta(days=offset), tz, policy):
            if end > moment:
                return max(start, moment)
    return None


def _last_open_before(
    deadline: datetime, tz: ZoneInfo, policy: AllowedTimes, floor: datetime | None
) -> datetime | None:
    last_day = local_date(deadline, tz)
    for offset in range(_SEARCH_DAYS):
        day = last_day - timedelta(days=offset)
        if floor is not None and wall_time_to_utc(day + timedelta(days=1), _MIDNIGHT, tz) <= floor:
            return None
        for start, end in reversed(_open_windows(day, tz, policy)):
            latest = min(end, deadline) - _LAST_MOMENT_MARGIN
            lowest = start if floor is None else max(start, floor)
            if latest >= lowest:
                return latest
    return None


def next_allowed(
    moment_utc: datetime,
    tz: ZoneInfo,
    policy: AllowedTimes,
    deadline_utc: datetime | None = None,
    earliest_utc: datetime | None = None,
) -> datetime:
    """Return when a message planned for ``moment_utc`` should actually be sent.

    Without a deadline this is the first allowed moment at or after
    ``moment_utc`` (the moment itself when it is allowed).

    With a deadline (the start of the meeting the message prepares for) the
    message must arrive strictly before it. When the first allowed moment is
    not before the deadline, the message goes instead:

    1. at the last allowed moment before the deadline (one minute before the
       allowed window closes, or before the deadline), even if that is earlier
       than planned; then, if there is none after ``earliest_utc``,
    2. at the latest moment before the deadline that is not in quiet hours,
       ignoring weekends, public holidays and closed periods; then, if there is
       none after ``earliest_utc`` either,
    3. unchanged, at ``moment_utc``: the caller decides whether a message that
       can no longer arrive in time is still worth sending.

    ``earliest_utc`` bounds how far back a message may be pulled (for example
    the end of the previous meeting); without it the search goes back up to
    two years. A policy that never opens also leaves the moment unchanged.
    """
    require_aware(moment_utc, "moment_utc")
    if deadline_utc is not None:
        require_aware(deadline_utc, "deadline_utc")
    if earliest_utc is not None:
        require_aware(earliest_utc, "earliest_utc")

    forward = _first_open_from(moment_utc, tz, policy)
    if deadline_utc is None:
        return moment_utc if forward is None else forward
    if forward is not None and forward < deadline_utc:
        return forward
    for fallback in (policy, policy.quiet_hours_only()):
        backward = _last_open_before(deadline_utc, tz, fallback, earliest_utc)
        if backward is not None:
            return backward
    return moment_utc
