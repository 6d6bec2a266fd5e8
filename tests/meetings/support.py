"""A small world for the meeting and follow-up tests, and a sender that records."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import text

from bot.app import App
from bot.button_kinds import decode
from bot.buttons import Press
from bot.dispatch import Dispatcher, Pacer
from bot.dispatch.pacing import VirtualTime
from bot.dispatch.sender import Delivered, Outcome
from bot.services import membership, privacy
from bot.views import View
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from storage.repositories import groups
from tests.support import Clock

# Monday 2 March 2026, 09:00 in Copenhagen (winter time, UTC+1).
MONDAY = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)


@dataclass
class RecordingSender:
    """Answers like Telegram would; `fail(chat, ...)` scripts the next answers for a chat."""

    sent: list[tuple[int, View]] = field(default_factory=list)
    script: dict[int, deque[Outcome]] = field(default_factory=dict)
    tried: int = 0
    _next_id: int = 1000

    def fail(self, chat_id: int, *outcomes: Outcome) -> None:
        self.script.setdefault(chat_id, deque()).extend(outcomes)

    async def send(self, chat_id: int, view: View) -> Outcome:
        self.tried += 1
        scripted = self.script.get(chat_id)
        if scripted:
            return scripted.popleft()
        self._next_id += 1
        self.sent.append((chat_id, view))
        return Delivered(self._next_id)

    def to(self, chat_id: int) -> list[str]:
        return [view.html for chat, view in self.sent if chat == chat_id]

    def take(self) -> list[tuple[int, View]]:
        taken, self.sent = self.sent, []
        return taken


def dispatcher(app: App, sender: RecordingSender, **kwargs: object) -> Dispatcher:
    """A dispatcher on virtual pacing time: it never sleeps for real."""
    clock = VirtualTime()
    pacer = Pacer(monotonic=clock, sleep=clock.sleep)
    return Dispatcher(app, sender, pacer=pacer, **kwargs)  # type: ignore[arg-type]


@dataclass
class World:
    network: Group
    team_a: Group
    team_b: Group
    facilitator: Person
    a1: Person
    a2: Person
    b1: Person
    b2: Person

    @property
    def participants(self) -> list[Person]:
        return [self.a1, self.a2, self.b1, self.b2]


async def person(
    app: App, session: object, name: str, telegram_id: int, lang: str = "da"
) -> Person:
    return await privacy.accept(
        app,
        session,
        language=lang,
        display_name=name,
        telegram_id=telegram_id,  # type: ignore[arg-type]
    )


async def build_world(app: App) -> World:
    """A network with two teams: a facilitator of the network, two participants per team."""

    async def work(session):  # type: ignore[no-untyped-def]
        network, _ = await membership.create_group(
            app, session, name="Netværk Nord", kind=GroupKind.network
        )
        team_a, _ = await membership.create_group(
            app, session, name="Team A", kind=GroupKind.team, parent=network
        )
        team_b, _ = await membership.create_group(
            app, session, name="Team B", kind=GroupKind.team, parent=network
        )
        fie = await person(app, session, "Fie", 501)
        people = [
            await person(app, session, n, 600 + i)
            for i, n in enumerate(["Ane", "Asta", "Bo", "Bent"])
        ]
        now = app.now()
        await groups.add_member(
            session, group_id=network.id, person_id=fie.id, role=Role.facilitator, now=now
        )
        for member, team in zip(people, [team_a, team_a, team_b, team_b], strict=True):
            await groups.add_member(
                session, group_id=team.id, person_id=member.id, role=Role.participant, now=now
            )
        return World(network, team_a, team_b, fie, *people)

    return await app.db.run(work)


def at_clock(clock: Clock, moment: datetime) -> datetime:
    clock.now = moment
    return moment


async def load(session: object, person: Person) -> Person:
    """The person as a row of this transaction (changes to it are saved)."""
    found = await session.get(Person, person.id)  # type: ignore[attr-defined]
    assert found is not None
    return found  # type: ignore[no-any-return]


async def answer_followup(
    app: App,
    who: Person,
    followup_id: int,
    *,
    choices: dict[str, int] | None = None,
    visibility: dict[str, str] | None = None,
    texts: dict[str, str] | None = None,
    skip: frozenset[str] = frozenset(),
) -> None:
    """Start a follow-up's reflection as `who` and answer every step.

    Choices take the first option unless `choices` says otherwise; `visibility` sets who
    sees a step's answer; texts default to "Svar til <step>"; steps in `skip` are skipped.
    """
    from bot.services import followups, reflection

    async def work(session):  # type: ignore[no-untyped-def]
        person = await load(session, who)
        shown = await followups.start(app, session, person=person, followup_id=followup_id)
        for _ in range(40):
            if shown.completed:
                return
            prompt = shown.prompt
            assert shown.problem is None, shown.problem
            assert prompt is not None
            step = prompt.step_id or ""
            if step in skip and prompt.can_skip:
                shown = await reflection.skip(app, session, person=person, turn=shown.turn)
                continue
            level = (visibility or {}).get(step)
            if level is not None and level != prompt.visibility:
                shown = await reflection.choose_visibility(
                    app, session, person=person, turn=shown.turn, level=level
                )
            option: int | None = None
            value: str | None = None
            if prompt.expects == "multi_choice":
                shown = await reflection.answer_mask(
                    app, session, person=person, turn=shown.turn, mask=1
                )
                continue
            if prompt.expects == "scale":
                option = 4
            elif prompt.expects in ("choice", "none"):
                option = (choices or {}).get(step, 0)
            elif prompt.expects == "date":
                value = "om to uger"
            else:
                key = f"{step}.{prompt.part}" if prompt.part else step
                value = (texts or {}).get(key, f"Svar til {key}")
            shown = await reflection.answer(
                app, session, person=person, value=value, turn=shown.turn, option_index=option
            )
        raise AssertionError("the reflection did not finish")

    await app.db.run(work)


CPH = ZoneInfo("Europe/Copenhagen")


def local(*parts: int) -> datetime:
    """A wall time in Copenhagen as an aware UTC moment."""
    return datetime(*parts, tzinfo=CPH).astimezone(UTC)  # type: ignore[misc]


def followup_of(view: View) -> int:
    """The follow-up id carried by a prompt's Start button."""
    for row in view.buttons:
        for button in row:
            pressed = decode(button.action)
            if isinstance(pressed, Press) and pressed.kind == "O" and pressed.args[0] == 1:
                return pressed.args[1]
    raise AssertionError(f"no start button in {view.buttons}")


async def schedule(
    app: App, actor: Person | None, group: Group, start: datetime, **kwargs: object
) -> list[int]:
    """Schedule meetings through the service; returns their ids."""
    from bot.services import meetings

    async def work(session):  # type: ignore[no-untyped-def]
        who = await load(session, actor) if actor is not None else None
        made = await meetings.schedule(
            app, session, actor=who, group_id=group.id, first_start=start, **kwargs
        )
        return [m.id for m in made]

    return await app.db.run(work)


async def snooze(app: App, who: Person, followup_id: int, days: int) -> datetime:
    from bot.services import followups

    async def work(session):  # type: ignore[no-untyped-def]
        person = await load(session, who)
        return await followups.snooze(
            app, session, person=person, followup_id=followup_id, days=days
        )

    return await app.db.run(work)


async def pause(app: App, who: Person, days: int) -> object:
    from bot.services import followups

    async def work(session):  # type: ignore[no-untyped-def]
        person = await load(session, who)
        return await followups.pause(app, session, person=person, days=days)

    return await app.db.run(work)


async def who_answered(app: App, actor: Person, followup_id: int) -> dict[str, str]:
    from bot.services import followups

    async def work(session):  # type: ignore[no-untyped-def]
        person = await load(session, actor)
        status = await followups.round_status(app, session, actor=person, followup_id=followup_id)
        return {p.name: p.state for p in status.people}

    return await app.db.run(work)


def chats(sent: list[tuple[int, View]]) -> list[int]:
    return sorted(chat for chat, _ in sent)


async def search_path(database: Database) -> str | None:
    """The PostgreSQL schema a test database lives in (None on SQLite)."""
    if database.is_sqlite:
        return None
    async with database.engine.connect() as connection:
        return str((await connection.execute(text("SHOW search_path"))).scalar())
