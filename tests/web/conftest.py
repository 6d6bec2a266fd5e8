"""Browser fixtures: Refleks (bot and web part) on the fake Bot API, and a real Chromium.

The browser is the system's Chromium (Debian's `chromium` package; `.ci/run` installs it),
driven by Playwright. Without it these tests fail: they are the web part's proof.
axe-core comes from npm at the version pinned in tests/web/axe/package-lock.json.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import socket
import subprocess
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.async_api import Page, async_playwright

from bot.app import App
from bot.services import web_sign_in
from bot.web.app import create_web_app
from bot.web.server import EmbeddedServer, web_server
from storage.db import Database
from storage.repositories import people
from tests.e2e.conftest import Harness
from tests.fakebot.server import FakeBotApi
from tests.fakebot.world import User
from tests.support import Clock, make_app

CHROMIUM = os.environ.get("REFLEKS_CHROMIUM", "/usr/bin/chromium")
AXE = Path(__file__).parent / "axe"
AXE_SCRIPT = AXE / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = Path(__file__).parents[2] / "docs" / "skaermbilleder"
LINK = re.compile(r"https?://[^\s\"<]+/signin/[A-Za-z0-9_-]+")


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's script, installed from the lock file on first use."""
    if not AXE_SCRIPT.exists():
        npm = shutil.which("npm")
        if npm is None:
            pytest.fail("npm is needed to install axe-core for the accessibility checks")
        subprocess.run(  # noqa: S603 (a fixed command)
            [npm, "ci", "--no-audit", "--no-fund", "--silent"], cwd=AXE, check=True
        )
    return AXE_SCRIPT.read_text(encoding="utf-8")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Site:
    """The running bot and web part, a browser page, and what the tests do with them."""

    bot: Harness
    server: EmbeddedServer
    page: Page
    axe: str
    base: str

    @property
    def fake(self) -> FakeBotApi:
        return self.bot.fake

    async def link_from_chat(self, user: User) -> str:
        """Send /web in the chat and read the sign-in link out of the answer."""
        await self.fake.send_text(user, "/web")
        message = await self.fake.wait_for_message(user)
        found = LINK.search(message.text or "")
        assert found is not None, message.text
        return found.group(0)

    async def sign_in(self, user: User) -> None:
        await self.page.goto(await self.link_from_chat(user))
        await self.accessible()
        await self.page.get_by_role("button", name="Log ind").click()
        await self.page.wait_for_url(f"{self.base}/me")

    async def accessible(self) -> None:
        """axe-core in the page: no serious or critical violation of WCAG 2.1 A/AA."""
        await self.page.evaluate(self.axe)  # evaluated by the driver, so the CSP allows it
        found: list[dict[str, Any]] = await self.page.evaluate(
            """async () => {
                const result = await axe.run(document, {
                    runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]},
                });
                return result.violations.map(v => ({
                    id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" ")),
                }));
            }"""
        )
        serious = [v for v in found if v["impact"] in {"serious", "critical"}]
        assert not serious, f"{self.page.url}: {serious}"

    async def screenshot(self, name: str) -> bytes:
        """A picture of the page; with REFLEKS_SCREENSHOTS=1 it is kept for the participant
        guide in docs/skaermbilleder (so an ordinary test run leaves the checkout alone)."""
        picture = await self.page.screenshot(full_page=True)
        if os.environ.get("REFLEKS_SCREENSHOTS") == "1":
            SCREENSHOTS.mkdir(parents=True, exist_ok=True)
            (SCREENSHOTS / f"{name}.png").write_bytes(picture)
        return picture


@pytest.fixture(scope="session")
def chromium() -> str:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"No Chromium at {CHROMIUM}: install Debian's chromium and chromium-driver "
            "(`apt-get install chromium chromium-driver`, as .ci/run does)."
        )
    return CHROMIUM


async def sign_in_over_http(http: httpx.AsyncClient, app: App, person_id: int) -> None:
    """Sign in as the person in a fresh browser (by a one-time link, as /web gives one)."""
    http.cookies.clear()

    async def link(session: Any) -> str:
        found = await people.get(session, person_id)
        assert found is not None
        return await web_sign_in.issue_link(app, session, found)

    token = (await app.db.run(link)).rsplit("/", 1)[1]
    signed = await http.post("/signin", data={"token": token})
    assert signed.status_code == 303, signed.text


@asynccontextmanager
async def browsing(
    app: App, *, chromium: str, axe: str, bot: Harness | None = None
) -> AsyncIterator[Site]:
    """The web part of `app` served by uvicorn, and Chromium at a phone's width on it."""
    server = web_server(app.settings, create_web_app(app))
    serving = asyncio.create_task(server.serve())
    try:
        await asyncio.wait(
            [serving, asyncio.ensure_future(server.ready.wait())],
            return_when=asyncio.FIRST_COMPLETED,
        )
        assert server.started, "the web part did not start"
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(
                executable_path=chromium, args=["--no-sandbox"]
            )
            context = await browser.new_context(
                viewport={"width": 420, "height": 860}, locale="da-DK"
            )
            page = await context.new_page()
            try:
                yield Site(
                    bot=bot,  # type: ignore[arg-type]
                    server=server,
                    page=page,
                    axe=axe,
                    base=app.settings.public_url,
                )
            finally:
                await browser.close()
    finally:
        server.stop()
        await serving


@pytest.fixture
async def site(
    fake_bot_api: FakeBotApi, database: Database, axe_source: str, chromium: str
) -> AsyncIterator[Site]:
    port = _free_port()
    clock = Clock()
    app = make_app(
        database,
        clock,
        refleks_web_port=port,
        telegram_bot_token=fake_bot_api.token,
    )
    harness = Harness(fake=fake_bot_api, app=app, clock=clock)
    await harness.start()
    try:
        async with browsing(app, chromium=chromium, axe=axe_source, bot=harness) as found:
            yield found
    finally:
        await harness.stop()
