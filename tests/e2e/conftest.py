"""End-to-end fixtures: the real Refleks application against the fake Bot API over HTTP."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from bot.app import App
from bot.telegram.builder import build_application
from storage.db import Database
from tests.fakebot.ptb import running_application
from tests.fakebot.server import FakeBotApi
from tests.support import Clock, make_app


@dataclass
class Harness:
    fake: FakeBotApi
    app: App
    clock: Clock


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
async def bot(
    fake_bot_api: FakeBotApi, database: Database, clock: Clock
) -> AsyncIterator[Harness]:
    """Refleks, started and polling the fake; stopped after the test."""
    app = make_app(database, clock)
    application = build_application(
        app,
        token=fake_bot_api.token,
        base_url=fake_bot_api.base_url,
        base_file_url=fake_bot_api.base_file_url,
    )
    async with running_application(fake_bot_api, application):
        yield Harness(fake=fake_bot_api, app=app, clock=clock)
