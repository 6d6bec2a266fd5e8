"""Shared fixtures: a migrated database on SQLite and on PostgreSQL, a fixed clock."""

from __future__ import annotations

import logging
import os
import shutil
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine

from storage.db import Database
from storage.migrate import upgrade

os.environ.setdefault("PTB_TIMEDELTA", "true")

pytest_plugins = ["tests.fakebot.pytest_plugin"]

PG_URL = os.environ.get("TEST_DATABASE_URL", "postgresql+asyncpg://postgres@127.0.0.1:5432/test")
REQUIRE_PG = os.environ.get("REFLEKS_REQUIRE_POSTGRES") == "1"
BACKENDS = [b for b in os.environ.get("REFLEKS_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]


def _pg_reachable() -> bool:
    parsed = urlparse(PG_URL.replace("+asyncpg", ""))
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


@pytest.fixture(autouse=True)
def _logging_as_it_was() -> Iterator[None]:
    """A test that starts the bot in-process (`refleks run` sets up logging before it finds
    a broken format) leaves no handler on a closed stream and no quieted logger behind."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    levels = {
        name: logger.level
        for name, logger in logging.root.manager.loggerDict.items()
        if isinstance(logger, logging.Logger)
    }
    yield
    root.handlers[:] = handlers
    root.setLevel(level)
    for name, logger in logging.root.manager.loggerDict.items():
        if isinstance(logger, logging.Logger) and logger.level != levels.get(name, logging.NOTSET):
            logger.setLevel(levels.get(name, logging.NOTSET))


@pytest.fixture(scope="session")
def pg_available() -> bool:
    return _pg_reachable()


def _need_postgres(pg_available: bool) -> None:
    if pg_available:
        return
    message = f"PostgreSQL is not reachable at {PG_URL}"
    if REQUIRE_PG:
        pytest.fail(message + " (REFLEKS_REQUIRE_POSTGRES=1)")
    pytest.skip(message)


class _SqliteTemplate:
    """Migrate one SQLite file per test run and copy it for each test (much faster)."""

    def __init__(self, folder: Path) -> None:
        self.path = folder / "template.db"
        self.ready = False

    async def copy_to(self, target: Path) -> None:
        if not self.ready:
            database = Database(f"sqlite+aiosqlite:///{self.path}")
            await upgrade(database.engine)
            await database.dispose()
            self.ready = True
        shutil.copyfile(self.path, target)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> _SqliteTemplate:
    return _SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


async def _pg_database() -> tuple[Database, str]:
    """A fresh schema of its own, so concurrent test runs never share tables."""
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    await admin.dispose()
    database = Database(PG_URL, connect_args={"server_settings": {"search_path": schema}})
    await upgrade(database.engine)
    return database, schema


async def _drop_schema(schema: str) -> None:
    admin = create_async_engine(PG_URL)
    async with admin.begin() as conn:
        await conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    await admin.dispose()


@pytest.fixture(params=BACKENDS)
async def database(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    sqlite_template: _SqliteTemplate,
    pg_available: bool,
) -> AsyncIterator[Database]:
    """A migrated, empty database: once on SQLite, once on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "refleks.db"
        await sqlite_template.copy_to(target)
        database = Database(f"sqlite+aiosqlite:///{target}")
        yield database
        await database.dispose()
        return
    _need_postgres(pg_available)
    database, schema = await _pg_database()
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_schema(schema)


@pytest.fixture
async def pg_database(pg_available: bool) -> AsyncIterator[Database]:
    """A migrated, empty PostgreSQL database, for what only PostgreSQL does."""
    if "postgresql" not in BACKENDS:
        pytest.skip("PostgreSQL is not among REFLEKS_TEST_BACKENDS")
    _need_postgres(pg_available)
    database, schema = await _pg_database()
    try:
        yield database
    finally:
        await database.dispose()
        await _drop_schema(schema)


@pytest.fixture
def cli_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder of its own (no developer .env) with a SQLite file and no bot token, for
    running the `refleks` command."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    return tmp_path


@pytest.fixture
def now() -> datetime:
    return datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
