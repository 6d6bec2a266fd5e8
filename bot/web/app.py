"""The web part's ASGI application: one Starlette app, built once, served by uvicorn.

`create_web_app(app, routes=[...])` is the single place the web part is assembled. Other
parts of Refleks add their own endpoints through `routes`; they are matched before the
pages, so a route such as the Telegram webhook (`bot.telegram.workers`) joins without
touching this module::

    from starlette.routing import Route

    async def telegram_update(request: Request) -> Response: ...

    web_app = create_web_app(app, routes=[Route("/telegram", telegram_update, methods=["POST"])])

Extra routes get the same security headers as the pages, and no session or CSRF handling:
they authenticate their callers themselves (the webhook by Telegram's secret token header).
The Refleks `App` is available to every endpoint as `request.app.state.refleks`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from bot.app import App
from bot.logs import protect
from bot.web.auth import SignInLimiter, not_found
from bot.web.headers import SecurityHeaders
from bot.web.pages import page_routes

STATIC = Path(__file__).parent / "static"


async def _not_found(request: Request, _exc: Exception) -> Response:
    return not_found(request)


async def healthz(_request: Request) -> Response:
    """A cheap liveness probe for a proxy or an orchestrator."""
    return PlainTextResponse("ok")


def create_web_app(app: App, *, routes: Sequence[BaseRoute] = ()) -> Starlette:
    """The web part for `app`, with `routes` (e.g. a webhook) tried before the pages."""
    # The web part may run without the Telegram side (the console, a test): it keeps the
    # database's bound values and the token out of every log record on its own.
    token = app.settings.telegram_bot_token
    protect(token.get_secret_value() if token else None, app.db.engine)
    web = Starlette(
        exception_handlers={404: _not_found, 405: _not_found},
        routes=[
            *routes,
            Route("/healthz", healthz),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
            *page_routes(),
        ],
        middleware=[Middleware(SecurityHeaders)],
    )
    web.state.refleks = app
    web.state.sign_in_limiter = SignInLimiter(lambda: app.now().timestamp())
    return web
