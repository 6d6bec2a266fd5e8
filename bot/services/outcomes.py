"""What a finished run leaves behind, stored the same way for private and group sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.state import NextStep
from storage.enums import FollowupKind, NextStepStatus
from storage.models import DialogueSession
from storage.models import NextStep as StoredStep
from storage.repositories import dialogues, followups, next_steps

STATUS_STEP = "status"  # the follow-up's question about how the quoted step went


async def save_next_step(
    session: AsyncSession,
    *,
    row: DialogueSession,
    step: NextStep,
    person_id: int,
    now: datetime,
) -> None:
    """A next step from a run becomes a next-step record of its author, tied to the run.

    In a follow-up about the meeting the person's last step came from, the new step adjusts
    that one: it takes its place (and is open again) instead of joining as one more.
    """
    due = date.fromisoformat(step.due) if step.due else None
    adjusted = await _adjusted(session, row, person_id)
    if adjusted is not None:
        adjusted.what, adjusted.due, adjusted.how_shared = step.what, due, step.reach
        adjusted.visibility = step.visibility.value
        await next_steps.set_status(session, adjusted, NextStepStatus.open, now, "adjusted")
        return
    await next_steps.create(
        session,
        person_id=person_id,
        what=step.what,
        due=due,
        how_shared=step.reach,
        visibility=step.visibility.value,
        now=now,
        group_id=row.group_id,
        session_id=row.id,
        meeting_id=row.meeting_id,
    )


async def _adjusted(
    session: AsyncSession, row: DialogueSession, person_id: int
) -> StoredStep | None:
    """The step a follow-up run quoted, when the run follows up on the meeting it came from
    (the mid-point, the check-in) and the step is not done: a step agreed then changes it."""
    if row.followup_id is None or row.meeting_id is None or row.person_id != person_id:
        return None
    followup = await followups.get(session, row.followup_id)
    if followup is None or followup.kind == FollowupKind.next_step:
        return None  # the round after a meeting asks for a new step, not a change
    said = {a.step_id: a.value for a in await dialogues.answers_of_session(session, row.id)}
    if said.get(STATUS_STEP) == NextStepStatus.done.value:
        return None  # a step that is done is followed by a new one, not adjusted
    quoted = await followups.latest_step(
        session, person_id, [row.group_id] if row.group_id else [], before=row.started_at
    )
    return quoted if quoted is not None and quoted.meeting_id == row.meeting_id else None
