"""Meeting times in Danish and English."""

from __future__ import annotations

from datetime import date
from zoneinfo import ZoneInfo

import pytest

from bot.scheduling.formatting import format_date, format_span, format_time, format_when

from .clock import CPH, cph


@pytest.mark.parametrize(
    ("lang", "expected"),
    [
        ("da", "tirsdag den 3. december kl. 14.00"),
        ("en", "Tuesday 3 December at 14:00"),
    ],
)
def test_format_when_in_winter(lang: str, expected: str) -> None:
    assert format_when(cph(2024, 12, 3, 14), CPH, lang) == expected


def test_format_when_in_summer_and_with_year() -> None:
    moment = cph(2025, 6, 3, 9, 5)
    assert format_when(moment, CPH, "da", with_year=True) == "tirsdag den 3. juni 2025 kl. 09.05"
    assert format_when(moment, CPH, "en", with_year=True) == "Tuesday 3 June 2025 at 09:05"


def test_local_time_of_the_reader() -> None:
    moment = cph(2024, 12, 3, 14)
    assert format_when(moment, ZoneInfo("America/New_York"), "en") == (
        "Tuesday 3 December at 08:00"
    )


def test_unknown_language_is_danish() -> None:
    assert format_time(cph(2024, 12, 3, 14), CPH, "de") == "14.00"


def test_format_date() -> None:
    day = date(2026, 1, 12)
    assert format_date(day, "da") == "mandag den 12. januar 2026"
    assert format_date(day, "en") == "Monday 12 January 2026"
    assert format_date(day, "da", weekday=False) == "12. januar 2026"
    assert format_date(day, "en", weekday=False, with_year=False) == "12 January"


def test_format_span() -> None:
    start, end = cph(2024, 12, 3, 14), cph(2024, 12, 3, 17)
    assert format_span(start, end, CPH, "da") == "tirsdag den 3. december kl. 14.00\u201317.00"
    assert format_span(start, end, CPH, "en") == "Tuesday 3 December at 14:00\u201317:00"
    two_days = format_span(start, cph(2024, 12, 4, 12), CPH, "en")
    assert two_days == "Tuesday 3 December at 14:00 \u2013 Wednesday 4 December at 12:00"
