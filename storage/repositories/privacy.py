"""Queries behind see-export-delete and retention: everything kept about one person.

Exporting reads every row that refers to a person; forgetting removes them (foreign keys
cascade from `people`) after cleaning what the cascade cannot reach: group-owned rows whose
JSON still quotes them. Retention deletes rows older than a cut-off, never frozen aggregates.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import OutboxStatus, Role
from storage.models import (
    AccessLogEntry,
    Administrator,
    Answer,
    AwaitedInput,
    Consent,
    DialogueSession,
    FrozenAggregate,
    Group,
    Invite,
    Meeting,
    Membership,
    NextStep,
    NextStepEvent,
    OutboxMessage,
    Person,
    ProcessedUpdate,
    SessionScore,
)
from storage.repositories.rows import affected

# Outbox rows that are finished with: kept only as a record, so retention may delete them.
DONE = (OutboxStatus.sent, OutboxStatus.failed, OutboxStatus.cancelled)


# -- reading everything about a person ------------------------------------------------


async def consents_of(session: AsyncSession, person_id: int) -> Sequence[Consent]:
    return (
        await session.scalars(
            select(Consent).where(Consent.person_id == person_id).order_by(Consent.id)
        )
    ).all()


async def answers_with_sessions(
    session: AsyncSession, person_id: int
) -> Sequence[tuple[Answer, DialogueSession]]:
    """The person's answers, private and in group circles, with the run each belongs to."""
    rows = await session.execute(
        select(Answer, DialogueSession)
        .join(DialogueSession, DialogueSession.id == Answer.session_id)
        .where(Answer.person_id == person_id)
        .order_by(DialogueSession.started_at, DialogueSession.id, Answer.id)
    )
    return [(a, s) for a, s in rows.all()]


async def sessions_of(session: AsyncSession, person_id: int) -> Sequence[DialogueSession]:
    """Private runs that are the person's own (even those without any answer yet)."""
    return (
        await session.scalars(
            select(DialogueSession)
            .where(DialogueSession.person_id == person_id)
            .order_by(DialogueSession.started_at, DialogueSession.id)
        )
    ).all()


async def group_sessions_started_by(
    session: AsyncSession, person_id: int
) -> Sequence[DialogueSession]:
    return (
        await session.scalars(
            select(DialogueSession)
            .where(DialogueSession.started_by == person_id, DialogueSession.person_id.is_(None))
            .order_by(DialogueSession.started_at, DialogueSession.id)
        )
    ).all()


async def scores_of(session: AsyncSession, person_id: int) -> Sequence[SessionScore]:
    return (
        await session.scalars(
            select(SessionScore)
            .join(DialogueSession, DialogueSession.id == SessionScore.session_id)
            .where(DialogueSession.person_id == person_id)
            .order_by(SessionScore.session_id, SessionScore.index_id)
        )
    ).all()


async def next_steps_of(session: AsyncSession, person_id: int) -> Sequence[NextStep]:
    return (
        await session.scalars(
            select(NextStep).where(NextStep.person_id == person_id).order_by(NextStep.id)
        )
    ).all()


async def next_step_events_of(session: AsyncSession, person_id: int) -> Sequence[NextStepEvent]:
    return (
        await session.scalars(
            select(NextStepEvent)
            .join(NextStep, NextStep.id == NextStepEvent.next_step_id)
            .where(NextStep.person_id == person_id)
            .order_by(NextStepEvent.next_step_id, NextStepEvent.at, NextStepEvent.id)
        )
    ).all()


async def awaited_of(session: AsyncSession, person_id: int) -> Sequence[AwaitedInput]:
    """What the bot waits for the person to type, expired or not (until it is cleared)."""
    return (
        await session.scalars(select(AwaitedInput).where(AwaitedInput.person_id == person_id))
    ).all()


async def outbox_of(
    session: AsyncSession, person_id: int, telegram_id: int | None
) -> Sequence[OutboxMessage]:
    """Messages for the person: addressed to them, or to their private chat."""
    addressed = [OutboxMessage.person_id == person_id]
    if telegram_id is not None:
        addressed.append(OutboxMessage.chat_id == telegram_id)
    return (
        await session.scalars(
            select(OutboxMessage).where(or_(*addressed)).order_by(OutboxMessage.id)
        )
    ).all()


async def access_log_of(session: AsyncSession, person_id: int) -> Sequence[AccessLogEntry]:
    return (
        await session.scalars(
            select(AccessLogEntry)
            .where(AccessLogEntry.viewer_id == person_id)
            .order_by(AccessLogEntry.at, AccessLogEntry.id)
        )
    ).all()


async def invites_by(session: AsyncSession, person_id: int) -> Sequence[Invite]:
    return (
        await session.scalars(
            select(Invite).where(Invite.created_by == person_id).order_by(Invite.id)
        )
    ).all()


async def meetings_by(session: AsyncSession, person_id: int) -> Sequence[Meeting]:
    return (
        await session.scalars(
            select(Meeting).where(Meeting.created_by == person_id).order_by(Meeting.starts_at)
        )
    ).all()


async def group_names(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, str]:
    if not group_ids:
        return {}
    rows = await session.execute(
        select(Group.id, Group.name).where(Group.id.in_(sorted(set(group_ids))))
    )
    return {row[0]: row[1] for row in rows}


async def is_administrator(session: AsyncSession, telegram_id: int | None) -> bool:
    if telegram_id is None:
        return False
    return await session.get(Administrator, telegram_id) is not None


# -- forgetting -------------------------------------------------------------------------


async def group_sessions_touched_by(
    session: AsyncSession, person_id: int
) -> Sequence[DialogueSession]:
    """Group-owned runs whose JSON state may quote the person: they answered or started it."""
    answered = select(Answer.session_id).where(Answer.person_id == person_id)
    return (
        await session.scalars(
            select(DialogueSession).where(
                DialogueSession.person_id.is_(None),
                or_(DialogueSession.id.in_(answered), DialogueSession.started_by == person_id),
            )
        )
    ).all()


async def group_outbox(session: AsyncSession, group_ids: Sequence[int]) -> Sequence[OutboxMessage]:
    """Messages for the person's groups (a digest may quote what they wrote)."""
    if not group_ids:
        return []
    return (
        await session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.group_id.in_(list(group_ids)), OutboxMessage.person_id.is_(None)
            )
        )
    ).all()


async def delete_outbox(session: AsyncSession, ids: Sequence[int]) -> int:
    if not ids:
        return 0
    return affected(await session.execute(delete(OutboxMessage).where(OutboxMessage.id.in_(ids))))


async def delete_person(session: AsyncSession, person: Person) -> None:
    """Delete the person row (every personal row cascades) and their administrator entry.

    Pending changes are flushed first and the session forgotten afterwards, so no object
    still held in memory tries to write to a row that no longer exists.
    """
    await session.flush()
    if person.telegram_id is not None:
        await session.execute(
            delete(Administrator).where(Administrator.telegram_id == person.telegram_id)
        )
    await session.execute(delete(Person).where(Person.id == person.id))
    session.expunge_all()


async def sole_facilitator_groups(session: AsyncSession, person_id: int) -> Sequence[Group]:
    """Active groups where the person is the only facilitator."""
    facilitators = (
        select(Membership.group_id)
        .where(Membership.role == Role.facilitator)
        .group_by(Membership.group_id)
        .having(func.count() == 1)
    )
    return (
        await session.scalars(
            select(Group)
            .join(Membership, Membership.group_id == Group.id)
            .where(
                Membership.person_id == person_id,
                Membership.role == Role.facilitator,
                Group.archived_at.is_(None),
                Group.id.in_(facilitators),
            )
            .order_by(Group.name)
        )
    ).all()


async def aggregates_in(session: AsyncSession, group_ids: Sequence[int]) -> int:
    """How many frozen anonymous totals exist for these groups (they stay after forgetting)."""
    if not group_ids:
        return 0
    return int(
        await session.scalar(
            select(func.count())
            .select_from(FrozenAggregate)
            .where(FrozenAggregate.group_id.in_(list(group_ids)))
        )
        or 0
    )


# -- retention --------------------------------------------------------------------------


async def purge_before(session: AsyncSession, cutoff: datetime) -> dict[str, int]:
    """Delete personal and operational rows last changed before `cutoff`; counts per kind.

    Frozen aggregates, groups, meetings and consent records are not touched here (people
    who have not been seen for the whole period are forgotten by the service instead).
    """
    counts: dict[str, int] = {}
    counts["sessions"] = affected(
        await session.execute(delete(DialogueSession).where(DialogueSession.updated_at < cutoff))
    )
    counts["answers"] = affected(
        await session.execute(delete(Answer).where(Answer.updated_at < cutoff))
    )
    counts["next_steps"] = affected(
        await session.execute(delete(NextStep).where(NextStep.updated_at < cutoff))
    )
    counts["outbox"] = affected(
        await session.execute(
            delete(OutboxMessage).where(
                OutboxMessage.status.in_(DONE),
                func.coalesce(OutboxMessage.sent_at, OutboxMessage.created_at) < cutoff,
            )
        )
    )
    counts["processed_updates"] = affected(
        await session.execute(delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < cutoff))
    )
    counts["access_log"] = affected(
        await session.execute(delete(AccessLogEntry).where(AccessLogEntry.at < cutoff))
    )
    counts["invites"] = affected(
        await session.execute(
            delete(Invite).where(
                or_(Invite.expires_at < cutoff, Invite.revoked_at < cutoff),
            )
        )
    )
    return counts


async def people_unseen_since(session: AsyncSession, cutoff: datetime) -> Sequence[Person]:
    return (
        await session.scalars(
            select(Person).where(Person.last_seen_at < cutoff).order_by(Person.id)
        )
    ).all()
