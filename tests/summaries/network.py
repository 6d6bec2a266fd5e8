"""A realistic network, built only through the product's own services.

Netværk Syd: four teams of 4–8 teachers, two terms (spring and autumn 2026, the summer
break between them), six network meetings planned as a series by the network's
facilitator, the follow-up rounds the dispatcher opens and closes around them, safety
check-ins, and a learning circle in one team's chat at every meeting. People join with
invite links, say yes to the privacy text, answer their follow-ups in the private chat
and take part in circles in their team's chat, exactly as the bot's channels make them do.

While it runs, `Ledger` writes down what happened, person by person, so tests can compare
every figure of a summary with what the people in the story actually did.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.dispatch import rounds
from bot.services import (
    circle,
    circle_link,
    followups,
    meetings,
    membership,
    next_steps,
    privacy,
    reflection,
)
from bot.services.reflection import Shown
from storage.enums import FollowupKind, FollowupStatus, GroupKind, NextStepStatus, Role
from storage.models import Group, Person
from storage.repositories import followups as followups_repo
from tests.support import Clock

T = TypeVar("T")
CPH = ZoneInfo("Europe/Copenhagen")
NETWORK = "Netværk Syd"
# Team sizes in the spring; Skovly loses one teacher and Åsen gains one over the summer.
TEAMS = {"Skovly": 8, "Bakken": 6, "Engen": 5, "Åsen": 4}
LEAVES = ("Skovly", 7)  # the eighth teacher of Skovly leaves after the spring term
JOINS = "Åsen"  # and Åsen gains a fifth before the autumn
SPRING = datetime(2026, 2, 3, 13, 0, tzinfo=CPH)  # Tuesdays at 13:00, every five weeks
AUTUMN = datetime(2026, 9, 8, 13, 0, tzinfo=CPH)
MEETING_HOURS = 3
STATUS_CHOICE = {"done": 0, "partly": 1, "not_yet": 2}  # opfoelgning's status options
_TELEGRAM = itertools.count(7_000_001)
_CHATS = itertools.count(-4_100_000_001, -1)


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC)


@dataclass
class Ledger:
    """What the people of the story did, written down as they did it (never read back)."""

    # (team, meeting index) -> participants who took part in something tied to the meeting
    took_part: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    # (team, meeting index) -> participants who were members on the meeting's day
    members_on: dict[tuple[str, int], set[str]] = field(default_factory=dict)
    # (team, meeting index) -> {person: statuses of their next steps from it, oldest first}
    steps: dict[tuple[str, int], dict[str, list[str]]] = field(
        default_factory=lambda: defaultdict(lambda: defaultdict(list))
    )
    # (team, meeting index) -> people who adjusted their step at the mid-point
    adjusted: dict[tuple[str, int], set[str]] = field(default_factory=lambda: defaultdict(set))
    # (team, meeting index) -> safety scores of the check-ins before that meeting
    checkins: dict[tuple[str, int], dict[str, int]] = field(
        default_factory=lambda: defaultdict(dict)
    )
    # meeting index -> when the mid-point statuses were given
    midpoint_at: dict[int, datetime] = field(default_factory=dict)
    # (person, step text, when): a spring step marked done with /mine in the autumn
    late: tuple[str, str, datetime] | None = None
    # team -> learning focuses its focus people shared with the leaders after a circle
    circle_focuses: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))


@dataclass
class Built:
    app: App
    clock: Clock
    network: Group
    teams: dict[str, Group]
    people: dict[str, list[Person]]  # participants per team, in joining order
    leader: Person
    facilitator: Person  # the network's
    team_facilitators: dict[str, Person]
    meetings: list[int]
    meeting_starts: list[datetime]
    ledger: Ledger
    left: list[Person] = field(default_factory=list)  # participants who left their team

    async def run(self, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
        return await self.app.db.run(work)

    def team_of(self, name: str) -> str:
        return next(team for team, people in self.people.items() if name in _names(people))


def _names(people: list[Person]) -> list[str]:
    return [p.display_name for p in people]


async def _person(app: App, session: AsyncSession, name: str) -> Person:
    return await privacy.accept(
        app, session, language="da", display_name=name, telegram_id=next(_TELEGRAM)
    )


async def _join(app: App, session: AsyncSession, who: Person, group: Group, actor: Person) -> None:
    invite = await membership.create_invite(
        app, session, group_id=group.id, role=Role.participant, actor=actor
    )
    await membership.join(app, session, person=await _load(session, who), code=invite.code)


async def _load(session: AsyncSession, person: Person) -> Person:
    found = await session.get(Person, person.id)
    assert found is not None
    return found


# -- private reflections, step by step as the chat would -----------------------------------

Choose = Callable[[str, Any], Any]  # (step id, prompt) -> an answer, or None to skip


async def _walk(
    app: App, session: AsyncSession, person: Person, shown: Shown, choose: Choose
) -> None:
    """Answer a private reflection to its end; `choose` gives each answer."""
    for _ in range(60):
        if shown.completed:
            return
        prompt = shown.prompt
        assert shown.problem is None, shown.problem
        assert prompt is not None
        step = prompt.step_id or ""
        key = f"{step}.{prompt.part}" if prompt.part else step
        wanted = choose(key, prompt)
        if isinstance(wanted, tuple):  # (visibility, answer)
            level, wanted = wanted
            if level != prompt.visibility:
                shown = await reflection.choose_visibility(
                    app, session, person=person, turn=shown.turn, level=level
                )
                prompt = shown.prompt
                assert prompt is not None
        if wanted is None and prompt.can_skip:
            shown = await reflection.skip(app, session, person=person, turn=shown.turn)
            continue
        if prompt.expects == "multi_choice":
            shown = await reflection.answer_mask(
                app, session, person=person, turn=shown.turn, mask=1
            )
            continue
        if prompt.expects in ("scale", "choice", "none"):
            option = wanted if isinstance(wanted, int) else 0
            shown = await reflection.answer(
                app, session, person=person, value=None, turn=shown.turn, option_index=option
            )
            continue
        value = (
            wanted
            if isinstance(wanted, str)
            else ("om to uger" if prompt.expects == "date" else f"Svar til {key}")
        )
        shown = await reflection.answer(app, session, person=person, value=value, turn=shown.turn)
    raise AssertionError("the reflection did not finish")


def _answers(given: dict[str, Any]) -> Choose:
    """Answer the steps named in `given` (optionally as (visibility, answer)), skip the rest."""
    return lambda key, _prompt: given.get(key)


def _checkin_choice(app: App, score: int) -> Choose:
    """Answer the safety scale so that the index comes out as `score` (1–7; a scale
    button carries its value, and reverse-scored items are answered the other way round)."""
    fmt = app.catalog.get("psykologisk-tryghed")
    assert fmt is not None

    def choose(key: str, prompt: Any) -> Any:
        if key == "use":
            return 0  # the check-in
        if prompt.expects == "scale":
            step = fmt.step(key)
            return 8 - score if getattr(step, "reverse", False) else score
        return None

    return choose


# -- the story ------------------------------------------------------------------------------


class Story:
    def __init__(self, app: App, clock: Clock) -> None:
        self.app, self.clock = app, clock
        self.ledger = Ledger()
        self.chats: dict[str, int] = {}

    async def at(self, moment: datetime) -> None:
        """Move the clock and let the dispatcher do what is due (open, close, note)."""
        self.clock.now = _utc(moment)

        async def work(session: AsyncSession) -> None:
            for _ in range(5):
                closed = await rounds.close_due(self.app, session, limit=500)
                opened, _ = await rounds.open_due(self.app, session, limit=500)
                if not closed and not opened:
                    break
            await rounds.sync_outcomes(self.app, session)

        await self.app.db.run(work)

    async def open_round(self, kind: FollowupKind, meeting_id: int) -> int:
        async def work(session: AsyncSession) -> int:
            for row in await followups_repo.of_meetings(session, [meeting_id]):
                if row.kind == kind and row.status == FollowupStatus.open:
                    return row.id
            raise AssertionError(f"no open {kind} round for meeting {meeting_id}")

        return await self.app.db.run(work)

    async def reflect(self, person: Person, followup_id: int, choose: Choose) -> None:
        self.clock.advance(minutes=2)  # people answer one after another, not all at once

        async def work(session: AsyncSession) -> None:
            who = await _load(session, person)
            shown = await followups.start(self.app, session, person=who, followup_id=followup_id)
            await _walk(self.app, session, who, shown, choose)

        await self.app.db.run(work)

    async def checkin(self, person: Person, team: Group, score: int) -> None:
        self.clock.advance(minutes=2)

        async def work(session: AsyncSession) -> None:
            who = await _load(session, person)
            shown = await reflection.start(
                self.app, session, person=who, format_id="psykologisk-tryghed", group_id=team.id
            )
            await _walk(self.app, session, who, shown, _checkin_choice(self.app, score))

        await self.app.db.run(work)

    async def circle(
        self,
        team: Group,
        runner: Person,
        focus: Person,
        said: dict[str, list[tuple[Person, str]]],
        *,
        share: bool = False,
    ) -> None:
        """A learning circle in the team's chat: `said` holds the replies per phase; with
        `share`, the focus person then shares focus and next step with the leaders."""
        chat = self.chats[team.name]
        messages = itertools.count(900)

        async def work(session: AsyncSession) -> None:
            who = await _load(session, runner)
            moment = await circle.start(
                self.app, session, person=who, group_id=team.id, chat_id=chat, focus_id=focus.id
            )
            for _ in range(80):
                if moment.completed:
                    if share:
                        person = await _load(session, focus)
                        await circle.share_with_leaders(
                            self.app,
                            session,
                            person=person,
                            session_id=moment.session_id,
                            share=True,
                        )
                    return
                prompt = moment.prompt
                assert prompt is not None
                if prompt.kind == "param":
                    moment = await circle.choose(
                        self.app,
                        session,
                        person=who,
                        session_id=moment.session_id,
                        turn=moment.turn,
                        index=0,
                    )
                    continue
                message = next(messages)
                await circle.set_prompt_message(
                    session, session_id=moment.session_id, turn=moment.turn, message_id=message
                )
                key = f"{prompt.step_id}.{prompt.part}" if prompt.part else prompt.step_id
                for author, text in said.get(key or "", []):
                    reply = await circle.reply(
                        self.app,
                        session,
                        chat_id=chat,
                        telegram_id=author.telegram_id or 0,
                        text=text,
                        reply_to=message,
                    )
                    assert reply.kind in (circle.ReplyKind.noted, circle.ReplyKind.moved), reply
                current = await circle.current(self.app, session, chat)
                if current is None:
                    raise AssertionError("a circle ends when the facilitator moves on")
                if current.turn != moment.turn:
                    moment = current
                    continue
                moment = await circle.advance(
                    self.app, session, person=who, session_id=moment.session_id, turn=moment.turn
                )
            raise AssertionError("the circle did not finish")

        await self.app.db.run(work)


# -- who does what ---------------------------------------------------------------------------


def writes_step(i: int, m: int) -> bool:
    """Whether participant `i` answers the next-step round after meeting `m`."""
    return (i + m) % 5 != 4


def midpoint_status(i: int, m: int) -> str | None:
    """What participant `i` reports at the mid-point after meeting `m` (None: no answer)."""
    return (None, "done", "partly", "not_yet", "done")[(i + m) % 5]


def checkin_score(team: str, i: int, m: int) -> int | None:
    """The safety score participant `i` gives before meeting `m` (None: no check-in)."""
    if (i + m) % 3 == 2:
        return None
    base = {"Skovly": 5, "Bakken": 4, "Engen": 4, "Åsen": 3}[team]
    return min(7, base + (m >= 3) + i % 2)


def step_text(team: str, name: str, m: int) -> str:
    return f"{name} prøver exit-billetter i {team} efter møde {m + 1}"


async def build_network(app: App, clock: Clock) -> Built:
    """The whole story, from the first invite to the check-in after the last meeting."""
    story = Story(app, clock)
    ledger = story.ledger
    clock.now = _utc(datetime(2026, 1, 5, 9, 0, tzinfo=CPH))
    app.bot_username = "refleks_test_bot"

    async def setup(session: AsyncSession) -> Built:
        network, first = await membership.create_group(
            app, session, name=NETWORK, kind=GroupKind.network
        )
        frida = await _person(app, session, "Frida Facilitator")
        await membership.join(app, session, person=frida, code=first.code)
        lea = await _person(app, session, "Lea Leder")
        invite = await membership.create_invite(
            app, session, group_id=network.id, role=Role.leader, actor=None
        )
        await membership.join(app, session, person=lea, code=invite.code)
        teams: dict[str, Group] = {}
        runners: dict[str, Person] = {}
        people: dict[str, list[Person]] = {}
        for name, size in TEAMS.items():
            team, first = await membership.create_group(
                app, session, name=name, kind=GroupKind.team, parent=network, creator=frida
            )
            runner = await _person(app, session, f"Tove {name}")
            await membership.join(app, session, person=runner, code=first.code)
            teams[name], runners[name] = team, runner
            people[name] = []
            for i in range(size):
                teacher = await _person(app, session, f"{name[:2]}{i + 1}")
                await _join(app, session, teacher, team, runner)
                people[name].append(teacher)
            chat = next(_CHATS)
            story.chats[name] = chat
            await circle_link.link(
                app, session, person=await _load(session, runner), group_id=team.id, chat_id=chat
            )
        return Built(app, clock, network, teams, people, lea, frida, runners, [], [], ledger)

    built = await app.db.run(setup)
    await _plan(built, SPRING)
    for m in range(3):
        await _meeting(story, built, m)
    # The summer: one teacher leaves Skovly, Åsen gains one.
    clock.now = _utc(datetime(2026, 8, 10, 9, 0, tzinfo=CPH))
    team, index = LEAVES

    async def summer(session: AsyncSession) -> None:
        leaving = await _load(session, built.people[team][index])
        await membership.leave(app, session, person=leaving, group_id=built.teams[team].id)
        built.left.append(leaving)
        newcomer = await _person(app, session, f"{JOINS[:2]}{len(built.people[JOINS]) + 1}")
        await _join(app, session, newcomer, built.teams[JOINS], built.team_facilitators[JOINS])
        built.people[JOINS].append(newcomer)

    await app.db.run(summer)
    await _plan(built, AUTUMN)
    # Back at school, Sk1 marks the step from the first meeting done in /mine.
    clock.now = _utc(datetime(2026, 9, 1, 15, 0, tzinfo=CPH))
    first = built.people["Skovly"][0]

    async def marked(session: AsyncSession) -> str:
        who = await _load(session, first)
        wanted = step_text("Skovly", first.display_name, 0)
        step = next(s for s in await next_steps.open_steps(session, who) if s.what == wanted)
        await next_steps.set_status(
            app, session, person=who, next_step_id=step.id, status=NextStepStatus.done
        )
        return step.what

    ledger.late = (first.display_name, await app.db.run(marked), clock.now)
    for m in range(3, 6):
        await _meeting(story, built, m)
    await story.at(built.meeting_starts[-1] + timedelta(days=60))
    return built


def _present(built: Built, team: str, m: int) -> list[tuple[int, Person]]:
    """The team's participants on meeting `m`'s day, with their index in the team."""
    found = list(enumerate(built.people[team]))
    if m >= 3:
        found = [(i, p) for i, p in found if (team, i) != LEAVES]
    else:
        found = [(i, p) for i, p in found if not (team == JOINS and i >= TEAMS[JOINS])]
    return found


async def _plan(built: Built, first: datetime) -> None:
    async def work(session: AsyncSession) -> list[int]:
        made = await meetings.schedule(
            built.app,
            session,
            actor=await _load(session, built.facilitator),
            group_id=built.network.id,
            first_start=_utc(first),
            every_weeks=5,
            count=3,
            duration=timedelta(hours=MEETING_HOURS),
        )
        built.meeting_starts += [m.starts_at for m in made]
        return [m.id for m in made]

    built.meetings += await built.app.db.run(work)


async def _meeting(story: Story, built: Built, m: int) -> None:
    """Check-ins before meeting `m`, the meeting with its circle, and its follow-up."""
    ledger, start, meeting_id = story.ledger, built.meeting_starts[m], built.meetings[m]
    if m > 0:
        await story.at(start - timedelta(days=3))
        for team in built.teams:
            for i, person in _present(built, team, m):
                score = checkin_score(team, i, m)
                if score is not None:
                    await story.checkin(person, built.teams[team], score)
                    ledger.checkins[(team, m)][person.display_name] = score
    for team in built.teams:
        ledger.members_on[(team, m)] = {p.display_name for _, p in _present(built, team, m)}
    await story.at(start + timedelta(minutes=30))
    circle_team = list(TEAMS)[m % len(TEAMS)]
    present = [p for _, p in _present(built, circle_team, m)]
    focus, second, third = (
        present[m % len(present)],
        present[(m + 1) % len(present)],
        present[(m + 2) % len(present)],
    )
    runner = built.team_facilitators[circle_team]
    await story.circle(
        built.teams[circle_team],
        runner,
        focus,
        {
            "focus": [(focus, f"Hvordan får jeg de stille elever med i samtalen? (møde {m + 1})")],
            "data": [(focus, "Jeg har talt ordskifter i tre timer."), (second, "Hos mig ens.")],
            "reflect": [(third, "Måske skriver de først."), (runner, "Læg mærke til ventetid.")],
            "next.what": [(focus, f"Jeg giver skrivetid før samtalen (møde {m + 1})")],
            "next.due": [(focus, "om tre uger")],
            "next.reach": [(focus, "Jeg fortæller teamet om det")],
            "followup_date": [(runner, "om fire uger")],
            "close": [(runner, "Tak for i dag.")],
        },
        share=m % 2 == 1,  # every other focus person lets the leaders see focus and step
    )
    shared = [f"Hvordan får jeg de stille elever med i samtalen? (møde {m + 1})"][: m % 2]
    ledger.circle_focuses[circle_team] += shared
    ledger.steps[(circle_team, m)][focus.display_name].append("open")  # agreed in the circle
    ledger.took_part[(circle_team, m)] |= {
        focus.display_name,
        second.display_name,
        third.display_name,
    }
    await story.at(start + timedelta(hours=MEETING_HOURS, minutes=5))
    next_round = await story.open_round(FollowupKind.next_step, meeting_id)
    for team in built.teams:
        for i, person in _present(built, team, m):
            if not writes_step(i, m):
                continue
            name = person.display_name
            texts = {
                "focus": ("leaders" if i % 3 == 0 else "team", f"{name}: fokus på elevstemmer"),
                "next.what": ("leaders" if i % 2 == 0 else "team", step_text(team, name, m)),
            }
            await story.reflect(person, next_round, _answers(texts))
            ledger.took_part[(team, m)].add(name)
            ledger.steps[(team, m)][name].append("open")
    mid = start + timedelta(days=14, hours=2)
    await story.at(mid)
    mid_round = await story.open_round(FollowupKind.midpoint, meeting_id)
    ledger.midpoint_at[m] = _utc(mid)
    for team in built.teams:
        for i, person in _present(built, team, m):
            name = person.display_name
            status = midpoint_status(i, m)
            if status is None or name not in ledger.steps[(team, m)]:
                continue
            adjust = status == "not_yet" and i % 2 == 0
            answers: dict[str, Any] = {
                "status": ("team", STATUS_CHOICE[status]),
                "next.what": ("leaders", f"{step_text(team, name, m)}, i mindre skala")
                if adjust
                else None,
            }
            await story.reflect(person, mid_round, _answers(answers))
            ledger.took_part[(team, m)].add(name)
            # The answer goes to the latest step; adjusting it replaces it, open again.
            ledger.steps[(team, m)][name][-1] = "open" if adjust else status
            if adjust:
                ledger.adjusted[(team, m)].add(name)
    await story.at(mid + timedelta(hours=1))
