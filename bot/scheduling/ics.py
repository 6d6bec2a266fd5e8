"""A calendar file (.ics) for one meeting.

Times are written with the local TZID and a matching VTIMEZONE: Outlook,
Google Calendar and Apple Calendar all show such an event at the right wall
time, and a reader sees the meeting in the zone it was planned in. The UID
stays the same for a meeting and SEQUENCE grows each time it moves, so a
calendar updates the event instead of adding a second one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from icalendar import Calendar, Event

from bot.scheduling.zones import require_aware, to_local

__all__ = ["PRODID", "meeting_ics"]

PRODID = "-//Refleks//Refleks//DA"

# VTIMEZONE rules only for the years around the meeting keep the file small.
_TIMEZONE_MARGIN = timedelta(days=366)


def meeting_ics(
    uid: str,
    sequence: int,
    start_utc: datetime,
    end_utc: datetime,
    tz: ZoneInfo,
    *,
    title: str,
    description: str,
    lang: str,
    stamp_utc: datetime,
    location: str | None = None,
    cancelled: bool = False,
) -> bytes:
    """Return the bytes of an .ics file holding one meeting.

    ``title`` and ``description`` are already in the language ``lang``, which
    is written as their LANGUAGE parameter. ``stamp_utc`` is when the file is
    made (DTSTAMP; passed in, since nothing here reads the clock). A cancelled
    meeting is published with METHOD:CANCEL and STATUS:CANCELLED, with the
    same UID and a higher ``sequence``.
    """
    require_aware(start_utc, "start_utc")
    require_aware(end_utc, "end_utc")
    require_aware(stamp_utc, "stamp_utc")
    if end_utc <= start_utc:
        raise ValueError("a meeting must end after it starts")
    if sequence < 0:
        raise ValueError("SEQUENCE is a non-negative number")

    language = {"LANGUAGE": "en" if lang == "en" else "da"}
    event = Event()
    event.add("uid", uid)
    event.add("sequence", sequence)
    event.add("dtstamp", stamp_utc.astimezone(UTC))
    event.add("dtstart", to_local(start_utc, tz))
    event.add("dtend", to_local(end_utc, tz))
    event.add("summary", title, parameters=language)
    if description:
        event.add("description", description, parameters=language)
    if location:
        event.add("location", location, parameters=language)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    calendar.add_component(event)
    calendar.add_missing_timezones(
        first_date=(start_utc - _TIMEZONE_MARGIN).date(),
        last_date=(end_utc + _TIMEZONE_MARGIN).date(),
    )
    ics: bytes = calendar.to_ical()
    return ics
