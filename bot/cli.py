"""The `refleks` command: run the bot, try it in the console, and look after its data."""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, TypeVar

import typer

from bot.config import ConfigError, Settings, load_settings

T = TypeVar("T")

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    help="Refleks: reflective dialogues for teams and networks of teachers.",
)
db_cli = typer.Typer(no_args_is_help=True, help="Database: migrate, back up, restore.")
formats_cli = typer.Typer(no_args_is_help=True, help="Dialogue formats: list, check, show.")
group_cli = typer.Typer(no_args_is_help=True, help="Teams and networks.")
cli.add_typer(db_cli, name="db")
cli.add_typer(formats_cli, name="formats")
cli.add_typer(group_cli, name="group")


def fail(message: str, code: int = 2) -> None:
    typer.echo(message, err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        return load_settings()
    except ConfigError as exc:
        fail(f"Configuration error: {exc}")
        raise AssertionError("unreachable") from exc


def run_async(work: Callable[[], Awaitable[T]]) -> T:
    return asyncio.run(work())  # type: ignore[arg-type]


async def _migrate(config: Settings) -> None:
    from storage.db import Database
    from storage.migrate import upgrade

    database = Database(config.database_url)
    try:
        await upgrade(database.engine)
    finally:
        await database.dispose()


def _load_app(config: Settings) -> object:
    from bot.app import App
    from dialogues.loader import FormatLoadError

    try:
        return App.create(config)
    except FormatLoadError as exc:
        lines = [f"{p.file}:{p.line or '?'}: {p.field}: {p.message}" for p in exc.problems]
        fail("A format file is broken:\n" + "\n".join(lines))
        raise AssertionError("unreachable") from exc


@cli.command()
def run() -> None:
    """Migrate the database and start the bot (the console when no token is set)."""
    from bot.logs import REDACTOR, setup_logging

    config = settings()
    setup_logging(config.refleks_log_level)
    if config.telegram_bot_token is not None:
        REDACTOR.add_secret(config.telegram_bot_token.get_secret_value())
    run_async(lambda: _migrate(config))
    if config.telegram_bot_token is None:
        typer.echo(
            "No TELEGRAM_BOT_TOKEN is set, so Refleks starts in the console.\n"
            "To run it on Telegram, create a bot with @BotFather, put its token in .env as\n"
            "TELEGRAM_BOT_TOKEN=..., and run `make run` again (see README.md).\n",
            err=True,
        )
        _console(config)
        return
    from bot.telegram.runner import run_polling

    run_polling(_load_app(config))  # type: ignore[arg-type]


@cli.command()
def chat(
    name: Annotated[str, typer.Option(help="Who you are in the console")] = "console",
    lang: Annotated[str, typer.Option(help="da or en")] = "",
) -> None:
    """Try Refleks in this terminal, on the configured database."""
    config = settings()
    run_async(lambda: _migrate(config))
    _console(config, handle=name, lang=lang or None)


def _console(config: Settings, handle: str = "console", lang: str | None = None) -> None:
    from bot.console import run_console

    app = _load_app(config)
    code = run_async(lambda: run_console(app, handle=handle, lang=lang))  # type: ignore[arg-type]
    raise typer.Exit(code)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    config = settings()
    run_async(lambda: _migrate(config))
    typer.echo("The database schema is up to date.")


@db_cli.command("backup")
def db_backup(target: Path) -> None:
    """Copy the embedded SQLite database to FILE while the bot keeps running."""
    from storage.backup import backup

    config = settings()
    try:
        pages = backup(config.database_url, target)
    except (ValueError, FileNotFoundError) as exc:
        fail(f"Backup failed: {exc}")
    typer.echo(f"Backed up {pages} pages to {target}.")


@db_cli.command("restore")
def db_restore(source: Path) -> None:
    """Replace the embedded SQLite database with a backup (stop the bot first)."""
    from storage.backup import restore

    config = settings()
    try:
        restore(config.database_url, source)
    except (ValueError, FileNotFoundError) as exc:
        fail(f"Restore failed: {exc}")
    run_async(lambda: _migrate(config))
    typer.echo(f"Restored from {source}.")


def main() -> None:
    """Console-script entry point."""
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
