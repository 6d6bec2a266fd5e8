"""`refleks run`, `chat`, `db`, `formats`, `group create` and `invite`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from bot.cli.common import fail, find_group, load_app, migrate, run_async, settings
from bot.config import Settings

cli = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    # A traceback never shows local values: they can hold the bot token or reflection text.
    pretty_exceptions_show_locals=False,
    help="Refleks: reflective dialogues for teams and networks of teachers.",
)
db_cli = typer.Typer(no_args_is_help=True, help="Database: migrate, back up, restore.")
formats_cli = typer.Typer(no_args_is_help=True, help="Dialogue formats: list, check, show.")
group_cli = typer.Typer(no_args_is_help=True, help="Teams and networks.")
cli.add_typer(db_cli, name="db")
cli.add_typer(formats_cli, name="formats")
cli.add_typer(group_cli, name="group")


@cli.command()
def run(
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            help="Worker processes (webhook mode on PostgreSQL); default REFLEKS_WORKERS",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Migrate the database and start the bot (the console when no token is set)."""
    from bot.logs import REDACTOR, setup_logging
    from bot.telegram.webhook import webhook_of, workers_refused

    config = settings()
    count = workers or config.refleks_workers
    refused = workers_refused(config, count)
    if refused:
        fail(refused)
    setup_logging(config.refleks_log_level)
    if config.telegram_bot_token is not None:
        REDACTOR.add_secret(config.telegram_bot_token.get_secret_value())
    run_async(lambda: migrate(config))
    if config.telegram_bot_token is None:
        typer.echo(
            "No TELEGRAM_BOT_TOKEN is set, so Refleks starts in the console.\n"
            "To run it on Telegram, create a bot with @BotFather, put its token in .env as\n"
            "TELEGRAM_BOT_TOKEN=..., and run `make run` again (see README.md). The web\n"
            f"part (forms, sign-in) then runs beside the bot on {config.web_local_url}.\n",
            err=True,
        )
        _console(config)
        return
    if webhook_of(config) is not None:
        from bot.telegram.workers import run_workers

        run_workers(config, count)
        return
    from bot.telegram.runner import run_polling

    public = config.public_url
    typer.echo(
        f"The web part (forms, sign-in) listens on {config.web_local_url}"
        + ("" if public == config.web_local_url else f", reached at {public}"),
        err=True,
    )
    run_polling(load_app(config))


@cli.command()
def chat(
    name: Annotated[str, typer.Option(help="Who you are in the console")] = "console",
    lang: Annotated[str, typer.Option(help="da or en")] = "",
) -> None:
    """Try Refleks in this terminal, on the configured database."""
    config = settings()
    run_async(lambda: migrate(config))
    _console(config, handle=name, lang=lang or None)


def _console(config: Settings, handle: str = "console", lang: str | None = None) -> None:
    from bot.console import run_console

    app = load_app(config)
    code = run_async(lambda: run_console(app, handle=handle, lang=lang))
    raise typer.Exit(code)


@db_cli.command("upgrade")
def db_upgrade() -> None:
    """Apply every pending migration."""
    config = settings()
    run_async(lambda: migrate(config, always=True))
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
    run_async(lambda: migrate(config))
    typer.echo(f"Restored from {source}.")


@formats_cli.command("list")
def formats_list() -> None:
    """List every format with its version, audience and Danish title."""
    from dialogues.loader import load_catalog

    for fmt in load_catalog():
        typer.echo(f"{fmt.id:28} v{fmt.version:<3} {fmt.audience:10} {fmt.title.get('da')}")


@formats_cli.command("check")
def formats_check(
    directory: Annotated[Path | None, typer.Argument(help="Folder of format files")] = None,
) -> None:
    """Validate every format file; each problem names file, line and field."""
    from dialogues.loader import FORMATS_DIR, check_directory

    problems = check_directory(directory or FORMATS_DIR)
    for p in problems:
        typer.echo(f"{p.file}:{p.line or '?'}: {p.field}: {p.message}", err=True)
    if problems:
        raise typer.Exit(1)
    typer.echo("Every format is valid.")


@formats_cli.command("show")
def formats_show(
    format_id: str, lang: Annotated[str, typer.Option(help="da or en")] = "da"
) -> None:
    """Print the steps of a format as a Mermaid flowchart."""
    from dialogues.loader import load_catalog
    from dialogues.mermaid import to_mermaid

    fmt = load_catalog().get(format_id)
    if fmt is None:
        fail(f"No format with the id {format_id!r}; see `refleks formats list`.")
    typer.echo(to_mermaid(fmt, "en" if lang == "en" else "da"))


async def _bot_username(config: Settings) -> str | None:
    """Ask Telegram for the bot's username (for invite links); None without a token."""
    if config.telegram_bot_token is None:
        return None
    from telegram import Bot
    from telegram.error import TelegramError

    bot = Bot(config.telegram_bot_token.get_secret_value(), base_url=config.telegram_api_url)
    try:
        async with bot:
            return bot.username
    except TelegramError:
        return None


def _print_link(username: str | None, code: str) -> None:
    from bot.services.membership import invite_link

    typer.echo(invite_link(username, code))
    if username is None:
        typer.echo(
            "(Set TELEGRAM_BOT_TOKEN to print the link with your bot's name in place of <bot>.)",
            err=True,
        )


@group_cli.command("create")
def group_create(
    name: str,
    kind: Annotated[str, typer.Option(help="team or network")] = "team",
    parent: Annotated[str | None, typer.Option(help="The network this team belongs to")] = None,
) -> None:
    """Create a team or network and print an invite link for its first facilitator."""
    from bot.services.errors import ServiceError
    from bot.services.membership import create_group
    from storage.enums import GroupKind
    from storage.repositories import groups

    if kind not in ("team", "network"):
        fail("--kind must be team or network")
    config = settings()
    run_async(lambda: migrate(config))
    app = load_app(config, check_texts=False)

    async def work() -> tuple[int, str, str | None]:
        from sqlalchemy.ext.asyncio import AsyncSession

        async def unit(session: AsyncSession) -> tuple[int, str]:
            above = await groups.by_name(session, parent) if parent else None
            if parent and above is None:
                raise ServiceError("error.group_not_found")
            group, invite = await create_group(
                app, session, name=name, kind=GroupKind(kind), parent=above
            )
            return group.id, invite.code

        try:
            group_id, code = await app.db.run(unit)
        finally:
            await app.close()
        return group_id, code, await _bot_username(config)

    try:
        group_id, code, username = run_async(work)
    except ServiceError as exc:
        from bot.i18n import t

        fail(t("en", exc.key, **exc.params))
    typer.echo(f"Created {kind} {name!r} (id {group_id}). Invite link for its first facilitator:")
    _print_link(username, code)


@cli.command()
def invite(
    group: str,
    role: Annotated[str, typer.Option(help="participant, facilitator or leader")] = "participant",
    days: Annotated[int, typer.Option(help="How many days the link works")] = 14,
    uses: Annotated[int | None, typer.Option(help="How many people may use it")] = None,
) -> None:
    """Print an invite link to GROUP (name or id) with a role."""
    from bot.services.errors import ServiceError
    from bot.services.membership import create_invite
    from storage.enums import Role

    if role not in ("participant", "facilitator", "leader"):
        fail("--role must be participant, facilitator or leader")
    config = settings()
    run_async(lambda: migrate(config))
    app = load_app(config, check_texts=False)

    async def work() -> tuple[str, str | None]:
        from sqlalchemy.ext.asyncio import AsyncSession

        async def unit(session: AsyncSession) -> str:
            found = await find_group(session, group)
            if found is None:
                raise ServiceError("error.group_not_found")
            made = await create_invite(
                app, session, group_id=found.id, role=Role(role), actor=None, days=days, uses=uses
            )
            return made.code

        try:
            code = await app.db.run(unit)
        finally:
            await app.close()
        return code, await _bot_username(config)

    try:
        code, username = run_async(work)
    except ServiceError as exc:
        from bot.i18n import t

        fail(t("en", exc.key, **exc.params))
    _print_link(username, code)
