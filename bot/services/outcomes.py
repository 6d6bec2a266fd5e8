"""What a finished run leaves behind, stored the same way for private and group sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.state import NextStep
from storage.models import DialogueSession
from storage.repositories import next_steps


async def save_next_step(
    session: AsyncSession,
    *,
    row: DialogueSession,
    step: NextStep,
    person_id: int,
    now: datetime,
) -> None:
    """A next step from a run becomes a next-step record of its author, tied to the run."""
    await next_steps.create(
        session,
        person_id=person_id,
        what=step.what,
        due=date.fromisoformat(step.due) if step.due else None,
        how_shared=step.reach,
        visibility=step.visibility.value,
        now=now,
        group_id=row.group_id,
        session_id=row.id,
        meeting_id=row.meeting_id,
    )
