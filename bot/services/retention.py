"""Retention: data older than REFLEKS_RETENTION_DAYS is deleted by a daily job.

Deleted: reflections (runs), answers, next steps, delivered or abandoned messages, processed
update ids, access-log entries and old invites last changed before the cut-off, and people
not seen for the whole period (forgotten exactly as /forget would). Frozen aggregates are
anonymous and stay. Time comes from the application's clock, so a test moves it by hand.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Coroutine
from datetime import datetime, time, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.forget import forget
from storage.db import erase_after_commit
from storage.locks import claim_period, process_name
from storage.repositories import privacy as repo

log = logging.getLogger(__name__)

JOB_NAME = "retention"
# Once a day, in the quiet of the night (local time of the installation).
RUN_AT = time(3, 17)


def cutoff(app: App) -> datetime:
    return app.now() - timedelta(days=app.settings.refleks_retention_days)


async def purge(app: App) -> dict[str, int]:
    """Delete everything older than the retention period; returns counts per kind."""
    before = cutoff(app)

    async def unit(session: AsyncSession) -> dict[str, int]:
        unseen = await repo.people_unseen_since(session, before)
        for person in unseen:
            await forget(app, session, person)
        counts = await repo.purge_before(session, before)
        erase_after_commit(session)
        counts["people"] = len(unseen)
        return counts

    counts = await app.db.run(unit)
    log.info("retention purge done", extra={f"deleted_{k}": v for k, v in counts.items()})
    return counts


def job(app: App) -> Callable[[Any], Coroutine[Any, Any, None]]:
    """The JobQueue callback: purge with the application's clock (tests call it directly)."""

    async def run_retention(_context: object) -> None:
        # Every worker's job queue fires; the first to claim the day purges, once.
        day = app.now().astimezone(app.settings.timezone).date().isoformat()
        if await claim_period(app.db, JOB_NAME, day, worker=process_name(), now=app.now()):
            await purge(app)

    return run_retention


def run_at(app: App) -> time:
    return RUN_AT.replace(tzinfo=app.settings.timezone)
