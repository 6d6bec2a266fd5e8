"""One conversation with one person in private chat, the same for every channel.

A channel turns what the person did (a command, a text, a button) into one call here and
sends back the views it gets. Each call is one database transaction, so an answer is
committed before any reply leaves; with an `update_id`, a redelivered Telegram update is
recognised inside that same transaction and has no second effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from functools import partial
from typing import ClassVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.actions import Action, act, parse
from bot.app import App
from bot.i18n import Lang, language_of
from bot.scheduling.formatting import format_date
from bot.services import membership, next_steps, privacy, reflection
from bot.services.access import Action as Action_
from bot.services.access import is_admin, require
from bot.services.errors import ServiceError
from bot.views import Button, View, prompt_view, reflection_views, say
from dialogues.visibility import LEVELS
from storage.enums import NextStepStatus, Role
from storage.models import Person
from storage.repositories import people, updates

# Noting when someone was last seen to the hour is enough, and spares a write per message.
SEEN_RESOLUTION = timedelta(hours=1)


@dataclass(frozen=True)
class Who:
    """The person on the other side, as the channel knows them."""

    display_name: str
    language_code: str | None = None
    telegram_id: int | None = None
    console_handle: str | None = None


Work = Callable[[AsyncSession], Awaitable[list[View]]]
ConsentHook = Callable[[AsyncSession, Person], Awaitable[None]]
CommandHandler = Callable[[AsyncSession, Person], Awaitable[list[View]]]
ButtonHandler = Callable[[AsyncSession, Person, Action], Awaitable[list[View]]]
# Typed text a feature expects (a meeting time); None lets the reflection have it.
TextHandler = Callable[[AsyncSession, Person, str], Awaitable[list[View] | None]]


class Conversation:
    """Private-chat use cases behind every channel."""

    def __init__(self, app: App, on_consent: ConsentHook | None = None) -> None:
        self.app = app
        # The console uses this to give a newcomer a demo team to try everything in.
        self.on_consent = on_consent
        self.commands: dict[str, CommandHandler] = {
            name: partial(handler, self) for name, handler in self._commands.items()
        }
        self.buttons: dict[str, ButtonHandler] = {}
        self.text_handlers: list[TextHandler] = []
        from bot.features import install

        install(self)

    def add_command(self, name: str, handler: CommandHandler) -> None:
        """Let a feature module answer a private-chat command."""
        self.commands[name] = handler

    def add_button(self, kind: str, handler: ButtonHandler) -> None:
        """Let a feature module answer a button kind (declared in bot.actions)."""
        self.buttons[kind] = handler

    def add_text_handler(self, handler: TextHandler) -> None:
        """Let a feature module take typed text it asked for, before the reflection does."""
        self.text_handlers.append(handler)

    # -- plumbing ---------------------------------------------------------------------

    async def _run(self, update_id: int | None, work: Work) -> list[View]:
        async def unit(session: AsyncSession) -> list[View]:
            if update_id is not None and not await updates.claim(
                session, update_id, self.app.now()
            ):
                return []
            return await work(session)

        return await self.app.db.run(unit)

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

    async def _ask_consent(self, session: AsyncSession, who: Who, code: str | None) -> list[View]:
        """The welcome for a newcomer; the changed privacy text for someone who knew the old."""
        from bot.chat.privacy import renewal_views

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

    # -- entry points -----------------------------------------------------------------

    async def start(self, who: Who, code: str | None, update_id: int | None = None) -> list[View]:
        """/start [code]: the first contact, or joining a group by invite."""

        async def work(session: AsyncSession) -> list[View]:
            person = await self._person(session, who)
            if person is None:
                return await self._ask_consent(session, who, code)
            return await self._join_or_greet(session, person, code)

        return await self._run(update_id, work)

    async def command(
        self, who: Who, name: str, args: str = "", update_id: int | None = None
    ) -> list[View]:
        """Any other command in private chat."""

        async def work(session: AsyncSession) -> list[View]:
            person = await self._person(session, who)
            lang = self._lang(who, person)
            if name == "privacy":
                return [View(html=say(lang, "privacy", **privacy.privacy_params(self.app, lang)))]
            if person is None:
                return await self._ask_consent(session, who, None)
            handler = self.commands.get(name)
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
        """Typed text: the answer to the current step."""
        if update_id is not None:
            shown = await self.typed_answer(who, text, update_id)
            if shown is not None:
                return reflection_views(shown)

        async def work(session: AsyncSession) -> list[View]:
            arrival = await self._arrive(session, who)
            if arrival is None:
                return await self._ask_consent(session, who, None)
            person = arrival.person
            try:
                # Features that asked for typed text (a meeting time, a group's name) share
                # one record of what is awaited, read with the person.
                if arrival.awaiting:
                    for handler in self.text_handlers:
                        views = await handler(session, person, text)
                        if views is not None:
                            return views
                shown = await reflection.answer(
                    self.app, session, person=person, value=text, known=arrival.active
                )
            except ServiceError as exc:
                return [View(html=say(person.language, exc.key, **exc.params))]
            return reflection_views(shown)

        return await self._run(update_id, work)

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
        action = parse(data)

        async def work(session: AsyncSession) -> list[View]:
            arrival = await self._arrive(session, who)
            person = None if arrival is None else arrival.person
            lang = self._lang(who, person)
            if action is None:
                return [View(html=say(lang, "stale.unknown"))]
            if action.kind == "c":
                return await self._consent(session, who, action)
            if person is None:
                return await self._ask_consent(session, who, None)
            if action.kind == "l":
                return await self._set_language(person, action.args[0])
            try:
                known = reflection.UNREAD if arrival is None else arrival.active
                return await self._button(session, person, action, known)
            except ServiceError as exc:
                return [View(html=say(person.language, exc.key, **exc.params))]

        return await self._run(update_id, work)

    # -- consent, joining, language ---------------------------------------------------

    async def _consent(self, session: AsyncSession, who: Who, action: Action) -> list[View]:
        lang = language_of(who.language_code)
        choice = action.args[0]
        if choice == 0:
            from bot.chat.privacy import declined_views

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
        return views + await self._join_or_greet(session, person, action.code)

    async def _join_or_greet(
        self, session: AsyncSession, person: Person, code: str | None
    ) -> list[View]:
        lang = person.language
        if not code:
            memberships = await membership.my_groups(session, person)
            admin = await is_admin(self.app, session, person)
            if memberships or admin:
                roles = {m.role for m, _ in memberships}
                return [View(html=self._help(lang, roles, admin=admin))]
            return [View(html=say(lang, "start.no_code"))]
        try:
            joined = await membership.join(self.app, session, person=person, code=code)
        except ServiceError as exc:
            return [View(html=say(lang, exc.key, **exc.params))]
        key = "start.already_member" if joined.already_member else "start.joined"
        role = say(lang, f"role.{joined.role.value}")
        text = say(lang, key, group=joined.group.name, role=role)
        return [View(html=text + "\n\n" + say(lang, f"start.next_{joined.role.value}"))]

    async def _set_language(self, person: Person, index: int) -> list[View]:
        person.language = "en" if index == 1 else "da"
        person.language_chosen = True
        return [View(html=say(person.language, "language.set"))]

    def _help(self, lang: str, roles: set[Role], *, admin: bool = False) -> str:
        parts = [say(lang, "help.common")]
        if Role.facilitator in roles or admin:
            parts.append(say(lang, "help.facilitator"))
        if Role.leader in roles:
            parts.append(say(lang, "help.leader"))
        if admin:
            parts.append(say(lang, "help.admin"))
        return "\n\n".join(parts)

    # -- commands -----------------------------------------------------------------------

    async def _cmd_help(self, session: AsyncSession, person: Person) -> list[View]:
        roles = {m.role for m, _ in await membership.my_groups(session, person)}
        admin = await is_admin(self.app, session, person)
        return [View(html=self._help(person.language, roles, admin=admin))]

    async def _cmd_language(self, _session: AsyncSession, person: Person) -> list[View]:
        buttons = [[Button("Dansk", act("l", 0)), Button("English", act("l", 1))]]
        return [View(html=say(person.language, "language.choose"), buttons=buttons)]

    async def _cmd_reflect(self, session: AsyncSession, person: Person) -> list[View]:
        lang = person.language
        current = await reflection.resume(self.app, session, person)
        if current is not None:
            buttons = [
                [
                    Button(say(lang, "reflect.continue"), act("r", 1)),
                    Button(say(lang, "reflect.start_new"), act("r", 0)),
                ]
            ]
            text = say(lang, "reflect.in_progress", title=current.title)
            return [View(html=text, buttons=buttons)]
        return await self._choose_group(session, person)

    async def _choose_group(self, session: AsyncSession, person: Person) -> list[View]:
        lang = person.language
        memberships = await membership.my_groups(session, person)
        if not memberships:
            return [View(html=say(lang, "reflect.no_groups"))]
        if len(memberships) == 1:
            return self._choose_format(person, memberships[0][1].id)
        buttons = [[Button(group.name, act("g", group.id))] for _, group in memberships]
        return [View(html=say(lang, "reflect.choose_group"), buttons=buttons)]

    def _choose_format(self, person: Person, group_id: int) -> list[View]:
        lang: Lang = "en" if person.language == "en" else "da"
        buttons = [
            [Button(fmt.title.get(lang), act("f", group_id, code=fmt.id))]
            for fmt in reflection.individual_formats(self.app)
        ]
        return [View(html=say(lang, "reflect.choose_format"), buttons=buttons)]

    async def _cmd_next(self, session: AsyncSession, person: Person) -> list[View]:
        lang = person.language
        steps = await next_steps.open_steps(session, person)
        if not steps:
            return [View(html=say(lang, "next.none"))]
        views = [View(html=say(lang, "next.header"))]
        for step in steps:
            due = (
                say(lang, "next.due", due=format_date(step.due, lang, weekday=False))
                if step.due
                else ""
            )
            text = say(lang, "next.item", what=step.what, due="") + due
            buttons = [
                [
                    Button(say(lang, f"next.{status.value}"), act("n", step.id, index))
                    for index, status in enumerate(next_steps.STATUS_CHOICES)
                ]
            ]
            views.append(View(html=text, buttons=buttons))
        return views

    async def _cmd_cancel(self, session: AsyncSession, person: Person) -> list[View]:
        stopped = await reflection.cancel(self.app, session, person=person)
        key = "reflect.cancelled" if stopped else "reflect.nothing_to_cancel"
        return [View(html=say(person.language, key))]

    _commands: ClassVar[dict[str, Callable[..., Awaitable[list[View]]]]] = {
        "help": _cmd_help,
        "language": _cmd_language,
        "reflect": _cmd_reflect,
        "next": _cmd_next,
        "cancel": _cmd_cancel,
    }

    # -- buttons ------------------------------------------------------------------------

    async def _button(
        self,
        session: AsyncSession,
        person: Person,
        action: Action,
        known: reflection.Known = reflection.UNREAD,
    ) -> list[View]:
        app, kind, args = self.app, action.kind, action.args
        if kind == "g":
            await require(app, session, person, args[0], Action_.reflect)
            return self._choose_format(person, args[0])
        if kind == "f":
            shown = await reflection.start(
                app, session, person=person, format_id=action.code or "", group_id=args[0]
            )
            return reflection_views(shown)
        if kind == "r":
            resumed = await reflection.resume(app, session, person) if args[0] == 1 else None
            if resumed is not None:
                return reflection_views(resumed)
            await reflection.cancel(app, session, person=person)
            return await self._choose_group(session, person)
        if kind == "n":
            return await self._next_step_status(session, person, args)
        if kind == "x":
            return await self._cmd_cancel(session, person)
        feature = self.buttons.get(kind)
        if feature is not None:
            return await feature(session, person, action)
        return await self._reflection_button(session, person, action, known)

    async def _next_step_status(
        self, session: AsyncSession, person: Person, args: tuple[int, ...]
    ) -> list[View]:
        step_id, index = args
        if not 0 <= index < len(next_steps.STATUS_CHOICES):
            return [View(html=say(person.language, "stale.unknown"))]
        status: NextStepStatus = next_steps.STATUS_CHOICES[index]
        step = await next_steps.set_status(
            self.app, session, person=person, next_step_id=step_id, status=status
        )
        lang = person.language
        text = say(lang, "next.updated", what=step.what, status=say(lang, f"status.{status.value}"))
        return [View(html=text)]

    async def _reflection_button(
        self, session: AsyncSession, person: Person, action: Action, known: reflection.Known
    ) -> list[View]:
        app, kind, args = self.app, action.kind, action.args
        row = await reflection.active(app, session, person, known)
        if row is None or row.id != args[0]:
            return [View(html=say(person.language, "stale.button"))]
        turn = args[1]
        if kind == "a":
            shown = await reflection.answer(
                app, session, person=person, value=None, turn=turn, option_index=args[2], known=row
            )
        elif kind == "M":
            shown = await reflection.answer_mask(
                app, session, person=person, turn=turn, mask=args[2], known=row
            )
        elif kind == "m":
            mask = args[2] ^ (1 << args[3]) if 0 <= args[3] < 32 else args[2]
            shown = await reflection.current(app, session, person=person, turn=turn, known=row)
            if shown.problem is None:
                return [_replacing(prompt_view(shown, chosen_mask=mask))]
        elif kind == "b":
            shown = await reflection.back(app, session, person=person, turn=turn, known=row)
        elif kind == "s":
            shown = await reflection.skip(app, session, person=person, turn=turn, known=row)
        elif kind == "w":
            shown = await reflection.keep(app, session, person=person, turn=turn, known=row)
        elif kind == "v" and 0 <= args[2] < len(LEVELS):
            shown = await reflection.choose_visibility(
                app, session, person=person, turn=turn, level=LEVELS[args[2]], known=row
            )
            if shown.problem is None:
                return [_replacing(prompt_view(shown))]
        else:
            return [View(html=say(person.language, "stale.unknown"))]
        return reflection_views(shown)


def _replacing(view: View) -> View:
    """Show this in place of the message whose button was pressed."""
    view.replace = True
    return view
