"""The outbox: queueing twice is harmless, claims are leases, two workers never collide."""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

from sqlalchemy import select

from bot.app import App
from bot.dispatch import Dispatcher, Pacer
from bot.dispatch.compose import NOTICE
from bot.dispatch.dispatcher import LEASE
from bot.dispatch.pacing import VirtualTime
from bot.dispatch.sender import Delivered, Outcome
from bot.views import View
from storage.db import Database
from storage.enums import OutboxStatus
from storage.models import OutboxMessage
from storage.repositories import outbox
from storage.repositories.outbox import NewMessage
from tests.meetings.support import RecordingSender, dispatcher, search_path
from tests.support import Clock, make_app


def _notice(number: int, app: App, **kwargs: object) -> NewMessage:
    return NewMessage(
        key=f"test:{number}",
        chat_id=10_000 + number,
        kind=NOTICE,
        due_at=app.now(),
        payload={"key": "pause.resumed"},
        **kwargs,  # type: ignore[arg-type]
    )


async def _queue(app: App, count: int) -> None:
    messages = [_notice(n, app) for n in range(count)]
    await app.db.run(lambda s: outbox.enqueue_many(s, messages, app.now()))


async def test_queueing_the_same_message_twice_keeps_one_row(app: App) -> None:
    await _queue(app, 3)
    added = await app.db.run(
        lambda s: outbox.enqueue_many(s, [_notice(n, app) for n in range(5)], app.now())
    )
    assert added == 2
    counts = await app.db.run(outbox.count_by_status)
    assert counts == {"pending": 5}


async def test_a_claim_is_a_lease_that_another_worker_takes_over_when_it_runs_out(
    app: App, clock: Clock
) -> None:
    await _queue(app, 2)
    later = _notice(9, app)
    await app.db.run(
        lambda s: outbox.enqueue(
            s, NewMessage(**{**later.__dict__, "due_at": clock.now + timedelta(hours=1)}), clock.now
        )
    )

    def claim(worker: str):  # type: ignore[no-untyped-def]
        return app.db.run(
            lambda s: outbox.claim_due(
                s,
                worker=worker,
                now=clock.now,
                lease_until=clock.now + timedelta(minutes=5),
                limit=10,
                skip_locked=not app.db.is_sqlite,
            )
        )

    first = await claim("one")
    assert [row.chat_id for row in first] == [10_000, 10_001]  # not the one due later
    assert await claim("two") == []  # leased to "one"

    clock.advance(minutes=5)
    taken = await claim("two")
    assert sorted(row.id for row in taken) == sorted(row.id for row in first)
    assert all(row.attempts == 2 for row in taken)
    # "one" lost its lease: it can no longer mark the row, "two" can.
    assert not await app.db.run(
        lambda s: outbox.mark_sent(s, first[0].id, "one", message_id=1, now=clock.now)
    )
    assert await app.db.run(
        lambda s: outbox.mark_sent(s, first[0].id, "two", message_id=1, now=clock.now)
    )
    assert await app.db.run(lambda s: outbox.recover(s, "two")) == 1  # its other claim


async def test_a_row_whose_lease_ran_out_while_waiting_its_turn_is_not_sent(
    app: App, clock: Clock, sender: RecordingSender
) -> None:
    """While a worker waits for Telegram's limits its lease may end and another worker may
    take the row: the first must then leave it alone, or the message would go out twice."""
    await _queue(app, 1)
    pacing = VirtualTime()

    async def wait(seconds: float) -> None:
        await pacing.sleep(seconds)
        clock.advance(seconds=seconds)  # the wall clock moves with the wait

    pacer = Pacer(monotonic=pacing, sleep=wait)
    pacer.pause((LEASE + timedelta(seconds=1)).total_seconds())  # e.g. a long 429 pause
    late = Dispatcher(app, sender, worker="one", pacer=pacer)  # type: ignore[arg-type]

    report = await late.tick(max_rows=1)
    assert report.lost_lease == 1
    assert report.sent == 0
    assert sender.sent == []
    assert await app.db.run(outbox.count_by_status) == {"claimed": 1}  # its claim has run out

    report = await dispatcher(app, sender, worker="two").tick()
    assert report.sent == 1
    assert [chat for chat, _ in sender.sent] == [10_000]  # once, by the second worker


async def test_a_row_near_the_end_of_its_lease_is_renewed_before_it_is_sent(
    app: App, clock: Clock
) -> None:
    """A row that waited almost its whole lease is sent just before the lease ends; if the
    claim were not extended first, another worker could take the row while the send is
    on its way and send it again."""
    await _queue(app, 1)
    pacing = VirtualTime()

    async def wait(seconds: float) -> None:
        await pacing.sleep(seconds)
        clock.advance(seconds=seconds)

    pacer = Pacer(monotonic=pacing, sleep=wait)
    pacer.pause((LEASE - timedelta(seconds=1)).total_seconds())
    other = RecordingSender()

    class Overtaken(RecordingSender):
        """The send takes two seconds, during which the other worker has a go."""

        async def send(self, chat_id: int, view: View) -> Outcome:
            clock.advance(seconds=2)
            await dispatcher(app, other, worker="two").tick()
            return await super().send(chat_id, view)

    first = Overtaken()
    report = await Dispatcher(app, first, worker="one", pacer=pacer).tick(max_rows=1)  # type: ignore[arg-type]
    assert report.sent == 1
    assert [chat for chat, _ in first.sent] == [10_000]
    assert other.sent == []  # the renewed claim kept the second worker away
    assert await app.db.run(outbox.count_by_status) == {"sent": 1}


class SlowSender:
    """Records who sent what; yields to the other worker on every send."""

    def __init__(self, counts: Counter[int], name: str, by: Counter[str]) -> None:
        self.counts, self.name, self.by = counts, name, by

    async def send(self, chat_id: int, view: View) -> Outcome:
        await asyncio.sleep(0.001)
        self.counts[chat_id] += 1
        self.by[self.name] += 1
        return Delivered(chat_id)


async def test_two_dispatchers_on_one_database_never_send_a_row_twice(
    database: Database, clock: Clock
) -> None:
    schema = await search_path(database)
    second_db = Database(
        database.url,
        connect_args={"server_settings": {"search_path": schema}} if schema else None,
    )
    one, two = make_app(database, clock), make_app(second_db, clock)
    try:
        await _queue(one, 300)
        counts: Counter[int] = Counter()
        by: Counter[str] = Counter()
        workers = [
            dispatcher(a, SlowSender(counts, name, by), worker=name, batch_size=10)  # type: ignore[arg-type]
            for a, name in ((one, "one"), (two, "two"))
        ]
        reports = await asyncio.gather(*(w.tick() for w in workers))
        assert sorted(counts) == [10_000 + n for n in range(300)]
        assert set(counts.values()) == {1}  # nobody twice
        assert sum(r.sent for r in reports) == 300
        assert by["one"] > 0
        assert by["two"] > 0  # both took part
        rows = await one.db.run(
            lambda s: s.scalars(select(OutboxMessage.status).distinct())  # type: ignore[arg-type]
        )
        assert set(rows) == {OutboxStatus.sent}
    finally:
        await second_db.dispose()
