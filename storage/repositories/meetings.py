"""Meetings and series, and what the bot waits for a facilitator to type while scheduling."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import MeetingStatus
from storage.models import AwaitedInput, Group, Meeting, MeetingSeries


async def create_series(
    session: AsyncSession,
    *,
    group_id: int,
    every_weeks: int,
    count: int,
    timezone: str,
    now: datetime,
    created_by: int | None = None,
) -> MeetingSeries:
    series = MeetingSeries(
        group_id=group_id,
        every_weeks=every_weeks,
        count=count,
        timezone=timezone,
        created_by=created_by,
        created_at=now,
    )
    session.add(series)
    await session.flush()
    return series


async def create_meeting(
    session: AsyncSession,
    *,
    group_id: int,
    starts_at: datetime,
    ends_at: datetime,
    now: datetime,
    series_id: int | None = None,
    title: str | None = None,
    created_by: int | None = None,
) -> Meeting:
    meeting = Meeting(
        group_id=group_id,
        series_id=series_id,
        title=title,
        starts_at=starts_at,
        ends_at=ends_at,
        status=MeetingStatus.planned,
        sequence=0,
        created_by=created_by,
        created_at=now,
        updated_at=now,
    )
    session.add(meeting)
    await session.flush()
    return meeting


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def get_series(session: AsyncSession, series_id: int) -> MeetingSeries | None:
    return await session.get(MeetingSeries, series_id)


async def meetings_by_ids(session: AsyncSession, ids: Sequence[int]) -> dict[int, Meeting]:
    if not ids:
        return {}
    rows = await session.scalars(select(Meeting).where(Meeting.id.in_(list(set(ids)))))
    return {m.id: m for m in rows}


async def of_group(
    session: AsyncSession,
    group_id: int,
    *,
    planned_only: bool = True,
    ending_after: datetime | None = None,
) -> Sequence[Meeting]:
    """A group's meetings in time order (planned ones only, unless asked otherwise)."""
    query = select(Meeting).where(Meeting.group_id == group_id)
    if planned_only:
        query = query.where(Meeting.status == MeetingStatus.planned)
    if ending_after is not None:
        query = query.where(Meeting.ends_at > ending_after)
    return (await session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all()


async def of_series(session: AsyncSession, series_id: int) -> Sequence[Meeting]:
    return (
        await session.scalars(
            select(Meeting).where(Meeting.series_id == series_id).order_by(Meeting.starts_at)
        )
    ).all()


async def coming_in_groups(
    session: AsyncSession, group_ids: Sequence[int], after: datetime, limit: int = 20
) -> Sequence[tuple[Meeting, Group]]:
    """Planned meetings of these groups that have not ended, soonest first."""
    if not group_ids:
        return []
    rows = await session.execute(
        select(Meeting, Group)
        .join(Group, Group.id == Meeting.group_id)
        .where(
            Meeting.group_id.in_(list(group_ids)),
            Meeting.status == MeetingStatus.planned,
            Meeting.ends_at > after,
            Group.archived_at.is_(None),
        )
        .order_by(Meeting.starts_at, Meeting.id)
        .limit(limit)
    )
    return [(m, g) for m, g in rows.all()]


# -- what the bot waits for a person to type ---------------------------------------------


async def await_input(
    session: AsyncSession,
    person_id: int,
    kind: str,
    data: dict[str, Any],
    *,
    now: datetime,
    expires_at: datetime,
) -> None:
    """Remember what the person's next typed text means (replacing anything before)."""
    found = await session.get(AwaitedInput, person_id)
    if found is None:
        session.add(
            AwaitedInput(
                person_id=person_id, kind=kind, data=data, expires_at=expires_at, created_at=now
            )
        )
    else:
        found.kind, found.data, found.expires_at, found.created_at = kind, data, expires_at, now
    await session.flush()


async def awaited(session: AsyncSession, person_id: int, now: datetime) -> AwaitedInput | None:
    """The input the person is expected to type, unless it has expired."""
    found = await session.get(AwaitedInput, person_id)
    if found is None or found.expires_at <= now:
        return None
    return found


async def clear_awaited(session: AsyncSession, person_id: int) -> None:
    await session.execute(delete(AwaitedInput).where(AwaitedInput.person_id == person_id))
