"""`refleks web link TELEGRAM_ID`: a one-time sign-in link for someone, from the operator."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

web_cli = typer.Typer(no_args_is_help=True, help="The web part: sign-in links.")


def register(cli: typer.Typer) -> None:
    cli.add_typer(web_cli, name="web")


@web_cli.command("link")
def link(
    telegram_id: Annotated[int, typer.Argument(help="The person's Telegram id")],
) -> None:
    """Print a sign-in link for the person (valid once, for 15 minutes)."""
    from bot.cli.common import run_unit
    from bot.services import web_sign_in
    from bot.services.errors import NotFound
    from storage.repositories import people

    async def work(app: App, session: AsyncSession) -> str:
        person = await people.by_telegram_id(session, telegram_id)
        if person is None:
            raise NotFound("web.cli_unknown")
        return await web_sign_in.issue_link(app, session, person)

    typer.echo(run_unit(work))
