"""The learning circle's use cases on SQLite and PostgreSQL: who may do what, what is kept."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import circle, circle_link
from bot.services.circle import Closed, ReplyKind
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.membership import create_group
from storage.db import Database
from storage.enums import GroupKind, Role, SessionStatus
from storage.models import Answer, DialogueSession, Group, Invite, NextStep, Person
from storage.repositories import groups, meetings
from tests.circle.support import (
    CHAT,
    Team,
    advance,
    advance_to,
    consented,
    make_team,
    say,
    set_message,
    started,
)

ANNA, BO, CIA = 1000, 1001, 1002


async def _answers(team: Team) -> list[tuple[str, str, object]]:
    async def work(session: AsyncSession) -> list[tuple[str, str, object]]:
        names = {p.id: p.display_name for p in (await session.scalars(select(Person))).all()}
        rows = (await session.scalars(select(Answer).order_by(Answer.id))).all()
        return [(names[a.person_id], a.step_id, a.value) for a in rows]

    return await team.run(work)


async def test_only_facilitators_find_teams_to_link(database: Database) -> None:
    team = await make_team(database)
    app = team.app

    async def work(session: AsyncSession) -> tuple[list[str], list[str], list[str]]:
        network, _ = await create_group(app, session, name="Netværket", kind=GroupKind.network)
        other, _ = await create_group(
            app, session, name="Team 5B", kind=GroupKind.team, parent=network
        )
        coordinator = await consented(app, session, "Dorte", 2000)
        await groups.add_member(
            session,
            group_id=network.id,
            person_id=coordinator.id,
            role=Role.facilitator,
            now=team.clock.now,
        )
        mine = await circle_link.teams_to_link(app, session, team.anna)
        theirs = await circle_link.teams_to_link(app, session, team.bo)
        network_teams = await circle_link.teams_to_link(app, session, coordinator)
        assert other.parent_id == network.id
        return [g.name for g in mine], [g.name for g in theirs], [g.name for g in network_teams]

    mine, theirs, network_teams = await team.run(work)
    assert mine == ["Team 4A"]
    assert theirs == []
    assert network_teams == ["Team 5B"]


async def test_linking_is_for_facilitators_of_a_team(database: Database) -> None:
    team = await make_team(database)
    app = team.app

    async def participant(session: AsyncSession) -> None:
        await circle_link.link(app, session, person=team.bo, group_id=team.group.id, chat_id=CHAT)

    with pytest.raises(Denied):
        await team.run(participant)

    async def network(session: AsyncSession) -> None:
        group, _ = await create_group(app, session, name="Netværket", kind=GroupKind.network)
        await groups.add_member(
            session,
            group_id=group.id,
            person_id=team.anna.id,
            role=Role.facilitator,
            now=team.clock.now,
        )
        await circle_link.link(app, session, person=team.anna, group_id=group.id, chat_id=CHAT)

    with pytest.raises(ServiceError) as raised:
        await team.run(network)
    assert raised.value.key == "circle.team_only"

    async def linked(session: AsyncSession) -> Group | None:
        await circle_link.link(app, session, person=team.anna, group_id=team.group.id, chat_id=CHAT)
        return await circle_link.chat_group(session, CHAT)

    found = await team.run(linked)
    assert found is not None
    assert found.id == team.group.id


async def test_moving_a_chat_to_another_team_needs_standing_in_both(database: Database) -> None:
    team = await make_team(database)
    app = team.app

    async def work(session: AsyncSession) -> int:
        await circle_link.link(app, session, person=team.anna, group_id=team.group.id, chat_id=CHAT)
        other, _ = await create_group(app, session, name="Team 5B", kind=GroupKind.team)
        await groups.add_member(
            session,
            group_id=other.id,
            person_id=team.bo.id,
            role=Role.facilitator,
            now=team.clock.now,
        )
        return other.id

    other_id = await team.run(work)

    async def steal(session: AsyncSession) -> None:
        await circle_link.link(app, session, person=team.bo, group_id=other_id, chat_id=CHAT)

    with pytest.raises(Denied):
        await team.run(steal)
    found = await team.run(lambda s: circle_link.chat_group(s, CHAT))
    assert found is not None
    assert found.id == team.group.id


async def test_starting_needs_a_linked_chat_and_a_member_who_said_yes(database: Database) -> None:
    team = await make_team(database)
    app = team.app

    def start(focus_id: int):  # type: ignore[no-untyped-def]
        return lambda s: circle.start(
            app, s, person=team.anna, group_id=team.group.id, chat_id=CHAT, focus_id=focus_id
        )

    with pytest.raises(Closed):
        await team.run(start(team.bo.id))
    await team.run(
        lambda s: circle_link.link(app, s, person=team.anna, group_id=team.group.id, chat_id=CHAT)
    )

    async def stranger(session: AsyncSession) -> int:
        return (await consented(app, session, "Ukendt", 3000)).id

    with pytest.raises(NotFound):
        await team.run(start(await team.run(stranger)))
    with pytest.raises(Denied):
        await team.run(
            lambda s: circle.start(
                app, s, person=team.cia, group_id=team.group.id, chat_id=CHAT, focus_id=team.bo.id
            )
        )
    choices = await team.run(
        lambda s: circle_link.focus_choices(app, s, person=team.anna, group_id=team.group.id)
    )
    assert sorted(p.display_name for p in choices) == ["Anna", "Bo", "Cia"]
    moment = await team.run(start(team.bo.id))
    assert moment.moved
    assert moment.prompt is not None
    assert moment.prompt.param_id == "focus_by"
    assert moment.focus == "Bo"
    assert moment.facilitator == "Anna"
    assert moment.settings == 3
    with pytest.raises(ServiceError) as raised:
        await team.run(start(team.cia.id))
    assert raised.value.key == "circle.already_running"


async def test_contributions_follow_the_speaking_positions(database: Database) -> None:
    team = await make_team(database)
    frame = await started(team)
    assert frame.prompt is not None
    assert frame.prompt.step_id == "frame"
    spoken = await say(team, frame, BO, "Hej")
    assert spoken.kind == ReplyKind.nothing_to_note

    focus = await advance(team, frame)
    assert focus.prompt is not None
    assert focus.prompt.step_id == "focus"
    assert (await say(team, focus, BO, "Hvordan giver eleverne feedback?")).kind == ReplyKind.noted
    not_now = await say(team, focus, CIA, "Jeg har en idé")
    assert not_now.kind == ReplyKind.not_your_turn
    assert not_now.allowed == ["Fokusperson (Bo)"]
    assert (await say(team, focus, BO, None)).kind == ReplyKind.text_only
    too_long = await say(team, focus, BO, "x" * 2000)
    assert too_long.kind == ReplyKind.problem
    old = await say(team, frame, BO, "Til en gammel besked")
    assert old.kind == ReplyKind.old_message

    data = await advance(team, focus)
    assert (await say(team, data, CIA, "Exit tickets")).kind == ReplyKind.noted
    noted = await say(team, data, BO, "Mine noter")
    assert noted.moment is not None
    assert noted.moment.prompt is not None
    assert noted.moment.prompt.contributions == 2
    assert await _answers(team) == [
        ("Bo", "focus", "Hvordan giver eleverne feedback?"),
        ("Cia", "data", "Exit tickets"),
        ("Bo", "data", "Mine noter"),
    ]


async def test_people_outside_the_team_are_not_given_a_link_the_facilitator_did_not_make(
    database: Database,
) -> None:
    team = await make_team(database)
    frame = await started(team)
    focus = await advance(team, frame)
    first = await say(team, focus, 4242, "Jeg er ny her")
    assert first.kind == ReplyKind.must_join
    assert first.link is None  # they ask the facilitator; the bot makes no link of its own

    async def outsider(session: AsyncSession) -> None:
        await consented(team.app, session, "Gæst", 4343)

    await team.run(outsider)
    member_elsewhere = await say(team, focus, 4343, "Jeg er fra et andet team")
    assert member_elsewhere.kind == ReplyKind.must_join
    assert member_elsewhere.link is None

    async def stored(session: AsyncSession) -> tuple[int, int, list[Invite]]:
        people = len((await session.scalars(select(Person))).all())
        answers = len((await session.scalars(select(Answer))).all())
        invites = (
            await session.scalars(select(Invite).where(Invite.role == Role.participant))
        ).all()
        return people, answers, list(invites)

    people, answers, invites = await team.run(stored)
    assert people == 4  # Anna, Bo, Cia and the guest who said yes; nobody else
    assert answers == 0
    assert invites == []

    # The facilitator turns the chat link on: newcomers are pointed to that one link.
    async def turn_on(session: AsyncSession) -> str:
        anna = await session.get(Person, team.anna.id)
        return await circle_link.turn_chat_link_on(
            team.app, session, person=anna, group_id=team.group.id
        )

    link = await team.run(turn_on)
    assert await team.run(turn_on) == link  # shown again, not made again
    pointed = await say(team, focus, 4242, "Nu med link")
    assert pointed.link == link
    _, _, invites = await team.run(stored)
    assert [(i.uses_left, i.created_by) for i in invites] == [(40, team.anna.id)]

    async def bo_turns_on(session: AsyncSession) -> str:
        bo = await session.get(Person, team.bo.id)
        return await circle_link.turn_chat_link_on(
            team.app, session, person=bo, group_id=team.group.id
        )

    with pytest.raises(Denied) as refused:
        await team.run(bo_turns_on)
    assert refused.value.key == "denied.invite"

    async def turn_off(session: AsyncSession) -> None:
        anna = await session.get(Person, team.anna.id)
        await circle_link.turn_chat_link_off(team.app, session, person=anna, group_id=team.group.id)

    await team.run(turn_off)
    assert (await say(team, focus, 4242, "Og nu?")).link is None
    _, _, invites = await team.run(stored)
    assert invites[0].revoked_at is not None


async def test_only_facilitators_steer_and_old_buttons_are_closed(database: Database) -> None:
    team = await make_team(database)
    app = team.app
    frame = await started(team)
    for press in (circle.advance, circle.extend, circle.stop):
        with pytest.raises(Denied):
            await team.run(
                lambda s, press=press: press(  # type: ignore[misc]
                    app, s, person=team.bo, session_id=frame.session_id, turn=frame.turn
                )
            )
    with pytest.raises(ServiceError):
        await team.run(
            lambda s: circle.advance(
                app, s, person=None, session_id=frame.session_id, turn=frame.turn
            )
        )
    focus = await advance(team, frame)
    with pytest.raises(Closed):
        await advance(team, frame)  # the button of the phase before
    with pytest.raises(Closed):
        await team.run(
            lambda s: circle.advance(app, s, person=team.anna, session_id=99_999, turn=1)
        )
    with pytest.raises(Closed):
        await team.run(
            lambda s: circle.choose(
                app, s, person=team.anna, session_id=focus.session_id, turn=focus.turn, index=0
            )
        )
    stopped = await team.run(
        lambda s: circle.stop(
            app, s, person=team.anna, session_id=focus.session_id, turn=focus.turn
        )
    )
    assert stopped.cancelled
    assert stopped.previous_message_id == focus.prompt_message_id
    assert await team.run(lambda s: circle.current(app, s, CHAT)) is None


async def test_the_warning_comes_once_shortly_before_time_is_up(database: Database) -> None:
    team = await make_team(database)
    app = team.app
    frame = await started(team)
    assert frame.prompt is not None
    assert frame.prompt.timebox_minutes == 5
    assert frame.warn_at == frame.phase_started_at + timedelta(minutes=4)  # type: ignore[operator]

    def due():  # type: ignore[no-untyped-def]
        return lambda s: circle.due_warning(app, s, session_id=frame.session_id, turn=frame.turn)

    team.clock.advance(minutes=3, seconds=59)
    assert await team.run(due()) is None
    team.clock.advance(seconds=1)
    warned = await team.run(due())
    assert warned is not None
    assert warned.chat_id == CHAT
    assert await team.run(due()) is None  # once

    extended = await team.run(
        lambda s: circle.extend(
            app, s, person=team.anna, session_id=frame.session_id, turn=frame.turn
        )
    )
    assert extended.prompt is not None
    assert extended.prompt.timebox_minutes == 10
    assert not extended.moved
    assert await team.run(due()) is None  # the new warning comes before the new end
    team.clock.advance(minutes=5)
    assert await team.run(due()) is not None

    focus = await advance(team, frame)
    team.clock.advance(hours=1)
    assert await team.run(due()) is None  # an old phase is never warned about
    running = await team.run(lambda s: circle.running(app, s))
    assert [m.turn for m in running] == [focus.turn]


async def test_a_whole_circle_keeps_the_next_step_and_posts_a_summary(database: Database) -> None:
    team = await make_team(database)
    frame = await started(team)
    focus = await advance(team, frame)
    await say(team, focus, BO, "Feedback i 4A")
    reflect = await advance_to(team, focus, "reflect")
    await say(team, reflect, CIA, "Korte svar fylder")
    await say(team, reflect, ANNA, "Hvad med to stjerner?")
    step = await advance_to(team, reflect, "next")
    waiting = await advance(team, step)
    assert waiting.problem is not None  # the next step cannot be left out
    assert not waiting.moved
    assert (await say(team, step, CIA, "Mit skridt")).kind == ReplyKind.not_your_turn
    due = (await say(team, step, BO, "Prøve exit tickets")).moment
    assert due is not None
    assert due.prompt is not None
    assert due.prompt.part == "due"
    reach = (await say(team, due, BO, "om to uger")).moment
    assert reach is not None
    follow = (await say(team, reach, BO, "På fagteammødet")).moment
    assert follow is not None
    date_step = await advance(team, follow)
    assert (await say(team, date_step, BO, "3/12")).kind == ReplyKind.not_your_turn
    close = (await say(team, date_step, ANNA, "3/12")).moment
    assert close is not None
    assert close.prompt is not None
    assert close.prompt.step_id == "close"
    await say(team, close, CIA, "Tak")
    end = await advance(team, close)
    assert end.completed
    assert end.next_steps_saved == 1
    assert end.summary is not None
    assert "Feedback i 4A" in end.summary
    assert "Hvad med to stjerner?" in end.summary
    assert "Prøve exit tickets" in end.summary

    async def stored(session: AsyncSession) -> tuple[DialogueSession, list[NextStep]]:
        row = (await session.scalars(select(DialogueSession))).one()
        steps = (await session.scalars(select(NextStep))).all()
        return row, list(steps)

    row, steps = await team.run(stored)
    assert row.status == SessionStatus.completed
    assert row.completed_at is not None
    assert len(steps) == 1
    assert steps[0].person_id == team.bo.id
    assert steps[0].group_id == team.group.id
    assert steps[0].session_id == row.id
    assert steps[0].due is not None
    assert ("Anna", "followup_date", "2026-12-03") in await _answers(team)


async def test_a_supergroup_keeps_the_team_and_its_circle(database: Database) -> None:
    team = await make_team(database)
    frame = await started(team)
    new_chat = -1_000_000_000_777
    await team.run(lambda s: circle.moved_chat(s, CHAT, new_chat))
    found = await team.run(lambda s: circle_link.chat_group(s, new_chat))
    assert found is not None
    assert found.id == team.group.id
    moment = await team.run(lambda s: circle.current(team.app, s, new_chat))
    assert moment is not None
    assert moment.session_id == frame.session_id
    assert moment.chat_id == new_chat
    assert await team.run(lambda s: circle.current(team.app, s, CHAT)) is None
    await set_message(team, moment, 900)
    reply = await team.run(
        lambda s: circle.reply(
            team.app, s, chat_id=new_chat, telegram_id=BO, text="Hej", reply_to=900
        )
    )
    assert reply.kind == ReplyKind.nothing_to_note  # the frame is spoken, but it is found


async def test_a_circle_during_a_planned_meeting_belongs_to_it(database: Database) -> None:
    team = await make_team(database)
    now = team.clock.now

    async def plan(session: AsyncSession) -> tuple[int, int]:
        later = await meetings.create_meeting(
            session,
            group_id=team.group.id,
            starts_at=now + timedelta(days=7),
            ends_at=now + timedelta(days=7, hours=3),
            now=now,
        )
        today = await meetings.create_meeting(
            session,
            group_id=team.group.id,
            starts_at=now + timedelta(minutes=30),
            ends_at=now + timedelta(hours=3),
            now=now,
        )
        return later.id, today.id

    _, today = await team.run(plan)
    moment = await started(team)

    async def meeting_of(session: AsyncSession) -> int | None:
        row = await session.get(DialogueSession, moment.session_id)
        assert row is not None
        return row.meeting_id

    assert await team.run(meeting_of) == today


async def _finished_from(team: Team, focus: circle.Moment) -> circle.Moment:
    """The rest of a circle from its focus phase: Bo the focus person, Cia reflecting."""
    reflect = await advance_to(team, focus, "reflect")
    await say(team, reflect, CIA, "Korte svar fylder")
    step = await advance_to(team, reflect, "next")
    due = (await say(team, step, BO, "Prøve exit tickets")).moment
    assert due is not None
    reach = (await say(team, due, BO, "om to uger")).moment
    assert reach is not None
    follow = (await say(team, reach, BO, "På fagteammødet")).moment
    assert follow is not None
    date_step = await advance_to(team, follow, "followup_date")
    close = (await say(team, date_step, ANNA, "3/12")).moment
    assert close is not None
    end = await advance(team, close)
    assert end.completed
    return end


async def _seen(team: Team) -> dict[str, str]:
    """Who sees what: step id (and item) -> visibility, for answers and next steps."""

    async def work(session: AsyncSession) -> dict[str, str]:
        answers = (await session.scalars(select(Answer))).all()
        steps = (await session.scalars(select(NextStep))).all()
        seen = {f"{a.step_id}.{a.item}".rstrip("."): a.visibility for a in answers}
        (step,) = steps  # the focus person's one next step from the circle
        seen["next step"] = step.visibility
        return seen

    return await team.run(work)


async def _leader_reads(team: Team) -> list[str]:
    """The texts a leader's summary of the team shows (the command line reads as one)."""
    from bot.services import summaries

    team.clock.advance(minutes=1)  # a summary reads up to the moment before it is made

    async def work(session: AsyncSession) -> list[str]:
        request = summaries.SummaryRequest(group_id=team.group.id)
        report = await summaries.build(team.app, session, viewer=None, request=request)
        section = report.main
        return [t.text for t in section.focuses] + [s.what for s in section.step_items]

    return await team.run(work)


async def test_the_focus_person_alone_shares_focus_and_next_step_with_the_leaders(
    database: Database,
) -> None:
    team = await make_team(database)
    focus = await advance(team, await started(team))
    with pytest.raises(Closed):  # not while the circle runs: the team talks freely first
        await team.run(
            lambda s: circle.share_with_leaders(
                team.app, s, person=team.bo, session_id=focus.session_id, share=True
            )
        )
    await say(team, focus, BO, "Feedback i 4A")
    end = await _finished_from(team, focus)
    before = await _seen(team)
    assert set(before.values()) == {"team"}
    assert await _leader_reads(team) == []
    for other in (team.anna, team.cia):  # the facilitator and a colleague may not
        with pytest.raises(Denied):
            await team.run(
                lambda s, who=other: circle.share_with_leaders(
                    team.app, s, person=who, session_id=end.session_id, share=True
                )
            )
    shared = await team.run(
        lambda s: circle.share_with_leaders(
            team.app, s, person=team.bo, session_id=end.session_id, share=True
        )
    )
    assert shared.with_leaders
    assert shared.changed >= 2
    after = await _seen(team)
    assert after["focus"] == after["next step"] == "leaders"
    assert {k: v for k, v in after.items() if k.startswith("next.")} == {
        k: "leaders" for k in after if k.startswith("next.")
    }
    # The follow-up date goes along; what others wrote stays with the team.
    assert after["followup_date"] == "leaders"
    assert after["reflect"] == "team"
    assert sorted(await _leader_reads(team)) == ["Feedback i 4A", "Prøve exit tickets"]
    # And back to the team, if the focus person thinks again.
    await team.run(
        lambda s: circle.share_with_leaders(
            team.app, s, person=team.bo, session_id=end.session_id, share=False
        )
    )
    assert set((await _seen(team)).values()) == {"team"}
    assert await _leader_reads(team) == []
