"""A reflection as a form: the same session, services and rules as the chat.

A page shows every step from where the session stands up to and including the next step
whose answer decides which steps follow (or to the end): a format without branches is one
page, a branching one a few. Each step has its help text, who will see the answer, the
choice of visibility where the format allows it, and the answer given before filled in.
A post answers the page's steps in order through the same service calls as the chat's
buttons and typed answers, starting from the turn the page was shown at (so a page made
stale by an answer in the chat says so instead of answering the wrong question). A field
left empty leaves out a step that may be left out; the first answer refused stops there,
with what came before it saved and the rest of the page as it was typed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.i18n import Lang
from bot.scheduling import format_date
from bot.services import answers, membership, reflection
from bot.services.access import Action, require
from bot.views import problem_text
from bot.web.auth import Visitor, see, signed_in_unit
from bot.web.render import form_int, page
from dialogues.state import NextStepValue, Prompt
from dialogues.visibility import Visibility, describe_visibility, visibility_label
from storage.models import DialogueSession, Person


async def choose(request: Request) -> Response:
    """Continue the reflection under way, or pick a group and a format to start one."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        current = await reflection.resume(app, session, visitor.person)
        groups = [group for _, group in await membership.my_groups(session, visitor.person)]
        menu = [
            (situation, [f for f in formats if f.audience == "individual"])
            for situation, formats in reflection.menu(app)
        ]
        menu = [(situation, formats) for situation, formats in menu if formats]
        return page(
            request,
            "reflect_choose.html",
            lang=visitor.lang,
            visitor=visitor,
            current=current,
            groups=groups,
            menu=menu,
            first=menu[0][1][0].id if menu else None,
        )

    return await signed_in_unit(request, handler)


async def start(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        form = await request.form()
        group_id = form_int(form.get("group"), 0) or 0
        await require(app, session, visitor.person, group_id, Action.reflect)
        await reflection.start(
            app,
            session,
            person=visitor.person,
            format_id=str(form.get("format", "")),
            group_id=group_id,
        )
        return see("/reflect/now")

    return await signed_in_unit(request, handler)


Key = tuple[str | None, str | None, str | None, str | None]


def _key(prompt: Prompt) -> Key:
    """Which position a prompt asks: the same on every page that shows it."""
    return (prompt.param_id, prompt.step_id, prompt.item, prompt.part)


@dataclass(frozen=True)
class Typed:
    """What a page's post held for one step (None: the field was not in the post)."""

    value: str | None
    options: list[str]
    visibility: str | None


def _typed(form: FormData, prompts: list[Prompt]) -> dict[Key, Typed]:
    found: dict[Key, Typed] = {}
    for index, prompt in enumerate(prompts):
        value = form.get(f"s{index}-value")
        level = form.get(f"s{index}-visibility")
        found[_key(prompt)] = Typed(
            value=None if value is None else str(value),
            options=[str(v) for v in form.getlist(f"s{index}-option")],
            visibility=None if level is None else str(level),
        )
    return found


@dataclass(frozen=True)
class Field:
    """One step of a page as the template shows it."""

    index: int
    prompt: Prompt
    level: Visibility | None
    seen_by: str | None
    levels: list[tuple[Visibility, str]]
    text: str
    chosen: set[str]
    problem: str | None

    @property
    def described(self) -> str:
        """The ids of the notes that belong to the answer field (for aria-describedby)."""
        at, prompt = f"s{self.index}", self.prompt
        notes = [
            ("who", bool(self.seen_by) and prompt.expects != "none"),
            ("skip", prompt.can_skip and prompt.expects != "none"),
            ("date-help", prompt.expects == "date"),
            ("problem", self.problem is not None),
        ]
        return " ".join(f"{at}-{note}" for note, shown in notes if shown)


def _shown_text(prompt: Prompt, lang: Lang) -> str:
    """The answer given before, as the field shows it (so sending it unchanged keeps it)."""
    value = prompt.current_value
    if isinstance(value, NextStepValue):
        value = {"due": value.due, "reach": value.reach}.get(prompt.part or "", value.what)
    if not isinstance(value, str):
        return ""
    if prompt.expects == "date":
        try:
            return format_date(date.fromisoformat(value), lang, weekday=False)
        except ValueError:
            return value
    return value


def _shown_choice(prompt: Prompt) -> set[str]:
    """The option values the form sends for the answer given before."""
    value = prompt.current_value
    if prompt.scale is not None:
        return {str(value)} if isinstance(value, int) else set()
    chosen = value if isinstance(value, list) else [value]
    return {str(i) for i, (option, _) in enumerate(prompt.options) if option in chosen}


def _fields(
    shown: reflection.Shown, lang: Lang, typed: dict[Key, Typed], problem: str | None
) -> list[Field]:
    fields = []
    for index, prompt in enumerate(shown.ahead):
        entry = typed.get(_key(prompt))
        choices = prompt.visibility_choices
        level = (shown.visibility if index == 0 else None) or prompt.visibility
        if entry is not None and entry.visibility in {v.value for v in choices}:
            level = Visibility(entry.visibility)
        fields.append(
            Field(
                index=index,
                prompt=prompt,
                level=level,
                seen_by=describe_visibility(level, lang) if level else None,
                levels=[(v, visibility_label(v, lang)) for v in choices],
                text=entry.value
                if entry is not None and entry.value is not None
                else _shown_text(prompt, lang),
                chosen=set(entry.options) if entry is not None else _shown_choice(prompt),
                problem=problem if index == 0 else None,
            )
        )
    return fields


async def _form(
    request: Request,
    app: App,
    session: AsyncSession,
    visitor: Visitor,
    shown: reflection.Shown,
    *,
    typed: dict[Key, Typed] | None = None,
    at_field: bool = False,
) -> Response:
    """The page from where the session stands: every step asked with the current one.

    A problem with an answer stands beside its field (the page's first, as the page goes on
    from the step that was refused); any other problem, such as a stale page, on top.
    """
    lang = visitor.lang
    problem = problem_text(lang, shown.problem) if shown.problem else None
    fields = _fields(shown, lang, typed or {}, problem if at_field else None)
    return page(
        request,
        "reflect_form.html",
        lang=lang,
        visitor=visitor,
        shown=shown,
        fields=fields,
        first=fields[0].prompt if fields else None,
        last=fields[-1].prompt if fields else None,
        problem=None if at_field else problem,
        earlier=await answers.so_far(app, session, visitor.person),
        status_code=422 if shown.problem else 200,
    )


async def now(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        if await reflection.active(app, session, visitor.person) is None:
            return see("/reflect")
        shown = await reflection.ahead(app, session, person=visitor.person, turn=None)
        return await _form(request, app, session, visitor, shown)

    return await signed_in_unit(request, handler)


async def _answer_one(
    app: App,
    session: AsyncSession,
    person: Person,
    row: DialogueSession,
    *,
    shown: reflection.Shown,
    typed: Typed,
) -> reflection.Shown:
    """Answer the step `shown` stands at from its fields, through the chat's services."""
    prompt, turn = shown.prompt, shown.turn
    assert prompt is not None  # noqa: S101 - the caller checks
    chosen = shown.visibility or prompt.visibility
    level = typed.visibility
    if level and len(prompt.visibility_choices) > 1 and level != (chosen and chosen.value):
        picked = await reflection.choose_visibility(
            app, session, person=person, turn=turn, level=level, known=row
        )
        if picked.problem is not None:
            return picked
    value = (typed.value or "").strip()
    options = [i for i in (form_int(v, -1) for v in typed.options) if i >= 0]
    blank = not options if prompt.options or prompt.scale is not None else not value
    if prompt.expects != "none" and blank and prompt.can_skip:
        return await reflection.skip(app, session, person=person, turn=turn, known=row)
    if prompt.expects == "multi_choice":
        mask = sum(1 << i for i in set(options) if i < 31)
        return await reflection.answer_mask(
            app, session, person=person, turn=turn, mask=mask, known=row
        )
    if prompt.expects == "none" or prompt.scale is not None or prompt.options:
        option = 0 if prompt.expects == "none" else (options[0] if options else -1)
        return await reflection.answer(
            app, session, person=person, value=None, turn=turn, option_index=option, known=row
        )
    return await reflection.answer(
        app, session, person=person, value=typed.value or "", turn=turn, known=row
    )


async def _answer_page(
    app: App, session: AsyncSession, person: Person, form: FormData, turn: int
) -> tuple[reflection.Shown, dict[Key, Typed], bool]:
    """Answer the page shown at `turn`, step by step in order, each from its own fields.

    Stops at the first answer refused: what came before it is saved. Returns the moment
    reached, what the page held, and whether a problem belongs to a field.
    """
    row = await reflection.active(app, session, person)
    shown = await reflection.ahead(app, session, person=person, turn=turn, known=row)
    if shown.problem is not None or row is None:
        return shown, {}, False
    typed = _typed(form, shown.ahead)
    keys = [_key(prompt) for prompt in shown.ahead]
    done = 0
    while not shown.completed and shown.prompt is not None:
        # A step left out can leave out the ones after it (a next step's parts).
        key = _key(shown.prompt)
        if key not in keys[done:]:
            break
        done = keys.index(key, done) + 1
        shown = await _answer_one(app, session, person, row, shown=shown, typed=typed[key])
        if shown.problem is not None:
            return shown, typed, True
    return shown, typed, False


async def submit(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        form = await request.form()
        person, turn = visitor.person, form_int(form.get("turn"), None)
        if await reflection.active(app, session, person) is None:
            return see("/reflect")
        action = form.get("action", "answer")
        typed: dict[Key, Typed] = {}
        at_field = False
        if action == "back":
            shown = await reflection.back_page(app, session, person=person, turn=turn)
        elif action == "stop":
            await reflection.cancel(app, session, person=person)
            return see("/me")
        else:
            shown, typed, at_field = await _answer_page(app, session, person, form, turn or 0)
        if shown.completed:
            return see(f"/me/reflections/{shown.session_id}?done=1")
        if shown.problem is not None:
            page_now = await reflection.ahead(app, session, person=person, turn=None)
            page_now.problem = shown.problem
            return await _form(
                request, app, session, visitor, page_now, typed=typed, at_field=at_field
            )
        return see("/reflect/now")

    return await signed_in_unit(request, handler)


def reflect_routes() -> list[BaseRoute]:
    return [
        Route("/reflect", choose, name="reflect"),
        Route("/reflect/start", start, methods=["POST"]),
        Route("/reflect/now", now, name="reflect_now"),
        Route("/reflect/now", submit, methods=["POST"]),
    ]
