"""Wall-clock conversions around the summer-time changes in Copenhagen."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.scheduling.zones import require_aware, shift_local_days, to_utc

from .clock import CPH, cph, wall


def test_naive_wall_time_is_read_in_the_zone() -> None:
    assert to_utc(datetime(2025, 1, 7, 14, 0), CPH) == datetime(2025, 1, 7, 13, 0, tzinfo=UTC)
    assert to_utc(datetime(2025, 7, 7, 14, 0), CPH) == datetime(2025, 7, 7, 12, 0, tzinfo=UTC)


def test_skipped_hour_moves_forward() -> None:
    # 30 March 2025: clocks jump from 02:00 to 03:00, so 02:30 does not exist.
    assert wall(to_utc(datetime(2025, 3, 30, 2, 30), CPH)) == "2025-03-30 03:30"


def test_repeated_hour_means_the_first() -> None:
    # 26 October 2025: 02:30 happens twice; the first is still summer time.
    assert to_utc(datetime(2025, 10, 26, 2, 30), CPH) == datetime(2025, 10, 26, 0, 30, tzinfo=UTC)


def test_shifting_days_keeps_wall_time_across_both_changes() -> None:
    assert wall(shift_local_days(cph(2025, 3, 25, 14), CPH, 14)) == "2025-04-08 14:00"
    assert wall(shift_local_days(cph(2025, 10, 20, 17), CPH, 14)) == "2025-11-03 17:00"
    assert wall(shift_local_days(cph(2025, 11, 3, 17), CPH, -14)) == "2025-10-20 17:00"


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        require_aware(datetime(2025, 1, 1), "start")
