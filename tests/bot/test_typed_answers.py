"""Typed answers take one read and one guarded write, and store exactly what the full path does.

`reflection.answer_typed` handles the everyday message; anything more (typing a feature
waits for, a problem with the answer, next steps to store, a session that moved on) is
handed to the full path. Both must leave the same rows behind.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.conversation import Who
from storage.db import Database
from storage.enums import SessionStatus
from storage.models import NextStep, ProcessedUpdate
from storage.repositories import consent, meetings, people
from tests.bot.reflecting import Team, write_catalog


@pytest.fixture
def catalog_dir(tmp_path: Path) -> Path:
    return write_catalog(tmp_path)


ANE = Who(display_name="Ane", language_code="da", telegram_id=7001)
BO = Who(display_name="Bo", language_code="da", console_handle="bo")


async def test_the_everyday_answer_takes_the_short_path_and_matches_the_full_one(
    database: Database, catalog_dir: Path
) -> None:
    """Ane answers over Telegram (short path), Bo in the console (full path, no update id):
    the sessions and answers they leave behind are the same."""
    team = Team(database, catalog_dir)
    await team.join(ANE)
    await team.join(BO)
    # A process that has not read the session's format yet reads it on the way.
    team.app.extras.pop("snapshots", None)
    first = await team.typed(ANE, "Eleverne ledte samtalen", 1)
    assert first is not None
    assert first.turn == 2
    assert [f.id for f in team.app.extras["snapshots"].values()] == ["tre-trin"]
    await team.conversation.text(BO, "Eleverne ledte samtalen")

    shown = await team.typed(ANE, "i morgen", 2)
    assert shown is not None
    assert shown.prompt is not None
    assert "undrede" in shown.prompt.text
    assert shown.turn == 3
    bo_views = await team.conversation.text(BO, "i morgen")
    assert "undrede" in bo_views[-1].html

    views = await team.conversation.text(ANE, "Hvorfor de var så stille", 3)
    assert "Tak for din refleksion" in views[-1].html
    await team.conversation.text(BO, "Hvorfor de var så stille")

    ane_row, ane_answers = await team.rows(ANE)
    bo_row, bo_answers = await team.rows(BO)
    assert ane_row.status == bo_row.status == SessionStatus.completed
    assert ane_row.completed_at == bo_row.completed_at == team.clock.now
    assert ane_row.turn == bo_row.turn
    assert ane_row.state["answers"] == [
        {**answer, "actor": str(ane_row.person_id)} for answer in bo_row.state["answers"]
    ]
    assert [(a.step_id, a.value, a.visibility) for a in ane_answers] == [
        (a.step_id, a.value, a.visibility) for a in bo_answers
    ]
    # The date was read as a date, in the person's own words and time zone.
    assert {a.step_id: a.value for a in ane_answers}["when"] == "2026-11-24"
    async with database.transaction() as s:
        handled = sorted((await s.scalars(select(ProcessedUpdate.update_id))).all())
    assert handled == [1, 2, 3]


async def test_the_same_update_twice_is_answered_once(
    database: Database, catalog_dir: Path
) -> None:
    team = Team(database, catalog_dir)
    await team.join(ANE)
    await team.conversation.text(ANE, "Eleverne ledte", 10)  # reads the format
    first = await team.conversation.text(ANE, "i dag", 11)
    assert "undrede" in first[-1].html
    assert await team.conversation.text(ANE, "i dag", 11) == []
    row, answers = await team.rows(ANE)
    assert row.turn == 3
    assert [a.step_id for a in answers] == ["noticed", "when"]


async def test_more_than_an_answer_goes_the_full_way(database: Database, catalog_dir: Path) -> None:
    team = Team(database, catalog_dir)
    await team.join(ANE)
    await team.conversation.text(ANE, "Eleverne ledte", 20)
    row, _ = await team.rows(ANE)

    # A feature waits for Ane's typing: the short path leaves it alone.
    async with database.transaction() as s:
        await meetings.await_input(
            s,
            row.person_id or 0,
            "meeting_time",
            {"group": 1},
            now=team.clock.now,
            expires_at=team.clock.now + timedelta(minutes=5),
        )
    assert await team.typed(ANE, "i dag", 21) is None
    team.clock.advance(minutes=6)

    # An answer with a problem is explained by the full path; nothing is stored.
    assert await team.typed(ANE, "i dag", 22) is not None  # now the date step is answered
    assert await team.typed(ANE, "x" * 5000, 23) is None
    views = await team.conversation.text(ANE, "x" * 5000, 23)
    assert "5000" in views[0].html or "lang" in views[0].html
    after, answers = await team.rows(ANE)
    assert after.turn == row.turn + 1
    assert [a.step_id for a in answers] == ["noticed", "when"]

    # Not seen for more than an hour: the full path notes the visit, then the short one goes on.
    team.clock.advance(hours=2)
    assert await team.typed(ANE, "Hvorfor", 24) is None
    await team.conversation.text(ANE, "Hvorfor", 24)
    async with database.transaction() as s:
        person = await people.by_telegram_id(s, ANE.telegram_id or 0)
        assert person is not None
        assert person.last_seen_at == team.clock.now


async def test_next_steps_are_stored_by_the_full_path(
    database: Database, catalog_dir: Path
) -> None:
    team = Team(database, catalog_dir)
    await team.join(ANE, "med-skridt")
    await team.conversation.text(ANE, "Eleverne ledte", 30)
    # What, when, and how it reaches the colleagues: the first two are everyday answers.
    assert await team.typed(ANE, "Lade eleverne lede næste besøg", 31) is not None
    assert await team.typed(ANE, "om to uger", 32) is not None
    assert await team.typed(ANE, "Jeg fortæller det på teammødet", 33) is None
    views = await team.conversation.text(ANE, "Jeg fortæller det på teammødet", 33)
    assert "Tak for din refleksion" in views[-1].html
    async with database.transaction() as s:
        steps = (await s.scalars(select(NextStep))).all()
    assert [(n.what, n.due.isoformat() if n.due else None) for n in steps] == [
        ("Lade eleverne lede næste besøg", "2026-12-07")
    ]


async def test_withdrawn_consent_stops_the_short_path(
    database: Database, catalog_dir: Path
) -> None:
    team = Team(database, catalog_dir)
    await team.join(ANE)
    await team.conversation.text(ANE, "Eleverne ledte", 40)
    assert await team.typed(ANE, "i dag", 41) is not None
    async with database.transaction() as s:
        person = await people.by_telegram_id(s, ANE.telegram_id or 0)
        assert person is not None
        await consent.withdraw(s, person.id, team.clock.now)
    assert await team.typed(ANE, "Hvorfor", 42) is None
    views = await team.conversation.text(ANE, "Hvorfor", 42)
    assert "Før vi går i gang" in views[0].html or "privat" in views[0].html.lower()
    _, answers = await team.rows(ANE)
    assert [a.step_id for a in answers] == ["noticed", "when"]
