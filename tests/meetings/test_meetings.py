"""Scheduling: Danish times, series across summer time, moving, cancelling, skipping, listing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from icalendar import Calendar

from bot.app import App
from bot.services import meetings
from bot.services.errors import Denied, ServiceError
from storage.enums import FollowupStatus, MeetingStatus
from storage.models import Followup, Meeting
from tests.meetings.support import CPH, World, load, local, schedule
from tests.support import Clock


async def _meetings(app: App, group_id: int) -> list[Meeting]:
    from storage.repositories import meetings as repo

    return list(await app.db.run(lambda s: repo.of_group(s, group_id, planned_only=False)))


async def _rounds(app: App, group_id: int) -> list[Followup]:
    from storage.repositories import followups as repo

    return list(await app.db.run(lambda s: repo.of_group(s, group_id)))


@pytest.mark.parametrize(
    ("typed", "wall"),
    [
        ("tirsdag 14:00", datetime(2026, 3, 3, 14, 0)),
        ("3/12 kl. 9", datetime(2026, 12, 3, 9, 0)),
        ("om to uger kl. 13", datetime(2026, 3, 16, 13, 0)),
        ("torsdag d. 12/3 kl. 13.30", datetime(2026, 3, 12, 13, 30)),
        ("next friday at 10", datetime(2026, 3, 6, 10, 0)),
    ],
)
async def test_facilitators_type_times_in_danish_or_english(
    app: App, world: World, typed: str, wall: datetime
) -> None:
    assert meetings.read_when(app, typed, world.network, "da") == wall.replace(
        tzinfo=CPH
    ).astimezone(UTC)


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("tirsdag", "schedule.need_time"),
        ("i går kl. 10", "schedule.in_past"),
        ("engang til foråret", "schedule.not_understood"),
    ],
)
async def test_unclear_times_are_asked_again(app: App, world: World, typed: str, key: str) -> None:
    with pytest.raises(ServiceError) as caught:
        meetings.read_when(app, typed, world.network, "da")
    assert caught.value.key == key


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("tirsdag 16-14", "schedule.ends_before_start"),
        ("tirsdag 14:00-14:10", "schedule.duration"),
        ("tirsdag kl. 7 i 13 timer", "schedule.duration"),
    ],
)
async def test_impossible_lengths_are_asked_again(
    app: App, world: World, typed: str, key: str
) -> None:
    with pytest.raises(ServiceError) as caught:
        meetings.read_span(app, typed, world.network, "da")
    assert caught.value.key == key


async def test_a_typed_range_sets_the_length_and_a_move_can_change_it(
    app: App, world: World
) -> None:
    start, length = meetings.read_span(app, "tirsdag 14-16", world.network, "da")
    assert length == timedelta(hours=2)
    assert meetings.read_span(app, "tirsdag 14:00", world.network, "da")[1] is None
    (made,) = await schedule(app, world.facilitator, world.network, start, duration=length)

    async def lasting(session: Any, length: timedelta) -> timedelta:
        moved = await meetings.move(
            app, session, actor=None, meeting_id=made, start=start, length=length
        )
        return moved.ends_at - moved.starts_at

    shorter = await app.db.run(lambda s: lasting(s, timedelta(minutes=45)))
    assert shorter == timedelta(minutes=45)
    with pytest.raises(ServiceError) as caught:
        await app.db.run(lambda s: lasting(s, timedelta(hours=13)))
    assert caught.value.key == "schedule.duration"
    (kept,) = await _meetings(app, world.network.id)
    assert kept.ends_at - kept.starts_at == timedelta(minutes=45)


async def test_a_series_keeps_its_local_time_across_both_summer_time_changes(
    app: App, world: World
) -> None:
    # Every 4 weeks from 10 March: 7 April is in summer time, 17 November in winter time.
    ids = await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=4, count=10
    )
    rows = await _meetings(app, world.network.id)
    assert [m.id for m in rows] == ids
    walls = [m.starts_at.astimezone(CPH) for m in rows]
    assert {(w.hour, w.minute, w.weekday()) for w in walls} == {(14, 0, 1)}
    assert [w.utcoffset() for w in walls[:2]] == [timedelta(hours=1), timedelta(hours=2)]
    assert rows[-1].starts_at.astimezone(CPH).utcoffset() == timedelta(hours=1)  # 17 November
    assert rows[0].starts_at.hour == 13
    assert rows[1].starts_at.hour == 12  # the same wall time is an hour earlier in UTC
    assert all(m.ends_at - m.starts_at == timedelta(hours=3) for m in rows)


async def test_follow_ups_keep_their_wall_time_across_the_october_change(
    app: App, clock: Clock, world: World
) -> None:
    clock.now = local(2026, 10, 1, 9)
    await schedule(app, world.facilitator, world.network, local(2026, 10, 20, 14))
    midpoint = next(r for r in await _rounds(app, world.network.id) if r.kind == "midpoint")
    # The meeting ends at 17:00 summer time; fourteen days later it is 17:00 winter time.
    assert midpoint.due_at == datetime(2026, 11, 3, 16, 0, tzinfo=UTC)
    assert midpoint.due_at.astimezone(CPH).hour == 17


async def test_overlapping_meetings_are_refused(app: App, world: World) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    with pytest.raises(ServiceError) as caught:
        await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 16))
    assert caught.value.key == "schedule.overlaps"
    assert "10. marts kl. 14.00" in caught.value.params["when"]


async def test_only_facilitators_schedule(app: App, world: World) -> None:
    with pytest.raises(Denied):
        await schedule(app, world.a1, world.network, local(2026, 3, 10, 14))
    with pytest.raises(Denied):
        await schedule(app, world.a1, world.team_a, local(2026, 3, 10, 14))
    # A network's facilitator plans for the teams under it too.
    assert await schedule(app, world.facilitator, world.team_a, local(2026, 3, 10, 14))


async def test_moving_a_meeting_moves_its_follow_up(app: App, world: World) -> None:
    first, _ = await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=6, count=2
    )

    async def move(session):  # type: ignore[no-untyped-def]
        actor = await load(session, world.facilitator)
        return await meetings.move(
            app, session, actor=actor, meeting_id=first, start=local(2026, 3, 12, 9)
        )

    moved = await app.db.run(move)
    assert moved.sequence == 1
    assert moved.ends_at == local(2026, 3, 12, 12)
    next_step = next(
        r
        for r in await _rounds(app, world.network.id)
        if r.meeting_id == first and r.kind == "next_step"
    )
    assert next_step.due_at == local(2026, 3, 12, 12)
    assert next_step.status == FollowupStatus.planned


async def test_skipping_a_date_and_cancelling_the_rest_of_a_series(app: App, world: World) -> None:
    ids = await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=4, count=4
    )

    async def skip(session):  # type: ignore[no-untyped-def]
        actor = await load(session, world.facilitator)
        return await meetings.cancel(app, session, actor=actor, meeting_id=ids[1])

    await app.db.run(skip)
    rounds = await _rounds(app, world.network.id)
    for_skipped = [r for r in rounds if r.meeting_id == ids[1]]
    assert {r.status for r in for_skipped} == {FollowupStatus.cancelled}
    # The preparation of the third meeting now follows the first one.
    prep = next(r for r in rounds if r.meeting_id == ids[2] and r.kind == "preparation")
    assert prep.earliest_at == local(2026, 3, 10, 17)

    series = (await _meetings(app, world.network.id))[0].series_id

    async def cancel_rest(session):  # type: ignore[no-untyped-def]
        actor = await load(session, world.facilitator)
        return await meetings.cancel_series(app, session, actor=actor, series_id=series)

    gone = await app.db.run(cancel_rest)
    assert [m.id for m in gone] == [ids[0], ids[2], ids[3]]
    assert {m.status for m in await _meetings(app, world.network.id)} == {MeetingStatus.cancelled}
    assert {r.status for r in await _rounds(app, world.network.id)} == {FollowupStatus.cancelled}


async def test_members_of_a_team_see_the_networks_meetings_and_get_a_calendar_file(
    app: App, clock: Clock, world: World
) -> None:
    ids = await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    await schedule(app, world.facilitator, world.team_b, local(2026, 3, 11, 9))

    async def coming(session):  # type: ignore[no-untyped-def]
        person = await load(session, world.a1)
        found = await meetings.coming_for(app, session, person)
        return [(m.id, g.name) for m, g in found]

    assert await app.db.run(coming) == [(ids[0], "Netværk Nord")]  # Team B's is not Ane's

    async def ics(session):  # type: ignore[no-untyped-def]
        person = await load(session, world.a1)
        return await meetings.calendar(app, session, person=person, meeting_id=ids[0])

    file = await app.db.run(ics)
    event = next(iter(Calendar.from_ical(file.data).walk("VEVENT")))
    assert str(event["SUMMARY"]) == "Møde i Netværk Nord"
    assert event.decoded("DTSTART") == datetime(2026, 3, 10, 14, tzinfo=CPH)

    clock.now = local(2026, 3, 10, 18)
    assert await app.db.run(coming) == []  # over
