"""Quiet hours, weekends, holidays and each person's own time zone decide when a message goes."""

from __future__ import annotations

from sqlalchemy import select

from bot.app import App
from bot.dispatch.compose import NOTICE
from storage.enums import OutboxStatus
from storage.models import OutboxMessage, Person
from storage.repositories import outbox
from storage.repositories.outbox import NewMessage
from tests.meetings.support import (
    RecordingSender,
    World,
    chats,
    dispatcher,
    local,
    pause,
    schedule,
)
from tests.support import Clock

ANE, ASTA, BO, BENT = 600, 601, 602, 603


async def _queue(app: App, who: Person, key: str = "a") -> None:
    message = NewMessage(
        key=key,
        chat_id=who.telegram_id or 0,
        kind=NOTICE,
        due_at=app.now(),
        payload={"key": "pause.resumed"},
        person_id=who.id,
    )
    await app.db.run(lambda s: outbox.enqueue(s, message, app.now()))


async def _due(app: App) -> list[OutboxMessage]:
    async def work(session):  # type: ignore[no-untyped-def]
        return (await session.scalars(select(OutboxMessage).order_by(OutboxMessage.id))).all()

    return list(await app.db.run(work))


async def test_quiet_hours_defer_to_the_next_morning(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    clock.now = local(2026, 3, 3, 21, 15)  # Tuesday evening
    await _queue(app, world.a1)
    ticker = dispatcher(app, sender)
    report = await ticker.tick()
    assert report.deferred == 1
    assert sender.sent == []
    row = (await _due(app))[0]
    assert row.status == OutboxStatus.pending
    assert row.due_at == local(2026, 3, 4, 7, 30)
    assert row.attempts == 0  # waiting is not a failed attempt
    clock.now = local(2026, 3, 4, 7, 30)
    await ticker.tick()
    assert chats(sender.take()) == [ANE]


async def test_weekends_and_public_holidays_wait_for_the_next_working_day(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    clock.now = local(2026, 4, 3, 10)  # Good Friday; Easter Monday follows the weekend
    await _queue(app, world.a1)
    await dispatcher(app, sender).tick()
    assert (await _due(app))[0].due_at == local(2026, 4, 7, 7, 30)


async def test_each_person_gets_messages_in_their_own_time_zone(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    async def move_to_nuuk(session):  # type: ignore[no-untyped-def]
        person = await session.get(Person, world.b1.id)
        person.timezone = "America/Nuuk"  # UTC-2: three hours behind Copenhagen

    await app.db.run(move_to_nuuk)
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 8, 30))
    ticker = dispatcher(app, sender)
    await ticker.tick()
    sender.take()

    def preparations() -> list[int]:
        return chats([(c, v) for c, v in sender.take() if "Næste møde" in v.html])

    # Preparation is due five days before at 08:30 Copenhagen time: 05:30 in Nuuk.
    clock.now = local(2026, 3, 5, 8, 30)
    await ticker.tick()
    assert preparations() == [ANE, ASTA, BENT]
    bo = [r for r in await _due(app) if r.chat_id == BO and r.kind == "followup.prompt"]
    assert bo[0].due_at == local(2026, 3, 5, 10, 30)  # 07:30 in Nuuk
    clock.now = local(2026, 3, 5, 10, 30)
    await ticker.tick()
    assert preparations() == [BO]


async def test_a_pause_holds_follow_ups_and_a_resume_lets_them_through(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    await pause(app, world.a1, 7)
    ticker = dispatcher(app, sender)
    await ticker.tick()
    assert ANE in chats(sender.take())  # meeting news is not a follow-up: it still comes
    clock.now = local(2026, 3, 5, 14)
    await ticker.tick()
    assert chats(sender.take()) == [ASTA, BO, BENT]
    await pause(app, world.a1, 0)  # back from holiday early
    clock.advance(minutes=1)
    await ticker.tick()
    assert chats(sender.take()) == [ANE]


async def test_a_pause_past_the_meeting_drops_the_follow_up(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    ticker = dispatcher(app, sender)
    await ticker.tick()
    sender.take()
    await pause(app, world.a1, 14)
    clock.now = local(2026, 3, 5, 14)
    await ticker.tick()
    assert chats(sender.take()) == [ASTA, BO, BENT]
    rows = [r for r in await _due(app) if r.chat_id == ANE and r.kind.startswith("followup")]
    assert rows == []  # never queued: the pause outlasts the meeting it prepares for


async def test_a_groups_closed_period_holds_its_follow_up(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    from datetime import date

    from bot.scheduling import DateRange
    from bot.services import followups

    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))

    async def winter_holiday(session):  # type: ignore[no-untyped-def]
        await followups.set_closed_periods(
            app,
            session,
            actor=None,
            group_id=world.network.id,
            periods=[DateRange(date(2026, 3, 4), date(2026, 3, 6))],
        )

    await app.db.run(winter_holiday)
    ticker = dispatcher(app, sender)
    await ticker.tick()
    sender.take()
    clock.now = local(2026, 3, 5, 14)
    await ticker.tick()
    assert sender.take() == []
    prompts = [r for r in await _due(app) if r.kind == "followup.prompt"]
    assert {r.due_at for r in prompts} == {local(2026, 3, 9, 7, 30)}  # Monday after
