"""`refleks admin add|remove|list`: who may create networks and teams in Telegram.

Administrators are the Telegram ids in REFLEKS_ADMINS plus those added here (kept in the
database, so no restart is needed). A person finds their Telegram id in the file /mydata
sends them ("telegram_id").
"""

from __future__ import annotations

import typer

admin_cli = typer.Typer(
    no_args_is_help=True, help="Administrators: who may create groups and appoint roles."
)


def _run_work(work_name: str, telegram_id: int) -> bool:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.cli.common import migrated_app, run_async
    from bot.services import admin

    app = migrated_app()

    async def work() -> bool:
        async def unit(session: AsyncSession) -> bool:
            if work_name == "add":
                return await admin.add_administrator(app, session, telegram_id)
            return await admin.remove_administrator(session, telegram_id)

        try:
            return await app.db.run(unit)
        finally:
            await app.close()

    return run_async(work)


@admin_cli.command("add")
def admin_add(telegram_id: int) -> None:
    """Make a Telegram account an administrator."""
    if _run_work("add", telegram_id):
        typer.echo(f"Telegram id {telegram_id} is now an administrator.")
    else:
        typer.echo(f"Telegram id {telegram_id} was an administrator already.")
    typer.echo("They can now use /newgroup and /groups in a private chat with the bot.")


@admin_cli.command("remove")
def admin_remove(telegram_id: int) -> None:
    """Stop a Telegram account being an administrator (added with `admin add`)."""
    from bot.cli.common import fail, settings

    if _run_work("remove", telegram_id):
        typer.echo(f"Telegram id {telegram_id} is no longer an administrator.")
        return
    if telegram_id in settings().refleks_admins:
        fail(
            f"Telegram id {telegram_id} is an administrator through REFLEKS_ADMINS; "
            "take it out of that setting and restart the bot.",
            code=1,
        )
    fail(f"Telegram id {telegram_id} was not an administrator.", code=1)


@admin_cli.command("list")
def admin_list() -> None:
    """List every administrator, where they come from, and the name the bot knows."""
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.cli.common import migrated_app, run_async
    from bot.services import admin

    app = migrated_app()

    async def work() -> list[tuple[int, str, str]]:
        async def unit(session: AsyncSession) -> list[tuple[int, str, str]]:
            return await admin.listed_administrators(app, session)

        try:
            return await app.db.run(unit)
        finally:
            await app.close()

    found = run_async(work)
    if not found:
        typer.echo("No administrators yet: add one with `refleks admin add TELEGRAM_ID`.")
        return
    for telegram_id, source, name in found:
        typer.echo(f"{telegram_id:<14} {source:<20} {name or '(has not written to the bot)'}")
