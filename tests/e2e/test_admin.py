"""End to end: an administrator builds a network in Telegram; facilitators hand over."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from bot.dispatch import Dispatcher
from bot.dispatch.sender import TelegramSender
from bot.services import admin
from storage.enums import Role
from storage.models import Group, Membership, Person
from tests.e2e.conftest import Harness
from tests.e2e.flows import button, join, new_team, participant_link, press, reply, text_of
from tests.fakebot.world import BotMessage, User


def _code(message: BotMessage) -> str:
    link = next(word for word in text_of(message).split() if "?start=" in word)
    return link.split("start=")[1]


async def _edited(bot: Harness, user: User, message: BotMessage, label: str, expect: str) -> None:
    """Press a button whose answer replaces the message, and wait for the new text."""
    await bot.fake.press_button(user, message, button(message, label))
    await bot.fake.wait_until(lambda: expect in text_of(message))


async def _dispatch(bot: Harness) -> None:
    """One tick of the outbox dispatcher, as the job queue runs it every few seconds."""
    sender = TelegramSender.create(token=bot.fake.token, base_url=bot.fake.base_url)
    try:
        await Dispatcher(bot.app, sender).tick()
    finally:
        await sender.stop()


async def _make_admin(bot: Harness, user: User) -> None:
    """What `refleks admin add TELEGRAM_ID` does."""

    async def work(session: Any) -> None:
        await admin.add_administrator(bot.app, session, user.id)

    await bot.app.db.run(work)


async def _roles(bot: Harness) -> dict[tuple[str, str], Role]:
    async def work(session: Any) -> dict[tuple[str, str], Role]:
        rows = await session.execute(
            select(Group.name, Person.display_name, Membership.role)
            .join(Membership, Membership.group_id == Group.id)
            .join(Person, Person.id == Membership.person_id)
        )
        return {(g, p): r for g, p, r in rows.all()}

    return await bot.app.db.run(work)


async def _consent(bot: Harness, user: User) -> None:
    await bot.fake.send_text(user, "/start")
    welcome = await bot.fake.wait_for_message(user)
    await press(bot, user, welcome, "Ja, jeg er med")  # thanks
    await bot.fake.wait_for_message(user)  # "ask your facilitator for a link"


async def test_an_administrator_creates_a_network_with_two_teams_and_appoints_facilitators(
    bot: Harness,
) -> None:
    """Ada runs Refleks for the municipality. From Telegram alone she creates Netværk Øst
    with the teams Skovly and Engen, sends the facilitators their links, and makes Bo, who
    joined Engen as a participant, its facilitator."""
    fake = bot.fake
    ada = fake.add_user("Ada")
    await _make_admin(bot, ada)
    await _consent(bot, ada)

    asked = await reply(bot, ada, "/newgroup")
    assert "Hvad vil du oprette?" in text_of(asked)
    await _edited(bot, ada, asked, "Et netværk", "Hvad skal netværket hedde?")
    network = await reply(bot, ada, "Netværk Øst")
    assert "Netværket Netværk Øst er oprettet" in text_of(network)
    network_code = _code(network)

    codes: dict[str, str] = {}
    made = network
    for name in ("Skovly", "Engen"):
        # The button sits under the network's message and under each new team's.
        await _edited(bot, ada, made, "Nyt team i netværket", "Hvad skal det nye team")
        made = await reply(bot, ada, name)
        assert f"Teamet {name} er oprettet" in text_of(made)
        codes[name] = _code(made)

    mette, jens, bo = fake.add_user("Mette"), fake.add_user("Jens"), fake.add_user("Bo")
    assert "facilitator" in text_of(await join(bot, mette, network_code))
    assert "facilitator" in text_of(await join(bot, jens, codes["Skovly"]))

    # A link for Engen's participants, from the group's page in /groups.
    groups = await reply(bot, ada, "/groups")
    await _edited(bot, ada, groups, "Alle grupper", "Alle grupper")
    assert "Engen (team) – 0 facilitatorer" in text_of(groups)
    await _edited(bot, ada, groups, "Engen", "Facilitatorer: ingen")
    assert "Gruppen har ingen facilitator" in text_of(groups)
    participants = await press(bot, ada, groups, "Link til nye deltagere")
    assert "Op til 40 personer" in text_of(participants)
    assert "deltager" in text_of(await join(bot, bo, _code(participants)))

    await _edited(bot, ada, groups, "Giv eller tag en rolle", "Tryk på en person")
    await _edited(bot, ada, groups, "Bo – deltager", "Hvilken rolle skal Bo have?")
    await _edited(bot, ada, groups, "Facilitator", "Bo er nu facilitator i Engen")

    await _dispatch(bot)
    told = await fake.wait_for_message(bo, lambda m: "Du er nu facilitator" in text_of(m))
    assert "Engen" in text_of(told)

    assert await _roles(bot) == {
        ("Netværk Øst", "Mette"): Role.facilitator,
        ("Skovly", "Jens"): Role.facilitator,
        ("Engen", "Bo"): Role.facilitator,
    }
    # Mette sees her network, and the teams she stands in through it.
    overview = text_of(await reply(bot, mette, "/groups"))
    assert "• Netværk Øst (netværk) – facilitator" in overview
    assert "◦ Engen (team) – facilitator via netværket" in overview
    assert "◦ Skovly (team) – facilitator via netværket" in overview
    own = text_of(await reply(bot, bo, "/groups"))
    assert "Engen (team) – facilitator" in own
    assert "Skovly" not in own


async def test_the_last_facilitator_hands_over_on_leave_and_on_forget(bot: Harness) -> None:
    """Jens leaves Team 4A and gives the role to Bo; later Bo wants everything about him
    deleted and hands the team to the administrator first."""
    fake = bot.fake
    ada, jens, bo = fake.add_user("Ada"), fake.add_user("Jens"), fake.add_user("Bo")
    await _make_admin(bot, ada)
    await _consent(bot, ada)
    await join(bot, jens, await new_team(bot, "Team 4A"))

    await join(bot, bo, await participant_link(bot, "Team 4A"))

    choose = await reply(bot, jens, "/leave")
    await _edited(bot, jens, choose, "Team 4A", "Vil du forlade")
    await _edited(bot, jens, choose, "Ja, forlad gruppen", "sidste facilitator")
    labels = [label for label, _ in choose.buttons()]
    assert labels == [
        "Giv rollen til Bo",
        "Giv rollen til en administrator",
        "Luk gruppen",
        "Nej, bliv",
    ]
    await _edited(bot, jens, choose, "Giv rollen til Bo", "Bo er nu facilitator")
    assert await _roles(bot) == {("Team 4A", "Bo"): Role.facilitator}

    asked = await reply(bot, bo, "/forget")
    assert "eneste facilitator i Team 4A" in text_of(asked)
    await _edited(bot, bo, asked, "en administrator", "Ada er nu facilitator")
    assert await _roles(bot) == {("Team 4A", "Ada"): Role.facilitator}
    await _dispatch(bot)
    told = await fake.wait_for_message(ada, lambda m: "har givet dig rollen" in text_of(m))
    assert "Team 4A" in text_of(told)

    again = await reply(bot, bo, "/forget")
    assert "eneste facilitator" not in text_of(again)
    await _edited(bot, bo, again, "Ja, slet", "Dine data er slettet")
