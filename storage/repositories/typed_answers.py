"""A typed answer to a private reflection, in one read and one guarded write.

Most messages people send are the answer to the step in front of them. For that case the
conversation reads the person and their reflection with `read`, lets the engine take the
answer, and stores it with `step`. The write carries its own guards instead of relying on
a transaction around the read: it moves the session only if it is still active at the turn
that was read, with the same pending visibility, and only if this Telegram update was not
handled before. Only then does it record the update and the answer. When a guard refuses,
nothing is written, and the caller takes the full path, which sorts out what changed.

On PostgreSQL the write is one statement (data-modifying CTEs) run in autocommit, so an
answer costs two round trips instead of six. On SQLite the three statements run in the
caller's `BEGIN IMMEDIATE` transaction.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    Table,
    and_,
    bindparam,
    func,
    literal_column,
    null,
    select,
)
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, Person, ProcessedUpdate
from storage.repositories.dialogues import MOVE, UPSERT_ANSWER
from storage.repositories.people import awaiting_input, consent_given
from storage.repositories.rows import affected
from storage.repositories.updates import CLAIM
from storage.types import UTCDateTime

_PEOPLE: Table = Person.__table__  # type: ignore[assignment]
_SESSIONS: Table = DialogueSession.__table__  # type: ignore[assignment]
_ANSWERS: Table = Answer.__table__  # type: ignore[assignment]
_UPDATES: Table = ProcessedUpdate.__table__  # type: ignore[assignment]


@dataclass(frozen=True, slots=True)
class Current:
    """A consented person's active private reflection, as a typed answer needs it."""

    person_id: int
    language: str
    timezone: str | None
    last_seen_at: datetime
    session_id: int
    turn: int
    snapshot_id: int
    state: dict[str, Any]
    pending_visibility: str | None
    session_language: str
    # A feature waits for the person's typing (a meeting time): the full path takes it.
    awaiting: bool


@dataclass(frozen=True, slots=True)
class Stored:
    """The answer an engine step recorded (a first answer, never a further contribution)."""

    step_id: str
    item: str
    value: Any
    visibility: str


_READ = (
    select(
        _PEOPLE.c.id,
        _PEOPLE.c.language,
        _PEOPLE.c.timezone,
        _PEOPLE.c.last_seen_at,
        _SESSIONS.c.id,
        _SESSIONS.c.turn,
        _SESSIONS.c.snapshot_id,
        _SESSIONS.c.state,
        _SESSIONS.c.pending_visibility,
        _SESSIONS.c.language,
        awaiting_input().label("awaiting"),
    )
    .join(
        _SESSIONS,
        and_(
            _SESSIONS.c.person_id == _PEOPLE.c.id,
            _SESSIONS.c.status == SessionStatus.active,
        ),
    )
    .where(_PEOPLE.c.telegram_id == bindparam("telegram_id", type_=BigInteger), consent_given())
    .order_by(_SESSIONS.c.updated_at.desc())
    .limit(1)
)


async def read(
    connection: AsyncConnection, *, telegram_id: int, min_version: int, now: datetime
) -> Current | None:
    """The person's active private reflection, only if they consented to `min_version`."""
    params = {"telegram_id": telegram_id, "min_version": min_version, "now": now}
    row = (await connection.execute(_READ, params)).one_or_none()
    if row is None:
        return None
    person_id, language, timezone, seen, session_id, turn, snapshot_id, state = row[:8]
    return Current(
        person_id=person_id,
        language=language,
        timezone=timezone,
        last_seen_at=seen,
        session_id=session_id,
        turn=turn,
        snapshot_id=snapshot_id,
        state=state,
        pending_visibility=row[8],
        session_language=row[9],
        awaiting=bool(row[10]),
    )


# Moves the session one turn on, and only the session as it was read, with the pending
# choice of who sees the answer that was read. The update id check makes a redelivered
# update change nothing, however late it comes.
_MOVE = MOVE.where(
    _SESSIONS.c.pending_visibility.is_not_distinct_from(bindparam("was_pending", type_=String)),
    ~select(_UPDATES.c.update_id)
    .where(_UPDATES.c.update_id == bindparam("update_id", type_=BigInteger))
    .exists(),
)


def _postgresql_step(with_answer: bool) -> Any:
    """Move, claim and store in one statement: the inserts only see a row that moved."""
    moved = _MOVE.returning(_SESSIONS.c.id).cte("moved")
    now = bindparam("now", type_=UTCDateTime)
    claim = (
        postgresql.insert(_UPDATES)
        .from_select(
            ["update_id", "processed_at"],
            select(bindparam("update_id", type_=BigInteger), now).select_from(moved),
        )
        .on_conflict_do_nothing(index_elements=["update_id"])
        .returning(_UPDATES.c.update_id)
        .cte("claimed")
    )
    ctes = [claim]
    if with_answer:
        insert = postgresql.insert(_ANSWERS)
        store = (
            insert.from_select(
                [
                    "session_id",
                    "person_id",
                    "step_id",
                    "item",
                    "seq",
                    "value",
                    "visibility",
                    "created_at",
                    "updated_at",
                ],
                select(
                    moved.c.id,
                    bindparam("author", type_=Integer),
                    bindparam("step_id", type_=String),
                    bindparam("item", type_=String),
                    literal_column("0"),
                    bindparam("value", type_=_ANSWERS.c.value.type),
                    bindparam("visibility", type_=String),
                    now,
                    now,
                ).select_from(moved),
            )
            .on_conflict_do_update(
                index_elements=["session_id", "person_id", "step_id", "item", "seq"],
                set_={
                    "value": insert.excluded.value,
                    "visibility": insert.excluded.visibility,
                    "updated_at": insert.excluded.updated_at,
                    "withdrawn_at": null(),
                },
            )
            .returning(_ANSWERS.c.id)
            .cte("stored")
        )
        ctes.append(store)
    return select(func.count()).select_from(moved).add_cte(*ctes)


# Built once: this runs for nearly every message.
_POSTGRESQL_STEP = {flag: _postgresql_step(flag) for flag in (True, False)}


async def step(
    connection: AsyncConnection,
    current: Current,
    *,
    update_id: int,
    state: dict[str, Any],
    answer: Stored | None,
    now: datetime,
    completes: bool = False,
) -> bool:
    """Store one step over the session as read; False (and nothing written) when refused.

    With `completes`, the step was the last one and the session is completed with it.
    """
    move = {
        "b_id": current.session_id,
        "b_turn": current.turn,
        "was_pending": current.pending_visibility,
        "update_id": update_id,
        "now": now,
        # The columns dialogues.MOVE sets.
        "state": state,
        "turn": current.turn + 1,
        "updated_at": now,
        "pending_visibility": None,
        "status": SessionStatus.completed if completes else SessionStatus.active,
        "completed_at": now if completes else None,
    }
    if connection.dialect.name == "postgresql":
        if answer is not None:
            move |= {"author": current.person_id, **_answer_params(answer)}
        result = await connection.execute(_POSTGRESQL_STEP[answer is not None], move)
        return bool(result.scalar_one())
    moved = await connection.execute(_MOVE, move)
    if affected(moved) != 1:
        return False
    await connection.execute(CLAIM["sqlite"], {"update_id": update_id, "processed_at": now})
    if answer is not None:
        await connection.execute(
            UPSERT_ANSWER["sqlite"],
            {
                "session_id": current.session_id,
                "person_id": current.person_id,
                "now": now,
                **_answer_params(answer),
            },
        )
    return True


def _answer_params(answer: Stored) -> dict[str, Any]:
    return {
        "step_id": answer.step_id,
        "item": answer.item,
        "value": answer.value,
        "visibility": answer.visibility,
    }
