"""Webhook mode's processes: uvicorn serves the web part with the webhook route, in one
process or in N worker processes under uvicorn's own supervisor (which starts a new worker
when one dies).

Every worker is the same and keeps nothing that matters in memory: conversations live in
the database, each chat's updates are handled under a lock every worker shares
(`bot.telegram.processor`), Telegram's limits are kept in PostgreSQL
(`bot.dispatch.pacing`), and jobs that must run once take a lock or claim their period
first (`storage.locks`). The webhook is registered once, by the process that starts the
workers.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import uvicorn
from starlette.applications import Starlette
from telegram import Bot

from bot.app import App
from bot.config import Settings, load_settings
from bot.logs import REDACTOR, setup_logging
from bot.telegram.builder import build_application
from bot.telegram.webhook import (
    Webhook,
    register,
    running,
    webhook_of,
    webhook_route,
    workers_refused,
)
from bot.web.app import create_web_app

log = logging.getLogger(__name__)

FACTORY = "bot.telegram.workers:create_worker_app"
# How long the supervisor waits for a worker to answer its health check. A new worker
# answers only once its imports are done, which on a busy machine takes many seconds;
# uvicorn's default of 5 would kill it again and again before it ever served.
WORKER_STARTUP_SECONDS = 60


def _needs(settings: Settings) -> tuple[str, Webhook]:
    token, hook = settings.telegram_bot_token, webhook_of(settings)
    if token is None or hook is None:
        raise ValueError("webhook mode needs TELEGRAM_BOT_TOKEN and TELEGRAM_WEBHOOK_URL")
    return token.get_secret_value(), hook


async def register_webhook(settings: Settings) -> None:
    """Point Telegram at the webhook (once, before the workers start)."""
    token, hook = _needs(settings)
    async with Bot(token, base_url=settings.telegram_api_url) as bot:
        await register(bot, hook)


def worker_app(app: App) -> Starlette:
    """The web part with the webhook route, starting and stopping the bot with the server."""
    token, hook = _needs(app.settings)
    REDACTOR.add_secret(hook.secret)
    application = build_application(
        app,
        token=token,
        base_url=app.settings.telegram_api_url,
        rate_limit=app.settings.refleks_reply_pacing,
        webhook=True,
    )
    web = create_web_app(app, routes=[webhook_route(application, hook)])

    @asynccontextmanager
    async def lifespan(_web: Any) -> AsyncIterator[None]:
        async with running(application):
            yield

    web.router.lifespan_context = lifespan
    return web


def create_worker_app() -> Starlette:
    """uvicorn's factory in each worker process: settings from the environment."""
    settings = load_settings()
    setup_logging(settings.refleks_log_level)
    return worker_app(App.create(settings))


def run_workers(settings: Settings, workers: int) -> None:
    """Register the webhook, then serve it with `workers` processes until stopped."""
    refused = workers_refused(settings, workers)
    if refused:
        raise ValueError(refused)
    asyncio.run(register_webhook(settings))
    uvicorn.run(
        FACTORY,
        factory=True,
        host=settings.refleks_web_host,
        port=settings.refleks_web_port,
        workers=workers,
        timeout_worker_healthcheck=WORKER_STARTUP_SECONDS,
        lifespan="on",
        log_config=None,
        access_log=False,
        server_header=False,
        proxy_headers=False,
    )
