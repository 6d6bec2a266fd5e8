"""Refleks in webhook mode inside the test process, fed by the fake's webhook delivery."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from telegram.ext import Application

from bot.app import App
from bot.telegram.builder import build_application
from bot.telegram.webhook import Webhook, register, running, webhook_of, webhook_route
from storage.db import Database
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app

URL = "https://refleks.kommune.example/telegram/webhook"
SECRET = "test-secret_0123456789"


def webhook_app(database: Database, clock: Clock | None = None) -> App:
    """An app whose settings ask for webhook mode."""
    return make_app(database, clock, telegram_webhook_url=URL, telegram_webhook_secret=SECRET)


@asynccontextmanager
async def serving(
    fake: FakeBotApi, app: App
) -> AsyncIterator[tuple[Application[Any, Any, Any, Any, Any, Any], str]]:
    """Refleks's webhook on an ephemeral port, registered with the fake; yields the
    application and the server's local origin."""
    hook = webhook_of(app.settings)
    assert isinstance(hook, Webhook)
    application = build_application(
        app,
        token=fake.token,
        base_url=fake.base_url,
        base_file_url=fake.base_file_url,
        webhook=True,
    )
    web = Starlette(routes=[webhook_route(application, hook)])
    server = uvicorn.Server(
        uvicorn.Config(web, host="127.0.0.1", port=0, lifespan="off", log_config=None)
    )
    listening = socket.socket()
    listening.bind(("127.0.0.1", 0))
    listening.listen(128)  # connections wait in the backlog until uvicorn serves them
    origin = f"http://127.0.0.1:{listening.getsockname()[1]}"
    async with running(application):
        task = asyncio.create_task(server.serve(sockets=[listening]))
        fake.webhook.route(origin)
        await register(application.bot, hook)
        try:
            yield application, origin
        finally:
            server.should_exit = True
            await task
