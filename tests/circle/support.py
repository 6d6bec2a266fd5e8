"""A team with a facilitator and participants, and a way to walk a circle forward."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import circle, circle_link, privacy
from bot.services.circle import Moment
from bot.services.membership import create_group
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from storage.repositories import groups
from tests.support import Clock, make_app

T = TypeVar("T")
CHAT = -4_000_000_123


@dataclass
class Team:
    app: App
    clock: Clock
    group: Group
    anna: Person  # facilitator
    bo: Person  # participant, usually the focus person
    cia: Person  # participant

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self.app.db.run(work)


async def consented(app: App, session: AsyncSession, name: str, telegram_id: int) -> Person:
    return await privacy.accept(
        app, session, language="da", display_name=name, telegram_id=telegram_id
    )


async def make_team(database: Database, clock: Clock | None = None) -> Team:
    clock = clock or Clock()
    app = make_app(database, clock)
    app.bot_username = "refleks_test_bot"

    async def work(session: AsyncSession) -> Team:
        group, _ = await create_group(app, session, name="Team 4A", kind=GroupKind.team)
        people = []
        for index, (name, role) in enumerate(
            [("Anna", Role.facilitator), ("Bo", Role.participant), ("Cia", Role.participant)]
        ):
            person = await consented(app, session, name, 1000 + index)
            await groups.add_member(
                session, group_id=group.id, person_id=person.id, role=role, now=clock.now
            )
            people.append(person)
        return Team(app, clock, group, *people)

    return await app.db.run(work)


async def started(team: Team, reflection: str = "after_data") -> Moment:
    """Link the chat, start with Bo as focus person and answer the three settings."""
    app = team.app

    async def work(session: AsyncSession) -> Moment:
        await circle_link.link(app, session, person=team.anna, group_id=team.group.id, chat_id=CHAT)
        moment = await circle.start(
            app,
            session,
            person=team.anna,
            group_id=team.group.id,
            chat_id=CHAT,
            focus_id=team.bo.id,
        )
        for _ in range(3):
            prompt = moment.prompt
            assert prompt is not None
            assert prompt.param_id is not None
            values = [value for value, _ in prompt.options]
            index = values.index(reflection) if reflection in values else 0
            moment = await circle.choose(
                app,
                session,
                person=team.anna,
                session_id=moment.session_id,
                turn=moment.turn,
                index=index,
            )
        return moment

    moment = await app.db.run(work)
    await set_message(team, moment, 500 + moment.turn)
    return moment


async def set_message(team: Team, moment: Moment, message_id: int) -> None:
    """What the channel does after sending a phase: remember the message people reply to."""
    await team.run(
        lambda s: circle.set_prompt_message(
            s, session_id=moment.session_id, turn=moment.turn, message_id=message_id
        )
    )
    moment.prompt_message_id = message_id


async def advance(team: Team, moment: Moment, person: Person | None = None) -> Moment:
    """Press Next as the facilitator (or someone else) and post the new phase."""
    who = person or team.anna
    after = await team.run(
        lambda s: circle.advance(
            team.app, s, person=who, session_id=moment.session_id, turn=moment.turn
        )
    )
    if after.moved and not after.completed:
        await set_message(team, after, 500 + after.turn)
    return after


async def advance_to(team: Team, moment: Moment, step_id: str) -> Moment:
    for _ in range(20):
        if moment.prompt is not None and moment.prompt.step_id == step_id:
            return moment
        moment = await advance(team, moment)
    raise AssertionError(f"never reached {step_id}")


async def say(team: Team, moment: Moment, telegram_id: int, text: str | None) -> circle.Reply:
    """Someone replies to the current phase message."""
    reply = await team.run(
        lambda s: circle.reply(
            team.app,
            s,
            chat_id=CHAT,
            telegram_id=telegram_id,
            text=text,
            reply_to=moment.prompt_message_id or 0,
        )
    )
    if reply.moment is not None and reply.moment.moved and not reply.moment.completed:
        await set_message(team, reply.moment, 500 + reply.moment.turn)
    return reply
