"""/mydata, /forget, /leave and /remove.

Buttons: `ForgetButton` ("d", keep or delete), `LeaveButton` ("o", group and `Step`),
`HandOverButton` ("h", hand the facilitator role to someone and leave: group, person; 0 an
administrator),
`ArchiveAndLeaveButton` ("q", group and `Step`) and `RemoveButton` ("u", group, person
(0 lists them) and `Step`).
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.services import admin, export, forget, membership, privacy
from bot.services.errors import Denied, ServiceError
from bot.views import Attachment, Button, View, forget_done, forget_question, say
from storage.models import Group, Person


class Step(IntEnum):
    """Where a /leave, archive or /remove button is; the values are in buttons already sent."""

    ASK = 0  # ask to confirm
    YES = 1  # confirmed
    KEEP = 9  # changed their mind


class ForgetChoice(IntEnum):
    """The answer to /forget's question; the values are in buttons already sent."""

    KEEP = 0
    DELETE = 1


@button("d")
@dataclass(frozen=True)
class ForgetButton(ButtonData):
    choice: ForgetChoice


@button("o")
@dataclass(frozen=True)
class LeaveButton(ButtonData):
    group_id: int
    step: Step


@button("h")
@dataclass(frozen=True)
class HandOverButton(ButtonData):
    """Give the facilitator role to a member, or to an administrator (0), and leave."""

    group_id: int
    successor_id: int  # a person, or TO_ADMINISTRATOR


TO_ADMINISTRATOR = 0


@button("q")
@dataclass(frozen=True)
class ArchiveAndLeaveButton(ButtonData):
    group_id: int
    step: Step  # ASK or YES


@button("u")
@dataclass(frozen=True)
class RemoveButton(ButtonData):
    group_id: int
    person_id: int  # 0 lists the group's members
    step: Step


LABEL_MAX = 40
MAX_BUTTONS = 60


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


class PrivacyChat:
    """The chat side of see-export-delete and of leaving groups."""

    def __init__(self, app: App) -> None:
        self.app = app

    # -- /mydata and /forget ----------------------------------------------------------

    async def mydata(self, session: AsyncSession, person: Person) -> list[View]:
        """Send everything kept about the person as a JSON file and a readable page."""
        lang = person.language
        made = await export.export(self.app, session, person)
        return [
            View(html=say(lang, "mydata.intro")),
            View(
                html=say(lang, "mydata.json"),
                attachment=Attachment(f"{made.stem}.json", made.json),
            ),
            View(
                html=say(lang, "mydata.html"),
                attachment=Attachment(f"{made.stem}.html", made.html),
            ),
        ]

    async def forget_command(self, session: AsyncSession, person: Person) -> list[View]:
        """Ask before deleting: say what goes and what stays."""
        lang = person.language
        seen = await forget.preview(self.app, session, person)
        sole = await admin.sole_facilitator_of(session, person)
        minimum = self.app.settings.refleks_anonymity_min
        text = forget_question(lang, seen, minimum, [g.name for g in sole])
        buttons = [
            [Button(say(lang, "forget.yes"), ForgetButton(ForgetChoice.DELETE).encode())],
            [Button(say(lang, "forget.no"), ForgetButton(ForgetChoice.KEEP).encode())],
        ]
        if sole:  # a group keeps a facilitator: offer to hand it over (or close it) first
            buttons = await self._successors(session, person, sole[0]) + buttons
        return [View(html=text, buttons=buttons)]

    async def forget_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Delete everything about the person, or keep it."""
        lang = person.language
        pressed = ForgetButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        if pressed.choice is not ForgetChoice.DELETE:
            return [View(html=say(lang, "forget.kept"), replace=True)]
        done = await admin.forget_person(self.app, session, person)
        text = forget_done(lang, done)
        return [View(html=text, replace=True), View(html=say(lang, "forget.what_remains"))]

    # -- /leave -----------------------------------------------------------------------

    async def leave_command(self, session: AsyncSession, person: Person) -> list[View]:
        """Choose the group to leave."""
        lang = person.language
        mine = await membership.my_groups(session, person)
        if not mine:
            return [View(html=say(lang, "leave.none"))]
        buttons = [
            [Button(_label(g.name), LeaveButton(g.id, Step.ASK).encode())]
            for _, g in mine[:MAX_BUTTONS]
        ]
        return [View(html=say(lang, "leave.choose"), buttons=buttons)]

    async def leave_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Confirm, then leave; the last facilitator is offered a hand-over or archiving."""
        lang = person.language
        pressed = LeaveButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        group_id, step = pressed.group_id, pressed.step
        if step is Step.KEEP:
            return [View(html=say(lang, "leave.kept"), replace=True)]
        group = await self._my_group(session, person, group_id)
        if step is Step.ASK:
            buttons = [
                [Button(say(lang, "leave.yes"), LeaveButton(group.id, Step.YES).encode())],
                [Button(say(lang, "leave.no"), LeaveButton(group.id, Step.KEEP).encode())],
            ]
            text = say(lang, "leave.confirm", group=group.name)
            return [View(html=text, buttons=buttons, replace=True)]
        try:
            await privacy.leave_group(self.app, session, person=person, group_id=group.id)
        except Denied as exc:
            if exc.key != "denied.last_facilitator":
                raise
            return await self._hand_over(session, person, group)
        return [View(html=say(lang, "leave.done", group=group.name), replace=True)]

    async def _my_group(self, session: AsyncSession, person: Person, group_id: int) -> Group:
        for _, group in await membership.my_groups(session, person):
            if group.id == group_id:
                return group
        raise ServiceError("error.group_not_found")

    async def _hand_over(self, session: AsyncSession, person: Person, group: Group) -> list[View]:
        lang = person.language
        others = await privacy.other_members(session, group.id, person)
        buttons = await self._successors(session, person, group)
        buttons.append([Button(say(lang, "leave.no"), LeaveButton(group.id, Step.KEEP).encode())])
        key = "leave.hand_over" if others else "leave.only_member"
        return [View(html=say(lang, key, group=group.name), buttons=buttons, replace=True)]

    async def _successors(
        self, session: AsyncSession, person: Person, group: Group
    ) -> list[list[Button]]:
        """Buttons to give the facilitator role to a member or an administrator, or to close."""
        lang = person.language
        others = await privacy.other_members(session, group.id, person)
        buttons = [
            [
                Button(
                    _label(say(lang, "leave.give_to", name=p.display_name)),
                    HandOverButton(group.id, p.id).encode(),
                )
            ]
            for _, p in others[:MAX_BUTTONS]
        ]
        if await admin.administrators(self.app, session, besides=person):
            buttons.append(
                [
                    Button(
                        say(lang, "admin.give_to_admin"),
                        HandOverButton(group.id, TO_ADMINISTRATOR).encode(),
                    )
                ]
            )
        buttons.append(
            [Button(say(lang, "leave.archive"), ArchiveAndLeaveButton(group.id, Step.ASK).encode())]
        )
        return buttons

    async def hand_over_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Give the facilitator role to the chosen member (0: an administrator) and leave."""
        pressed = HandOverButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        group_id, successor_id = pressed.group_id, pressed.successor_id
        if successor_id == TO_ADMINISTRATOR:
            group, successor = await admin.hand_to_administrator(
                self.app, session, person=person, group_id=group_id
            )
        else:
            group, successor = await privacy.hand_over_and_leave(
                self.app, session, person=person, group_id=group_id, successor_id=successor_id
            )
        text = say(
            person.language, "leave.handed_over", group=group.name, name=successor.display_name
        )
        return [View(html=text, replace=True)]

    async def archive_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Confirm, then archive the group and leave it."""
        lang = person.language
        pressed = ArchiveAndLeaveButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        group_id, step = pressed.group_id, pressed.step
        if step is Step.ASK:
            group = await self._my_group(session, person, group_id)
            buttons = [
                [
                    Button(
                        say(lang, "leave.archive_yes"),
                        ArchiveAndLeaveButton(group.id, Step.YES).encode(),
                    )
                ],
                [Button(say(lang, "leave.no"), LeaveButton(group.id, Step.KEEP).encode())],
            ]
            text = say(lang, "leave.archive_confirm", group=group.name)
            return [View(html=text, buttons=buttons, replace=True)]
        if step is not Step.YES:
            return [View(html=say(lang, "stale.unknown"))]
        group = await privacy.archive_and_leave(self.app, session, person=person, group_id=group_id)
        return [View(html=say(lang, "leave.archived", group=group.name), replace=True)]

    # -- /remove ----------------------------------------------------------------------

    async def remove_command(self, session: AsyncSession, person: Person) -> list[View]:
        """Choose the group to take someone out of (facilitators)."""
        lang = person.language
        managed = await privacy.managed_groups(self.app, session, person)
        if not managed:
            raise Denied("denied.manage")
        if len(managed) == 1:
            return await self._members(session, person, managed[0].id, replace=False)
        buttons = [
            [Button(_label(g.name), RemoveButton(g.id, 0, Step.ASK).encode())]
            for g in managed[:MAX_BUTTONS]
        ]
        return [View(html=say(lang, "remove.choose_group"), buttons=buttons)]

    async def _members(
        self, session: AsyncSession, person: Person, group_id: int, *, replace: bool = True
    ) -> list[View]:
        lang = person.language
        managed = {g.id: g for g in await privacy.managed_groups(self.app, session, person)}
        group = managed.get(group_id)
        if group is None:
            raise Denied("denied.manage")
        others = await privacy.other_members(session, group.id, person)
        if not others:
            return [View(html=say(lang, "remove.nobody", group=group.name), replace=replace)]
        buttons = [
            [
                Button(
                    _label(f"{p.display_name} ({say(lang, f'role.{m.role.value}')})"),
                    RemoveButton(group.id, p.id, Step.ASK).encode(),
                )
            ]
            for m, p in others[:MAX_BUTTONS]
        ]
        text = say(lang, "remove.choose_member", group=group.name)
        return [View(html=text, buttons=buttons, replace=replace)]

    async def remove_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Walk through group, member and confirmation; then take them out of the group."""
        lang = person.language
        pressed = RemoveButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        group_id, person_id, step = pressed.group_id, pressed.person_id, pressed.step
        if step is Step.KEEP:
            return [View(html=say(lang, "remove.kept"), replace=True)]
        if person_id == 0:
            return await self._members(session, person, group_id)
        if step is Step.ASK:
            group = await self._managed(session, person, group_id)
            found = {p.id: p for _, p in await privacy.other_members(session, group.id, person)}
            target = found.get(person_id)
            if target is None:
                return [View(html=say(lang, "remove.not_member"), replace=True)]
            buttons = [
                [
                    Button(
                        say(lang, "remove.yes"),
                        RemoveButton(group.id, target.id, Step.YES).encode(),
                    )
                ],
                [
                    Button(
                        say(lang, "remove.no"),
                        RemoveButton(group.id, target.id, Step.KEEP).encode(),
                    )
                ],
            ]
            text = say(lang, "remove.confirm", name=target.display_name, group=group.name)
            return [View(html=text, buttons=buttons, replace=True)]
        group, target = await privacy.remove_member(
            self.app, session, actor=person, group_id=group_id, person_id=person_id
        )
        text = say(lang, "remove.done", name=target.display_name, group=group.name)
        return [View(html=text, replace=True)]

    async def _managed(self, session: AsyncSession, person: Person, group_id: int) -> Group:
        for group in await privacy.managed_groups(self.app, session, person):
            if group.id == group_id:
                return group
        raise Denied("denied.manage")
