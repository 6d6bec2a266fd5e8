"""Reflecting in private chat: /reflect, /next, /cancel, and the buttons of a reflection."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press, act
from bot.chat.mine import MineButton, MineOp
from bot.i18n import as_lang
from bot.scheduling.formatting import format_date
from bot.services import membership, next_steps, reflection
from bot.services.access import Action as Permission
from bot.services.access import require
from bot.services.answers import preview
from bot.views import Button, View, prompt_view, say
from bot.views import reflection_views as moment_views
from dialogues.schema import Format
from dialogues.text import Lang
from dialogues.visibility import LEVELS, visibility_label
from storage.enums import NextStepStatus
from storage.models import Person

# The buttons of one step of a reflection: they carry the session and its turn.
STEP_BUTTONS = "amMbswv"


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
        """Every format, grouped by situation, each with what it is for and about how long
        it takes; a format that runs in a group chat says so when chosen."""
        lang: Lang = "en" if person.language == "en" else "da"
        lines = [say(lang, "reflect.choose_format")]
        buttons: list[list[Button]] = []
        for situation, formats in reflection.menu(self.app):
            lines.append(say(lang, f"reflect.situation.{situation}"))
            for fmt in formats:
                lines.append(menu_line(fmt, lang))
                buttons.append([Button(fmt.title.get(lang), act("f", group_id, code=fmt.id))])
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
                    Button(say(lang, f"next.{status.value}"), act("n", step.id, index))
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
        await require(self.app, session, person, action.args[0], Permission.reflect)
        return self._choose_format(person, action.args[0])

    async def format_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """A format chosen: start it."""
        shown = await reflection.start(
            self.app, session, person=person, format_id=action.code or "", group_id=action.args[0]
        )
        return reflection_views(shown)

    async def resume_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """Carry on with the reflection in progress, or put it aside and choose anew."""
        if action.args[0] == 1:
            resumed = await reflection.resume(self.app, session, person)
            if resumed is not None:
                return reflection_views(resumed)
        await reflection.cancel(self.app, session, person=person)
        return await self._choose_group(session, person)

    async def status_button(
        self, session: AsyncSession, person: Person, action: Press
    ) -> list[View]:
        """A next step's new status from /next."""
        step_id, index = action.args
        if not 0 <= index < len(next_steps.STATUS_CHOICES):
            return [View(html=say(person.language, "stale.unknown"))]
        status: NextStepStatus = next_steps.STATUS_CHOICES[index]
        step = await next_steps.set_status(
            self.app, session, person=person, next_step_id=step_id, status=status
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
