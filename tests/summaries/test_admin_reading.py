"""Administrators manage groups and roles; reading a group's texts needs a role in it.

Texts are shared with the roles their prompt named ("Du og gruppens facilitatorer kan se dit
svar"), so an administrator outside a group is denied every kind of summary, also when they
send a summary button's data by hand. Once they take a role, they read what that role reads,
and the look is in the access log like anyone else's.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.actions import act, parse
from bot.app import App
from bot.chat.summaries import LATEST_MEETING, SummaryChat
from bot.services.errors import Denied
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_csv
from storage.enums import Role
from storage.models import AccessLogEntry, Person
from storage.repositories import people
from tests.summaries.factory import Factory
from tests.summaries.scenario import Network, build_network
from tests.support import Clock

ADMIN_TELEGRAM_ID = 7_100_000_001
KINDS = ("team", "network", "meeting")


async def _administrator(app: App, make: Factory) -> Person:
    person = await people.create(
        make.session,
        display_name="Ada Administrator",
        language="da",
        now=make.now,
        telegram_id=ADMIN_TELEGRAM_ID,
    )
    await people.add_administrator(make.session, ADMIN_TELEGRAM_ID, make.now)
    return person


def _request(net: Network, kind: str) -> tuple[int, int]:
    """The group and the button's choice of a summary of this kind (0 = the first period)."""
    if kind == "network":
        return net.network.id, 0
    if kind == "meeting":
        return net.teams["Skovly"].id, LATEST_MEETING
    return net.teams["Bakken"].id, 0


@pytest.mark.parametrize("kind", KINDS)
async def test_an_administrator_outside_the_group_reads_no_summary(
    app: App, clock: Clock, kind: str
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        admin = await _administrator(app, Factory(app, session))
        group_id, choice = _request(net, kind)
        action = parse(act("D", group_id, choice))
        assert action is not None
        with pytest.raises(Denied, match=r"^denied\.not_member$"):
            await SummaryChat(app).button(session, admin, action)
        request = SummaryRequest(group_id, meeting=kind == "meeting")
        with pytest.raises(Denied, match=r"^denied\.not_member$"):
            await build(app, session, viewer=admin, request=request)


async def test_an_administrator_with_a_role_reads_what_the_role_reads_and_is_logged(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        net = await build_network(app, session, clock)
        make = Factory(app, session)
        admin = await _administrator(app, make)
        bakken = net.teams["Bakken"]
        await make.member(bakken, admin, Role.leader)
        report = await build(app, session, viewer=admin, request=SummaryRequest(bakken.id))
        logged = (
            await session.scalars(
                select(AccessLogEntry.group_id).where(AccessLogEntry.viewer_id == admin.id)
            )
        ).all()
    text = render_csv(report)
    assert report.audience == "leader"
    assert "Eleverne spørger mere, når de må skrive først." in text  # shared with leaders
    assert "Til teamet." not in text  # shared with the team only
    assert list(logged) == [bakken.id]
