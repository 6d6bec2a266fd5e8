"""Webhook mode: Telegram POSTs each update to Refleks's web server instead of being polled.

`refleks run` registers the webhook once (`setWebhook` with the secret token, the update
types Refleks handles and `max_connections`), then every worker process serves the same
route. A request without the right `X-Telegram-Bot-Api-Secret-Token` header is refused
and changes nothing. An update is answered only after it was handled: its effects are
committed and its replies sent, so an answer of 200 means done, and anything else (the
database is down, the worker is stopping) makes Telegram send the update again, which the
processed-update record makes harmless.

Switching modes loses nothing: Telegram keeps undelivered updates for 24 hours whichever
way they are fetched; setting the webhook keeps them (no `drop_pending_updates`), and the
polling start deletes the webhook the same way.
"""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from telegram import Bot, Update
from telegram.ext import Application

from bot.config import Settings

log = logging.getLogger(__name__)

SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# The update kinds Refleks has handlers for; Telegram does not send the others.
ALLOWED_UPDATES = ("message", "edited_message", "callback_query", "my_chat_member")

AnyApplication = Application[Any, Any, Any, Any, Any, Any]


@dataclass(frozen=True)
class Webhook:
    """Where Telegram sends updates, the secret it sends with them, and how many at once."""

    url: str
    secret: str
    max_connections: int

    @property
    def path(self) -> str:
        """The route on Refleks's own server: the address's path (a proxy keeps it)."""
        return urlsplit(self.url).path or "/"


def workers_refused(settings: Settings, workers: int) -> str | None:
    """Why `workers` processes cannot run with these settings (one line), or None."""
    if workers <= 1:
        return None
    if settings.database_url.startswith("sqlite"):
        return (
            "More than one worker needs PostgreSQL (DATABASE_URL=postgresql+asyncpg://...): "
            "SQLite is a file that one process writes."
        )
    if webhook_of(settings) is None:
        return (
            "More than one worker needs webhook mode (TELEGRAM_WEBHOOK_URL and "
            "TELEGRAM_WEBHOOK_SECRET): Telegram lets only one process poll a bot."
        )
    return None


def webhook_of(settings: Settings) -> Webhook | None:
    """The webhook the settings ask for, or None for long polling."""
    if settings.telegram_webhook_url is None or settings.telegram_webhook_secret is None:
        return None
    return Webhook(
        url=settings.telegram_webhook_url,
        secret=settings.telegram_webhook_secret.get_secret_value(),
        max_connections=settings.telegram_webhook_max_connections,
    )


async def register(bot: Bot, hook: Webhook) -> None:
    """Tell Telegram to send updates to `hook` (pending updates are kept)."""
    await bot.set_webhook(
        hook.url,
        secret_token=hook.secret,
        allowed_updates=list(ALLOWED_UPDATES),
        max_connections=hook.max_connections,
        drop_pending_updates=False,
    )
    log.info("webhook registered", extra={"max_connections": hook.max_connections})


class UpdateEndpoint:
    """The route's endpoint: check the secret, handle the update, then answer."""

    def __init__(self, application: AnyApplication, secret: str) -> None:
        self.application = application
        self.secret = secret.encode()

    async def handle(self, request: Request) -> Response:
        """Check the secret, handle the update, then answer Telegram."""
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not hmac.compare_digest(given, self.secret):
            log.warning("webhook request without the right secret refused")
            return Response(status_code=403)
        try:
            data = json.loads(await request.body())
            update = Update.de_json(data, self.application.bot)
        except (ValueError, TypeError, KeyError):
            return Response(status_code=400)
        if not self.application.running:
            return Response(status_code=503)  # stopping: Telegram sends it again
        try:
            processor = self.application.update_processor
            await processor.process_update(update, self.application.process_update(update))
        except Exception as exc:
            # Handlers' own errors were answered by the error handler already; this is the
            # chat lock or the database failing before any handler ran.
            log.warning(
                "update not handled; Telegram will send it again",
                extra={"update_id": update.update_id, "error_type": type(exc).__name__},
            )
            return Response(status_code=503)
        return Response(status_code=200)


def webhook_route(application: AnyApplication, hook: Webhook) -> Route:
    """The POST route Telegram calls, for the web server's extra routes."""
    return Route(hook.path, UpdateEndpoint(application, hook.secret).handle, methods=["POST"])


@asynccontextmanager
async def running(application: AnyApplication) -> AsyncIterator[None]:
    """The steps of `Application.run_webhook()` around serving, without its own server."""
    async with application:
        if application.post_init is not None:
            await application.post_init(application)
        await application.start()
        try:
            yield
        finally:
            await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)
