"""The pages of the web part, and the routes that lead to them."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from bot.web.render import page


async def home(request: Request) -> Response:
    return page(request, "home.html")


def page_routes() -> list[BaseRoute]:
    return [Route("/", home, name="home")]
