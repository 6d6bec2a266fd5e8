"""Format snapshots, dialogue sessions, answers and scores."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Integer, Table, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from storage.enums import SessionStatus
from storage.models import Answer, DialogueSession, FormatSnapshot, SessionScore
from storage.repositories.rows import affected
from storage.upsert import DIALECTS, dialect_insert, dialect_of


async def stored_snapshot(session: AsyncSession, fingerprint: str) -> int | None:
    """The id of the stored definition with this fingerprint, if there is one."""
    found: int | None = await session.scalar(
        select(FormatSnapshot.id).where(FormatSnapshot.fingerprint == fingerprint)
    )
    return found


async def snapshot_id(
    session: AsyncSession,
    *,
    format_id: str,
    version: int,
    fingerprint: str,
    definition: dict[str, Any],
    now: datetime,
) -> int:
    """The id of the stored definition with this fingerprint, storing it the first time.

    Two transactions storing the same new definition at once both succeed: the second one
    waits for the first and then reads its row (ON CONFLICT DO NOTHING).
    """
    found = await stored_snapshot(session, fingerprint)
    if found is not None:
        return found
    await session.execute(
        dialect_insert(dialect_of(session), FormatSnapshot)
        .values(
            format_id=format_id,
            version=version,
            fingerprint=fingerprint,
            definition=definition,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["fingerprint"])
    )
    stored = await stored_snapshot(session, fingerprint)
    if stored is None:
        raise RuntimeError("a format snapshot was neither stored nor found")
    return stored


_DEFINITION = select(FormatSnapshot.definition).where(
    FormatSnapshot.id == bindparam("snapshot_id", type_=Integer)
)


async def snapshot_definition(
    connection: AsyncConnection, snapshot_id: int
) -> dict[str, Any] | None:
    """The stored format definition a session runs on, or None."""
    found = await connection.scalar(_DEFINITION, {"snapshot_id": snapshot_id})
    return None if found is None else dict(found)


async def create_session(
    session: AsyncSession,
    *,
    format_id: str,
    format_version: int,
    snapshot_id: int,
    language: str,
    state: dict[str, Any],
    now: datetime,
    person_id: int | None = None,
    started_by: int | None = None,
    group_id: int | None = None,
    meeting_id: int | None = None,
    followup_id: int | None = None,
    chat_id: int | None = None,
) -> DialogueSession:
    row = DialogueSession(
        format_id=format_id,
        format_version=format_version,
        snapshot_id=snapshot_id,
        person_id=person_id,
        started_by=started_by,
        group_id=group_id,
        meeting_id=meeting_id,
        followup_id=followup_id,
        chat_id=chat_id,
        language=language,
        state=state,
        status=SessionStatus.active,
        turn=0,
        started_at=now,
        updated_at=now,
        phase_started_at=now,
    )
    session.add(row)
    await session.flush()
    return row


async def get_session(
    session: AsyncSession, session_id: int, *, for_update: bool = False
) -> DialogueSession | None:
    query = select(DialogueSession).where(DialogueSession.id == session_id)
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def active_private_session(session: AsyncSession, person_id: int) -> DialogueSession | None:
    """The person's active private reflection; not locked (see `move_session`)."""
    query = (
        select(DialogueSession)
        .where(
            DialogueSession.person_id == person_id,
            DialogueSession.status == SessionStatus.active,
        )
        .order_by(DialogueSession.updated_at.desc())
        .limit(1)
    )
    return await session.scalar(query)


_SESSIONS: Table = DialogueSession.__table__  # type: ignore[assignment]
# The columns a step of a reflection changes, written in one statement built once.
_MOVED = ("state", "turn", "updated_at", "pending_visibility", "status", "completed_at")
# Moves an active session on from the turn it was read at. Every parameter is named:
# `typed_answers` also runs it inside a CTE, where an anonymous one would lose its value.
MOVE = (
    update(_SESSIONS)
    .where(
        _SESSIONS.c.id == bindparam("b_id", type_=Integer),
        _SESSIONS.c.turn == bindparam("b_turn", type_=Integer),
        _SESSIONS.c.status
        == bindparam("b_active", SessionStatus.active, type_=_SESSIONS.c.status.type),
    )
    .values({name: bindparam(name, type_=_SESSIONS.c[name].type) for name in _MOVED})
)


async def move_session(session: AsyncSession, row: DialogueSession, **changes: Any) -> None:
    """Write a step's changes to an active session read earlier in this transaction.

    The row is not locked when it is read; instead the write checks that it is still active
    at the turn that was read, so a change made meanwhile (a cancel, an answer handled
    elsewhere, the person forgetting their data) is never overwritten. That raises
    `StaleDataError`, and `Database.run` runs the whole unit of work again.
    """
    await session.flush()  # anything else pending on the row goes first
    values = {name: changes.get(name, getattr(row, name)) for name in _MOVED}
    connection = await session.connection()
    result = await connection.execute(MOVE, {"b_id": row.id, "b_turn": row.turn, **values})
    if affected(result) != 1:
        raise StaleDataError(f"dialogue session {row.id} changed while it was being answered")
    for name, value in values.items():
        set_committed_value(row, name, value)


async def active_chat_session(
    session: AsyncSession, chat_id: int, *, for_update: bool = False
) -> DialogueSession | None:
    query = (
        select(DialogueSession)
        .where(
            DialogueSession.chat_id == chat_id,
            DialogueSession.person_id.is_(None),
            DialogueSession.status == SessionStatus.active,
        )
        .order_by(DialogueSession.updated_at.desc())
        .limit(1)
    )
    if for_update:
        query = query.with_for_update()
    return await session.scalar(query)


async def sessions_of(session: AsyncSession, person_id: int) -> Sequence[DialogueSession]:
    return (
        await session.scalars(
            select(DialogueSession)
            .where(DialogueSession.person_id == person_id)
            .order_by(DialogueSession.started_at.desc(), DialogueSession.id.desc())
        )
    ).all()


async def upsert_answer(
    session: AsyncSession,
    *,
    session_id: int,
    person_id: int,
    step_id: str,
    item: str,
    value: Any,
    visibility: str,
    now: datetime,
    append: bool = False,
) -> None:
    """Store an answer; a repeated answer to the same step replaces the earlier one.

    With `append`, the answer is a further contribution (group phases) and gets the next `seq`.
    """
    if append:
        key = (
            Answer.session_id == session_id,
            Answer.person_id == person_id,
            Answer.step_id == step_id,
            Answer.item == item,
        )
        last = await session.scalar(select(func.coalesce(func.max(Answer.seq), 0)).where(*key))
        row = Answer(
            session_id=session_id,
            person_id=person_id,
            step_id=step_id,
            item=item,
            seq=int(last or 0) + 1,
            value=value,
            visibility=visibility,
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        return
    connection = await session.connection()
    await connection.execute(
        UPSERT_ANSWER[dialect_of(session)],
        {
            "session_id": session_id,
            "person_id": person_id,
            "step_id": step_id,
            "item": item,
            "value": value,
            "visibility": visibility,
            "now": now,
        },
    )


def _upsert_answer(dialect: str) -> Any:
    base = dialect_insert(dialect, Answer)
    return base.values(
        session_id=bindparam("session_id"),
        person_id=bindparam("person_id"),
        step_id=bindparam("step_id"),
        item=bindparam("item"),
        seq=0,
        value=bindparam("value", type_=Answer.__table__.c.value.type),
        visibility=bindparam("visibility"),
        created_at=bindparam("now", type_=Answer.__table__.c.created_at.type),
        updated_at=bindparam("now", type_=Answer.__table__.c.updated_at.type),
    ).on_conflict_do_update(
        index_elements=["session_id", "person_id", "step_id", "item", "seq"],
        set_={
            "value": base.excluded.value,
            "visibility": base.excluded.visibility,
            "updated_at": base.excluded.updated_at,
            "withdrawn_at": None,
        },
    )


# Built once: an answer is stored on every step, and building the statement costs more
# than running it.
UPSERT_ANSWER = {name: _upsert_answer(name) for name in DIALECTS}


async def clear_answer(
    session: AsyncSession, *, session_id: int, person_id: int, step_id: str, item: str
) -> None:
    await session.execute(
        delete(Answer).where(
            Answer.session_id == session_id,
            Answer.person_id == person_id,
            Answer.step_id == step_id,
            Answer.item == item,
        )
    )


async def answers_of_session(session: AsyncSession, session_id: int) -> Sequence[Answer]:
    return (
        await session.scalars(
            select(Answer).where(Answer.session_id == session_id).order_by(Answer.id)
        )
    ).all()


async def answers_of_person(session: AsyncSession, person_id: int) -> Sequence[Answer]:
    return (
        await session.scalars(
            select(Answer).where(Answer.person_id == person_id).order_by(Answer.id)
        )
    ).all()


async def get_answer(session: AsyncSession, answer_id: int) -> Answer | None:
    return await session.get(Answer, answer_id)


async def set_scores(session: AsyncSession, session_id: int, scores: dict[str, float]) -> None:
    await session.execute(delete(SessionScore).where(SessionScore.session_id == session_id))
    session.add_all(
        SessionScore(session_id=session_id, index_id=index_id, value=value)
        for index_id, value in scores.items()
    )
    await session.flush()


async def scores_of_session(session: AsyncSession, session_id: int) -> dict[str, float]:
    rows = await session.execute(
        select(SessionScore.index_id, SessionScore.value).where(
            SessionScore.session_id == session_id
        )
    )
    return {row[0]: row[1] for row in rows}


async def cancel_active_private(session: AsyncSession, person_id: int, now: datetime) -> int:
    result = await session.execute(
        update(DialogueSession)
        .where(
            DialogueSession.person_id == person_id,
            DialogueSession.status == SessionStatus.active,
        )
        .values(status=SessionStatus.cancelled, updated_at=now)
    )
    return affected(result)
