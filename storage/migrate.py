"""Run Alembic migrations programmatically on an async engine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def _with_connection(connection: Connection, action: str, revision: str) -> None:
    config = alembic_config()
    config.attributes["connection"] = connection
    getattr(command, action)(config, revision)


async def upgrade(engine: AsyncEngine, revision: str = "head") -> None:
    """Bring the schema to `revision` (default: the newest)."""
    async with engine.begin() as connection:
        await connection.run_sync(_with_connection, "upgrade", revision)


async def downgrade(engine: AsyncEngine, revision: str = "base") -> None:
    async with engine.begin() as connection:
        await connection.run_sync(_with_connection, "downgrade", revision)


def _current(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def pending_revisions(engine: AsyncEngine) -> list[str]:
    """Revisions between the database and head; empty when the schema is current."""
    script = ScriptDirectory.from_config(alembic_config())
    async with engine.connect() as connection:
        current = await connection.run_sync(_current)
    heads = set(script.get_heads())
    if current == heads:
        return []
    pending: list[str] = []
    for rev in script.walk_revisions():
        if rev.revision in current:
            break
        pending.append(rev.revision)
    return pending


def _autogenerate_diff(connection: Connection) -> list[Any]:
    from alembic.autogenerate import compare_metadata

    from storage.models import Base

    context = MigrationContext.configure(connection, opts={"compare_type": True})
    return list(compare_metadata(context, Base.metadata))


async def model_drift(engine: AsyncEngine) -> list[Any]:
    """What autogenerate would change: empty when the models and the migrations agree."""
    async with engine.connect() as connection:
        return await connection.run_sync(_autogenerate_diff)
