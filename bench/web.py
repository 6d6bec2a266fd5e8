"""The web part under load: 50 people fill in "Roller og relationer" as a form at once.

Each person signs in with a one-time link and takes the whole reflection page by page (each
page holds every question up to the next one whose answer decides what follows) over
real HTTP against uvicorn, as a browser without JavaScript would (a post, then the page it
is sent on to). The server time of every request (from the moment uvicorn hands it to the
application until the answer is sent) is recorded, on SQLite and on PostgreSQL. The
clients run in a process of their own, so the server's loop serves only requests. The
figures include a request waiting for the loop while others are served (50 people share
one process). The aim: p95 server time per request at most 50 ms on both.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import random
import re
import statistics
import time
from datetime import UTC, datetime
from typing import Any

import httpx

PEOPLE = 50
# Seconds a person spends reading and typing before each click or post (drawn evenly from
# this range; real people take much longer, so this is a heavy load). Everyone opens their
# link at the same moment; the pauses then spread them out as they would be.
THINK = (2.0, 4.0)
AIM_P95_MS = 50.0
ANSWER = "Vi aftalte, hvem der gjorde hvad, og eleverne tog ansvar for en del af besøget."
_CSRF = re.compile(
    r'<form method="post" action="/reflect/now"[^>]*>\s*<input type="hidden" '
    r'name="csrf" value="([^"]+)">\s*<input type="hidden" name="turn" value="(\d+)">'
)
_START_CSRF = re.compile(
    r'action="/reflect/start">\s*<input type="hidden" name="csrf" value="([^"]+)"'
)
_GROUP = re.compile(r'name="group" value="(\d+)"')
_AFTER = re.compile(r'value="(\d+)">\s*<label for="s\d+-option-\d+">Efter besøget</label>')
_STEP = re.compile(r'<fieldset id="(s\d+)">')


class Timed:
    """Pure ASGI wrapper: the server time of every HTTP request, in seconds."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.times: list[float] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        began = time.perf_counter()
        try:
            await self.app(scope, receive, send)
        finally:
            if scope["type"] == "http":
                self.times.append(time.perf_counter() - began)


async def _person(base: str, link: str) -> int:
    """Sign in and fill in the whole form; the number of requests it took."""
    token = link.rsplit("/", 1)[1]
    requests = 0
    async with httpx.AsyncClient(base_url=base, follow_redirects=True, timeout=60) as client:
        # As a person does it: open the link, press "Log ind", look at the own page, choose
        # "Begynd en ny refleksion", pick the format and begin, reading before each click.
        await client.get(f"/signin/{token}")
        await asyncio.sleep(random.uniform(*THINK))
        page = await client.post("/signin", data={"token": token})
        requests += 3
        await asyncio.sleep(random.uniform(*THINK))
        page = await client.get("/reflect")
        requests += 1
        start = _START_CSRF.search(page.text)
        group = _GROUP.search(page.text)
        assert start, "no start form"
        assert group, "no group in the start form"
        await asyncio.sleep(random.uniform(*THINK))
        page = await client.post(
            "/reflect/start",
            data={
                "csrf": start.group(1),
                "group": group.group(1),
                "format": "roller-og-relationer",
            },
        )
        requests += 2
        while "/reflect/now" in str(page.url):
            found = _CSRF.search(page.text)
            assert found, "no step form"
            data = {"csrf": found.group(1), "turn": found.group(2), "action": "answer"}
            # A page holds every question up to the next one that decides what follows.
            for step in _STEP.findall(page.text):
                after = _AFTER.search(page.text)
                if f'id="{step}-option-0"' in page.text:
                    picked = after.group(1) if after and f"{step}-option" in after.group(0) else "0"
                    data[f"{step}-option"] = picked
                elif f'id="{step}-answer"' in page.text:
                    dated = f'id="{step}-date-help"' in page.text
                    data[f"{step}-value"] = "om to uger" if dated else ANSWER
            await asyncio.sleep(random.uniform(*THINK))
            page = await client.post("/reflect/now", data=data)
            requests += 2
        assert "/me/reflections/" in str(page.url), (page.status_code, page.text[-1500:])
    return requests


def _clients(base: str, links: list[str]) -> list[int]:
    async def everyone() -> list[int]:
        return list(await asyncio.gather(*(_person(base, link) for link in links)))

    return asyncio.run(everyone())


def _in_a_process(base: str, links: list[str]) -> list[int]:
    context = multiprocessing.get_context("spawn")
    with context.Pool(1) as pool:
        return pool.apply(_clients, (base, links))


async def run_backend(db: str) -> dict[str, Any]:
    from bench.throughput import _database
    from bot.app import App
    from bot.config import Settings
    from bot.services import privacy, web_sign_in
    from bot.services.membership import create_group
    from bot.web.app import create_web_app
    from bot.web.server import web_server
    from dialogues.loader import load_catalog
    from storage.enums import GroupKind, Role
    from storage.repositories import groups

    database, cleanup = await _database(db)
    settings = Settings(  # type: ignore[call-arg]
        _env_file=None, database_url=database.url, refleks_web_port=0
    )
    app = App(
        settings=settings, db=database, catalog=load_catalog(), clock=lambda: datetime.now(UTC)
    )

    async def onboard(session: Any) -> list[str]:
        team, _ = await create_group(app, session, name="Bench", kind=GroupKind.team)
        links = []
        for number in range(PEOPLE):
            person = await privacy.accept(
                app, session, language="da", display_name=f"P{number}", telegram_id=9000 + number
            )
            await groups.add_member(
                session, group_id=team.id, person_id=person.id, role=Role.participant, now=app.now()
            )
            links.append(await web_sign_in.issue_link(app, session, person))
        return links

    links = await database.run(onboard)
    timed = Timed(create_web_app(app))
    # Everyone signs in from one address here; lift the per-address limit for the run.
    timed.app.state.sign_in_limiter.limit = PEOPLE * 2
    server = web_server(settings, timed)
    serving = asyncio.create_task(server.serve())
    await server.ready.wait()
    base = f"http://127.0.0.1:{server.port}"
    try:
        began = time.perf_counter()
        counts = await asyncio.to_thread(_in_a_process, base, links)
        wall = time.perf_counter() - began
    finally:
        server.stop()
        await serving
        await cleanup()
    times = sorted(t * 1000 for t in timed.times)
    p95 = times[int(len(times) * 0.95) - 1]
    return {
        "backend": db,
        "people": PEOPLE,
        "requests": sum(counts),
        "wall_seconds": round(wall, 1),
        "median_ms": round(statistics.median(times), 1),
        "p95_ms": round(p95, 1),
        "max_ms": round(times[-1], 1),
        "aim_p95_ms": AIM_P95_MS,
        "met": p95 <= AIM_P95_MS,
    }


async def main() -> list[dict[str, Any]]:
    from bench._postgres import Unreachable

    results = []
    for db in ("sqlite", "postgresql"):
        try:
            result = await run_backend(db)
        except Unreachable as exc:
            result = {"backend": db, "skipped": str(exc)}
        print(result, flush=True)
        results.append(result)
    return results
