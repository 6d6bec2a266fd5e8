"""The pages of the web part, and the routes that lead to them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.web.auth import COOKIE, see, signed_in_unit
from bot.web.facilitator import facilitator_routes
from bot.web.lead import lead_routes
from bot.web.mine import mine_routes
from bot.web.reflect import reflect_routes
from bot.web.render import page
from bot.web.signin import sign_in_routes


async def home(request: Request) -> Response:
    if request.cookies.get(COOKIE):
        return see("/me")
    return page(request, "home.html")


async def consent(request: Request) -> Response:
    """A yes to the privacy text (taken by `signed_in_unit`); once given, on to the own page."""

    async def handler(*_args: object) -> Response:
        return see("/me")

    return await signed_in_unit(request, handler)


def page_routes() -> list[BaseRoute]:
    return [
        Route("/", home, name="home"),
        Route("/consent", consent, methods=["POST"]),
        *sign_in_routes(),
        *reflect_routes(),
        *mine_routes(),
        *lead_routes(),
        *facilitator_routes(),
    ]
