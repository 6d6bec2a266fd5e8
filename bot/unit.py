"""One unit of work for one Telegram update: its effects and the record that it was handled.

Both chat channels (private and group) run every update through here, so an update that
Telegram delivers twice has its effects once: the update id is claimed in the same
transaction as the effects, and a crash before the commit leaves it free to be handled.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from storage.repositories import updates

T = TypeVar("T")

__all__ = ["run_update"]


async def run_update(
    app: App, update_id: int | None, work: Callable[[AsyncSession], Awaitable[T]]
) -> T | None:
    """Run WORK in one transaction; None when UPDATE_ID was handled before."""

    async def unit(session: AsyncSession) -> T | None:
        if update_id is not None and not await updates.claim(session, update_id, app.now()):
            return None
        return await work(session)

    return await app.db.run(unit)
