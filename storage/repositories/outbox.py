"""The outbox: every message to send later is a row, claimed under a lease and sent once.

A worker claims due rows (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so two workers never
claim the same row; SQLite: the transaction holds the single write lock). The claim is a
lease: a crashed worker's rows become due again when `claim_expires_at` passes. Every
state change after the claim names the worker, so a worker that lost its lease cannot
overwrite what another worker did.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import and_, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import FollowupStatus, OutboxStatus
from storage.models import Followup, OutboxMessage
from storage.repositories.rows import affected

# Rows per INSERT statement: well under SQLite's limit on bound variables.
_CHUNK = 400


@dataclass(frozen=True)
class NewMessage:
    """A row to queue; `key` makes queueing the same message twice harmless."""

    key: str
    chat_id: int
    kind: str
    due_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    not_after: datetime | None = None
    person_id: int | None = None
    group_id: int | None = None
    followup_id: int | None = None


def followup_key(followup_id: int | None, person_id: int | None, what: str) -> str:
    """The outbox key of one follow-up message to one person; a key is sent at most once."""
    return f"followup:{followup_id}:person:{person_id}:{what}"


def _values(message: NewMessage, now: datetime) -> dict[str, Any]:
    return {
        "idempotency_key": message.key,
        "person_id": message.person_id,
        "group_id": message.group_id,
        "followup_id": message.followup_id,
        "chat_id": message.chat_id,
        "kind": message.kind,
        "payload": message.payload,
        "due_at": message.due_at,
        "not_after": message.not_after,
        "status": OutboxStatus.pending,
        "attempts": 0,
        "created_at": now,
    }


async def enqueue_many(session: AsyncSession, messages: Sequence[NewMessage], now: datetime) -> int:
    """Queue messages, skipping any whose key is already queued; returns how many are new."""
    if not messages:
        return 0
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    added = 0
    for start in range(0, len(messages), _CHUNK):
        chunk = [_values(m, now) for m in messages[start : start + _CHUNK]]
        statement = (
            insert(OutboxMessage)
            .values(chunk)
            .on_conflict_do_nothing(index_elements=["idempotency_key"])
        )
        result = await session.execute(statement)
        added += affected(result)
    return added


async def enqueue(session: AsyncSession, message: NewMessage, now: datetime) -> bool:
    return await enqueue_many(session, [message], now) == 1


async def by_key(session: AsyncSession, key: str) -> OutboxMessage | None:
    return await session.scalar(select(OutboxMessage).where(OutboxMessage.idempotency_key == key))


async def claim_due(
    session: AsyncSession,
    *,
    worker: str,
    now: datetime,
    lease_until: datetime,
    limit: int,
    skip_locked: bool,
) -> list[OutboxMessage]:
    """Claim up to `limit` due rows (and rows whose lease ran out) for `worker`."""
    pending = (
        select(OutboxMessage.id)
        .where(OutboxMessage.status == OutboxStatus.pending, OutboxMessage.due_at <= now)
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .limit(limit)
    )
    expired = (
        select(OutboxMessage.id)
        .where(
            OutboxMessage.status == OutboxStatus.claimed,
            OutboxMessage.claim_expires_at <= now,
        )
        .order_by(OutboxMessage.claim_expires_at, OutboxMessage.id)
        .limit(limit)
    )
    if skip_locked:
        pending = pending.with_for_update(skip_locked=True)
        expired = expired.with_for_update(skip_locked=True)
    ids = list(await session.scalars(expired))
    if len(ids) < limit:
        ids += list(await session.scalars(pending.limit(limit - len(ids))))
    if not ids:
        return []
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .values(
            status=OutboxStatus.claimed,
            claimed_by=worker,
            claim_expires_at=lease_until,
            attempts=OutboxMessage.attempts + 1,
        )
        .execution_options(synchronize_session=False)
    )
    rows = await session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.id.in_(ids))
        .order_by(OutboxMessage.due_at, OutboxMessage.id)
        .execution_options(populate_existing=True)
    )
    return list(rows)


def _mine(row_id: int, worker: str) -> Any:
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.status == OutboxStatus.claimed,
        OutboxMessage.claimed_by == worker,
    )


async def _change(session: AsyncSession, row_id: int, worker: str, **values: Any) -> bool:
    result = await session.execute(
        update(OutboxMessage)
        .where(_mine(row_id, worker))
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    return affected(result) > 0


async def renew(
    session: AsyncSession, row_id: int, worker: str, *, now: datetime, lease_until: datetime
) -> bool:
    """Extend `worker`'s claim to `lease_until` if it still holds it at `now`.

    Only a live claim is extended: once a lease has run out another worker may have taken
    the row, and the database decides which of the two statements came first.
    """
    result = await session.execute(
        update(OutboxMessage)
        .where(_mine(row_id, worker), OutboxMessage.claim_expires_at > now)
        .values(claim_expires_at=lease_until)
        .execution_options(synchronize_session=False)
    )
    return affected(result) > 0


async def mark_sent(
    session: AsyncSession, row_id: int, worker: str, *, message_id: int | None, now: datetime
) -> bool:
    """Telegram confirmed the message: it is never sent again."""
    return await _change(
        session,
        row_id,
        worker,
        status=OutboxStatus.sent,
        telegram_message_id=message_id,
        sent_at=now,
        claimed_by=None,
        claim_expires_at=None,
        last_error=None,
    )


async def release(
    session: AsyncSession,
    row_id: int,
    worker: str,
    *,
    due_at: datetime,
    error: str | None = None,
    count_attempt: bool = True,
    chat_id: int | None = None,
) -> bool:
    """Hand a claimed row back, due again at `due_at` (a retry or a deferral)."""
    values: dict[str, Any] = {
        "status": OutboxStatus.pending,
        "due_at": due_at,
        "claimed_by": None,
        "claim_expires_at": None,
        "last_error": error[:200] if error else None,
    }
    if not count_attempt:
        # A deferral (quiet hours, a pause) is not a failed attempt to deliver.
        larger = func.greatest if session.get_bind().dialect.name == "postgresql" else func.max
        values["attempts"] = larger(OutboxMessage.attempts - 1, 0)
    if chat_id is not None:
        values["chat_id"] = chat_id
    return await _change(session, row_id, worker, **values)


async def finish(
    session: AsyncSession,
    row_id: int,
    worker: str,
    *,
    status: OutboxStatus,
    error: str | None = None,
) -> bool:
    """End a claimed row as failed or cancelled (it will not be tried again)."""
    return await _change(
        session,
        row_id,
        worker,
        status=status,
        claimed_by=None,
        claim_expires_at=None,
        last_error=error[:200] if error else None,
    )


async def cancel_pending(
    session: AsyncSession,
    *,
    followup_id: int | None = None,
    person_id: int | None = None,
    kinds: Sequence[str] | None = None,
    reason: str = "cancelled",
) -> int:
    """Cancel rows not yet claimed (a claimed row is checked again before it is sent)."""
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.pending)
    if followup_id is not None:
        query = query.where(OutboxMessage.followup_id == followup_id)
    if person_id is not None:
        query = query.where(OutboxMessage.person_id == person_id)
    if kinds is not None:
        query = query.where(OutboxMessage.kind.in_(list(kinds)))
    result = await session.execute(
        query.values(status=OutboxStatus.cancelled, last_error=reason).execution_options(
            synchronize_session=False
        )
    )
    return affected(result)


async def release_held(
    session: AsyncSession, person_id: int, kinds: Sequence[str], now: datetime
) -> int:
    """Make a person's held prompts due now, where their round is already due (a pause ended)."""
    due_rounds = select(Followup.id).where(
        Followup.status == FollowupStatus.open, Followup.due_at <= now
    )
    result = await session.execute(
        update(OutboxMessage)
        .where(
            OutboxMessage.person_id == person_id,
            OutboxMessage.status == OutboxStatus.pending,
            OutboxMessage.kind.in_(list(kinds)),
            OutboxMessage.due_at > now,
            OutboxMessage.followup_id.in_(due_rounds),
        )
        .values(due_at=now)
        .execution_options(synchronize_session=False)
    )
    return affected(result)


async def recover(session: AsyncSession, worker: str) -> int:
    """Return the claims a worker of this name left behind (it is starting again)."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.claimed, OutboxMessage.claimed_by == worker)
        .values(status=OutboxStatus.pending, claimed_by=None, claim_expires_at=None)
        .execution_options(synchronize_session=False)
    )
    return affected(result)


async def of_followup(session: AsyncSession, followup_id: int) -> Sequence[OutboxMessage]:
    return (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.followup_id == followup_id)
            .order_by(OutboxMessage.id)
        )
    ).all()


async def of_person_followup(
    session: AsyncSession, followup_id: int, person_id: int
) -> Sequence[OutboxMessage]:
    return (
        await session.scalars(
            select(OutboxMessage)
            .where(OutboxMessage.followup_id == followup_id, OutboxMessage.person_id == person_id)
            .order_by(OutboxMessage.id)
        )
    ).all()


async def statuses_by_key(session: AsyncSession, keys: Sequence[str]) -> dict[str, OutboxStatus]:
    if not keys:
        return {}
    rows = await session.execute(
        select(OutboxMessage.idempotency_key, OutboxMessage.status).where(
            OutboxMessage.idempotency_key.in_(list(set(keys)))
        )
    )
    return dict(rows.all())


async def count_by_status(session: AsyncSession) -> dict[str, int]:
    rows = await session.execute(
        select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status)
    )
    return {str(status): int(count) for status, count in rows.all()}


async def next_due(session: AsyncSession) -> datetime | None:
    """When the earliest pending row falls due (None when nothing waits)."""
    return await session.scalar(
        select(func.min(OutboxMessage.due_at)).where(OutboxMessage.status == OutboxStatus.pending)
    )
