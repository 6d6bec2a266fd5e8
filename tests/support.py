"""Helpers shared by tests: a settable clock and an App on a test database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from bot.app import App
from bot.config import Settings
from dialogues.loader import load_catalog
from storage.db import Database


@dataclass
class Clock:
    """Time as the test says it is; never the machine's."""

    now: datetime = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        self.now += timedelta(**delta)
        return self.now


def make_app(database: Database, clock: Clock | None = None, **settings: object) -> App:
    config = Settings(
        _env_file=None,  # type: ignore[call-arg]
        database_url=database.url,
        **settings,  # type: ignore[arg-type]
    )
    return App(settings=config, db=database, catalog=load_catalog(), clock=clock or Clock())
