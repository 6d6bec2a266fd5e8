"""Reading what a message needs in one statement, and writing a step only over what was read.

An active session is not locked when a message reads it. The write checks that the session
is still active at the turn that was read; if not, `Database.run` runs the unit again on
fresh data. These tests show both halves, on SQLite and on PostgreSQL.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.exc import StaleDataError

from storage.db import Database
from storage.enums import SessionStatus
from storage.models import DialogueSession, Person
from storage.repositories import consent, dialogues, meetings, people
from tests.storage.support import NOW, make_person, make_session, terminate_backend


async def _arrive(s: AsyncSession, telegram_id: int, now: datetime = NOW) -> people.Arrival | None:
    return await people.arrival(s, min_version=1, now=now, telegram_id=telegram_id)


async def test_arrival_needs_current_consent(database: Database) -> None:
    async with database.transaction() as s:
        stranger = await people.create(s, display_name="Bo", language="da", now=NOW, telegram_id=20)
    await make_person(database, 21, consented=1)
    async with database.transaction() as s:
        assert await _arrive(s, 20) is None  # never consented
        assert await _arrive(s, 22) is None  # unknown
        assert await people.arrival(s, min_version=2, now=NOW, telegram_id=21) is None
        found = await _arrive(s, 21)
        assert found is not None
        assert found.person.telegram_id == 21
        await consent.give(s, stranger.id, 1, NOW)
        await consent.withdraw(s, stranger.id, NOW)
        assert await _arrive(s, 20) is None  # withdrawn


async def test_arrival_brings_the_active_session_and_what_is_awaited(database: Database) -> None:
    pid = await make_person(database, 30, consented=1)
    async with database.transaction() as s:
        found = await _arrive(s, 30)
        assert found is not None
        assert found.active is None
        assert not found.awaiting
    sid = await make_session(database, pid, {"step": 0})
    async with database.transaction() as s:
        await meetings.await_input(
            s, pid, "meeting_time", {"group": 1}, now=NOW, expires_at=NOW + timedelta(minutes=10)
        )
    async with database.transaction() as s:
        found = await _arrive(s, 30)
        assert found is not None
        assert found.awaiting
        assert found.active is not None
        assert found.active.id == sid
        assert isinstance(found.active, DialogueSession)
        assert isinstance(found.person, Person)
        later = await _arrive(s, 30, now=NOW + timedelta(minutes=11))
        assert later is not None
        assert not later.awaiting
    async with database.transaction() as s:
        await dialogues.cancel_active_private(s, pid, NOW)
    async with database.transaction() as s:
        found = await _arrive(s, 30)
        assert found is not None
        assert found.active is None


async def test_arrival_by_console_handle(database: Database) -> None:
    async with database.transaction() as s:
        person = await people.create(
            s, display_name="Ane", language="da", now=NOW, console_handle="ane"
        )
        await consent.give(s, person.id, 1, NOW)
    async with database.transaction() as s:
        found = await people.arrival(s, min_version=1, now=NOW, console_handle="ane")
        assert found is not None
        assert found.person.id == person.id
        assert await people.arrival(s, min_version=1, now=NOW, console_handle="bo") is None


async def test_a_step_is_written_over_what_was_read(database: Database) -> None:
    pid = await make_person(database, 40, consented=1)
    sid = await make_session(database, pid, {"step": 0})
    async with database.transaction() as s:
        found = await _arrive(s, 40)
        assert found is not None
        assert found.active is not None
        row = found.active
        await dialogues.move_session(
            s, row, state={"step": 1}, turn=row.turn + 1, updated_at=NOW, pending_visibility=None
        )
        assert row.turn == 1
        assert row.state == {"step": 1}
        assert not s.dirty  # written already; nothing left for the flush
    async with database.transaction() as s:
        stored = await s.scalar(select(DialogueSession).where(DialogueSession.id == sid))
        assert stored is not None
        assert (stored.turn, stored.state, stored.status) == (1, {"step": 1}, SessionStatus.active)


# Changes made behind the ORM's back, as another process or transaction would make them.
MEANWHILE = {
    "answered": "UPDATE dialogue_sessions SET turn = turn + 1 WHERE id = :sid",
    "cancelled": "UPDATE dialogue_sessions SET status = 'cancelled' WHERE id = :sid",
    "forgotten": "DELETE FROM people WHERE id = :pid",
}


@pytest.mark.parametrize("meanwhile", sorted(MEANWHILE))
async def test_a_step_over_a_changed_session_is_refused(database: Database, meanwhile: str) -> None:
    pid = await make_person(database, 50, consented=1)
    sid = await make_session(database, pid, {"step": 0})

    async def step_over_a_change(s: AsyncSession) -> None:
        found = await _arrive(s, 50)
        assert found is not None
        assert found.active is not None
        await s.execute(text(MEANWHILE[meanwhile]), {"sid": sid, "pid": pid})
        await dialogues.move_session(s, found.active, state={"step": 9}, turn=1)

    with pytest.raises(StaleDataError):
        await database.run(step_over_a_change, attempts=1)
    async with database.transaction() as s:
        stored = await s.get(DialogueSession, sid)
        assert stored is not None
        assert stored.state == {"step": 0}


async def test_a_refused_step_runs_again_on_fresh_data(database: Database) -> None:
    pid = await make_person(database, 60, consented=1)
    sid = await make_session(database, pid, {"step": 0})
    seen: list[int] = []

    async def answer(s: AsyncSession) -> int:
        found = await _arrive(s, 60)
        assert found is not None
        assert found.active is not None
        row = found.active
        read = row.turn
        seen.append(read)
        if len(seen) == 1:  # moved on between our read and our write, the first time only
            await s.execute(text(MEANWHILE["answered"]), {"sid": sid})
        await dialogues.move_session(s, row, state={"answered_at": read}, turn=read + 1)
        return read

    assert await database.run(answer) == 0
    assert seen == [0, 0]  # the first try was rolled back with its change; the second won
    async with database.transaction() as s:
        stored = await s.get(DialogueSession, sid)
        assert stored is not None
        assert stored.turn == 1
        assert stored.state == {"answered_at": 0}


# SQLite writers are queued one at a time in process, so only PostgreSQL runs them at once.
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_concurrent_writers_to_one_session_never_overwrite(database: Database) -> None:
    """Two transactions read the same turn; the second write is refused and its unit runs
    again on what the first committed."""
    pid = await make_person(database, 65, consented=1)
    sid = await make_session(database, pid, {"step": 0})
    seen: list[int] = []

    async def answer(s: AsyncSession) -> None:
        found = await _arrive(s, 65)
        assert found is not None
        assert found.active is not None
        row = found.active
        seen.append(row.turn)
        if len(seen) == 1:
            await database.run(lambda other: _advance_elsewhere(other, sid), attempts=1)
        await dialogues.move_session(s, row, state={"after": row.turn}, turn=row.turn + 1)

    await database.run(answer)
    assert seen == [0, 1]
    async with database.transaction() as s:
        stored = await s.get(DialogueSession, sid)
        assert stored is not None
        assert stored.turn == 2
        assert stored.state == {"after": 1}


async def _advance_elsewhere(s: AsyncSession, sid: int) -> None:
    row = await s.get(DialogueSession, sid)
    assert row is not None
    await dialogues.move_session(s, row, state={"elsewhere": True}, turn=row.turn + 1)


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_a_dropped_connection_is_replaced(database: Database) -> None:
    """No ping before each transaction: the first statement on a dead connection fails and
    the unit of work runs again on a fresh one."""
    await make_person(database, 70, consented=1)

    async def backend_pid(s: AsyncSession) -> int:
        return int(await s.scalar(text("SELECT pg_backend_pid()")) or 0)

    victim = await database.run(backend_pid)
    await terminate_backend(database, victim)
    tries: list[int] = []

    async def work(s: AsyncSession) -> int:
        tries.append(await backend_pid(s))
        found = await _arrive(s, 70)
        assert found is not None
        return found.person.telegram_id or 0

    assert await database.run(work) == 70
    assert tries[-1] != victim
