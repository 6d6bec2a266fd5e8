"""/mydata and `refleks user export`: everything about a person, as JSON and readable HTML."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner

from bot.cli import cli
from bot.services import export, reflection
from storage.db import Database
from storage.migrate import upgrade
from storage.models import Person
from storage.repositories import meetings
from tests.privacy.support import seed
from tests.support import Clock, make_app

HOSTILE = "<script>alert('x')</script> & <b>fed</b>"


async def test_the_export_holds_everything_and_escapes_it(database: Database) -> None:
    app = make_app(database, Clock())

    async def work(session):  # type: ignore[no-untyped-def]
        seeded = await seed(app, session, telegram_id=720_000_001, name="Ane")
        person = await session.get(Person, seeded.person_id)
        await reflection.start(
            app, session, person=person, format_id="laeringssamtale", group_id=seeded.team_id
        )
        # Prepare (the format's first choice), past the introduction, then the focus.
        await reflection.answer(app, session, person=person, value=None, option_index=0, turn=1)
        await reflection.answer(app, session, person=person, value=None, option_index=0, turn=2)
        await reflection.answer(app, session, person=person, value=HOSTILE)
        await meetings.await_input(
            session,
            person.id,
            "meeting_time",
            {"group": seeded.team_id, "note": HOSTILE},
            now=app.now(),
            expires_at=app.now() + timedelta(minutes=10),
        )
        return seeded, await export.export(app, session, person)

    seeded, made = await app.db.run(work)
    data = json.loads(made.json)
    assert data["person"]["telegram_id"] == seeded.telegram_id
    assert data["person"]["administrator"] is True
    assert [c["text_version"] for c in data["consents"]] == [1]
    assert [(m["group"], m["role"]) for m in data["memberships"]] == [
        (f"Team {seeded.telegram_id}", "facilitator")
    ]
    values = [a["value"] for r in data["reflections"] for a in r["answers"]]
    for text in [*seeded.texts, HOSTILE]:
        assert any(text in json.dumps(v, ensure_ascii=False) for v in values), text
    kinds = {r["kind"] for r in data["reflections"]}
    assert kinds == {"private", "group"}
    questions = [a["question"] for r in data["reflections"] for a in r["answers"]]
    assert all(q for q in questions)
    assert len(data["next_steps"]) == 1
    assert data["next_steps"][0]["history"][0]["status"] == "open"
    assert [m["kind"] for m in data["messages"]] == ["midpoint"]
    assert [v["what"] for v in data["summaries_viewed"]] == ["summary"]
    assert len(data["circles_started"]) == 1
    assert [(a["kind"], a["data"]["note"]) for a in data["awaiting"]] == [("meeting_time", HOSTILE)]
    assert data["awaiting"][0]["expires_at"] == "2026-11-23T09:40:00+00:00"

    page = made.html.decode()
    assert page.startswith("<!DOCTYPE html>")
    assert "Dine data i Refleks" in page
    assert "<script>" not in page
    assert "&lt;script&gt;" in page
    assert "Hemmelig refleksion fra Ane" in page
    assert "Det, Refleks venter på, at du skriver" in page
    assert made.stem == "refleks-2026-11-23"


def test_export_in_english_reads_in_english() -> None:
    page = export.to_html(
        {
            "exported_at": "2026-11-23",
            "person": {
                "display_name": "Bo",
                "telegram_id": 1,
                "language": "en",
                "timezone": None,
                "created_at": "x",
                "last_seen_at": "y",
                "administrator": False,
            },
            "consents": [],
            "memberships": [],
            "reflections": [],
            "next_steps": [],
            "messages": [],
            "awaiting": [],
            "summaries_viewed": [],
            "invites_created": [],
            "meetings_created": [],
            "circles_started": [],
        },
        "en",
    ).decode()
    assert "Your data in Refleks" in page
    assert "Nothing." in page


def _seed_file(url: str, telegram_id: int) -> None:
    async def work() -> None:
        database = Database(url)
        try:
            await upgrade(database.engine)
            app = make_app(database, Clock())
            await app.db.run(lambda s: seed(app, s, telegram_id=telegram_id, name="Cille"))
        finally:
            await database.dispose()

    asyncio.run(work())


def _people(url: str) -> int:
    async def work() -> int:
        database = Database(url)
        try:
            async with database.transaction() as s:
                return int(await s.scalar(select(func.count()).select_from(Person)) or 0)
        finally:
            await database.dispose()

    return asyncio.run(work())


def test_the_command_line_exports_and_forgets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'refleks.db'}"
    monkeypatch.chdir(tmp_path)  # no .env from the developer's checkout
    monkeypatch.setenv("DATABASE_URL", url)
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    _seed_file(url, 730_000_001)
    runner = CliRunner()

    shown = runner.invoke(cli, ["user", "export", "730000001"])
    assert shown.exit_code == 0, shown.output
    assert json.loads(shown.stdout)["person"]["display_name"] == "Cille"

    written = runner.invoke(cli, ["user", "export", "730000001", "--out", str(tmp_path / "out")])
    assert written.exit_code == 0, written.output
    files = sorted(p.suffix for p in (tmp_path / "out").iterdir())
    assert files == [".html", ".json"]

    unknown = runner.invoke(cli, ["user", "export", "1"])
    assert unknown.exit_code == 1

    refused = runner.invoke(cli, ["user", "forget", "730000001"], input="n\n")
    assert refused.exit_code == 1
    assert _people(url) == 1
    done = runner.invoke(cli, ["user", "forget", "730000001", "--yes"])
    assert done.exit_code == 0, done.output
    assert "Kept: 1 frozen anonymous aggregates" in done.stdout
    assert _people(url) == 0
