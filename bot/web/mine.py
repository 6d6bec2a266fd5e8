"""The person's own page: their reflections (as /mine), and their next steps."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.app import App
from bot.services import answers, next_steps, reflection
from bot.web.auth import Visitor, signed_in_unit
from bot.web.render import page
from dialogues.visibility import describe_visibility


async def own_page(request: Request) -> Response:
    async def handler(
        request: Request, app: App, session: AsyncSession, visitor: Visitor
    ) -> Response:
        number = int(request.query_params.get("page", "1") or 1) - 1
        return page(
            request,
            "me.html",
            lang=visitor.lang,
            visitor=visitor,
            listed=await answers.reflections(app, session, visitor.person, max(number, 0)),
            current=await reflection.resume(app, session, visitor.person),
            steps=await next_steps.open_steps(session, visitor.person),
            statuses=next_steps.STATUS_CHOICES,
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
        return page(
            request,
            "reflection.html",
            lang=visitor.lang,
            visitor=visitor,
            opened=opened,
            done=request.query_params.get("done") == "1",
            seen_by={a.id: describe_visibility(a.visibility, visitor.lang) for a in opened.answers},
        )

    return await signed_in_unit(request, handler)


def mine_routes() -> list[BaseRoute]:
    return [
        Route("/me", own_page, name="me"),
        Route("/me/reflections/{session_id:int}", one_reflection, name="reflection"),
    ]
