"""Run the Telegram channel by long polling (the default), and the web part beside it in
the same event loop, until interrupted.

Only one process may poll a bot's updates. When a second one starts with the same token,
Telegram answers getUpdates with 409 Conflict; python-telegram-bot retries on its own, and
we say plainly in the log what is going on, once every few minutes rather than per retry.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from telegram import Update
from telegram.error import Conflict
from telegram.ext import Application, ApplicationHandlerStop, CallbackContext

from bot.app import App
from bot.telegram.builder import build_application
from bot.web.app import create_web_app
from bot.web.server import EmbeddedServer, web_server

log = logging.getLogger(__name__)

CONFLICT_EXPLAINED_EVERY = 600.0  # seconds
CONFLICT_EXPLANATION = (
    "Telegram answered 409 Conflict: another process is fetching this bot's updates with "
    "the same token. Only one copy of Refleks may poll at a time. Stop the other one (a "
    "second `refleks run`, an old container, a copy on a laptop), or give each copy its own "
    "bot and token from @BotFather. This copy keeps trying and takes over when it is alone."
)


class ConflictExplainer:
    """An error handler that explains a 409 Conflict instead of reporting a failed update."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.last: float | None = None
        self.seen = 0

    async def __call__(self, _update: object, context: CallbackContext[Any, Any, Any, Any]) -> None:
        if not isinstance(context.error, Conflict):
            return
        self.seen += 1
        now = self.clock()
        if self.last is None or now - self.last >= CONFLICT_EXPLAINED_EVERY:
            self.last = now
            log.error(CONFLICT_EXPLANATION, extra={"conflicts": self.seen})
        raise ApplicationHandlerStop


def watch_conflicts(application: Application[Any, Any, Any, Any, Any, Any]) -> ConflictExplainer:
    """Explain 409 Conflicts while polling (registered after the other error handlers)."""
    explainer = ConflictExplainer()
    application.add_error_handler(explainer)
    return explainer


def run_polling(app: App) -> None:
    token = app.settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = build_application(
        app, token=token.get_secret_value(), base_url=app.settings.telegram_api_url
    )
    watch_conflicts(application)
    server = web_server(app.settings, create_web_app(app))
    asyncio.run(serve_bot_and_web(application, server))


async def serve_bot_and_web(
    application: Application[Any, Any, Any, Any, Any, Any],
    server: EmbeddedServer,
    *,
    signals: bool = True,
    poll_timeout: int = 10,
) -> None:
    """Poll Telegram and serve the web part until SIGINT or SIGTERM, then stop both.

    The same steps as `Application.run_polling()` (initialize, post_init, poll, start; then
    the reverse), with uvicorn's `serve()` as the part that waits, as in python-telegram-bot's
    custom-webhook example.
    """
    if signals:
        server.stop_on_signals()
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        if application.updater is None:
            raise RuntimeError("the application must be built with an updater")
        await application.updater.start_polling(
            allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, timeout=poll_timeout
        )
        await application.start()
        try:
            await server.serve()
        finally:
            await application.updater.stop()
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
