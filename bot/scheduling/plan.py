"""The follow-up plan around network meetings.

Between two meetings the loop is: a next-step prompt when a meeting ends, a
mid-point check some days later, preparation a few days before the next
meeting, and a digest for the facilitator the day before it; a check-in comes
some weeks after the last meeting. A reminder nudges, once, whoever has not
answered a prompt. All offsets are whole days of local calendar time, so a
follow-up keeps its wall-clock time across summer-time changes.

The times planned here are nominal: each recipient's quiet hours and closed
days are applied later (see :mod:`bot.scheduling.delivery`).
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, NonNegativeInt, PositiveInt

from bot.scheduling.series import Meeting
from bot.scheduling.zones import shift_local_days

__all__ = [
    "ANSWERED_KINDS",
    "FollowupKind",
    "FollowupPlan",
    "PlannedFollowup",
    "plan_followups",
    "reminder_for",
]


class FollowupKind(StrEnum):
    """What a planned message is for."""

    NEXT_STEP = "next_step"
    MIDPOINT = "midpoint"
    PREPARATION = "preparation"
    DIGEST = "digest"
    CHECKIN = "checkin"
    REMINDER = "reminder"


# Prompts that ask a participant for an answer and so may be followed by a
# reminder. The digest only informs the facilitator.
ANSWERED_KINDS = frozenset(
    {FollowupKind.NEXT_STEP, FollowupKind.MIDPOINT, FollowupKind.PREPARATION, FollowupKind.CHECKIN}
)

# Order among follow-ups due at the same moment: the prompt before its reminder.
_KIND_ORDER = {kind: position for position, kind in enumerate(FollowupKind)}


class FollowupPlan(BaseModel):
    """Offsets in days that a facilitator may change; ``None`` switches one off."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    next_step_days_after_end: NonNegativeInt | None = 0
    midpoint_days_after: PositiveInt | None = 14
    preparation_days_before: PositiveInt | None = 5
    digest_days_before: PositiveInt | None = 1
    checkin_days_after_last: PositiveInt | None = 30
    reminder_days_after: PositiveInt | None = 2
    prepare_first_meeting: bool = True


@dataclass(frozen=True, slots=True)
class PlannedFollowup:
    """One planned message.

    ``meeting_index`` is the meeting it belongs to: the meeting just held for a
    next step, mid-point check, check-in and their reminders; the coming
    meeting for preparation and the digest. ``deadline_utc`` is the moment the
    message must arrive before (``None``: no deadline) and ``earliest_utc`` the
    moment it must not be pulled before when it is deferred.
    """

    kind: FollowupKind
    meeting_index: int
    due_utc: datetime
    deadline_utc: datetime | None
    earliest_utc: datetime | None = None
    reminds: FollowupKind | None = None


def _as_meetings(meetings: Sequence[Meeting | tuple[datetime, datetime]]) -> list[Meeting]:
    result = [m if isinstance(m, Meeting) else Meeting(m[0], m[1]) for m in meetings]
    for before, after in itertools.pairwise(result):
        if after.start_utc < before.end_utc:
            raise ValueError("meetings must be in time order and must not overlap")
    return result


def reminder_for(
    followup: PlannedFollowup,
    plan: FollowupPlan,
    tz: ZoneInfo,
    sent_utc: datetime | None = None,
) -> PlannedFollowup | None:
    """Plan the one gentle reminder for a prompt, or ``None`` when there is none.

    The reminder comes ``plan.reminder_days_after`` days after the prompt was
    sent (``sent_utc``, or its planned time when not yet known) and only when
    it still falls before the prompt's deadline.
    """
    if plan.reminder_days_after is None or followup.kind not in ANSWERED_KINDS:
        return None
    sent = followup.due_utc if sent_utc is None else sent_utc
    due = shift_local_days(sent, tz, plan.reminder_days_after)
    if followup.deadline_utc is not None and due >= followup.deadline_utc:
        return None
    return PlannedFollowup(
        FollowupKind.REMINDER,
        followup.meeting_index,
        due,
        followup.deadline_utc,
        earliest_utc=sent,
        reminds=followup.kind,
    )


def _preparations(
    meetings: list[Meeting], plan: FollowupPlan, tz: ZoneInfo
) -> dict[int, PlannedFollowup]:
    """Preparation prompts by the index of the meeting they prepare for."""
    if plan.preparation_days_before is None:
        return {}
    planned: dict[int, PlannedFollowup] = {}
    for index, meeting in enumerate(meetings):
        if index == 0 and not plan.prepare_first_meeting:
            continue
        due = shift_local_days(meeting.start_utc, tz, -plan.preparation_days_before)
        earliest = meetings[index - 1].end_utc if index > 0 else None
        # Meetings closer together than the offset leave no room: the next-step
        # prompt of the previous meeting already covers the time between.
        if earliest is not None and due < earliest:
            continue
        planned[index] = PlannedFollowup(
            FollowupKind.PREPARATION, index, due, meeting.start_utc, earliest
        )
    return planned


def _digest(
    index: int, meetings: list[Meeting], plan: FollowupPlan, tz: ZoneInfo
) -> PlannedFollowup | None:
    # The first meeting has nothing to open with; later ones open with what
    # people did since the previous meeting.
    if plan.digest_days_before is None or index == 0:
        return None
    meeting, previous = meetings[index], meetings[index - 1]
    due = shift_local_days(meeting.start_utc, tz, -plan.digest_days_before)
    if due < previous.end_utc:
        return None
    return PlannedFollowup(FollowupKind.DIGEST, index, due, meeting.start_utc, previous.end_utc)


def _after_meeting(
    index: int,
    meetings: list[Meeting],
    plan: FollowupPlan,
    tz: ZoneInfo,
    preparations: dict[int, PlannedFollowup],
) -> list[PlannedFollowup]:
    """The next step, mid-point check and (after the last meeting) check-in."""
    meeting = meetings[index]
    following = meetings[index + 1] if index + 1 < len(meetings) else None
    next_start = following.start_utc if following is not None else None
    planned: list[PlannedFollowup] = []

    if plan.next_step_days_after_end is not None:
        due = shift_local_days(meeting.end_utc, tz, plan.next_step_days_after_end)
        if next_start is None or due < next_start:
            planned.append(
                PlannedFollowup(FollowupKind.NEXT_STEP, index, due, next_start, meeting.end_utc)
            )

    checkin: PlannedFollowup | None = None
    if following is None and plan.checkin_days_after_last is not None:
        due = shift_local_days(meeting.end_utc, tz, plan.checkin_days_after_last)
        checkin = PlannedFollowup(FollowupKind.CHECKIN, index, due, None, meeting.end_utc)

    if plan.midpoint_days_after is not None:
        due = shift_local_days(meeting.end_utc, tz, plan.midpoint_days_after)
        # The mid-point check must come before whatever follows it: the next
        # meeting's preparation, else the next meeting, else the check-in.
        preparation = preparations.get(index + 1)
        if preparation is not None:
            limit: datetime | None = preparation.due_utc
        elif next_start is not None:
            limit = next_start
        else:
            limit = checkin.due_utc if checkin is not None else None
        if limit is None or due < limit:
            planned.append(
                PlannedFollowup(FollowupKind.MIDPOINT, index, due, limit, meeting.end_utc)
            )

    if checkin is not None:
        planned.append(checkin)
    return planned


def plan_followups(
    meetings: Sequence[Meeting | tuple[datetime, datetime]],
    plan: FollowupPlan,
    tz: ZoneInfo,
) -> list[PlannedFollowup]:
    """Plan every follow-up and reminder for meetings given in time order.

    ``meetings`` are (start, end) pairs or :class:`Meeting` objects, aware,
    in time order and not overlapping; ``tz`` is the group's time zone, used
    for day arithmetic. The result is sorted by due time.
    """
    ordered = _as_meetings(meetings)
    preparations = _preparations(ordered, plan, tz)
    prompts: list[PlannedFollowup] = list(preparations.values())
    for index in range(len(ordered)):
        digest = _digest(index, ordered, plan, tz)
        if digest is not None:
            prompts.append(digest)
        prompts.extend(_after_meeting(index, ordered, plan, tz, preparations))

    reminders = [r for p in prompts if (r := reminder_for(p, plan, tz)) is not None]
    return sorted(prompts + reminders, key=lambda f: (f.due_utc, _KIND_ORDER[f.kind]))
