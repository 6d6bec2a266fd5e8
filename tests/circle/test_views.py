"""Phase messages say who speaks, who listens and for how long; buttons carry the turn."""

from __future__ import annotations

import re
from dataclasses import replace

from bot.button_kinds import decode
from bot.buttons import Press
from bot.services import circle, circle_link
from bot.services.circle import Moment
from bot.telegram import circle_views as views
from bot.views import View
from storage.db import Database
from tests.circle.support import CHAT, advance, make_team, started


def _actions(view: View) -> list[Press]:
    found = [decode(button.action) for row in view.buttons for button in row]
    assert all(isinstance(a, Press) for a in found)
    return [a for a in found if isinstance(a, Press)]


async def _moments(database: Database) -> tuple[Moment, Moment]:
    team = await make_team(database)
    frame = await started(team)
    return frame, await advance(team, frame)


async def test_a_phase_shows_positions_timebox_and_facilitator_buttons(database: Database) -> None:
    frame, focus = await _moments(database)
    view = views.phase_view(focus)
    assert "<b>Læringsfokus</b> · 2 af 10" in view.html
    assert "🗣 Taler: Fokusperson (Bo)" in view.html
    assert "👂 Lytter: Facilitator (Anna), Teamet" in view.html
    assert re.search(r"⏱ 5 min\. – til kl\. \d\d\.\d\d", view.html)
    assert "Svar på denne besked" in view.html
    kinds = [(a.kind, a.args) for a in _actions(view)]
    assert kinds == [("N", (focus.session_id, focus.turn)), ("E", (focus.session_id, focus.turn))]
    stop = _actions(views.phase_view(focus, with_stop=True))[-1]
    assert stop.kind == "Z"
    spoken = views.phase_view(frame)
    assert "mundtligt" in spoken.html
    assert "Svar på denne besked" not in spoken.html


async def test_settings_offer_their_options_to_the_facilitator(database: Database) -> None:
    team = await make_team(database)

    async def work(session):  # type: ignore[no-untyped-def]
        await circle_link.link(
            team.app, session, person=team.anna, group_id=team.group.id, chat_id=CHAT
        )
        return await circle.start(
            team.app,
            session,
            person=team.anna,
            group_id=team.group.id,
            chat_id=CHAT,
            focus_id=team.bo.id,
        )

    moment = await team.run(work)
    view = views.phase_view(moment)
    assert "før vi begynder (1 af 3)" in view.html
    assert "Facilitator: Anna · Fokusperson: Bo" in view.html
    actions = _actions(view)
    assert [a.kind for a in actions] == ["P", "P", "P"]
    assert [a.args[2] for a in actions] == [0, 1, 2]


async def test_names_from_people_are_escaped(database: Database) -> None:
    _, focus = await _moments(database)
    named = replace(focus, focus="<b>Bo & Co</b>")
    html = views.phase_view(named).html
    assert "Fokusperson (&lt;b&gt;Bo &amp; Co&lt;/b&gt;)" in html
    assert "<b>Bo" not in html


def test_the_circle_kinds_are_known_button_actions() -> None:
    for kind in views.KINDS:
        assert re.match(views.BUTTON_PATTERN, f"{kind}:1")
    assert decode("N:1:2") == Press("N", (1, 2))
    assert decode("N:1") is None
    assert decode("P:1:2:3") == Press("P", (1, 2, 3))
    assert decode("L:5") == Press("L", (5,))
