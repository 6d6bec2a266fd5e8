"""What the dispatcher does besides sending: open rounds, close them, note outcomes.

Opening a round queues one outbox row per recipient at that person's own delivery time,
and the one gentle reminder that may follow it. Closing a round (its meeting has begun)
cancels what still waits. Closing a round about the meeting just held (next step,
mid-point, check-in) freezes the statuses of that meeting's next steps, so leaders see how
they went, round by round; the rounds that end a meeting's follow-up (the next-step round,
at the next meeting, and the check-in after the last) also freeze the psychological-safety
total of the check-ins since the group's last one. When someone answers a follow-up about
their next step with done, partly or not yet, and shares that answer, the next step takes
that status.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.scheduling import FollowupKind as PlanKind
from bot.scheduling import PlannedFollowup, delivery_time, reminder_for
from bot.services import aggregates
from bot.services import followups as service
from bot.services.zones import person_zone
from dialogues.visibility import SEEN_BY_FACILITATORS
from storage.enums import FollowupKind, FollowupStatus, NextStepStatus
from storage.models import Followup, Group, Person
from storage.repositories import followups as repo
from storage.repositories import groups as groups_repo
from storage.repositories import next_steps as next_steps_repo
from storage.repositories import outbox
from storage.repositories.outbox import NewMessage, followup_key

# Follow-up answers from this far back are looked at again for their next step.
SYNC_WINDOW = timedelta(days=2)
STATUS_STEP = "status"
_STATUSES = {
    s.value: s for s in (NextStepStatus.done, NextStepStatus.partly, NextStepStatus.not_yet)
}
# Rounds about the meeting just held; the preparation and the digest look ahead instead.
FREEZING = frozenset({FollowupKind.next_step, FollowupKind.midpoint, FollowupKind.checkin})
# The rounds that end a meeting's follow-up: one safety total per meeting, not per round.
ENDING = frozenset({FollowupKind.next_step, FollowupKind.checkin})


def round_key(followup_id: int) -> str:
    """The key a closed follow-up round's frozen totals are stored under."""
    return f"followup-{followup_id}"


async def _freeze(app: App, session: AsyncSession, row: Followup) -> None:
    if row.kind in FREEZING:
        await aggregates.freeze_round(
            app,
            session,
            row.group_id,
            round_key(row.id),
            meeting_id=row.meeting_id,
            safety=row.kind in ENDING,
        )


def _as_planned(row: Followup) -> PlannedFollowup:
    return PlannedFollowup(
        PlanKind(row.kind.value), 0, row.due_at, row.deadline_at, row.earliest_at
    )


Times = tuple[datetime | None, datetime | None]


def _times(app: App, row: Followup, group: Group, tz: ZoneInfo, paused: date | None) -> Times:
    """When the prompt and its reminder reach someone in `tz` (None: not at all)."""
    policy = service.policy_for(app, group)
    when = delivery_time(
        row.due_at,
        tz,
        policy,
        deadline_utc=row.deadline_at,
        earliest_utc=row.earliest_at,
        paused_until=paused,
    )
    if when is None or (row.deadline_at is not None and when >= row.deadline_at):
        return None, None  # paused past the meeting, or no moment left before it
    if row.kind == FollowupKind.digest:
        return when, None
    later = reminder_for(_as_planned(row), service.group_plan(group), tz, sent_utc=when)
    if later is None:
        return when, None
    again = delivery_time(
        later.due_utc,
        tz,
        policy,
        deadline_utc=row.deadline_at,
        earliest_utc=when,
        paused_until=paused,
    )
    if again is None or (row.deadline_at is not None and again >= row.deadline_at):
        return when, None
    return when, again


def messages_for(
    app: App,
    row: Followup,
    group: Group,
    person: Person,
    known: dict[tuple[str, date | None], Times],
) -> list[NewMessage]:
    """The prompt (or digest) for one person, and the reminder that may follow it.

    People in the same time zone with the same pause get the same times; `known` keeps
    them, so a round for thousands of people computes a handful.
    """
    if person.telegram_id is None or person.unreachable:
        return []
    tz = person_zone(app, person)
    paused = service.pause_date(person, tz)
    times = known.get((tz.key, paused))
    if times is None:
        times = known[(tz.key, paused)] = _times(app, row, group, tz, paused)
    when, again = times
    if when is None:
        return []

    def message(suffix: str, kind: str, due: datetime) -> NewMessage:
        return NewMessage(
            key=followup_key(row.id, person.id, suffix),
            chat_id=person.telegram_id or 0,
            kind=kind,
            due_at=due,
            not_after=row.deadline_at,
            person_id=person.id,
            group_id=group.id,
            followup_id=row.id,
        )

    if row.kind == FollowupKind.digest:
        return [message("prompt", service.DIGEST, when)]
    queued = [message("prompt", service.PROMPT, when)]
    if again is not None:
        queued.append(message("reminder", service.REMINDER, again))
    return queued


async def open_round(app: App, session: AsyncSession, row: Followup) -> int:
    """Queue a round's messages for everyone it is for; returns how many were queued."""
    now = app.now()
    group = await groups_repo.get(session, row.group_id)
    if group is None or group.archived_at is not None:
        row.status = FollowupStatus.cancelled
        return 0
    if row.deadline_at is not None and row.deadline_at <= now:
        row.status = FollowupStatus.closed  # its time passed before it could go out
        await _freeze(app, session, row)
        return 0
    row.status = FollowupStatus.open
    known: dict[tuple[str, date | None], Times] = {}
    queued: list[NewMessage] = []
    for person in await service.recipients(session, group, row.kind):
        queued += messages_for(app, row, group, person, known)
    return await outbox.enqueue_many(session, queued, now)


async def open_due(app: App, session: AsyncSession, *, limit: int = 20) -> tuple[int, int]:
    """Open rounds whose time has come: (rounds opened, messages queued)."""
    rows = await repo.to_open(session, app.now(), limit=limit, skip_locked=not app.db.is_sqlite)
    queued = 0
    for row in rows:
        queued += await open_round(app, session, row)
    return len(rows), queued


async def close_due(app: App, session: AsyncSession, *, limit: int = 50) -> int:
    """Close rounds whose meeting has begun (or that ran long enough); drop what waits.

    A round about the meeting just held freezes its totals in the same transaction.
    """
    closed = 0
    for row in await repo.to_close(session, app.now(), limit=limit):
        if await repo.set_status(
            session, row.id, FollowupStatus.closed, only_from=FollowupStatus.open
        ):
            await outbox.cancel_pending(session, followup_id=row.id, reason="round closed")
            await _freeze(app, session, row)
            closed += 1
    return closed


async def sync_outcomes(app: App, session: AsyncSession) -> int:
    """Give next steps the status people reported in recent follow-ups (when shared)."""
    now = app.now()
    sessions = await repo.completed_since(session, now - SYNC_WINDOW, "opfoelgning")
    answers = {
        a.session_id: a
        for a in await repo.answers_of(session, [s.id for s in sessions], [STATUS_STEP])
    }
    changed = 0
    for done in sessions:
        answer = answers.get(done.id)
        if (
            answer is None
            or answer.visibility not in SEEN_BY_FACILITATORS
            or done.person_id is None
        ):
            continue
        status = _STATUSES.get(str(answer.value))
        followup = await repo.get(session, done.followup_id or 0)
        group = await groups_repo.get(session, followup.group_id) if followup else None
        if status is None or group is None or done.completed_at is None:
            continue
        ids = await service.recipient_groups(session, group)
        step = await repo.latest_step(session, done.person_id, ids, before=done.started_at)
        if (
            step is not None
            and step.status in next_steps_repo.OPEN_STATES
            and step.updated_at < done.completed_at
            and step.status != status
        ):
            await next_steps_repo.set_status(session, step, status, now, "follow-up")
            changed += 1
    return changed
