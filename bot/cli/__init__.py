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
