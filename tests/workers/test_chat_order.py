"""One chat's updates are handled by one worker at a time, whichever workers get them."""

from __future__ import annotations

import asyncio
from typing import Any

from sqlalchemy import text
from telegram import Update

from bot.telegram.processor import CHAT_LOCKS, PerChatUpdateProcessor
from storage.db import Database
from storage.locks import AdvisoryLocks
from tests.conftest import PG_URL

# How a lock of `chat` shows in pg_locks (keys are int4 hashes, shown as unsigned oids).
_WAITING = text(
    """
    SELECT count(*) FROM pg_locks
    WHERE locktype = 'advisory' AND NOT granted AND objsubid = 2
      AND classid::bigint = (hashtext(current_schema() || ':' || :space)::bigint + 4294967296)
                            % 4294967296
      AND objid::bigint = (hashtext(:name)::bigint + 4294967296) % 4294967296
    """
)


def _update(update_id: int, chat_id: int) -> Update:
    person = {"id": chat_id, "is_bot": False, "first_name": "Anna"}
    return Update.de_json(
        {
            "update_id": update_id,
            "message": {
                "message_id": update_id,
                "date": 1_700_000_000,
                "chat": {"id": chat_id, "type": "private", "first_name": "Anna"},
                "from": person,
                "text": "svar",
            },
        },
        None,
    )


async def _until_waiting(database: Database, chat_id: int) -> None:
    """Until a second holder waits for the chat's lock (bounded)."""
    params = {"space": CHAT_LOCKS, "name": str(chat_id)}
    for _ in range(500):
        async with database.transaction() as session:
            if (await session.execute(_WAITING, params)).scalar_one():
                return
        await asyncio.sleep(0.01)
    raise AssertionError("nobody waited for the chat's lock")


async def test_a_chat_waits_for_the_worker_that_handles_it(pg_database: Database) -> None:
    other = Database(PG_URL, connect_args=pg_database.connect_args)
    workers = [
        PerChatUpdateProcessor(4, chat_locks=AdvisoryLocks.dedicated(db, pool_size=2))
        for db in (pg_database, other)
    ]
    applied: list[str] = []
    inside, release = asyncio.Event(), asyncio.Event()

    async def first_attempt() -> None:
        inside.set()
        await release.wait()
        applied.append("first attempt")

    async def record(what: str) -> None:
        applied.append(what)

    try:
        first: asyncio.Task[Any] = asyncio.create_task(
            workers[0].process_update(_update(10, 5), first_attempt())
        )
        await inside.wait()
        # Telegram gave up waiting and sends update 10 again, to the other worker.
        again = asyncio.create_task(
            workers[1].process_update(_update(10, 5), record("second attempt"))
        )
        await _until_waiting(pg_database, 5)
        # Another chat is not held up meanwhile.
        await workers[1].process_update(_update(11, 6), record("another chat"))
        assert applied == ["another chat"]
        release.set()
        await asyncio.gather(first, again)
        assert applied == ["another chat", "first attempt", "second attempt"]
    finally:
        for worker in workers:
            await worker.shutdown()
        await other.dispose()
