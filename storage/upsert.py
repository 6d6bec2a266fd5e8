"""INSERT … ON CONFLICT for both databases: one statement instead of a read and a write."""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession

DIALECTS = ("sqlite", "postgresql")


def dialect_of(session: AsyncSession) -> str:
    return session.bind.dialect.name if session.bind is not None else "sqlite"


def dialect_insert(dialect: str, table: Any) -> Any:
    """The dialect's INSERT construct, which offers `on_conflict_do_nothing/_update`."""
    return postgresql.insert(table) if dialect == "postgresql" else sqlite.insert(table)


def insert(session: AsyncSession, table: Any) -> Any:
    return dialect_insert(dialect_of(session), table)
