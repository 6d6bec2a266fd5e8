"""Calendar files read back by icalendar at the right local time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from icalendar import Calendar

from bot.scheduling.ics import meeting_ics

from .clock import CPH, cph

STAMP = datetime(2025, 5, 1, 8, 0, tzinfo=UTC)


def build(
    start: datetime,
    end: datetime,
    sequence: int = 0,
    *,
    title: str = "Netværksmøde",
    lang: str = "da",
    location: str | None = None,
    cancelled: bool = False,
) -> bytes:
    return meeting_ics(
        "meeting-42@refleks",
        sequence,
        start,
        end,
        CPH,
        title=title,
        description="Vi ses; tag et eksempel med, gerne to.",
        lang=lang,
        stamp_utc=STAMP,
        location=location,
        cancelled=cancelled,
    )


def read_event(ics: bytes) -> tuple[Calendar, Any]:
    calendar = Calendar.from_ical(ics)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


@pytest.mark.parametrize(
    ("start", "end", "utc_hour"),
    [
        (cph(2025, 6, 3, 14), cph(2025, 6, 3, 17), 12),  # summer time
        (cph(2025, 12, 2, 14), cph(2025, 12, 2, 17), 13),  # winter time
    ],
)
def test_round_trip_keeps_local_time(start: datetime, end: datetime, utc_hour: int) -> None:
    calendar, event = read_event(build(start, end))
    dtstart = event.decoded("DTSTART")
    dtend = event.decoded("DTEND")
    assert (dtstart.hour, dtstart.minute, dtend.hour) == (14, 0, 17)
    assert str(dtstart.tzinfo) == "Europe/Copenhagen"
    assert dtstart == start
    assert dtend == end
    assert dtstart.astimezone(UTC).hour == utc_hour
    assert event["DTSTART"].params["TZID"] == "Europe/Copenhagen"
    timezones = calendar.walk("VTIMEZONE")
    assert [str(tz["TZID"]) for tz in timezones] == ["Europe/Copenhagen"]


def test_identity_and_text() -> None:
    ics = build(cph(2025, 6, 3, 14), cph(2025, 6, 3, 17), sequence=3, location="Skolen, lokale 12")
    calendar, event = read_event(ics)
    assert str(calendar["METHOD"]) == "PUBLISH"
    assert str(calendar["VERSION"]) == "2.0"
    assert str(event["UID"]) == "meeting-42@refleks"
    assert int(event["SEQUENCE"]) == 3
    assert str(event["SUMMARY"]) == "Netværksmøde"
    assert event["SUMMARY"].params["LANGUAGE"] == "da"
    assert str(event["DESCRIPTION"]) == "Vi ses; tag et eksempel med, gerne to."
    assert str(event["LOCATION"]) == "Skolen, lokale 12"
    assert str(event["STATUS"]) == "CONFIRMED"
    assert event.decoded("DTSTAMP") == STAMP
    # Lines end in CRLF as RFC 5545 asks.
    assert b"\r\nBEGIN:VEVENT\r\n" in ics


def test_moved_meeting_keeps_uid_with_higher_sequence() -> None:
    _, first = read_event(build(cph(2025, 6, 3, 14), cph(2025, 6, 3, 17), sequence=0))
    _, moved = read_event(build(cph(2025, 6, 5, 9), cph(2025, 6, 5, 12), sequence=1))
    assert str(first["UID"]) == str(moved["UID"])
    assert int(moved["SEQUENCE"]) > int(first["SEQUENCE"])


def test_english_and_cancelled() -> None:
    ics = build(
        cph(2025, 6, 3, 14),
        cph(2025, 6, 3, 17),
        sequence=2,
        title="Network meeting",
        lang="en",
        cancelled=True,
    )
    calendar, event = read_event(ics)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(event["STATUS"]) == "CANCELLED"
    assert event["SUMMARY"].params["LANGUAGE"] == "en"


def test_bad_input_is_refused() -> None:
    with pytest.raises(ValueError, match="end after"):
        build(cph(2025, 6, 3, 17), cph(2025, 6, 3, 14))
    with pytest.raises(ValueError, match="timezone-aware"):
        build(datetime(2025, 6, 3, 14), cph(2025, 6, 3, 17))
    with pytest.raises(ValueError, match="SEQUENCE"):
        build(cph(2025, 6, 3, 14), cph(2025, 6, 3, 17), sequence=-1)
