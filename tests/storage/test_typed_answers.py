"""A typed answer in one read and one guarded write, on SQLite and on PostgreSQL.

The write must move the session only as it was read, record the update id with it, and
write nothing at all when a guard refuses: the full path then runs on fresh data.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from storage.db import Database
from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, ProcessedUpdate
from storage.repositories import consent, dialogues, meetings, people, typed_answers, updates
from tests.storage.support import NOW, make_person, make_session, terminate_backend

LATER = NOW + timedelta(minutes=1)
ANSWER = typed_answers.Stored(step_id="q1", item="", value="Eleverne ledte", visibility="private")


async def _read(db: Database, telegram_id: int, **kwargs: Any) -> typed_answers.Current | None:
    async with db.guarded() as connection:
        return await typed_answers.read(
            connection,
            telegram_id=telegram_id,
            min_version=kwargs.get("min_version", 1),
            now=kwargs.get("now", LATER),
        )


async def _step(
    db: Database,
    current: typed_answers.Current,
    update_id: int,
    *,
    answer: typed_answers.Stored | None = ANSWER,
    completes: bool = False,
) -> bool:
    async with db.guarded() as connection:
        return await typed_answers.step(
            connection,
            current,
            update_id=update_id,
            state={"cursor": 1, "note": "næste"},
            answer=answer,
            now=LATER,
            completes=completes,
        )


async def _stored(db: Database) -> tuple[DialogueSession, list[Answer], list[int]]:
    async with db.transaction() as s:
        row = await s.scalar(select(DialogueSession))
        assert row is not None
        answers = list((await s.scalars(select(Answer))).all())
        handled = list((await s.scalars(select(ProcessedUpdate.update_id))).all())
        return row, answers, handled


async def test_read_needs_consent_and_an_active_session(database: Database) -> None:
    assert await _read(database, 40) is None  # unknown
    pid = await make_person(database, 40)
    await make_session(database, pid)
    assert await _read(database, 40) is None  # never consented
    async with database.transaction() as s:
        await consent.give(s, pid, 1, NOW)
    assert await _read(database, 40, min_version=2) is None  # an older privacy text
    current = await _read(database, 40)
    assert current is not None
    assert (current.person_id, current.turn, current.state) == (pid, 0, {"cursor": 0})
    assert current.last_seen_at == NOW
    assert current.pending_visibility is None
    assert not current.awaiting
    async with database.transaction() as s:
        await dialogues.cancel_active_private(s, pid, NOW)
    assert await _read(database, 40) is None


async def test_read_says_when_a_feature_waits_for_typing(database: Database) -> None:
    pid = await make_person(database, 41, consented=1)
    await make_session(database, pid)
    async with database.transaction() as s:
        await meetings.await_input(
            s, pid, "meeting_time", {"group": 1}, now=NOW, expires_at=NOW + timedelta(minutes=10)
        )
    current = await _read(database, 41)
    assert current is not None
    assert current.awaiting
    expired = await _read(database, 41, now=NOW + timedelta(minutes=11))
    assert expired is not None
    assert not expired.awaiting


async def test_a_step_moves_the_session_stores_the_answer_and_the_update(
    database: Database,
) -> None:
    pid = await make_person(database, 42, consented=1)
    sid = await make_session(database, pid)
    current = await _read(database, 42)
    assert current is not None
    assert await _step(database, current, 5001)
    row, answers, handled = await _stored(database)
    assert (row.id, row.turn, row.status) == (sid, 1, SessionStatus.active)
    assert row.state == {"cursor": 1, "note": "næste"}
    assert row.updated_at == LATER
    assert row.completed_at is None
    assert [(a.session_id, a.person_id, a.step_id, a.value, a.seq) for a in answers] == [
        (sid, pid, "q1", "Eleverne ledte", 0)
    ]
    assert handled == [5001]
    # The same step answered again (after going back) replaces the answer.
    again = await _read(database, 42)
    assert again is not None
    changed = typed_answers.Stored("q1", "", "Læreren ledte", "facilitator")
    assert await _step(database, again, 5002, answer=changed)
    _, answers, handled = await _stored(database)
    assert [(a.value, a.visibility) for a in answers] == [("Læreren ledte", "facilitator")]
    assert sorted(handled) == [5001, 5002]


async def test_a_step_without_an_answer_and_the_last_step(database: Database) -> None:
    pid = await make_person(database, 43, consented=1)
    await make_session(database, pid)
    current = await _read(database, 43)
    assert current is not None
    assert await _step(database, current, 5101, answer=None)
    row, answers, _ = await _stored(database)
    assert row.turn == 1
    assert answers == []
    last = await _read(database, 43)
    assert last is not None
    assert await _step(database, last, 5102, completes=True)
    row, answers, _ = await _stored(database)
    assert (row.turn, row.status, row.completed_at) == (2, SessionStatus.completed, LATER)
    assert len(answers) == 1
    assert await _read(database, 43) is None  # no active reflection any more


async def _refused(database: Database, current: typed_answers.Current, update_id: int) -> None:
    """The step is refused, and nothing about it was written."""
    before = await _stored(database)
    assert not await _step(database, current, update_id)
    row, answers, handled = await _stored(database)
    assert (row.turn, row.state, row.status) == (before[0].turn, before[0].state, before[0].status)
    assert len(answers) == len(before[1])
    assert handled == before[2]


async def test_a_step_over_a_session_that_moved_on_is_refused(database: Database) -> None:
    pid = await make_person(database, 44, consented=1)
    await make_session(database, pid)
    stale = await _read(database, 44)
    assert stale is not None
    assert await _step(database, stale, 5201)  # another message answered first
    await _refused(database, stale, 5202)


async def test_a_redelivered_update_changes_nothing(database: Database) -> None:
    pid = await make_person(database, 45, consented=1)
    await make_session(database, pid)
    first = await _read(database, 45)
    assert first is not None
    assert await _step(database, first, 5301)
    # Telegram delivers the same update again, now over the session's new turn.
    current = await _read(database, 45)
    assert current is not None
    await _refused(database, current, 5301)
    # An update the full path handled is recognised too.
    async with database.transaction() as s:
        assert await updates.claim(s, 5302, NOW)
    await _refused(database, current, 5302)


async def test_a_changed_choice_of_who_sees_it_is_not_overwritten(database: Database) -> None:
    pid = await make_person(database, 46, consented=1)
    sid = await make_session(database, pid)
    current = await _read(database, 46)
    assert current is not None
    async with database.transaction() as s:
        row = await dialogues.get_session(s, sid)
        assert row is not None
        await dialogues.move_session(s, row, pending_visibility="team")
    await _refused(database, current, 5401)
    chosen = await _read(database, 46)
    assert chosen is not None
    assert chosen.pending_visibility == "team"
    assert await _step(database, chosen, 5402)
    row, _, _ = await _stored(database)
    assert row.pending_visibility is None


async def test_a_cancelled_or_forgotten_session_is_not_written(database: Database) -> None:
    pid = await make_person(database, 47, consented=1)
    await make_session(database, pid)
    current = await _read(database, 47)
    assert current is not None
    async with database.transaction() as s:
        await dialogues.cancel_active_private(s, pid, NOW)
    await _refused(database, current, 5501)
    async with database.transaction() as s:
        await people.delete_person(s, pid)
    assert not await _step(database, current, 5502)
    async with database.transaction() as s:
        assert await s.scalar(select(func.count()).select_from(Answer)) == 0
        assert await s.scalar(select(func.count()).select_from(ProcessedUpdate)) == 0


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_a_dropped_connection_is_reported_as_transient_and_replaced(
    database: Database,
) -> None:
    """A connection the server dropped is taken out of the pool, the caller hears it is
    worth another try (and takes the full path), and the next read works."""
    pid = await make_person(database, 48, consented=1)
    await make_session(database, pid)
    async with database.guarded() as connection:
        victim = await connection.scalar(text("SELECT pg_backend_pid()"))
    await terminate_backend(database, int(victim or 0))
    with pytest.raises(DBAPIError) as failed:
        await _read(database, 48)
    assert database.is_transient(failed.value)
    current = await _read(database, 48)
    assert current is not None
    assert current.person_id == pid
    async with database.guarded() as connection:
        assert await connection.scalar(text("SELECT pg_backend_pid()")) != victim
