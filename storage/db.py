"""Engine and session factory; SQLite gets WAL, foreign keys, a busy timeout and secure delete.

Deleted words must not stay on disk. SQLite overwrites freed space with zeros
(`secure_delete`), but its write-ahead log keeps the earlier versions of every page until a
checkpoint; a unit of work that deleted someone's words calls `erase_after_commit`, and
once it has committed the log is folded into the database file and emptied.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm.exc import StaleDataError
from sqlalchemy.pool import ConnectionPoolEntry

from storage.sqlite_inline import InlineConnection, inline_creator

log = logging.getLogger(__name__)

T = TypeVar("T")

# Short, because statements run on the event loop (storage.sqlite_inline): a writer in
# another process (the CLI, a backup) makes us retry asynchronously instead of blocking.
SQLITE_BUSY_TIMEOUT_MS = 200


def _sqlite_on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
    # Let SQLAlchemy, not the driver, decide when a transaction begins (see _sqlite_on_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()


def _sqlite_on_begin(connection: Any) -> None:
    # BEGIN IMMEDIATE takes the write lock up front, so a transaction never fails half-way
    # when it upgrades from reading to writing; waiting writers honour busy_timeout.
    driver = connection.connection.driver_connection
    if isinstance(driver, InlineConnection):
        driver.begin_immediate()  # straight to sqlite3: this runs for every transaction
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def create_engine(
    url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None
) -> AsyncEngine:
    """Create the async engine for a URL, preparing SQLite's file and pragmas."""
    parsed = make_url(url)
    # Statement parameters carry what people wrote: keep them out of errors and logs.
    kwargs: dict[str, Any] = {"echo": echo, "hide_parameters": True}
    if connect_args:
        kwargs["connect_args"] = connect_args
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            with contextlib.suppress(OSError):  # then SQLite says it cannot open the file
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            kwargs["async_creator"] = inline_creator(database)
        engine = create_async_engine(url, **kwargs)
        event.listen(engine.sync_engine, "connect", _sqlite_on_connect)
        event.listen(engine.sync_engine, "begin", _sqlite_on_begin)
        return engine
    # No pre-ping: it would cost a round trip per transaction. A connection the server
    # dropped fails its first statement instead, and `Database.run` retries on a fresh one.
    kwargs.update(pool_size=10, max_overflow=20)
    return create_async_engine(url, **kwargs)


# Set in a session's `info` by a unit of work that deleted what someone wrote.
_ERASE = "refleks.erase_after_commit"


def erase_after_commit(session: AsyncSession) -> None:
    """Have the deletions of this unit of work leave no copy in SQLite's log once committed."""
    session.info[_ERASE] = True


def is_sqlite(engine: AsyncEngine) -> bool:
    return engine.dialect.name == "sqlite"


def _is_transient(exc: BaseException) -> bool:
    """Worth another try: a locked file, a dropped connection, a changed row, a conflict."""
    if isinstance(exc, StaleDataError):
        return True
    if isinstance(exc, OperationalError) and "database is locked" in str(exc.orig):
        return True
    if isinstance(exc, DBAPIError):
        if exc.connection_invalidated:
            return True
        code = getattr(exc.orig, "sqlstate", None) or getattr(exc.orig, "pgcode", None)
        return code in {"40001", "40P01"}
    return False


class Database:
    """Owns the engine; hands out sessions and transactions with a retry on brief locks."""

    def __init__(
        self, url: str, *, echo: bool = False, connect_args: dict[str, Any] | None = None
    ) -> None:
        self.url = url
        self.connect_args = connect_args
        self.engine = create_engine(url, echo=echo, connect_args=connect_args)
        self.sessions = async_sessionmaker(self.engine, expire_on_commit=False)
        # SQLite has one writer at a time. Queueing writers here, in order, is far cheaper
        # than letting each connection poll SQLite's busy handler until the lock frees.
        self._writer = asyncio.Lock() if self.is_sqlite else None

    @property
    def is_sqlite(self) -> bool:
        return is_sqlite(self.engine)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        """One unit of work: commit on success, roll back on error."""
        if self._writer is None:
            async with self.sessions() as session, session.begin():
                yield session
            return
        async with self._writer, self.sessions() as session:
            async with session.begin():
                yield session
            if session.info.pop(_ERASE, False):
                await self._checkpoint()

    async def _checkpoint(self) -> None:
        """Copy SQLite's log into the database file and truncate it to nothing.

        Runs outside any transaction on the driver's own connection; other connections of
        this process are idle, since the caller holds the writer lock.
        """
        async with self.engine.connect() as connection:
            driver: Any = (await connection.get_raw_connection()).driver_connection
            cursor = await driver.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            busy, _, _ = await cursor.fetchone()
            await cursor.close()
        if busy:
            log.warning("the write-ahead log could not be emptied: another process reads it")

    @asynccontextmanager
    async def guarded(self) -> AsyncIterator[AsyncConnection]:
        """A connection for statements that guard themselves (see repositories.typed_answers).

        On PostgreSQL each statement commits on its own. SQLite waits its turn as a writer
        and runs them in one `BEGIN IMMEDIATE` transaction, committed when the block ends.
        """
        if self._writer is None:
            async with self.engine.connect() as connection:
                yield await connection.execution_options(isolation_level="AUTOCOMMIT")
            return
        async with self._writer, self.engine.connect() as connection, connection.begin():
            yield connection

    @staticmethod
    def is_transient(exc: BaseException) -> bool:
        """Worth another try (see `run`)."""
        return _is_transient(exc)

    async def run(
        self,
        work: Callable[[AsyncSession], Awaitable[T]],
        *,
        attempts: int = 6,
    ) -> T:
        """Run `work` in a transaction, retrying a few times when the database is busy."""
        delay = 0.05
        for attempt in range(1, attempts + 1):
            try:
                async with self.transaction() as session:
                    return await work(session)
            except (OperationalError, DBAPIError, StaleDataError) as exc:
                if attempt == attempts or not _is_transient(exc):
                    raise
                log.warning(
                    "unit of work retried",
                    extra={"attempt": attempt, "reason": type(exc).__name__},
                )
                await asyncio.sleep(delay)
                delay *= 2
        raise AssertionError("unreachable")

    async def dispose(self) -> None:
        await self.engine.dispose()
