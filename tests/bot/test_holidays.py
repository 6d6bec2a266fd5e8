"""School holidays typed in Danish or English become date ranges."""

from __future__ import annotations

from datetime import date

from bot.chat.holidays import parse_periods
from bot.scheduling import DateRange

TODAY = date(2026, 9, 1)


def test_ranges_in_the_coming_school_year() -> None:
    assert parse_periods("12/10-16/10, 21/12-1/1", TODAY, "da") == [
        DateRange(date(2026, 10, 12), date(2026, 10, 16)),
        DateRange(date(2026, 12, 21), date(2027, 1, 1)),
    ]
    assert parse_periods("2026-10-12..2026-10-16", TODAY, "en") == [
        DateRange(date(2026, 10, 12), date(2026, 10, 16))
    ]


def test_none_clears_and_nonsense_is_refused() -> None:
    assert parse_periods("ingen", TODAY, "da") == []
    assert parse_periods("efterårsferien", TODAY, "da") is None
    assert parse_periods("12/10-16/10, noget", TODAY, "da") is None
    assert parse_periods("1/9-1/6", TODAY, "da") is None  # not a holiday: a whole year
