"""Follow-up rounds, who they go to, who answered, and what people did with next steps."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import FollowupKind, FollowupStatus, Role, SessionStatus
from storage.models import (
    Answer,
    DialogueSession,
    Followup,
    Group,
    Membership,
    NextStep,
    Person,
)
from storage.repositories.rows import affected


async def create(
    session: AsyncSession,
    *,
    group_id: int,
    meeting_id: int,
    kind: FollowupKind,
    format_id: str | None,
    due_at: datetime,
    deadline_at: datetime | None,
    closes_at: datetime | None,
    earliest_at: datetime | None,
    opens_at: datetime,
    now: datetime,
) -> Followup:
    row = Followup(
        group_id=group_id,
        meeting_id=meeting_id,
        kind=kind,
        format_id=format_id,
        due_at=due_at,
        deadline_at=deadline_at,
        closes_at=closes_at,
        earliest_at=earliest_at,
        opens_at=opens_at,
        status=FollowupStatus.planned,
        created_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get(session: AsyncSession, followup_id: int) -> Followup | None:
    return await session.get(Followup, followup_id)


async def by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Followup]:
    if not ids:
        return {}
    rows = await session.scalars(select(Followup).where(Followup.id.in_(list(set(ids)))))
    return {f.id: f for f in rows}


async def of_group(session: AsyncSession, group_id: int) -> Sequence[Followup]:
    return (
        await session.scalars(
            select(Followup)
            .where(Followup.group_id == group_id)
            .order_by(Followup.due_at, Followup.id)
        )
    ).all()


async def of_meetings(session: AsyncSession, meeting_ids: Sequence[int]) -> Sequence[Followup]:
    if not meeting_ids:
        return []
    return (
        await session.scalars(
            select(Followup)
            .where(Followup.meeting_id.in_(list(meeting_ids)))
            .order_by(Followup.due_at, Followup.id)
        )
    ).all()


async def to_open(
    session: AsyncSession, now: datetime, *, limit: int, skip_locked: bool
) -> Sequence[Followup]:
    """Planned rounds whose opening time has come, locked for this transaction."""
    query = (
        select(Followup)
        .where(Followup.status == FollowupStatus.planned, Followup.opens_at <= now)
        .order_by(Followup.opens_at, Followup.id)
        .limit(limit)
    )
    if skip_locked:
        query = query.with_for_update(skip_locked=True)
    return (await session.scalars(query)).all()


async def to_close(session: AsyncSession, now: datetime, *, limit: int) -> Sequence[Followup]:
    return (
        await session.scalars(
            select(Followup)
            .where(Followup.status == FollowupStatus.open, Followup.closes_at <= now)
            .order_by(Followup.closes_at, Followup.id)
            .limit(limit)
        )
    ).all()


async def set_status(
    session: AsyncSession, followup_id: int, status: FollowupStatus, *, only_from: FollowupStatus
) -> bool:
    """Move a round on, only if it is still in `only_from` (two workers may race)."""
    result = await session.execute(
        update(Followup)
        .where(Followup.id == followup_id, Followup.status == only_from)
        .values(status=status)
    )
    return affected(result) > 0


# -- people -------------------------------------------------------------------------------


async def members_with_roles(
    session: AsyncSession, group_ids: Sequence[int], roles: Sequence[Role]
) -> Sequence[Person]:
    """Everyone holding one of `roles` in any of these groups, once each, by name."""
    if not group_ids:
        return []
    chosen = (
        select(Membership.person_id)
        .where(Membership.group_id.in_(list(group_ids)), Membership.role.in_(list(roles)))
        .distinct()
    )
    return (
        await session.scalars(
            select(Person).where(Person.id.in_(chosen)).order_by(Person.display_name, Person.id)
        )
    ).all()


async def child_group_ids(session: AsyncSession, group_id: int) -> list[int]:
    rows = await session.scalars(
        select(Group.id).where(Group.parent_id == group_id, Group.archived_at.is_(None))
    )
    return list(rows)


async def group_names_of(
    session: AsyncSession, person_ids: Sequence[int], group_ids: Sequence[int]
) -> dict[int, str]:
    """For each person, the name of one of these groups they belong to (their team)."""
    if not person_ids or not group_ids:
        return {}
    rows = await session.execute(
        select(Membership.person_id, Group.name)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.person_id.in_(list(person_ids)), Group.id.in_(list(group_ids)))
        .order_by(Group.name)
    )
    names: dict[int, str] = {}
    for person_id, name in rows.all():
        names.setdefault(int(person_id), str(name))
    return names


async def people_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Person]:
    if not ids:
        return {}
    rows = await session.scalars(select(Person).where(Person.id.in_(list(set(ids)))))
    return {p.id: p for p in rows}


async def set_pause(session: AsyncSession, person_id: int, until: datetime | None) -> None:
    await session.execute(update(Person).where(Person.id == person_id).values(paused_until=until))


# -- answers ------------------------------------------------------------------------------


async def answered(
    session: AsyncSession, followup_ids: Sequence[int], person_ids: Sequence[int] | None = None
) -> set[tuple[int, int]]:
    """(follow-up, person) pairs where the person completed the follow-up's reflection."""
    if not followup_ids:
        return set()
    query = select(DialogueSession.followup_id, DialogueSession.person_id).where(
        DialogueSession.followup_id.in_(list(set(followup_ids))),
        DialogueSession.status == SessionStatus.completed,
        DialogueSession.person_id.is_not(None),
    )
    if person_ids is not None:
        query = query.where(DialogueSession.person_id.in_(list(set(person_ids))))
    rows = await session.execute(query)
    return {(int(f), int(p)) for f, p in rows.all() if f is not None and p is not None}


async def started(session: AsyncSession, followup_id: int) -> set[int]:
    """People who began the follow-up's reflection (completed or not)."""
    rows = await session.scalars(
        select(DialogueSession.person_id).where(
            DialogueSession.followup_id == followup_id, DialogueSession.person_id.is_not(None)
        )
    )
    return {int(p) for p in rows if p is not None}


async def completed_sessions(
    session: AsyncSession, followup_ids: Sequence[int]
) -> Sequence[DialogueSession]:
    """Completed follow-up reflections, newest last."""
    if not followup_ids:
        return []
    return (
        await session.scalars(
            select(DialogueSession)
            .where(
                DialogueSession.followup_id.in_(list(set(followup_ids))),
                DialogueSession.status == SessionStatus.completed,
            )
            .order_by(DialogueSession.completed_at, DialogueSession.id)
        )
    ).all()


async def completed_since(
    session: AsyncSession, since: datetime, format_id: str
) -> Sequence[DialogueSession]:
    """Follow-up reflections of one format completed since `since`."""
    return (
        await session.scalars(
            select(DialogueSession)
            .where(
                DialogueSession.followup_id.is_not(None),
                DialogueSession.format_id == format_id,
                DialogueSession.status == SessionStatus.completed,
                DialogueSession.completed_at >= since,
            )
            .order_by(DialogueSession.completed_at, DialogueSession.id)
        )
    ).all()


async def answers_of(
    session: AsyncSession, session_ids: Sequence[int], step_ids: Sequence[str]
) -> Sequence[Answer]:
    """The answers to these steps in these sessions (withdrawn ones left out)."""
    if not session_ids:
        return []
    return (
        await session.scalars(
            select(Answer)
            .where(
                Answer.session_id.in_(list(set(session_ids))),
                Answer.step_id.in_(list(step_ids)),
                Answer.withdrawn_at.is_(None),
            )
            .order_by(Answer.id)
        )
    ).all()


# -- next steps ---------------------------------------------------------------------------


async def latest_step(
    session: AsyncSession, person_id: int, group_ids: Sequence[int], before: datetime
) -> NextStep | None:
    """The person's most recent next step in these groups, set before `before`."""
    if not group_ids:
        return None
    return await session.scalar(
        select(NextStep)
        .where(
            NextStep.person_id == person_id,
            NextStep.group_id.in_(list(group_ids)),
            NextStep.created_at < before,
        )
        .order_by(NextStep.created_at.desc(), NextStep.id.desc())
        .limit(1)
    )


async def steps_since(
    session: AsyncSession, person_ids: Sequence[int], group_ids: Sequence[int], since: datetime
) -> Sequence[NextStep]:
    """Next steps these people set in these groups since `since`, oldest first."""
    if not person_ids or not group_ids:
        return []
    return (
        await session.scalars(
            select(NextStep)
            .where(
                NextStep.person_id.in_(list(set(person_ids))),
                NextStep.group_id.in_(list(group_ids)),
                NextStep.created_at >= since,
            )
            .order_by(NextStep.person_id, NextStep.created_at, NextStep.id)
        )
    ).all()
