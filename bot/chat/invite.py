"""/invite: facilitators make invite links (role, how many may use it) and revoke them.

Buttons are `InviteButton`s ("i": a group, an `InviteRole` and an `InviteUses`, either of
them UNCHOSEN while it is still to be asked) and `RevokeInviteButton`s ("k": the invite's id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.scheduling.formatting import format_date
from bot.scheduling.zones import local_date
from bot.services import membership
from bot.services.access import Action as Permission
from bot.services.access import effective_role, is_admin, require
from bot.services.errors import Denied
from bot.services.zones import group_zone
from bot.views import Button, View, say
from storage.enums import Role
from storage.models import Group, Person


class InviteRole(IntEnum):
    """Who a link is for; the values are in buttons already sent."""

    PARTICIPANT = 0
    LEADER = 1
    FACILITATOR = 2
    UNCHOSEN = 9


class InviteUses(IntEnum):
    """How many people may use a link; the values are in buttons already sent."""

    ONE = 0  # one person
    MEETING = 1  # a whole team or network meeting
    UNCHOSEN = 9


@button("i")
@dataclass(frozen=True)
class InviteButton(ButtonData):
    group_id: int
    role: InviteRole = InviteRole.UNCHOSEN
    uses: InviteUses = InviteUses.UNCHOSEN


@button("k")
@dataclass(frozen=True)
class RevokeInviteButton(ButtonData):
    invite_id: int


# What each choice on a button stands for.
ROLES = {
    InviteRole.PARTICIPANT: Role.participant,
    InviteRole.LEADER: Role.leader,
    InviteRole.FACILITATOR: Role.facilitator,
}
USES = {InviteUses.ONE: 1, InviteUses.MEETING: 40}
INVITE_DAYS = membership.DEFAULT_INVITE_DAYS


class InviteChat:
    def __init__(self, app: App) -> None:
        self.app = app

    async def _facilitated(self, session: AsyncSession, person: Person) -> list[Group]:
        admin = await is_admin(self.app, session, person)
        found: list[Group] = []
        for _, group in await membership.my_groups(session, person):
            if admin or await effective_role(session, person.id, group) == Role.facilitator:
                found.append(group)
        return found

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        """Start making an invite link: choose the group first when there are several."""
        groups = await self._facilitated(session, person)
        if not groups:
            raise Denied("denied.invite")
        if len(groups) == 1:
            return await self._choose_role(session, person, groups[0].id)
        buttons = [[Button(g.name, InviteButton(g.id).encode())] for g in groups]
        return [View(html=say(person.language, "invite.choose_group"), buttons=buttons)]

    async def _choose_role(
        self, session: AsyncSession, person: Person, group_id: int
    ) -> list[View]:
        group = await require(self.app, session, person, group_id, Permission.invite)
        lang = person.language
        buttons = [
            [
                Button(
                    say(lang, f"invite.role.{role.value}"), InviteButton(group.id, choice).encode()
                )
            ]
            for choice, role in ROLES.items()
        ]
        return [View(html=say(lang, "invite.choose_role", group=group.name), buttons=buttons)]

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Walk through group, role and uses; then show the link with a revoke button."""
        lang = person.language
        revoked = RevokeInviteButton.read(action)
        if revoked is not None:
            return await self._revoke(session, person, revoked.invite_id)
        pressed = InviteButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        group_id, choice, uses = pressed.group_id, pressed.role, pressed.uses
        if choice is InviteRole.UNCHOSEN:
            return await self._choose_role(session, person, group_id)
        if uses is InviteUses.UNCHOSEN:
            buttons = [
                [
                    Button(
                        say(lang, f"invite.uses.{int(option)}"),
                        InviteButton(group_id, choice, option).encode(),
                    )
                ]
                for option in USES
            ]
            return [View(html=say(lang, "invite.choose_uses"), buttons=buttons, replace=True)]
        role = ROLES[choice]
        invite = await membership.create_invite(
            self.app,
            session,
            group_id=group_id,
            role=role,
            actor=person,
            days=INVITE_DAYS,
            uses=USES[uses],
        )
        group = await require(self.app, session, person, group_id, Permission.invite)
        ends = invite.created_at + timedelta(days=INVITE_DAYS)
        expires = format_date(local_date(ends, group_zone(self.app, group)), lang, weekday=False)
        text = say(
            lang,
            "invite.made",
            group=group.name,
            role=say(lang, f"role.{role.value}"),
            uses=say(lang, f"invite.uses.{int(uses)}").lower(),
            expires=expires,
            link=membership.invite_link(self.app.bot_username, invite.code),
        )
        revoke = [[Button(say(lang, "invite.revoke"), RevokeInviteButton(invite.id).encode())]]
        return [View(html=text, buttons=revoke, replace=True)]

    async def _revoke(self, session: AsyncSession, person: Person, invite_id: int) -> list[View]:
        invite = await membership.revoke_invite_by_id(
            self.app, session, actor=person, invite_id=invite_id
        )
        return [
            View(
                html=say(person.language, "invite.revoked", code=invite.code[:4] + "…"),
                replace=True,
            )
        ]
