"""What every private-chat feature shares: who is on the other side, and handler shapes.

A feature is a class made once per application with `Feature(app)`; its methods answer
commands, buttons and typed text. `bot/routes.py` says which method answers what.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.buttons import Press
from bot.views import View
from storage.models import Person

__all__ = ["ButtonHandler", "CommandHandler", "TextHandler", "Who"]


@dataclass(frozen=True)
class Who:
    """The person on the other side, as the channel knows them."""

    display_name: str
    language_code: str | None = None
    telegram_id: int | None = None
    console_handle: str | None = None


CommandHandler = Callable[[AsyncSession, Person], Awaitable[list[View]]]
ButtonHandler = Callable[[AsyncSession, Person, Press], Awaitable[list[View]]]
# Typed text a feature asked for (a meeting time); None lets the next one, and in the end
# the reflection, have it.
TextHandler = Callable[[AsyncSession, Person, str], Awaitable[list[View] | None]]
