"""Rows the storage tests start from: a person, and a private session of theirs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import text

from storage.db import Database
from storage.repositories import consent, dialogues, people

NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


async def make_person(
    db: Database, telegram_id: int, name: str = "Ane", *, consented: int | None = None
) -> int:
    """A person with this Telegram id; with `consented`, their yes to that text version."""
    async with db.transaction() as s:
        person = await people.create(
            s, display_name=name, language="da", now=NOW, telegram_id=telegram_id
        )
        if consented is not None:
            await consent.give(s, person.id, consented, NOW)
        return person.id


async def make_session(db: Database, person_id: int, state: dict[str, Any] | None = None) -> int:
    """An active private session of the person's, on a pinned (and re-pinned) snapshot."""
    async with db.transaction() as s:
        snap, again = [
            await dialogues.snapshot_id(
                s,
                format_id="mindset",
                version=1,
                fingerprint="f" * 64,
                definition={"id": "mindset"},
                now=NOW,
            )
            for _ in range(2)
        ]
        assert snap == again
        row = await dialogues.create_session(
            s,
            format_id="mindset",
            format_version=1,
            snapshot_id=snap,
            language="da",
            state={"cursor": 0} if state is None else state,
            now=NOW,
            person_id=person_id,
            started_by=person_id,
        )
        return row.id


async def terminate_backend(db: Database, pid: int) -> None:
    """End a PostgreSQL backend from another connection, as a server restart would."""
    killer = Database(db.url)
    try:
        async with killer.transaction() as s:
            await s.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        await killer.dispose()
