"""The default follow-up plan, one-off meetings and custom offsets."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from pydantic import ValidationError

from bot.scheduling.plan import (
    FollowupKind,
    FollowupPlan,
    PlannedFollowup,
    plan_followups,
    reminder_for,
)
from bot.scheduling.series import Meeting, series_meetings

from .clock import CPH, cph, wall

K = FollowupKind


def rows(planned: list[PlannedFollowup]) -> list[tuple[str, int, str, str | None]]:
    """Each follow-up as (kind, meeting, local due, local deadline)."""
    return [
        (
            f.kind.value if f.reminds is None else f"reminder:{f.reminds.value}",
            f.meeting_index,
            wall(f.due_utc),
            None if f.deadline_utc is None else wall(f.deadline_utc),
        )
        for f in planned
    ]


def test_default_plan_for_a_series_of_three() -> None:
    # Tuesdays 14:00-17:00 every four weeks; summer time ends on 26 October,
    # between the second and third meeting.
    meetings = series_meetings(datetime(2025, 9, 2, 14, 0), CPH, every_weeks=4, count=3)
    planned = plan_followups(meetings, FollowupPlan(), CPH)
    assert rows(planned) == [
        ("preparation", 0, "2025-08-28 14:00", "2025-09-02 14:00"),
        ("reminder:preparation", 0, "2025-08-30 14:00", "2025-09-02 14:00"),
        ("next_step", 0, "2025-09-02 17:00", "2025-09-30 14:00"),
        ("reminder:next_step", 0, "2025-09-04 17:00", "2025-09-30 14:00"),
        ("midpoint", 0, "2025-09-16 17:00", "2025-09-25 14:00"),
        ("reminder:midpoint", 0, "2025-09-18 17:00", "2025-09-25 14:00"),
        ("preparation", 1, "2025-09-25 14:00", "2025-09-30 14:00"),
        ("reminder:preparation", 1, "2025-09-27 14:00", "2025-09-30 14:00"),
        ("digest", 1, "2025-09-29 14:00", "2025-09-30 14:00"),
        ("next_step", 1, "2025-09-30 17:00", "2025-10-28 14:00"),
        ("reminder:next_step", 1, "2025-10-02 17:00", "2025-10-28 14:00"),
        ("midpoint", 1, "2025-10-14 17:00", "2025-10-23 14:00"),
        ("reminder:midpoint", 1, "2025-10-16 17:00", "2025-10-23 14:00"),
        ("preparation", 2, "2025-10-23 14:00", "2025-10-28 14:00"),
        ("reminder:preparation", 2, "2025-10-25 14:00", "2025-10-28 14:00"),
        ("digest", 2, "2025-10-27 14:00", "2025-10-28 14:00"),
        ("next_step", 2, "2025-10-28 17:00", None),
        ("reminder:next_step", 2, "2025-10-30 17:00", None),
        ("midpoint", 2, "2025-11-11 17:00", "2025-11-27 17:00"),
        ("reminder:midpoint", 2, "2025-11-13 17:00", "2025-11-27 17:00"),
        ("checkin", 2, "2025-11-27 17:00", None),
        ("reminder:checkin", 2, "2025-11-29 17:00", None),
    ]
    # The UTC hour shows summer time ended between the digest and the meeting.
    preparation, digest = planned[13], planned[15]
    assert (preparation.due_utc.hour, digest.due_utc.hour) == (12, 13)


def test_earliest_is_the_end_of_the_previous_meeting() -> None:
    meetings = series_meetings(datetime(2025, 9, 2, 14, 0), CPH, every_weeks=4, count=2)
    planned = plan_followups(meetings, FollowupPlan(), CPH)
    preparation = next(f for f in planned if f.kind is K.PREPARATION and f.meeting_index == 1)
    assert preparation.earliest_utc == meetings[0].end_utc
    first_preparation = next(f for f in planned if f.kind is K.PREPARATION)
    assert first_preparation.earliest_utc is None


def test_one_off_meeting() -> None:
    meeting = (cph(2025, 11, 18, 14), cph(2025, 11, 18, 17))
    assert rows(plan_followups([meeting], FollowupPlan(), CPH)) == [
        ("preparation", 0, "2025-11-13 14:00", "2025-11-18 14:00"),
        ("reminder:preparation", 0, "2025-11-15 14:00", "2025-11-18 14:00"),
        ("next_step", 0, "2025-11-18 17:00", None),
        ("reminder:next_step", 0, "2025-11-20 17:00", None),
        ("midpoint", 0, "2025-12-02 17:00", "2025-12-18 17:00"),
        ("reminder:midpoint", 0, "2025-12-04 17:00", "2025-12-18 17:00"),
        ("checkin", 0, "2025-12-18 17:00", None),
        ("reminder:checkin", 0, "2025-12-20 17:00", None),
    ]


def test_custom_offsets() -> None:
    plan = FollowupPlan(
        midpoint_days_after=21,
        preparation_days_before=7,
        digest_days_before=2,
        checkin_days_after_last=None,
        reminder_days_after=None,
        prepare_first_meeting=False,
    )
    meetings = series_meetings(datetime(2025, 9, 2, 9, 0), CPH, every_weeks=6, count=2)
    assert rows(plan_followups(meetings, plan, CPH)) == [
        ("next_step", 0, "2025-09-02 12:00", "2025-10-14 09:00"),
        ("midpoint", 0, "2025-09-23 12:00", "2025-10-07 09:00"),
        ("preparation", 1, "2025-10-07 09:00", "2025-10-14 09:00"),
        ("digest", 1, "2025-10-12 09:00", "2025-10-14 09:00"),
        ("next_step", 1, "2025-10-14 12:00", None),
        ("midpoint", 1, "2025-11-04 12:00", None),
    ]


def test_next_step_a_day_after_the_meeting() -> None:
    plan = FollowupPlan(next_step_days_after_end=1, reminder_days_after=None)
    meeting = Meeting(cph(2025, 11, 18, 14), cph(2025, 11, 18, 17))
    next_step = next(f for f in plan_followups([meeting], plan, CPH) if f.kind is K.NEXT_STEP)
    assert wall(next_step.due_utc) == "2025-11-19 17:00"


def test_midpoint_only_before_the_next_preparation() -> None:
    # Three weeks apart: mid-point (day 14) comes before preparation (day 16).
    three = series_meetings(datetime(2025, 9, 2, 14), CPH, every_weeks=3, count=2)
    assert any(
        f.kind is K.MIDPOINT and f.meeting_index == 0
        for f in plan_followups(three, FollowupPlan(), CPH)
    )
    # Two weeks apart: preparation (day 9) comes first, so no mid-point.
    two = series_meetings(datetime(2025, 9, 2, 14), CPH, every_weeks=2, count=2)
    assert not any(
        f.kind is K.MIDPOINT and f.meeting_index == 0
        for f in plan_followups(two, FollowupPlan(), CPH)
    )


def test_midpoint_without_preparation_is_bounded_by_the_next_meeting() -> None:
    plan = FollowupPlan(preparation_days_before=None, reminder_days_after=None)
    three = series_meetings(datetime(2025, 9, 2, 14), CPH, every_weeks=3, count=2)
    midpoints = [f for f in plan_followups(three, plan, CPH) if f.kind is K.MIDPOINT]
    assert rows(midpoints)[0] == ("midpoint", 0, "2025-09-16 17:00", "2025-09-23 14:00")
    two = series_meetings(datetime(2025, 9, 2, 14), CPH, every_weeks=2, count=2)
    midpoints = [f for f in plan_followups(two, plan, CPH) if f.kind is K.MIDPOINT]
    assert [f.meeting_index for f in midpoints] == [1]


def test_meetings_on_following_days_leave_no_room() -> None:
    # A two-day workshop: no preparation or digest between the days, and no
    # reminder for the first day's next step (it would come after day two).
    first = Meeting(cph(2025, 11, 18, 9), cph(2025, 11, 18, 15))
    second = Meeting(cph(2025, 11, 19, 9), cph(2025, 11, 19, 15))
    planned = plan_followups([first, second], FollowupPlan(), CPH)
    kinds_for_day_two = {(f.kind, f.reminds) for f in planned if f.meeting_index == 1}
    assert (K.PREPARATION, None) not in kinds_for_day_two
    assert (K.DIGEST, None) not in kinds_for_day_two
    assert not any(f.reminds is K.NEXT_STEP and f.meeting_index == 0 for f in planned)
    assert all(f.deadline_utc is None or f.due_utc < f.deadline_utc for f in planned), (
        "nothing is planned after its deadline"
    )


def test_reminder_counts_from_when_the_prompt_was_sent() -> None:
    prompt = PlannedFollowup(
        K.MIDPOINT, 0, cph(2025, 11, 22, 10), cph(2025, 12, 1, 14), cph(2025, 11, 18, 17)
    )
    sent_monday = cph(2025, 11, 24, 7, 30)
    reminder = reminder_for(prompt, FollowupPlan(), CPH, sent_utc=sent_monday)
    assert reminder is not None
    assert (reminder.kind, reminder.reminds) == (K.REMINDER, K.MIDPOINT)
    assert wall(reminder.due_utc) == "2025-11-26 07:30"
    assert reminder.earliest_utc == sent_monday
    assert reminder.deadline_utc == prompt.deadline_utc


def test_no_reminder_for_the_digest_or_after_the_deadline() -> None:
    digest = PlannedFollowup(K.DIGEST, 1, cph(2025, 11, 17, 14), cph(2025, 11, 18, 14))
    assert reminder_for(digest, FollowupPlan(), CPH) is None
    late = PlannedFollowup(K.PREPARATION, 1, cph(2025, 11, 17, 14), cph(2025, 11, 18, 14))
    assert reminder_for(late, FollowupPlan(), CPH) is None
    no_reminders = FollowupPlan(reminder_days_after=None)
    early = PlannedFollowup(K.PREPARATION, 1, cph(2025, 11, 10, 14), cph(2025, 11, 18, 14))
    assert reminder_for(early, no_reminders, CPH) is None


def test_plan_is_validated_and_frozen() -> None:
    with pytest.raises(ValidationError):
        FollowupPlan(midpoint_days_after=-1)
    with pytest.raises(ValidationError):
        FollowupPlan(preparation_days_before=0)
    with pytest.raises(ValidationError):
        FollowupPlan.model_validate({"midpoint_days": 14})
    plan = FollowupPlan()
    with pytest.raises(ValidationError):
        plan.midpoint_days_after = 7  # type: ignore[misc]
    assert FollowupPlan.model_validate_json(plan.model_dump_json()) == plan


def test_meetings_out_of_order_or_overlapping_are_refused() -> None:
    first = (cph(2025, 11, 18, 14), cph(2025, 11, 18, 17))
    overlapping = (cph(2025, 11, 18, 16), cph(2025, 11, 18, 19))
    with pytest.raises(ValueError, match="time order"):
        plan_followups([first, overlapping], FollowupPlan(), CPH)
    with pytest.raises(ValueError, match="time order"):
        plan_followups([(cph(2025, 12, 2, 14), cph(2025, 12, 2, 17)), first], FollowupPlan(), CPH)


def test_no_meetings_no_followups() -> None:
    assert plan_followups([], FollowupPlan(), CPH) == []


def test_result_is_sorted_by_due_time() -> None:
    meetings = series_meetings(datetime(2025, 1, 7, 14), CPH, every_weeks=5, count=6)
    planned = plan_followups(meetings, FollowupPlan(), CPH)
    dues = [f.due_utc for f in planned]
    assert dues == sorted(dues)
    assert planned[-1].kind is K.REMINDER
    assert planned[-1].due_utc - meetings[-1].end_utc == timedelta(days=32)
