"""`refleks doctor` names each failure and what to do; a second poller (409) is explained."""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from telegram.error import Conflict, TelegramError
from telegram.ext import ApplicationHandlerStop
from typer.testing import CliRunner

from bot.cli import cli
from bot.config import Settings, load_settings
from bot.doctor import Check, diagnose
from bot.telegram.builder import build_application
from bot.telegram.runner import CONFLICT_EXPLANATION, ConflictExplainer, watch_conflicts
from storage.db import Database
from storage.migrate import upgrade
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app

WRONG_TOKEN = "123456789:AAwrongwrongwrongwrongwrongwrongwrong"


async def _migrated(path: Path, revision: str = "head") -> str:
    url = f"sqlite+aiosqlite:///{path}"
    database = Database(url)
    await upgrade(database.engine, revision)
    await database.dispose()
    return url


def _settings(**values: Any) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def _by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


async def test_everything_in_place(tmp_path: Path, fake_bot_api: FakeBotApi) -> None:
    settings = _settings(
        database_url=await _migrated(tmp_path / "ok.db"),
        telegram_bot_token=fake_bot_api.token,
        telegram_api_url=fake_bot_api.base_url,
        refleks_admins=[42],
    )
    checks = await diagnose(lambda: settings)
    assert [c.name for c in checks] == [
        "configuration",
        "formats",
        "database",
        "migrations",
        "administrators",
        "telegram",
    ]
    assert [c.status for c in checks] == ["ok"] * 6, [c.line() for c in checks]
    assert "the token belongs to @" in _by_name(checks)["telegram"].detail


async def test_a_wrong_token_is_named_without_showing_it(
    tmp_path: Path, fake_bot_api: FakeBotApi
) -> None:
    settings = _settings(
        database_url=await _migrated(tmp_path / "ok.db"),
        telegram_bot_token=WRONG_TOKEN,
        telegram_api_url=fake_bot_api.base_url,
    )
    checks = await diagnose(lambda: settings)
    telegram = _by_name(checks)["telegram"]
    assert telegram.failed
    assert "refused the token" in telegram.detail
    assert "@BotFather" in telegram.fix
    lines = "\n".join(c.line() for c in checks)
    assert WRONG_TOKEN.split(":")[1] not in lines
    assert _by_name(checks)["administrators"].status == "warn"  # nobody can create groups


async def test_an_unreachable_database_is_named_and_what_needs_it_is_skipped() -> None:
    settings = _settings(database_url="postgresql+asyncpg://refleks:hemmeligt@127.0.0.1:1/refleks")
    found = _by_name(await diagnose(lambda: settings))
    assert found["database"].failed
    assert "cannot connect to postgresql+asyncpg://refleks:***@127.0.0.1:1/refleks" in (
        found["database"].detail
    )
    assert "hemmeligt" not in found["database"].line()
    assert "DATABASE_URL" in found["database"].fix
    assert found["migrations"].status == "skip"
    assert found["telegram"].status == "skip"  # no token set: the console would start


async def test_pending_migrations_are_listed_with_the_command_that_applies_them(
    tmp_path: Path,
) -> None:
    url = await _migrated(tmp_path / "old.db", "0002_access_log_operator")
    found = _by_name(await diagnose(lambda: _settings(database_url=url)))
    assert found["database"].status == "ok"
    migrations = found["migrations"]
    assert migrations.failed
    assert "0003_followup_opening" in migrations.detail
    assert "0002_access_log_operator" not in migrations.detail
    assert "refleks db upgrade" in migrations.fix


async def test_a_missing_database_file_is_not_created(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "refleks.db"
    found = _by_name(await diagnose(lambda: _settings(database_url=f"sqlite+aiosqlite:///{path}")))
    assert found["database"].failed
    assert "refleks db upgrade" in found["database"].fix
    assert not path.parent.exists()


async def test_a_bad_setting_stops_the_checks_that_need_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("REFLEKS_TIMEZONE", "Mars/Olympus")
    found = _by_name(await diagnose(lambda: load_settings(_env_file=None)))
    assert found["configuration"].failed
    assert "REFLEKS_TIMEZONE" in found["configuration"].detail
    assert found["formats"].status == "ok"
    assert {found[n].status for n in ("database", "migrations", "telegram")} == {"skip"}


def test_the_command_prints_one_line_per_check_and_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'none.db'}")
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    result = CliRunner().invoke(cli, ["doctor"])
    assert result.exit_code == 1
    lines = result.stdout.strip().splitlines()
    assert lines[0].startswith("ok    configuration")
    assert lines[2].startswith("FAIL  database")
    assert "→" in lines[2]
    assert not (tmp_path / "none.db").exists()


async def test_a_conflict_is_explained_once_in_a_while(caplog: pytest.LogCaptureFixture) -> None:
    now = [0.0]
    explainer = ConflictExplainer(clock=lambda: now[0])
    context: Any = SimpleNamespace(error=Conflict("terminated by other getUpdates request"))
    with caplog.at_level(logging.ERROR, logger="bot.telegram.runner"):
        for moment in (0.0, 30.0, 700.0):
            now[0] = moment
            with pytest.raises(ApplicationHandlerStop):
                await explainer(None, context)
        await explainer(None, SimpleNamespace(error=ValueError("something else")))
    explained = [r for r in caplog.records if r.getMessage() == CONFLICT_EXPLANATION]
    assert len(explained) == 2  # at 0 s and at 700 s, not for the retry in between
    assert explainer.seen == 3


async def test_a_second_poller_is_detected_through_telegrams_409(
    fake_bot_api: FakeBotApi, database: Database, caplog: pytest.LogCaptureFixture
) -> None:
    app = make_app(database, Clock())
    application = build_application(
        app,
        token=fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    )
    explainer = watch_conflicts(application)

    def forward(error: TelegramError) -> None:
        # What Application.run_polling passes to the updater: errors go to the error handlers.
        application.create_task(application.process_error(error=error, update=None))

    fake_bot_api.watch_update_queue(application.update_queue)
    with caplog.at_level(logging.ERROR, logger="bot.telegram.runner"):
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(
                poll_interval=0, timeout=1, error_callback=forward
            )
            try:
                fake_bot_api.fail("getUpdates", 409, times=1)
                await fake_bot_api.wait_until(lambda: explainer.seen >= 1)
                # It goes on polling: a message after the conflict is still answered.
                user = fake_bot_api.add_user("Ane")
                await fake_bot_api.send_text(user, "/privacy")
                reply = await fake_bot_api.wait_for_message(user)
            finally:
                fake_bot_api.watch_update_queue(None)
                await application.updater.stop()
                await application.stop()
    assert "Hvad gemmes?" in (reply.text or "")
    assert any(r.getMessage() == CONFLICT_EXPLANATION for r in caplog.records)
