"""What summaries read: a group and its teams, meetings, participation, shared texts,
next steps and the access log.

Every query takes the whole list of group ids at once, so a network digest costs the same
number of queries for 3 teams as for 300.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol, Self, TypeVar

from sqlalchemy import ColumnElement, func, insert, or_, select, union_all
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute

from storage.enums import MeetingStatus, NextStepStatus, Role
from storage.models import (
    AccessLogEntry,
    Answer,
    DialogueSession,
    Followup,
    Group,
    Meeting,
    Membership,
    NextStep,
    NextStepEvent,
    Person,
)

FOLLOWUP_ROUND = "followup-"  # the key of a round frozen when a follow-up closed


class _Filterable(Protocol):
    def where(self, *whereclause: ColumnElement[bool]) -> Self: ...


_Query = TypeVar("_Query", bound=_Filterable)


def _window(
    query: _Query,
    moment: QueryableAttribute[datetime],
    *,
    since: datetime | None,
    until: datetime | None,
    meeting: QueryableAttribute[int | None] | None = None,
    meeting_id: int | None = None,
) -> _Query:
    """Keep the rows whose MOMENT lies in [since, until), and of one meeting when given."""
    if meeting is not None and meeting_id is not None:
        query = query.where(meeting == meeting_id)
    if since is not None:
        query = query.where(moment >= since)
    if until is not None:
        query = query.where(moment < until)
    return query


@dataclass(frozen=True)
class SharedAnswer:
    """An answer its author let others see, with where it came from (but not who)."""

    group_id: int
    meeting_id: int | None
    format_id: str
    step_id: str
    seq: int
    value: Any
    visibility: str
    in_group_session: bool
    created_at: datetime
    matched: int = 1  # how many answers of its group matched, before `per_group` cut them


@dataclass(frozen=True)
class StepInfo:
    id: int
    group_id: int
    meeting_id: int | None
    what: str
    due: Any
    visibility: str
    status: NextStepStatus
    created_at: datetime


@dataclass(frozen=True)
class AccessRow:
    viewer: str | None
    group_id: int
    what: str
    detail: str | None
    at: datetime


async def scope(session: AsyncSession, group_id: int) -> list[Group]:
    """The group first, then the teams under it (for a network), by name."""
    rows = (
        await session.scalars(
            select(Group)
            .where(
                or_(Group.id == group_id, Group.parent_id == group_id),
                Group.archived_at.is_(None),
            )
            .order_by(Group.id != group_id, Group.name, Group.id)
        )
    ).all()
    return list(rows)


async def meetings(
    session: AsyncSession,
    group_ids: Sequence[int],
    *,
    since: datetime | None,
    until: datetime | None,
) -> Sequence[Meeting]:
    """Meetings held (not cancelled) in these groups that started in [since, until)."""
    if not group_ids:
        return []
    query = select(Meeting).where(
        Meeting.group_id.in_(list(group_ids)), Meeting.status != MeetingStatus.cancelled
    )
    query = _window(query, Meeting.starts_at, since=since, until=until)
    return (await session.scalars(query.order_by(Meeting.starts_at, Meeting.id))).all()


async def participants_per_meeting(
    session: AsyncSession, meeting_ids: Sequence[int]
) -> dict[tuple[int, int], frozenset[int]]:
    """Who (person ids) of each group's participants took part in anything tied to each
    meeting, counting only people who were participants of that group when it ended.

    Keyed by (group of the session, meeting): a network meeting counts per team. A
    facilitator's own contributions to a circle, and people who joined later or have left,
    are not part of the figure, so it never exceeds the members on the meeting's day. The
    ids, not counts, so that a figure over several groups counts a person in two of them
    once.
    """
    if not meeting_ids:
        return {}
    ids = list(meeting_ids)
    # Private sessions name their person; a group session's people are its contributors.
    private = select(
        DialogueSession.group_id, DialogueSession.meeting_id, DialogueSession.person_id.label("who")
    ).where(DialogueSession.meeting_id.in_(ids), DialogueSession.person_id.is_not(None))
    shared = (
        select(DialogueSession.group_id, DialogueSession.meeting_id, Answer.person_id.label("who"))
        .join(Answer, Answer.session_id == DialogueSession.id)
        .where(DialogueSession.meeting_id.in_(ids), DialogueSession.person_id.is_(None))
    )
    both = union_all(private, shared).subquery()
    rows = await session.execute(
        select(both.c.group_id, both.c.meeting_id, both.c.who)
        .distinct()
        .join(Meeting, Meeting.id == both.c.meeting_id)
        .join(
            Membership,
            (Membership.group_id == both.c.group_id)
            & (Membership.person_id == both.c.who)
            & (Membership.role == Role.participant)
            & (Membership.joined_at <= Meeting.ends_at),
        )
    )
    return _sets(
        ((row[0], row[1]), row[2]) for row in rows if row[0] is not None and row[1] is not None
    )


_K = TypeVar("_K", bound=Hashable)


def _sets(pairs: Iterable[tuple[_K, int]]) -> dict[_K, frozenset[int]]:
    found: dict[_K, set[int]] = defaultdict(set)
    for key, person in pairs:
        found[key].add(person)
    return {key: frozenset(people) for key, people in found.items()}


async def members_at_meetings(
    session: AsyncSession, group_ids: Sequence[int], meeting_ids: Sequence[int]
) -> dict[tuple[int, int], frozenset[int]]:
    """Participants (person ids) of each group who had joined by each meeting's end, by
    (group, meeting)."""
    if not group_ids or not meeting_ids:
        return {}
    rows = await session.execute(
        select(Membership.group_id, Meeting.id, Membership.person_id)
        .select_from(Membership)
        .join(Meeting, Membership.joined_at <= Meeting.ends_at)
        .where(
            Membership.group_id.in_(list(group_ids)),
            Membership.role == Role.participant,
            Meeting.id.in_(list(meeting_ids)),
        )
    )
    return _sets(((row[0], row[1]), row[2]) for row in rows)


async def members_of(session: AsyncSession, group_ids: Sequence[int]) -> dict[int, frozenset[int]]:
    """Participants (not facilitators or leaders) per group, as person ids."""
    if not group_ids:
        return {}
    rows = await session.execute(
        select(Membership.group_id, Membership.person_id).where(
            Membership.group_id.in_(list(group_ids)), Membership.role == Role.participant
        )
    )
    return _sets((row[0], row[1]) for row in rows)


async def shared_answers(
    session: AsyncSession,
    levels_by_group: Mapping[int, Sequence[str]],
    *,
    steps_by_format: Mapping[str, Sequence[str]],
    since: datetime | None,
    until: datetime | None,
    per_group: int,
    meeting_id: int | None = None,
) -> list[SharedAnswer]:
    """The newest answers per group that were shared at one of the group's levels.

    `steps_by_format` names, per format, the steps whose answers are free text;
    `per_group` keeps a network digest readable (and its cost flat).
    """
    grouped = _by_levels(levels_by_group)
    if not grouped or not steps_by_format:
        return []
    conditions = [
        DialogueSession.group_id.in_(ids) & Answer.visibility.in_(list(levels))
        for levels, ids in grouped.items()
    ]
    steps = [
        (DialogueSession.format_id == fmt) & Answer.step_id.in_(list(ids))
        for fmt, ids in steps_by_format.items()
    ]
    rank = (
        func.row_number()
        .over(
            partition_by=DialogueSession.group_id,
            order_by=(Answer.created_at.desc(), Answer.id.desc()),
        )
        .label("rank")
    )
    matched = func.count().over(partition_by=DialogueSession.group_id).label("matched")
    inner = select(
        DialogueSession.group_id,
        DialogueSession.meeting_id,
        DialogueSession.format_id,
        Answer.step_id,
        Answer.seq,
        Answer.value,
        Answer.visibility,
        DialogueSession.person_id.is_(None).label("in_group"),
        Answer.created_at,
        rank,
        matched,
    ).join(DialogueSession, DialogueSession.id == Answer.session_id)
    inner = inner.where(or_(*conditions), or_(*steps), Answer.withdrawn_at.is_(None))
    inner = _window(
        inner,
        Answer.created_at,
        since=since,
        until=until,
        meeting=DialogueSession.meeting_id,
        meeting_id=meeting_id,
    )
    sub = inner.subquery()
    rows = await session.execute(
        select(sub).where(sub.c.rank <= per_group).order_by(sub.c.group_id, sub.c.created_at)
    )
    return [
        SharedAnswer(
            group_id=r.group_id,
            meeting_id=r.meeting_id,
            format_id=r.format_id,
            step_id=r.step_id,
            seq=r.seq,
            value=r.value,
            visibility=r.visibility,
            in_group_session=bool(r.in_group),
            created_at=r.created_at,
            matched=int(r.matched),
        )
        for r in rows
    ]


def _by_levels(levels_by_group: Mapping[int, Sequence[str]]) -> dict[tuple[str, ...], list[int]]:
    """Groups sharing the same levels, so the SQL stays short for a hundred teams."""
    grouped: dict[tuple[str, ...], list[int]] = {}
    for group_id, levels in levels_by_group.items():
        if levels:
            grouped.setdefault(tuple(sorted(levels)), []).append(group_id)
    return grouped


async def next_steps(
    session: AsyncSession,
    levels_by_group: Mapping[int, Sequence[str]],
    *,
    since: datetime | None,
    until: datetime | None,
    meeting_id: int | None = None,
) -> list[StepInfo]:
    """Next steps shared at one of their group's levels (the text is the author's)."""
    grouped = _by_levels(levels_by_group)
    if not grouped:
        return []
    n = NextStep
    query = select(
        n.id, n.group_id, n.meeting_id, n.what, n.due, n.visibility, n.status, n.created_at
    ).where(
        or_(
            *(
                NextStep.group_id.in_(ids) & NextStep.visibility.in_(list(levels))
                for levels, ids in grouped.items()
            )
        )
    )
    query = _window(
        query,
        NextStep.created_at,
        since=since,
        until=until,
        meeting=NextStep.meeting_id,
        meeting_id=meeting_id,
    )
    rows = await session.execute(query.order_by(NextStep.created_at, NextStep.id))
    return [
        StepInfo(
            id=i, group_id=g or 0, meeting_id=m, what=w, due=d, visibility=v, status=s, created_at=c
        )
        for i, g, m, w, d, v, s, c in rows.all()
    ]


async def step_history(
    session: AsyncSession, step_ids: Sequence[int]
) -> dict[int, list[tuple[NextStepStatus, datetime]]]:
    """The status changes of these next steps, oldest first."""
    if not step_ids:
        return {}
    rows = await session.execute(
        select(NextStepEvent.next_step_id, NextStepEvent.status, NextStepEvent.at)
        .where(NextStepEvent.next_step_id.in_(list(step_ids)))
        .order_by(NextStepEvent.at, NextStepEvent.id)
    )
    history: dict[int, list[tuple[NextStepStatus, datetime]]] = {}
    for step_id, status, at in rows:
        history.setdefault(step_id, []).append((status, at))
    return history


async def circle_session(session: AsyncSession, meeting_id: int, format_id: str) -> int | None:
    """The group session of a format held at a meeting (the newest, if several)."""
    return await session.scalar(
        select(DialogueSession.id)
        .where(
            DialogueSession.meeting_id == meeting_id,
            DialogueSession.format_id == format_id,
            DialogueSession.person_id.is_(None),
        )
        .order_by(DialogueSession.started_at.desc())
        .limit(1)
    )


async def latest_meeting(
    session: AsyncSession, group_ids: Sequence[int], now: datetime
) -> Meeting | None:
    """The last meeting of these groups that has begun."""
    if not group_ids:
        return None
    return await session.scalar(
        select(Meeting)
        .where(
            Meeting.group_id.in_(list(group_ids)),
            Meeting.status != MeetingStatus.cancelled,
            Meeting.starts_at <= now,
        )
        .order_by(Meeting.starts_at.desc(), Meeting.id.desc())
        .limit(1)
    )


async def get_meeting(session: AsyncSession, meeting_id: int) -> Meeting | None:
    return await session.get(Meeting, meeting_id)


async def log_access(
    session: AsyncSession,
    *,
    viewer_id: int | None,
    group_ids: Sequence[int],
    what: str,
    detail: str | None,
    at: datetime,
) -> None:
    """One entry per group the summary covered, so each team's facilitators see it."""
    if not group_ids:
        return
    # One executemany: a digest of a hundred teams writes its log in one statement.
    await session.execute(
        insert(AccessLogEntry),
        [
            {"viewer_id": viewer_id, "group_id": g, "what": what[:64], "detail": detail, "at": at}
            for g in group_ids
        ],
    )


async def access_log(
    session: AsyncSession, group_ids: Sequence[int], *, limit: int
) -> list[AccessRow]:
    """The newest accesses to summaries of these groups, with the viewer's name."""
    if not group_ids:
        return []
    rows = await session.execute(
        select(
            Person.display_name,
            AccessLogEntry.group_id,
            AccessLogEntry.what,
            AccessLogEntry.detail,
            AccessLogEntry.at,
        )
        .outerjoin(Person, Person.id == AccessLogEntry.viewer_id)
        .where(AccessLogEntry.group_id.in_(list(group_ids)))
        .order_by(AccessLogEntry.at.desc(), AccessLogEntry.id.desc())
        .limit(limit)
    )
    return [
        AccessRow(viewer=name, group_id=g, what=what, detail=detail, at=at)
        for name, g, what, detail, at in rows.all()
    ]


async def round_sources(
    session: AsyncSession, round_keys: Sequence[str]
) -> dict[str, tuple[int | None, str]]:
    """For rounds frozen when a follow-up closed (`followup-<id>`): its meeting and kind."""
    ids = {
        int(key.removeprefix(FOLLOWUP_ROUND)): key
        for key in round_keys
        if key.startswith(FOLLOWUP_ROUND) and key.removeprefix(FOLLOWUP_ROUND).isdigit()
    }
    if not ids:
        return {}
    rows = await session.execute(
        select(Followup.id, Followup.meeting_id, Followup.kind).where(Followup.id.in_(list(ids)))
    )
    return {ids[i]: (meeting_id, kind.value) for i, meeting_id, kind in rows.all()}


async def meeting_numbers(
    session: AsyncSession, meeting_ids: Sequence[int]
) -> dict[int, tuple[int, int, str | None]]:
    """Each meeting's place (from 1) among its group's meetings that were not cancelled,
    with its group and title: (place, group id, title)."""
    if not meeting_ids:
        return {}
    place = (
        func.row_number()
        .over(partition_by=Meeting.group_id, order_by=(Meeting.starts_at, Meeting.id))
        .label("place")
    )
    groups = select(Meeting.group_id).where(Meeting.id.in_(list(meeting_ids)))
    numbered = (
        select(Meeting.id, place, Meeting.group_id, Meeting.title)
        .where(Meeting.group_id.in_(groups), Meeting.status != MeetingStatus.cancelled)
        .subquery()
    )
    rows = await session.execute(select(numbered).where(numbered.c.id.in_(list(meeting_ids))))
    return {int(i): (int(n), int(g), t) for i, n, g, t in rows.all()}
