"""aiosqlite's interface, executed on the event loop's own thread.

aiosqlite runs every call on a worker thread and wakes the event loop when it is done. A
SQLite statement on a local file takes microseconds; the two thread hops around it cost far
more, and under load each hop also waits for the GIL. With writers already queued in order
by `storage.db.Database`, running the calls inline is several times faster. The price is
that a statement blocks the loop while it runs, so the busy timeout is kept short and a
locked database is retried with an asynchronous back-off instead (`Database.run`).
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from typing import Any

import aiosqlite


class _InlineQueue:
    """Stands in for aiosqlite's queue to its worker thread: runs each job at once."""

    def put_nowait(self, job: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = job
        try:
            result = function()
        except BaseException as exc:  # handed to the awaiting caller, as aiosqlite does
            if future is not None and not future.done():
                future.set_exception(exc)
            return
        if future is not None and not future.done():
            future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection whose calls run on the calling thread; no worker thread."""

    def __init__(self, connector: Callable[[], sqlite3.Connection]) -> None:
        super().__init__(connector, iter_chunk_size=64)
        self._tx = _InlineQueue()  # type: ignore[assignment]

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or not self._connection:
            raise ValueError("Connection closed")
        return fn(*args, **kwargs)

    async def _connect(self) -> InlineConnection:
        if self._connection is None:
            self._connection = self._connector()
        return self

    def begin_immediate(self) -> None:
        """Open a write transaction at once, without a round through the async layers."""
        if self._connection is None:
            raise ValueError("Connection closed")
        self._connection.execute("BEGIN IMMEDIATE")

    def __await__(self) -> Any:
        return self._connect().__await__()

    def stop(self) -> asyncio.Future[Any] | None:
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None
        return None


def inline_creator(database: str) -> Callable[[], Any]:
    """An `async_creator` for `create_async_engine` that opens inline connections."""

    async def create() -> InlineConnection:
        connection = InlineConnection(lambda: sqlite3.connect(database, check_same_thread=False))
        return await connection._connect()

    return create
