"""A newcomer joins from an invite link and completes a reflection in private chat."""

from __future__ import annotations

from sqlalchemy import select

from bot.services.membership import create_group
from storage.enums import GroupKind, NextStepStatus
from storage.models import Answer, NextStep
from tests.e2e.conftest import Harness
from tests.fakebot.world import BotMessage


def buttons(message: BotMessage) -> list[tuple[str, str]]:
    return message.buttons()


def data_for(message: BotMessage, label_part: str) -> str:
    for label, data in message.buttons():
        if label_part.lower() in label.lower():
            return data
    raise AssertionError(f"no button like {label_part!r} in {message.buttons()}")


async def _team(bot: Harness, name: str = "Team 4A") -> str:
    async def work(session):  # type: ignore[no-untyped-def]
        _, invite = await create_group(bot.app, session, name=name, kind=GroupKind.team)
        return invite.code

    return await bot.app.db.run(work)


async def test_newcomer_joins_and_completes_roles_and_relations(bot: Harness) -> None:
    fake = bot.fake
    code = await _team(bot)
    ane = fake.add_user("Ane", language_code="da")

    await fake.send_text(ane, f"/start {code}")
    welcome = await fake.wait_for_message(ane)
    assert "Før vi går i gang" in (welcome.text or "")
    await fake.press_button(ane, welcome, data_for(welcome, "Ja"))
    await fake.wait_for_message(ane)  # thanks
    joined = await fake.wait_for_message(ane)
    assert "Team 4A" in (joined.text or "")

    await fake.send_text(ane, "/reflect")
    menu = await fake.wait_for_message(ane)
    await fake.press_button(ane, menu, data_for(menu, "Roller og relationer"))

    typed = 0
    for _ in range(30):
        prompt = await fake.wait_for_message(ane)
        text = prompt.text or ""
        if "Tak for din refleksion" in text:
            break
        options = [(label, data) for label, data in prompt.buttons()]
        answer_buttons = [
            d for label, d in options if d.startswith("a:") and "Tilbage" not in label
        ]
        if "Før besøget" in text or any("Efter besøget" in label for label, _ in options):
            await fake.press_button(ane, prompt, data_for(prompt, "Efter besøget"))
        elif answer_buttons and "👁" not in text:
            await fake.press_button(ane, prompt, answer_buttons[0])
        elif answer_buttons and not any(c in text for c in ("Skriv", "Hvad", "Hvordan", "Hvornår")):
            await fake.press_button(ane, prompt, answer_buttons[0])
        else:
            typed += 1
            reply = "om to uger" if "hvornår" in text.lower() else f"Mit svar nummer {typed}"
            await fake.send_text(ane, reply)
    else:
        raise AssertionError("the reflection never finished")

    async def stored(session):  # type: ignore[no-untyped-def]
        answers = (await session.scalars(select(Answer))).all()
        steps = (await session.scalars(select(NextStep))).all()
        return answers, steps

    answers, steps = await bot.app.db.run(stored)
    assert typed >= 3
    assert any(a.value == "Mit svar nummer 1" for a in answers)
    assert len(steps) == 1
    assert steps[0].status == NextStepStatus.open
    assert steps[0].due is not None
