"""/groups, /newgroup and looking after a group: roles, links, teams, archiving.

Buttons are `NewGroupButton`s ("G": a `NewGroupStep` and the network a team goes in) and
`GroupButton`s ("A": a `GroupOp`, the group, a person and a value).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum
from typing import assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.chat.invite import RevokeInviteButton
from bot.services import admin, membership
from bot.services.access import is_admin
from bot.services.errors import ServiceError
from bot.views import Button, View, say
from storage.enums import GroupKind, Role
from storage.models import Group, Person


class NewGroupStep(IntEnum):
    """A step of /newgroup; the values are in buttons already sent."""

    ASK = 0  # ask what to create
    NETWORK = 1  # a network
    TEAM = 2  # a team on its own
    TEAM_IN = 3  # a team in the network given
    CANCEL = 9


@button("G")
@dataclass(frozen=True)
class NewGroupButton(ButtonData):
    step: NewGroupStep
    network_id: int = 0  # TEAM_IN: the network the team goes in


class GroupOp(IntEnum):
    """What a button on a group does; the values are in buttons already sent."""

    SHOW = 1  # the group's overview
    ROLES = 2  # its members and their roles; value: the page
    MEMBER = 3  # one member (the person) and the roles to give them
    SET_ROLE = 4  # give the person a role; value: its index in ROLES_ORDER
    LINK = 5  # an invite link for a role; value: its index in ROLES_ORDER
    ARCHIVE_ASK = 6
    ARCHIVE = 7
    ALL = 8  # every group, for an administrator; value: the page
    ADD_TEAM = 9  # a new team in the network (the group)
    MINE = 10  # back to /groups
    JOIN = 11  # an administrator joins the group as a facilitator


@button("A")
@dataclass(frozen=True)
class GroupButton(ButtonData):
    op: GroupOp
    group_id: int = 0
    person_id: int = 0
    value: int = 0


ROLES_ORDER = (Role.participant, Role.leader, Role.facilitator)
NAME_INPUT = "admin.group_name"
PER_PAGE = 20
LABEL_MAX = 48


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _kind(lang: str, group: Group) -> str:
    return say(lang, f"groups.kind.{group.kind.value}")


def _names(lang: str, found: list[Person]) -> str:
    return ", ".join(p.display_name for p in found) if found else say(lang, "admin.nobody")


def _pages(lang: str, op: GroupOp, group_id: int, page: int, pages: int) -> list[Button]:
    nav: list[Button] = []
    if page > 0:
        nav.append(
            Button(
                say(lang, "admin.newer_page"), GroupButton(op, group_id, value=page - 1).encode()
            )
        )
    if page + 1 < pages:
        nav.append(
            Button(say(lang, "admin.next_page"), GroupButton(op, group_id, value=page + 1).encode())
        )
    return nav


class AdminChat:
    """The chat side of administrators and facilitators looking after groups."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- /groups ----------------------------------------------------------------------

    async def groups_command(self, session: AsyncSession, person: Person) -> list[View]:
        """Show the person's groups and their role in each."""
        return await self._groups(session, person, replace=False)

    async def _groups(self, session: AsyncSession, person: Person, *, replace: bool) -> list[View]:
        lang = person.language
        found = await admin.places(self.app, session, person)
        administrator = await is_admin(self.app, session, person)
        listed = {p.group.id for p in found}
        lines = [say(lang, "groups.header")] if found else [say(lang, "groups.none")]
        buttons: list[list[Button]] = []
        for place in found:
            group = place.group
            roles = [say(lang, f"role.{place.role.value}")] if place.role else []
            if place.inherited is not None:
                inherited = say(lang, f"role.{place.inherited.value}")
                roles.append(say(lang, "groups.via_network", role=inherited))
            nested = group.parent_id is not None and group.parent_id in listed
            line = say(lang, "groups.item", group=group.name, kind=_kind(lang, group))
            line += " – " + "; ".join(roles)
            lines.append(("    ◦ " if nested else "• ") + line)
            if place.manage and len(buttons) < PER_PAGE:
                buttons.append(
                    [
                        Button(
                            _label("⚙️ " + group.name), GroupButton(GroupOp.SHOW, group.id).encode()
                        )
                    ]
                )
        if administrator:
            lines.append(say(lang, "groups.admin_hint"))
            buttons.append(
                [
                    Button(say(lang, "groups.new"), NewGroupButton(NewGroupStep.ASK).encode()),
                    Button(say(lang, "groups.all"), GroupButton(GroupOp.ALL).encode()),
                ]
            )
        elif found:
            lines.append(say(lang, "groups.leave_hint"))
        return [View(html="\n".join(lines), buttons=buttons, replace=replace)]

    # -- /newgroup --------------------------------------------------------------------

    async def newgroup_command(self, session: AsyncSession, person: Person) -> list[View]:
        """Ask an administrator what to create: a network, a team, or a team in a network."""
        return await self._what_to_create(session, person, replace=False)

    async def _what_to_create(
        self, session: AsyncSession, person: Person, *, replace: bool
    ) -> list[View]:
        lang = person.language
        networks = await admin.networks(self.app, session, person)
        buttons = [
            [Button(say(lang, "newgroup.network"), NewGroupButton(NewGroupStep.NETWORK).encode())],
            [Button(say(lang, "newgroup.team"), NewGroupButton(NewGroupStep.TEAM).encode())],
        ]
        buttons += [
            [
                Button(
                    _label(say(lang, "newgroup.team_in", network=n.name)),
                    NewGroupButton(NewGroupStep.TEAM_IN, n.id).encode(),
                )
            ]
            for n in networks
        ]
        buttons.append(
            [Button(say(lang, "newgroup.cancel"), NewGroupButton(NewGroupStep.CANCEL).encode())]
        )
        return [View(html=say(lang, "newgroup.choose"), buttons=buttons, replace=replace)]

    async def new_button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Walk through what to create, then ask for its name."""
        lang = person.language
        pressed = NewGroupButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        step, network_id = pressed.step, pressed.network_id
        if step is NewGroupStep.CANCEL:
            await admin.stop_expecting(session, person)
            return [View(html=say(lang, "newgroup.cancelled"), replace=True)]
        if step is NewGroupStep.ASK:
            return await self._what_to_create(session, person, replace=True)
        await admin.require_admin(self.app, session, person)
        if step is NewGroupStep.NETWORK:
            return await self._ask_name(session, person, GroupKind.network, None)
        if step is NewGroupStep.TEAM:
            return await self._ask_name(session, person, GroupKind.team, None)
        if step is NewGroupStep.TEAM_IN:
            return await self._ask_name(session, person, GroupKind.team, network_id)
        assert_never(step)

    async def _ask_name(
        self, session: AsyncSession, person: Person, kind: GroupKind, parent_id: int | None
    ) -> list[View]:
        lang = person.language
        data = {"kind": kind.value, "parent": parent_id}
        if parent_id is not None:
            parent = (await admin.overview(self.app, session, person, parent_id)).group
            text = say(lang, "newgroup.name_team_in", network=parent.name)
        else:
            text = say(lang, f"newgroup.name_{kind.value}")
        await admin.expect_text(self.app, session, person, NAME_INPUT, data)
        cancel = [
            [Button(say(lang, "newgroup.cancel"), NewGroupButton(NewGroupStep.CANCEL).encode())]
        ]
        return [View(html=text, buttons=cancel, replace=True)]

    async def typed(self, session: AsyncSession, person: Person, text: str) -> list[View] | None:
        """The name of a new group the bot asked for; None when it asked for none."""
        data = await admin.expected_text(self.app, session, person, NAME_INPUT)
        if data is None:
            return None
        lang = person.language
        kind = GroupKind(str(data.get("kind", "team")))
        parent = data.get("parent")
        try:
            group, invite = await admin.create(
                self.app,
                session,
                actor=person,
                name=text,
                kind=kind,
                parent_id=int(parent) if parent is not None else None,
            )
        except ServiceError as exc:
            cancel = [
                [Button(say(lang, "newgroup.cancel"), NewGroupButton(NewGroupStep.CANCEL).encode())]
            ]
            return [View(html=say(lang, exc.key, **exc.params), buttons=cancel)]
        await admin.stop_expecting(session, person)
        link = membership.invite_link(self.app.bot_username, invite.code)
        made = say(
            lang,
            f"newgroup.created_{kind.value}",
            group=group.name,
            link=link,
            days=membership.DEFAULT_INVITE_DAYS,
        )
        buttons = [
            [Button(say(lang, "admin.manage"), GroupButton(GroupOp.SHOW, group.id).encode())],
            [Button(say(lang, "admin.join"), GroupButton(GroupOp.JOIN, group.id).encode())],
        ]
        if kind == GroupKind.network:
            buttons.append(
                [
                    Button(
                        say(lang, "admin.add_team"),
                        GroupButton(GroupOp.ADD_TEAM, group.id).encode(),
                    )
                ]
            )
        elif group.parent_id is not None:
            buttons.append(
                [
                    Button(
                        say(lang, "admin.add_team"),
                        GroupButton(GroupOp.ADD_TEAM, group.parent_id).encode(),
                    )
                ]
            )
        return [View(html=made, buttons=buttons)]

    # -- a group ----------------------------------------------------------------------

    async def manage_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Show a group, its roles, a link, or archive it."""
        pressed = GroupButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        op, group_id, person_id, value = (
            pressed.op,
            pressed.group_id,
            pressed.person_id,
            pressed.value,
        )
        if op is GroupOp.SHOW:
            return await self._overview(session, person, group_id)
        if op is GroupOp.ROLES:
            return await self._roles(session, person, group_id, value)
        if op is GroupOp.MEMBER:
            return await self._member(session, person, group_id, person_id)
        if op is GroupOp.SET_ROLE and 0 <= value < len(ROLES_ORDER):
            return await self._set_role(session, person, group_id, person_id, ROLES_ORDER[value])
        if op is GroupOp.LINK and 0 <= value < len(ROLES_ORDER):
            return await self._link(session, person, group_id, ROLES_ORDER[value])
        if op is GroupOp.ARCHIVE_ASK:
            return await self._archive_ask(session, person, group_id)
        if op is GroupOp.ARCHIVE:
            return await self._archive(session, person, group_id)
        if op is GroupOp.ALL:
            return await self._all(session, person, value)
        if op is GroupOp.ADD_TEAM:
            await admin.require_admin(self.app, session, person)
            return await self._ask_name(session, person, GroupKind.team, group_id)
        if op is GroupOp.MINE:
            return await self._groups(session, person, replace=True)
        if op is GroupOp.JOIN:
            group = await admin.join_as_facilitator(
                self.app, session, actor=person, group_id=group_id
            )
            return [View(html=say(person.language, "admin.joined", group=group.name))]
        return [View(html=say(person.language, "stale.unknown"))]

    async def _overview(self, session: AsyncSession, person: Person, group_id: int) -> list[View]:
        lang = person.language
        seen = await admin.overview(self.app, session, person, group_id)
        group = seen.group
        head = say(lang, "admin.overview", group=group.name, kind=_kind(lang, group))
        lines = [head]
        if seen.parent is not None:
            lines.append(say(lang, "admin.in_network", network=seen.parent.name))
        if group.kind == GroupKind.network:
            teams = ", ".join(t.name for t in seen.teams) or say(lang, "admin.no_teams")
            lines.append(say(lang, "admin.teams", teams=teams))
        lines.append(say(lang, "admin.facilitators", names=_names(lang, seen.facilitators)))
        if not seen.facilitators:
            lines.append(say(lang, "admin.needs_facilitator"))
        lines.append(say(lang, "admin.leaders", names=_names(lang, seen.leaders)))
        lines.append(say(lang, "admin.participants", n=seen.participants))
        gid = group.id
        buttons = [
            [Button(say(lang, "admin.roles"), GroupButton(GroupOp.ROLES, gid).encode())],
            [
                Button(
                    say(lang, "admin.link_facilitator"),
                    GroupButton(GroupOp.LINK, gid, value=2).encode(),
                )
            ],
            [
                Button(
                    say(lang, "admin.link_leader"), GroupButton(GroupOp.LINK, gid, value=1).encode()
                )
            ],
            [Button(say(lang, "admin.link_participants"), GroupButton(GroupOp.LINK, gid).encode())],
        ]
        if group.kind == GroupKind.network and seen.admin:
            buttons.append(
                [Button(say(lang, "admin.add_team"), GroupButton(GroupOp.ADD_TEAM, gid).encode())]
            )
        buttons += [
            [Button(_label("⚙️ " + team.name), GroupButton(GroupOp.SHOW, team.id).encode())]
            for team in seen.teams[:PER_PAGE]
        ]
        buttons.append(
            [Button(say(lang, "admin.archive"), GroupButton(GroupOp.ARCHIVE_ASK, gid).encode())]
        )
        buttons.append(
            [Button(say(lang, "admin.back_to_groups"), GroupButton(GroupOp.MINE).encode())]
        )
        return [View(html="\n".join(lines), buttons=buttons, replace=True)]

    async def _roles(
        self, session: AsyncSession, person: Person, group_id: int, page: int
    ) -> list[View]:
        lang = person.language
        group, found = await admin.members(self.app, session, person, group_id)
        back = [Button(say(lang, "admin.back"), GroupButton(GroupOp.SHOW, group.id).encode())]
        if not found:
            return [
                View(
                    html=say(lang, "admin.no_members", group=group.name),
                    buttons=[back],
                    replace=True,
                )
            ]
        pages = max(1, -(-len(found) // PER_PAGE))
        page = min(max(page, 0), pages - 1)
        buttons = [
            [
                Button(
                    _label(f"{p.display_name} – {say(lang, f'role.{m.role.value}')}"),
                    GroupButton(GroupOp.MEMBER, group.id, p.id).encode(),
                )
            ]
            for m, p in found[page * PER_PAGE : (page + 1) * PER_PAGE]
        ]
        nav = _pages(lang, GroupOp.ROLES, group.id, page, pages)
        if nav:
            buttons.append(nav)
        buttons.append(back)
        text = say(lang, "admin.roles_choose", group=group.name)
        return [View(html=text, buttons=buttons, replace=True)]

    async def _member(
        self, session: AsyncSession, person: Person, group_id: int, person_id: int
    ) -> list[View]:
        lang = person.language
        group, found = await admin.members(self.app, session, person, group_id)
        match = [(m, p) for m, p in found if p.id == person_id]
        if not match:
            raise ServiceError("admin.not_member")
        member, target = match[0]
        buttons = [
            [
                Button(
                    ("• " if role == member.role else "") + say(lang, f"admin.make.{role.value}"),
                    GroupButton(GroupOp.SET_ROLE, group.id, target.id, index).encode(),
                )
            ]
            for index, role in enumerate(ROLES_ORDER)
        ]
        buttons.append(
            [Button(say(lang, "admin.back"), GroupButton(GroupOp.ROLES, group.id).encode())]
        )
        text = say(
            lang,
            "admin.member",
            name=target.display_name,
            role=say(lang, f"role.{member.role.value}"),
            group=group.name,
        )
        return [View(html=text, buttons=buttons, replace=True)]

    async def _set_role(
        self, session: AsyncSession, person: Person, group_id: int, person_id: int, role: Role
    ) -> list[View]:
        lang = person.language
        change = await admin.set_role(
            self.app, session, actor=person, group_id=group_id, person_id=person_id, role=role
        )
        key = "admin.role_set" if change.changed else "admin.role_same"
        text = say(
            lang,
            key,
            name=change.person.display_name,
            role=say(lang, f"role.{role.value}"),
            group=change.group.name,
        )
        back = [
            [Button(say(lang, "admin.back"), GroupButton(GroupOp.ROLES, change.group.id).encode())]
        ]
        return [View(html=text, buttons=back, replace=True)]

    async def _link(
        self, session: AsyncSession, person: Person, group_id: int, role: Role
    ) -> list[View]:
        lang = person.language
        invite = await admin.role_invite(
            self.app, session, actor=person, group_id=group_id, role=role
        )
        group = (await admin.overview(self.app, session, person, group_id)).group
        text = say(
            lang,
            "admin.link_many" if role == Role.participant else "admin.link",
            role=say(lang, f"role.{role.value}"),
            group=group.name,
            days=membership.DEFAULT_INVITE_DAYS,
            uses=invite.uses_left or 0,
            link=membership.invite_link(self.app.bot_username, invite.code),
        )
        revoke = [[Button(say(lang, "invite.revoke"), RevokeInviteButton(invite.id).encode())]]
        return [View(html=text, buttons=revoke)]

    async def _archive_ask(
        self, session: AsyncSession, person: Person, group_id: int
    ) -> list[View]:
        lang = person.language
        group = (await admin.overview(self.app, session, person, group_id)).group
        teams = await admin.teams_to_archive(self.app, session, person, group_id)
        text = say(lang, "admin.archive_confirm", group=group.name)
        if teams:
            text += "\n\n" + say(lang, "admin.archive_teams", n=teams)
        buttons = [
            [
                Button(
                    say(lang, "admin.archive_yes"), GroupButton(GroupOp.ARCHIVE, group.id).encode()
                )
            ],
            [Button(say(lang, "admin.archive_no"), GroupButton(GroupOp.SHOW, group.id).encode())],
        ]
        return [View(html=text, buttons=buttons, replace=True)]

    async def _archive(self, session: AsyncSession, person: Person, group_id: int) -> list[View]:
        group, teams = await admin.archive(self.app, session, actor=person, group_id=group_id)
        text = say(person.language, "admin.archived", group=group.name)
        if teams:
            text += " " + say(person.language, "admin.archived_teams", n=teams)
        return [View(html=text, replace=True)]

    async def _all(self, session: AsyncSession, person: Person, page: int) -> list[View]:
        lang = person.language
        found = await admin.all_groups(self.app, session, person, page)
        if not found.groups:
            return [View(html=say(lang, "admin.all_none"), replace=True)]
        lines = [say(lang, "admin.all_header", page=found.page + 1, pages=found.pages)]
        shown = {g.id for g in found.groups}
        buttons: list[list[Button]] = []
        for group in found.groups:
            counts = found.counts.get(group.id, {})
            line = say(
                lang,
                "admin.all_item",
                group=group.name,
                kind=_kind(lang, group),
                facilitators=counts.get(Role.facilitator, 0),
                leaders=counts.get(Role.leader, 0),
                participants=counts.get(Role.participant, 0),
            )
            nested = group.parent_id is not None and group.parent_id in shown
            lines.append(("    ◦ " if nested else "• ") + line)
            if not counts.get(Role.facilitator):
                lines[-1] += " ⚠️"
            buttons.append(
                [Button(_label("⚙️ " + group.name), GroupButton(GroupOp.SHOW, group.id).encode())]
            )
        nav = _pages(lang, GroupOp.ALL, 0, found.page, found.pages)
        if nav:
            buttons.append(nav)
        return [View(html="\n".join(lines), buttons=buttons, replace=True)]
