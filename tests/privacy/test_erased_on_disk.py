"""Deleted means deleted on disk: after /forget, `refleks user forget`, a withdrawn answer or
the retention job, no copy of the words is left in SQLite's database file or its write-ahead
log (secure_delete overwrites freed space; a TRUNCATE checkpoint empties the log). On
PostgreSQL, which keeps its own files, nothing is left that any query can read."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from bot.services import answers, forget, retention
from storage.db import Database
from storage.models import Answer
from storage.repositories import people
from tests.privacy.support import Seeded, complete, every_value, seed
from tests.support import Clock, make_app

# ASCII, so it reads the same in plain columns and in JSON (which escapes other letters).
MARKER = "Qzvx7"  # in the name, so in every text the person wrote


def _files(database: Database) -> list[Path]:
    path = Path(database.url.split("///", 1)[1])
    return [path, Path(f"{path}-wal")]


async def _left(database: Database, marker: str) -> list[str]:
    """Where the marker can still be found: the files on SQLite, any stored value elsewhere."""
    if database.is_sqlite:
        needle = marker.encode()
        return [str(f) for f in _files(database) if f.exists() and needle in f.read_bytes()]
    async with database.transaction() as session:
        values = await every_value(session)
    return [f"{table}.{column}" for table, column, value in values if marker in str(value)]


async def _seen(session: Any, person_id: int, now: datetime, minutes: int) -> None:
    person = await people.get(session, person_id)
    assert person is not None
    person.last_seen_at = now + timedelta(minutes=minutes)


async def _seed(database: Database, clock: Clock) -> tuple[Any, Seeded]:
    app = make_app(database, clock, refleks_retention_days=365)
    seeded = await app.db.run(lambda s: seed(app, s, telegram_id=750_000_001, name=f"Ane {MARKER}"))
    # The person keeps coming back: the log collects copies of the pages with their name.
    for minutes in range(1, 6):
        await app.db.run(lambda s, m=minutes: _seen(s, seeded.person_id, clock.now, m))
    assert await _left(database, MARKER), "the words are stored before they are deleted"
    return app, seeded


async def test_forget_leaves_no_copy_of_the_words_on_disk(database: Database) -> None:
    app, seeded = await _seed(database, Clock())

    await app.db.run(lambda s: forget.forget_by_telegram(app, s, seeded.telegram_id))

    assert await _left(database, MARKER) == []
    if database.is_sqlite:
        assert _files(database)[1].stat().st_size == 0  # the log is emptied, not only reused


async def test_retention_leaves_no_copy_of_the_words_on_disk(database: Database) -> None:
    clock = Clock()
    app, _ = await _seed(database, clock)

    clock.advance(days=400)  # the person has not been seen for longer than the period
    counts = await retention.purge(app)

    assert counts["people"] == 1
    assert await _left(database, MARKER) == []


async def test_a_withdrawn_answer_leaves_no_copy_on_disk(database: Database) -> None:
    app, seeded = await _seed(database, Clock())
    secret = "Wqpz9"

    async def reflect(session: Any) -> None:
        person = await people.get(session, seeded.person_id)
        assert person is not None
        await complete(app, session, person, seeded.team_id, [f"Et svar, {secret} vil slette"])

    await app.db.run(reflect)
    assert await _left(database, secret)

    async def withdraw(session: Any) -> int:
        person = await people.get(session, seeded.person_id)
        assert person is not None
        rows = await session.scalars(select(Answer).where(Answer.person_id == person.id))
        found = [row for row in rows if secret in str(row.value)]
        for answer in found:
            await answers.withdraw(app, session, person, answer.id)
        return len(found)

    assert await app.db.run(withdraw) >= 2
    assert await _left(database, secret) == []
