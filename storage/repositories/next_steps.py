"""Next steps and their status history."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import NextStepStatus
from storage.models import NextStep, NextStepEvent

OPEN_STATES = (NextStepStatus.open, NextStepStatus.partly, NextStepStatus.not_yet)


async def create(
    session: AsyncSession,
    *,
    person_id: int,
    what: str,
    due: date | None,
    how_shared: str | None,
    visibility: str,
    now: datetime,
    group_id: int | None = None,
    session_id: int | None = None,
    meeting_id: int | None = None,
) -> NextStep:
    step = NextStep(
        person_id=person_id,
        group_id=group_id,
        session_id=session_id,
        meeting_id=meeting_id,
        what=what,
        due=due,
        how_shared=how_shared,
        visibility=visibility,
        status=NextStepStatus.open,
        created_at=now,
        updated_at=now,
    )
    session.add(step)
    await session.flush()
    session.add(NextStepEvent(next_step_id=step.id, status=NextStepStatus.open, at=now))
    await session.flush()
    return step


async def get(session: AsyncSession, next_step_id: int) -> NextStep | None:
    return await session.get(NextStep, next_step_id)


async def open_for(session: AsyncSession, person_id: int) -> Sequence[NextStep]:
    return (
        await session.scalars(
            select(NextStep)
            .where(NextStep.person_id == person_id, NextStep.status.in_(OPEN_STATES))
            .order_by(NextStep.due.is_(None), NextStep.due, NextStep.id)
        )
    ).all()


async def all_for(session: AsyncSession, person_id: int) -> Sequence[NextStep]:
    return (
        await session.scalars(
            select(NextStep).where(NextStep.person_id == person_id).order_by(NextStep.id)
        )
    ).all()


async def set_status(
    session: AsyncSession,
    step: NextStep,
    status: NextStepStatus,
    now: datetime,
    note: str | None = None,
) -> None:
    step.status = status
    step.updated_at = now
    session.add(NextStepEvent(next_step_id=step.id, status=status, note=note, at=now))
    await session.flush()


async def history(session: AsyncSession, next_step_id: int) -> Sequence[NextStepEvent]:
    return (
        await session.scalars(
            select(NextStepEvent)
            .where(NextStepEvent.next_step_id == next_step_id)
            .order_by(NextStepEvent.at, NextStepEvent.id)
        )
    ).all()
