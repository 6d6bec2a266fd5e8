"""Leaving a group, handing over or archiving, taking someone out, and /forget, in chat."""

from __future__ import annotations

from sqlalchemy import func, select

from bot.conversation import Conversation, Who
from bot.i18n import t
from bot.services.membership import create_group
from bot.views import View
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Group, Membership, Person
from storage.repositories import groups
from tests.support import Clock, make_app


def who(name: str) -> Who:
    return Who(display_name=name, language_code="da", console_handle=name.lower())


def press(views: list[View], label: str) -> str:
    for row in views[-1].buttons:
        for button in row:
            if label.lower() in button.label.lower():
                return button.action
    raise AssertionError(f"no button like {label!r}: {views[-1].buttons}")


async def _setup(database: Database) -> tuple[Conversation, dict[str, int], int]:
    app = make_app(database, Clock())
    talk = Conversation(app)
    for name in ("Ane", "Bo", "Cille"):
        await talk.button(who(name), "c:1")

    async def team(session):  # type: ignore[no-untyped-def]
        group, _ = await create_group(app, session, name="Team 5B", kind=GroupKind.team)
        ids = {p.display_name: p.id for p in (await session.scalars(select(Person))).all()}
        roles = {"Ane": Role.facilitator, "Bo": Role.participant, "Cille": Role.participant}
        for name, role in roles.items():
            await groups.add_member(
                session, group_id=group.id, person_id=ids[name], role=role, now=app.now()
            )
        return ids, group.id

    ids, group_id = await app.db.run(team)
    return talk, ids, group_id


async def _roles(database: Database, group_id: int) -> dict[int, Role]:
    async with database.transaction() as s:
        rows = (await s.scalars(select(Membership).where(Membership.group_id == group_id))).all()
        return {m.person_id: m.role for m in rows}


async def test_leaving_and_handing_over_and_archiving(database: Database) -> None:
    talk, ids, group_id = await _setup(database)

    asked = await talk.command(who("Bo"), "leave")
    confirm = await talk.button(who("Bo"), press(asked, "Team 5B"))
    assert "Vil du forlade" in confirm[0].html
    kept = await talk.button(who("Bo"), press(confirm, "Nej"))
    assert kept[0].html == t("da", "leave.kept")
    left = await talk.button(who("Bo"), press(confirm, "Ja"))
    assert "Du har forladt" in left[0].html
    assert ids["Bo"] not in await _roles(database, group_id)

    asked = await talk.command(who("Ane"), "leave")
    confirm = await talk.button(who("Ane"), press(asked, "Team 5B"))
    offered = await talk.button(who("Ane"), press(confirm, "Ja"))
    assert "sidste facilitator" in offered[0].html
    handed = await talk.button(who("Ane"), press(offered, "Cille"))
    assert "Cille er nu facilitator" in handed[0].html
    assert await _roles(database, group_id) == {ids["Cille"]: Role.facilitator}

    asked = await talk.command(who("Cille"), "leave")
    confirm = await talk.button(who("Cille"), press(asked, "Team 5B"))
    offered = await talk.button(who("Cille"), press(confirm, "Ja"))
    assert "eneste tilbage" in offered[0].html
    really = await talk.button(who("Cille"), press(offered, "Luk gruppen"))
    closed = await talk.button(who("Cille"), press(really, "Ja"))
    assert "er lukket" in closed[0].html
    async with database.transaction() as s:
        group = await s.get(Group, group_id)
        assert group is not None
        assert group.archived_at is not None
    assert await _roles(database, group_id) == {}


async def test_a_facilitator_takes_someone_out_and_nobody_else_can(database: Database) -> None:
    talk, ids, group_id = await _setup(database)
    members = await talk.command(who("Ane"), "remove")
    assert "Hvem skal ud" in members[0].html
    confirm = await talk.button(who("Ane"), press(members, "Bo"))
    assert "Vil du tage Bo ud" in confirm[0].html
    done = await talk.button(who("Ane"), press(confirm, "Ja"))
    assert "Bo er ikke længere med" in done[0].html
    assert ids["Bo"] not in await _roles(database, group_id)

    denied = await talk.command(who("Cille"), "remove")
    assert denied[0].html == t("da", "denied.manage")
    for forged in (
        f"u:{group_id}:{ids['Ane']}:1",
        f"u:{group_id}:{ids['Ane']}:0",
        f"u:{group_id}:0:0",
        f"h:{group_id}:{ids['Cille']}",
        f"q:{group_id}:1",
    ):
        answer = await talk.button(who("Cille"), forged)
        assert answer[0].html == t("da", "denied.manage"), forged
    assert (await talk.button(who("Cille"), "o:999:1"))[0].html == t("da", "error.group_not_found")
    assert (await talk.button(who("Ane"), f"u:{group_id}:{ids['Ane']}:1"))[0].html == t(
        "da", "remove.not_yourself"
    )
    assert await _roles(database, group_id) == {
        ids["Ane"]: Role.facilitator,
        ids["Cille"]: Role.participant,
    }


async def test_forget_asks_first_and_then_forgets(database: Database) -> None:
    talk, _, _ = await _setup(database)
    asked = await talk.command(who("Ane"), "forget")
    assert "Vil du slette dine data?" in asked[0].html
    assert "Team 5B" in asked[0].html  # she is its only facilitator: she is told
    kept = await talk.button(who("Ane"), press(asked, "Nej"))
    assert kept[0].html == t("da", "forget.kept")
    done = await talk.button(who("Ane"), press(asked, "Ja"))
    assert "Dine data er slettet" in done[0].html
    assert done[1].html == t("da", "forget.what_remains")
    async with database.transaction() as s:
        names = (await s.scalars(select(Person.display_name))).all()
        members = await s.scalar(select(func.count()).select_from(Membership))
    assert sorted(names) == ["Bo", "Cille"]
    assert members == 2
    again = await talk.command(who("Ane"), "reflect")
    assert "Før vi går i gang" in again[0].html  # a stranger again
