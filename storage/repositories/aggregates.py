"""Frozen aggregates: the raw rows a round is computed from, and the frozen totals.

Freezing reads personal rows (scores, next steps) once, when a round closes; reports read
only `frozen_aggregates`, which refers to no person.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import NextStepStatus, SessionStatus
from storage.models import DialogueSession, FrozenAggregate, Group, NextStep, SessionScore


@dataclass(frozen=True)
class ScoreRow:
    """One completed session's score: whose, in which group, when."""

    group_id: int
    person_id: int
    completed_at: datetime
    value: float


@dataclass(frozen=True)
class StepRow:
    group_id: int
    person_id: int
    status: NextStepStatus


async def lock_groups(session: AsyncSession, group_ids: Sequence[int]) -> None:
    """Hold these groups' rows until the transaction ends (in id order, so two callers
    never wait for each other in a circle). SQLite serialises writers already and renders
    no `FOR UPDATE`."""
    await session.execute(
        select(Group.id).where(Group.id.in_(list(group_ids))).order_by(Group.id).with_for_update()
    )


async def round_exists(session: AsyncSession, group_id: int, round_key: str) -> bool:
    found = await session.scalar(
        select(FrozenAggregate.id)
        .where(FrozenAggregate.group_id == group_id, FrozenAggregate.round_key == round_key)
        .limit(1)
    )
    return found is not None


async def last_closed(
    session: AsyncSession, group_ids: Sequence[int], measure: str
) -> dict[int, datetime]:
    """When each group last froze `measure` (groups that never did are left out)."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(FrozenAggregate.group_id, func.max(FrozenAggregate.closed_at))
        .where(FrozenAggregate.group_id.in_(list(group_ids)), FrozenAggregate.measure == measure)
        .group_by(FrozenAggregate.group_id)
    )
    return {row[0]: row[1] for row in rows}


async def scores_between(
    session: AsyncSession,
    group_ids: Sequence[int],
    *,
    format_id: str,
    index_id: str,
    after: datetime | None,
    until: datetime,
) -> list[ScoreRow]:
    """Scores of completed private sessions in these groups, completed in (after, until]."""
    if not group_ids:
        return []
    query = (
        select(
            DialogueSession.group_id,
            DialogueSession.person_id,
            DialogueSession.completed_at,
            SessionScore.value,
        )
        .join(SessionScore, SessionScore.session_id == DialogueSession.id)
        .where(
            DialogueSession.group_id.in_(list(group_ids)),
            DialogueSession.format_id == format_id,
            DialogueSession.status == SessionStatus.completed,
            DialogueSession.person_id.is_not(None),
            DialogueSession.completed_at <= until,
            SessionScore.index_id == index_id,
        )
        .order_by(DialogueSession.completed_at, DialogueSession.id)
    )
    if after is not None:
        query = query.where(DialogueSession.completed_at > after)
    rows = await session.execute(query)
    return [
        ScoreRow(group_id=g, person_id=p, completed_at=c, value=float(v))
        for g, p, c, v in rows.all()
        if g is not None and p is not None and c is not None
    ]


async def steps_of_meeting(
    session: AsyncSession, group_ids: Sequence[int], meeting_id: int
) -> list[StepRow]:
    """The next steps written for a meeting in these groups, with their status now, oldest
    first."""
    if not group_ids:
        return []
    rows = await session.execute(
        select(NextStep.group_id, NextStep.person_id, NextStep.status)
        .where(NextStep.meeting_id == meeting_id, NextStep.group_id.in_(list(group_ids)))
        .order_by(NextStep.created_at, NextStep.id)
    )
    return [StepRow(group_id=g, person_id=p, status=s) for g, p, s in rows.all() if g is not None]


async def earlier_respondents(
    session: AsyncSession, group_ids: Sequence[int], measure: str
) -> dict[int, int]:
    """How many respondents each group's first freeze of `measure` counted."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(FrozenAggregate.group_id, FrozenAggregate.respondents, FrozenAggregate.closed_at)
        .where(FrozenAggregate.group_id.in_(list(group_ids)), FrozenAggregate.measure == measure)
        .order_by(FrozenAggregate.closed_at, FrozenAggregate.id)
    )
    first: dict[int, int] = {}
    for group_id, respondents, _ in rows.all():
        first.setdefault(group_id, respondents)
    return first


async def add(session: AsyncSession, rows: Sequence[FrozenAggregate]) -> None:
    session.add_all(rows)
    await session.flush()


@dataclass(frozen=True, slots=True)
class FrozenRow:
    """A frozen total as reports read it (plain values: a digest reads thousands)."""

    group_id: int
    round_key: str
    round_label: str | None
    measure: str
    respondents: int
    mean: float | None
    counts: dict[str, Any] | None
    closed_at: datetime


async def frozen_in(
    session: AsyncSession,
    group_ids: Sequence[int],
    *,
    since: datetime | None,
    until: datetime | None,
) -> list[FrozenRow]:
    """Every frozen total of these groups whose round closed in [since, until)."""
    if not group_ids:
        return []
    f = FrozenAggregate
    query = select(
        f.group_id,
        f.round_key,
        f.round_label,
        f.measure,
        f.respondents,
        f.mean,
        f.counts,
        f.closed_at,
    ).where(f.group_id.in_(list(group_ids)))
    if since is not None:
        query = query.where(f.closed_at >= since)
    if until is not None:
        query = query.where(f.closed_at < until)
    rows = await session.execute(query.order_by(f.closed_at, f.id))
    return [FrozenRow(*row) for row in rows.all()]
