"""`refleks db backup FILE`: an online copy of the SQLite database, restorable; pg_dump for PG."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from storage.db import Database
from storage.migrate import upgrade
from tests.privacy.support import seed
from tests.support import Clock, make_app


def _seed(url: str) -> None:
    async def work() -> None:
        database = Database(url)
        try:
            await upgrade(database.engine)
            app = make_app(database, Clock())
            await app.db.run(lambda s: seed(app, s, telegram_id=750_000_001, name="Dorte"))
        finally:
            await database.dispose()

    asyncio.run(work())


def _names(path: Path) -> list[str]:
    with sqlite3.connect(path) as db:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        names = [row[0] for row in db.execute("SELECT display_name FROM people")]
    db.close()
    return names


@pytest.fixture
def configured(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    live = tmp_path / "data" / "refleks.db"
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{live}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    _seed(f"sqlite+aiosqlite:///{live}")
    return live


def test_backup_while_a_writer_holds_the_database_then_restore(
    configured: Path, tmp_path: Path
) -> None:
    runner = CliRunner()
    copy = tmp_path / "backups" / "refleks-copy.db"
    writer = sqlite3.connect(configured)
    try:
        writer.execute("BEGIN IMMEDIATE")  # the bot is in the middle of a write
        writer.execute("UPDATE people SET display_name = 'Midt i en skrivning'")
        made = runner.invoke(cli, ["db", "backup", str(copy)])
        writer.rollback()
    finally:
        writer.close()
    assert made.exit_code == 0, made.output
    assert "Backed up" in made.stdout
    assert _names(copy) == ["Dorte"]  # the committed state, not the half-done write

    with sqlite3.connect(configured) as live:
        live.execute("DELETE FROM people")
    live.close()
    assert _names(configured) == []
    restored = runner.invoke(cli, ["db", "restore", str(copy)])
    assert restored.exit_code == 0, restored.output
    assert _names(configured) == ["Dorte"]


def test_backup_of_postgresql_points_to_pg_dump(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://refleks@localhost/refleks")
    refused = CliRunner().invoke(cli, ["db", "backup", "copy.db"])
    assert refused.exit_code != 0
    assert "pg_dump" in refused.output
