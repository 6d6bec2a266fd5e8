"""`refleks meeting add|list|move|cancel|ics` and `refleks followup list|plan` for the operator.

Times are typed as local wall time in the group's time zone ("YYYY-MM-DD HH:MM"). The
same services as /schedule in Telegram do the work, so the follow-up is planned and the
members are told exactly as when a facilitator schedules in the chat.
"""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, TypeVar

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App
    from storage.models import Group

T = TypeVar("T")

meeting_cli = typer.Typer(
    no_args_is_help=True, help="Network meetings: add, list, move, cancel, ics."
)
followup_cli = typer.Typer(no_args_is_help=True, help="Follow-up between meetings.")

_PLAN_OPTIONS = {
    "next_step": "next_step_days_after_end",
    "midpoint": "midpoint_days_after",
    "preparation": "preparation_days_before",
    "digest": "digest_days_before",
    "checkin": "checkin_days_after_last",
    "reminder": "reminder_days_after",
}


def register(cli: typer.Typer) -> None:
    cli.add_typer(meeting_cli, name="meeting")
    cli.add_typer(followup_cli, name="followup")


def _run(work: Callable[[App, AsyncSession], Awaitable[T]]) -> T:
    """Run `work` in one transaction on a migrated database; errors become one line."""
    from bot.cli.common import run_unit

    return run_unit(work)


async def _group(session: AsyncSession, name_or_id: str) -> Group:
    from bot.cli.common import find_group
    from bot.services.errors import NotFound

    found = await find_group(session, name_or_id)
    if found is None:
        raise NotFound("error.group_not_found")
    return found


def _local(app: App, group: Group, text: str) -> datetime:
    """Read "YYYY-MM-DD HH:MM" as wall time in the group's zone."""
    from bot.cli.common import fail
    from bot.scheduling.zones import to_utc
    from bot.services.zones import group_zone

    try:
        wall = datetime.strptime(text.strip(), "%Y-%m-%d %H:%M")  # noqa: DTZ007 - local wall time
    except ValueError:
        fail('--at must look like "2026-12-03 14:00" (local time in the group\'s time zone)')
    return to_utc(wall, group_zone(app, group))


def _show(app: App, group: Group, moment: datetime) -> str:
    from bot.services.zones import group_zone

    return moment.astimezone(group_zone(app, group)).strftime("%Y-%m-%d %H:%M")


@meeting_cli.command("add")
def meeting_add(
    group: Annotated[str, typer.Argument(help="The group's name or id")],
    *,
    at: Annotated[str, typer.Option("--at", help='Local start, "YYYY-MM-DD HH:MM"')],
    every_weeks: Annotated[
        int | None, typer.Option("--every-weeks", help="Repeat every N weeks")
    ] = None,
    count: Annotated[int, typer.Option(help="How many meetings in the series")] = 1,
    hours: Annotated[float, typer.Option(help="How long each meeting lasts")] = 3.0,
    title: Annotated[str | None, typer.Option(help="A title for the calendar")] = None,
) -> None:
    """Plan a meeting (or a series) for GROUP; its follow-up is planned with it."""
    from bot.services import meetings

    if every_weeks is None and count != 1:
        typer.echo("--count needs --every-weeks; planning a single meeting.", err=True)

    async def work(app: App, session: AsyncSession) -> list[str]:
        found = await _group(session, group)
        made = await meetings.schedule(
            app,
            session,
            actor=None,
            group_id=found.id,
            first_start=_local(app, found, at),
            every_weeks=every_weeks,
            count=count if every_weeks is not None else 1,
            duration=timedelta(hours=hours),
            title=title,
        )
        return [f"{m.id:6}  {_show(app, found, m.starts_at)}  {found.name}" for m in made]

    lines = _run(work)
    typer.echo(f"Planned {len(lines)} meeting(s):")
    for line in lines:
        typer.echo(line)


@meeting_cli.command("list")
def meeting_list(
    group: Annotated[str, typer.Argument(help="The group's name or id")],
    every: Annotated[bool, typer.Option("--all", help="Past and cancelled ones too")] = False,
) -> None:
    """List a group's meetings (coming ones, unless --all)."""
    from storage.repositories import meetings as repo

    async def work(app: App, session: AsyncSession) -> list[str]:
        found = await _group(session, group)
        rows = await repo.of_group(
            session,
            found.id,
            planned_only=not every,
            ending_after=None if every else app.now(),
        )
        return [
            f"{m.id:6}  {_show(app, found, m.starts_at)}-{_show(app, found, m.ends_at)[-5:]}"
            f"  {m.status.value:9}  {'series ' + str(m.series_id) if m.series_id else ''}"
            for m in rows
        ]

    lines = _run(work)
    if not lines:
        typer.echo("No meetings.")
    for line in lines:
        typer.echo(line)


@meeting_cli.command("move")
def meeting_move(
    meeting_id: int,
    at: Annotated[str, typer.Option("--at", help='New local start, "YYYY-MM-DD HH:MM"')],
) -> None:
    """Move one meeting; its follow-up moves with it."""
    from bot.services import meetings

    async def work(app: App, session: AsyncSession) -> str:
        meeting, found = await meetings.meeting_for(app, session, actor=None, meeting_id=meeting_id)
        start = _local(app, found, at)
        moved = await meetings.move(app, session, actor=None, meeting_id=meeting.id, start=start)
        return _show(app, found, moved.starts_at)

    typer.echo(f"Meeting {meeting_id} now starts {_run(work)}.")


@meeting_cli.command("cancel")
def meeting_cancel(meeting_id: int) -> None:
    """Cancel one meeting (in a series: skip that date)."""
    from bot.services import meetings

    async def work(app: App, session: AsyncSession) -> None:
        await meetings.cancel(app, session, actor=None, meeting_id=meeting_id)

    _run(work)
    typer.echo(f"Meeting {meeting_id} is cancelled; its follow-up is planned again.")


@meeting_cli.command("ics")
def meeting_ics(
    meeting_id: int,
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the .ics to this file instead")
    ] = None,
    lang: Annotated[str, typer.Option("--lang", help="da or en")] = "da",
) -> None:
    """The meeting's calendar file (.ics), on standard output or in a file."""
    from bot.services import meetings

    if lang not in {"da", "en"}:
        raise typer.BadParameter("da or en", param_hint="--lang")

    async def work(app: App, session: AsyncSession) -> bytes:
        file = await meetings.operator_calendar(app, session, meeting_id=meeting_id, lang=lang)
        return file.data

    data = _run(work)
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    out.write_bytes(data)
    typer.echo(f"Wrote {out}.", err=True)


@followup_cli.command("list")
def followup_list(group: Annotated[str, typer.Argument(help="The group's name or id")]) -> None:
    """Show a group's follow-up rounds: when, for which meeting, state, who answered."""
    from bot.services import followups

    async def work(app: App, session: AsyncSession) -> list[str]:
        found = await _group(session, group)
        _, rounds = await followups.group_rounds(app, session, actor=None, group_id=found.id)
        return [
            f"{r.followup.id:6}  {r.followup.kind.value:12}"
            f" meeting {r.followup.meeting_id or '-':<6}"
            f"  {_show(app, found, r.followup.due_at)}  {r.followup.status.value:9}"
            f"  {r.answered}/{len(r.people)} answered"
            for r in rounds
        ]

    lines = _run(work)
    if not lines:
        typer.echo("No follow-up planned (add meetings with `refleks meeting add`).")
    for line in lines:
        typer.echo(line)


@followup_cli.command("plan")
def followup_plan(
    group: Annotated[str, typer.Argument(help="The group's name or id")],
    change: Annotated[
        list[str] | None,
        typer.Option("--set", help="ITEM=DAYS or ITEM=off; items: " + ", ".join(_PLAN_OPTIONS)),
    ] = None,
    run: Annotated[
        list[str] | None,
        typer.Option("--format", help="ITEM=FORMAT: the reflection a round runs"),
    ] = None,
    closed: Annotated[
        list[str] | None,
        typer.Option(
            "--closed", help="FROM..TO (dates) when nothing is sent, e.g. a school holiday; none"
        ),
    ] = None,
) -> None:
    """Show a group's follow-up plan, or change it: --set midpoint=10, --format, --closed."""
    from bot.cli.common import fail
    from bot.scheduling import DateRange
    from bot.services import followups
    from storage.enums import FollowupKind

    changes: dict[str, int | None] = {}
    for item in change or []:
        name, _, value = item.partition("=")
        if name not in _PLAN_OPTIONS or not (value == "off" or value.isdigit()):
            fail(f"--set {item!r}: use ITEM=DAYS or ITEM=off, ITEM one of {list(_PLAN_OPTIONS)}")
        changes[_PLAN_OPTIONS[name]] = None if value == "off" else int(value)
    formats: list[tuple[FollowupKind, str]] = []
    for item in run or []:
        name, _, format_id = item.partition("=")
        if name not in {k.value for k in followups.ASKING}:
            fail(f"--format {item!r}: ITEM is next_step, midpoint, preparation or checkin")
        formats.append((FollowupKind(name), format_id))
    periods: list[DateRange] | None = None
    if closed:
        periods = []
        for item in closed:
            if item == "none":
                continue
            first, _, last = item.partition("..")
            try:
                periods.append(DateRange(date.fromisoformat(first), date.fromisoformat(last)))
            except ValueError:
                fail(f"--closed {item!r}: use FROM..TO, e.g. 2026-10-12..2026-10-16, or none")

    async def work(app: App, session: AsyncSession) -> list[str]:
        found = await _group(session, group)
        if changes:
            await followups.change_plan(app, session, actor=None, group_id=found.id, **changes)
        for kind, format_id in formats:
            await followups.choose_format(
                app, session, actor=None, group_id=found.id, kind=kind, format_id=format_id
            )
        if periods is not None:
            await followups.set_closed_periods(
                app, session, actor=None, group_id=found.id, periods=periods
            )
        lines = [
            f"{name:26} {'off' if days is None else days}"
            for name, days in followups.group_plan(found).model_dump().items()
        ]
        lines += [
            f"{'format ' + kind.value:26} {format_id}"
            for kind, format_id in followups.group_formats(found).items()
        ]
        lines += [
            f"{'closed':26} {p.start.isoformat()}..{p.end.isoformat()}"
            for p in followups.closed_periods(found)
        ]
        return lines

    for line in _run(work):
        typer.echo(line)
