"""Retention: with the clock moved past the period, old data is gone and aggregates stay."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import func, select

from bot.services import retention
from storage.db import Database
from storage.enums import OutboxStatus
from storage.models import (
    AccessLogEntry,
    Answer,
    DialogueSession,
    FrozenAggregate,
    NextStep,
    OutboxMessage,
    Person,
    ProcessedUpdate,
)
from storage.repositories import updates
from tests.privacy.support import seed, traces_of
from tests.support import Clock, make_app

COUNTED = (
    Answer,
    DialogueSession,
    NextStep,
    OutboxMessage,
    ProcessedUpdate,
    AccessLogEntry,
    FrozenAggregate,
    Person,
)


async def _counts(database: Database) -> dict[str, int]:
    async with database.transaction() as s:
        return {
            model.__name__: int(await s.scalar(select(func.count()).select_from(model)) or 0)
            for model in COUNTED
        }


async def test_old_data_is_deleted_by_the_daily_job(database: Database) -> None:
    clock = Clock()
    app = make_app(database, clock, refleks_retention_days=365)
    old = await app.db.run(lambda s: seed(app, s, telegram_id=740_000_001, name="Gammel"))
    await app.db.run(lambda s: updates.claim(s, 1, clock.now))
    clock.advance(days=200)
    recent = await app.db.run(lambda s: seed(app, s, telegram_id=740_000_002, name="Ny"))
    await app.db.run(lambda s: updates.claim(s, 2, clock.now))

    clock.advance(days=100)  # nothing is older than a year yet
    assert await retention.purge(app) == {
        "sessions": 0,
        "answers": 0,
        "next_steps": 0,
        "outbox": 0,
        "processed_updates": 0,
        "access_log": 0,
        "invites": 0,
        "people": 0,
    }
    before = await _counts(database)

    clock.advance(days=70)  # 370 days after the first person, 170 after the second
    await retention.job(app)(object())
    after = await _counts(database)
    assert after["Person"] == before["Person"] - 1
    assert after["Answer"] < before["Answer"]
    assert after["ProcessedUpdate"] == 1
    assert after["FrozenAggregate"] == before["FrozenAggregate"] == 2

    async def check(session):  # type: ignore[no-untyped-def]
        assert await traces_of(session, old) == []
        assert len(await traces_of(session, recent)) > 5
        left = (await session.scalars(select(OutboxMessage))).all()
        assert {m.status for m in left} == {OutboxStatus.pending, OutboxStatus.sent}
        assert all(m.created_at > clock.now.replace(year=clock.now.year - 1) for m in left)

    await app.db.run(check)


async def test_a_person_seen_lately_keeps_data_they_still_use(database: Database) -> None:
    clock = Clock()
    app = make_app(database, clock, refleks_retention_days=30)
    await app.db.run(lambda s: seed(app, s, telegram_id=740_000_003, name="Aktiv"))
    clock.advance(days=10)

    async def seen(session):  # type: ignore[no-untyped-def]
        person = await session.scalar(select(Person))
        person.last_seen_at = clock.now

    await app.db.run(seen)
    clock.advance(days=25)  # the answers are 35 days old, the person was seen 25 days ago
    counts = await retention.purge(app)
    assert counts["people"] == 0
    assert counts["sessions"] == 2  # their reflection and the circle, with every answer
    left = await _counts(database)
    assert left["Person"] == 1
    assert left["Answer"] == 0
    assert left["FrozenAggregate"] == 1


async def test_the_daily_job_purges_once_a_day_however_many_workers_run_it(
    database: Database,
) -> None:
    clock = Clock(datetime(2026, 3, 1, 8, 0, tzinfo=UTC))
    app = make_app(database, clock, refleks_retention_days=30)
    first, second = retention.job(app), retention.job(app)  # two workers' job queues
    await app.db.run(lambda s: seed(app, s, telegram_id=740_000_004, name="Gammel"))
    clock.advance(days=30, hours=-1)
    await first(object())  # not yet old enough
    kept = await _counts(database)
    clock.advance(hours=2)  # old enough now, and still the same day in Copenhagen
    await second(object())
    assert await _counts(database) == kept  # the day was done: no second purge
    clock.advance(days=1)
    await second(object())
    assert (await _counts(database))["Person"] == kept["Person"] - 1
