"""Two rules of the summaries that a change could break silently: the own-team filter for
participants and the re-check of frozen totals against the minimum in force."""

from __future__ import annotations

from bot.app import App
from bot.services.aggregates import freeze_round
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from storage.enums import NextStepStatus, Role
from tests.summaries.factory import Factory
from tests.summaries.scenario import build_network
from tests.support import Clock

NETWORK_TEXT = "Vi deler på tværs af netværket."
BAKKEN_TEAM_TEXT = "Til teamet."  # Bakken's reflection shared with its team


async def test_a_network_participant_reads_no_teams_texts(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        make = Factory(app, session)
        guest = await make.person("Gæst i netværket")
        await make.member(net.network, guest)
        await make.reflection(net.network, guest, NETWORK_TEXT, "team")
        clock.advance(hours=1)
        report = await build(app, session, viewer=guest, request=SummaryRequest(net.network.id))
    text = render_csv(report)
    assert report.audience == "participant"
    assert NETWORK_TEXT in text  # shared with the network, where the guest belongs
    assert "Til teamet." not in text  # Bakken's team-level text
    assert "Eleverne spørger mere" not in text  # Bakken's text for its leaders
    assert "(Skovly 2)" not in text  # a next step shared with Skovly only
    assert all(not t.reflections and not t.step_items for t in report.teams)


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
        make = Factory(app, session)
        team = await make.group("Fire")
        members = await make.team_of(team, 4, "F")
        meeting = await make.meeting(team, "Møde", clock.now)
        for i, person in enumerate(members):
            await make.checkin(team, person, 3.0 + i)
            await make.step(
                team, person, f"Skridt {i}", meeting=meeting, status=NextStepStatus.done
            )
        clock.advance(days=1)
        await freeze_round(app, session, team.id, "r1", meeting_id=meeting.id)
        before = await build(app, session, viewer=None, request=SummaryRequest(team.id))
        app.settings = app.settings.model_copy(update={"refleks_anonymity_min": 5})
        after = await build(app, session, viewer=None, request=SummaryRequest(team.id))
    assert [(c.respondents, c.mean) for c in before.main.safety] == [(4, 4.5)]
    assert [c.counts for c in before.main.steps] == [{"done": 4}]
    assert [(c.respondents, c.mean, c.spread, c.hidden) for c in after.main.safety] == [
        (4, None, None, "too_few")
    ]
    assert [(c.counts, c.hidden) for c in after.main.steps] == [(None, "too_few")]
    assert "4.5" not in render_csv(after)
