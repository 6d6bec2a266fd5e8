"""Administrators create groups; roles are given and taken; a group keeps a facilitator."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from bot.services import admin
from bot.services.errors import Denied, NotFound, ServiceError
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Group, Membership
from tests.admin.support import group, member, notices, person
from tests.support import Clock, make_app

ADA = 7001  # in REFLEKS_ADMINS
OLE = 7002  # made an administrator with `refleks admin add`


async def _roles(session: Any, group_id: int) -> dict[str, Role]:
    rows = await session.execute(select(Membership).where(Membership.group_id == group_id))
    from storage.models import Person

    found = {}
    for (m,) in rows.all():
        who = await session.get(Person, m.person_id)
        found[who.display_name] = m.role
    return found


async def test_only_administrators_create_networks_and_teams(database: Database) -> None:
    app = make_app(database, Clock(), refleks_admins=[ADA])

    async def work(session: Any) -> tuple[Group, Group, Group]:
        ada = await person(app, session, "Ada", ADA)
        ole = await person(app, session, "Ole", OLE)
        mette = await person(app, session, "Mette", 7003)
        with pytest.raises(Denied) as refused:
            await admin.create(app, session, actor=ole, name="Netværk Vest", kind=GroupKind.network)
        assert refused.value.key == "admin.only_admins"
        assert await admin.add_administrator(app, session, OLE)
        assert not await admin.add_administrator(app, session, OLE)
        network, invite = await admin.create(
            app, session, actor=ada, name="Netværk Øst", kind=GroupKind.network
        )
        assert invite.role == Role.facilitator
        assert invite.uses_left == 1
        team, _ = await admin.create(
            app, session, actor=ole, name="Team A", kind=GroupKind.team, parent_id=network.id
        )
        alone, _ = await admin.create(
            app, session, actor=ole, name="Team Solo", kind=GroupKind.team
        )
        with pytest.raises(ServiceError) as nested:
            await admin.create(
                app, session, actor=ada, name="Under", kind=GroupKind.team, parent_id=team.id
            )
        assert nested.value.key == "error.parent_not_network"
        with pytest.raises(Denied):
            await admin.networks(app, session, mette)
        assert [n.name for n in await admin.networks(app, session, ada)] == ["Netværk Øst"]
        assert await admin.remove_administrator(session, OLE)
        with pytest.raises(Denied):
            await admin.create(app, session, actor=ole, name="Nej", kind=GroupKind.team)
        return network, team, alone

    network, team, alone = await app.db.run(work)
    assert team.parent_id == network.id
    assert alone.parent_id is None


async def test_roles_are_given_and_taken_but_the_last_facilitator_stays(database: Database) -> None:
    app = make_app(database, Clock(), refleks_admins=[ADA])

    async def work(session: Any) -> None:
        ada = await person(app, session, "Ada", ADA)
        mette = await person(app, session, "Mette", 7010)
        bo = await person(app, session, "Bo", 7011)
        lone = await person(app, session, "Lone", 7012)
        team = await group(app, session, "Team B")
        await member(app, session, team, mette, Role.facilitator)
        await member(app, session, team, bo, Role.participant)
        await member(app, session, team, lone, Role.participant)

        with pytest.raises(Denied) as last:
            await admin.set_role(
                app, session, actor=ada, group_id=team.id, person_id=mette.id, role=Role.participant
            )
        assert last.value.key == "admin.last_facilitator"
        with pytest.raises(Denied) as participant:
            await admin.set_role(
                app, session, actor=bo, group_id=team.id, person_id=bo.id, role=Role.facilitator
            )
        assert participant.value.key == "denied.manage"

        made = await admin.set_role(
            app, session, actor=ada, group_id=team.id, person_id=bo.id, role=Role.facilitator
        )
        assert made.changed
        # A facilitator appoints a leader and, now that there are two, steps down herself.
        await admin.set_role(
            app, session, actor=mette, group_id=team.id, person_id=lone.id, role=Role.leader
        )
        same = await admin.set_role(
            app, session, actor=mette, group_id=team.id, person_id=lone.id, role=Role.leader
        )
        assert not same.changed
        await admin.set_role(
            app, session, actor=mette, group_id=team.id, person_id=mette.id, role=Role.participant
        )
        assert await _roles(session, team.id) == {
            "Mette": Role.participant,
            "Bo": Role.facilitator,
            "Lone": Role.leader,
        }
        assert await notices(session, bo) == ["admin.notice_role.facilitator"]
        assert await notices(session, lone) == ["admin.notice_role.leader"]
        assert await notices(session, mette) == []  # nobody is told what they did themselves
        with pytest.raises(NotFound):
            await admin.set_role(
                app, session, actor=ada, group_id=team.id, person_id=ada.id, role=Role.leader
            )

    await app.db.run(work)


async def test_groups_show_roles_and_teams_through_the_network(database: Database) -> None:
    app = make_app(database, Clock(), refleks_admins=[ADA])

    async def work(session: Any) -> tuple[list[admin.Place], list[admin.Place], int]:
        mette = await person(app, session, "Mette", 7020)
        network = await group(app, session, "Netværk Nord", GroupKind.network)
        bakken = await group(app, session, "Bakken", parent=network)
        engen = await group(app, session, "Engen", parent=network)
        own = await group(app, session, "Aarhus læsning")
        await member(app, session, network, mette, Role.facilitator)
        await member(app, session, engen, mette, Role.participant)
        await member(app, session, own, mette, Role.leader)
        found = await admin.places(app, session, mette)
        _, archived_teams = await admin.archive(app, session, actor=mette, group_id=network.id)
        after = await admin.places(app, session, mette)
        assert bakken.id
        return found, after, archived_teams

    found, after, archived_teams = await app.db.run(work)
    shown = [(p.group.name, p.role, p.inherited, p.manage) for p in found]
    assert shown == [
        ("Aarhus læsning", Role.leader, None, False),
        ("Netværk Nord", Role.facilitator, None, True),
        ("Bakken", None, Role.facilitator, True),
        ("Engen", Role.participant, Role.facilitator, True),
    ]
    assert archived_teams == 2
    assert [p.group.name for p in after] == ["Aarhus læsning"]


async def test_the_last_facilitator_hands_the_group_to_an_administrator(database: Database) -> None:
    app = make_app(database, Clock())

    async def work(session: Any) -> None:
        jens = await person(app, session, "Jens", 7030)
        team = await group(app, session, "Team C")
        await member(app, session, team, jens, Role.facilitator)
        with pytest.raises(ServiceError) as nobody:
            await admin.hand_to_administrator(app, session, person=jens, group_id=team.id)
        assert nobody.value.key == "admin.no_administrator"
        await admin.add_administrator(app, session, 7031)
        # An administrator the bot has never talked to cannot be handed anything yet.
        assert await admin.administrators(app, session) == []
        ada = await person(app, session, "Ada", 7031)
        assert [p.id for p in await admin.administrators(app, session)] == [ada.id]
        assert await admin.administrators(app, session, besides=ada) == []
        done, successor = await admin.hand_to_administrator(
            app, session, person=jens, group_id=team.id
        )
        assert (done.id, successor.id) == (team.id, ada.id)
        assert await _roles(session, team.id) == {"Ada": Role.facilitator}
        assert await notices(session, ada) == ["admin.notice_handed_over"]

    await app.db.run(work)


async def test_an_administrator_sees_every_group_a_page_at_a_time(database: Database) -> None:
    app = make_app(database, Clock(), refleks_admins=[ADA])

    async def work(session: Any) -> tuple[admin.AllGroups, admin.AllGroups]:
        ada = await person(app, session, "Ada", ADA)
        network = await group(app, session, "Netværk", GroupKind.network)
        for index in range(admin.GROUPS_PER_PAGE + 3):
            await group(app, session, f"Team {index:02}", parent=network)
        first = await admin.all_groups(app, session, ada, 0)
        last = await admin.all_groups(app, session, ada, 99)
        return first, last

    first, last = await app.db.run(work)
    assert first.total == admin.GROUPS_PER_PAGE + 4
    assert first.pages == 2
    assert first.groups[0].name == "Netværk"  # a network, then its teams
    assert first.groups[1].name == "Team 00"
    assert last.page == 1
    assert len(last.groups) == 4
