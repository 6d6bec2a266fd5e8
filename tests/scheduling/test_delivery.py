"""Pauses and snoozes on top of allowed times."""

from __future__ import annotations

from datetime import date

import pytest

from bot.scheduling.allowed import AllowedTimes
from bot.scheduling.delivery import (
    SNOOZE_DAY,
    SNOOZE_WEEK,
    delivery_time,
    is_paused,
    pause_ends,
    snooze,
)

from .clock import CPH, cph, wall

DEFAULT = AllowedTimes()


def test_no_pause_is_just_the_allowed_time() -> None:
    result = delivery_time(cph(2025, 11, 22, 10), CPH, DEFAULT)
    assert result is not None
    assert wall(result) == "2025-11-24 07:30"


def test_pause_over_christmas_holds_until_the_chosen_date() -> None:
    # Paused until Monday 5 January 2026.
    result = delivery_time(cph(2025, 12, 22, 10), CPH, DEFAULT, paused_until=date(2026, 1, 5))
    assert result is not None
    assert wall(result) == "2026-01-05 07:30"


def test_pause_that_has_ended_changes_nothing() -> None:
    planned = cph(2026, 1, 6, 10)
    assert delivery_time(planned, CPH, DEFAULT, paused_until=date(2026, 1, 5)) == planned


def test_pause_past_the_meeting_skips_the_followup() -> None:
    result = delivery_time(
        cph(2025, 12, 22, 10),
        CPH,
        DEFAULT,
        deadline_utc=cph(2026, 1, 2, 14),
        paused_until=date(2026, 1, 5),
    )
    assert result is None


def test_deferral_never_pulls_back_into_the_pause() -> None:
    # Paused until Saturday; meeting Monday 07:00. Without the pause the
    # message would go Friday 19:59; with it the weekend evening is used.
    result = delivery_time(
        cph(2025, 11, 20, 7),
        CPH,
        DEFAULT,
        deadline_utc=cph(2025, 11, 24, 7),
        paused_until=date(2025, 11, 22),
    )
    assert result is not None
    assert wall(result) == "2025-11-23 19:59"


def test_is_paused_and_pause_ends() -> None:
    assert wall(pause_ends(date(2026, 1, 5), CPH)) == "2026-01-05 00:00"
    assert is_paused(cph(2026, 1, 4, 23, 59), CPH, date(2026, 1, 5))
    assert not is_paused(cph(2026, 1, 5), CPH, date(2026, 1, 5))
    assert not is_paused(cph(2026, 1, 4), CPH, None)


@pytest.mark.parametrize(
    ("now", "days", "expected"),
    [
        ((2025, 11, 18, 10, 0), SNOOZE_DAY, "2025-11-19 10:00"),
        ((2025, 11, 18, 10, 0), SNOOZE_WEEK, "2025-11-25 10:00"),
        # A day after Friday is Saturday, so Monday morning.
        ((2025, 11, 21, 10, 0), SNOOZE_DAY, "2025-11-24 07:30"),
        # Snoozed at 21:00 (someone reading late): the next day's morning.
        ((2025, 11, 18, 21, 0), SNOOZE_DAY, "2025-11-20 07:30"),
    ],
)
def test_snooze(now: tuple[int, ...], days: int, expected: str) -> None:
    result = snooze(cph(*now), CPH, days, DEFAULT)
    assert result is not None
    assert wall(result) == expected


def test_snooze_stops_before_the_meeting() -> None:
    result = snooze(
        cph(2025, 11, 18, 10), CPH, SNOOZE_WEEK, DEFAULT, deadline_utc=cph(2025, 11, 20, 14)
    )
    assert result is not None
    assert wall(result) == "2025-11-20 13:59"


def test_snooze_with_no_time_left_lapses() -> None:
    now = cph(2025, 11, 20, 13, 59)
    assert snooze(now, CPH, SNOOZE_DAY, DEFAULT, deadline_utc=cph(2025, 11, 20, 14)) is None


def test_snooze_needs_at_least_a_day() -> None:
    with pytest.raises(ValueError, match="at least one day"):
        snooze(cph(2025, 11, 18, 10), CPH, 0, DEFAULT)
