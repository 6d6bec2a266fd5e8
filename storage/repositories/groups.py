"""Groups, memberships and invites."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import GroupKind, Role
from storage.models import Group, Invite, Membership, Person
from storage.repositories.rows import affected


async def create_group(
    session: AsyncSession,
    *,
    name: str,
    kind: GroupKind,
    language: str,
    now: datetime,
    parent_id: int | None = None,
) -> Group:
    group = Group(
        name=name, kind=kind, parent_id=parent_id, language=language, settings={}, created_at=now
    )
    session.add(group)
    await session.flush()
    return group


async def get(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)


async def by_name(session: AsyncSession, name: str) -> Group | None:
    """The group with this name: exactly, else ignoring case.

    SQLite's lower() only folds ASCII, so "Netværk Øst" is matched exactly first.
    """
    exact = await session.scalar(
        select(Group).where(Group.name == name).order_by(Group.id).limit(1)
    )
    if exact is not None:
        return exact
    return await session.scalar(
        select(Group).where(func.lower(Group.name) == name.lower()).order_by(Group.id).limit(1)
    )


async def by_chat(session: AsyncSession, chat_id: int) -> Group | None:
    return await session.scalar(select(Group).where(Group.telegram_chat_id == chat_id))


async def children(session: AsyncSession, group_id: int) -> Sequence[Group]:
    return (
        await session.scalars(select(Group).where(Group.parent_id == group_id).order_by(Group.id))
    ).all()


async def link_chat(session: AsyncSession, group_id: int, chat_id: int | None) -> None:
    await session.execute(
        update(Group).where(Group.id == group_id).values(telegram_chat_id=chat_id)
    )


async def migrate_chat(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """Keep a group's link when Telegram turns its chat into a supergroup."""
    result = await session.execute(
        update(Group)
        .where(Group.telegram_chat_id == old_chat_id)
        .values(telegram_chat_id=new_chat_id)
    )
    return affected(result) > 0


async def membership(session: AsyncSession, group_id: int, person_id: int) -> Membership | None:
    return await session.scalar(
        select(Membership).where(Membership.group_id == group_id, Membership.person_id == person_id)
    )


async def add_member(
    session: AsyncSession, *, group_id: int, person_id: int, role: Role, now: datetime
) -> Membership:
    """Add a person to a group, or change their role when they are already in it."""
    existing = await membership(session, group_id, person_id)
    if existing is not None:
        existing.role = role
        await session.flush()
        return existing
    member = Membership(group_id=group_id, person_id=person_id, role=role, joined_at=now)
    session.add(member)
    await session.flush()
    return member


async def remove_member(session: AsyncSession, group_id: int, person_id: int) -> bool:
    result = await session.execute(
        delete(Membership).where(Membership.group_id == group_id, Membership.person_id == person_id)
    )
    return affected(result) > 0


async def memberships_of(
    session: AsyncSession, person_id: int, *, archived: bool = False
) -> Sequence[tuple[Membership, Group]]:
    """A person's memberships with their groups; with ARCHIVED, archived groups too (the
    export and forgetting need every one)."""
    query = (
        select(Membership, Group)
        .join(Group, Group.id == Membership.group_id)
        .where(Membership.person_id == person_id)
        .order_by(Group.name, Group.id)
    )
    if not archived:
        query = query.where(Group.archived_at.is_(None))
    rows = await session.execute(query)
    return [(m, g) for m, g in rows.all()]


async def members(
    session: AsyncSession, group_id: int, roles: Sequence[Role] | None = None
) -> Sequence[tuple[Membership, Person]]:
    query = (
        select(Membership, Person)
        .join(Person, Person.id == Membership.person_id)
        .where(Membership.group_id == group_id)
        .order_by(Person.display_name, Person.id)
    )
    if roles:
        query = query.where(Membership.role.in_(list(roles)))
    rows = await session.execute(query)
    return [(m, p) for m, p in rows.all()]


async def count_role(session: AsyncSession, group_id: int, role: Role) -> int:
    return int(
        await session.scalar(
            select(func.count())
            .select_from(Membership)
            .where(Membership.group_id == group_id, Membership.role == role)
        )
        or 0
    )


async def create_invite(
    session: AsyncSession,
    *,
    code: str,
    group_id: int,
    role: Role,
    now: datetime,
    created_by: int | None,
    expires_at: datetime | None,
    uses_left: int | None,
) -> Invite:
    invite = Invite(
        code=code,
        group_id=group_id,
        role=role,
        created_by=created_by,
        expires_at=expires_at,
        uses_left=uses_left,
        created_at=now,
    )
    session.add(invite)
    await session.flush()
    return invite


async def get_invite(session: AsyncSession, invite_id: int) -> Invite | None:
    return await session.get(Invite, invite_id)


async def invite_by_code(session: AsyncSession, code: str) -> Invite | None:
    return await session.scalar(select(Invite).where(Invite.code == code))


async def use_invite(session: AsyncSession, invite_id: int) -> bool:
    """Take one use of an invite atomically; False when none is left."""
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.uses_left.is_not(None), Invite.uses_left > 0)
        .values(uses_left=Invite.uses_left - 1)
    )
    return affected(result) > 0


async def open_invites(session: AsyncSession, group_id: int, now: datetime) -> Sequence[Invite]:
    return (
        await session.scalars(
            select(Invite)
            .where(
                Invite.group_id == group_id,
                Invite.revoked_at.is_(None),
                (Invite.expires_at.is_(None)) | (Invite.expires_at > now),
                (Invite.uses_left.is_(None)) | (Invite.uses_left > 0),
            )
            .order_by(Invite.created_at.desc())
        )
    ).all()


async def revoke_invite(session: AsyncSession, invite_id: int, now: datetime) -> bool:
    result = await session.execute(
        update(Invite)
        .where(Invite.id == invite_id, Invite.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return affected(result) > 0


async def roles_in(
    session: AsyncSession, person_id: int, group_ids: Sequence[int]
) -> dict[int, Role]:
    """The person's role in each of these groups where they have one."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(Membership.group_id, Membership.role).where(
            Membership.person_id == person_id, Membership.group_id.in_(list(group_ids))
        )
    )
    return {row[0]: row[1] for row in rows}


async def archive(session: AsyncSession, group_id: int, now: datetime) -> None:
    await session.execute(update(Group).where(Group.id == group_id).values(archived_at=now))
