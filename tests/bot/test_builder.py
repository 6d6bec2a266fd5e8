"""The one place the Telegram application is built takes its tuning from the settings."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from pydantic import ValidationError
from telegram.ext import Application

from bot.app import App
from bot.config import Settings
from bot.telegram.builder import HTTP_CONNECTIONS, build_application
from storage.db import Database
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app


def _build(app: App, fake: FakeBotApi, *, rate_limit: bool = True) -> Application:  # type: ignore[type-arg]
    return build_application(
        app,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        rate_limit=rate_limit,
    )


async def test_updates_handled_at_once_follow_the_setting(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    app = make_app(database, Clock())
    app.settings = app.settings.model_copy(update={"refleks_concurrent_updates": 7})
    application = _build(app, fake_bot_api)
    assert application.update_processor.max_concurrent_updates == 7


def test_the_setting_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert Settings(_env_file=None).refleks_concurrent_updates == 32  # type: ignore[call-arg]
    monkeypatch.setenv("REFLEKS_CONCURRENT_UPDATES", "256")
    assert Settings(_env_file=None).refleks_concurrent_updates == 256  # type: ignore[call-arg]
    monkeypatch.setenv("REFLEKS_CONCURRENT_UPDATES", "0")
    with pytest.raises(ValidationError):
        Settings(_env_file=None)  # type: ignore[call-arg]


async def test_a_burst_beyond_the_connection_pool_waits_for_a_connection(
    fake_bot_api: FakeBotApi, database: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replies beyond the pool queue for a connection, even while the Bot API is slow.

    Each send is held for 1.5 s, so the one beyond the pool waits that long for a
    connection: PTB's default pool timeout (1 s) would fail it, unsent.
    """
    application = _build(make_app(database, Clock()), fake_bot_api, rate_limit=False)
    user = fake_bot_api.add_user("Ane")
    burst = HTTP_CONNECTIONS + 1
    fake_bot_api.fail("sendMessage", status=None, times=burst, delay=1.5)
    in_flight = most = 0
    answer = fake_bot_api._injected_answer

    async def counted(method: str, params: dict[str, Any]) -> Any:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            return await answer(method, params)
        finally:
            in_flight -= 1

    monkeypatch.setattr(fake_bot_api, "_injected_answer", counted)
    async with application:
        sent = await asyncio.gather(
            *(application.bot.send_message(user.id, f"Besked {n}") for n in range(burst))
        )
    assert len({message.message_id for message in sent}) == burst
    assert sorted(call["text"] for call in fake_bot_api.calls("sendMessage")) == sorted(
        f"Besked {n}" for n in range(burst)
    )
    assert most == HTTP_CONNECTIONS
