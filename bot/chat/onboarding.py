"""The first contact: consent to the privacy text, joining by invite, language and /help.

Buttons: `ConsentButton` ("c": yes, no or read more, with the invite code a newcomer came
with) and `LanguageButton` ("l": Danish or English). Consent is answered before anyone is
known, so bot.conversation hands its presses here itself.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.chat.base import Who
from bot.i18n import language_of
from bot.services import membership, privacy
from bot.services.access import is_admin
from bot.services.errors import ServiceError
from bot.views import Button, View, say
from storage.enums import Role
from storage.models import Person

ConsentHook = Callable[[AsyncSession, Person], Awaitable[None]]


class Consent(IntEnum):
    """The answer to the privacy text; the values are in buttons already sent."""

    NO = 0
    YES = 1
    READ_MORE = 2


@button("c")
@dataclass(frozen=True)
class ConsentButton(ButtonData):
    choice: Consent
    code: str | None = None  # the invite code the person came with, carried to yes


class Language(IntEnum):
    """The language chosen; the values are in buttons already sent."""

    DA = 0
    EN = 1


@button("l")
@dataclass(frozen=True)
class LanguageButton(ButtonData):
    language: Language


async def renewal_views(
    app: App, session: AsyncSession, who: Who, code: str | None
) -> list[View] | None:
    """The privacy text again, with its buttons, for someone who agreed to an older one."""
    person = await privacy.stored_person(
        session, telegram_id=who.telegram_id, console_handle=who.console_handle
    )
    if person is None or not await privacy.needs_renewal(session, person):
        return None
    lang = person.language
    text = (
        say(lang, "consent.renewed")
        + "\n\n"
        + say(lang, "privacy", **privacy.privacy_params(app, lang))
    )
    buttons = [
        [Button(say(lang, "consent.yes"), ConsentButton(Consent.YES, code).encode())],
        [Button(say(lang, "consent.no"), ConsentButton(Consent.NO).encode())],
    ]
    return [View(html=text, buttons=buttons)]


async def declined_views(session: AsyncSession, who: Who) -> list[View]:
    """No to the privacy text: nothing kept for a newcomer, nothing new for someone known."""
    person = await privacy.stored_person(
        session, telegram_id=who.telegram_id, console_handle=who.console_handle
    )
    if person is not None and await privacy.needs_renewal(session, person):
        return [View(html=say(person.language, "consent.renewal_declined"))]
    return [View(html=say(language_of(who.language_code), "consent.declined"))]


class Onboarding:
    """Consent, joining a group, choosing a language, and the help text."""

    def __init__(self, app: App, on_consent: ConsentHook | None = None) -> None:
        self.app = app
        # The console uses this to give a newcomer a demo team to try everything in.
        self.on_consent = on_consent

    async def ask_consent(self, session: AsyncSession, who: Who, code: str | None) -> list[View]:
        """The welcome for a newcomer; the changed privacy text for someone who knew the old."""
        return await renewal_views(self.app, session, who, code) or self._welcome(who, code)

    def _welcome(self, who: Who, code: str | None) -> list[View]:
        lang = language_of(who.language_code)
        params = privacy.welcome_params(self.app, lang)
        text = say(lang, "welcome", name=who.display_name, **params)
        buttons = [
            [Button(say(lang, "consent.yes"), ConsentButton(Consent.YES, code).encode())],
            [Button(say(lang, "consent.more"), ConsentButton(Consent.READ_MORE, code).encode())],
            [Button(say(lang, "consent.no"), ConsentButton(Consent.NO).encode())],
        ]
        return [View(html=text, buttons=buttons)]

    def privacy_text(self, lang: str) -> list[View]:
        """The privacy text, for anyone, consented or not."""
        return [View(html=say(lang, "privacy", **privacy.privacy_params(self.app, lang)))]

    async def privacy_command(self, _session: AsyncSession, person: Person) -> list[View]:
        """/privacy: what is kept, who sees it, and how to delete it."""
        return self.privacy_text(person.language)

    async def consent(self, session: AsyncSession, who: Who, action: Press) -> list[View]:
        """Yes, no or "read more" to the privacy text; yes may carry an invite code."""
        lang = language_of(who.language_code)
        pressed = ConsentButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        if pressed.choice is Consent.NO:
            return await declined_views(session, who)
        if pressed.choice is Consent.READ_MORE:
            text = say(lang, "privacy", **privacy.privacy_params(self.app, lang))
            yes = ConsentButton(Consent.YES, pressed.code).encode()
            buttons = [[Button(say(lang, "consent.yes"), yes)]]
            return [View(html=text, buttons=buttons)]
        person = await privacy.accept(
            self.app,
            session,
            language=lang,
            display_name=who.display_name,
            telegram_id=who.telegram_id,
            console_handle=who.console_handle,
        )
        if self.on_consent is not None:
            await self.on_consent(session, person)
        views = [View(html=say(person.language, "consent.thanks"))]
        return views + await self.join_or_greet(session, person, pressed.code)

    async def join_or_greet(
        self, session: AsyncSession, person: Person, code: str | None
    ) -> list[View]:
        """Join the group of an invite code, or greet someone who came without one."""
        lang = person.language
        if not code:
            memberships = await membership.my_groups(session, person)
            admin = await is_admin(self.app, session, person)
            if memberships or admin:
                roles = {m.role for m, _ in memberships}
                return [View(html=help_text(lang, roles, admin=admin))]
            return [View(html=say(lang, "start.no_code"))]
        try:
            joined = await membership.join(self.app, session, person=person, code=code)
        except ServiceError as exc:
            return [View(html=say(lang, exc.key, **exc.params))]
        key = "start.already_member" if joined.already_member else "start.joined"
        role = say(lang, f"role.{joined.role.value}")
        text = say(lang, key, group=joined.group.name, role=role)
        return [View(html=text + "\n\n" + say(lang, f"start.next_{joined.role.value}"))]

    async def help(self, session: AsyncSession, person: Person) -> list[View]:
        """/help: every command the person's roles give them."""
        roles = {m.role for m, _ in await membership.my_groups(session, person)}
        admin = await is_admin(self.app, session, person)
        return [View(html=help_text(person.language, roles, admin=admin))]

    async def language(self, _session: AsyncSession, person: Person) -> list[View]:
        """/language: Danish or English."""
        buttons = [
            [
                Button("Dansk", LanguageButton(Language.DA).encode()),
                Button("English", LanguageButton(Language.EN).encode()),
            ]
        ]
        return [View(html=say(person.language, "language.choose"), buttons=buttons)]

    async def language_button(
        self, _session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Set the language the person chose."""
        pressed = LanguageButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        person.language = "en" if pressed.language is Language.EN else "da"
        person.language_chosen = True
        return [View(html=say(person.language, "language.set"))]


def help_text(lang: str, roles: set[Role], *, admin: bool = False) -> str:
    """The help for a person with these roles."""
    parts = [say(lang, "help.common")]
    if Role.facilitator in roles or admin:
        parts.append(say(lang, "help.facilitator"))
    if Role.leader in roles:
        parts.append(say(lang, "help.leader"))
    if admin:
        parts.append(say(lang, "help.admin"))
    return "\n\n".join(parts)
