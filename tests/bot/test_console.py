"""The console channel: a newcomer can try a whole reflection in the terminal."""

from __future__ import annotations

import io
from typing import Any

from sqlalchemy import select

from bot.console import run_console
from bot.services.reflection import menu
from storage.db import Database
from storage.models import Answer, Group, NextStep
from tests.support import make_app


def session_lines(menu_number: int) -> str:
    return "\n".join(
        [
            "1",  # yes, I'm in (the welcome explains what is kept first)
            "/reflect",
            str(menu_number),  # Roller og relationer i åben skole
            "2",  # after the visit
            "1",  # OK, the roles as context
            "1",  # I am the teacher
            "Naturcenteret ved skoven",
            "Underviseren viste os noget nyt",
            "Eleverne tog ansvar",
            "Jeg lyttede mere",
            "Eleverne overraskede mig",
            "Lade eleverne lede næste besøg",
            "om to uger",
            "Jeg fortæller det på teammødet",
        ]
    )


async def test_a_whole_reflection_in_the_console(database: Database, tmp_path: Any) -> None:
    app = make_app(database)
    ids = [f.id for _, formats in menu(app) for f in formats]
    lines = session_lines(ids.index("roller-og-relationer") + 1)
    out = io.StringIO()
    code = await run_console(
        app, handle="ane", lang="da", stdin=io.StringIO(lines + "\n"), stdout=out
    )
    text = out.getvalue()
    assert code == 0
    assert "Før vi går i gang" in text
    assert "Kun du kan se dit svar" in text
    assert "Tak for din refleksion" in text
    assert text.rstrip().endswith("Farvel / Goodbye.")

    async def stored(session: Any) -> tuple[list[str], list[str], list[str]]:
        answers = [str(a.value) for a in (await session.scalars(select(Answer))).all()]
        steps = [s.what for s in (await session.scalars(select(NextStep))).all()]
        teams = [g.name for g in (await session.scalars(select(Group))).all()]
        return answers, steps, teams

    answers, steps, teams = await make_app(database).db.run(stored)
    assert "Eleverne tog ansvar" in answers
    assert steps == ["Lade eleverne lede næste besøg"]
    assert teams == ["Demo-team"]


async def test_end_of_input_leaves_cleanly(database: Database) -> None:
    out = io.StringIO()
    code = await run_console(make_app(database), handle="bo", stdin=io.StringIO(""), stdout=out)
    assert code == 0
    assert "Farvel" in out.getvalue()
