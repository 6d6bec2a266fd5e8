"""Whatever people send, they get a clear, friendly answer and nothing recorded is lost."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select
from telegram import Update

from bot.conversation import Conversation
from bot.services.membership import create_invite
from storage.enums import Role
from storage.models import Answer, Person
from storage.repositories import groups
from tests.e2e.conftest import Harness
from tests.e2e.flows import (
    button,
    join,
    new_team,
    reply,
    roles_and_relations_after_visit,
    text_of,
)
from tests.fakebot.world import BotMessage, User


async def _answers(bot: Harness) -> list[tuple[str, str, Any]]:
    async def work(session: Any) -> list[tuple[str, str, Any]]:
        rows = (await session.scalars(select(Answer).order_by(Answer.id))).all()
        return [(a.step_id, a.item, a.value) for a in rows]

    return await bot.app.db.run(work)


async def _mid_reflection(bot: Harness, name: str = "Ane") -> tuple[User, BotMessage]:
    user = bot.fake.add_user(name)
    await join(bot, user, await new_team(bot))
    prompt = await roles_and_relations_after_visit(bot, user, stop_after_relations=1)
    return user, prompt


async def test_a_stale_button_says_the_question_is_closed(bot: Harness) -> None:
    fake = bot.fake
    user = fake.add_user("Ane")
    await join(bot, user, await new_team(bot))
    await fake.send_text(user, "/reflect")
    menu = await fake.wait_for_message(user)
    await fake.press_button(user, menu, button(menu, "Roller og relationer"))
    timing = await fake.wait_for_message(user)
    await fake.press_button(user, timing, button(timing, "Efter besøget"))
    await fake.wait_for_message(user)
    before = await _answers(bot)
    # The old question's button is still on screen; pressing it changes nothing.
    await fake.press_button(user, timing, button(timing, "Før besøget"))
    closed = await fake.wait_for_message(user)
    assert "lukket" in text_of(closed)
    current = await fake.wait_for_message(user)
    assert "OK" in str(current.buttons())
    assert await _answers(bot) == before


async def test_forged_button_data_is_refused_politely(bot: Harness) -> None:
    fake = bot.fake
    user, prompt = await _mid_reflection(bot)
    before = await _answers(bot)
    for data in ["a:999999:1:0", "nonsense", "n:1:99", "f:1:ukendt-format", "v:1:1:42"]:
        query = {
            "id": str(fake.next_id()),
            "from": user.to_api(),
            "message": prompt.data,
            "chat_instance": "1",
            "data": data,
        }
        fake.callback_queries[query["id"]] = query
        fake.updates.push("callback_query", query)
        answer = await fake.wait_for_message(user)
        assert any(
            phrase in text_of(answer) for phrase in ("virker ikke", "lukket", "findes ikke")
        ), data
    await fake.idle()
    assert await _answers(bot) == before


async def test_stickers_photos_and_voice_get_a_kind_answer(bot: Harness) -> None:
    fake = bot.fake
    user, _ = await _mid_reflection(bot)
    before = await _answers(bot)
    for send in (fake.send_sticker, fake.send_photo, fake.send_voice, fake.send_document):
        send(user)
        answer = await fake.wait_for_message(user)
        assert "tekst" in text_of(answer)
    assert await _answers(bot) == before
    # And the reflection simply continues with a written answer.
    nxt = await reply(bot, user, "Relationen gav os noget nyt, del 2")
    assert "Trin" in text_of(nxt)


async def test_text_over_the_limit_is_refused_and_earlier_answers_stay(bot: Harness) -> None:
    user, _ = await _mid_reflection(bot)
    before = await _answers(bot)
    answer = await reply(bot, user, "ord " * 1200)
    assert "lidt for langt" in text_of(answer)
    again = await bot.fake.wait_for_message(user)
    assert "Trin" in text_of(again)
    assert await _answers(bot) == before


async def test_a_cpr_number_is_not_stored(bot: Harness) -> None:
    user, _ = await _mid_reflection(bot)
    before = await _answers(bot)
    answer = await reply(bot, user, "Eleven 120305-1234 var urolig")
    assert "CPR" in text_of(answer)
    assert await _answers(bot) == before


async def test_commands_in_the_wrong_kind_of_chat(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    group = fake.add_group("Lærerværelset", members=[ane])
    await fake.send_text(ane, "/reflect", chat=group)
    pointer = await fake.wait_for_message(group)
    assert "privat chat" in text_of(pointer)
    assert "t.me/" in text_of(pointer)
    await fake.send_text(ane, "/circle")
    answer = await fake.wait_for_message(ane)
    assert "gruppens chat" in text_of(answer)


async def test_unknown_commands_and_text_without_a_reflection(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    assert "/help" in text_of(await reply(bot, ane, "/flyvefisk"))
    assert "/reflect" in text_of(await reply(bot, ane, "Hej med dig"))


async def test_invite_codes_that_cannot_be_used(bot: Harness) -> None:
    fake = bot.fake
    code = await new_team(bot)
    first = fake.add_user("Første")
    await join(bot, first, code)

    async def extra(session: Any) -> tuple[str, str]:
        team = await groups.by_name(session, "Team 4A")
        assert team is not None
        once = await create_invite(
            bot.app, session, group_id=team.id, role=Role.participant, actor=None, uses=1
        )
        short = await create_invite(
            bot.app, session, group_id=team.id, role=Role.participant, actor=None, days=1
        )
        return once.code, short.code

    once, short = await bot.app.db.run(extra)
    cases = {
        code: "allerede brugt",  # the facilitator link was for one person
        "ikke-en-kode": "kender jeg ikke",
    }
    for used_code, expected in cases.items():
        person = fake.add_user("Ny")
        joined = await join(bot, person, used_code)
        assert expected in text_of(joined), used_code
    await join(bot, fake.add_user("Bo"), once)
    assert "allerede brugt" in text_of(await join(bot, fake.add_user("Camilla"), once))
    bot.clock.advance(days=2)
    assert "udløbet" in text_of(await join(bot, fake.add_user("Dorte"), short))


async def test_a_person_who_blocks_the_bot_is_marked_unreachable(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    fake.block(ane)

    async def unreachable(session: Any) -> bool:
        person = await session.scalar(select(Person).where(Person.telegram_id == ane.id))
        return bool(person.unreachable)

    await fake.idle()
    assert await bot.app.db.run(unreachable)
    fake.unblock(ane)
    await fake.idle()
    assert not await bot.app.db.run(unreachable)


async def test_the_same_update_delivered_twice_has_one_effect(bot: Harness) -> None:
    fake = bot.fake
    user, _ = await _mid_reflection(bot)
    before = len(await _answers(bot))
    message = await fake.send_text(user, "Relationen gav os noget nyt, del 2")
    # The update just queued, before the bot confirms it with its next poll.
    original = next(u for u in fake.updates.pending if u.get("message") is message)
    await fake.wait_for_message(user)
    assert len(await _answers(bot)) == before + 1
    assert bot.application is not None
    # Telegram redelivers an update it did not see confirmed: same id, same content.
    for _ in range(2):
        await bot.application.update_queue.put(Update.de_json(original, bot.application.bot))
    await fake.idle()
    assert len(await _answers(bot)) == before + 1


async def test_a_press_that_fails_still_stops_the_spinner(
    bot: Harness, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever goes wrong behind a button, the press is answered and the person told."""
    fake = bot.fake
    user, prompt = await _mid_reflection(bot)

    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("a failure behind the button")

    monkeypatch.setattr(Conversation, "button", broken)
    query_id = await fake.press_button(user, prompt, prompt.buttons()[0][1])
    sorry = await fake.wait_for_message(user)
    assert "Ups" in text_of(sorry)
    await fake.idle()
    assert [a["callback_query_id"] for a in fake.callback_answers][-1] == query_id
