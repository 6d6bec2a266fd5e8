"""The person's own page: their reflections (as /mine: read, edit, narrow, withdraw),
their next steps with how they went, their coming meetings for the calendar, and their
data (/mydata's export, and forgetting with confirmation).

Every change goes through the same service the chat's buttons use, which also decides
who may do it: another person's answer, step or meeting is the same 404 as one that
never existed.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.scheduling import format_date, format_span
from bot.scheduling.zones import local_date
from bot.services import answers, export, forget, meetings, next_steps, reflection
from bot.services.admin import forget_person, sole_facilitator_of
from bot.services.errors import NotFound, ServiceError
from bot.services.summaries import summarisable
from bot.services.zones import person_zone
from bot.views import forget_done, forget_question, problem_text, say
from bot.web.auth import COOKIE, Visitor, see, signed_in_unit
from bot.web.facilitator import facilitated
from bot.web.render import form_int, page
from dialogues.problems import Problem
from dialogues.visibility import Visibility, describe_visibility, visibility_label
from storage.enums import NextStepStatus

MEETINGS_SHOWN = 8
# What a changed answer's page says after the change (the chat's own words).
_CHANGED = {"edited": "mine.edited", "narrowed": "mine.narrowed", "withdrawn": "mine.withdrawn"}


async def own_page(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        person, lang = visitor.person, visitor.lang
        number = form_int(request.query_params.get("page", "1"), 1) - 1
        updated = None
        step_id = form_int(request.query_params.get("updated", ""), 0)
        if step_id:
            try:
                step = await next_steps.own(session, person, step_id)
                status = say(lang, f"status.{step.status.value}")
                updated = say(lang, "next.updated", what=step.what, status=status)
            except NotFound:
                updated = None
        tz = person_zone(app, person)
        coming = [
            {
                "id": meeting.id,
                "when": format_span(meeting.starts_at, meeting.ends_at, tz, lang),
                "group": group.name,
                "day": format_date(
                    local_date(meeting.starts_at, tz), lang, weekday=False, with_year=False
                ),
            }
            for meeting, group in (await meetings.coming_for(app, session, person))[:MEETINGS_SHOWN]
        ]
        return page(
            request,
            "me.html",
            lang=lang,
            visitor=visitor,
            listed=await answers.reflections(app, session, person, max(number, 0)),
            current=await reflection.resume(app, session, person),
            steps=await next_steps.open_steps(session, person),
            statuses=next_steps.STATUS_CHOICES,
            updated=updated,
            coming=coming,
            leads=bool(await summarisable(app, session, person)),
            facilitates=bool(await facilitated(app, session, person)),
        )

    return await signed_in_unit(request, handler)


async def one_reflection(request: Request) -> Response:
    """One reflection with every answer (the playback after sending, too); another
    person's reflection, or one that never existed, is the same 404."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        opened = await answers.open_reflection(
            app, session, visitor.person, request.path_params["session_id"]
        )
        changed = _CHANGED.get(request.query_params.get("changed", ""))
        return page(
            request,
            "reflection.html",
            lang=visitor.lang,
            visitor=visitor,
            opened=opened,
            done=request.query_params.get("done") == "1",
            changed=changed,
            seen_by={a.id: describe_visibility(a.visibility, visitor.lang) for a in opened.answers},
        )

    return await signed_in_unit(request, handler)


def _answer_page(
    request: Request,
    visitor: Visitor,
    mine: answers.MyAnswer,
    *,
    problem: str | None = None,
    typed: str | None = None,
    confirm: bool = False,
) -> Response:
    lang = visitor.lang
    return page(
        request,
        "answer.html",
        lang=lang,
        visitor=visitor,
        answer=mine,
        seen_by=describe_visibility(mine.visibility, lang),
        levels=[(level, visibility_label(level, lang)) for level in mine.narrower],
        problem=problem,
        typed=mine.text if typed is None else typed,
        confirm=confirm,
        status_code=422 if problem else 200,
    )


async def one_answer(request: Request) -> Response:
    """One answer with what its author may do with it: edit, narrow, withdraw."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        mine = await answers.answer(app, session, visitor.person, request.path_params["answer_id"])
        confirm = request.query_params.get("withdraw") == "1" and mine.withdrawn_at is None
        return _answer_page(request, visitor, mine, confirm=confirm)

    return await signed_in_unit(request, handler)


async def change_answer(request: Request) -> Response:
    """Edit, narrow or withdraw an answer (withdrawing asks first, as the chat does)."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        person, lang = visitor.person, visitor.lang
        answer_id = request.path_params["answer_id"]
        form = await request.form()
        action = str(form.get("action", ""))
        done: answers.MyAnswer | Problem
        try:
            if action == "edit":
                typed = str(form.get("value", ""))
                done = await answers.edit(app, session, person, answer_id, typed)
                if isinstance(done, Problem):
                    mine = await answers.answer(app, session, person, answer_id)
                    text = problem_text(lang, done)
                    return _answer_page(request, visitor, mine, problem=text, typed=typed)
                changed = "edited"
            elif action == "narrow":
                try:
                    level = Visibility(str(form.get("visibility", "")))
                except ValueError:
                    raise ServiceError("mine.not_narrower") from None
                done = await answers.narrow(app, session, person, answer_id, level)
                changed = "narrowed"
            elif action == "withdraw":
                done = await answers.withdraw(app, session, person, answer_id)
                changed = "withdrawn"
            else:
                return see(f"/me/answers/{answer_id}")
        except NotFound:
            raise
        except ServiceError as refused:
            mine = await answers.answer(app, session, person, answer_id)
            text = say(lang, refused.key, **refused.params)
            return _answer_page(request, visitor, mine, problem=text)
        return see(f"/me/reflections/{done.session_id}?changed={changed}#answer-{done.id}")

    return await signed_in_unit(request, handler)


async def step_status(request: Request) -> Response:
    """Mark how one of the person's next steps went (the chat's /next buttons)."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        form = await request.form()
        try:
            status = NextStepStatus(str(form.get("status", "")))
        except ValueError:
            return see("/me#steps")
        if status not in next_steps.STATUS_CHOICES:
            return see("/me#steps")
        step = await next_steps.set_status(
            app,
            session,
            person=visitor.person,
            next_step_id=request.path_params["step_id"],
            status=status,
        )
        return see(f"/me?updated={step.id}#steps")

    return await signed_in_unit(request, handler)


def _download(data: bytes, filename: str, media_type: str) -> Response:
    return Response(
        data,
        media_type=media_type,
        headers={
            "content-disposition": f'attachment; filename="{filename}"',
            "cache-control": "no-store",
        },
    )


async def meeting_calendar(request: Request) -> Response:
    """A coming meeting as an .ics file, for anyone the meeting is for."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        file = await meetings.calendar(
            app, session, person=visitor.person, meeting_id=request.path_params["meeting_id"]
        )
        return _download(file.data, file.filename, "text/calendar; charset=utf-8")

    return await signed_in_unit(request, handler)


async def my_data(request: Request) -> Response:
    """Download everything stored about the person (/mydata), or ask to delete it."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        lang = visitor.lang
        seen = await forget.preview(app, session, visitor.person)
        sole = await sole_facilitator_of(session, visitor.person)
        minimum = app.settings.refleks_anonymity_min
        return page(
            request,
            "data.html",
            lang=lang,
            visitor=visitor,
            confirm_text=forget_question(lang, seen, minimum, [g.name for g in sole]),
        )

    return await signed_in_unit(request, handler)


async def data_file(request: Request) -> Response:
    """/mydata's two files: the JSON for another program, the page to read."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        kind = request.path_params["kind"]
        if kind not in ("json", "html"):
            raise NotFound("web.not_found_title")
        made = await export.export(app, session, visitor.person)
        if kind == "json":
            return _download(made.json, f"{made.stem}.json", "application/json")
        return _download(made.html, f"{made.stem}.html", "text/html; charset=utf-8")

    return await signed_in_unit(request, handler)


async def forget_me(request: Request) -> Response:
    """Delete everything about the person (after the confirmation on the data page)."""

    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        form = await request.form()
        lang = visitor.lang
        if form.get("confirm") != "yes":
            return see("/me/data")
        done = await forget_person(app, session, visitor.person)
        response = page(
            request,
            "forgotten.html",
            lang=lang,
            done=forget_done(lang, done),
            remains=say(lang, "forget.what_remains"),
        )
        response.delete_cookie(COOKIE, path="/")
        return response

    return await signed_in_unit(request, handler)


def mine_routes() -> list[BaseRoute]:
    return [
        Route("/me", own_page, name="me"),
        Route("/me/reflections/{session_id:int}", one_reflection, name="reflection"),
        Route("/me/answers/{answer_id:int}", one_answer, name="answer"),
        Route("/me/answers/{answer_id:int}", change_answer, methods=["POST"]),
        Route("/me/steps/{step_id:int}", step_status, methods=["POST"]),
        Route("/me/meetings/{meeting_id:int}.ics", meeting_calendar, name="meeting_ics"),
        Route("/me/data", my_data, name="data"),
        Route("/me/data/refleks.{kind:str}", data_file, name="data_file"),
        Route("/me/forget", forget_me, methods=["POST"]),
    ]
