"""The chat's menu button "Åbn som formular": the web part's forms as a Telegram Mini App.

Telegram opens Mini Apps only from https addresses, so the button is set when
REFLEKS_PUBLIC_URL is one; otherwise the chat keeps its ordinary command menu.
"""

from __future__ import annotations

from typing import Any

from telegram import MenuButtonDefault, MenuButtonWebApp, WebAppInfo
from telegram.ext import Application

from bot.app import App
from bot.i18n import t


def mini_app_button(app: App) -> MenuButtonWebApp | None:
    url = app.settings.public_url
    if not url.startswith("https://"):
        return None
    label = t(app.settings.refleks_language, "web.menu_button")
    return MenuButtonWebApp(text=label, web_app=WebAppInfo(url=f"{url}/app"))


async def set_menu_button(app: App, application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    button = mini_app_button(app)
    await application.bot.set_chat_menu_button(menu_button=button or MenuButtonDefault())
