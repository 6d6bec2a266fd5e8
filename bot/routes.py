"""The routing table of private chat: which command, button and awaited text goes where.

This is the one place a private-chat feature is wired in. Each row names a feature class
(made once per application, as `Feature(app)`) and the method that answers. To add a
command, write the method and add one `Command` row; the Telegram builder, its command
menus and the console read this table. Rows are tried in the order written: for awaited
text, the first row whose key matches what the bot asked for takes it.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press
from bot.chat.admin import NAME_INPUT, AdminChat
from bot.chat.base import ButtonHandler, CommandHandler, TextHandler
from bot.chat.invite import InviteChat
from bot.chat.meetings import MeetingsChat
from bot.chat.mine import EDIT_INPUT, MineChat
from bot.chat.onboarding import Onboarding
from bot.chat.privacy import PrivacyChat
from bot.chat.reflecting import STEP_BUTTONS, ReflectChat
from bot.chat.schedule import ScheduleChat
from bot.chat.summaries import SummaryChat
from bot.chat.web import WebChat
from bot.views import View
from storage.models import Person

__all__ = [
    "ANY_INPUT",
    "BUTTONS",
    "COMMANDS",
    "MENU",
    "PRIVATE_COMMANDS",
    "TYPED",
    "Router",
]


class Feature(Protocol):
    def __init__(self, app: App) -> None: ...


F = TypeVar("F", bound=Feature)


@dataclass(frozen=True)
class Command(Generic[F]):
    """A private-chat command; `menu` puts it in Telegram's command menu."""

    name: str
    feature: type[F]
    answer: Callable[[F, AsyncSession, Person], Awaitable[list[View]]]
    menu: bool = False


@dataclass(frozen=True)
class Buttons(Generic[F]):
    """Button kinds (the letters of `bot.buttons`) and the method that answers them."""

    kinds: str
    feature: type[F]
    answer: Callable[[F, AsyncSession, Person, Press], Awaitable[list[View]]]


@dataclass(frozen=True)
class Typed(Generic[F]):
    """Text the person types after a feature asked for it (an `AwaitedInput` kind)."""

    key: str
    feature: type[F]
    answer: Callable[[F, AsyncSession, Person, str], Awaitable[list[View] | None]]


ANY_INPUT = "*"  # any awaited kind no row before it took


# The rows are made by these functions, which check that each method belongs to its
# feature class, and then kept side by side whatever their class.
def command(
    name: str,
    feature: type[F],
    answer: Callable[[F, AsyncSession, Person], Awaitable[list[View]]],
    *,
    menu: bool = False,
) -> Command[Any]:
    return Command(name, feature, answer, menu)


def buttons(
    kinds: str,
    feature: type[F],
    answer: Callable[[F, AsyncSession, Person, Press], Awaitable[list[View]]],
) -> Buttons[Any]:
    return Buttons(kinds, feature, answer)


def typed(
    key: str,
    feature: type[F],
    answer: Callable[[F, AsyncSession, Person, str], Awaitable[list[View] | None]],
) -> Typed[Any]:
    return Typed(key, feature, answer)


# In the order of Telegram's command menu; the rest after.
COMMANDS: tuple[Command[Any], ...] = (
    command("reflect", ReflectChat, ReflectChat.reflect, menu=True),
    command("next", ReflectChat, ReflectChat.next, menu=True),
    command("meetings", MeetingsChat, MeetingsChat.coming, menu=True),
    command("schedule", ScheduleChat, ScheduleChat.command, menu=True),
    command("pause", MeetingsChat, MeetingsChat.pause_menu, menu=True),
    command("summary", SummaryChat, SummaryChat.command, menu=True),
    command("mine", MineChat, MineChat.command, menu=True),
    command("groups", AdminChat, AdminChat.groups_command, menu=True),
    command("language", Onboarding, Onboarding.language, menu=True),
    command("privacy", Onboarding, Onboarding.privacy_command, menu=True),
    command("mydata", PrivacyChat, PrivacyChat.mydata, menu=True),
    command("help", Onboarding, Onboarding.help, menu=True),
    command("cancel", ReflectChat, ReflectChat.cancel, menu=True),
    command("invite", InviteChat, InviteChat.command),
    command("forget", PrivacyChat, PrivacyChat.forget_command),
    command("leave", PrivacyChat, PrivacyChat.leave_command),
    command("remove", PrivacyChat, PrivacyChat.remove_command),
    command("newgroup", AdminChat, AdminChat.newgroup_command),
    command("web", WebChat, WebChat.command),
)

# Consent ("c") is answered before anyone is known, in `bot.conversation`.
BUTTONS: tuple[Buttons[Any], ...] = (
    buttons("l", Onboarding, Onboarding.language_button),
    buttons("g", ReflectChat, ReflectChat.group_button),
    buttons("f", ReflectChat, ReflectChat.format_button),
    buttons("r", ReflectChat, ReflectChat.resume_button),
    buttons("n", ReflectChat, ReflectChat.status_button),
    buttons("x", ReflectChat, ReflectChat.cancel_button),
    buttons(STEP_BUTTONS, ReflectChat, ReflectChat.step_button),
    buttons("ik", InviteChat, InviteChat.button),
    buttons("DK", SummaryChat, SummaryChat.button),
    buttons("d", PrivacyChat, PrivacyChat.forget_button),
    buttons("o", PrivacyChat, PrivacyChat.leave_button),
    buttons("h", PrivacyChat, PrivacyChat.hand_over_button),
    buttons("q", PrivacyChat, PrivacyChat.archive_button),
    buttons("u", PrivacyChat, PrivacyChat.remove_button),
    buttons("G", AdminChat, AdminChat.new_button),
    buttons("A", AdminChat, AdminChat.manage_button),
    buttons("W", MineChat, MineChat.button),
    buttons("O", MeetingsChat, MeetingsChat.button),
    buttons("S", ScheduleChat, ScheduleChat.button),
)

TYPED: tuple[Typed[Any], ...] = (
    typed(NAME_INPUT, AdminChat, AdminChat.typed),
    typed(EDIT_INPUT, MineChat, MineChat.typed),
    typed(ANY_INPUT, ScheduleChat, ScheduleChat.typed),  # meeting times and holidays
)

# `/start` takes an invite code and comes first; every other command follows the table.
PRIVATE_COMMANDS: tuple[str, ...] = ("start", *(c.name for c in COMMANDS))
MENU: tuple[str, ...] = tuple(c.name for c in COMMANDS if c.menu)


class Router:
    """The table bound to one application: one instance of each feature, its handlers."""

    def __init__(self, app: App, *made: Feature) -> None:
        self.app = app
        self._made: dict[type, Feature] = {type(feature): feature for feature in made}
        self.commands: dict[str, CommandHandler] = {
            c.name: partial(c.answer, self.feature(c.feature)) for c in COMMANDS
        }
        self.buttons: dict[str, ButtonHandler] = {
            kind: partial(b.answer, self.feature(b.feature)) for b in BUTTONS for kind in b.kinds
        }
        self.typed: list[tuple[str, TextHandler]] = [
            (t.key, partial(t.answer, self.feature(t.feature))) for t in TYPED
        ]

    def feature(self, cls: type[F]) -> F:
        """The one instance of a feature class for this application."""
        found = self._made.get(cls)
        if found is None:
            found = self._made[cls] = cls(self.app)
        if not isinstance(found, cls):
            raise TypeError(f"{cls.__name__} was registered as {type(found).__name__}")
        return found

    def text_handlers(self, key: str) -> list[TextHandler]:
        """The handlers for awaited text of this kind, in the table's order."""
        return [handler for row_key, handler in self.typed if row_key in (key, ANY_INPUT)]
