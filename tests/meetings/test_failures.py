"""Telegram says no: wait after 429, back off after 5xx, give up (and say so) in the end."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.dispatch.dispatcher import MAX_ATTEMPTS, backoff
from bot.dispatch.sender import Blocked, Rejected, RetryLater, Transient
from storage.enums import OutboxStatus
from storage.models import OutboxMessage, Person
from tests.meetings.support import RecordingSender, World, chats, dispatcher, local, schedule
from tests.support import Clock

ANE, ASTA, BO, BENT, FIE = 600, 601, 602, 603, 501


async def _rows(app: App) -> dict[int, OutboxMessage]:
    async def work(session):  # type: ignore[no-untyped-def]
        return {row.chat_id: row for row in (await session.scalars(select(OutboxMessage))).all()}

    return await app.db.run(work)


async def test_429_waits_retry_after_then_sends_once(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, None, world.team_a, local(2026, 3, 10, 14))  # Ane and Asta are told
    sender.fail(ANE, RetryLater(7))
    ticker = dispatcher(app, sender)

    report = await ticker.tick()
    assert chats(sender.take()) == [ASTA]
    assert report.retried == 1
    row = (await _rows(app))[ANE]
    assert row.status == OutboxStatus.pending
    assert row.due_at == clock.now + timedelta(seconds=7)

    assert (await ticker.tick()).claimed == 0  # not before retry_after
    clock.advance(seconds=7)
    await ticker.tick()
    assert chats(sender.take()) == [ANE]
    assert (await _rows(app))[ANE].status == OutboxStatus.sent
    assert ticker.pacer._paused_until > 0  # the whole dispatcher held back too


async def test_5xx_backs_off_and_succeeds(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, None, world.team_a, local(2026, 3, 10, 14))
    sender.fail(ANE, Transient("NetworkError"), Transient("TimedOut"))
    ticker = dispatcher(app, sender)
    await ticker.tick()
    assert (await _rows(app))[ANE].due_at == clock.now + backoff(1)
    clock.advance(seconds=30)
    await ticker.tick()
    assert (await _rows(app))[ANE].due_at == clock.now + backoff(2)
    clock.advance(minutes=1)
    await ticker.tick()
    row = (await _rows(app))[ANE]
    assert row.status == OutboxStatus.sent
    assert row.attempts == 3
    assert chats(sender.take()) == [ANE, ASTA]


async def test_gives_up_after_bounded_attempts_and_tells_the_facilitator(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    sender.fail(BO, *[Transient("BadGateway")] * (MAX_ATTEMPTS + 3))
    ticker = dispatcher(app, sender)
    for _ in range(MAX_ATTEMPTS):
        await ticker.tick()
        clock.advance(hours=1)
    rows = await _rows(app)
    assert rows[BO].status == OutboxStatus.failed
    assert rows[BO].attempts == MAX_ATTEMPTS
    told = sender.to(FIE)
    assert len(told) == 1
    assert "Bo" in told[0]
    assert "Netværk Nord" in told[0]
    assert "Nyt møde" not in told[0]  # the facilitator hears that it failed, not what it said
    await ticker.tick()
    assert len(sender.to(FIE)) == 1  # told once
    assert sender.tried == 3 + MAX_ATTEMPTS + 1  # three others, Bo five times, Fie's note


async def test_blocked_person_is_marked_unreachable_and_not_retried(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, None, world.team_b, local(2026, 3, 10, 14))
    sender.fail(BENT, Blocked("Forbidden: bot was blocked by the user"))
    ticker = dispatcher(app, sender)
    report = await ticker.tick()
    assert report.failed == 1
    clock.advance(days=1)
    assert (await ticker.tick()).claimed == 0

    async def bent(session):  # type: ignore[no-untyped-def]
        return await session.get(Person, world.b2.id)

    assert (await app.db.run(bent)).unreachable
    assert sender.to(FIE) == []  # a choice the person made; nothing to chase


async def test_rejected_message_fails_at_once(
    app: App, world: World, sender: RecordingSender
) -> None:
    await schedule(app, None, world.team_b, local(2026, 3, 10, 14))
    sender.fail(BO, Rejected("Bad Request: chat not found"))
    report = await dispatcher(app, sender).tick()
    assert report.failed == 1
    assert (await _rows(app))[BO].status == OutboxStatus.failed
    assert len(sender.to(FIE)) == 1


async def test_a_row_past_its_deadline_is_dropped(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    await schedule(app, None, world.team_a, local(2026, 3, 10, 14))
    clock.now = local(2026, 3, 10, 14)  # the meeting has begun: the notice is pointless now
    report = await dispatcher(app, sender).tick()
    assert report.dropped == 2
    assert sender.sent == []
    assert {r.status for r in (await _rows(app)).values()} == {OutboxStatus.cancelled}
