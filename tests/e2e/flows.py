"""Steps a person takes in private chat, written as they would take them."""

from __future__ import annotations

from typing import Any

from bot.services.membership import create_group, create_invite
from storage.enums import GroupKind, Role
from storage.repositories import groups
from tests.e2e.conftest import Harness
from tests.fakebot.world import BotMessage, User


def button(message: BotMessage, label_part: str) -> str:
    """The data of the button whose label contains `label_part` (case-insensitive)."""
    for label, data in message.buttons():
        if label_part.lower() in label.lower():
            return data
    raise AssertionError(f"no button like {label_part!r} in {message.buttons()}")


def text_of(message: BotMessage) -> str:
    return message.text or ""


async def new_team(bot: Harness, name: str = "Team 4A", kind: GroupKind = GroupKind.team) -> str:
    """Create a team as `refleks group create` does; returns the facilitator invite code."""

    async def work(session: Any) -> str:
        _, invite = await create_group(bot.app, session, name=name, kind=kind)
        return invite.code

    return await bot.app.db.run(work)


async def participant_link(bot: Harness, team: str = "Team 4A") -> str:
    """A participant invite code for an existing group, as its facilitator would make one."""

    async def work(session: Any) -> str:
        group = await groups.by_name(session, team)
        assert group is not None
        invite = await create_invite(
            bot.app, session, group_id=group.id, role=Role.participant, actor=None
        )
        return invite.code

    return await bot.app.db.run(work)


async def join(bot: Harness, user: User, code: str) -> BotMessage:
    """Tap an invite link, read the welcome, say yes; returns the 'you have joined' message."""
    fake = bot.fake
    await fake.send_text(user, f"/start {code}")
    welcome = await fake.wait_for_message(user)
    await fake.press_button(user, welcome, welcome.buttons()[0][1])
    await fake.wait_for_message(user)  # thank you
    return await fake.wait_for_message(user)


async def reply(bot: Harness, user: User, text: str) -> BotMessage:
    await bot.fake.send_text(user, text)
    return await bot.fake.wait_for_message(user)


async def press(bot: Harness, user: User, message: BotMessage, label_part: str) -> BotMessage:
    await bot.fake.press_button(user, message, button(message, label_part))
    return await bot.fake.wait_for_message(user)


async def roles_and_relations_after_visit(
    bot: Harness, user: User, *, stop_after_relations: int = 3
) -> BotMessage:
    """From /reflect to the end of 'Roller og relationer' used after a visit (Danish)."""
    fake = bot.fake
    await fake.send_text(user, "/reflect")
    menu = await fake.wait_for_message(user)
    timing = await press(bot, user, menu, "Roller og relationer")
    assert "før eller efter" in text_of(timing)
    intro = await press(bot, user, timing, "Efter besøget")
    role = await press(bot, user, intro, "OK")
    assert "Kun du kan se dit svar" in text_of(role)
    await fake.press_button(user, role, role.buttons()[0][1])
    visit = await fake.wait_for_message(user)
    assert "Spring over" in str(visit.buttons())
    prompt = await reply(bot, user, "Naturcenteret ved skoven, 7. klasse")
    for index in range(stop_after_relations):
        prompt = await reply(bot, user, f"Relationen gav os noget nyt, del {index + 1}")
    return prompt


async def finish_after_relations(bot: Harness, user: User) -> BotMessage:
    """From the question after the three relations to the thank-you."""
    await reply(bot, user, "Eleverne tog mere ansvar, end vi havde regnet med.")
    await reply(bot, user, "Lade eleverne lede næste besøg")
    await reply(bot, user, "om to uger")
    return await reply(bot, user, "Jeg fortæller det på teammødet.")
