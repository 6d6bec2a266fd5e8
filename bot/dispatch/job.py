"""Tick the dispatcher from python-telegram-bot's job queue (APScheduler underneath)."""

from __future__ import annotations

import logging
from typing import Any

from telegram.ext import Application, ContextTypes

from bot.app import App
from bot.dispatch.dispatcher import Dispatcher
from bot.dispatch.sender import TelegramSender

log = logging.getLogger(__name__)

JOB_NAME = "outbox-dispatcher"
INTERVAL_SECONDS = 10.0
_KEY = "dispatcher"


async def tick(context: ContextTypes.DEFAULT_TYPE) -> None:
    """Send what is due; a tick still running makes this one step aside."""
    dispatcher: Dispatcher = context.bot_data[_KEY]
    try:
        await dispatcher.tick(wait=False)
    except Exception:
        log.exception("the outbox tick failed; the next one tries again")


async def start(
    application: Application[Any, Any, Any, Any, Any, Any],
    app: App,
    *,
    token: str,
    base_url: str,
    base_file_url: str | None = None,
    interval: float = INTERVAL_SECONDS,
) -> Dispatcher | None:
    """Create the dispatcher with a bot of its own and tick it every `interval` seconds."""
    if application.job_queue is None or interval <= 0:
        return None
    sender = TelegramSender.create(token=token, base_url=base_url, base_file_url=base_file_url)
    dispatcher = Dispatcher(app, sender)
    application.bot_data[_KEY] = dispatcher
    app.extras[_KEY] = dispatcher
    application.job_queue.run_repeating(
        tick,
        interval=interval,
        first=interval,
        name=JOB_NAME,
        job_kwargs={"max_instances": 1, "coalesce": True},
    )
    return dispatcher


async def stop(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Close the dispatcher's bot (the job queue has stopped by now)."""
    dispatcher = application.bot_data.pop(_KEY, None)
    if isinstance(dispatcher, Dispatcher) and isinstance(dispatcher.sender, TelegramSender):
        await dispatcher.sender.stop()
