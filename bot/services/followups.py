"""Follow-up rounds around network meetings: plan them, open them, close them.

Each group has a plan (offsets a facilitator may change, kept in the group's settings).
After any change to the group's meetings or plan the rounds are planned again
(`replan`). The dispatcher opens a round shortly before it is due: it queues one
outbox row per recipient at that person's own delivery time (their time zone, quiet
hours, weekends, holidays and pause), and one gentle reminder for later. Whether a
reminder is still needed is decided when it is about to be sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.scheduling import (
    AllowedTimes,
    DateRange,
    FollowupPlan,
    PlannedFollowup,
    delivery_time,
    pause_ends,
    plan_followups,
)
from bot.scheduling import FollowupKind as PlanKind
from bot.scheduling import snooze as snooze_until
from bot.scheduling.zones import local_date
from bot.services import reflection
from bot.services.access import Action, require
from bot.services.aggregates import SAFETY_FORMAT
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.reflection import Shown
from bot.services.zones import person_zone, zone
from storage.enums import FollowupKind, FollowupStatus, Role
from storage.models import Followup, Group, Meeting, Person
from storage.repositories import followups as repo
from storage.repositories import groups, outbox
from storage.repositories import meetings as meetings_repo
from storage.repositories.outbox import NewMessage, followup_key

# What each round asks people to reflect on; a facilitator may choose another format.
DEFAULT_FORMATS: dict[FollowupKind, str] = {
    FollowupKind.next_step: "laeringssamtale",
    FollowupKind.midpoint: "opfoelgning",
    FollowupKind.preparation: "opfoelgning",
    FollowupKind.checkin: "opfoelgning",
}
ASKING = frozenset(DEFAULT_FORMATS)

# A round fans out this long before its nominal time, so a message that the rules pull
# earlier (the last allowed moment before a meeting) or a person in another time zone
# is not missed; the next-step prompt still opens only when its meeting ends.
OPEN_AHEAD = timedelta(days=1)
# Rounds without a meeting after them (the check-in) close this long after they are due.
CLOSE_AFTER = timedelta(days=21)
# When meetings are entered after the fact, rounds more than this far in the past are
# not announced at all.
STALE = timedelta(days=1)

# Kinds of outbox rows a round queues.
PROMPT = "followup.prompt"
REMINDER = "followup.reminder"
SNOOZED = "followup.snoozed"
DIGEST = "followup.digest"

SNOOZE_CHOICES = (1, 7)
PAUSE_CHOICES = (7, 14, 28)


# -- time ---------------------------------------------------------------------------------


def policy_for(app: App, group: Group) -> AllowedTimes:
    """Quiet hours from the settings; weekends, holidays and the group's closed periods."""
    start, end = app.settings.quiet_hours
    closed = tuple(closed_periods(group))
    return AllowedTimes(quiet_start=start, quiet_end=end, extra_closed=closed)


def pause_date(person: Person, tz: ZoneInfo) -> date | None:
    """The local date a person's pause ends (follow-ups may come again from then)."""
    if person.paused_until is None:
        return None
    return local_date(person.paused_until, tz)


# -- the plan -----------------------------------------------------------------------------


def group_plan(group: Group) -> FollowupPlan:
    stored = (group.settings or {}).get("followups", {}).get("plan", {})
    return FollowupPlan.model_validate(stored)


def group_formats(group: Group) -> dict[FollowupKind, str]:
    stored = (group.settings or {}).get("followups", {}).get("formats", {})
    chosen = dict(DEFAULT_FORMATS)
    for kind, format_id in stored.items():
        chosen[FollowupKind(kind)] = str(format_id)
    return chosen


def _store(group: Group, key: str, value: dict[str, Any]) -> None:
    # A new dict, so SQLAlchemy notices the change to the JSON column.
    settings = dict(group.settings or {})
    followups = dict(settings.get("followups", {}))
    followups[key] = value
    settings["followups"] = followups
    group.settings = settings


async def change_plan(
    app: App, session: AsyncSession, *, actor: Person | None, group_id: int, **changes: Any
) -> FollowupPlan:
    """Change offsets of a group's plan (None switches a round off) and plan again."""
    group = await _group(app, session, actor, group_id)
    merged = {**group_plan(group).model_dump(), **changes}
    try:
        plan = FollowupPlan.model_validate(merged)
    except ValidationError as exc:
        raise ServiceError("followup.plan_invalid") from exc
    _store(group, "plan", plan.model_dump(exclude_defaults=True))
    await replan(app, session, group)
    return plan


async def choose_format(
    app: App,
    session: AsyncSession,
    *,
    actor: Person | None,
    group_id: int,
    kind: FollowupKind,
    format_id: str,
) -> None:
    """Let a round run another individual format."""
    group = await _group(app, session, actor, group_id)
    fmt = app.catalog.get(format_id)
    if kind not in ASKING or fmt is None or fmt.audience != "individual":
        raise NotFound("error.format_unknown")
    chosen = {k.value: v for k, v in group_formats(group).items() if DEFAULT_FORMATS[k] != v}
    chosen[kind.value] = format_id
    _store(group, "formats", chosen)
    await replan(app, session, group)


def closed_periods(group: Group) -> list[DateRange]:
    return [
        DateRange(date.fromisoformat(first), date.fromisoformat(last))
        for first, last in (group.settings or {}).get("closed_periods", [])
    ]


async def set_closed_periods(
    app: App,
    session: AsyncSession,
    *,
    actor: Person | None,
    group_id: int,
    periods: list[DateRange],
) -> None:
    """Set the group's own closed periods (school holidays): no follow-up arrives then."""
    group = await _group(app, session, actor, group_id)
    settings = dict(group.settings or {})
    settings["closed_periods"] = [[p.start.isoformat(), p.end.isoformat()] for p in periods]
    group.settings = settings
    await replan(app, session, group)


async def _group(app: App, session: AsyncSession, actor: Person | None, group_id: int) -> Group:
    """The group, when `actor` may schedule in it (`None` is the operator's command line)."""
    if actor is not None:
        return await require(app, session, actor, group_id, Action.schedule)
    group = await groups.get(session, group_id)
    if group is None:
        raise NotFound("error.group_not_found")
    return group


# -- planning rounds ----------------------------------------------------------------------


@dataclass
class Replanned:
    created: int = 0
    moved: int = 0
    cancelled: int = 0


def _opens_at(p: PlannedFollowup, tz: ZoneInfo, policy: AllowedTimes) -> datetime:
    sent = delivery_time(
        p.due_utc, tz, policy, deadline_utc=p.deadline_utc, earliest_utc=p.earliest_utc
    )
    opens = min(p.due_utc, sent or p.due_utc) - OPEN_AHEAD
    return opens if p.earliest_utc is None else max(opens, p.earliest_utc)


def _fields(
    p: PlannedFollowup, tz: ZoneInfo, policy: AllowedTimes, format_id: str | None
) -> dict[str, Any]:
    return {
        "due_at": p.due_utc,
        "deadline_at": p.deadline_utc,
        "earliest_at": p.earliest_utc,
        "closes_at": p.deadline_utc or p.due_utc + CLOSE_AFTER,
        "opens_at": _opens_at(p, tz, policy),
        "format_id": format_id,
    }


async def replan(app: App, session: AsyncSession, group: Group) -> Replanned:
    """Bring a group's rounds in line with its meetings and plan.

    Rounds not yet opened follow their meeting; rounds no longer wanted are cancelled
    with whatever they still had queued. Rounds already sent keep their history.
    """
    now, tz, policy = app.now(), zone(app, group.timezone), policy_for(app, group)
    meetings = list(await meetings_repo.of_group(session, group.id))
    planned = plan_followups([(m.starts_at, m.ends_at) for m in meetings], group_plan(group), tz)
    formats = group_formats(group)
    existing = {(f.meeting_id, f.kind): f for f in await repo.of_group(session, group.id)}
    result = Replanned()
    wanted: set[tuple[int | None, FollowupKind]] = set()
    for p in planned:
        if p.kind == PlanKind.REMINDER:
            continue
        kind = FollowupKind(p.kind.value)
        meeting = meetings[p.meeting_index]
        wanted.add((meeting.id, kind))
        fields = _fields(p, tz, policy, formats.get(kind))
        row = existing.get((meeting.id, kind))
        stale = p.due_utc < now - STALE or (p.deadline_utc is not None and p.deadline_utc <= now)
        if row is None:
            if not stale:
                await repo.create(
                    session, group_id=group.id, meeting_id=meeting.id, kind=kind, now=now, **fields
                )
                result.created += 1
        elif row.status == FollowupStatus.planned or (
            # A round switched off and on again comes back, unless it had gone out.
            row.status == FollowupStatus.cancelled
            and not stale
            and not await outbox.of_followup(session, row.id)
        ):
            if row.due_at != p.due_utc:
                result.moved += 1
            row.status = FollowupStatus.planned
            for name, value in fields.items():
                setattr(row, name, value)
        elif row.status == FollowupStatus.open:
            # Already sent: only its deadline follows the next meeting.
            row.deadline_at, row.closes_at = fields["deadline_at"], fields["closes_at"]
    for key, row in existing.items():
        if key not in wanted and row.status in (FollowupStatus.planned, FollowupStatus.open):
            row.status = FollowupStatus.cancelled
            await outbox.cancel_pending(session, followup_id=row.id, reason="round cancelled")
            result.cancelled += 1
    await session.flush()
    return result


# -- who a round is for, and who answered -------------------------------------------------


async def recipient_groups(session: AsyncSession, group: Group) -> list[int]:
    """The group and the teams under it (a network meeting is for all its teams)."""
    return [group.id, *await repo.child_group_ids(session, group.id)]


async def members(session: AsyncSession, group_ids: list[int], roles: list[Role]) -> list[Person]:
    """Everyone with one of `roles` in these groups, once each."""
    return list(await repo.members_with_roles(session, group_ids, roles))


async def recipients(session: AsyncSession, group: Group, kind: FollowupKind) -> list[Person]:
    """The digest goes to facilitators (also the network's); the rest to participants."""
    if kind == FollowupKind.digest:
        ids = [group.id] if group.parent_id is None else [group.id, group.parent_id]
        return list(await repo.members_with_roles(session, ids, [Role.facilitator]))
    ids = await recipient_groups(session, group)
    return list(await repo.members_with_roles(session, ids, [Role.participant]))


@dataclass(frozen=True)
class Reply:
    """One person's state in a round: a name and a word, never what they wrote."""

    name: str
    state: str  # answered, started, waiting, paused, unreachable, sent, anonymous


@dataclass
class RoundStatus:
    followup: Followup
    group: Group
    people: list[Reply]
    counted: int | None = None  # how many answered, where the replies do not say who

    @property
    def answered(self) -> int:
        if self.counted is not None:
            return self.counted
        return sum(1 for p in self.people if p.state in {"answered", "sent"})


def _unreachable(person: Person) -> bool:
    return person.telegram_id is None or person.unreachable


async def round_status(
    app: App, session: AsyncSession, *, actor: Person | None, followup_id: int
) -> RoundStatus:
    """Who a round is for and who has answered it (facilitators and the operator only)."""
    row = await repo.get(session, followup_id)
    if row is None:
        raise NotFound("followup.unknown")
    group = await _group(app, session, actor, row.group_id)
    people = await recipients(session, group, row.kind)
    now = app.now()
    done = {p for _, p in await repo.answered(session, [row.id])}
    begun = await repo.started(session, row.id)
    keys = [followup_key(row.id, p.id, "prompt") for p in people]
    sent = await outbox.statuses_by_key(session, keys)
    if row.format_id == SAFETY_FORMAT:
        # The check-in only counts in anonymous totals: who answered it is not shown either.
        anonymous = [
            Reply(p.display_name, "unreachable" if _unreachable(p) else "anonymous") for p in people
        ]
        return RoundStatus(row, group, anonymous, counted=len(done & {p.id for p in people}))
    replies: list[Reply] = []
    for person in people:
        if row.kind == FollowupKind.digest:
            key = followup_key(row.id, person.id, "prompt")
            state = "sent" if sent.get(key) == "sent" else "waiting"
        elif person.id in done:
            state = "answered"
        elif person.id in begun:
            state = "started"
        elif _unreachable(person):
            state = "unreachable"
        elif person.paused_until is not None and person.paused_until > now:
            state = "paused"
        else:
            state = "waiting"
        replies.append(Reply(person.display_name, state))
    return RoundStatus(row, group, replies)


async def meeting_rounds(
    app: App, session: AsyncSession, *, actor: Person | None, meeting_id: int
) -> list[RoundStatus]:
    """The rounds tied to one meeting (its preparation, digest, next step, mid-point…)."""
    return [
        await round_status(app, session, actor=actor, followup_id=row.id)
        for row in await repo.of_meetings(session, [meeting_id])
    ]


async def open_rounds(
    app: App, session: AsyncSession, *, actor: Person | None, group_id: int
) -> list[Followup]:
    """The group's rounds that are out now (people may still answer them)."""
    group = await _group(app, session, actor, group_id)
    return [r for r in await repo.of_group(session, group.id) if r.status == FollowupStatus.open]


async def group_rounds(
    app: App, session: AsyncSession, *, actor: Person | None, group_id: int
) -> tuple[Group, list[RoundStatus]]:
    """Every round of a group, in time order, with who answered each."""
    group = await _group(app, session, actor, group_id)
    rounds = [
        await round_status(app, session, actor=actor, followup_id=row.id)
        for row in await repo.of_group(session, group.id)
    ]
    return group, rounds


# -- the opening digest: the rounds since the last meeting --------------------------------

# Without an earlier meeting, the digest looks back this far.
LOOK_BACK = timedelta(days=90)


@dataclass(frozen=True)
class Lookback:
    """What lies between a meeting and the one before it."""

    previous: Meeting | None
    since: datetime
    related: list[Followup]  # every round of the two meetings
    sent_out: list[Followup]  # the asking rounds that went out since the previous meeting


async def since_previous(session: AsyncSession, group: Group, meeting: Meeting) -> Lookback:
    """The rounds that went out between the group's previous meeting and `meeting`."""
    earlier = [
        m
        for m in await meetings_repo.of_group(session, group.id)
        if m.starts_at < meeting.starts_at
    ]
    previous = earlier[-1] if earlier else None
    since = previous.starts_at if previous is not None else meeting.starts_at - LOOK_BACK
    related = list(
        await repo.of_meetings(session, [m.id for m in (previous, meeting) if m is not None])
    )
    sent_out = sorted(
        (
            r
            for r in related
            if r.kind in ASKING
            and r.status in (FollowupStatus.open, FollowupStatus.closed)
            and r.due_at >= since
        ),
        key=lambda r: (r.due_at, r.id),
    )
    return Lookback(previous=previous, since=since, related=related, sent_out=sent_out)


@dataclass(frozen=True)
class Opening:
    """Before a group's next meeting: who answered each round since the last one."""

    meeting: Meeting
    previous: Meeting | None
    rounds: list[RoundStatus]


async def opening_digest(
    app: App, session: AsyncSession, *, actor: Person | None, group_id: int
) -> Opening | None:
    """The rounds the opening digest counts for the group's next meeting, with who answered
    each (names and a word, never what anyone wrote); None without a coming meeting."""
    group = await _group(app, session, actor, group_id)
    coming = await meetings_repo.of_group(session, group.id, ending_after=app.now())
    if not coming:
        return None
    meeting = coming[0]
    looked = await since_previous(session, group, meeting)
    rounds = [
        await round_status(app, session, actor=actor, followup_id=row.id) for row in looked.sent_out
    ]
    return Opening(meeting=meeting, previous=looked.previous, rounds=rounds)


# -- what a person does with a follow-up --------------------------------------------------


async def _open(session: AsyncSession, person: Person, followup_id: int) -> Followup:
    row = await repo.get(session, followup_id)
    if row is None or row.status != FollowupStatus.open or row.format_id is None:
        raise ServiceError("followup.closed")
    if (row.id, person.id) in await repo.answered(session, [row.id], [person.id]):
        raise ServiceError("followup.already_answered")
    return row


async def start(app: App, session: AsyncSession, *, person: Person, followup_id: int) -> Shown:
    """Begin the follow-up's reflection, quoting the person's latest open next step."""
    row = await _open(session, person, followup_id)
    group = await groups.get(session, row.group_id)
    if group is None:
        raise ServiceError("followup.closed")
    ids = await recipient_groups(session, group)
    roles = await groups.roles_in(session, person.id, ids)
    # A participant of a team answers a network's follow-up in their own team.
    target = next((gid for gid in ids if gid in roles), None)
    if target is None:
        raise Denied("denied.not_member")
    step = await repo.latest_step(session, person.id, ids, before=app.now())
    await meetings_repo.clear_awaited(session, person.id)
    return await reflection.start(
        app,
        session,
        person=person,
        format_id=row.format_id or "",
        group_id=target,
        context={"next_step": step.what} if step is not None else {},
        meeting_id=row.meeting_id,
        followup_id=row.id,
    )


async def snooze(
    app: App, session: AsyncSession, *, person: Person, followup_id: int, days: int
) -> datetime:
    """Bring the follow-up back in `days` days (at an allowed time, before the deadline)."""
    if days not in SNOOZE_CHOICES:
        raise ServiceError("stale.unknown")
    row = await _open(session, person, followup_id)
    group = await groups.get(session, row.group_id)
    if group is None or person.telegram_id is None:
        raise ServiceError("followup.closed")
    now = app.now()
    back = snooze_until(
        now, person_zone(app, person), days, policy_for(app, group), deadline_utc=row.deadline_at
    )
    if back is None:
        raise ServiceError("followup.snooze_too_late")
    # One message comes back; a reminder still waiting is replaced by it.
    await outbox.cancel_pending(
        session,
        followup_id=row.id,
        person_id=person.id,
        kinds=[PROMPT, REMINDER, SNOOZED],
        reason="snoozed",
    )
    earlier = len(await outbox.of_person_followup(session, row.id, person.id))
    await outbox.enqueue(
        session,
        NewMessage(
            key=followup_key(row.id, person.id, f"snooze:{earlier}"),
            chat_id=person.telegram_id,
            kind=SNOOZED,
            due_at=back,
            not_after=row.deadline_at,
            person_id=person.id,
            group_id=group.id,
            followup_id=row.id,
        ),
        now,
    )
    return back


async def pause(app: App, session: AsyncSession, *, person: Person, days: int) -> date | None:
    """Hold every follow-up for `days` days (a holiday); 0 ends a pause at once."""
    if days == 0:
        person.paused_until = None
        # What the pause held back and is already due comes now (at an allowed moment).
        await outbox.release_held(session, person.id, [PROMPT, SNOOZED, DIGEST], app.now())
        return None
    if days not in PAUSE_CHOICES:
        raise ServiceError("stale.unknown")
    tz = person_zone(app, person)
    until = local_date(app.now(), tz) + timedelta(days=days)
    person.paused_until = pause_ends(until, tz)
    return until
