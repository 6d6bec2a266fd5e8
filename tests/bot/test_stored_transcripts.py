"""Every individual format's transcript, replayed through the services into the database.

The engine's transcripts (tests/dialogues/transcripts) say what a whole run produces. Here
the same runs go through `bot.services.reflection` on SQLite and PostgreSQL, and what is
*stored* – answers with their visibility, next steps, scores – must match that outcome.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import select

from bot.services import privacy, reflection
from bot.services.membership import create_group
from dialogues.loader import load_catalog
from storage.db import Database
from storage.enums import GroupKind, Role, SessionStatus
from storage.models import Answer, DialogueSession, NextStep, SessionScore
from storage.repositories import groups
from tests.dialogues.test_transcripts import long_text
from tests.support import Clock, make_app

HERE = Path(__file__).resolve().parent.parent / "dialogues" / "transcripts"
INDIVIDUAL = {f.id for f in load_catalog() if f.audience == "individual"}
TRANSCRIPT_DATA = {
    path: yaml.safe_load(path.read_text(encoding="utf-8")) for path in sorted(HERE.glob("*.yaml"))
}
TRANSCRIPTS = [
    path
    for path, data in TRANSCRIPT_DATA.items()
    if data["format"] in INDIVIDUAL and "outcome" in data
]
# Services read Danish and English dates before the engine sees them, so a text the engine
# alone refuses as "not a date" may be understood here; those steps are left out.
ENGINE_ONLY_PROBLEMS = {"not_a_date"}
# Entries that name the step a button belonged to simulate stale buttons; the services
# recognise those by the session's turn instead (tests/e2e/test_bad_input.py).
STALE_KEYS = {"step", "item", "part"}


def _key(key: str) -> tuple[str, str]:
    if "[" in key:
        step, item = key.rstrip("]").split("[", 1)
        return step, item
    return key, ""


def _problem_code(entry: dict[str, Any]) -> str | None:
    problem = entry.get("problem")
    if isinstance(problem, dict):
        return str(problem.get("code"))
    return str(problem) if problem else None


async def _replay(app: Any, session: Any, person: Any, team_id: int, data: dict[str, Any]) -> None:
    start = data.get("start") or {}
    await reflection.start(
        app,
        session,
        person=person,
        format_id=data["format"],
        group_id=team_id,
        params=start.get("params") or {},
    )
    for entry in data["steps"]:
        if _problem_code(entry) in ENGINE_ONLY_PROBLEMS or STALE_KEYS & set(entry):
            continue
        clock: Clock = app.clock
        if "today" in entry:
            day = dt.date.fromisoformat(str(entry["today"]))
            clock.now = dt.datetime(day.year, day.month, day.day, 12, tzinfo=dt.UTC)
        if "visibility" in entry:
            chosen = await reflection.choose_visibility(
                app, session, person=person, turn=None, level=entry["visibility"]
            )
            if chosen.problem is not None:
                continue  # refused before the answer is even sent
        if "answer" in entry:
            value = entry["answer"]
            await reflection.answer(
                app, session, person=person, value=None if value is None else value
            )
        elif "long" in entry:
            await reflection.answer(app, session, person=person, value=long_text(entry["long"]))
        elif "back" in entry:
            await reflection.back(app, session, person=person, turn=None)
        elif "skip" in entry:
            await reflection.skip(app, session, person=person, turn=None)
        elif "advance" in entry:
            await reflection.keep(app, session, person=person, turn=None)


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=lambda p: p.stem)
async def test_stored_outcome_matches_the_transcript(database: Database, path: Path) -> None:
    data = TRANSCRIPT_DATA[path]
    outcome = data["outcome"]
    clock = Clock(now=dt.datetime(2024, 1, 8, 9, tzinfo=dt.UTC))
    app = make_app(database, clock)

    async def run(session: Any) -> None:
        team, _ = await create_group(app, session, name="Team", kind=GroupKind.team)
        person = await privacy.accept(
            app, session, language=data["lang"], display_name="Ane", telegram_id=4242
        )
        await groups.add_member(
            session, group_id=team.id, person_id=person.id, role=Role.participant, now=app.now()
        )
        await _replay(app, session, person, team.id, data)

    await database.run(run)

    async def stored(session: Any) -> tuple[Any, ...]:
        answers = (await session.scalars(select(Answer))).all()
        steps = (await session.scalars(select(NextStep))).all()
        scores = (await session.scalars(select(SessionScore))).all()
        runs = (await session.scalars(select(DialogueSession))).all()
        return answers, steps, scores, runs

    answers, steps, scores, runs = await database.run(stored)
    assert [r.status for r in runs] == [SessionStatus.completed]
    by_key = {(a.step_id, a.item): a for a in answers}
    expected = outcome.get("answers", {})
    for key, value in expected.items():
        row = by_key.get(_key(key))
        assert row is not None, f"{key} was not stored"
        if isinstance(value, dict):
            assert {k: row.value.get(k) for k in value} == {
                k: (str(v) if v is not None else None) for k, v in value.items()
            }, key
        else:
            assert row.value == value, key
    assert len(by_key) == len(expected), sorted(by_key)
    for key, level in (outcome.get("visibility") or {}).items():
        assert by_key[_key(key)].visibility == level, key
    expected_steps = outcome.get("next_steps") or []
    assert sorted(s.what for s in steps) == sorted(s["what"] for s in expected_steps)
    for step in expected_steps:
        row = next(s for s in steps if s.what == step["what"])
        assert (row.due.isoformat() if row.due else None) == (
            str(step["due"]) if step.get("due") else None
        )
        assert row.how_shared == step.get("reach")
        if "visibility" in step:
            assert row.visibility == step["visibility"]
    assert {s.index_id: s.value for s in scores} == pytest.approx(outcome.get("scores") or {})
