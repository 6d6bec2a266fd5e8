"""Network meetings: schedule one or a series, move one, cancel one or the rest of a series.

Facilitators (and the operator on the command line, `actor=None`) change meetings; every
change plans the group's follow-up rounds again and tells the members through the
outbox. Times are read in the group's time zone; a series keeps its local wall time
across summer-time changes (see bot.scheduling.series).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import t
from bot.scheduling import (
    DEFAULT_MEETING_DURATION,
    format_when,
    meeting_ics,
    occurrences,
    parse_length,
    parse_span,
)
from bot.scheduling.series import MAX_SERIES_COUNT
from bot.services import followups
from bot.services.access import Action, effective_role, is_admin, require
from bot.services.errors import NotFound, ServiceError
from bot.services.zones import group_zone
from storage.enums import MeetingStatus, Role
from storage.models import Group, Meeting, Person
from storage.repositories import groups, outbox
from storage.repositories import meetings as repo
from storage.repositories.outbox import NewMessage

NOTICE = "meeting.notice"
MAX_EVERY_WEEKS = 26
# How long the bot keeps waiting for a time it asked for.
INPUT_TTL = timedelta(minutes=30)
MIN_MEETING_LENGTH = timedelta(minutes=15)
MAX_MEETING_LENGTH = timedelta(hours=12)


@dataclass(frozen=True)
class CalendarFile:
    filename: str
    data: bytes


async def _allowed(app: App, session: AsyncSession, actor: Person | None, group_id: int) -> Group:
    if actor is not None:
        return await require(app, session, actor, group_id, Action.schedule)
    group = await groups.get(session, group_id)
    if group is None or group.archived_at is not None:
        raise NotFound("error.group_not_found")
    return group


async def schedulable(app: App, session: AsyncSession, person: Person, group_id: int) -> Group:
    """The group, when the person may plan its meetings."""
    return await _allowed(app, session, person, group_id)


async def facilitated_groups(app: App, session: AsyncSession, person: Person) -> list[Group]:
    """The groups a person may schedule meetings for."""
    admin = await is_admin(app, session, person)
    found: list[Group] = []
    for _, group in await groups.memberships_of(session, person.id):
        if admin or await effective_role(session, person.id, group) == Role.facilitator:
            found.append(group)
    return found


def read_when(app: App, text: str, group: Group, lang: str) -> datetime:
    """A meeting's start from what a facilitator typed ("tirsdag 14:00", "3/12 kl. 9")."""
    return read_span(app, text, group, lang)[0]


def read_span(app: App, text: str, group: Group, lang: str) -> tuple[datetime, timedelta | None]:
    """A meeting's start, and its length when one was typed ("tirsdag 14-16", "kl. 9 i 2 timer")."""
    now = app.now()
    parsed = parse_span(text, now, group_zone(app, group), lang)
    if parsed is None:
        raise ServiceError("schedule.not_understood")
    if not parsed.start.has_time:
        raise ServiceError("schedule.need_time", text=text.strip())
    if parsed.start.moment_utc <= now:
        raise ServiceError("schedule.in_past")
    if parsed.length is not None:
        check_length(parsed.length)
    return parsed.start.moment_utc, parsed.length


def read_length(text: str) -> timedelta | None:
    """A length typed alone ("2 timer", "i 90 minutter"), checked; None when it is no length."""
    length = parse_length(text)
    if length is not None:
        check_length(length)
    return length


def check_length(length: timedelta) -> None:
    """A meeting lasts from a quarter of an hour to 12 hours and ends after it begins."""
    if length <= timedelta(0):
        raise ServiceError("schedule.ends_before_start")
    if not MIN_MEETING_LENGTH <= length <= MAX_MEETING_LENGTH:
        raise ServiceError("schedule.duration")


def series_starts(
    app: App, group: Group, first_start: datetime, every_weeks: int | None, count: int
) -> list[datetime]:
    """The start of each meeting: one, or `count` every `every_weeks` at the same local time."""
    if every_weeks is None:
        return [first_start]
    if not 1 <= every_weeks <= MAX_EVERY_WEEKS or not 1 <= count <= MAX_SERIES_COUNT:
        raise ServiceError("schedule.series_limits", weeks=MAX_EVERY_WEEKS, count=MAX_SERIES_COUNT)
    return occurrences(first_start, group_zone(app, group), every_weeks, count)


async def _check_free(
    app: App,
    session: AsyncSession,
    group: Group,
    spans: list[tuple[datetime, datetime]],
    *,
    actor: Person | None,
    skip: int = 0,
) -> None:
    """Meetings of one group never overlap (the follow-up plan depends on their order)."""
    for meeting in await repo.of_group(session, group.id):
        if meeting.id == skip:
            continue
        for start, end in spans:
            if start < meeting.ends_at and meeting.starts_at < end:
                lang = actor.language if actor is not None else "en"
                when = format_when(meeting.starts_at, group_zone(app, group), lang)
                raise ServiceError("schedule.overlaps", when=when)


async def schedule(
    app: App,
    session: AsyncSession,
    *,
    actor: Person | None,
    group_id: int,
    first_start: datetime,
    every_weeks: int | None = None,
    count: int = 1,
    duration: timedelta = DEFAULT_MEETING_DURATION,
    title: str | None = None,
) -> list[Meeting]:
    """Plan one meeting or a series, plan the follow-up around them, tell the members."""
    group = await _allowed(app, session, actor, group_id)
    now = app.now()
    if first_start <= now:
        raise ServiceError("schedule.in_past")
    check_length(duration)
    starts = series_starts(app, group, first_start, every_weeks, count)
    await _check_free(app, session, group, [(s, s + duration) for s in starts], actor=actor)
    series_id = None
    if every_weeks is not None:
        series = await repo.create_series(
            session,
            group_id=group.id,
            every_weeks=every_weeks,
            count=count,
            timezone=group_zone(app, group).key,
            now=now,
            created_by=actor.id if actor else None,
        )
        series_id = series.id
    made = [
        await repo.create_meeting(
            session,
            group_id=group.id,
            starts_at=start,
            ends_at=start + duration,
            now=now,
            series_id=series_id,
            title=title,
            created_by=actor.id if actor else None,
        )
        for start in starts
    ]
    await followups.replan(app, session, group)
    await _announce(app, session, group=group, meetings=made, event="planned", actor=actor)
    return made


async def _meeting(
    app: App, session: AsyncSession, actor: Person | None, meeting_id: int
) -> tuple[Meeting, Group]:
    meeting = await repo.get_meeting(session, meeting_id)
    if meeting is None:
        raise NotFound("schedule.meeting_unknown")
    group = await _allowed(app, session, actor, meeting.group_id)
    return meeting, group


async def meeting_for(
    app: App, session: AsyncSession, *, actor: Person | None, meeting_id: int
) -> tuple[Meeting, Group]:
    """A meeting and its group, when `actor` may change it."""
    return await _meeting(app, session, actor, meeting_id)


async def move(
    app: App,
    session: AsyncSession,
    *,
    actor: Person | None,
    meeting_id: int,
    start: datetime,
    length: timedelta | None = None,
) -> Meeting:
    """Move one meeting, or give it a new length; its follow-up moves with it.

    Without `length` the meeting keeps the length it has.
    """
    meeting, group = await _meeting(app, session, actor, meeting_id)
    now = app.now()
    if meeting.status != MeetingStatus.planned or meeting.ends_at <= now:
        raise ServiceError("schedule.meeting_closed")
    if start <= now:
        raise ServiceError("schedule.in_past")
    if length is None:
        length = meeting.ends_at - meeting.starts_at
    check_length(length)
    await _check_free(app, session, group, [(start, start + length)], actor=actor, skip=meeting.id)
    meeting.starts_at, meeting.ends_at = start, start + length
    meeting.sequence += 1
    meeting.updated_at = now
    await session.flush()
    await followups.replan(app, session, group)
    await _announce(app, session, group=group, meetings=[meeting], event="moved", actor=actor)
    return meeting


async def cancel(
    app: App, session: AsyncSession, *, actor: Person | None, meeting_id: int
) -> Meeting:
    """Cancel one meeting (for a series: skip that date); the follow-up is planned anew."""
    meeting, group = await _meeting(app, session, actor, meeting_id)
    if meeting.status != MeetingStatus.planned or meeting.ends_at <= app.now():
        raise ServiceError("schedule.meeting_closed")
    _cancel(app, meeting)
    await session.flush()
    await followups.replan(app, session, group)
    await _announce(app, session, group=group, meetings=[meeting], event="cancelled", actor=actor)
    return meeting


def _cancel(app: App, meeting: Meeting) -> None:
    meeting.status = MeetingStatus.cancelled
    meeting.sequence += 1
    meeting.updated_at = app.now()


async def cancel_series(
    app: App, session: AsyncSession, *, actor: Person | None, series_id: int
) -> list[Meeting]:
    """Cancel every meeting of a series that has not begun."""
    series = await repo.get_series(session, series_id)
    if series is None:
        raise NotFound("schedule.meeting_unknown")
    group = await _allowed(app, session, actor, series.group_id)
    now = app.now()
    ahead = [
        m
        for m in await repo.of_series(session, series.id)
        if m.status == MeetingStatus.planned and m.starts_at > now
    ]
    for meeting in ahead:
        _cancel(app, meeting)
    await session.flush()
    await followups.replan(app, session, group)
    if ahead:
        await _announce(
            app, session, group=group, meetings=ahead[:1], event="cancelled", actor=actor
        )
    return ahead


async def group_meetings(
    app: App, session: AsyncSession, *, actor: Person | None, group_id: int
) -> tuple[Group, list[Meeting]]:
    """A group's planned meetings that have not ended yet."""
    group = await _allowed(app, session, actor, group_id)
    return group, list(await repo.of_group(session, group.id, ending_after=app.now()))


async def coming_for(
    app: App, session: AsyncSession, person: Person
) -> list[tuple[Meeting, Group]]:
    """The person's coming meetings: their groups' and the networks above their teams."""
    ids: list[int] = []
    for _, group in await groups.memberships_of(session, person.id):
        ids += [group.id] if group.parent_id is None else [group.id, group.parent_id]
    return list(await repo.coming_in_groups(session, list(dict.fromkeys(ids)), app.now()))


async def calendar(
    app: App, session: AsyncSession, *, person: Person, meeting_id: int
) -> CalendarFile:
    """The meeting as an .ics file, for anyone the meeting is for."""
    meeting = await repo.get_meeting(session, meeting_id)
    group = await groups.get(session, meeting.group_id) if meeting else None
    if meeting is None or group is None:
        raise NotFound("schedule.meeting_unknown")
    near = [*await followups.recipient_groups(session, group), group.parent_id or group.id]
    if not await groups.roles_in(session, person.id, near) and not await is_admin(
        app, session, person
    ):
        raise NotFound("schedule.meeting_unknown")
    return _calendar_file(app, meeting, group, person.language)


async def operator_calendar(
    app: App, session: AsyncSession, *, meeting_id: int, lang: str
) -> CalendarFile:
    """The meeting as an .ics file, for the operator at the command line."""
    meeting, group = await _meeting(app, session, None, meeting_id)
    return _calendar_file(app, meeting, group, lang)


def _calendar_file(app: App, meeting: Meeting, group: Group, language: str) -> CalendarFile:
    lang = "en" if language == "en" else "da"
    data = meeting_ics(
        f"refleks-meeting-{meeting.id}",
        meeting.sequence,
        meeting.starts_at,
        meeting.ends_at,
        group_zone(app, group),
        title=meeting.title or t(lang, "meetings.ics_title", group=group.name),
        description=t(lang, "meetings.ics_description"),
        lang=lang,
        stamp_utc=app.now(),
        cancelled=meeting.status == MeetingStatus.cancelled,
    )
    return CalendarFile(f"refleks-{meeting.id}.ics", data)


async def _announce(
    app: App,
    session: AsyncSession,
    *,
    group: Group,
    meetings: list[Meeting],
    event: str,
    actor: Person | None,
) -> int:
    """Tell every member (of the teams under a network too) about a change, via the outbox."""
    if not meetings:
        return 0
    first = meetings[0]
    ids = await followups.recipient_groups(session, group)
    members = await followups.members(session, ids, list(Role))
    notices = [
        NewMessage(
            key=f"meeting:{first.id}:{first.sequence}:{event}:person:{person.id}",
            chat_id=person.telegram_id,
            kind=NOTICE,
            due_at=app.now(),
            not_after=first.starts_at,
            payload={"event": event, "meeting_ids": [m.id for m in meetings]},
            person_id=person.id,
            group_id=group.id,
        )
        for person in members
        if person.telegram_id is not None and (actor is None or person.id != actor.id)
    ]
    return await outbox.enqueue_many(session, notices, app.now())


# -- what the bot waits for a facilitator to type -------------------------------------


async def expect_input(
    app: App, session: AsyncSession, person: Person, kind: str, data: dict[str, Any]
) -> None:
    """Remember that the person's next text means `kind` (a new meeting's time, a move)."""
    now = app.now()
    await repo.await_input(session, person.id, kind, data, now=now, expires_at=now + INPUT_TTL)


async def expected_input(
    app: App, session: AsyncSession, person: Person
) -> tuple[str, dict[str, Any]] | None:
    found = await repo.awaited(session, person.id, app.now())
    return None if found is None else (found.kind, dict(found.data))


async def forget_input(session: AsyncSession, person: Person) -> None:
    await repo.clear_awaited(session, person.id)
