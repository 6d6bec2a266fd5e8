"""What every `refleks` sub-command shares: settings, the migrated app, one unit of work.

Heavy modules (the application, SQLAlchemy, python-telegram-bot) are imported inside the
functions, so a command loads only what it uses.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, NoReturn, TypeVar

import typer

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App
    from storage.models import Group

T = TypeVar("T")

__all__ = [
    "fail",
    "find_group",
    "load_app",
    "migrate",
    "migrated_app",
    "run_async",
    "run_unit",
    "settings",
]


def fail(message: str, code: int = 2) -> NoReturn:
    """Print MESSAGE on standard error and leave with CODE."""
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    """The configuration, or one line naming what is wrong with it."""
    try:
        return load_settings()
    except ConfigError as exc:
        fail(f"Configuration error: {exc}")


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    """Run a coroutine function to its end on a new event loop."""

    async def main() -> T:
        return await work()

    return asyncio.run(main())


async def migrate(config: Settings, *, always: bool = False) -> None:
    """Apply every pending migration to the configured database.

    Alembic is loaded only when the database is behind the newest migration (or ALWAYS):
    a database that is already current costs one query.
    """
    from storage.db import Database

    database = Database(config.database_url)
    try:
        if always:
            from storage.migrate import upgrade

            await upgrade(database.engine)
        else:
            from storage.revisions import upgrade_if_behind

            await upgrade_if_behind(database.engine)
    finally:
        await database.dispose()


def load_app(config: Settings, *, check_texts: bool = True) -> App:
    """The application, or a list of the broken format files' problems.

    Every format file is always read and checked against the schema. Rendering each text
    of every format against sample answers (CHECK_TEXTS) is for what shows those texts to
    people: the bot and the console. Commands that only read the data skip it.
    """
    from bot.app import App
    from dialogues.loader import FormatLoadError

    try:
        return App.create(config, check_texts=check_texts)
    except FormatLoadError as exc:
        lines = [f"{p.file}:{p.line or '?'}: {p.field}: {p.message}" for p in exc.problems]
        fail("A format file is broken:\n" + "\n".join(lines))


def migrated_app(config: Settings | None = None) -> App:
    """Migrate the database, then load the application on it for a command that reads and
    writes data but shows no format text to anyone (see `load_app`)."""
    config = config or settings()
    run_async(lambda: migrate(config))
    return load_app(config, check_texts=False)


def run_unit(
    work: Callable[[App, AsyncSession], Awaitable[T]],
    app: App | None = None,
    *,
    lang: str = "en",
    code: int = 2,
) -> T:
    """Run WORK as one unit of work (one transaction, retried when the database is busy).

    Without APP, the database is migrated and the application loaded first; the
    application is closed afterwards either way. A service's refusal becomes one line in
    LANG and exit code CODE.
    """
    from bot.i18n import t
    from bot.services.errors import ServiceError

    ready = app or migrated_app()

    async def main() -> T:
        try:
            return await ready.db.run(lambda session: work(ready, session))
        finally:
            await ready.close()

    try:
        return run_async(main)
    except ServiceError as exc:
        fail(t(lang, exc.key, **exc.params), code)


async def find_group(session: AsyncSession, name_or_id: str) -> Group | None:
    """A group by its name, or by its id when no group has that name."""
    from storage.repositories import groups

    found = await groups.by_name(session, name_or_id)
    if found is None and name_or_id.isdigit():
        found = await groups.get(session, int(name_or_id))
    return found
