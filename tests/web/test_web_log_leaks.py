"""The web part's log records, at DEBUG from every logger, hold no answer and no secret.

Over real HTTP to the embedded uvicorn server: a person opens a sign-in link, signs in,
takes a reflection as a form with answers nobody else would write (one of them refused for
a CPR number), edits an answer, downloads their data and forgets it all. No record may
carry those words, the sign-in token, the session cookie, the CSRF token or the bot token.
"""

from __future__ import annotations

import asyncio
import re
import socket
from typing import Any

import httpx

from bot.services import web_sign_in
from bot.web.app import create_web_app
from bot.web.server import web_server
from storage.db import Database
from storage.enums import Role
from tests.admin.support import group, member, person
from tests.e2e.test_log_leaks import Everything, every_log  # noqa: F401 (a fixture)
from tests.support import Clock, make_app

SECRETS = (
    "Glasfrøen i terrariet talte om fotosyntese 7315",
    "Vi lod eleverne styre kompasløbet: pingvin-strategi 9902",
    "Mosskildpadden viste vej til det fælles ansvar 4471",
)
CPR = "241299-1235"
EDITED = "Vandrestaven fik en ny rolle i klassens regnskov 6620"
_TURN = re.compile(r'name="turn" value="(\d+)"')
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')
_FIELDSET = re.compile(r'<fieldset id="s(\d+)">')
_ANSWER = re.compile(r"/me/answers/(\d+)")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def _take_the_form(http: httpx.AsyncClient, csrf: str) -> str:
    """Answer every page of the form the generic way a person might; the playback page."""
    texts = iter(SECRETS)
    tried_cpr = False
    for _ in range(30):
        page = await http.get("/reflect/now")
        if page.status_code == 303:
            break
        turn = _TURN.search(page.text)
        assert turn is not None, page.text[:500]
        data: dict[str, str] = {"csrf": csrf, "turn": turn.group(1), "action": "answer"}
        for index in _FIELDSET.findall(page.text):
            if f'<textarea id="s{index}-answer"' in page.text:
                data[f"s{index}-value"] = next(texts, "Et almindeligt svar uden hemmeligheder")
            elif f'id="s{index}-answer"' in page.text:
                data[f"s{index}-value"] = "om to uger"
            elif option := re.search(rf'name="s{index}-option" value="(\d+)"', page.text):
                data[f"s{index}-option"] = option.group(1)
        typed = [name for name in data if name.endswith("-value")]
        if typed and not tried_cpr:
            tried_cpr = True
            refused = await http.post(
                "/reflect/now", data={**data, typed[0]: f"Eleven med {CPR} var med"}
            )
            assert refused.status_code == 422
            assert "CPR" in refused.text
            texts = iter(SECRETS)  # nothing of this page from the refused field on is saved
            continue
        sent = await http.post("/reflect/now", data=data)
        assert sent.status_code == 303, sent.text[:500]
        if "/me/reflections/" in sent.headers["location"]:
            return (await http.get(sent.headers["location"])).text
    raise AssertionError("the form never finished")


async def test_no_answer_and_no_secret_in_the_web_parts_logs(
    database: Database,
    every_log: Everything,  # noqa: F811 (the fixture imported above)
) -> None:
    clock = Clock()
    port = _free_port()
    app = make_app(database, clock, refleks_web_port=port, telegram_bot_token="4242:web-secret")

    async def seed(session: Any) -> tuple[Any, int]:
        team = await group(app, session, "Team 4A")
        ane = await person(app, session, "Ane", 7001)
        await member(app, session, team, ane, Role.participant)
        return ane, team.id

    ane, team_id = await app.db.run(seed)
    link = await app.db.run(lambda s: web_sign_in.issue_link(app, s, ane))
    sign_in_token = link.rsplit("/", 1)[1]
    server = web_server(app.settings, create_web_app(app), port=port)
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.wait(
            [serving, asyncio.ensure_future(server.ready.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as http:
            assert (await http.get(f"/signin/{sign_in_token}")).status_code == 200
            signed = await http.post("/signin", data={"token": sign_in_token})
            assert signed.status_code == 303
            cookie = http.cookies["refleks_session"]
            me = await http.get("/me")
            csrf_found = _CSRF.search(me.text)
            assert csrf_found is not None
            csrf = csrf_found.group(1)
            started = await http.post(
                "/reflect/start",
                data={"csrf": csrf, "group": str(team_id), "format": "roller-og-relationer"},
            )
            assert started.status_code == 303
            playback = await _take_the_form(http, csrf)
            assert SECRETS[0] in playback
            first = _ANSWER.findall(playback)
            for answer_id in first:
                edited = await http.post(
                    f"/me/answers/{answer_id}",
                    data={"csrf": csrf, "action": "edit", "value": EDITED},
                )
                if edited.status_code == 303:
                    break
            else:
                raise AssertionError("no answer could be edited")
            assert EDITED in (await http.get(edited.headers["location"])).text
            assert SECRETS[1] in (await http.get("/me/data/refleks.json")).text
            forged = await http.post("/me/forget", data={"csrf": "forged", "confirm": "yes"})
            assert forged.status_code == 403
            gone = await http.post("/me/forget", data={"csrf": csrf, "confirm": "yes"})
            assert gone.status_code == 200
    finally:
        server.stop()
        await serving

    needles = (*SECRETS, EDITED, CPR, sign_in_token, cookie, csrf, "web-secret")
    # httpx and httpcore are the browser's side here (the server does not use them).
    served = [line for line in every_log.lines if not line.startswith(("httpx", "httpcore"))]
    leaks = [(needle[:30], line[:300]) for line in served for needle in needles if needle in line]
    assert leaks == []
    # The capture saw the server and the database at DEBUG, so silence means something.
    names = {r.name for r in every_log.records}
    assert any(n.startswith("uvicorn") for n in names), names
    assert any(n.startswith(("aiosqlite", "asyncpg", "sqlalchemy")) for n in names), names
