"""/groups, /newgroup, /mine and /forget's hand-over, through the conversation of every channel."""

from __future__ import annotations

from sqlalchemy import select

from bot.conversation import Conversation, Who
from bot.i18n import t
from bot.views import View
from storage.db import Database
from storage.enums import GroupKind, Role
from storage.models import Answer, Group, Membership, OutboxMessage, Person
from tests.support import Clock, make_app

ADA = Who(display_name="Ada", language_code="da", telegram_id=8001)
BO = Who(display_name="Bo", language_code="da", telegram_id=8002)


def press(views: list[View], label: str) -> str:
    for view in reversed(views):
        for row in view.buttons:
            for button in row:
                if label.lower() in button.label.lower():
                    return button.action
    raise AssertionError(f"no button like {label!r}: {[v.buttons for v in views]}")


async def _talk(database: Database) -> tuple[Conversation, Clock]:
    clock = Clock()
    talk = Conversation(make_app(database, clock, refleks_admins=[ADA.telegram_id]))
    for who in (ADA, BO):
        await talk.button(who, "c:1")
    return talk, clock


async def _groups(database: Database) -> list[Group]:
    async with database.transaction() as session:
        return list((await session.scalars(select(Group).order_by(Group.id))).all())


async def test_an_administrator_creates_a_network_and_a_team_by_typing_their_names(
    database: Database,
) -> None:
    talk, _ = await _talk(database)
    refused = await talk.command(BO, "newgroup")
    assert refused[0].html == t("da", "admin.only_admins")

    asked = await talk.command(ADA, "newgroup")
    assert "Hvad vil du oprette?" in asked[0].html
    name = await talk.button(ADA, press(asked, "Et netværk"))
    assert "Hvad skal netværket hedde?" in name[0].html
    too_long = await talk.text(ADA, "N" * 200)
    assert too_long[0].html == t("da", "error.group_name")  # and it still waits for a name
    made = await talk.text(ADA, "Netværk Øst")
    assert "Netværket <b>Netværk Øst</b> er oprettet" in made[0].html
    assert "?start=" in made[0].html

    team_name = await talk.button(ADA, press(made, "Nyt team i netværket"))
    assert "Netværk Øst" in team_name[0].html
    made_team = await talk.text(ADA, "Team A")
    assert "Teamet <b>Team A</b> er oprettet" in made_team[0].html
    joined = await talk.button(ADA, press(made_team, "Gør mig til facilitator"))
    assert "facilitator i <b>Team A</b>" in joined[0].html

    # Asked for a name, then gone to reflect instead: the text is the reflection's.
    again = await talk.command(ADA, "newgroup")
    await talk.button(ADA, press(again, "Et team for sig"))
    await talk.command(ADA, "reflect")
    cancel = await talk.command(ADA, "newgroup")
    cancelled = await talk.button(ADA, press(cancel, "Annullér"))
    assert cancelled[0].html == t("da", "newgroup.cancelled")
    after = await talk.text(ADA, "Et helt almindeligt svar")
    assert "oprettet" not in after[0].html

    found = await _groups(database)
    assert [(g.name, g.kind, g.parent_id) for g in found] == [
        ("Netværk Øst", GroupKind.network, None),
        ("Team A", GroupKind.team, found[0].id),
    ]


async def test_groups_lists_roles_and_lets_a_facilitator_appoint_and_archive(
    database: Database,
) -> None:
    talk, _ = await _talk(database)
    await talk.command(ADA, "newgroup")
    await talk.button(ADA, "G:2:0")
    await talk.text(ADA, "Team Bo")
    team = (await _groups(database))[0]

    async with database.transaction() as session:
        bo = await session.scalar(select(Person).where(Person.telegram_id == BO.telegram_id))
        session.add(
            Membership(
                group_id=team.id, person_id=bo.id, role=Role.participant, joined_at=bo.created_at
            )
        )

    mine = await talk.command(BO, "groups")
    assert "<b>Team Bo</b> (team) – deltager" in mine[0].html
    assert mine[0].buttons == []  # a participant manages nothing
    assert "/leave" in mine[0].html

    listed = await talk.command(ADA, "groups")
    assert "Som administrator" in listed[0].html
    everything = await talk.button(ADA, press(listed, "Alle grupper"))
    assert "Team Bo" in everything[0].html
    assert "⚠️" in everything[0].html
    panel = await talk.button(ADA, press(everything, "Team Bo"))
    assert "Facilitatorer: ingen" in panel[0].html
    roles = await talk.button(ADA, press(panel, "Giv eller tag en rolle"))
    chosen = await talk.button(ADA, press(roles, "Bo – deltager"))
    assert "Hvilken rolle skal Bo have?" in chosen[0].html
    appointed = await talk.button(ADA, press(chosen, "Facilitator"))
    assert appointed[0].html == t(
        "da", "admin.role_set", name="Bo", role="facilitator", group="Team Bo"
    )

    link = await talk.button(ADA, f"A:5:{team.id}:0:1")
    assert "ny leder" in link[0].html
    assert "?start=" in link[0].html
    forged = await talk.button(BO, f"A:7:{team.id + 99}:0:0")
    assert forged[0].html == t("da", "error.group_not_found")

    now_bo = await talk.command(BO, "groups")
    panel = await talk.button(BO, press(now_bo, "Team Bo"))
    ask = await talk.button(BO, press(panel, "Arkivér"))
    assert "Vil du arkivere" in ask[0].html
    done = await talk.button(BO, press(ask, "Ja, arkivér"))
    assert "er arkiveret" in done[0].html
    assert (await _groups(database))[0].archived_at is not None


async def test_mine_opens_edits_narrows_and_withdraws(database: Database) -> None:
    talk, clock = await _talk(database)
    await talk.command(ADA, "newgroup")
    await talk.button(ADA, "G:2:0")
    await talk.text(ADA, "Team 4A")
    team = (await _groups(database))[0]
    await talk.button(ADA, f"A:11:{team.id}:0:0")

    nothing = await talk.command(ADA, "mine")
    assert nothing[0].html == t("da", "mine.none")
    menu = await talk.command(ADA, "reflect")
    timing = await talk.button(ADA, press(menu, "Roller og relationer"))
    intro = await talk.button(ADA, press(timing, "Efter besøget"))
    role = await talk.button(ADA, press(intro, "OK"))
    visit = await talk.button(ADA, press(role, "Lærer"))
    visit = await talk.button(ADA, press(visit, "Mit team"))
    await talk.text(ADA, "Naturcenteret ved skoven")
    await talk.command(ADA, "cancel")  # stopped half-way: what was answered is kept
    clock.advance(minutes=5)

    listed = await talk.command(ADA, "mine")
    assert "Roller og relationer" in listed[0].html
    assert "2 svar" in listed[0].html
    opened = await talk.button(ADA, press(listed, "Roller og relationer"))
    assert "<b>2. Besøget</b>\nNaturcenteret ved skoven\n<i>👁 Mit team</i>" in opened[0].html
    answer = await talk.button(ADA, press(opened, "Besøget"))
    assert "Dit team og jeres facilitatorer" in answer[0].html

    asked = await talk.button(ADA, press(answer, "Ret svaret"))
    assert "<i>Naturcenteret ved skoven</i>" in asked[0].html
    refused = await talk.text(ADA, "Barnet 311299-4321 var med")
    assert refused[0].html == t("da", "problem.contains_cpr")
    edited = await talk.text(ADA, "Skovbørnehaven")
    assert "Dit svar er rettet" in edited[0].html
    assert "Skovbørnehaven" in edited[0].html

    choose = await talk.button(ADA, press(edited, "Lad færre se det"))
    labels = [b.label for row in choose[0].buttons for b in row]
    assert labels == ["Kun mig", "Mig og facilitatorer", "◀ Tilbage"]
    narrowed = await talk.button(ADA, press(choose, "Kun mig"))
    assert "Kun du kan se dit svar" in narrowed[0].html
    assert "Lad færre se det" not in str(narrowed[0].buttons)

    ask = await talk.button(ADA, press(narrowed, "Træk svaret tilbage"))
    assert "Det kan ikke fortrydes" in ask[0].html
    gone = await talk.button(ADA, press(ask, "Ja, træk det tilbage"))
    assert gone[0].html == t("da", "mine.withdrawn")
    reopened = await talk.button(ADA, press(gone, "Tilbage"))
    assert "Trukket tilbage" in reopened[0].html
    assert "Skovbørnehaven" not in reopened[0].html

    async with database.transaction() as session:
        stored = (await session.scalars(select(Answer).where(Answer.step_id == "visit"))).one()
    assert stored.value == ""
    assert stored.withdrawn_at is not None
    stale = await talk.button(ADA, f"W:4:{stored.id}:0")
    assert stale[0].html == t("da", "mine.already_withdrawn")
    stranger = await talk.button(BO, f"W:3:{stored.id}:0")
    assert stranger[0].html == t("da", "mine.gone")


async def test_forget_offers_a_hand_over_first_and_an_administrator_takes_the_group(
    database: Database,
) -> None:
    talk, _ = await _talk(database)
    await talk.command(ADA, "newgroup")
    await talk.button(ADA, "G:2:0")
    await talk.text(ADA, "Team Bo")
    team = (await _groups(database))[0]
    async with database.transaction() as session:
        bo = await session.scalar(select(Person).where(Person.telegram_id == BO.telegram_id))
        session.add(
            Membership(
                group_id=team.id, person_id=bo.id, role=Role.facilitator, joined_at=bo.created_at
            )
        )

    asked = await talk.command(BO, "forget")
    assert "Vil du slette dine data?" in asked[0].html
    assert "den eneste facilitator i Team Bo" in asked[0].html
    labels = [b.label for row in asked[0].buttons for b in row]
    assert labels[:2] == ["Giv rollen til en administrator", "Luk gruppen"]
    assert labels[-2:] == ["Ja, slet mine data", "Nej, behold dem"]
    handed = await talk.button(BO, press(asked, "administrator"))
    assert "Ada er nu facilitator i <b>Team Bo</b>" in handed[0].html

    async with database.transaction() as session:
        roles = {m.person_id: m.role for m in (await session.scalars(select(Membership))).all()}
        ada = await session.scalar(select(Person).where(Person.telegram_id == ADA.telegram_id))
    assert roles == {ada.id: Role.facilitator}
    again = await talk.command(BO, "forget")
    assert "eneste facilitator" not in again[0].html


async def test_deleting_anyway_gives_the_group_to_an_administrator_without_naming_anyone(
    database: Database,
) -> None:
    talk, _ = await _talk(database)
    await talk.command(ADA, "newgroup")
    await talk.button(ADA, "G:2:0")
    await talk.text(ADA, "Team 5C")
    team = (await _groups(database))[0]
    async with database.transaction() as session:
        bo = await session.scalar(select(Person).where(Person.telegram_id == BO.telegram_id))
        assert bo is not None
        session.add(
            Membership(
                group_id=team.id, person_id=bo.id, role=Role.facilitator, joined_at=bo.created_at
            )
        )

    asked = await talk.command(BO, "forget")
    done = await talk.button(BO, press(asked, "Ja, slet"))
    assert "Dine data er slettet" in done[0].html

    async with database.transaction() as session:
        roles = [(m.person_id, m.role) for m in (await session.scalars(select(Membership))).all()]
        ada = await session.scalar(select(Person).where(Person.telegram_id == ADA.telegram_id))
        queued = (await session.scalars(select(OutboxMessage))).all()
    assert ada is not None
    assert roles == [(ada.id, Role.facilitator)]
    assert [m.payload["key"] for m in queued] == ["admin.notice_handed_over"]
    assert "Bo" not in str([m.payload for m in queued])  # forgotten means not named
