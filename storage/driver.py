"""SQLAlchemy statements compiled once and run on asyncpg itself, for the hottest path.

SQLAlchemy's execution machinery (cache lookup, execution context, result wrapping, the
greenlet hop) costs more CPU than a short PostgreSQL statement takes to run. For the one
path every message takes (`repositories.typed_answers`), a statement is compiled once per
dialect by SQLAlchemy, and each execution hands the compiled SQL with its parameters,
processed by the same SQLAlchemy types, straight to asyncpg's prepared-statement cache.
Everything else in the project goes through SQLAlchemy as usual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import asyncpg
from sqlalchemy import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None


class DriverStatement:
    """One statement, compiled for one dialect, with its parameters in positional order."""

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        if not isinstance(compiled, SQLCompiler):
            raise TypeError("only SQL statements run on the driver")
        self.sql = str(compiled)
        order = compiled.positiontup
        if order is None:
            raise ValueError(f"{dialect.name} does not use positional parameters")
        self.names: tuple[str, ...] = tuple(order)
        self.defaults: dict[str, Any] = {}
        self.processors: tuple[Processor, ...] = ()
        processors: list[Processor] = []
        for name in self.names:
            bind = compiled.binds[name]
            if bind.value is not None:
                self.defaults[name] = bind.value
            processors.append(bind.type.dialect_impl(dialect).bind_processor(dialect))
        self.processors = tuple(processors)

    def args(self, params: Mapping[str, Any]) -> list[Any]:
        """The driver's positional arguments, each processed by its SQLAlchemy type."""
        values = []
        for name, process in zip(self.names, self.processors, strict=True):
            value = params[name] if name in params else self.defaults[name]
            values.append(value if process is None or value is None else process(value))
        return values


class Compiled:
    """A statement compiled lazily for whichever dialect first runs it."""

    def __init__(self, statement: ClauseElement) -> None:
        self.statement = statement
        self._by_dialect: dict[str, DriverStatement] = {}

    def on(self, dialect: Dialect) -> DriverStatement:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = DriverStatement(self.statement, dialect)
        return found


async def asyncpg_of(connection: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy connection."""
    raw = await connection.get_raw_connection()
    return raw.driver_connection


class Transient(Exception):
    """The statement failed in a way worth another try: a dropped connection, a conflict."""


# What a connection the server dropped raises; which one depends on when the news arrived.
_BROKEN = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.InternalClientError,
    OSError,
)
# Serialization failure and deadlock: as in `storage.db`, a retry will usually pass.
_TRANSIENT_STATES = {"40001", "40P01"}


async def fetchrow(
    connection: AsyncConnection, statement: Compiled, params: Mapping[str, Any]
) -> Any:
    """Run on asyncpg and return the first row (an asyncpg Record), or None.

    A connection that broke is invalidated, so the pool never hands it out again, and the
    failure is raised as `Transient`, as is a conflict worth retrying. Other errors pass
    through unchanged.
    """
    compiled = statement.on(connection.dialect)
    driver = await asyncpg_of(connection)
    try:
        return await driver.fetchrow(compiled.sql, *compiled.args(params))
    except _BROKEN as exc:
        await connection.invalidate()
        raise Transient(type(exc).__name__) from exc
    except asyncpg.PostgresError as exc:
        if exc.sqlstate in _TRANSIENT_STATES:
            raise Transient(type(exc).__name__) from exc
        raise
