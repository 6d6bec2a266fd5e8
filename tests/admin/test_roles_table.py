"""Who may do what, as one table: every command and button that needs a role, tried by
every kind of person, with the exact denial each one gets."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import pytest

from bot.app import App
from bot.services import admin, aggregates, circle_link, followups, meetings, membership, reflection
from bot.services.errors import ServiceError
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from tests.admin.support import group, member, person
from tests.support import Clock, make_app

ADMIN_ID = 7_700_000_009
FORMAT = "laeringssamtale"

# Who tries: where they are a member, with which role (None: nowhere).
PEOPLE: dict[str, tuple[str, Role] | None] = {
    "outsider": None,
    "team participant": ("team", Role.participant),
    "team leader": ("team", Role.leader),
    "team facilitator": ("team", Role.facilitator),
    "network participant": ("network", Role.participant),
    "network leader": ("network", Role.leader),
    "network facilitator": ("network", Role.facilitator),
    "administrator": None,
}


@dataclass
class Place:
    app: App
    team: Group
    network: Group


Call = Callable[[Place, Any, Person], Awaitable[object]]

# The command or button, and the service call it makes on the team.
ENTRIES: dict[str, Call] = {
    "/reflect in the team": lambda p, s, who: reflection.start(
        p.app, s, person=who, format_id=FORMAT, group_id=p.team.id
    ),
    "/invite a participant": lambda p, s, who: membership.create_invite(
        p.app, s, group_id=p.team.id, role=Role.participant, actor=who
    ),
    "/schedule a meeting": lambda p, s, who: meetings.schedulable(p.app, s, who, p.team.id),
    "follow-up plan: change a round": lambda p, s, who: followups.change_plan(
        p.app, s, actor=who, group_id=p.team.id
    ),
    "follow-up plan: closed periods": lambda p, s, who: followups.set_closed_periods(
        p.app, s, actor=who, group_id=p.team.id, periods=[]
    ),
    "/circle: link the chat": lambda p, s, who: circle_link.link(
        p.app, s, person=who, group_id=p.team.id, chat_id=-100_777
    ),
    "/circle: choose the focus person": lambda p, s, who: circle_link.focus_choices(
        p.app, s, person=who, group_id=p.team.id
    ),
    "/groups: overview": lambda p, s, who: admin.overview(p.app, s, who, p.team.id),
    "/groups: members": lambda p, s, who: admin.members(p.app, s, who, p.team.id),
    "/groups: role link": lambda p, s, who: admin.role_invite(
        p.app, s, actor=who, group_id=p.team.id, role=Role.leader
    ),
    "/groups: archive": lambda p, s, who: admin.archive(p.app, s, actor=who, group_id=p.team.id),
    "/summary: close the check-in round": lambda p, s, who: aggregates.close_checkin(
        p.app, s, person=who, group_id=p.team.id
    ),
    "/groups: all networks": lambda p, s, who: admin.networks(p.app, s, who),
    "/newgroup": lambda p, s, who: admin.create(
        p.app, s, actor=who, name="Nyt team", kind=GroupKind.team
    ),
    "/groups: join as facilitator": lambda p, s, who: admin.join_as_facilitator(
        p.app, s, actor=who, group_id=p.team.id
    ),
}

MEMBERS = {"team participant", "team leader", "team facilitator"}
FACILITATORS = {"team facilitator", "network facilitator", "administrator"}
# Who may use each entry (everyone else is refused); the reason a member without the role
# is given, and the one for someone who is not a member of the team at all.
RULES: dict[str, tuple[set[str], str]] = {
    "/reflect in the team": (
        MEMBERS | {"network leader", "network facilitator", "administrator"},
        "denied.reflect",
    ),
    "/invite a participant": (FACILITATORS, "denied.invite"),
    "/schedule a meeting": (FACILITATORS, "denied.schedule"),
    "follow-up plan: change a round": (FACILITATORS, "denied.schedule"),
    "follow-up plan: closed periods": (FACILITATORS, "denied.schedule"),
    "/circle: link the chat": (FACILITATORS, "denied.run_circle"),
    "/circle: choose the focus person": (FACILITATORS, "denied.run_circle"),
    "/groups: overview": (FACILITATORS, "denied.manage"),
    "/groups: members": (FACILITATORS, "denied.manage"),
    "/groups: role link": (FACILITATORS, "denied.manage"),
    "/groups: archive": (FACILITATORS, "denied.manage"),
    "/summary: close the check-in round": (FACILITATORS, "denied.manage"),
    "/groups: all networks": ({"administrator"}, "admin.only_admins"),
    "/newgroup": ({"administrator"}, "admin.only_admins"),
    "/groups: join as facilitator": ({"administrator"}, "admin.only_admins"),
}
ADMIN_ONLY = {entry for entry, (allowed, _) in RULES.items() if allowed == {"administrator"}}


def _expected(entry: str, who: str) -> str:
    """ "allowed", or the key of the denial this person gets."""
    allowed, refusal = RULES[entry]
    if who in allowed:
        return "allowed"
    if entry in ADMIN_ONLY:
        return refusal
    # A network participant is not a member of the team: roles only carry down from a
    # network for facilitators and leaders.
    if who in ("outsider", "network participant"):
        return "denied.not_member"
    return refusal


class _Undo(Exception):
    """Roll a tried call back, so each cell of the table starts from the same place."""


async def _place(app: App) -> tuple[Place, dict[str, int]]:
    async def work(session: Any) -> tuple[Place, dict[str, int]]:
        network = await group(app, session, "Netværk Nord", GroupKind.network)
        team = await group(app, session, "Team 4A", parent=network)
        ids: dict[str, int] = {}
        for number, (label, where) in enumerate(PEOPLE.items()):
            telegram_id = ADMIN_ID if label == "administrator" else 7_700_000_100 + number
            who = await person(app, session, label.title(), telegram_id)
            if where is not None:
                await member(app, session, team if where[0] == "team" else network, who, where[1])
            ids[label] = who.id
        # Pinned for good here: a pin made in a rolled-back cell would be remembered.
        fmt = app.catalog.get(FORMAT)
        assert fmt is not None
        await reflection.pin(app, session, fmt)
        return Place(app, team, network), ids

    return await app.db.run(work)


async def _try(database: Database, place: Place, person_id: int, call: Call) -> str:
    """ "allowed", or the key of the denial; either way nothing the call did is kept."""

    async def attempt(session: Any) -> None:
        who = await session.get(Person, person_id)
        assert who is not None
        await call(place, session, who)
        raise _Undo

    try:
        async with database.transaction() as session:
            await attempt(session)
    except _Undo:
        return "allowed"
    except ServiceError as exc:
        return exc.key
    raise AssertionError("unreachable")


def test_the_table_covers_every_entry() -> None:
    assert set(RULES) == set(ENTRIES)


async def test_every_command_and_button_against_every_role(database: Database) -> None:
    app = make_app(database, Clock(), refleks_admins=[ADMIN_ID])
    place, ids = await _place(app)
    seen = {
        (entry, who): await _try(database, place, ids[who], call)
        for entry, call in ENTRIES.items()
        for who in PEOPLE
    }
    wanted = {(entry, who): _expected(entry, who) for entry in ENTRIES for who in PEOPLE}
    wrong = {cell: (seen[cell], wanted[cell]) for cell in wanted if seen[cell] != wanted[cell]}
    assert wrong == {}, "\n".join(
        f"{e} / {w}: got {g}, want {x}" for (e, w), (g, x) in wrong.items()
    )


@pytest.mark.parametrize("who", ["team leader", "network leader"])
async def test_a_leader_may_not_schedule_meetings(database: Database, who: str) -> None:
    app = make_app(database, Clock())
    place, ids = await _place(app)

    async def schedule(session: Any) -> None:
        leader = await session.get(Person, ids[who])
        assert leader is not None
        await meetings.schedulable(app, session, leader, place.team.id)

    with pytest.raises(ServiceError) as refused:
        await app.db.run(schedule)
    assert refused.value.key == "denied.schedule"
