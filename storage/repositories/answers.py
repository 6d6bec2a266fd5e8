"""A person's own reflections and answers, as /mine lists, opens and changes them."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from dialogues.visibility import Visibility
from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, NextStep
from storage.repositories.rows import affected

# The reflection in progress is continued with /reflect, not changed from /mine.
_SETTLED = (SessionStatus.completed, SessionStatus.cancelled)


def _own_reflections(person_id: int) -> Any:
    answered = select(Answer.id).where(Answer.session_id == DialogueSession.id).exists()
    return (
        DialogueSession.person_id == person_id,
        DialogueSession.status.in_(_SETTLED),
        answered,
    )


async def reflections_page(
    session: AsyncSession, person_id: int, *, offset: int, limit: int
) -> Sequence[DialogueSession]:
    """The person's finished or stopped private reflections with answers, newest first."""
    return (
        await session.scalars(
            select(DialogueSession)
            .where(*_own_reflections(person_id))
            .order_by(DialogueSession.started_at.desc(), DialogueSession.id.desc())
            .offset(offset)
            .limit(limit)
        )
    ).all()


async def count_reflections(session: AsyncSession, person_id: int) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(DialogueSession).where(*_own_reflections(person_id))
        )
        or 0
    )


async def answer_counts(session: AsyncSession, session_ids: Sequence[int]) -> dict[int, int]:
    """Answers not withdrawn, per session."""
    if not session_ids:
        return {}
    rows = await session.execute(
        select(Answer.session_id, func.count())
        .where(Answer.session_id.in_(list(session_ids)), Answer.withdrawn_at.is_(None))
        .group_by(Answer.session_id)
    )
    return {row[0]: int(row[1]) for row in rows.all()}


async def own_reflection(
    session: AsyncSession, person_id: int, session_id: int
) -> DialogueSession | None:
    """One of the person's settled private reflections."""
    return await session.scalar(
        select(DialogueSession).where(
            DialogueSession.id == session_id,
            DialogueSession.person_id == person_id,
            DialogueSession.status.in_(_SETTLED),
        )
    )


async def answers_in(session: AsyncSession, session_id: int, person_id: int) -> Sequence[Answer]:
    """The person's answers in one session, in the order they were first given."""
    return (
        await session.scalars(
            select(Answer)
            .where(Answer.session_id == session_id, Answer.person_id == person_id)
            .order_by(Answer.id)
        )
    ).all()


async def own_answer(
    session: AsyncSession, person_id: int, answer_id: int, *, for_update: bool = False
) -> tuple[Answer, DialogueSession] | None:
    """An answer of the person's in one of their settled private reflections."""
    query = (
        select(Answer, DialogueSession)
        .join(DialogueSession, DialogueSession.id == Answer.session_id)
        .where(
            Answer.id == answer_id,
            Answer.person_id == person_id,
            DialogueSession.person_id == person_id,
            DialogueSession.status.in_(_SETTLED),
        )
    )
    if for_update:
        query = query.with_for_update()
    row = (await session.execute(query)).first()
    return None if row is None else (row[0], row[1])


async def change_answer(
    session: AsyncSession,
    answer: Answer,
    *,
    now: datetime,
    value: Any = None,
    visibility: str | None = None,
    withdrawn: bool = False,
) -> None:
    """Change what an answer says or who sees it; a withdrawn answer keeps no words."""
    if withdrawn:
        answer.value = ""
        answer.visibility = Visibility.private
        answer.withdrawn_at = now
    else:
        if value is not None:
            answer.value = value
        if visibility is not None:
            answer.visibility = visibility
    answer.updated_at = now
    await session.flush()


async def next_steps_of_session(
    session: AsyncSession, session_id: int, person_id: int
) -> Sequence[NextStep]:
    return (
        await session.scalars(
            select(NextStep)
            .where(NextStep.session_id == session_id, NextStep.person_id == person_id)
            .order_by(NextStep.id)
        )
    ).all()


async def change_next_step(
    session: AsyncSession,
    step: NextStep,
    *,
    now: datetime,
    what: str | None = None,
    visibility: str | None = None,
) -> None:
    if what is not None:
        step.what = what
    if visibility is not None:
        step.visibility = visibility
    step.updated_at = now
    await session.flush()


async def delete_next_steps(session: AsyncSession, step_ids: Sequence[int]) -> int:
    """Delete next steps (their status history goes with them)."""
    if not step_ids:
        return 0
    result = await session.execute(delete(NextStep).where(NextStep.id.in_(list(step_ids))))
    return affected(result)
