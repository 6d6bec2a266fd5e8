"""Rules of the summaries that hold only because a test holds them.

A plain participant of a network reads the network's summary with only their own team's
team-level texts; a frozen total is checked again, when shown, against the minimum of now.
"""

from __future__ import annotations

from bot.app import App
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from storage.enums import Role
from tests.summaries.factory import Factory
from tests.summaries.scenario import build_network
from tests.support import Clock

BAKKEN_TEAM_TEXT = "Til teamet."  # Bakken's reflection shared with its team


async def test_a_network_participant_reads_only_their_own_teams_texts(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        make = Factory(app, session)
        skovly = net.members["Skovly"][0]
        await make.member(net.network, skovly, Role.participant)
        await make.reflection(net.teams["Skovly"], skovly, "Vores eget teamord.", "team")
        clock.advance(minutes=1)
        report = await build(app, session, viewer=skovly, request=SummaryRequest(net.network.id))
    assert report.audience == "participant"
    for text in (render_csv(report), render_markdown(report), render_html(report)):
        assert "Vores eget teamord." in text  # their own team's text
        assert BAKKEN_TEAM_TEXT not in text  # another team's team-level text
        assert "Vi har talt ordskifter" not in text  # Skovly's circle, yet kept in the team
    assert all(BAKKEN_TEAM_TEXT not in part for part in render_telegram(report))


async def test_a_frozen_total_is_hidden_when_the_minimum_has_since_been_raised(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        before = await build(
            app, session, viewer=None, request=SummaryRequest(net.teams["Skovly"].id)
        )
    first = before.main.safety[0]
    assert (first.respondents, first.mean is not None) == (4, True)
    assert before.main.steps[0].counts is not None
    app.settings = app.settings.model_copy(update={"refleks_anonymity_min": 5})
    async with app.db.transaction() as session:
        after = await build(
            app, session, viewer=None, request=SummaryRequest(net.teams["Skovly"].id)
        )
    for cell in after.main.safety:
        assert (cell.mean, cell.spread, cell.hidden) == (None, None, "too_few")
    for step_cell in after.main.steps:
        assert (step_cell.counts, step_cell.hidden) == (None, "too_few")
