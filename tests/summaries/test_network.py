"""Every figure of a leader's summary of a realistic network, against what its people did.

The network is built through the product's own services (`tests.summaries.network`); the
expected numbers come from the story's ledger, never from the code under test.
"""

from __future__ import annotations

import os
from collections import Counter
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from bot.services import summaries
from bot.summaries.model import Report, StepCell
from bot.summaries.output import render_html, render_markdown
from bot.summaries.spreadsheet import render_spreadsheet
from storage.db import Database
from storage.models import Person
from tests.summaries.network import Built, build_network
from tests.support import Clock, make_app

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("REFLEKS_UPDATE_GOLDEN") == "1"


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.write_text(text, encoding="utf-8", newline="")
    assert path.exists(), f"{path.name} is missing: run with REFLEKS_UPDATE_GOLDEN=1"
    assert text == path.read_bytes().decode("utf-8")


def _counted(built: Built, team: str, m: int) -> tuple[int, int]:
    """(took part, members) of a team at meeting `m`, over the people still in the team:
    leaving a team removes the membership, so someone who has left counts on neither side."""
    gone = {p.display_name for p in built.left}
    took_part = built.ledger.took_part[(team, m)] - gone
    return len(took_part), len(built.ledger.members_on[(team, m)] - gone)


async def _report(
    built: Built, group_id: int, period: str = "all", *, history: bool = False
) -> Report:
    async def work(session: AsyncSession) -> Report:
        leader = await session.get(Person, built.leader.id)
        request = summaries.SummaryRequest(group_id=group_id, period=period, history=history)
        return await summaries.build(built.app, session, viewer=leader, request=request)

    return await built.app.db.run(work)


def _latest(cells: list[StepCell], meeting_id: int) -> StepCell | None:
    found = [c for c in cells if c.meeting_id == meeting_id]
    return max(found, key=lambda c: c.closed_at) if found else None


async def test_participation_and_next_steps_are_counted_as_people_did(database: Database) -> None:
    clock = Clock()
    built = await build_network(make_app(database, clock), clock)
    ledger = built.ledger
    network = await _report(built, built.network.id)
    names = [f"Netværksmøde {n}" for n in range(1, len(built.meetings) + 1)]

    # The network: who took part out of who were members, meeting by meeting.
    assert [m.meeting_id for m in network.main.meetings] == built.meetings
    for m, row in enumerate(network.main.meetings):
        took_part = sum(_counted(built, team, m)[0] for team in built.teams)
        members = sum(_counted(built, team, m)[1] for team in built.teams)
        assert (row.participants, row.members) == (took_part, members), m
        assert row.participants <= row.members

    for section in network.teams:
        team = section.name
        # Each team's row counts its own people, never its facilitator's contributions.
        for m, row in enumerate(section.meetings):
            assert (row.participants, row.members) == _counted(built, team, m), (team, m)
        # People and steps: an adjusted step replaces the one it adjusts (one more step
        # only when the focus person also agreed one in the circle).
        for m, meeting_id in enumerate(built.meetings):
            cell = _latest(section.steps, meeting_id)
            statuses = ledger.steps[(team, m)]
            if cell is None or cell.counts is None:
                continue
            every = [status for steps in statuses.values() for status in steps]
            assert cell.respondents == len(statuses), (team, m)
            assert cell.total == len(every), (team, m)
            assert {k: v for k, v in cell.counts.items() if v} == Counter(every)

    # A team's own summary has the network meetings its people took part in.
    by_name = {s.name: s for s in network.teams}
    for name, group in built.teams.items():
        own = await _report(built, group.id)
        assert [m.meeting_id for m in own.main.meetings] == built.meetings
        # The network digest keeps each team's newest texts and steps and says how many
        # more the team's own summary has; every text is filed under its meeting.
        digest, full = by_name[name], own.main
        assert full.texts_more == full.steps_more == 0
        shown = len(digest.reflections) + len(digest.focuses)
        assert shown + digest.texts_more == len(full.reflections) + len(full.focuses)
        assert digest.texts_more > 0, name
        assert len(digest.step_items) + digest.steps_more == len(full.step_items)
        assert {t.meeting for t in full.reflections} <= set(names)
        # The learning focuses are the ones focus people chose to share after their circle.
        assert [t.text for t in full.focuses] == ledger.circle_focuses[name], name
        assert [(m.participants, m.members) for m in own.main.meetings] == [
            _counted(built, name, m) for m in range(len(built.meetings))
        ]
    assert any(ledger.circle_focuses.values())
    # Meetings and rounds are named by what they are; a meeting's next steps show once.
    assert [m.title for m in network.main.meetings] == names
    assert [c.label for c in network.main.safety][:2] == [
        f"efter {names[0]} · næste skridt",
        f"efter {names[1]} · næste skridt",
    ]
    for section in (network.main, *network.teams):
        cohorts = [c.meeting_id for c in section.steps]
        assert len(cohorts) == len(set(cohorts)), section.name
    for cell in network.main.steps:
        assert cell.label.startswith(f"efter {names[built.meetings.index(cell.meeting_id)]} · ")
    # Asked for history, every snapshot of a meeting's next steps is there, oldest first,
    # and the last of them is the one row the summary shows by default.
    history = await _report(built, built.network.id, history=True)
    assert history.history
    assert not network.history
    pairs = zip((network.main, *network.teams), (history.main, *history.teams), strict=True)
    for plain, full in pairs:
        assert len(full.steps) > len(plain.steps), plain.name
        for cell in plain.steps:
            snapshots = [c for c in full.steps if c.meeting_id == cell.meeting_id]
            assert snapshots[-1] == cell
            assert [c.closed_at for c in snapshots] == sorted(c.closed_at for c in snapshots)
    assert "Her står hvert øjebliksbillede" in render_markdown(history)
    assert "Hvert møde står her én gang" in render_markdown(network)
    # The next-step tables say what they count: people and steps in columns of their own.
    assert "| Runde | Personer | Skridt i alt |" in render_markdown(network)
    # The whole network as a leader reads and downloads it, kept for review in the diff.
    _golden("realistic-network.da.html", render_html(network))
    _golden("realistic-network.da.csv", render_spreadsheet(network))


async def test_a_report_for_a_period_shows_steps_as_they_stood_at_its_end(
    database: Database,
) -> None:
    clock = Clock()
    built = await build_network(make_app(database, clock), clock)
    assert built.ledger.late is not None
    _, what, marked_at = built.ledger.late
    skovly = built.teams["Skovly"].id

    spring = await _report(built, skovly, "2026-01-01..2026-06-30")
    (item,) = [i for i in spring.main.step_items if i.what == what]
    assert item.status == "open"
    assert all(at < marked_at for _, at in item.history)

    everything = await _report(built, skovly)
    (item,) = [i for i in everything.main.step_items if i.what == what]
    assert item.status == "done"
    assert item.history[-1] == ("done", marked_at)
