"""Who sees which summary, which texts they see, and that every look is logged."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import App
from bot.services.errors import Denied
from bot.services.summaries import SummaryRequest, build, summarisable
from bot.summaries.output import render_csv
from storage.enums import Role
from storage.models import AccessLogEntry
from tests.summaries.factory import Factory
from tests.summaries.scenario import build_network
from tests.support import Clock

SHARED_WITH_LEADERS = "Eleverne spørger mere, når de må skrive først."
SHARED_WITH_TEAM = "Til teamet."
PRIVATE = "Kun til mig selv."


async def test_a_leader_sees_only_what_was_shared_with_leaders(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        report = await build(
            app, session, viewer=net.leader, request=SummaryRequest(net.network.id)
        )
    text = render_csv(report)
    assert report.audience == "leader"
    assert SHARED_WITH_LEADERS in text
    assert "Hvordan får vi de stille elever med?" in text  # a focus shared with leaders
    assert SHARED_WITH_TEAM not in text
    assert PRIVATE not in text
    assert "Vi har talt ordskifter" not in text  # a circle contribution kept in the team
    assert "(Skovly 2)" not in text  # a next step shared with the team only
    assert "(Skovly 1)" in text
    assert report.access is None  # the access log is for facilitators


async def test_a_facilitator_sees_team_texts_and_the_access_log(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        await build(app, session, viewer=net.leader, request=SummaryRequest(net.network.id))
        report = await build(
            app, session, viewer=net.facilitator, request=SummaryRequest(net.teams["Bakken"].id)
        )
    text = render_csv(report)
    assert report.audience == "facilitator"
    assert SHARED_WITH_TEAM in text
    assert SHARED_WITH_LEADERS in text
    assert PRIVATE not in text
    assert report.access is not None
    # The leader's look at the network digest shows in the team's log too.
    assert [a.viewer for a in report.access] == ["Frida Facilitator", "Lea Leder"]


async def test_a_participant_sees_only_their_own_groups(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        bakken = net.members["Bakken"][1]
        own = await build(
            app, session, viewer=bakken, request=SummaryRequest(net.teams["Bakken"].id)
        )
        with pytest.raises(Denied):
            await build(app, session, viewer=bakken, request=SummaryRequest(net.teams["Skovly"].id))
        with pytest.raises(Denied):
            await build(app, session, viewer=bakken, request=SummaryRequest(net.network.id))
        assert [g.name for g in await summarisable(app, session, bakken)] == ["Bakken"]
    text = render_csv(own)
    assert own.audience == "participant"
    assert SHARED_WITH_TEAM in text
    assert PRIVATE not in text
    assert own.access is None


async def test_a_team_leader_may_not_read_the_network(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        make = Factory(app, session)
        head = await make.person("Skoleleder")
        await make.member(net.teams["Engen"], head, Role.leader)
        report = await build(
            app, session, viewer=head, request=SummaryRequest(net.teams["Engen"].id)
        )
        assert report.audience == "leader"
        with pytest.raises(Denied):
            await build(app, session, viewer=head, request=SummaryRequest(net.network.id))
        outsider = await make.person("Udenfor")
        with pytest.raises(Denied):
            await build(
                app, session, viewer=outsider, request=SummaryRequest(net.teams["Engen"].id)
            )


async def test_a_network_leader_also_reads_each_team(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        names = [g.name for g in await summarisable(app, session, net.leader)]
        report = await build(
            app, session, viewer=net.leader, request=SummaryRequest(net.teams["Skovly"].id)
        )
    assert names == ["Netværk Nord", "Bakken", "Engen", "Skovly"]
    assert report.audience == "leader"


async def test_every_look_is_logged_with_who_what_and_when(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        await build(
            app,
            session,
            viewer=net.leader,
            request=SummaryRequest(net.network.id, period="quarter", output="html"),
        )
        await build(app, session, viewer=None, request=SummaryRequest(net.teams["Engen"].id))
        rows = (await session.scalars(select(AccessLogEntry).order_by(AccessLogEntry.id))).all()
    network_rows = [r for r in rows if r.viewer_id == net.leader.id]
    # One entry per group the digest covered: the network and each of its three teams.
    assert sorted(r.group_id for r in network_rows) == sorted(
        [net.network.id, *(t.id for t in net.teams.values())]
    )
    assert {(r.what, r.detail, r.at) for r in network_rows} == {
        ("summary:network", "html quarter", clock.now)
    }
    operator = [r for r in rows if r.viewer_id is None]
    assert [(r.group_id, r.what, r.detail) for r in operator] == [
        (net.teams["Engen"].id, "summary:team", "cli telegram")
    ]


async def test_a_meeting_summary_shows_the_circle_as_shared(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        request = SummaryRequest(net.teams["Skovly"].id, meeting=True)
        for_facilitator = await build(app, session, viewer=net.facilitator, request=request)
        for_leader = await build(app, session, viewer=net.leader, request=request)
    assert for_facilitator.meeting is not None
    assert for_leader.meeting is not None
    facilitator_phases = {p.heading: p.contributions for p in for_facilitator.meeting.phases}
    leader_phases = {p.heading: p.contributions for p in for_leader.meeting.phases}
    assert facilitator_phases["Data"] == ("Vi har talt ordskifter i tre timer.",)
    assert "Data" not in leader_phases
    assert leader_phases["Læringsfokus"] == ("Hvordan får vi de stille elever med?",)
    assert for_leader.meeting.participants == 3
    assert str(for_leader.meeting.followup_date) == "2026-10-01"
