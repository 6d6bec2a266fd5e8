"""Consent and transparency: nothing is stored about a person before they say yes."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import t
from bot.services.membership import ensure_person
from storage.models import Person
from storage.repositories import consent

# Raise this when the privacy text changes in substance: everyone is asked again.
PRIVACY_VERSION = 1


async def has_consented(session: AsyncSession, person: Person) -> bool:
    version = await consent.current_version(session, person.id)
    return version is not None and version >= PRIVACY_VERSION


async def accept(
    app: App,
    session: AsyncSession,
    *,
    language: str,
    display_name: str,
    telegram_id: int | None = None,
    console_handle: str | None = None,
) -> Person:
    """Record consent to the current privacy text, creating the person if needed."""
    person = await ensure_person(
        session,
        now=app.now(),
        language=language,
        display_name=display_name,
        telegram_id=telegram_id,
        console_handle=console_handle,
    )
    if not await has_consented(session, person):
        await consent.give(session, person.id, PRIVACY_VERSION, app.now())
    return person


def _controller(app: App, lang: str) -> str:
    return app.settings.refleks_controller or t(lang, "controller.default")


def welcome_params(app: App, lang: str) -> dict[str, object]:
    return {
        "anonymity_min": app.settings.refleks_anonymity_min,
        "controller": _controller(app, lang),
    }


def privacy_params(app: App, lang: str) -> dict[str, object]:
    return {
        "anonymity_min": app.settings.refleks_anonymity_min,
        "retention_days": app.settings.refleks_retention_days,
        "controller": _controller(app, lang),
    }
