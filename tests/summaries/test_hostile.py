"""Text a person wrote can never become markup, a link, a formula or a broken message."""

from __future__ import annotations

import csv
import io
import re

from bot.app import App
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import (
    md_escape,
    render_csv,
    render_html,
    render_markdown,
    render_telegram,
)
from storage.enums import GroupKind, Role
from tests.summaries.factory import Factory
from tests.summaries.sample import meeting_report, network_report, team_report
from tests.support import Clock

HOSTILE = '<script>alert("x")</script><b onmouseover=1>&amp; | *bold* [link](http://x) =1+1'
TELEGRAM_TAGS = {"b", "i"}


def _telegram_ok(part: str) -> None:
    tags = re.findall(r"<(/?)([a-z]+)[^>]*>", part)
    assert {name for _, name in tags} <= TELEGRAM_TAGS
    depth: list[str] = []
    for closing, name in tags:
        if closing:
            assert depth.pop() == name
        else:
            depth.append(name)
    assert depth == []


def test_hostile_text_is_escaped_in_every_rendering() -> None:
    for report in (
        team_report("da", text=HOSTILE),
        network_report("en", text=HOSTILE),
        meeting_report("da", text=HOSTILE),
    ):
        report.group_name = HOSTILE
        html = render_html(report)
        assert "<script" not in html
        assert "<b onmouseover" not in html
        assert "&lt;script&gt;" in html
        assert "&amp;amp;" in html  # the person's own "&amp;" shows as they typed it
        markdown = render_markdown(report)
        assert "<script" not in markdown
        assert "[link](http" not in markdown
        assert r"\[link\]" in markdown
        for part in render_telegram(report):
            _telegram_ok(part)
            assert "&lt;script&gt;" in part or "script" not in part


def test_csv_cells_never_start_a_formula() -> None:
    text = render_csv(team_report("da", text='=HYPERLINK("http://x")'))
    cells = [cell for row in csv.reader(io.StringIO(text)) for cell in row]
    assert '\'=HYPERLINK("http://x")' in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_markdown_escape_keeps_text_readable() -> None:
    assert md_escape("a | b *c*\nd") == r"a \| b \*c\* d"
    assert md_escape("- not a list") == r"\- not a list"


async def test_hostile_texts_from_the_database_are_escaped(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group(HOSTILE[:120], GroupKind.team)
        facilitator = await make.person(HOSTILE[:100])
        await make.member(team, facilitator, Role.facilitator)
        author = await make.person("Ane")
        await make.member(team, author)
        await make.reflection(team, author, HOSTILE, "team")
        await make.step(team, author, HOSTILE, visibility="team")
        meeting = await make.meeting(team, HOSTILE[:150], clock.now)
        await make.circle(team, meeting, [(author, "focus", HOSTILE, "team")])
        clock.advance(hours=4)
        await build(app, session, viewer=facilitator, request=SummaryRequest(team.id))
        digest = await build(app, session, viewer=facilitator, request=SummaryRequest(team.id))
        minutes = await build(
            app, session, viewer=facilitator, request=SummaryRequest(team.id, meeting=True)
        )
    for report in (digest, minutes):
        html = render_html(report)
        assert "<script" not in html
        assert html.count("&lt;script&gt;") >= 3
        for part in render_telegram(report):
            _telegram_ok(part)
    assert digest.access is not None
    assert digest.access[0].viewer == HOSTILE[:100]
