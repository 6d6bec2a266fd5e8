"""The application's shared parts, built once at start and handed to every use case."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime

from bot.config import Settings
from dialogues.loader import Catalog, load_catalog
from storage.db import Database
from storage.locks import AdvisoryLocks


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class App:
    """Settings, database, format catalog and clock: what every service needs."""

    settings: Settings
    db: Database
    catalog: Catalog
    clock: Callable[[], datetime] = utc_now
    bot_username: str | None = None
    extras: dict[str, object] = field(default_factory=dict)

    def now(self) -> datetime:
        return self.clock()

    @property
    def locks(self) -> AdvisoryLocks:
        """Locks shared by every process on the database (made on first use)."""
        locks = self.extras.get("locks")
        if not isinstance(locks, AdvisoryLocks):
            locks = self.extras["locks"] = AdvisoryLocks(self.db)
        return locks

    @classmethod
    def create(
        cls,
        settings: Settings,
        *,
        clock: Callable[[], datetime] = utc_now,
        check_texts: bool = True,
    ) -> App:
        """Build the parts; a broken format file raises FormatLoadError naming file and line.

        Without CHECK_TEXTS the format texts are not rendered against sample answers (see
        `dialogues.loader.load_catalog`): for work that shows none of them to anyone.
        """
        return cls(
            settings=settings,
            db=Database(settings.database_url),
            catalog=load_catalog(check_texts=check_texts),
            clock=clock,
        )

    async def close(self) -> None:
        await self.db.dispose()
