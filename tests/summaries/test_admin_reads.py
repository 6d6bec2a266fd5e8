"""An administrator manages groups and roles; reading a group's texts needs a role in it.

The prompts promise "Du og gruppens facilitatorer kan se dit svar": an administrator who is
not a member gets no summary of any kind, however the request arrives (a summary button's
data sent by hand included), and every summary that is read stays in the access log.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press
from bot.chat.summaries import SummaryChat, SummaryChoice
from bot.services.errors import Denied
from bot.services.summaries import SummaryRequest, build
from bot.summaries.period import CHOICES
from storage.enums import Role
from storage.models import AccessLogEntry, Person
from storage.repositories import people
from tests.summaries.factory import Factory
from tests.summaries.scenario import Network, build_network
from tests.support import Clock

TEAM_TEXT = "Til teamet."
LEADER_TEXT = "Eleverne spørger mere"
ALL_PERIODS = CHOICES.index("all")


async def _administrator(app: App, session: AsyncSession, name: str) -> Person:
    person = await Factory(app, session).person(name)
    person.telegram_id = 4_000_000 + person.id
    await session.flush()
    await people.add_administrator(session, person.telegram_id, app.now())
    return person


async def _logged(session: AsyncSession, viewer: Person) -> list[tuple[int, str]]:
    rows = await session.execute(
        select(AccessLogEntry.group_id, AccessLogEntry.what).where(
            AccessLogEntry.viewer_id == viewer.id
        )
    )
    return sorted((g, w) for g, w in rows.all())


def _target(net: Network, kind: str) -> tuple[int, int]:
    """The group a summary button names, and the choice it carries."""
    if kind == "network":
        return net.network.id, ALL_PERIODS
    if kind == "team":
        return net.teams["Bakken"].id, ALL_PERIODS
    if kind == "meeting":
        return net.teams["Skovly"].id, SummaryChoice.LATEST_MEETING
    return net.teams["Bakken"].id, SummaryChoice.ACCESS_LOG


@pytest.mark.parametrize("kind", ["team", "network", "meeting", "access_log"])
async def test_an_administrator_outside_the_group_reads_nothing_by_button(
    app: App, clock: Clock, kind: str
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        admin = await _administrator(app, session, "Ada Admin")
        group_id, choice = _target(net, kind)
        with pytest.raises(Denied, match=r"^denied\.not_member$"):
            await SummaryChat(app).button(session, admin, Press("D", (group_id, choice)))
        assert await _logged(session, admin) == []


@pytest.mark.parametrize("kind", ["team", "network", "meeting"])
async def test_an_administrator_outside_the_group_gets_no_report(
    app: App, clock: Clock, kind: str
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        admin = await _administrator(app, session, "Ada Admin")
        group_id, _ = _target(net, kind)
        request = SummaryRequest(group_id, meeting=kind == "meeting", output="html")
        with pytest.raises(Denied, match=r"^denied\.not_member$"):
            await build(app, session, viewer=admin, request=request)


@pytest.mark.parametrize(
    ("kind", "role", "sees_team_text"),
    [
        ("team", Role.facilitator, True),
        ("network", Role.leader, False),
        ("meeting", Role.facilitator, True),
    ],
)
async def test_an_administrator_reads_in_the_role_they_hold_and_is_logged(
    app: App, clock: Clock, kind: str, role: Role, sees_team_text: bool
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        admin = await _administrator(app, session, "Ada Admin")
        group_id, choice = _target(net, kind)
        group = net.network if kind == "network" else net.teams["Bakken"]
        if kind == "meeting":
            group = net.teams["Skovly"]
        await Factory(app, session).member(group, admin, role)
        views = await SummaryChat(app).button(session, admin, Press("D", (group_id, choice)))
        text = "\n".join(v.html or "" for v in views)
        logged = await _logged(session, admin)
    assert logged, "the read is missing from the access log"
    assert {w for _, w in logged} == {f"summary:{kind}"}
    if kind != "meeting":
        assert LEADER_TEXT in text
        assert (TEAM_TEXT in text) is sees_team_text
