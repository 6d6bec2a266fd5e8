"""Reflecting in private chat: /reflect, /next, /cancel, and the buttons of a reflection."""

from __future__ import annotations

from dataclasses import dataclass
from enum import IntEnum

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.chat.mine import MineButton, MineOp
from bot.i18n import as_lang
from bot.scheduling.formatting import format_date
from bot.services import membership, next_steps, reflection
from bot.services.access import Action as Permission
from bot.services.access import require
from bot.services.answers import preview
from bot.views import STEP_BUTTONS as STEP_KINDS
from bot.views import (
    AnswerButton,
    BackButton,
    Button,
    ChosenButton,
    KeepButton,
    SkipButton,
    ToggleButton,
    View,
    VisibilityButton,
    prompt_view,
    say,
)
from bot.views import reflection_views as moment_views
from dialogues.schema import Format
from dialogues.text import Lang
from dialogues.visibility import LEVELS, visibility_label
from storage.enums import NextStepStatus
from storage.models import Person

# The buttons of one step of a reflection (declared with its view): they carry the session
# and its turn.
STEP_BUTTONS = "".join(cls.kind for cls in STEP_KINDS)


class Resume(IntEnum):
    """/reflect with a reflection in progress; the values are in buttons already sent."""

    NEW = 0  # put it aside and choose anew
    CONTINUE = 1


@button("r")
@dataclass(frozen=True)
class ResumeButton(ButtonData):
    choice: Resume


@button("g")
@dataclass(frozen=True)
class GroupChoiceButton(ButtonData):
    """The group to reflect with."""

    group_id: int


@button("f")
@dataclass(frozen=True)
class FormatButton(ButtonData):
    """The format to start, with the group; the format's id travels as the code."""

    group_id: int
    format_id: str


@button("n")
@dataclass(frozen=True)
class StatusButton(ButtonData):
    """A next step's new status from /next."""

    next_step_id: int
    status: int  # an index into next_steps.STATUS_CHOICES


@button("x")
@dataclass(frozen=True)
class CancelButton(ButtonData):
    """Stop the reflection."""

    session_id: int


class ReflectChat:
    """Choosing and running a reflection, and the person's open next steps."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def reflect(self, session: AsyncSession, person: Person) -> list[View]:
        """/reflect: carry on with the current reflection, or choose a new one."""
        lang = person.language
        current = await reflection.resume(self.app, session, person)
        if current is not None:
            buttons = [
                [
                    Button(say(lang, "reflect.continue"), ResumeButton(Resume.CONTINUE).encode()),
                    Button(say(lang, "reflect.start_new"), ResumeButton(Resume.NEW).encode()),
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
        buttons = [
            [Button(group.name, GroupChoiceButton(group.id).encode())] for _, group in memberships
        ]
        return [View(html=say(lang, "reflect.choose_group"), buttons=buttons)]

    def _choose_format(self, person: Person, group_id: int) -> list[View]:
        """Every format, grouped by situation, each with what it is for and about how long
        it takes; a format that runs in a group chat says so when chosen."""
        lang: Lang = "en" if person.language == "en" else "da"
        lines = [say(lang, "reflect.choose_format")]
        buttons: list[list[Button]] = []
        for situation, formats in reflection.menu(self.app):
            lines.append(say(lang, f"reflect.situation.{situation}"))
            for fmt in formats:
                lines.append(menu_line(fmt, lang))
                buttons.append(
                    [Button(fmt.title.get(lang), FormatButton(group_id, fmt.id).encode())]
                )
        return [View(html="\n\n".join(lines), buttons=buttons)]

    async def next(self, session: AsyncSession, person: Person) -> list[View]:
        """/next: the person's open next steps, each with its status buttons."""
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
                    Button(say(lang, f"next.{status.value}"), StatusButton(step.id, index).encode())
                    for index, status in enumerate(next_steps.STATUS_CHOICES)
                ]
            ]
            views.append(View(html=text, buttons=buttons))
        return views

    async def cancel(self, session: AsyncSession, person: Person) -> list[View]:
        """/cancel: stop the current reflection."""
        stopped = await reflection.cancel(self.app, session, person=person)
        key = "reflect.cancelled" if stopped else "reflect.nothing_to_cancel"
        return [View(html=say(person.language, key))]

    async def cancel_button(
        self, session: AsyncSession, person: Person, _action: Press
    ) -> list[View]:
        """The cancel button of a reflection."""
        return await self.cancel(session, person)

    async def group_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """A group chosen for /reflect: its formats."""
        pressed = GroupChoiceButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        await require(self.app, session, person, pressed.group_id, Permission.reflect)
        return self._choose_format(person, pressed.group_id)

    async def format_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """A format chosen: start it."""
        pressed = FormatButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        shown = await reflection.start(
            self.app,
            session,
            person=person,
            format_id=pressed.format_id,
            group_id=pressed.group_id,
        )
        return reflection_views(shown)

    async def resume_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Carry on with the reflection in progress, or put it aside and choose anew."""
        pressed = ResumeButton.read(action)
        if pressed is None:
            return [View(html=say(person.language, "stale.unknown"))]
        if pressed.choice is Resume.CONTINUE:
            resumed = await reflection.resume(self.app, session, person)
            if resumed is not None:
                return reflection_views(resumed)
        await reflection.cancel(self.app, session, person=person)
        return await self._choose_group(session, person)

    async def status_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """A next step's new status from /next."""
        pressed = StatusButton.read(action)
        if pressed is None or not 0 <= pressed.status < len(next_steps.STATUS_CHOICES):
            return [View(html=say(person.language, "stale.unknown"))]
        status: NextStepStatus = next_steps.STATUS_CHOICES[pressed.status]
        step = await next_steps.set_status(
            self.app, session, person=person, next_step_id=pressed.next_step_id, status=status
        )
        lang = person.language
        text = say(lang, "next.updated", what=step.what, status=say(lang, f"status.{status.value}"))
        return [View(html=text)]

    async def step_button(
        self,
        session: AsyncSession,
        person: Person,
        action: Press,
        known: reflection.Known = reflection.UNREAD,
    ) -> list[View]:
        """A button of the current step: an option, a choice, back, skip, keep, who sees it."""
        app = self.app
        pressed = _step(action)
        row = await reflection.active(app, session, person, known)
        if row is None or pressed is None or row.id != pressed.session_id:
            return [View(html=say(person.language, "stale.button"))]
        turn = pressed.turn
        match pressed:
            case AnswerButton(option=option):
                shown = await reflection.answer(
                    app,
                    session,
                    person=person,
                    value=None,
                    turn=turn,
                    option_index=option,
                    known=row,
                )
            case ChosenButton(chosen=chosen):
                shown = await reflection.answer_mask(
                    app, session, person=person, turn=turn, mask=chosen, known=row
                )
            case ToggleButton(chosen=chosen, option=option):
                mask = chosen ^ (1 << option) if 0 <= option < 32 else chosen
                shown = await reflection.current(app, session, person=person, turn=turn, known=row)
                if shown.problem is None:
                    return [_replacing(prompt_view(shown, chosen_mask=mask))]
            case BackButton():
                shown = await reflection.back(app, session, person=person, turn=turn, known=row)
            case SkipButton():
                shown = await reflection.skip(app, session, person=person, turn=turn, known=row)
            case KeepButton():
                shown = await reflection.keep(app, session, person=person, turn=turn, known=row)
            case VisibilityButton(level=level) if 0 <= level < len(LEVELS):
                shown = await reflection.choose_visibility(
                    app, session, person=person, turn=turn, level=LEVELS[level], known=row
                )
                if shown.problem is None:
                    return [_replacing(prompt_view(shown))]
            case _:
                return [View(html=say(person.language, "stale.unknown"))]
        return reflection_views(shown)


StepButton = (
    AnswerButton
    | ToggleButton
    | ChosenButton
    | BackButton
    | SkipButton
    | KeepButton
    | VisibilityButton
)


def _step(action: Press) -> StepButton | None:
    """The step button pressed; `None` for a button of something else (a group chat's)."""
    for cls in STEP_KINDS:
        if cls.kind == action.kind:
            pressed = cls.read(action)
            return pressed if isinstance(pressed, StepButton) else None
    return None


def menu_line(fmt: Format, lang: Lang) -> str:
    """ "• <b>Title</b> · ca. 15 min" and the purpose on the next line."""
    line = say(lang, "reflect.menu_title", title=fmt.title.get(lang))
    if fmt.minutes is not None:
        line += say(lang, "reflect.menu_minutes", minutes=fmt.minutes)
    if fmt.audience == "group":
        line += say(lang, "reflect.menu_in_group")
    if fmt.purpose is not None:
        line += "\n" + say(lang, "reflect.menu_purpose", purpose=fmt.purpose.get(lang))
    return line


def reflection_views(shown: reflection.Shown) -> list[View]:
    """What to send after a reflection call; a finished one ends with the person's own
    answers read back, who can see each, and a way to change one (as /mine does)."""
    views = moment_views(shown)
    if shown.completed and shown.playback and views:
        thanks = views[-1]
        views[-1] = View(
            html=thanks.html + "\n\n" + playback_text(shown),
            buttons=[[Button(say(shown.lang, "reflect.playback_edit"), _change(shown))]],
        )
    return views


def _change(shown: reflection.Shown) -> str:
    return MineButton(MineOp.OPEN, shown.session_id).encode()


def playback_text(shown: reflection.Shown) -> str:
    lang = as_lang(shown.lang)
    lines = [say(lang, "reflect.playback_header", title=shown.title)]
    for played in shown.playback:
        lines.append(
            say(
                lang,
                "reflect.playback_item",
                question=played.question,
                answer=preview(played.text),
                who=visibility_label(played.visibility, lang),
            )
        )
    lines.append(say(lang, "reflect.playback_change"))
    return "\n\n".join(lines)


def _replacing(view: View) -> View:
    """Show this in place of the message whose button was pressed."""
    view.replace = True
    return view
