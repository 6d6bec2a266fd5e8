"""What administrators and facilitators read and change about groups as a whole."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import GroupKind, Role
from storage.models import Group, Membership, Person
from storage.repositories.rows import affected


async def groups_page(session: AsyncSession, *, offset: int, limit: int) -> Sequence[Group]:
    """Groups in use, networks first, each network followed by its teams."""
    family = func.coalesce(Group.parent_id, Group.id)
    return (
        await session.scalars(
            select(Group)
            .where(Group.archived_at.is_(None))
            .order_by(family, Group.parent_id.is_not(None), Group.name, Group.id)
            .offset(offset)
            .limit(limit)
        )
    ).all()


async def count_groups(session: AsyncSession) -> int:
    return int(
        await session.scalar(
            select(func.count()).select_from(Group).where(Group.archived_at.is_(None))
        )
        or 0
    )


async def networks(session: AsyncSession, *, limit: int) -> Sequence[Group]:
    """Networks in use, by name."""
    return (
        await session.scalars(
            select(Group)
            .where(Group.kind == GroupKind.network, Group.archived_at.is_(None))
            .order_by(Group.name, Group.id)
            .limit(limit)
        )
    ).all()


async def teams_of(session: AsyncSession, network_ids: Sequence[int]) -> Sequence[Group]:
    """The teams in use under these networks, by name."""
    if not network_ids:
        return []
    return (
        await session.scalars(
            select(Group)
            .where(Group.parent_id.in_(list(network_ids)), Group.archived_at.is_(None))
            .order_by(Group.name, Group.id)
        )
    ).all()


async def role_counts(
    session: AsyncSession, group_ids: Sequence[int]
) -> dict[int, dict[Role, int]]:
    """How many members of each role every group has."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(Membership.group_id, Membership.role, func.count())
        .where(Membership.group_id.in_(list(group_ids)))
        .group_by(Membership.group_id, Membership.role)
    )
    counts: dict[int, dict[Role, int]] = {}
    for group_id, role, n in rows.all():
        counts.setdefault(group_id, {})[role] = int(n)
    return counts


async def people_with_telegram_ids(
    session: AsyncSession, telegram_ids: Sequence[int]
) -> Sequence[Person]:
    if not telegram_ids:
        return []
    return (
        await session.scalars(
            select(Person).where(Person.telegram_id.in_(list(telegram_ids))).order_by(Person.id)
        )
    ).all()


async def archive_with_teams(session: AsyncSession, group_id: int, now: datetime) -> int:
    """Archive a group and the teams under it; returns how many groups were archived."""
    result = await session.execute(
        update(Group)
        .where(
            or_(Group.id == group_id, Group.parent_id == group_id),
            Group.archived_at.is_(None),
        )
        .values(archived_at=now)
    )
    return affected(result)
