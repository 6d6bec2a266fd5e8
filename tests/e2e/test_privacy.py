"""Privacy over Telegram: see, export and delete; floods and edits; errors keep answers."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select

from bot.services import retention
from storage.models import Answer, Consent, Person
from tests.e2e.conftest import Harness
from tests.e2e.flows import (
    button,
    join,
    new_team,
    press,
    reply,
    roles_and_relations_after_visit,
    text_of,
)
from tests.fakebot.world import BotMessage


@dataclass
class Ticks:
    now: float = 5000.0

    def __call__(self) -> float:
        return self.now


async def _count(bot: Harness, model: type) -> int:
    async def work(session: Any) -> int:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)

    return await bot.app.db.run(work)


async def _answer_values(bot: Harness) -> list[Any]:
    async def work(session: Any) -> list[Any]:
        return [a.value for a in (await session.scalars(select(Answer).order_by(Answer.id)))]

    return await bot.app.db.run(work)


async def test_privacy_text_is_there_before_anything_is_stored(bot: Harness) -> None:
    ane = bot.fake.add_user("Ane")
    shown = await reply(bot, ane, "/privacy")
    for part in ("Hvad gemmes?", "Hvem ser hvad?", "730 dage", "/mydata", "/forget", "uden for EU"):
        assert part in text_of(shown), part
    assert await _count(bot, Person) == 0


async def test_mydata_sends_json_and_html_and_forget_deletes_after_asking(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    await roles_and_relations_after_visit(bot, ane, stop_after_relations=1)

    await fake.send_text(ane, "/mydata")
    intro = await fake.wait_for_message(ane)
    assert "alt, hvad Refleks har gemt om dig" in text_of(intro)
    as_json = await fake.wait_for_message(ane)
    as_html = await fake.wait_for_message(ane)
    assert as_json.method == "sendDocument"
    assert (as_json.filename or "").endswith(".json")
    assert (as_html.filename or "").endswith(".html")
    data = json.loads(as_json.document or b"")
    assert data["person"]["display_name"] == "Ane"
    values = [a["value"] for r in data["reflections"] for a in r["answers"]]
    assert "Naturcenteret ved skoven, 7. klasse" in values
    assert "Naturcenteret ved skoven, 7. klasse" in (as_html.document or b"").decode()

    asked = await reply(bot, ane, "/forget")
    assert "Vil du slette dine data?" in text_of(asked)
    await fake.press_button(ane, asked, button(asked, "Nej"))
    await fake.idle()
    assert "intet er slettet" in text_of(asked)  # the question is replaced by the answer
    assert await _count(bot, Person) == 1
    asked = await reply(bot, ane, "/forget")
    await fake.press_button(ane, asked, button(asked, "Ja, slet"))
    remains = await fake.wait_for_message(ane)
    assert "Dine data er slettet" in text_of(asked)
    assert "anonyme gennemsnit" in text_of(remains)
    assert await _count(bot, Person) == 0
    assert await _count(bot, Answer) == 0
    assert await _count(bot, Consent) == 0
    again = await reply(bot, ane, "/reflect")
    assert "Før vi går i gang" in text_of(again)


async def test_a_flood_is_slowed_with_one_message_and_answers_stay(bot: Harness) -> None:
    fake = bot.fake
    ticks = Ticks()
    bot.update_guard().flood.clock = ticks  # time stands still: only the flood itself counts
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    await roles_and_relations_after_visit(bot, ane, stop_after_relations=1)
    answered = await _answer_values(bot)
    before = len(fake.sent(ane))

    for _ in range(150):
        await fake.send_text(ane, "/help")
    await fake.idle()
    replies = [text_of(m) for m in fake.sent(ane)[before:]]
    slowed = [r for r in replies if "hurtigere, end jeg kan følge med" in r]
    assert len(slowed) == 1
    assert "Alt, hvad du har svaret, er gemt" in slowed[0]
    assert 40 <= len(replies) - 1 <= 60
    assert await _answer_values(bot) == answered

    ticks.now += 60  # a quiet minute later everything works again
    helped = await reply(bot, ane, "/help")
    assert "Det kan jeg hjælpe med" in text_of(helped)


async def test_an_edited_message_is_not_taken_as_a_new_answer(bot: Harness) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane")
    await join(bot, ane, await new_team(bot))
    await roles_and_relations_after_visit(bot, ane, stop_after_relations=0)
    sent = await fake.send_text(ane, "Min første relation")
    await fake.wait_for_message(ane)
    answered = await _answer_values(bot)
    fake.edit_user_message(ane, sent, "Noget helt andet")
    told = await fake.wait_for_message(ane)
    assert "rettelser" in text_of(told)
    await fake.idle()
    assert await _answer_values(bot) == answered


async def test_an_error_is_explained_in_the_persons_language_and_the_answer_is_kept(
    bot: Harness,
) -> None:
    fake = bot.fake
    ane = fake.add_user("Ane", language_code="da")
    await join(bot, ane, await new_team(bot))
    choose = await reply(bot, ane, "/language")
    await press(bot, ane, choose, "English")
    await fake.send_text(ane, "/reflect")
    menu = await fake.wait_for_message(ane)
    timing = await press(bot, ane, menu, "Roles and relations")
    intro = await press(bot, ane, timing, "After")
    role = await press(bot, ane, intro, "OK")
    await fake.press_button(ane, role, role.buttons()[0][1])
    await fake.wait_for_message(ane)
    fake.fail("sendMessage", status=500, chat_id=ane.id)
    await fake.send_text(ane, "The nature centre by the forest, year 7")
    sorry: BotMessage = await fake.wait_for_message(ane)
    assert "something went wrong" in text_of(sorry)
    assert "already answered is saved" in text_of(sorry)
    assert "The nature centre by the forest, year 7" in await _answer_values(bot)


async def test_the_retention_job_is_scheduled_daily_at_night(bot: Harness) -> None:
    application = bot.application
    assert application is not None
    # The harness starts the bot as run_polling() does, post_init included.
    assert application.job_queue is not None
    jobs = application.job_queue.get_jobs_by_name(retention.JOB_NAME)
    assert len(jobs) == 1
    assert jobs[0].next_t is not None
    assert jobs[0].next_t.astimezone(bot.app.settings.timezone).hour == retention.RUN_AT.hour
