"""`refleks run` serves the web part beside the bot, in the same event loop."""

from __future__ import annotations

import asyncio

import aiohttp
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from bot.config import Settings
from bot.telegram.builder import build_application
from bot.telegram.runner import serve_bot_and_web
from bot.web.app import create_web_app
from bot.web.server import web_server
from storage.db import Database
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app


async def test_the_bot_and_the_web_part_run_together_and_stop_together(
    fake_bot_api: FakeBotApi, database: Database
) -> None:
    app = make_app(database, Clock())
    application = build_application(
        app,
        token=fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    )

    async def extra(_request: Request) -> Response:
        return PlainTextResponse("extra")

    web_app = create_web_app(app, routes=[Route("/extra", extra, methods=["POST"])])
    server = web_server(app.settings, web_app, port=0)
    fake_bot_api.watch_update_queue(application.update_queue)
    running = asyncio.create_task(
        serve_bot_and_web(application, server, signals=False, poll_timeout=1)
    )
    await server.ready.wait()
    base = f"http://127.0.0.1:{server.port}"

    async with aiohttp.ClientSession() as client:
        async with client.get(f"{base}/healthz") as answer:
            assert answer.status == 200
            assert await answer.text() == "ok"
        async with client.get(f"{base}/") as answer:
            assert answer.status == 200
            assert "/web" in await answer.text()
            assert "script-src 'self'" in answer.headers["content-security-policy"]
            assert answer.headers["x-content-type-options"] == "nosniff"
        async with client.post(f"{base}/extra") as answer:
            assert await answer.text() == "extra"

    ane = fake_bot_api.add_user("Ane")
    await fake_bot_api.send_text(ane, "/help")
    assert await fake_bot_api.wait_for_message(ane)

    server.stop()
    await running
    assert not application.running
    fake_bot_api.watch_update_queue(None)


def test_the_public_address_defaults_to_where_the_web_part_listens() -> None:
    local = Settings(
        _env_file=None,  # type: ignore[call-arg]
        refleks_web_host="0.0.0.0",  # noqa: S104
        refleks_web_port=8090,
    )
    assert local.public_url == "http://127.0.0.1:8090"
    public = Settings(
        _env_file=None,  # type: ignore[call-arg]
        refleks_public_url="https://refleks.example.dk/",
    )
    assert public.public_url == "https://refleks.example.dk"
