"""Every kind of button the bot makes, and reading a pressed one.

Each feature declares its buttons beside the handler that reads them (`@button` in
bot.buttons), which registers the kind when the feature's module is imported. This module
imports every module that declares buttons, so `decode` and `kinds` know every kind
whatever else was imported first. A new module with buttons is added to `DECLARING`.
"""

from __future__ import annotations

from types import ModuleType

from bot import buttons, views
from bot.buttons import OutOfDate, Press
from bot.chat import admin, invite, mine, onboarding, privacy, reflecting, schedule, summaries
from bot.dispatch import compose
from bot.telegram import circle_views

# The modules that declare button kinds.
DECLARING: tuple[ModuleType, ...] = (
    admin,
    circle_views,
    compose,
    invite,
    mine,
    onboarding,
    privacy,
    reflecting,
    schedule,
    summaries,
    views,
)


def decode(data: str | None) -> Press | OutOfDate | None:
    """The pressed button, `OUT_OF_DATE` for an old one we made, `None` for anything else."""
    return buttons.read_data(data, buttons.TYPED)


def kinds() -> frozenset[str]:
    """Every kind of button the bot makes."""
    return frozenset(buttons.TYPED)
