"""Sign-in links, sessions and their limits, over HTTP against the web part's ASGI app."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest

from bot.services import forget, privacy, web_sign_in
from bot.web.app import create_web_app
from storage.db import Database
from storage.models import Person
from tests.support import Clock, make_app

BASE = "https://refleks.example.dk"


@pytest.fixture
async def client(database: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = make_app(database, Clock(), refleks_public_url=BASE)
    transport = httpx.ASGITransport(app=create_web_app(app))
    async with httpx.AsyncClient(transport=transport, base_url=BASE) as http:
        http.app = app  # type: ignore[attr-defined]
        yield http


async def _person(client: httpx.AsyncClient) -> Person:
    app = client.app  # type: ignore[attr-defined]

    async def unit(session: object) -> Person:
        return await privacy.accept(
            app,
            session,
            language="da",
            display_name="Ane",
            telegram_id=1001,  # type: ignore[arg-type]
        )

    person: Person = await app.db.run(unit)
    return person


async def _link(client: httpx.AsyncClient, person: Person) -> str:
    app = client.app  # type: ignore[attr-defined]
    link: str = await app.db.run(lambda s: web_sign_in.issue_link(app, s, person))
    assert link.startswith(f"{BASE}/signin/")
    return link.rsplit("/", 1)[1]


async def test_a_link_signs_in_once_with_a_safe_cookie(client: httpx.AsyncClient) -> None:
    token = await _link(client, await _person(client))
    shown = await client.get(f"/signin/{token}")
    assert shown.status_code == 200  # opening the address uses nothing up
    first = await client.post("/signin", data={"token": token})
    assert first.status_code == 303
    assert first.headers["location"] == "/me"
    cookie = first.headers["set-cookie"].lower()
    for flag in ("httponly", "samesite=lax", "secure", "path=/"):
        assert flag in cookie, cookie
    assert (await client.get("/me")).status_code == 200

    client.cookies.clear()
    again = await client.post("/signin", data={"token": token})
    assert again.status_code == 400
    assert "Linket virker ikke længere" in again.text


async def test_a_link_expires_after_fifteen_minutes(client: httpx.AsyncClient) -> None:
    token = await _link(client, await _person(client))
    client.app.clock.advance(minutes=15, seconds=1)  # type: ignore[attr-defined]
    late = await client.post("/signin", data={"token": token})
    assert late.status_code == 400
    assert "set-cookie" not in late.headers


async def test_signing_out_and_forgetting_end_the_session(client: httpx.AsyncClient) -> None:
    person = await _person(client)
    await client.post("/signin", data={"token": await _link(client, person)})
    me = await client.get("/me")
    csrf = me.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    out = await client.post("/signout", data={"csrf": csrf})
    assert out.status_code == 200
    assert (await client.get("/me")).headers.get("location") == "/"

    await client.post("/signin", data={"token": await _link(client, person)})
    assert (await client.get("/me")).status_code == 200
    app = client.app  # type: ignore[attr-defined]
    await app.db.run(lambda s: forget.forget(app, s, person))
    assert (await client.get("/me")).headers.get("location") == "/"


async def test_sign_in_attempts_are_rate_limited(client: httpx.AsyncClient) -> None:
    answers = [
        (await client.post("/signin", data={"token": f"guess-{n}"})).status_code for n in range(11)
    ]
    assert answers == [400] * 10 + [429]
    client.app.clock.advance(minutes=1)  # type: ignore[attr-defined]
    assert (await client.post("/signin", data={"token": "guess"})).status_code == 400


def test_init_data_is_checked_against_the_bot_token_and_its_age() -> None:
    from tests.web.init_data import signed_init_data

    now = Clock().now
    token = "123456:real-token-abcdefghijklmnopqrst"
    data = signed_init_data(token, user_id=77, first_name="Ane", signed_at=now)
    assert web_sign_in.telegram_user_id(data, token, now) == 77
    assert web_sign_in.telegram_user_id(data, token + "x", now) is None
    assert web_sign_in.telegram_user_id(data.replace("Ane", "Bo"), token, now) is None
    later = now + web_sign_in.INIT_DATA_MAX_AGE + timedelta(seconds=1)
    assert web_sign_in.telegram_user_id(data, token, later) is None
    assert web_sign_in.telegram_user_id("user=%7B%7D", token, now) is None
