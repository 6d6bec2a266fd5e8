"""Learning circles: group sessions that run in a Telegram chat."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, NextStep
from storage.repositories.rows import affected


async def running(session: AsyncSession) -> Sequence[DialogueSession]:
    """Every group session still running in a chat, oldest first."""
    return (
        await session.scalars(
            select(DialogueSession)
            .where(
                DialogueSession.person_id.is_(None),
                DialogueSession.chat_id.is_not(None),
                DialogueSession.status == SessionStatus.active,
            )
            .order_by(DialogueSession.id)
        )
    ).all()


async def clear_step(session: AsyncSession, *, session_id: int, step_id: str, item: str) -> None:
    """Forget every person's answers to one step of a group session."""
    await session.execute(
        delete(Answer).where(
            Answer.session_id == session_id, Answer.step_id == step_id, Answer.item == item
        )
    )


async def move_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> int:
    """Follow a group chat that Telegram turned into a supergroup (it gets a new id)."""
    result = await session.execute(
        update(DialogueSession)
        .where(DialogueSession.chat_id == old_chat_id)
        .values(chat_id=new_chat_id)
    )
    return affected(result)


async def set_author_visibility(
    session: AsyncSession,
    *,
    session_id: int,
    person_id: int,
    step_ids: Sequence[str],
    visibility: str,
) -> int:
    """Who sees one person's answers to some steps of a group session, and the next steps
    they agreed in it; how many answers and steps changed."""
    answers = await session.execute(
        update(Answer)
        .where(
            Answer.session_id == session_id,
            Answer.person_id == person_id,
            Answer.step_id.in_(list(step_ids)),
            Answer.withdrawn_at.is_(None),
        )
        .values(visibility=visibility)
    )
    steps = await session.execute(
        update(NextStep)
        .where(NextStep.session_id == session_id, NextStep.person_id == person_id)
        .values(visibility=visibility)
    )
    return affected(answers) + affected(steps)


async def set_step_visibility(
    session: AsyncSession, *, session_id: int, step_ids: Sequence[str], visibility: str
) -> int:
    """Who sees everyone's answers to some steps of a group session; how many changed."""
    result = await session.execute(
        update(Answer)
        .where(
            Answer.session_id == session_id,
            Answer.step_id.in_(list(step_ids)),
            Answer.withdrawn_at.is_(None),
        )
        .values(visibility=visibility)
    )
    return affected(result)
