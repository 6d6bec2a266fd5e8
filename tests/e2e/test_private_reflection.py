"""Joining from an invite link and reflecting in private chat, as a newcomer would."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select

from storage.enums import NextStepStatus, SessionStatus
from storage.models import Answer, DialogueSession, Membership, NextStep
from tests.e2e.conftest import Harness
from tests.e2e.flows import (
    button,
    finish_after_relations,
    join,
    new_team,
    press,
    reply,
    roles_and_relations_after_visit,
    text_of,
)


async def _count(bot: Harness, model: Any) -> int:
    async def work(session: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model)))

    return await bot.app.db.run(work)


async def test_facilitator_invites_three_participants_who_each_reflect(bot: Harness) -> None:
    """Mette runs Team 4A. She joins from the link she was given, makes a link for her team,
    and Ane, Bo and Camilla – who have never seen the bot – each join and reflect."""
    fake = bot.fake
    code = await new_team(bot)
    mette = fake.add_user("Mette", language_code="da")
    joined = await join(bot, mette, code)
    assert "Team 4A" in text_of(joined)
    assert "facilitator" in text_of(joined)
    assert "/invite" in text_of(joined)

    await fake.send_text(mette, "/invite")
    invite = await fake.wait_for_message(mette)
    assert "Hvem vil du invitere" in text_of(invite)
    # Each choice turns the same message into the next question, and finally into the link.
    await fake.press_button(mette, invite, button(invite, "Deltagere"))
    await fake.wait_until(lambda: "Hvor mange" in text_of(invite))
    await fake.press_button(mette, invite, button(invite, "40"))
    await fake.wait_until(lambda: "t.me/" in text_of(invite))
    assert button(invite, "Træk linket tilbage")
    # The link's last day is written as the rest of the chat writes dates: 3. december 2026.
    assert re.search(r"virker til og med \d{1,2}\. [a-zæøå]+ \d{4}:", text_of(invite))
    link = next(word for word in text_of(invite).split() if "t.me/" in word)
    participant_code = link.split("start=")[1]

    for name in ("Ane", "Bo", "Camilla"):
        person = fake.add_user(name, language_code="da")
        await fake.send_text(person, f"/start {participant_code}")
        welcome = await fake.wait_for_message(person)
        # The first thing a newcomer reads says what is kept and who sees it.
        assert "hvem der kan se dit svar" in text_of(welcome)
        assert "/forget" in text_of(welcome)
        await press(bot, person, welcome, "Ja, jeg er med")
        welcome_in = await fake.wait_for_message(person)
        assert "deltager" in text_of(welcome_in)
        await roles_and_relations_after_visit(bot, person)
        done = await finish_after_relations(bot, person)
        assert "Tak for din refleksion" in text_of(done)
        assert "/next" in text_of(done)

    assert await _count(bot, Membership) == 4
    assert await _count(bot, NextStep) == 3

    async def stored(session: Any) -> tuple[list[Answer], list[NextStep], list[DialogueSession]]:
        return (
            list((await session.scalars(select(Answer))).all()),
            list((await session.scalars(select(NextStep))).all()),
            list((await session.scalars(select(DialogueSession))).all()),
        )

    answers, steps, sessions = await bot.app.db.run(stored)
    assert {s.status for s in sessions} == {SessionStatus.completed}
    relation_answers = [a for a in answers if a.step_id == "relation"]
    assert len(relation_answers) == 9  # three relations for each of three people
    assert all(a.visibility == "private" for a in relation_answers)
    assert {s.what for s in steps} == {"Lade eleverne lede næste besøg"}
    assert all(s.due is not None and s.status == NextStepStatus.open for s in steps)


async def test_next_steps_can_be_marked(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    await roles_and_relations_after_visit(bot, ane)
    await finish_after_relations(bot, ane)
    await fake.send_text(ane, "/next")
    header = await fake.wait_for_message(ane)
    assert "næste skridt" in text_of(header).lower()
    # Who sees what: the status goes to the facilitator before a meeting, private wording not.
    assert "din facilitator, hvordan det går med hvert skridt" in text_of(header)
    item = await fake.wait_for_message(ane)
    assert "Lade eleverne lede næste besøg" in text_of(item)
    updated = await press(bot, ane, item, "Delvist")
    assert "delvist" in text_of(updated)
    await fake.send_text(ane, "/next")
    still_open = await fake.wait_for_message(ane)
    await fake.wait_for_message(ane)  # a partly done step stays on the list
    assert "næste skridt" in text_of(still_open).lower()


async def test_a_restart_in_the_middle_loses_nothing(bot: Harness) -> None:
    fake = bot.fake
    bo = fake.add_user("Bo")
    await join(bot, bo, await new_team(bot))
    await roles_and_relations_after_visit(bot, bo, stop_after_relations=2)
    await bot.restart()
    # Bo simply carries on typing; the bot picks up at the third relation.
    prompt = await reply(bot, bo, "Relationen gav os noget nyt, del 3")
    assert "Spring over" in str(prompt.buttons())  # the 'surprise' question after the visit
    done = await finish_after_relations(bot, bo)
    assert "Tak for din refleksion" in text_of(done)

    async def relations(session: Any) -> int:
        return int(
            await session.scalar(
                select(func.count()).select_from(Answer).where(Answer.step_id == "relation")
            )
        )

    assert await bot.app.db.run(relations) == 3


async def test_english_speakers_are_answered_in_english(bot: Harness) -> None:
    fake = bot.fake
    emma = fake.add_user("Emma", language_code="en-GB")
    await fake.send_text(emma, f"/start {await new_team(bot)}")
    welcome = await fake.wait_for_message(emma)
    assert "who will see your answer" in text_of(welcome)
    await press(bot, emma, welcome, "Yes")
    await fake.wait_for_message(emma)
    await fake.send_text(emma, "/reflect")
    menu = await fake.wait_for_message(emma)
    assert "Roles and relations" in str(menu.buttons())
