"""One conversation with one person in private chat, the same for every channel.

A channel turns what the person did (a command, a text, a button) into one call here and
sends back the views it gets. Each call is one unit of work (`bot.unit`): an answer is
committed before any reply leaves, and a redelivered Telegram update has no second effect.
What answers what is the routing table in `bot.routes`; this module only dispatches.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.button_kinds import decode
from bot.buttons import OutOfDate
from bot.chat.base import Who
from bot.chat.onboarding import ConsentButton, ConsentHook, Onboarding
from bot.chat.reflecting import STEP_BUTTONS, ReflectChat, reflection_views
from bot.i18n import language_of
from bot.routes import Router
from bot.services import privacy, reflection
from bot.services.errors import ServiceError
from bot.unit import run_update
from bot.views import View, say
from storage.models import Person
from storage.repositories import meetings as waiting
from storage.repositories import people

__all__ = ["SEEN_RESOLUTION", "Conversation", "Who"]

# Noting when someone was last seen to the hour is enough, and spares a write per message.
SEEN_RESOLUTION = timedelta(hours=1)

Work = Callable[[AsyncSession], Awaitable[list[View]]]


class Conversation:
    """Private-chat use cases behind every channel: who is there, then the routing table."""

    def __init__(self, app: App, on_consent: ConsentHook | None = None) -> None:
        self.app = app
        self.onboarding = Onboarding(app, on_consent)
        self.router = Router(app, self.onboarding)
        self.reflecting = self.router.feature(ReflectChat)

    async def _run(self, update_id: int | None, work: Work) -> list[View]:
        return await run_update(self.app, update_id, work) or []

    async def _arrive(self, session: AsyncSession, who: Who) -> people.Arrival | None:
        """The person (only if they consented to the current privacy text), their active
        reflection and whether a feature waits for their typing, in one read."""
        now = self.app.now()
        arrival = await people.arrival(
            session,
            min_version=privacy.PRIVACY_VERSION,
            now=now,
            telegram_id=who.telegram_id,
            console_handle=who.console_handle,
        )
        if arrival is not None and now - arrival.person.last_seen_at > SEEN_RESOLUTION:
            arrival.person.last_seen_at = now
        return arrival

    async def _person(self, session: AsyncSession, who: Who) -> Person | None:
        """The person, only if they have consented to the current privacy text."""
        arrival = await self._arrive(session, who)
        return None if arrival is None else arrival.person

    def _lang(self, who: Who, person: Person | None) -> str:
        return person.language if person is not None else language_of(who.language_code)

    # -- entry points -----------------------------------------------------------------

    async def start(self, who: Who, code: str | None, update_id: int | None = None) -> list[View]:
        """/start [code]: the first contact, or joining a group by invite."""

        async def work(session: AsyncSession) -> list[View]:
            person = await self._person(session, who)
            if person is None:
                return await self.onboarding.ask_consent(session, who, code)
            return await self.onboarding.join_or_greet(session, person, code)

        return await self._run(update_id, work)

    async def command(
        self, who: Who, name: str, args: str = "", update_id: int | None = None
    ) -> list[View]:
        """Any other command in private chat."""

        async def work(session: AsyncSession) -> list[View]:
            person = await self._person(session, who)
            lang = self._lang(who, person)
            if person is None:
                if name == "privacy":  # readable before agreeing to it
                    return self.onboarding.privacy_text(lang)
                return await self.onboarding.ask_consent(session, who, None)
            handler = self.router.commands.get(name)
            if handler is None:
                return [View(html=say(lang, "unsupported"))]
            try:
                return await handler(session, person)
            except ServiceError as exc:
                return [View(html=say(lang, exc.key, **exc.params))]

        return await self._run(update_id, work)

    async def typed_answer(self, who: Who, text: str, update_id: int) -> reflection.Shown | None:
        """The short path for typed text (`reflection.answer_typed`); None: take the full one."""
        if who.telegram_id is None:
            return None
        return await reflection.answer_typed(
            self.app,
            telegram_id=who.telegram_id,
            text=text,
            update_id=update_id,
            min_version=privacy.PRIVACY_VERSION,
            seen_within=SEEN_RESOLUTION,
        )

    async def text(self, who: Who, text: str, update_id: int | None = None) -> list[View]:
        """Typed text: what a feature asked for, or the answer to the current step."""
        if update_id is not None:
            shown = await self.typed_answer(who, text, update_id)
            if shown is not None:
                return reflection_views(shown)

        async def work(session: AsyncSession) -> list[View]:
            arrival = await self._arrive(session, who)
            if arrival is None:
                return await self.onboarding.ask_consent(session, who, None)
            person = arrival.person
            try:
                if arrival.awaiting:
                    views = await self._awaited(session, person, text)
                    if views is not None:
                        return views
                shown = await reflection.answer(
                    self.app, session, person=person, value=text, known=arrival.active
                )
            except ServiceError as exc:
                return [View(html=say(person.language, exc.key, **exc.params))]
            return reflection_views(shown)

        return await self._run(update_id, work)

    async def _awaited(self, session: AsyncSession, person: Person, text: str) -> list[View] | None:
        """Text a feature asked for (a meeting time, a group's name), by what it asked."""
        asked = await waiting.awaited(session, person.id, self.app.now())
        if asked is None:
            return None
        for handler in self.router.text_handlers(asked.kind):
            views = await handler(session, person, text)
            if views is not None:
                return views
        return None

    async def not_text(self, who: Who, update_id: int | None = None) -> list[View]:
        """A sticker, photo, voice message or file where we can only keep text."""

        async def work(session: AsyncSession) -> list[View]:
            arrival = await self._arrive(session, who)
            lang = self._lang(who, None if arrival is None else arrival.person)
            if arrival is not None and arrival.active is not None:
                return [View(html=say(lang, "reflect.text_expected"))]
            return [View(html=say(lang, "unsupported"))]

        return await self._run(update_id, work)

    async def button(self, who: Who, data: str | None, update_id: int | None = None) -> list[View]:
        """A pressed button; stale or forged data gets a clear answer and changes nothing."""
        action = decode(data)

        async def work(session: AsyncSession) -> list[View]:
            arrival = await self._arrive(session, who)
            person = None if arrival is None else arrival.person
            lang = self._lang(who, person)
            if action is None:
                return [View(html=say(lang, "stale.unknown"))]
            if isinstance(action, OutOfDate):
                return [View(html=say(lang, "stale.out_of_date"))]
            if action.kind == ConsentButton.kind:
                return await self.onboarding.consent(session, who, action)
            if person is None:
                return await self.onboarding.ask_consent(session, who, None)
            try:
                if action.kind in STEP_BUTTONS:
                    # The active reflection was read with the person: no second read.
                    known = reflection.UNREAD if arrival is None else arrival.active
                    return await self.reflecting.step_button(session, person, action, known)
                handler = self.router.buttons.get(action.kind)
                if handler is not None:
                    return await handler(session, person, action)
                # A group chat's button pressed here: no step of a reflection matches it.
                return await self.reflecting.step_button(session, person, action)
            except ServiceError as exc:
                return [View(html=say(person.language, exc.key, **exc.params))]

        return await self._run(update_id, work)
