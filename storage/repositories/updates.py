"""Processed Telegram update ids, for idempotent handling of redelivered updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import bindparam, delete
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate
from storage.repositories.rows import affected
from storage.upsert import DIALECTS, dialect_insert, dialect_of

# Built once: this runs for every update, and building a statement costs more than running it.
CLAIM = {
    name: dialect_insert(name, ProcessedUpdate)
    .values(update_id=bindparam("update_id"), processed_at=bindparam("processed_at"))
    .on_conflict_do_nothing(index_elements=["update_id"])
    for name in DIALECTS
}


async def claim(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update id; False when it was handled before.

    Runs inside the caller's transaction, so the record and the update's effects commit
    together: a crash before commit leaves the update free to be handled again.
    """
    statement = CLAIM[dialect_of(session)]
    # Core execution on the connection: an ORM-level insert would not report rowcount.
    connection = await session.connection()
    result = await connection.execute(statement, {"update_id": update_id, "processed_at": now})
    return affected(result) > 0


async def forget_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return affected(result)
