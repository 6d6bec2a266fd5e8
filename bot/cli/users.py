"""`refleks user export|forget TELEGRAM_ID`: the operator's side of see-export-delete.

For requests that reach the data controller outside the bot (a letter, an e-mail): the
same use cases as /mydata and /forget.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

user_cli = typer.Typer(no_args_is_help=True, help="A person's data: export it, or forget them.")


@user_cli.command("export")
def user_export(
    telegram_id: int,
    out: Annotated[
        Path | None, typer.Option(help="Folder for the .json and .html files (else JSON on stdout)")
    ] = None,
) -> None:
    """Print everything kept about a person as JSON, or write the JSON and HTML files."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.cli.common import fail, migrated_app, run_async
    from bot.services.export import Export, export_by_telegram

    app = migrated_app()

    async def work() -> Export | None:
        async def unit(session: AsyncSession) -> Export | None:
            return await export_by_telegram(app, session, telegram_id)

        try:
            return await app.db.run(unit)
        finally:
            await app.close()

    made = run_async(work)
    if made is None:
        fail(f"Nobody with Telegram id {telegram_id} is stored.", code=1)
    if out is None:
        typer.echo(made.json.decode())
        return
    out.mkdir(parents=True, exist_ok=True)
    for suffix, data in (("json", made.json), ("html", made.html)):
        path = out / f"{made.stem}-{telegram_id}.{suffix}"
        path.write_bytes(data)
        typer.echo(f"Wrote {path}")


@user_cli.command("forget")
def user_forget(
    telegram_id: int,
    yes: Annotated[bool, typer.Option("--yes", help="Do not ask for confirmation")] = False,
) -> None:
    """Delete everything about a person, as /forget does; frozen aggregates stay."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.cli.common import fail, migrated_app, run_async
    from bot.services.forget import Forgotten, forget_by_telegram

    if not yes and not typer.confirm(
        f"Delete everything about Telegram id {telegram_id}? This cannot be undone."
    ):
        fail("Nothing was deleted.", code=1)
    app = migrated_app()

    async def work() -> Forgotten | None:
        async def unit(session: AsyncSession) -> Forgotten | None:
            return await forget_by_telegram(app, session, telegram_id)

        try:
            return await app.db.run(unit)
        finally:
            await app.close()

    done = run_async(work)
    if done is None:
        fail(f"Nobody with Telegram id {telegram_id} is stored.", code=1)
    typer.echo(
        f"Forgot Telegram id {telegram_id}: {done.answers} answers, {done.reflections} "
        f"reflections, {done.next_steps} next steps, {done.memberships} memberships, "
        f"{done.messages} pending messages, {done.consents} consent records."
    )
    typer.echo(
        f"Kept: {done.aggregates_kept} frozen anonymous aggregates in their groups "
        "(never attributable to anyone), and the groups, meetings and invites they created "
        "(without the link to them)."
    )
    if done.sole_facilitator_of:
        typer.echo("Now without a facilitator: " + ", ".join(done.sole_facilitator_of))
