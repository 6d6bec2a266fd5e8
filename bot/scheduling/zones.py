"""Conversions between stored UTC moments and local wall-clock time.

Every function here takes aware datetimes and returns aware datetimes in UTC,
except where the name says "local". Wall-clock arithmetic (adding days, keeping
14:00 across a summer-time change) happens on naive local times and is
converted back with :func:`to_utc`.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

__all__ = [
    "local_date",
    "require_aware",
    "shift_local_days",
    "to_local",
    "to_utc",
    "wall_time_to_utc",
]


def require_aware(moment: datetime, name: str = "moment") -> datetime:
    """Return ``moment`` unchanged, or raise if it carries no time zone."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment


def to_utc(local: datetime, tz: ZoneInfo) -> datetime:
    """Interpret a local wall time in ``tz`` and return the moment in UTC.

    An aware ``local`` is simply converted. A naive one is read as wall time in
    ``tz``. Wall times that do not exist (the hour skipped when summer time
    starts) move forward by the size of the gap, so 02:30 becomes 03:30; wall
    times that occur twice (when summer time ends) mean the first, still in
    summer time. That is what ``fold=0`` gives with :mod:`zoneinfo`.
    """
    if local.tzinfo is not None:
        return require_aware(local).astimezone(UTC)
    return local.replace(tzinfo=tz, fold=0).astimezone(UTC)


def to_local(moment_utc: datetime, tz: ZoneInfo) -> datetime:
    """Return the aware local time in ``tz`` for an aware moment."""
    return require_aware(moment_utc).astimezone(tz)


def local_date(moment_utc: datetime, tz: ZoneInfo) -> date:
    """Return the calendar date of ``moment_utc`` as seen in ``tz``."""
    return to_local(moment_utc, tz).date()


def wall_time_to_utc(day: date, at: time, tz: ZoneInfo) -> datetime:
    """Return the UTC moment of wall time ``at`` on local ``day`` in ``tz``."""
    return to_utc(datetime.combine(day, at), tz)


def shift_local_days(moment_utc: datetime, tz: ZoneInfo, days: int) -> datetime:
    """Move a moment by whole calendar days, keeping its local wall time.

    Fourteen days after a meeting that ended at 17:00 is 17:00 again, even when
    summer time ended in between; plain UTC arithmetic would give 16:00.
    """
    local = to_local(moment_utc, tz).replace(tzinfo=None)
    return to_utc(local + timedelta(days=days), tz)
