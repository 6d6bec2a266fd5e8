"""Joining: people, groups, invites and roles."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.access import Action, require
from bot.services.errors import Denied, NotFound, ServiceError
from storage.enums import GroupKind, Role
from storage.models import Group, Invite, Membership, Person
from storage.repositories import groups, people

DEFAULT_INVITE_DAYS = 14


@dataclass(frozen=True)
class Joined:
    group: Group
    role: Role
    already_member: bool


def invite_link(bot_username: str | None, code: str) -> str:
    """The deep link that opens the bot with /start <code>."""
    return f"https://t.me/{bot_username or '<bot>'}?start={code}"


def new_code() -> str:
    # 16 url-safe characters: 96 bits, fits Telegram's 64-character start parameter.
    return secrets.token_urlsafe(12)


async def person_by_telegram(session: AsyncSession, telegram_id: int) -> Person | None:
    return await people.by_telegram_id(session, telegram_id)


async def ensure_person(
    session: AsyncSession,
    *,
    now: datetime,
    language: str,
    display_name: str,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Person:
    """The person with this identity, created on first contact (after consent)."""
    found = (
        await people.by_telegram_id(session, telegram_id)
        if telegram_id is not None
        else await people.by_console_handle(session, console_handle or "")
    )
    if found is not None:
        found.last_seen_at = now
        if found.unreachable:
            found.unreachable = False
        return found
    return await people.create(
        session,
        display_name=display_name or "?",
        language=language,
        now=now,
        telegram_id=telegram_id,
        console_handle=console_handle,
    )


async def create_group(
    app: App,
    session: AsyncSession,
    *,
    name: str,
    kind: GroupKind,
    parent: Group | None = None,
    creator: Person | None = None,
) -> tuple[Group, Invite]:
    """A new team or network, and a facilitator invite for its first facilitator."""
    name = name.strip()
    if not name or len(name) > 128:
        raise ServiceError("error.group_name")
    if parent is not None and parent.kind != GroupKind.network:
        raise ServiceError("error.parent_not_network")
    if kind == GroupKind.network and parent is not None:
        raise ServiceError("error.network_in_network")
    now = app.now()
    group = await groups.create_group(
        session,
        name=name,
        kind=kind,
        language=app.settings.refleks_language,
        now=now,
        parent_id=parent.id if parent else None,
    )
    if creator is not None:
        await groups.add_member(
            session, group_id=group.id, person_id=creator.id, role=Role.facilitator, now=now
        )
    invite = await groups.create_invite(
        session,
        code=new_code(),
        group_id=group.id,
        role=Role.facilitator,
        now=now,
        created_by=creator.id if creator else None,
        expires_at=now + timedelta(days=DEFAULT_INVITE_DAYS),
        uses_left=1,
    )
    return group, invite


async def create_invite(
    app: App,
    session: AsyncSession,
    *,
    group_id: int,
    role: Role,
    actor: Person | None,
    days: int = DEFAULT_INVITE_DAYS,
    uses: int | None = None,
) -> Invite:
    """An invite link for a role; `actor=None` is the operator on the command line."""
    if actor is not None:
        await require(app, session, actor, group_id, Action.invite)
    elif await groups.get(session, group_id) is None:
        raise NotFound("error.group_not_found")
    if days < 1 or days > 365 or (uses is not None and not 1 <= uses <= 500):
        raise ServiceError("error.invite_limits")
    now = app.now()
    return await groups.create_invite(
        session,
        code=new_code(),
        group_id=group_id,
        role=role,
        now=now,
        created_by=actor.id if actor else None,
        expires_at=now + timedelta(days=days),
        uses_left=uses,
    )


async def revoke_invite(app: App, session: AsyncSession, *, actor: Person, code: str) -> Invite:
    invite = await groups.invite_by_code(session, code)
    if invite is None:
        raise NotFound("error.invite_unknown")
    await require(app, session, actor, invite.group_id, Action.invite)
    await groups.revoke_invite(session, invite.id, app.now())
    return invite


async def revoke_invite_by_id(
    app: App, session: AsyncSession, *, actor: Person, invite_id: int
) -> Invite:
    invite = await groups.get_invite(session, invite_id)
    if invite is None:
        raise NotFound("error.invite_unknown")
    await require(app, session, actor, invite.group_id, Action.invite)
    await groups.revoke_invite(session, invite.id, app.now())
    return invite


async def open_invites(
    app: App, session: AsyncSession, *, actor: Person, group_id: int
) -> list[Invite]:
    """The group's invite links that still work, newest first, for those who may invite."""
    await require(app, session, actor, group_id, Action.invite)
    return list(await groups.open_invites(session, group_id, app.now()))


async def open_invite(
    app: App, session: AsyncSession, *, actor: Person, group_id: int, invite_id: int
) -> Invite:
    """One of the group's invite links that still works, for those who may invite."""
    for invite in await open_invites(app, session, actor=actor, group_id=group_id):
        if invite.id == invite_id:
            return invite
    raise NotFound("error.invite_unknown")


async def check_invite(app: App, session: AsyncSession, code: str) -> Invite:
    """The invite behind a code, or a ServiceError that says why it cannot be used."""
    invite = await groups.invite_by_code(session, code)
    if invite is None:
        raise ServiceError("start.code_unknown")
    if invite.revoked_at is not None:
        raise ServiceError("start.code_revoked")
    if invite.expires_at is not None and invite.expires_at <= app.now():
        raise ServiceError("start.code_expired")
    if invite.uses_left is not None and invite.uses_left <= 0:
        raise ServiceError("start.code_used_up")
    group = await groups.get(session, invite.group_id)
    if group is None or group.archived_at is not None:
        raise ServiceError("start.code_unknown")
    return invite


async def join(app: App, session: AsyncSession, *, person: Person, code: str) -> Joined:
    """Join the group behind an invite code with the invite's role."""
    invite = await check_invite(app, session, code)
    group = await groups.get(session, invite.group_id)
    if group is None:  # deleted between the two reads
        raise ServiceError("start.code_unknown")
    existing = await groups.membership(session, group.id, person.id)
    if existing is not None and _rank(existing.role) >= _rank(invite.role):
        return Joined(group=group, role=existing.role, already_member=True)
    if invite.uses_left is not None and not await groups.use_invite(session, invite.id):
        raise ServiceError("start.code_used_up")
    await groups.add_member(
        session, group_id=group.id, person_id=person.id, role=invite.role, now=app.now()
    )
    return Joined(group=group, role=invite.role, already_member=existing is not None)


def _rank(role: Role) -> int:
    # Joining through a weaker invite never demotes someone.
    return {Role.participant: 0, Role.leader: 1, Role.facilitator: 2}[role]


async def my_groups(session: AsyncSession, person: Person) -> list[tuple[Membership, Group]]:
    return list(await groups.memberships_of(session, person.id))


async def leave(app: App, session: AsyncSession, *, person: Person, group_id: int) -> None:
    """Leave a group; the last facilitator must hand over first."""
    member = await groups.membership(session, group_id, person.id)
    if member is None:
        raise NotFound("error.group_not_found")
    if (
        member.role == Role.facilitator
        and await groups.count_role(session, group_id, Role.facilitator) == 1
    ):
        raise Denied("denied.last_facilitator")
    await groups.remove_member(session, group_id, person.id)


async def set_reachable(session: AsyncSession, telegram_id: int, reachable: bool) -> None:
    """Note that someone blocked the bot (403, or Telegram told us), or started it again."""
    await people.set_reachable_by_telegram(session, telegram_id, reachable)


async def chat_migrated(session: AsyncSession, old_chat_id: int, new_chat_id: int) -> bool:
    """Keep a group's link when Telegram turns its chat into a supergroup."""
    return await groups.migrate_chat(session, old_chat_id, new_chat_id)
