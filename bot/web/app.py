"""The ASGI application: one Starlette app, assembled in one place, served by uvicorn.

`create_web_app(app, routes=[...])` builds it. Other parts of Refleks add their endpoints
through `routes` (the Telegram webhook does), which authenticate their callers themselves.
The Refleks `App` is available to every endpoint as `request.app.state.refleks`.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Route

from bot.app import App


async def healthz(_request: Request) -> Response:
    """A cheap liveness probe for a proxy or an orchestrator."""
    return PlainTextResponse("ok")


def create_web_app(app: App, *, routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The web server's application for `app`, with `routes` tried first."""
    web = Starlette(routes=[*routes, Route("/healthz", healthz)])
    web.state.refleks = app
    return web
