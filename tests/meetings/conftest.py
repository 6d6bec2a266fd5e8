"""Fixtures: an app on each database with a settable clock, a world, a recording sender."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.db import Database
from tests.meetings.support import MONDAY, RecordingSender, World, build_world
from tests.support import Clock, make_app


@pytest.fixture
def clock() -> Clock:
    return Clock(MONDAY)


@pytest.fixture
def app(database: Database, clock: Clock) -> App:
    return make_app(database, clock)


@pytest.fixture
async def world(app: App) -> World:
    return await build_world(app)


@pytest.fixture
def sender() -> RecordingSender:
    return RecordingSender()
