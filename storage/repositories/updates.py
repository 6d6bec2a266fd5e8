"""Processed Telegram update ids, for idempotent handling of redelivered updates."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models import ProcessedUpdate


async def claim(session: AsyncSession, update_id: int, now: datetime) -> bool:
    """Record an update id; False when it was handled before.

    Runs inside the caller's transaction, so the record and the update's effects commit
    together: a crash before commit leaves the update free to be handled again.
    """
    if await session.scalar(
        select(ProcessedUpdate.update_id).where(ProcessedUpdate.update_id == update_id)
    ):
        return False
    session.add(ProcessedUpdate(update_id=update_id, processed_at=now))
    await session.flush()
    return True


async def forget_before(session: AsyncSession, before: datetime) -> int:
    result = await session.execute(
        delete(ProcessedUpdate).where(ProcessedUpdate.processed_at < before)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]
