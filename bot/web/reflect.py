"""A reflection as a form: the same session, services and rules as the chat.

Each page shows the step the session stands at, with its help text, who will see the
answer, the choices of visibility and skip where the format allows them, and what was
answered so far. A post goes through the same service calls as the chat's buttons and
typed answers (with the turn the page was shown at, so a page made stale by an answer in
the chat says so instead of answering the wrong question).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.datastructures import FormData
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.services import answers, membership, reflection
from bot.services.access import Action, require
from bot.views import problem_text
from bot.web.auth import Visitor, see, signed_in_unit
from bot.web.render import page
from dialogues.visibility import describe_visibility, visibility_label


def _int(value: object, default: int | None = None) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return default


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
        group_id = _int(form.get("group"), 0) or 0
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


async def _form(
    request: Request,
    app: App,
    session: AsyncSession,
    visitor: Visitor,
    shown: reflection.Shown,
    *,
    typed: str = "",
) -> Response:
    lang = visitor.lang
    prompt = shown.prompt
    level = shown.visibility or (prompt.visibility if prompt else None)
    return page(
        request,
        "reflect_form.html",
        lang=lang,
        visitor=visitor,
        shown=shown,
        prompt=prompt,
        level=level,
        seen_by=describe_visibility(level, lang) if level else None,
        levels=[
            (v, visibility_label(v, lang)) for v in (prompt.visibility_choices if prompt else [])
        ],
        problem=problem_text(lang, shown.problem) if shown.problem else None,
        typed=typed,
        earlier=await answers.so_far(app, session, visitor.person),
        status_code=422 if shown.problem else 200,
    )


async def now(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        shown = await reflection.resume(app, session, visitor.person)
        if shown is None:
            return see("/reflect")
        return await _form(request, app, session, visitor, shown)

    return await signed_in_unit(request, handler)


async def _answer(
    app: App, session: AsyncSession, visitor: Visitor, form: FormData, turn: int
) -> tuple[reflection.Shown, str]:
    """Answer the step shown at `turn` from the form's fields; also what was typed."""
    person = visitor.person
    row = await reflection.active(app, session, person)
    current = await reflection.current(app, session, person=person, turn=turn, known=row)
    prompt = current.prompt
    if current.problem is not None or prompt is None:
        return current, ""
    level = str(form.get("visibility", ""))
    chosen = current.visibility or prompt.visibility
    if level and len(prompt.visibility_choices) > 1 and level != (chosen and chosen.value):
        picked = await reflection.choose_visibility(
            app, session, person=person, turn=turn, level=level, known=row
        )
        if picked.problem is not None:
            return picked, ""
    if prompt.expects == "multi_choice":
        mask = 0
        for index in (_int(v, -1) for v in form.getlist("option")):
            if index is not None and 0 <= index < 31:
                mask |= 1 << index
        shown = await reflection.answer_mask(
            app, session, person=person, turn=turn, mask=mask, known=row
        )
        return shown, ""
    if prompt.expects == "none":
        option: int | None = 0
    elif prompt.scale is not None or prompt.options:
        option = _int(form.get("option"), -1)
    else:
        typed = str(form.get("value", ""))
        shown = await reflection.answer(
            app, session, person=person, value=typed, turn=turn, known=row
        )
        return shown, typed
    shown = await reflection.answer(
        app, session, person=person, value=None, turn=turn, option_index=option, known=row
    )
    return shown, ""


async def submit(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        form = await request.form()
        person, turn = visitor.person, _int(form.get("turn"))
        if await reflection.active(app, session, person) is None:
            return see("/reflect")
        action = form.get("action", "answer")
        typed = ""
        if action == "back":
            shown = await reflection.back(app, session, person=person, turn=turn)
        elif action == "skip":
            shown = await reflection.skip(app, session, person=person, turn=turn)
        elif action == "keep":
            shown = await reflection.keep(app, session, person=person, turn=turn)
        elif action == "stop":
            await reflection.cancel(app, session, person=person)
            return see("/me")
        else:
            shown, typed = await _answer(app, session, visitor, form, turn or 0)
        if shown.completed:
            return see(f"/me/reflections/{shown.session_id}?done=1")
        if shown.problem is not None:
            return await _form(request, app, session, visitor, shown, typed=typed)
        return see("/reflect/now")

    return await signed_in_unit(request, handler)


def reflect_routes() -> list[BaseRoute]:
    return [
        Route("/reflect", choose, name="reflect"),
        Route("/reflect/start", start, methods=["POST"]),
        Route("/reflect/now", now, name="reflect_now"),
        Route("/reflect/now", submit, methods=["POST"]),
    ]
