"""/mine: a person's own reflections; open one, edit an answer, narrow or withdraw it.

Buttons are `MineButton`s ("W"): an operation, a and b. LIST page a, OPEN reflection a,
ANSWER shows answer a, EDIT it (the new words are typed), NARROW it to level b (9 asks
which), WITHDRAW it (b: 0 asks, 1 confirms), KEEP stops an edit.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from enum import IntEnum
from typing import TYPE_CHECKING, assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.i18n import as_lang
from bot.scheduling import format_date
from bot.scheduling.zones import local_date
from bot.services import admin, answers
from bot.services.errors import ServiceError
from bot.services.zones import person_zone
from bot.views import Button, View, problem_text, say
from dialogues.problems import Problem
from dialogues.visibility import LEVELS, describe_visibility, visibility_label
from storage.models import Person

if TYPE_CHECKING:
    from datetime import datetime


class MineOp(IntEnum):
    LIST = 1
    OPEN = 2
    ANSWER = 3
    EDIT = 4
    NARROW = 5
    WITHDRAW = 6
    KEEP = 7


@button("W")
@dataclass(frozen=True)
class MineButton(ButtonData):
    op: MineOp
    a: int  # a page, or the id of a reflection or an answer
    b: int = 0  # NARROW: a level index (CHOOSE asks); WITHDRAW: ASK or YES


ASK, YES = 0, 1
CHOOSE = 9
EDIT_INPUT = "mine.edit"
LABEL_MAX = 48


def _label(text: str) -> str:
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


class MineChat:
    """The chat side of people in control of what they wrote."""

    def __init__(self, app: App) -> None:
        self.app = app

    def _day(self, person: Person, moment: datetime) -> str:
        day = local_date(moment, person_zone(self.app, person))
        return format_date(day, person.language, weekday=False)

    # -- the list ---------------------------------------------------------------------

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        """List the person's reflections, newest first."""
        return await self._list(session, person, 0, replace=False)

    async def _list(
        self, session: AsyncSession, person: Person, page: int, *, replace: bool
    ) -> list[View]:
        lang = person.language
        found = await answers.reflections(self.app, session, person, page)
        if not found.items:
            return [View(html=say(lang, "mine.none"), replace=replace)]
        lines = [say(lang, "mine.header", page=found.page + 1, pages=found.pages)]
        buttons: list[list[Button]] = []
        for item in found.items:
            day = self._day(person, item.started_at)
            key = "mine.item" if item.group else "mine.item_alone"
            lines.append(
                say(lang, key, date=day, title=item.title, group=item.group or "", n=item.answers)
            )
            label = say(lang, "mine.button", date=day, title=item.title)
            buttons.append(
                [Button(_label(label), MineButton(MineOp.OPEN, item.session_id).encode())]
            )
        nav: list[Button] = []
        if found.page > 0:
            nav.append(
                Button(say(lang, "mine.newer"), MineButton(MineOp.LIST, found.page - 1).encode())
            )
        if found.page + 1 < found.pages:
            nav.append(
                Button(say(lang, "mine.older"), MineButton(MineOp.LIST, found.page + 1).encode())
            )
        if nav:
            buttons.append(nav)
        return [View(html="\n".join(lines), buttons=buttons, replace=replace)]

    # -- one reflection, one answer ---------------------------------------------------

    async def _open(self, session: AsyncSession, person: Person, session_id: int) -> list[View]:
        lang = person.language
        opened = await answers.open_reflection(self.app, session, person, session_id)
        day = self._day(person, opened.started_at)
        head = say(lang, "mine.opened", title=opened.title)
        meta = say(lang, "mine.opened_meta", group=opened.group, date=day) if opened.group else day
        blocks = [f"{head}\n{meta}"]
        buttons: list[list[Button]] = []
        for number, item in enumerate(opened.answers, start=1):
            title = say(lang, "mine.answer_title", n=number, question=item.question)
            if item.withdrawn_at is not None:
                when = self._day(person, item.withdrawn_at)
                blocks.append(f"{title}\n{say(lang, 'mine.withdrawn_line', date=when)}")
                continue
            seen = say(lang, "mine.seen_by", who=visibility_label(item.visibility, as_lang(lang)))
            blocks.append(
                f"{title}\n{html.escape(answers.preview(item.text), quote=False)}\n{seen}"
            )
            label = f"{number}. {item.question}"
            buttons.append([Button(_label(label), MineButton(MineOp.ANSWER, item.id).encode())])
        buttons.append(
            [Button(say(lang, "mine.back_to_list"), MineButton(MineOp.LIST, 0).encode())]
        )
        return [View(html="\n\n".join(blocks), buttons=buttons, replace=True)]

    def _answer_view(self, person: Person, item: answers.MyAnswer, *, note: str = "") -> View:
        lang = person.language
        parts = [note] if note else []
        parts.append(say(lang, "mine.answer_head", question=item.question))
        if item.withdrawn_at is not None:
            parts.append(
                say(lang, "mine.withdrawn_line", date=self._day(person, item.withdrawn_at))
            )
            back = [
                [Button(say(lang, "mine.back"), MineButton(MineOp.OPEN, item.session_id).encode())]
            ]
            return View(html="\n\n".join(parts), buttons=back, replace=True)
        parts.append(html.escape(item.text, quote=False))
        seen = describe_visibility(item.visibility, as_lang(lang))
        parts.append("👁 " + html.escape(seen, quote=False))
        buttons: list[list[Button]] = []
        if item.editable:
            buttons.append(
                [Button(say(lang, "mine.edit"), MineButton(MineOp.EDIT, item.id).encode())]
            )
        if item.narrower:
            buttons.append(
                [
                    Button(
                        say(lang, "mine.narrow"),
                        MineButton(MineOp.NARROW, item.id, CHOOSE).encode(),
                    )
                ]
            )
        buttons.append(
            [Button(say(lang, "mine.withdraw"), MineButton(MineOp.WITHDRAW, item.id, ASK).encode())]
        )
        buttons.append(
            [Button(say(lang, "mine.back"), MineButton(MineOp.OPEN, item.session_id).encode())]
        )
        return View(html="\n\n".join(parts), buttons=buttons, replace=True)

    # -- buttons ----------------------------------------------------------------------

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Page, open, and change answers."""
        lang = person.language
        pressed = MineButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        op, first, second = pressed.op, pressed.a, pressed.b
        if op is MineOp.LIST:
            return await self._list(session, person, first, replace=True)
        if op is MineOp.OPEN:
            return await self._open(session, person, first)
        if op is MineOp.ANSWER:
            item = await answers.answer(self.app, session, person, first)
            return [self._answer_view(person, item)]
        if op is MineOp.EDIT:
            return await self._ask_words(session, person, first)
        if op is MineOp.KEEP:
            await admin.stop_expecting(session, person)
            item = await answers.answer(self.app, session, person, first)
            return [self._answer_view(person, item)]
        if op is MineOp.NARROW:
            return await self._narrow(session, person, first, second)
        if op is MineOp.WITHDRAW:
            return await self._withdraw(session, person, first, second)
        assert_never(op)

    async def _ask_words(self, session: AsyncSession, person: Person, answer_id: int) -> list[View]:
        lang = person.language
        item = await answers.answer(self.app, session, person, answer_id)
        if item.withdrawn_at is not None:
            raise ServiceError("mine.already_withdrawn")
        if not item.editable:
            raise ServiceError("mine.not_editable")
        await admin.expect_text(self.app, session, person, EDIT_INPUT, {"answer": item.id})
        parts = [say(lang, "mine.edit_prompt", question=item.question, current=item.text)]
        if item.about_pupils:
            parts.append("⚠️ " + say(lang, "reflect.pupils_notice"))
        cancel = [[Button(say(lang, "mine.cancel"), MineButton(MineOp.KEEP, item.id).encode())]]
        return [View(html="\n\n".join(parts), buttons=cancel, replace=True)]

    async def _narrow(
        self, session: AsyncSession, person: Person, answer_id: int, level: int
    ) -> list[View]:
        lang = person.language
        if level == CHOOSE:
            item = await answers.answer(self.app, session, person, answer_id)
            if item.withdrawn_at is not None:
                raise ServiceError("mine.already_withdrawn")
            if not item.narrower:
                raise ServiceError("mine.not_narrower")
            buttons = [
                [
                    Button(
                        visibility_label(choice, as_lang(lang)),
                        MineButton(MineOp.NARROW, item.id, LEVELS.index(choice)).encode(),
                    )
                ]
                for choice in item.narrower
            ]
            buttons.append(
                [Button(say(lang, "mine.back"), MineButton(MineOp.ANSWER, item.id).encode())]
            )
            now = visibility_label(item.visibility, as_lang(lang))
            text = say(lang, "mine.narrow_choose", question=item.question, now=now)
            return [View(html=text, buttons=buttons, replace=True)]
        if not 0 <= level < len(LEVELS):
            return [View(html=say(lang, "stale.unknown"))]
        item = await answers.narrow(self.app, session, person, answer_id, LEVELS[level])
        return [self._answer_view(person, item, note=say(lang, "mine.narrowed"))]

    async def _withdraw(
        self, session: AsyncSession, person: Person, answer_id: int, step: int
    ) -> list[View]:
        lang = person.language
        if step != YES:
            item = await answers.answer(self.app, session, person, answer_id)
            buttons = [
                [
                    Button(
                        say(lang, "mine.withdraw_yes"),
                        MineButton(MineOp.WITHDRAW, item.id, YES).encode(),
                    )
                ],
                [
                    Button(
                        say(lang, "mine.withdraw_no"), MineButton(MineOp.ANSWER, item.id).encode()
                    )
                ],
            ]
            text = say(lang, "mine.withdraw_confirm", question=item.question)
            return [View(html=text, buttons=buttons, replace=True)]
        item = await answers.withdraw(self.app, session, person, answer_id)
        back = [[Button(say(lang, "mine.back"), MineButton(MineOp.OPEN, item.session_id).encode())]]
        return [View(html=say(lang, "mine.withdrawn"), buttons=back, replace=True)]

    # -- typed words ------------------------------------------------------------------

    async def typed(self, session: AsyncSession, person: Person, text: str) -> list[View] | None:
        """The new words for an answer the person chose to edit; None when none is asked."""
        data = await admin.expected_text(self.app, session, person, EDIT_INPUT)
        if data is None:
            return None
        lang = person.language
        answer_id = int(data.get("answer", 0))
        try:
            changed = await answers.edit(self.app, session, person, answer_id, text)
        except ServiceError:
            await admin.stop_expecting(session, person)
            raise
        if isinstance(changed, Problem):
            cancel = [
                [Button(say(lang, "mine.cancel"), MineButton(MineOp.KEEP, answer_id).encode())]
            ]
            return [View(html=problem_text(lang, changed), buttons=cancel)]
        await admin.stop_expecting(session, person)
        view = self._answer_view(person, changed, note=say(lang, "mine.edited"))
        view.replace = False
        return [view]
