"""A person's next steps: list the open ones and mark how they went."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.errors import NotFound
from storage.enums import NextStepStatus
from storage.models import NextStep, Person
from storage.repositories import next_steps

# The order of the buttons under each next step.
STATUS_CHOICES = (
    NextStepStatus.done,
    NextStepStatus.partly,
    NextStepStatus.not_yet,
    NextStepStatus.dropped,
)


async def open_steps(session: AsyncSession, person: Person) -> Sequence[NextStep]:
    return await next_steps.open_for(session, person.id)


async def own(session: AsyncSession, person: Person, next_step_id: int) -> NextStep:
    """One of the person's own next steps; someone else's is treated as unknown."""
    step = await next_steps.get(session, next_step_id)
    if step is None or step.person_id != person.id:
        raise NotFound("stale.unknown")
    return step


async def set_status(
    app: App,
    session: AsyncSession,
    *,
    person: Person,
    next_step_id: int,
    status: NextStepStatus,
    note: str | None = None,
) -> NextStep:
    """Mark one of the person's own next steps; someone else's is treated as unknown."""
    step = await own(session, person, next_step_id)
    await next_steps.set_status(session, step, status, app.now(), note)
    return step
