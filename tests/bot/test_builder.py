"""The one place the Telegram application is built takes its tuning from the settings."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from bot.config import Settings
from bot.telegram.builder import build_application
from storage.db import Database
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app


async def test_updates_handled_at_once_follow_the_setting(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    app = make_app(database, Clock())
    app.settings = app.settings.model_copy(update={"refleks_concurrent_updates": 7})
    application = build_application(
        app,
        token=fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    )
    assert application.update_processor.max_concurrent_updates == 7


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).refleks_concurrent_updates == 32  # type: ignore[call-arg]
    monkeypatch.setenv("REFLEKS_CONCURRENT_UPDATES", "256")
    assert Settings(_env_file=None).refleks_concurrent_updates == 256  # type: ignore[call-arg]
    monkeypatch.setenv("REFLEKS_CONCURRENT_UPDATES", "0")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]
