"""The `refleks` command: run the bot, try it in the console, and look after its data.

Each sub-module holds one family of commands; this is the one place they are put
together, in the order `refleks --help` lists them.
"""

from __future__ import annotations

import sys

from bot.cli.admin import admin_cli
from bot.cli.core import cli
from bot.cli.meetings import register as register_meetings
from bot.cli.summary import register as register_summary
from bot.cli.users import user_cli
from bot.cli.web import register as register_web
from bot.doctor import doctor

__all__ = ["cli", "main"]

register_summary(cli)
register_meetings(cli)
register_web(cli)
cli.add_typer(user_cli, name="user")
cli.add_typer(admin_cli, name="admin")
cli.command("doctor")(doctor)


def main() -> None:
    """Console-script entry point."""
    try:
        cli()
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception as exc:
        line = unreachable_database(exc)
        if line is None:
            raise
        sys.stderr.write(line + "\n")
        sys.exit(1)


def unreachable_database(exc: BaseException) -> str | None:
    """One line for a database that cannot be reached or opened, else None.

    Connection failures surface as the driver's own errors (refused, unknown host, wrong
    password, a file that cannot be opened), often wrapped by SQLAlchemy; a person running
    a command needs what to check, not the driver's traceback.
    """
    from bot.doctor import shown_url

    seen: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in seen:
        seen.append(current)
        current = current.__cause__ or current.__context__
    if not any(_says_unreachable(e) for e in seen):
        return None
    reason = f"{type(seen[-1]).__name__}: {seen[-1]}".strip().rstrip(":").splitlines()[0]
    try:
        from bot.config import load_settings

        where = shown_url(load_settings().database_url)
    except Exception:  # the configuration's own error is reported by the command itself
        where = "the database"
    return (
        f"Cannot reach {where} ({reason}). Is the database server running, and are the "
        "host, port, user and password in DATABASE_URL right? `refleks doctor` checks it."
    )


# Errors about files of our own (an --out path, a backup), not about reaching the database.
_FILE_ERRORS = (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError)


def _says_unreachable(exc: BaseException) -> bool:
    if isinstance(exc, OSError) and not isinstance(exc, (*_FILE_ERRORS, PermissionError)):
        return True  # refused, unknown host, unreachable network, timed out
    if type(exc).__name__ in (
        "gaierror",
        "CannotConnectNowError",
        "InvalidPasswordError",
        "InvalidAuthorizationSpecificationError",
        "InvalidCatalogNameError",
        "ConnectionDoesNotExistError",
    ):
        return True
    message = str(exc)
    return type(exc).__name__ == "OperationalError" and (
        "unable to open database file" in message or "could not connect" in message
    )
