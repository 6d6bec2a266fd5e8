"""Fixed moments in Copenhagen time for the scheduling tests."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

CPH = ZoneInfo("Europe/Copenhagen")


def cph(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """A Copenhagen wall time as an aware UTC moment."""
    return datetime(year, month, day, hour, minute, tzinfo=CPH).astimezone(UTC)


def wall(moment: datetime, tz: ZoneInfo = CPH) -> str:
    """A moment as local wall time text, for readable assertions."""
    return moment.astimezone(tz).strftime("%Y-%m-%d %H:%M")
