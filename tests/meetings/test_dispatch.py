"""The dispatcher sends due rows once, reminds only who did not answer, waits for allowed times."""

from __future__ import annotations

from bot.app import App
from bot.dispatch.dispatcher import UPKEEP
from tests.meetings.support import (
    RecordingSender,
    World,
    answer_followup,
    dispatcher,
    followup_of,
    local,
    schedule,
)
from tests.support import Clock


async def test_preparation_reaches_everyone_and_reminds_only_who_did_not_answer(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    ticker = dispatcher(app, sender)

    report = await ticker.tick()
    notices = sender.take()
    assert report.sent == 4
    assert sorted(chat for chat, _ in notices) == [600, 601, 602, 603]  # not the facilitator
    assert "Nyt møde" in notices[0][1].html

    clock.now = local(2026, 3, 5, 14)  # Thursday: five days before the meeting
    await ticker.tick()
    prompts = sender.take()
    assert sorted(chat for chat, _ in prompts) == [600, 601, 602, 603]
    followup_id = followup_of(prompts[0][1])
    assert "Næste møde i <b>Netværk Nord</b>" in prompts[0][1].html

    await answer_followup(app, world.a1, followup_id)

    clock.now = local(2026, 3, 7, 14)  # Saturday: the reminder waits for Monday morning
    await ticker.tick()
    assert sender.take() == []

    clock.now = local(2026, 3, 9, 7, 30)
    await ticker.tick()
    reminders = sender.take()
    assert sorted(chat for chat, _ in reminders) == [601, 602, 603]  # Ane answered
    assert all("påmindelse" in view.html for _, view in reminders)

    clock.now = local(2026, 3, 9, 12)
    await ticker.tick()
    assert sender.take() == []  # one gentle reminder, never a second


async def test_rounds_are_opened_by_one_dispatcher_at_a_time(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    ticker = dispatcher(app, sender)
    await ticker.tick()
    sender.take()

    clock.now = local(2026, 3, 5, 14)  # the preparation round is due
    async with app.locks.try_hold("job", UPKEEP) as another_dispatcher_at_it:
        assert another_dispatcher_at_it
        report = await ticker.tick()
    assert (report.opened, sender.take()) == (0, [])

    report = await ticker.tick()
    assert report.opened == 1
    assert sorted(chat for chat, _ in sender.take()) == [600, 601, 602, 603]
