"""Locks across processes: PostgreSQL advisory locks, and run-once periods for jobs.

An advisory lock belongs to a database connection: it is released when the holder lets go
or when its connection ends, so a process that is killed holds nothing once PostgreSQL
sees the connection close. Keys are hashed from a name within the current schema, so two
installations (or two test runs) in one database never share a lock. On SQLite there is
one process, and these locks are plain asyncio locks.
"""

from __future__ import annotations

import asyncio
import os
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

from storage.db import Database, is_sqlite
from storage.models import JobRun
from storage.upsert import dialect_insert

_KEY = "hashtext(current_schema() || ':' || :space), hashtext(:name)"
_LOCK = text(f"SELECT pg_advisory_lock({_KEY})")
_TRY = text(f"SELECT pg_try_advisory_lock({_KEY})")
_UNLOCK = text(f"SELECT pg_advisory_unlock({_KEY})")


class AdvisoryLocks:
    """Named locks shared by every process on one database.

    A held lock keeps a connection of `engine`'s pool for as long as it is held. Locks held
    around work that itself needs connections (an update's handling) get a pool of their
    own (`dedicated`), so holding them never starves that work.
    """

    def __init__(self, db: Database, engine: AsyncEngine | None = None) -> None:
        self.engine = None if db.is_sqlite else (engine or db.engine)
        self._owned = engine is not None
        self._local: dict[tuple[str, str], asyncio.Lock] = {}

    @classmethod
    def dedicated(cls, db: Database, *, pool_size: int) -> AdvisoryLocks:
        """Locks on a pool of `pool_size` connections of their own (close with `dispose`)."""
        if db.is_sqlite:
            return cls(db)
        kwargs: dict[str, Any] = {"pool_size": pool_size, "max_overflow": 0}
        if db.connect_args:
            kwargs["connect_args"] = db.connect_args
        engine = create_async_engine(db.url, hide_parameters=True, pool_timeout=3600, **kwargs)
        return cls(db, engine)

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[AsyncConnection]:
        if self.engine is None:
            raise RuntimeError("SQLite needs no connection for a lock")
        async with self.engine.connect() as connection:
            yield await connection.execution_options(isolation_level="AUTOCOMMIT")

    @asynccontextmanager
    async def hold(self, space: str, name: str) -> AsyncIterator[None]:
        """Wait for the lock `space`/`name`, hold it for the block, then release it."""
        if self.engine is None:
            async with self._local_lock(space, name):
                yield
            return
        params = {"space": space, "name": name}
        async with self._connection() as connection:
            await connection.execute(_LOCK, params)
            try:
                yield
            finally:
                await _release(connection, params)

    @asynccontextmanager
    async def try_hold(self, space: str, name: str) -> AsyncIterator[bool]:
        """Take the lock if it is free (True for the block), or go on without it (False)."""
        if self.engine is None:
            lock = self._local_lock(space, name)
            if lock.locked():
                yield False
                return
            async with lock:
                yield True
            return
        params = {"space": space, "name": name}
        async with self._connection() as connection:
            got = bool((await connection.execute(_TRY, params)).scalar_one())
            try:
                yield got
            finally:
                if got:
                    await _release(connection, params)

    def _local_lock(self, space: str, name: str) -> asyncio.Lock:
        return self._local.setdefault((space, name), asyncio.Lock())

    async def dispose(self) -> None:
        if self.engine is not None and self._owned:
            await self.engine.dispose()


async def _release(connection: AsyncConnection, params: dict[str, str]) -> None:
    try:
        await connection.execute(_UNLOCK, params)
    except Exception:
        # A connection that failed cannot be trusted to have let go: close it, and
        # PostgreSQL releases whatever it held.
        await connection.invalidate()
        raise


def process_name() -> str:
    """This process, as a claim names it: host and process id."""
    return f"{socket.gethostname()[:64]}:{os.getpid()}"


async def claim_period(db: Database, name: str, period: str, *, worker: str, now: datetime) -> bool:
    """Claim `period` (a day, an hour…) of job `name`; True for exactly one claimant."""
    dialect = "sqlite" if is_sqlite(db.engine) else "postgresql"
    insert = dialect_insert(dialect, JobRun)
    statement = (
        insert.values(name=name, period=period, worker=worker, claimed_at=now)
        .on_conflict_do_update(
            index_elements=["name"],
            set_={"period": insert.excluded.period, "worker": worker, "claimed_at": now},
            where=JobRun.period < insert.excluded.period,
        )
        .returning(JobRun.name)
    )

    async def claim(session: Any) -> bool:
        return (await session.execute(statement)).first() is not None

    return await db.run(claim)
