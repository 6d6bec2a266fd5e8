"""End to end: a participant edits, narrows and withdraws answers; the summary follows."""

from __future__ import annotations

from typing import Any

from storage.models import Person
from storage.repositories import groups, people
from tests.admin.support import summary_text
from tests.e2e.conftest import Harness
from tests.e2e.flows import button, join, new_team, participant_link, press, reply, text_of
from tests.fakebot.world import BotMessage, User

VISIT = "Naturcenteret ved skoven, 7. klasse"
RELATION = "Vi delte rollerne tydeligt mellem os"
STEP = "Lade eleverne lede næste besøg"


async def _edited(bot: Harness, user: User, message: BotMessage, label: str, expect: str) -> None:
    """Press a button whose answer replaces the message, and wait for the new text."""
    await bot.fake.press_button(user, message, button(message, label))
    await bot.fake.wait_until(lambda: expect in text_of(message))


async def _reflect_and_share(bot: Harness, ane: User) -> tuple[BotMessage, BotMessage]:
    """Roles and relations after a visit: the visit and a relation for the team, the next
    step for the team and its leaders."""
    menu = await reply(bot, ane, "/reflect")
    timing = await press(bot, ane, menu, "Roller og relationer")
    intro = await press(bot, ane, timing, "Efter besøget")
    role = await press(bot, ane, intro, "OK")
    visit = await press(bot, ane, role, "Lærer")
    await _edited(bot, ane, visit, "Mit team", "Dit team og jeres facilitatorer")
    relation = await reply(bot, ane, VISIT)
    await _edited(bot, ane, relation, "Mit team", "Dit team og jeres facilitatorer")
    await reply(bot, ane, RELATION)
    await reply(bot, ane, "Eleverne spurgte meget")
    await reply(bot, ane, "Underviseren tog sig af det faglige")
    step = await reply(bot, ane, "Elevernes ansvar overraskede mig")
    await _edited(bot, ane, step, "Team og ledere", "lederne af gruppen")
    await reply(bot, ane, STEP)
    await reply(bot, ane, "om to uger")
    done = await reply(bot, ane, "Jeg fortæller det på teammødet.")
    assert "Tak for din refleksion" in text_of(done)
    return visit, done


async def test_edit_narrow_and_withdraw_answers_and_see_the_summary_change(bot: Harness) -> None:
    """Ane reflects and shares three answers. Later, in /mine, she rewrites the visit,
    shows a relation only to herself, and withdraws her next step. Frida's summary, read
    before and after, shows each change; the frozen totals have nothing to do with it."""
    fake = bot.fake
    frida, ane = fake.add_user("Frida"), fake.add_user("Ane")
    await join(bot, frida, await new_team(bot, "Team 4A"))

    await join(bot, ane, await participant_link(bot, "Team 4A"))
    await _reflect_and_share(bot, ane)

    async def summary(session: Any) -> str:
        viewer = await people.by_telegram_id(session, frida.id)
        team = await groups.by_name(session, "Team 4A")
        assert isinstance(viewer, Person)
        assert team is not None
        return await summary_text(bot.app, session, viewer, team.id)

    bot.clock.advance(hours=1)
    before = await bot.app.db.run(summary)
    for text in (VISIT, RELATION, STEP):
        assert text in before, text

    listed = await reply(bot, ane, "/mine")
    assert "Roller og relationer i åben skole (Team 4A)" in text_of(listed)
    await _edited(bot, ane, listed, "Roller og relationer", "1. Din rolle")
    assert VISIT in text_of(listed)
    await _edited(bot, ane, listed, "Besøget", "Dit team og jeres facilitatorer kan se")
    await _edited(bot, ane, listed, "Ret svaret", "Skriv dit nye svar")
    refused = await reply(bot, ane, "Eleven 240315-1234 blev ked af det")
    assert "CPR-nummer" in text_of(refused)
    edited = await reply(bot, ane, "Skovbørnehaven, 3. klasse")
    assert "Dit svar er rettet" in text_of(edited)
    after_edit = await bot.app.db.run(summary)
    assert "Skovbørnehaven, 3. klasse" in after_edit
    assert VISIT not in after_edit

    await _edited(bot, ane, edited, "◀ Tilbage", "Underviser og lærer")
    await _edited(bot, ane, edited, "Underviser og lærer", "Dit team og jeres facilitatorer kan se")
    await _edited(bot, ane, edited, "Lad færre se det", "Hvem skal kunne se svaret")
    await _edited(bot, ane, edited, "Kun mig", "Nu kan færre se dit svar")
    assert RELATION not in await bot.app.db.run(summary)

    await _edited(bot, ane, edited, "◀ Tilbage", "Dit næste skridt")
    await _edited(bot, ane, edited, "Dit næste skridt", "lederne af gruppen")
    await _edited(bot, ane, edited, "Træk svaret tilbage", "Det kan ikke fortrydes")
    await _edited(bot, ane, edited, "Ja, træk det tilbage", "trukket tilbage og slettet")
    final = await bot.app.db.run(summary)
    assert STEP not in final
    assert "Skovbørnehaven, 3. klasse" in final

    nothing = await reply(bot, ane, "/next")
    assert "næste skridt" in text_of(nothing).lower()
    assert STEP not in text_of(nothing)
    await _edited(bot, ane, edited, "◀ Tilbage", "Trukket tilbage")


async def test_a_next_step_edited_in_mine_to_hold_a_cpr_number_is_refused(bot: Harness) -> None:
    """The edit of a next step is checked like a new answer: a CPR number is not stored."""
    fake = bot.fake
    frida, ane = fake.add_user("Frida"), fake.add_user("Ane")
    await join(bot, frida, await new_team(bot, "Team 4A"))
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    await _reflect_and_share(bot, ane)

    listed = await reply(bot, ane, "/mine")
    await _edited(bot, ane, listed, "Roller og relationer", "Dit næste skridt")
    await _edited(bot, ane, listed, "Dit næste skridt", "lederne af gruppen")
    await _edited(bot, ane, listed, "Ret svaret", "Skriv dit nye svar")
    refused = await reply(bot, ane, "Tale med 010190\u00a0-\u00a01234 om besøget")
    assert "CPR-nummer" in text_of(refused)

    async def stored(session: Any) -> str:
        ane_row = await people.by_telegram_id(session, ane.id)
        assert isinstance(ane_row, Person)
        from sqlalchemy import select

        from storage.models import Answer, NextStep

        answers = await session.scalars(select(Answer).where(Answer.person_id == ane_row.id))
        steps = await session.scalars(select(NextStep).where(NextStep.person_id == ane_row.id))
        return repr([a.value for a in answers]) + repr([s.what for s in steps])

    kept = await bot.app.db.run(stored)
    assert "1234" not in kept
    assert STEP in kept


async def test_a_reflection_ends_with_the_answers_read_back_and_a_way_to_change_one(
    bot: Harness,
) -> None:
    """The thank-you reads back every answer with who can see it; its button opens the
    reflection as /mine does, where an answer can be changed before leaving."""
    fake = bot.fake
    frida, ane = fake.add_user("Frida"), fake.add_user("Ane")
    await join(bot, frida, await new_team(bot, "Team 4A"))
    await join(bot, ane, await participant_link(bot, "Team 4A"))
    visit, done = await _reflect_and_share(bot, ane)
    # Who sees the answer is a choice of its own, marked apart from any answer.
    assert "Hvem kan se det?" in text_of(visit)
    keyboard = visit.reply_markup or {}
    rows = [[b["text"] for b in row] for row in keyboard.get("inline_keyboard", [])]
    levels = [row for row in rows if any("Mit team" in label for label in row)]
    assert len(levels) == 1
    assert all(label.startswith("👁") for label in levels[0])
    assert not any(label.startswith("👁") for row in rows if row is not levels[0] for label in row)

    played = text_of(done)
    assert "Tak for din refleksion" in played
    assert "Det har du svaret i Roller og relationer" in played
    for words in (VISIT, RELATION, STEP, "Lærer", "Jeg fortæller det på teammødet."):
        assert words in played, words
    assert "👁 Mit team" in played  # the visit, shared with the team
    assert "👁 Kun mig" in played  # the relations, kept private
    assert played.index("Lærer") < played.index(VISIT) < played.index(STEP)  # as asked

    # The playback turns into the reflection as /mine shows it, one button per answer.
    await _edited(bot, ane, done, "Ret et svar", "2. Besøget")
    assert any(label == "2. Besøget" for label, _ in done.buttons())
