"""Locks across processes: one holder at a time, nothing held by a process that is gone."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import text

from storage import locks
from storage.db import Database
from storage.locks import AdvisoryLocks, claim_period
from tests.conftest import PG_URL

DAY = datetime(2026, 12, 3, 3, 17, tzinfo=UTC)


def _other_process(database: Database) -> Database:
    """A second engine on the same schema: locks see it as another process."""
    return Database(PG_URL, connect_args=database.connect_args)


async def test_a_lock_has_one_holder_across_processes(pg_database: Database) -> None:
    other = _other_process(pg_database)
    mine, theirs = AdvisoryLocks(pg_database), AdvisoryLocks(other)
    try:
        async with mine.try_hold("job", "upkeep") as first:
            async with theirs.try_hold("job", "upkeep") as second:
                assert (first, second) == (True, False)
            async with theirs.try_hold("job", "another") as unrelated:
                assert unrelated
        async with theirs.try_hold("job", "upkeep") as after:
            assert after
    finally:
        await other.dispose()


async def test_a_lock_of_a_process_that_died_is_free_at_once(pg_database: Database) -> None:
    other = _other_process(pg_database)
    theirs = AdvisoryLocks(other)
    try:
        async with pg_database.engine.connect() as raw:
            dying = await raw.execution_options(isolation_level="AUTOCOMMIT")
            await dying.execute(locks._LOCK, {"space": "chat", "name": "42"})
            pid = (await dying.execute(text("SELECT pg_backend_pid()"))).scalar_one()
            async with theirs.try_hold("chat", "42") as while_alive:
                assert not while_alive
            # Killed like a process: its connection ends without letting go.
            async with other.engine.connect() as admin:
                await admin.execute(text("SELECT pg_terminate_backend(:pid, 10000)"), {"pid": pid})
            async with theirs.try_hold("chat", "42") as after_death:
                assert after_death
            await dying.invalidate()
    finally:
        await other.dispose()


async def test_a_period_of_a_job_is_claimed_once(database: Database) -> None:
    claims = [
        await claim_period(database, "retention", "2026-12-03", worker=w, now=DAY)
        for w in ("a", "b", "a")
    ]
    assert claims == [True, False, False]
    assert await claim_period(database, "retention", "2026-12-04", worker="b", now=DAY)
    assert not await claim_period(database, "retention", "2026-12-03", worker="c", now=DAY)
