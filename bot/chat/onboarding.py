"""The first contact: consent to the privacy text, joining by invite, language and /help."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press, act
from bot.chat.base import Who
from bot.chat.privacy import declined_views, renewal_views
from bot.i18n import language_of
from bot.services import membership, privacy
from bot.services.access import is_admin
from bot.services.errors import ServiceError
from bot.views import Button, View, say
from storage.enums import Role
from storage.models import Person

ConsentHook = Callable[[AsyncSession, Person], Awaitable[None]]


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
            [Button(say(lang, "consent.yes"), act("c", 1, code=code))],
            [Button(say(lang, "consent.more"), act("c", 2, code=code))],
            [Button(say(lang, "consent.no"), act("c", 0))],
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
        choice = action.args[0]
        if choice == 0:
            return await declined_views(session, who)
        if choice == 2:
            text = say(lang, "privacy", **privacy.privacy_params(self.app, lang))
            buttons = [[Button(say(lang, "consent.yes"), act("c", 1, code=action.code))]]
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
        return views + await self.join_or_greet(session, person, action.code)

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
        buttons = [[Button("Dansk", act("l", 0)), Button("English", act("l", 1))]]
        return [View(html=say(person.language, "language.choose"), buttons=buttons)]

    async def language_button(
        self, _session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Set the language the person chose."""
        person.language = "en" if action.args[0] == 1 else "da"
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
