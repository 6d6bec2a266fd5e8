"""`refleks summary GROUP` and `refleks round close GROUP`: summaries from the command line.

The operator sees what a leader sees (figures and text shared with leaders), and every run
is written to the access log, where the group's facilitators can read it.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from bot.app import App

round_cli = typer.Typer(no_args_is_help=True, help="Rounds: close a check-in round now.")


class Output(StrEnum):
    html = "html"
    md = "md"
    csv = "csv"  # for a spreadsheet: Danish Excel's form for a Danish report
    data = "data"  # CSV with stable English keys, for tools


def _app() -> App:
    from bot.cli.common import migrated_app

    return migrated_app()


def summary(
    group: Annotated[str, typer.Argument(help="The group's name or id")],
    *,
    output: Annotated[
        Output, typer.Option("--format", help="html, md, csv (for Excel) or data (CSV for tools)")
    ] = Output.html,
    period: Annotated[
        str, typer.Option(help="all, quarter, schoolyear, 2026, or 2026-08-01..2026-12-31")
    ] = "all",
    out: Annotated[Path | None, typer.Option(help="Write to this file instead")] = None,
    meeting: Annotated[
        int | None, typer.Option(help="A meeting's id: its summary instead of a digest")
    ] = None,
    lang: Annotated[str, typer.Option(help="da or en (default: the group's)")] = "",
    chart: Annotated[Path | None, typer.Option(help="Also write the trend chart (PNG)")] = None,
    history: Annotated[
        bool,
        typer.Option(
            "--history", help="Every snapshot of a meeting's next steps, not only the latest"
        ),
    ] = False,
) -> None:
    """Print a team's or a network's summary (what a leader sees) as HTML, Markdown or CSV."""
    from bot.cli.common import fail, find_group, run_async
    from bot.i18n import t
    from bot.services import summaries
    from bot.services.errors import ServiceError
    from bot.summaries.output import render_csv, render_html, render_markdown
    from bot.summaries.spreadsheet import render_spreadsheet

    app = _app()

    async def work(session: AsyncSession) -> tuple[str, bytes | None]:
        found = await find_group(session, group)
        if found is None:
            raise ServiceError("error.group_not_found")
        request = summaries.SummaryRequest(
            group_id=found.id,
            period=period,
            meeting=meeting is not None,
            meeting_id=meeting,
            output=output.value,
            history=history,
        )
        report = await summaries.build(app, session, viewer=None, request=request, lang=lang)
        picture, words = None, ""
        if chart or output == Output.html:
            # matplotlib is loaded only for a picture: CSV and Markdown start fast.
            from bot.summaries.chart import describe, render_chart

            picture = render_chart(report, "png" if chart else "svg")
            words = describe(report)
        if output == Output.md:
            return render_markdown(report), picture
        if output == Output.csv:
            return render_spreadsheet(report), picture
        if output == Output.data:
            return render_csv(report), picture
        return render_html(report, picture, words), picture

    async def main() -> tuple[str, bytes | None]:
        try:
            return await app.db.run(work)
        finally:
            await app.close()

    try:
        text, picture = run_async(main)
    except ServiceError as exc:
        fail(t(lang or "en", exc.key, **exc.params), 1)
    if chart is not None and picture is not None:
        chart.write_bytes(picture)
    if out is None:
        typer.echo(text, nl=False)
    else:
        out.write_text(text, encoding="utf-8")
        typer.echo(f"Wrote {out}.", err=True)


@round_cli.command("close")
def round_close(
    group: Annotated[str, typer.Argument(help="The group's name or id")],
) -> None:
    """Close the group's safety check-in round now and store its anonymous total."""
    from bot.cli.common import fail, find_group, run_async
    from bot.services.aggregates import close_checkin

    app = _app()

    async def work(session: AsyncSession) -> tuple[int, int, bool]:
        found = await find_group(session, group)
        if found is None:
            return -1, 0, False
        frozen = await close_checkin(app, session, person=None, group_id=found.id)
        return found.id, frozen.respondents(found.id), bool(frozen.rows)

    async def main() -> tuple[int, int, bool]:
        try:
            return await app.db.run(work)
        finally:
            await app.close()

    group_id, answered, stored = run_async(main)
    if group_id < 0:
        fail(f"No group called {group!r}.", 1)
    if not stored:
        typer.echo("Nobody has taken the check-in since the last round: nothing to close.")
        return
    minimum = app.settings.refleks_anonymity_min
    shown = "stored" if answered >= minimum else f"too few to show (at least {minimum})"
    typer.echo(f"Closed the check-in round: {answered} answers, {shown}.")


def register(cli: typer.Typer) -> None:
    """Add `summary` and `round` to the `refleks` command."""
    cli.command("summary")(summary)
    cli.add_typer(round_cli, name="round")
