"""Linking a Telegram group chat to a team, and inviting the people in it.

A chat belongs to at most one team (`groups.telegram_chat_id`); only someone who may run
that team's learning circle links it. People in the chat who have not said yes to the
privacy text get a participant invite link, since a bot cannot write to anyone first.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import membership, privacy
from bot.services.access import Action, effective_role, is_admin, require
from bot.services.errors import ServiceError
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from storage.repositories import groups

JOIN_LINK_DAYS = 7


async def chat_group(session: AsyncSession, chat_id: int) -> Group | None:
    """The team this chat is linked to, if any."""
    return await groups.by_chat(session, chat_id)


async def teams_to_link(app: App, session: AsyncSession, person: Person) -> list[Group]:
    """The teams whose circle this person may run (their own, or those of their network)."""
    admin = await is_admin(app, session, person)
    found: dict[int, Group] = {}
    for member, group in await membership.my_groups(session, person):
        may_run = admin or member.role == Role.facilitator
        if group.kind == GroupKind.team and (may_run or await _facilitates(session, person, group)):
            found[group.id] = group
        elif group.kind == GroupKind.network and may_run:
            for team in await groups.children(session, group.id):
                if team.archived_at is None:
                    found[team.id] = team
    return sorted(found.values(), key=lambda g: g.name.lower())


async def _facilitates(session: AsyncSession, person: Person, group: Group) -> bool:
    return await effective_role(session, person.id, group) == Role.facilitator


async def link(
    app: App, session: AsyncSession, *, person: Person, group_id: int, chat_id: int
) -> Group:
    """Link the chat to a team whose circle the person runs; a chat holds one team."""
    group = await require(app, session, person, group_id, Action.run_circle)
    if group.kind != GroupKind.team:
        raise ServiceError("circle.team_only")
    current = await groups.by_chat(session, chat_id)
    if current is not None and current.id != group.id:
        # Moving the chat to another team is for someone who also runs the first one.
        await require(app, session, person, current.id, Action.run_circle)
        await groups.link_chat(session, current.id, None)
    if group.telegram_chat_id != chat_id:
        await groups.link_chat(session, group.id, chat_id)
        await session.refresh(group)
    return group


async def join_link(app: App, session: AsyncSession, group_id: int) -> str:
    """A participant invite for the team, reused while it has a day or more left."""
    now = app.now()
    for invite in await groups.open_invites(session, group_id, now):
        if (
            invite.role == Role.participant
            and invite.created_by is None
            and invite.uses_left is None
            and invite.expires_at is not None
            and invite.expires_at > now + timedelta(days=1)
        ):
            return membership.invite_link(app.bot_username, invite.code)
    invite = await membership.create_invite(
        app, session, group_id=group_id, role=Role.participant, actor=None, days=JOIN_LINK_DAYS
    )
    return membership.invite_link(app.bot_username, invite.code)


async def focus_choices(
    app: App, session: AsyncSession, *, person: Person, group_id: int
) -> list[Person]:
    """The team members who can be today's focus person (those who said yes privately)."""
    await require(app, session, person, group_id, Action.run_circle)
    chosen = []
    for _, member in await groups.members(session, group_id):
        if await privacy.has_consented(session, member):
            chosen.append(member)
    return chosen
