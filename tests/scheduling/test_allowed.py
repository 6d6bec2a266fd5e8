"""Quiet hours, weekends, holidays, closed periods and the deadline rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.allowed import (
    AllowedTimes,
    DateRange,
    is_allowed,
    is_danish_public_holiday,
    next_allowed,
)

from .clock import CPH, cph, wall

DEFAULT = AllowedTimes()
EVERY_DAY = AllowedTimes(skip_weekends=False, skip_public_holidays=False)


@pytest.mark.parametrize(
    ("planned", "expected"),
    [
        # Tuesday 18 November 2025, inside allowed hours: unchanged.
        ((2025, 11, 18, 10, 0), "2025-11-18 10:00"),
        # Evening quiet hours move to the next morning.
        ((2025, 11, 18, 21, 0), "2025-11-19 07:30"),
        ((2025, 11, 18, 20, 0), "2025-11-19 07:30"),
        ((2025, 11, 18, 19, 59), "2025-11-18 19:59"),
        # Early morning waits until quiet hours end the same day.
        ((2025, 11, 18, 6, 0), "2025-11-18 07:30"),
        ((2025, 11, 18, 7, 30), "2025-11-18 07:30"),
        # Friday evening and the weekend go to Monday morning.
        ((2025, 11, 21, 21, 0), "2025-11-24 07:30"),
        ((2025, 11, 22, 12, 0), "2025-11-24 07:30"),
        ((2025, 11, 23, 23, 59), "2025-11-24 07:30"),
    ],
)
def test_default_policy(planned: tuple[int, ...], expected: str) -> None:
    assert wall(next_allowed(cph(*planned), CPH, DEFAULT)) == expected


def test_weekend_allowed_when_policy_says_so() -> None:
    assert wall(next_allowed(cph(2025, 11, 22, 6, 0), CPH, EVERY_DAY)) == "2025-11-22 07:30"


def test_ascension_day_is_skipped() -> None:
    # Kristi Himmelfartsdag, Thursday 29 May 2025.
    assert is_danish_public_holiday(date(2025, 5, 29))
    assert not is_allowed(cph(2025, 5, 29, 10), CPH, DEFAULT)
    assert wall(next_allowed(cph(2025, 5, 29, 10), CPH, DEFAULT)) == "2025-05-30 07:30"
    no_holidays = AllowedTimes(skip_public_holidays=False)
    assert wall(next_allowed(cph(2025, 5, 29, 10), CPH, no_holidays)) == "2025-05-29 10:00"


def test_store_bededag_is_a_holiday_only_until_2023() -> None:
    assert is_danish_public_holiday(date(2023, 5, 5))
    assert not is_danish_public_holiday(date(2024, 4, 26))
    assert is_allowed(cph(2024, 4, 26, 10), CPH, DEFAULT)


def test_easter_holidays_are_skipped_together() -> None:
    # Wednesday evening before Maundy Thursday 2025: next open day is the
    # Tuesday after Easter Monday.
    assert wall(next_allowed(cph(2025, 4, 16, 21), CPH, DEFAULT)) == "2025-04-22 07:30"


def test_school_holiday_defers_to_the_day_after() -> None:
    autumn = DateRange(date(2025, 10, 11), date(2025, 10, 19))
    policy = AllowedTimes(extra_closed=(autumn,))
    assert wall(next_allowed(cph(2025, 10, 10, 20, 30), CPH, policy)) == "2025-10-20 07:30"
    assert wall(next_allowed(cph(2025, 10, 15, 12), CPH, policy)) == "2025-10-20 07:30"
    assert wall(next_allowed(cph(2025, 10, 10, 12), CPH, policy)) == "2025-10-10 12:00"


def test_date_range_includes_both_ends() -> None:
    closed = DateRange(date(2025, 12, 20), date(2026, 1, 4))
    assert date(2025, 12, 20) in closed
    assert date(2026, 1, 4) in closed
    assert date(2026, 1, 5) not in closed
    with pytest.raises(ValueError, match="before it starts"):
        DateRange(date(2026, 1, 4), date(2025, 12, 20))


def test_each_person_gets_their_own_local_hours() -> None:
    moment = datetime(2025, 11, 18, 12, 0, tzinfo=UTC)  # 13:00 in Copenhagen
    new_york = ZoneInfo("America/New_York")  # 07:00 there
    tokyo = ZoneInfo("Asia/Tokyo")  # 21:00 there
    assert next_allowed(moment, CPH, DEFAULT) == moment
    assert wall(next_allowed(moment, new_york, DEFAULT), new_york) == "2025-11-18 07:30"
    assert wall(next_allowed(moment, tokyo, DEFAULT), tokyo) == "2025-11-19 07:30"


def test_deferral_across_the_spring_night() -> None:
    # Saturday 29 March 2025, 22:00 CET; clocks go forward in the night.
    result = next_allowed(cph(2025, 3, 29, 22), CPH, EVERY_DAY)
    assert result == datetime(2025, 3, 30, 5, 30, tzinfo=UTC)
    assert wall(result) == "2025-03-30 07:30"


def test_deferral_across_the_autumn_night() -> None:
    # Saturday 25 October 2025, 22:00 CEST; clocks go back in the night.
    result = next_allowed(cph(2025, 10, 25, 22), CPH, EVERY_DAY)
    assert result == datetime(2025, 10, 26, 6, 30, tzinfo=UTC)
    assert wall(result) == "2025-10-26 07:30"


def test_quiet_hours_inside_the_day_and_none() -> None:
    lunch = AllowedTimes(quiet_start=time(12), quiet_end=time(13), skip_weekends=False)
    assert wall(next_allowed(cph(2025, 11, 18, 12, 15), CPH, lunch)) == "2025-11-18 13:00"
    assert wall(next_allowed(cph(2025, 11, 18, 23, 0), CPH, lunch)) == "2025-11-18 23:00"
    never_quiet = AllowedTimes(quiet_start=time(0), quiet_end=time(0))
    assert wall(next_allowed(cph(2025, 11, 18, 3, 0), CPH, never_quiet)) == "2025-11-18 03:00"


def test_deadline_does_not_bind_when_there_is_room() -> None:
    # Digest due Sunday before a Monday 10:00 meeting: Monday 07:30 is in time.
    meeting = cph(2025, 11, 24, 10)
    assert wall(next_allowed(cph(2025, 11, 23, 10), CPH, DEFAULT, meeting)) == "2025-11-24 07:30"


def test_deadline_pulls_to_last_allowed_moment_before() -> None:
    # Meeting Monday 07:00: Monday 07:30 is too late, so Friday 19:59.
    meeting = cph(2025, 11, 24, 7)
    result = next_allowed(cph(2025, 11, 23, 7), CPH, DEFAULT, meeting)
    assert wall(result) == "2025-11-21 19:59"
    assert is_allowed(result, CPH, DEFAULT)


def test_deadline_inside_allowed_hours_gives_the_minute_before() -> None:
    meeting = cph(2025, 11, 18, 10)
    assert wall(next_allowed(cph(2025, 11, 18, 11), CPH, DEFAULT, meeting)) == "2025-11-18 09:59"


def test_deadline_falls_back_to_quiet_hours_only() -> None:
    # Nothing allowed between Saturday and the Monday 07:00 meeting, so the
    # weekend is used, but not its quiet hours.
    meeting = cph(2025, 11, 24, 7)
    result = next_allowed(cph(2025, 11, 23, 7), CPH, DEFAULT, meeting, cph(2025, 11, 22))
    assert wall(result) == "2025-11-23 19:59"


def test_deadline_with_no_room_at_all_leaves_the_moment() -> None:
    meeting = cph(2025, 11, 24, 7)
    planned = cph(2025, 11, 24, 6)
    assert next_allowed(planned, CPH, DEFAULT, meeting, cph(2025, 11, 24, 0)) == planned


def test_school_holiday_before_early_meeting() -> None:
    autumn = DateRange(date(2025, 10, 11), date(2025, 10, 19))
    policy = AllowedTimes(extra_closed=(autumn,))
    meeting = cph(2025, 10, 20, 7)
    result = next_allowed(cph(2025, 10, 15, 7), CPH, policy, meeting)
    assert wall(result) == "2025-10-10 19:59"


def test_naive_moment_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_allowed(datetime(2025, 11, 18, 10), CPH, DEFAULT)


ZONES = st.sampled_from(
    [CPH, ZoneInfo("UTC"), ZoneInfo("America/New_York"), ZoneInfo("Australia/Sydney")]
)
MOMENTS = st.datetimes(
    min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
)
POLICIES = st.builds(
    AllowedTimes,
    quiet_start=st.times(),
    quiet_end=st.times(),
    skip_weekends=st.booleans(),
    skip_public_holidays=st.booleans(),
)


@settings(deadline=None, max_examples=150)
@given(moment=MOMENTS, tz=ZONES, policy=POLICIES)
def test_result_is_allowed_and_never_earlier(
    moment: datetime, tz: ZoneInfo, policy: AllowedTimes
) -> None:
    result = next_allowed(moment, tz, policy)
    assert result >= moment
    assert is_allowed(result, tz, policy)
    # Nothing allowed was skipped: the minute before was not allowed, unless
    # the result is the moment itself.
    if result > moment:
        assert not is_allowed(max(moment, result - timedelta(minutes=1)), tz, policy)


@settings(deadline=None, max_examples=150)
@given(
    moment=MOMENTS,
    tz=ZONES,
    policy=POLICIES,
    until_deadline=st.timedeltas(min_value=timedelta(hours=1), max_value=timedelta(days=20)),
    lookback=st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=20)),
)
def test_deadline_is_respected(
    moment: datetime,
    tz: ZoneInfo,
    policy: AllowedTimes,
    until_deadline: timedelta,
    lookback: timedelta,
) -> None:
    deadline = moment + until_deadline
    earliest = moment - lookback
    result = next_allowed(moment, tz, policy, deadline, earliest)
    if result != moment:
        assert earliest <= result < deadline
        assert is_allowed(result, tz, policy.quiet_hours_only())
    else:
        assert is_allowed(moment, tz, policy) or not any(
            is_allowed(earliest + timedelta(minutes=m), tz, policy.quiet_hours_only())
            for m in range(0, int((deadline - earliest).total_seconds() // 60) - 1, 30)
        )


@pytest.mark.parametrize(
    ("at", "quiet"),
    [
        (time(19, 59), False),
        (time(20, 0), True),
        (time(0, 0), True),
        (time(7, 29), True),
        (time(7, 30), False),
        (time(12, 0), False),
    ],
)
def test_is_quiet_with_default_hours(at: time, quiet: bool) -> None:
    assert DEFAULT.is_quiet(at) is quiet
    # On an open day, allowed is exactly "not quiet".
    assert is_allowed(cph(2025, 11, 18, at.hour, at.minute), CPH, DEFAULT) is not quiet


def test_is_open_day() -> None:
    autumn = DateRange(date(2025, 10, 11), date(2025, 10, 19))
    policy = AllowedTimes(extra_closed=(autumn,))
    assert policy.is_open_day(date(2025, 10, 10))
    assert not policy.is_open_day(date(2025, 10, 13))  # Monday in the autumn holiday
    assert not policy.is_open_day(date(2025, 10, 25))  # Saturday
    assert not policy.is_open_day(date(2025, 12, 25))  # Christmas Day
    assert policy.quiet_hours_only().is_open_day(date(2025, 10, 13))
