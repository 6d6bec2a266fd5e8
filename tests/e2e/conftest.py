"""End-to-end fixtures: the real Refleks application against the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest
from telegram.ext import Application

from bot.app import App
from bot.telegram.builder import build_application
from bot.telegram.flood import UpdateGuard
from storage.db import Database
from tests.fakebot.ptb import running_application
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app


@dataclass
class Harness:
    """The fake server, the running application and what it is built on."""

    fake: FakeBotApi
    app: App
    clock: Clock
    application: Application[Any, Any, Any, Any, Any, Any] | None = None
    _stack: AsyncExitStack = field(default_factory=AsyncExitStack)

    async def start(self) -> None:
        self.application = build_application(
            self.app,
            token=self.fake.token,
            base_url=self.fake.base_url,
            base_file_url=self.fake.base_file_url,
        )
        await self._stack.enter_async_context(running_application(self.fake, self.application))
        # run_polling() calls post_init in production; started by hand, we call it ourselves,
        # so command menus, the bot's name and the scheduled jobs are set up as for real.
        if self.application.post_init is not None:
            await self.application.post_init(self.application)

    async def stop(self) -> None:
        application = self.application
        await self._stack.aclose()
        self._stack = AsyncExitStack()
        self.application = None
        if application is not None and application.post_shutdown is not None:
            await application.post_shutdown(application)

    async def restart(self) -> None:
        """Stop the bot as a crash or a deploy would, and start a fresh one on the same data."""
        await self.stop()
        await self.start()

    def update_guard(self) -> UpdateGuard:
        """The flood guard the builder registered, to give it a test clock."""
        assert self.application is not None
        for handler in self.application.handlers[-1]:
            owner = getattr(handler.callback, "__self__", None)
            if isinstance(owner, UpdateGuard):
                return owner
        raise AssertionError("no update guard is registered")


@asynccontextmanager
async def started(fake: FakeBotApi, database: Database, clock: Clock) -> AsyncIterator[Harness]:
    """Refleks on `database`, started and polling the fake; stopped on exit."""
    harness = Harness(fake=fake, app=make_app(database, clock), clock=clock)
    await harness.start()
    try:
        yield harness
    finally:
        await harness.stop()


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(fake_bot_api: FakeBotApi, database: Database, clock: Clock) -> AsyncIterator[Harness]:
    """Refleks, started and polling the fake; stopped after the test."""
    async with started(fake_bot_api, database, clock) as harness:
        yield harness
