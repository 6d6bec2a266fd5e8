"""A network total held back because one team is small is given over the teams on show."""

from __future__ import annotations

from bot.app import App
from bot.services.aggregates import freeze_round
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from bot.summaries.spreadsheet import render_spreadsheet
from storage.enums import GroupKind, NextStepStatus
from tests.summaries.attack import attack, cells_from_csv
from tests.summaries.factory import Factory
from tests.support import Clock

SIZES = {"Team A": 3, "Team B": 4, "Team C": 3, "Team D": 2}  # Team D is too small
SCORES = {"Team A": 4.0, "Team B": 5.0, "Team C": 6.0, "Team D": 2.0}


async def test_three_of_four_teams_stand_in_for_a_withheld_network_total(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        network = await make.group("Netværk", GroupKind.network)
        meeting = await make.meeting(network, "Netværksmøde 1", clock.now)
        for name, size in SIZES.items():
            team = await make.group(name, parent=network)
            for person in await make.team_of(team, size, name[-1]):
                clock.advance(minutes=1)
                await make.checkin(team, person, SCORES[name])
                await make.step(
                    team, person, "Et skridt", meeting=meeting, status=NextStepStatus.done
                )
        clock.advance(days=1)
        await freeze_round(app, session, network.id, "r1", meeting_id=meeting.id)
        report = await build(app, session, viewer=None, request=SummaryRequest(network.id))

    # The whole network (12 people) is withheld: beside the teams it would give Team D away.
    [total] = report.main.safety
    assert (total.respondents, total.mean, total.hidden) == (12, None, "withheld")
    partial = total.partial
    assert partial is not None
    assert (partial.teams, partial.of_teams, partial.respondents) == (3, 4, 10)
    assert partial.mean == (3 * 4.0 + 4 * 5.0 + 3 * 6.0) / 10  # the teams on show, added up
    assert partial.small == ("Team D",)
    [steps] = report.main.steps
    assert steps.counts is None
    assert steps.partial is not None
    assert (steps.partial.respondents, steps.partial.counts) == (10, {"done": 10})

    telegram = "\n".join(render_telegram(report))
    for text in (render_html(report), render_markdown(report), telegram):
        assert "For 3 af 4 teams: 5,0 (10 svar)." in text
        assert "For 3 af 4 teams: 10 personer, 10 skridt, 10 gjort." in text
        assert "Team D har for få svar til at blive vist for sig" in text
        assert "2,0" not in text  # Team D's own figure appears nowhere
    assert "Netværk (3 af 4 teams)" in render_spreadsheet(report)

    # Nothing in what is shown singles anyone out: the added-up figure is the parts' sum.
    cells = cells_from_csv(render_csv(report))
    assert {(c.group, c.respondents) for c in cells if c.section == "safety"} == {
        ("Team A", 3),
        ("Team B", 4),
        ("Team C", 3),
        ("Netværk (3 af 4 teams)", 10),
    }
    assert attack(cells, 3, "Netværk") == []
