"""Freezing rounds: disjoint windows, once only, teams with their network, no extremes."""

from __future__ import annotations

import asyncio

import pytest

from bot.app import App
from bot.services.aggregates import SAFETY, close_checkin, freeze_round, steps_measure
from bot.services.errors import Denied
from bot.summaries.anonymity import mean_and_spread, shown, total_shown
from storage.enums import GroupKind, Role
from tests.summaries.factory import Factory
from tests.support import Clock


def test_rules() -> None:
    assert not shown(2, 3)
    assert shown(3, 3)
    assert not shown(2, 1)  # the floor holds whatever the setting
    assert total_shown(9, [3, 3, 3], 3)  # nothing hidden
    assert not total_shown(10, [3, 3, 3], 3)  # one hidden person
    assert not total_shown(11, [3, 3, 3], 3)  # two hidden people
    assert total_shown(12, [3, 3, 3], 3)  # three hidden people, together
    assert mean_and_spread([4.0, 6.0]) == (5.0, 1.0)


async def test_each_answer_counts_in_exactly_one_round(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group("Team")
        people = await make.team_of(team, 3, "P")
        for person in people:
            await make.checkin(team, person, 4.0)
        clock.advance(hours=1)
        first = await freeze_round(app, session, team.id, "r1")
        again = await freeze_round(app, session, team.id, "r1")
        for person in people:
            clock.advance(minutes=1)
            await make.checkin(team, person, 6.0)
        await make.checkin(team, people[0], 7.0)  # a second answer replaces the first
        clock.advance(hours=1)
        second = await freeze_round(app, session, team.id, "r2")
    assert first.respondents(team.id) == 3
    assert not again.created
    assert again.rows == []
    row = next(r for r in second.rows if r.measure == SAFETY)
    assert row.respondents == 3
    assert row.mean == pytest.approx((7.0 + 6.0 + 6.0) / 3)
    assert row.counts is None  # three people's spread would give two answers away


async def test_rounds_closing_at_once_count_each_checkin_once(app: App, clock: Clock) -> None:
    """A facilitator's button and the dispatcher close rounds of the same team together."""
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group("Team")
        for person in await make.team_of(team, 3, "P"):
            await make.checkin(team, person, 4.0)
    clock.advance(hours=1)
    async with app.db.transaction() as session:
        button = await freeze_round(app, session, team.id, "button")
        dispatcher = asyncio.create_task(
            app.db.run(lambda other: freeze_round(app, other, team.id, "followup-1"))
        )
        await asyncio.sleep(0.3)  # time for the other transaction to reach the team
    later = await dispatcher
    assert button.respondents(team.id) == 3
    assert later.created
    assert later.respondents(team.id) == 0


async def test_a_network_round_freezes_its_teams_and_a_guarded_total(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        network = await make.group("Net", GroupKind.network)
        a = await make.group("A", parent=network)
        b = await make.group("B", parent=network)
        meeting = await make.meeting(network, "Møde", clock.now)
        for person in await make.team_of(a, 3, "A"):
            await make.checkin(a, person, 5.0)
            await make.step(a, person, "x", meeting=meeting)
        lone = (await make.team_of(b, 1, "B"))[0]
        await make.checkin(b, lone, 1.0)
        await make.step(b, lone, "y", meeting=meeting)
        clock.advance(hours=1)
        frozen = await freeze_round(app, session, network.id, "r1", meeting_id=meeting.id)
    by = {(r.group_id, r.measure): r for r in frozen.rows}
    assert by[(a.id, SAFETY)].mean == 5.0
    assert by[(b.id, SAFETY)].mean is None
    assert by[(network.id, SAFETY)].respondents == 4
    assert by[(network.id, SAFETY)].mean is None  # 4 - 3 shown = the lone answer
    assert by[(a.id, steps_measure(meeting.id))].counts == {"open": 3}
    assert by[(network.id, steps_measure(meeting.id))].counts is None


async def test_closing_a_checkin_round_is_for_facilitators(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        team = await make.group("Team")
        people = await make.team_of(team, 3, "P")
        facilitator = await make.person("F")
        await make.member(team, facilitator, Role.facilitator)
        for person in people:
            await make.checkin(team, person, 5.0)
        with pytest.raises(Denied):
            await close_checkin(app, session, person=people[0], group_id=team.id)
        closed = await close_checkin(app, session, person=facilitator, group_id=team.id)
        clock.advance(minutes=1)
        empty = await close_checkin(app, session, person=facilitator, group_id=team.id)
    assert closed.respondents(team.id) == 3
    assert empty.rows == []
