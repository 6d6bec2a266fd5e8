"""Linking a Telegram group chat to a team, and inviting the people in it.

A chat belongs to at most one team (`groups.telegram_chat_id`); only someone who may run
that team's learning circle links it. The bot never puts an invite in the chat on its own:
everyone in a group chat (and anyone it is forwarded to) could use it. The facilitator
decides how people join: with a limited link from /invite in their private chat, or with a
chat link they turn on here (`/circle link`, limited in uses and days, off again with
`/circle nolink`). While it is on, the bot points newcomers in the chat to it.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import membership, privacy
from bot.services.access import Action, effective_role, is_admin, require
from bot.services.errors import Denied, NotFound, ServiceError
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from storage.repositories import groups

# The chat link a facilitator turns on: enough for a team, and for a week.
CHAT_LINK_USES = 40
CHAT_LINK_DAYS = 7
CHAT_INVITE = "chat_invite"  # the key in the team's settings


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


async def chat_link(app: App, session: AsyncSession, group_id: int) -> str | None:
    """The join link the facilitator turned on for the team's chat, while it still works."""
    group = await groups.get(session, group_id)
    invite_id = (group.settings or {}).get(CHAT_INVITE) if group is not None else None
    if not isinstance(invite_id, int):
        return None
    now = app.now()
    for invite in await groups.open_invites(session, group_id, now):
        if invite.id == invite_id:
            return membership.invite_link(app.bot_username, invite.code)
    return None


async def may_invite(app: App, session: AsyncSession, person: Person, group_id: int) -> bool:
    """Whether the person may turn the team's chat link on or off."""
    try:
        await require(app, session, person, group_id, Action.invite)
    except Denied:
        return False
    return True


async def turn_chat_link_on(
    app: App, session: AsyncSession, *, person: Person, group_id: int
) -> str:
    """Make (or show again) the team's chat link: for participants, limited uses and days."""
    await require(app, session, person, group_id, Action.invite)
    found = await chat_link(app, session, group_id)
    if found is not None:
        return found
    invite = await membership.create_invite(
        app,
        session,
        group_id=group_id,
        role=Role.participant,
        actor=person,
        days=CHAT_LINK_DAYS,
        uses=CHAT_LINK_USES,
    )
    await _set_chat_invite(session, group_id, invite.id)
    return membership.invite_link(app.bot_username, invite.code)


async def turn_chat_link_off(
    app: App, session: AsyncSession, *, person: Person, group_id: int
) -> None:
    """Withdraw the team's chat link: it stops working, and newcomers ask the facilitator."""
    group = await require(app, session, person, group_id, Action.invite)
    invite_id = (group.settings or {}).get(CHAT_INVITE)
    if isinstance(invite_id, int):
        await groups.revoke_invite(session, invite_id, app.now())
    await _set_chat_invite(session, group_id, None)


async def _set_chat_invite(session: AsyncSession, group_id: int, invite_id: int | None) -> None:
    group = await groups.get(session, group_id)
    if group is None:
        raise NotFound("error.group_not_found")
    settings = {k: v for k, v in (group.settings or {}).items() if k != CHAT_INVITE}
    if invite_id is not None:
        settings[CHAT_INVITE] = invite_id
    group.settings = settings  # a new dict, so the change is saved


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
