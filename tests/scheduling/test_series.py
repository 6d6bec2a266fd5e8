"""Meeting series keep their local wall time across summer-time changes."""

from __future__ import annotations

import itertools
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.series import (
    DEFAULT_MEETING_DURATION,
    MAX_SERIES_COUNT,
    Meeting,
    meeting_end,
    occurrences,
    series_meetings,
)

from .clock import CPH, wall


def test_series_across_the_last_sunday_of_march_keeps_14_00() -> None:
    starts = occurrences(datetime(2025, 3, 4, 14, 0), CPH, every_weeks=4, count=3)
    assert [wall(s) for s in starts] == ["2025-03-04 14:00", "2025-04-01 14:00", "2025-04-29 14:00"]
    # Winter time is UTC+1, summer time UTC+2.
    assert [s.hour for s in starts] == [13, 12, 12]
    assert all(s.tzinfo is UTC for s in starts)


def test_series_across_the_last_sunday_of_october_keeps_14_00() -> None:
    starts = occurrences(datetime(2025, 10, 7, 14, 0), CPH, every_weeks=4, count=2)
    assert [wall(s) for s in starts] == ["2025-10-07 14:00", "2025-11-04 14:00"]
    assert [s.hour for s in starts] == [12, 13]


def test_aware_first_start_is_read_in_the_zone() -> None:
    first = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)  # 14:00 in Copenhagen
    starts = occurrences(first, CPH, every_weeks=6, count=2)
    assert [wall(s) for s in starts] == ["2025-03-04 14:00", "2025-04-15 14:00"]


def test_skip_one_date() -> None:
    starts = occurrences(
        datetime(2025, 3, 4, 14, 0), CPH, every_weeks=4, count=3, skip={date(2025, 4, 1)}
    )
    assert [wall(s) for s in starts] == ["2025-03-04 14:00", "2025-04-29 14:00"]


def test_move_one_meeting() -> None:
    starts = occurrences(
        datetime(2025, 3, 4, 14, 0),
        CPH,
        every_weeks=4,
        count=3,
        moved={date(2025, 4, 1): datetime(2025, 4, 2, 9, 0)},
    )
    assert [wall(s) for s in starts] == ["2025-03-04 14:00", "2025-04-02 09:00", "2025-04-29 14:00"]


def test_moved_meeting_past_the_next_is_kept_in_time_order() -> None:
    starts = occurrences(
        datetime(2025, 3, 4, 14, 0),
        CPH,
        every_weeks=1,
        count=3,
        moved={date(2025, 3, 4): datetime(2025, 3, 12, 9, 0)},
    )
    assert [wall(s) for s in starts] == ["2025-03-11 14:00", "2025-03-12 09:00", "2025-03-18 14:00"]


def test_unknown_dates_are_refused() -> None:
    with pytest.raises(ValueError, match="2025-04-02"):
        occurrences(datetime(2025, 3, 4, 14), CPH, 4, 3, skip={date(2025, 4, 2)})
    with pytest.raises(ValueError, match="2025-04-03"):
        occurrences(
            datetime(2025, 3, 4, 14),
            CPH,
            4,
            3,
            moved={date(2025, 4, 3): datetime(2025, 4, 4, 9)},
        )


@pytest.mark.parametrize(("every_weeks", "count"), [(0, 3), (4, 0), (4, MAX_SERIES_COUNT + 1)])
def test_impossible_series_are_refused(every_weeks: int, count: int) -> None:
    with pytest.raises(ValueError, match="series"):
        occurrences(datetime(2025, 3, 4, 14), CPH, every_weeks, count)


def test_meetings_last_three_hours_by_default() -> None:
    meetings = series_meetings(datetime(2025, 3, 4, 14, 0), CPH, every_weeks=4, count=2)
    assert [(wall(m.start_utc), wall(m.end_utc)) for m in meetings] == [
        ("2025-03-04 14:00", "2025-03-04 17:00"),
        ("2025-04-01 14:00", "2025-04-01 17:00"),
    ]
    assert timedelta(hours=3) == DEFAULT_MEETING_DURATION


def test_custom_duration() -> None:
    meetings = series_meetings(
        datetime(2025, 3, 4, 9, 0), CPH, every_weeks=4, count=1, duration=timedelta(hours=6)
    )
    assert wall(meetings[0].end_utc) == "2025-03-04 15:00"


def test_meeting_end_and_meeting_checks() -> None:
    start = datetime(2025, 3, 4, 13, 0, tzinfo=UTC)
    assert meeting_end(start) == datetime(2025, 3, 4, 16, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="positive"):
        meeting_end(start, timedelta(0))
    with pytest.raises(ValueError, match="end after"):
        Meeting(start, start)
    with pytest.raises(ValueError, match="timezone-aware"):
        Meeting(datetime(2025, 3, 4, 13), datetime(2025, 3, 4, 16))


@settings(deadline=None, max_examples=100)
@given(
    first=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2028, 12, 31)).map(
        lambda d: d.replace(second=0, microsecond=0, hour=d.hour % 12 + 8)
    ),
    every_weeks=st.integers(min_value=1, max_value=8),
    count=st.integers(min_value=1, max_value=20),
)
def test_every_meeting_has_the_same_weekday_and_wall_time(
    first: datetime, every_weeks: int, count: int
) -> None:
    starts = occurrences(first, CPH, every_weeks, count)
    assert len(starts) == count
    locals_ = [s.astimezone(CPH) for s in starts]
    assert {(m.weekday(), m.hour, m.minute) for m in locals_} == {
        (first.weekday(), first.hour, first.minute)
    }
    for before, after in itertools.pairwise(locals_):
        assert (after.date() - before.date()).days == 7 * every_weeks
