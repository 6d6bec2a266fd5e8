"""Closing a meeting's follow-up round freezes its anonymous totals, round by round."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from bot.app import App
from bot.dispatch.rounds import round_key
from bot.services import summaries
from bot.services.aggregates import SAFETY, steps_measure
from storage.enums import FollowupKind, FollowupStatus, NextStepStatus
from storage.models import FrozenAggregate, Person
from storage.repositories import followups as followups_repo
from storage.repositories import next_steps
from tests.meetings.support import (
    RecordingSender,
    World,
    answer_followup,
    dispatcher,
    load,
    local,
    schedule,
)
from tests.summaries.factory import Factory
from tests.support import Clock


async def _frozen(app: App) -> list[FrozenAggregate]:
    async def work(session):  # type: ignore[no-untyped-def]
        query = select(FrozenAggregate).order_by(FrozenAggregate.closed_at, FrozenAggregate.id)
        return list((await session.scalars(query)).all())

    return await app.db.run(work)


async def _write_steps(app: App, world: World, meeting_id: int) -> dict[int, int]:
    """Each participant writes a next step at the meeting; their ids by person id."""

    async def work(session):  # type: ignore[no-untyped-def]
        made = {}
        for person, team in zip(
            world.participants,
            [world.team_a, world.team_a, world.team_b, world.team_b],
            strict=True,
        ):
            step = await next_steps.create(
                session,
                person_id=person.id,
                what="Prøve en ny måde at starte dagen på",
                due=None,
                how_shared=None,
                visibility="team",
                now=app.now(),
                group_id=team.id,
                meeting_id=meeting_id,
            )
            made[person.id] = step.id
        return made

    return await app.db.run(work)


async def _set_status(app: App, step_id: int, status: NextStepStatus) -> None:
    async def work(session):  # type: ignore[no-untyped-def]
        step = await next_steps.get(session, step_id)
        assert step is not None
        await next_steps.set_status(session, step, status, app.now())

    await app.db.run(work)


async def _checkins(app: App, world: World, people: list[Person], score: float) -> None:
    """Safety check-ins by these participants, in their own teams."""

    async def work(session):  # type: ignore[no-untyped-def]
        make = Factory(app, session)
        for person in people:
            team = world.team_a if person in (world.a1, world.a2) else world.team_b
            await make.checkin(team, person, score)

    await app.db.run(work)


async def _round(app: App, world: World, meeting_id: int, kind: FollowupKind) -> int:
    rows = await app.db.run(lambda s: followups_repo.of_group(s, world.network.id))
    return next(r.id for r in rows if r.meeting_id == meeting_id and r.kind == kind)


async def _tick_at(app: App, clock: Clock, sender: RecordingSender, moment: datetime) -> None:
    clock.now = moment
    await dispatcher(app, sender).tick()


async def _network_steps(app: App, world: World, viewer: Person) -> list[dict[str, int] | None]:
    async def work(session):  # type: ignore[no-untyped-def]
        report = await summaries.build(
            app,
            session,
            viewer=await load(session, viewer),
            request=summaries.SummaryRequest(group_id=world.network.id),
        )
        return [cell.counts for cell in report.main.steps]

    return await app.db.run(work)


async def test_each_closing_follow_up_round_freezes_the_meetings_next_steps(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    first, second = await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=5, count=2
    )
    await _tick_at(app, clock, sender, local(2026, 3, 10, 17))  # the first meeting has ended
    steps = await _write_steps(app, world, first)
    await _set_status(app, steps[world.b1.id], NextStepStatus.dropped)
    midpoint = await _round(app, world, first, FollowupKind.midpoint)
    await _tick_at(app, clock, sender, local(2026, 3, 24, 10))  # the mid-point check goes out
    # Answered, and shared with the facilitator, just before the mid-point check closes.
    clock.now = local(2026, 4, 9, 13)
    # Her step is done, and the follow-up has her write the next one (for the same meeting).
    await answer_followup(app, world.a1, midpoint, choices={"status": 0})
    await _checkins(app, world, [world.a1, world.a2], 5.0)
    assert await _frozen(app) == []

    await _tick_at(app, clock, sender, local(2026, 4, 9, 15))  # five days before the next
    after_midpoint = await _frozen(app)
    assert {r.round_key for r in after_midpoint} == {round_key(midpoint)}
    # The mid-point follows the next steps only; safety waits for the end of the follow-up.
    assert {r.measure for r in after_midpoint} == {steps_measure(first)}
    network = [r for r in after_midpoint if r.group_id == world.network.id]
    steps_row = next(r for r in network if r.measure == steps_measure(first))
    assert (steps_row.respondents, steps_row.counts) == (4, {"done": 1, "dropped": 1, "open": 3})
    teams = [r for r in after_midpoint if r.measure == steps_measure(first) and r is not steps_row]
    # Two people per team: below the anonymity minimum, so stored without their counts.
    assert sorted((r.respondents, r.counts) for r in teams) == [(2, None), (2, None)]

    await _set_status(app, steps[world.a2.id], NextStepStatus.partly)
    await _checkins(app, world, [world.b1, world.b2], 6.0)
    await _tick_at(app, clock, sender, local(2026, 4, 14, 15))  # the next meeting has begun
    next_step = await _round(app, world, first, FollowupKind.next_step)
    preparation = await _round(app, world, second, FollowupKind.preparation)
    statuses = await app.db.run(lambda s: followups_repo.of_group(s, world.network.id))
    closed = {r.id for r in statuses if r.status == FollowupStatus.closed}
    assert {midpoint, next_step, preparation} <= closed
    keys = [r.round_key for r in await _frozen(app) if r.group_id == world.network.id]
    # The preparation looks ahead to the next meeting: it closes without a freeze of its own.
    assert sorted(set(keys)) == sorted({round_key(midpoint), round_key(next_step)})
    # One safety total for the whole follow-up, over everyone who checked in during it.
    safety = [r for r in await _frozen(app) if r.measure == SAFETY]
    network_safety = next(r for r in safety if r.group_id == world.network.id)
    assert (network_safety.round_key, network_safety.respondents) == (round_key(next_step), 4)
    assert network_safety.mean == 5.5

    # Both rounds froze the first meeting's next steps; the digest shows the meeting once,
    # as it stood at the later round.
    assert await _network_steps(app, world, world.facilitator) == [
        {"done": 1, "dropped": 1, "open": 2, "partly": 1},
    ]

    # Later ticks freeze nothing again.
    before = len(await _frozen(app))
    await _tick_at(app, clock, sender, local(2026, 4, 14, 16))
    assert len(await _frozen(app)) == before


async def test_rounds_after_the_last_meeting_freeze_even_when_the_dispatcher_was_away(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    (meeting,) = await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    clock.now = local(2026, 3, 10, 17)
    await _write_steps(app, world, meeting)
    kinds = (FollowupKind.next_step, FollowupKind.midpoint, FollowupKind.checkin)
    rounds = {kind: await _round(app, world, meeting, kind) for kind in kinds}
    # Back after two months: the mid-point check's time passed before it could go out,
    # and the next step and check-in rounds open and close in the same tick.
    await _tick_at(app, clock, sender, local(2026, 5, 12, 10))
    frozen = await _frozen(app)
    assert {r.round_key for r in frozen} == {round_key(i) for i in rounds.values()}
    totals = [r.counts for r in frozen if r.group_id == world.network.id and r.counts]
    assert totals == [{"open": 4}] * 3
