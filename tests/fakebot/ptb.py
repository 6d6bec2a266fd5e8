"""Build and run a real python-telegram-bot Application against the fake."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from telegram.ext import Application, ApplicationBuilder

from tests.fakebot.server import FakeBotApi


def application_builder(fake: FakeBotApi) -> ApplicationBuilder[Any, Any, Any, Any, Any, Any]:
    """An ApplicationBuilder pointed at the fake (token and both base URLs set)."""
    return (
        ApplicationBuilder()
        .token(fake.token)
        .base_url(fake.base_url)
        .base_file_url(fake.base_file_url)
    )


@asynccontextmanager
async def running_application(
    fake: FakeBotApi, app: Application[Any, Any, Any, Any, Any, Any]
) -> AsyncIterator[Application[Any, Any, Any, Any, Any, Any]]:
    """Initialize, start and poll `app` by hand; stop it in reverse on exit.

    `run_polling()` is not used because it owns the event loop and signal handling.
    """
    fake.watch_update_queue(app.update_queue)
    async with app:
        await app.start()
        assert app.updater is not None, "build the application with an updater"
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            fake.watch_update_queue(None)
            await app.updater.stop()
            await app.stop()
