"""Fixtures for summaries: an app on the test database with a settable clock."""

from __future__ import annotations

import pytest

from bot.app import App
from storage.db import Database
from tests.support import Clock, make_app


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def app(database: Database, clock: Clock) -> App:
    return make_app(database, clock)
