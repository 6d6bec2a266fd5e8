"""Try to extract one person's score through every report the system can produce.

Engen's second round has a single respondent, whose score (1.5) is far from everyone else's.
Every viewer, every group they may see, every period and every output is collected and
handed to the attacker in `attack.py`; it must find nothing. A control shows that the same
attacker does find the score when a naive total is shown.
"""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services.aggregates import SAFETY, freeze_round
from bot.services.errors import Denied
from bot.services.summaries import SummaryRequest, build
from bot.summaries.chart import chart_data
from bot.summaries.model import Report
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from storage.repositories import people
from tests.summaries.attack import Cell, attack, cells_from_csv
from tests.summaries.factory import Factory
from tests.summaries.scenario import Network, build_network
from tests.support import Clock

TARGET = 1.5
PERIODS = (
    "all",
    "quarter",
    "schoolyear",
    "2026",
    "2026-09-01..2026-09-20",
    "2026-09-16..2026-12-31",
    "2026-09-29..2026-09-29",
)


async def _every_report(app: App, net: Network) -> list[Report]:
    viewers = [net.leader, net.facilitator, None] + [m[0] for m in net.members.values()]
    groups = [net.network, *net.teams.values()]
    reports: list[Report] = []
    for viewer in viewers:
        for group in groups:
            for period in PERIODS:
                for meeting in (False, True):
                    request = SummaryRequest(group.id, period=period, meeting=meeting)

                    async def work(session, request=request, viewer=viewer):  # type: ignore[no-untyped-def]
                        return await build(app, session, viewer=viewer, request=request)

                    try:
                        reports.append(await app.db.run(work))
                    except Denied:
                        continue
    return reports


def _shown_values(report: Report) -> list[float]:
    sections = [report.main, *report.teams]
    values = [c.mean for s in sections for c in s.safety if c.mean is not None]
    values += [c.spread for s in sections for c in s.safety if c.spread is not None]
    return values


async def test_no_report_singles_out_one_persons_score(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
    reports = await _every_report(app, net)
    assert len(reports) > 100
    cells: set[Cell] = set()
    for report in reports:
        cells |= cells_from_csv(render_csv(report))
        # Every rendering is made from the same report; none may fail or show more.
        render_html(report)
        render_markdown(report)
        render_telegram(report)
        for points in chart_data(report).lines.values():
            assert all(v != TARGET for _, v in points)
        assert TARGET not in _shown_values(report)
    assert cells, "the reports showed no figures at all"
    assert attack(cells, app.settings.refleks_anonymity_min, "Netværk Nord") == []


def test_the_attacker_finds_a_naive_total() -> None:
    """Control: a network total shown beside the other teams gives the lone answer away."""
    cells = {
        Cell("safety", "Netværk Nord", "r2", "2026-09-29", 7, (5.0 * 3 + 5.5 * 3 + TARGET,)),
        Cell("safety", "Skovly", "r2", "2026-09-29", 3, (15.0,)),
        Cell("safety", "Bakken", "r2", "2026-09-29", 3, (16.5,)),
    }
    leaks = attack(cells, 3, "Netværk Nord")
    assert any(leak.respondents == 1 and leak.values == (TARGET,) for leak in leaks)


async def test_a_round_of_too_few_is_never_shown_even_to_a_facilitator(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        report = await build(
            app, session, viewer=net.facilitator, request=SummaryRequest(net.teams["Engen"].id)
        )
    latest = report.main.safety[-1]
    assert (latest.respondents, latest.mean, latest.spread, latest.hidden) == (
        1,
        None,
        None,
        "too_few",
    )


async def test_rounds_closed_one_answer_apart_show_nothing_new(app: App, clock: Clock) -> None:
    """A facilitator closes a round after each single answer: each stays hidden."""
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group("Lille team")
        members = await make.team_of(team, 4, "L")
        for i, person in enumerate(members):
            clock.advance(hours=1)
            await make.checkin(team, person, [5.0, 6.0, 4.0, TARGET][i])
            if i >= 2:
                await freeze_round(app, session, team.id, f"round-{i}")
        report = await build(app, session, viewer=None, request=SummaryRequest(team.id))
    shown = [(c.respondents, c.mean) for c in report.main.safety]
    assert shown == [(3, 5.0), (1, None)]


async def test_forgetting_a_person_keeps_frozen_totals_and_hides_a_smaller_cohort(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        before = await build(app, session, viewer=None, request=SummaryRequest(net.network.id))
        await people.delete_person(session, net.members["Skovly"][3].id)
        clock.advance(days=7)
        await freeze_round(
            app, session, net.network.id, "later", label="Senere", meeting_id=net.meeting.id
        )
        after = await build(app, session, viewer=None, request=SummaryRequest(net.network.id))
    skovly_before = next(t for t in before.teams if t.name == "Skovly")
    skovly_after = next(t for t in after.teams if t.name == "Skovly")
    assert skovly_after.safety[: len(skovly_before.safety)] == skovly_before.safety
    # Skovly's cohort of next steps shrank from 4 to 3: that figure stays hidden, and so
    # does the network's, which would otherwise differ from the earlier one by one person.
    assert skovly_after.steps[-1].respondents == 3
    assert skovly_after.steps[-1].counts is None
    assert after.main.steps[-1].counts is None


@pytest.mark.parametrize("minimum", [3, 5])
async def test_the_minimum_is_read_from_the_settings(app: App, clock: Clock, minimum: int) -> None:
    app.settings = app.settings.model_copy(update={"refleks_anonymity_min": minimum})
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group("Fire")
        for i, person in enumerate(await make.team_of(team, 4, "F")):
            await make.checkin(team, person, 4.0 + i)
        frozen = await freeze_round(app, session, team.id, "r1")
    row = next(r for r in frozen.rows if r.measure == SAFETY)
    assert row.respondents == 4
    assert (row.mean is not None) is (minimum <= 4)
    assert row.minimum is None
    assert row.maximum is None
