"""`refleks doctor`: check what the bot needs before it runs, one line per check.

Each line says ok, warn, FAIL or skip, what was found, and for a failure what to do.
Nothing is changed: no database file is created, no migration is applied, no update is
fetched from Telegram (only getMe, which a running bot does not notice).
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import typer

from bot.config import ConfigError, Settings, load_settings

if TYPE_CHECKING:
    from storage.db import Database

Status = Literal["ok", "warn", "FAIL", "skip"]
# Long enough for a slow network, short enough that a wrong address does not hang.
CONNECT_SECONDS = 15.0


@dataclass(frozen=True)
class Check:
    name: str
    status: Status
    detail: str
    fix: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "FAIL"

    def line(self) -> str:
        text = f"{self.status:<4}  {self.name:<15} {self.detail}"
        return f"{text} → {self.fix}" if self.fix else text


def _configuration(load: Callable[[], Settings]) -> tuple[Check, Settings | None]:
    try:
        settings = load()
    except ConfigError as exc:
        fix = "correct it in .env or in the environment (see README, Configuration)"
        return Check("configuration", "FAIL", str(exc), fix), None
    backend = "PostgreSQL" if settings.database_url.startswith("postgresql") else "SQLite"
    detail = (
        f"{backend}, language {settings.refleks_language}, time zone "
        f"{settings.refleks_timezone}, quiet hours {settings.refleks_quiet_hours}"
    )
    return Check("configuration", "ok", detail), settings


def _formats() -> Check:
    from dialogues.loader import FormatLoadError, load_catalog

    try:
        catalog = load_catalog()
    except FormatLoadError as exc:
        first = exc.problems[0]
        where = f"{Path(first.file).name}:{first.line or '?'}: {first.field}: {first.message}"
        more = f" (and {len(exc.problems) - 1} more)" if len(exc.problems) > 1 else ""
        return Check("formats", "FAIL", where + more, "run `refleks formats check` for every one")
    return Check("formats", "ok", f"{len(list(catalog))} formats are valid")


def shown_url(url: str) -> str:
    """The database address with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _missing_sqlite_file(url: str) -> Path | None:
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    path = Path(parsed.database)
    return None if path.exists() else path


async def _database(settings: Settings) -> list[Check]:
    """Can we connect; is the schema current; is there someone to create groups."""
    from storage.db import Database

    url = settings.database_url
    missing = _missing_sqlite_file(url)
    if missing is not None:
        fix = "run `refleks db upgrade` (or `refleks run`, which migrates first) to create it"
        return [
            Check("database", "FAIL", f"no database file at {missing}", fix),
            Check("migrations", "skip", "needs the database"),
            Check("administrators", "skip", "needs the database"),
        ]
    database = Database(url)
    try:
        try:
            await asyncio.wait_for(_connect(database), CONNECT_SECONDS)
        except Exception as exc:  # any driver's way of saying no; we name it and move on
            reason = f"{type(exc).__name__}: {exc}".strip().rstrip(":")
            fix = (
                "is the database server running and reachable, and are the host, port, "
                "user and password in DATABASE_URL right?"
            )
            return [
                Check("database", "FAIL", f"cannot connect to {shown_url(url)} ({reason})", fix),
                Check("migrations", "skip", "needs the database"),
                Check("administrators", "skip", "needs the database"),
            ]
        checks = [Check("database", "ok", f"connected to {shown_url(url)}")]
        checks.append(await _migrations(database))
        checks.append(await _administrators(settings, database))
        return checks
    finally:
        await database.dispose()


async def _connect(database: Database) -> None:
    async with database.engine.connect():
        pass


async def _migrations(database: Database) -> Check:
    from storage.migrate import pending_revisions

    try:
        pending = await pending_revisions(database.engine)
    except Exception as exc:  # a schema we cannot read is a failure to report, not a crash
        return Check(
            "migrations",
            "FAIL",
            f"cannot read the schema version ({type(exc).__name__})",
            "run `refleks db upgrade`",
        )
    if not pending:
        return Check("migrations", "ok", "the schema is current")
    names = ", ".join(reversed(pending))
    return Check(
        "migrations",
        "FAIL",
        f"{len(pending)} pending: {names}",
        "run `refleks db upgrade` (`refleks run` also migrates when it starts)",
    )


async def _administrators(settings: Settings, database: Database) -> Check:
    from sqlalchemy.ext.asyncio import AsyncSession

    from storage.repositories import people

    async def stored(session: AsyncSession) -> list[int]:
        return await people.list_administrators(session)

    try:
        found = set(settings.refleks_admins) | set(await database.run(stored))
    except Exception:  # an old schema without the table: the migrations line says why
        return Check("administrators", "skip", "needs a current schema")
    if not found:
        return Check(
            "administrators",
            "warn",
            "none, so nobody can create groups in Telegram",
            "`refleks admin add TELEGRAM_ID`, or set REFLEKS_ADMINS",
        )
    return Check("administrators", "ok", f"{len(found)}")


async def _telegram(settings: Settings) -> Check:
    """Ask Telegram who the token belongs to (getMe)."""
    if settings.telegram_bot_token is None:
        return Check(
            "telegram",
            "skip",
            "TELEGRAM_BOT_TOKEN is not set, so `refleks run` starts the console",
        )
    from telegram import Bot
    from telegram.error import InvalidToken, NetworkError, TelegramError
    from telegram.request import HTTPXRequest

    token = settings.telegram_bot_token.get_secret_value()
    request = HTTPXRequest(connect_timeout=5.0, read_timeout=10.0)
    bot = Bot(token, base_url=settings.telegram_api_url, request=request)
    try:
        async with bot:
            me = bot.bot
    except InvalidToken:
        return Check(
            "telegram",
            "FAIL",
            "Telegram refused the token (401 Unauthorized)",
            "copy the token again from @BotFather (/mybots → API Token) into TELEGRAM_BOT_TOKEN",
        )
    except NetworkError as exc:
        return Check(
            "telegram",
            "FAIL",
            f"cannot reach {settings.telegram_api_url} ({_without(str(exc), token)})",
            "check the network, a proxy or firewall, and TELEGRAM_API_URL",
        )
    except TelegramError as exc:
        return Check(
            "telegram",
            "FAIL",
            f"Telegram answered: {_without(str(exc), token)}",
            "check TELEGRAM_BOT_TOKEN and TELEGRAM_API_URL",
        )
    return Check("telegram", "ok", f"the token belongs to @{me.username} (id {me.id})")


def _without(text: str, token: str) -> str:
    """Never print the token, whole or in part."""
    for secret in (token, token.split(":", 1)[-1]):
        if secret:
            text = text.replace(secret, "<token>")
    return text


async def diagnose(load: Callable[[], Settings] = load_settings) -> list[Check]:
    """Every check, in the order a problem should be fixed."""
    configuration, settings = _configuration(load)
    checks = [configuration, _formats()]
    if settings is None:
        for name in ("database", "migrations", "administrators", "telegram"):
            checks.append(Check(name, "skip", "needs a valid configuration"))
        return checks
    checks += await _database(settings)
    checks.append(await _telegram(settings))
    return checks


def doctor() -> None:
    """Check the configuration, formats, database, migrations and Telegram token."""
    checks = asyncio.run(diagnose())
    for check in checks:
        typer.echo(check.line())
    failed = [c.name for c in checks if c.failed]
    if failed:
        typer.echo(f"\n{len(failed)} check(s) failed: {', '.join(failed)}.", err=True)
        raise typer.Exit(1)
    typer.echo("\nEverything Refleks needs is in place.")
