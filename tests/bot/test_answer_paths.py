"""Whichever way a step is stored, the rows are the same.

A typed answer over Telegram tries the one guarded statement (`reflection.one_write`,
`storage/repositories/typed_answers.py`) and falls back to the unit of work; the console
has no update id and always takes the unit of work. Hypothesis sends the same sequence of
inputs (everyday answers, dates in words, answers with a problem, Back, Skip, Keep, a
choice of who sees the answer) to one teacher on each way; afterwards their sessions,
answers and next steps are the same, apart from whose they are.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from bot.conversation import Who
from bot.services import reflection
from bot.services.errors import ServiceError
from storage.db import Database
from storage.models import Answer, DialogueSession, NextStep
from tests.bot.reflecting import Team, person_of, write_catalog

EXAMPLES = int(os.environ.get("REFLEKS_PATH_EXAMPLES", "25"))
TEXTS = [
    "Eleverne ledte samtalen",
    "i morgen",
    "om to uger",
    "17. december",
    "x" * 60,  # longer than the first step allows
    "Hvorfor var de så stille?",
    "Lade eleverne lede næste besøg",
]
LEVELS = ["private", "facilitator", "team", "leader"]

event = st.one_of(
    st.tuples(st.just("text"), st.sampled_from(TEXTS)),
    st.tuples(st.sampled_from(["back", "skip", "keep"]), st.just("")),
    st.tuples(st.just("visibility"), st.sampled_from(LEVELS)),
)
_ids = itertools.count(1)


def _people() -> tuple[Who, Who]:
    n = next(_ids)
    telegram = Who(display_name=f"Ane {n}", language_code="da", telegram_id=880_000 + n)
    console = Who(display_name=f"Bo {n}", language_code="da", console_handle=f"bo-{n}")
    return telegram, console


async def _send(team: Team, who: Who, kind: str, value: str) -> None:
    if kind == "text":
        update_id = next(_ids) if who.telegram_id is not None else None
        await team.conversation.text(who, value, update_id)
        return

    async def work(session: Any) -> None:
        person = await person_of(session, who)
        try:
            if kind == "visibility":
                await reflection.choose_visibility(
                    team.app, session, person=person, turn=None, level=value
                )
            else:
                move = {"back": reflection.back, "skip": reflection.skip, "keep": reflection.keep}
                await move[kind](team.app, session, person=person, turn=None)
        except ServiceError:
            pass  # nothing active any more: the same for both

    await team.database.run(work)


def _anonymous(value: Any, actor: str) -> Any:
    """The value with the author's id in the engine state replaced by a placeholder."""
    if isinstance(value, dict):
        return {
            k: ("someone" if k == "actor" and v == actor else _anonymous(v, actor))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_anonymous(v, actor) for v in value]
    return value


async def _rows(team: Team, who: Who) -> dict[str, Any]:
    async def work(session: Any) -> dict[str, Any]:
        person = await person_of(session, who)
        row = await session.scalar(
            select(DialogueSession).where(DialogueSession.person_id == person.id)
        )
        answers = await session.scalars(
            select(Answer)
            .where(Answer.person_id == person.id)
            .order_by(Answer.step_id, Answer.item, Answer.seq)
        )
        steps = await session.scalars(
            select(NextStep).where(NextStep.person_id == person.id).order_by(NextStep.id)
        )
        return {
            "session": (
                row.status,
                row.turn,
                row.pending_visibility,
                row.updated_at,
                row.completed_at,
                _anonymous(row.state, str(person.id)),
            ),
            "answers": [
                (a.step_id, a.item, a.seq, a.value, a.visibility, a.updated_at, a.withdrawn_at)
                for a in answers
            ],
            "next_steps": [(n.what, n.due, n.visibility, n.status) for n in steps],
        }

    return await team.database.run(work)


@settings(
    max_examples=EXAMPLES,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    format_id=st.sampled_from(["tre-trin", "med-skridt"]),
    events=st.lists(event, min_size=1, max_size=8),
)
async def test_any_inputs_leave_the_same_rows_either_way(
    database: Database, tmp_path: Path, format_id: str, events: list[tuple[str, str]]
) -> None:
    team = Team(database, write_catalog(tmp_path))
    telegram, console = _people()
    await team.join(telegram, format_id)
    await team.join(console, format_id)
    for kind, value in events:
        await _send(team, telegram, kind, value)
        await _send(team, console, kind, value)
        team.clock.advance(minutes=1)
    assert await _rows(team, telegram) == await _rows(team, console)
