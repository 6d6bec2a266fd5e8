"""Building a person with something of everything, and reading every stored value back."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services import privacy, reflection
from bot.services.membership import create_group
from dialogues.state import AnswerRecord, SessionState
from dialogues.visibility import Visibility
from storage.enums import GroupKind, OutboxStatus, Role
from storage.models import (
    AccessLogEntry,
    Base,
    FrozenAggregate,
    Group,
    OutboxMessage,
    Person,
)
from storage.repositories import dialogues, groups, people

FORMAT = "laeringssamtale"


@dataclass
class Seeded:
    """What was made for one person, and the words only they wrote."""

    person_id: int
    telegram_id: int
    name: str
    team_id: int
    texts: list[str] = field(default_factory=list)


async def consent(app: App, session: AsyncSession, name: str, telegram_id: int) -> Person:
    return await privacy.accept(
        app, session, language="da", display_name=name, telegram_id=telegram_id
    )


async def complete(
    app: App, session: AsyncSession, person: Person, group_id: int, texts: list[str]
) -> list[str]:
    """Run a format to the end, typing the next of `texts` at every text prompt."""
    used: list[str] = []
    shown = await reflection.start(app, session, person=person, format_id=FORMAT, group_id=group_id)
    for _ in range(60):
        if shown.completed:
            return used
        prompt = shown.prompt
        assert prompt is not None, shown
        if prompt.expects == "text":
            value = texts[len(used) % len(texts)] + f" ({len(used)})"
            used.append(value)
            shown = await reflection.answer(app, session, person=person, value=value)
        elif prompt.expects == "date":
            shown = await reflection.answer(app, session, person=person, value="om to uger")
        elif prompt.expects == "multi_choice":
            shown = await reflection.answer_mask(
                app, session, person=person, turn=shown.turn, mask=1
            )
        else:
            shown = await reflection.answer(
                app, session, person=person, value=None, turn=shown.turn, option_index=0
            )
        assert shown.problem is None, shown.problem
    raise AssertionError("the format never finished")


async def seed(app: App, session: AsyncSession, *, telegram_id: int, name: str) -> Seeded:
    """A facilitator with answers, next steps, a circle contribution, messages and more."""
    now = app.now()
    person = await consent(app, session, name, telegram_id)
    team, _ = await create_group(app, session, name=f"Team {telegram_id}", kind=GroupKind.team)
    await groups.add_member(
        session, group_id=team.id, person_id=person.id, role=Role.facilitator, now=now
    )
    texts = await complete(
        app, session, person, team.id, [f"Hemmelig refleksion fra {name} om læsning"]
    )
    # A learning circle owned by the group, where they were the focus person and spoke.
    spoken = f"Bidrag i cirklen fra {name}: vi prøver stillelæsning"
    state = SessionState(
        format_id="laeringscirkel",
        format_version=1,
        format_fingerprint="x",
        lang="da",
        actor=str(person.id),
        ctx={"focus_person": str(person.id), "focus_name": name, "facilitator_name": name},
        answers=[
            AnswerRecord(
                step_id="data",
                seq=1,
                kind="phase",
                value=spoken,
                visibility=Visibility.team,
                actor=str(person.id),
            )
        ],
    )
    fmt = app.catalog.get("laeringscirkel")
    assert fmt is not None
    run = await dialogues.create_session(
        session,
        format_id=fmt.id,
        format_version=fmt.version,
        snapshot_id=await reflection.pin(app, session, fmt),
        language="da",
        state=state.model_dump(mode="json"),
        now=now,
        started_by=person.id,
        group_id=team.id,
        chat_id=-4_000_000_001,
    )
    await dialogues.upsert_answer(
        session,
        session_id=run.id,
        person_id=person.id,
        step_id="data",
        item="",
        value=spoken,
        visibility="team",
        now=now,
        append=True,
    )
    texts.append(spoken)
    session.add_all(
        [
            OutboxMessage(
                idempotency_key=f"reminder-{telegram_id}",
                person_id=person.id,
                chat_id=telegram_id,
                kind="midpoint",
                payload={"what": texts[0]},
                due_at=now,
                status=OutboxStatus.pending,
                created_at=now,
            ),
            OutboxMessage(
                idempotency_key=f"digest-{telegram_id}",
                group_id=team.id,
                chat_id=-4_000_000_001,
                kind="digest",
                payload={"items": [spoken]},
                due_at=now,
                status=OutboxStatus.sent,
                sent_at=now,
                created_at=now,
            ),
            AccessLogEntry(viewer_id=person.id, group_id=team.id, what="summary", at=now),
            FrozenAggregate(
                group_id=team.id,
                round_key=f"round-{telegram_id}",
                measure="safety",
                respondents=4,
                mean=5.5,
                closed_at=now,
            ),
        ]
    )
    await people.add_administrator(session, telegram_id, now)
    await session.flush()
    return Seeded(person.id, telegram_id, name, team.id, texts)


def _plain(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat()
    return json.dumps(value, ensure_ascii=False, default=str)


async def every_value(session: AsyncSession) -> list[tuple[str, str, Any]]:
    """(table, column, value) for every non-empty cell of every table."""
    found: list[tuple[str, str, Any]] = []
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(select(table))).all()
        for row in rows:
            for column, value in zip(table.columns, row, strict=True):
                if value is not None:
                    found.append((table.name, column.name, value))
    return found


async def traces_of(session: AsyncSession, seeded: Seeded) -> list[str]:
    """Every place the database still holds the person's id, Telegram id, name or words."""
    problems: list[str] = []
    pid = seeded.person_id
    for table in Base.metadata.sorted_tables:
        rows = (await session.execute(select(table))).all()
        for row in rows:
            for column, value in zip(table.columns, row, strict=True):
                if value is None:
                    continue
                where = f"{table.name}.{column.name}"
                refers = any(fk.column.table.name == "people" for fk in column.foreign_keys)
                if refers and value == pid:
                    problems.append(f"{where} = their person id")
                if table.name == "people" and column.name == "id" and value == pid:
                    problems.append(f"{where}: their row")
                if isinstance(column.type, Integer | BigInteger) and value == seeded.telegram_id:
                    problems.append(f"{where} = their Telegram id")
                if isinstance(value, str | dict | list):
                    text = _plain(value)
                    for written in [*seeded.texts, seeded.name]:
                        if written in text:
                            problems.append(f"{where} holds {written!r}")
                    if f'"actor": "{pid}"' in text or f'"focus_person": "{pid}"' in text:
                        problems.append(f"{where} names their id in JSON")
    return problems


async def group_of(session: AsyncSession, group_id: int) -> Group | None:
    return await session.get(Group, group_id)
