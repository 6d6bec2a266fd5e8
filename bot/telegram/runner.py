"""Run the Telegram channel by long polling (the default) until interrupted."""

from __future__ import annotations

from telegram import Update

from bot.app import App
from bot.telegram.builder import build_application


def run_polling(app: App) -> None:
    token = app.settings.telegram_bot_token
    if token is None:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    application = build_application(
        app, token=token.get_secret_value(), base_url=app.settings.telegram_api_url
    )
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
