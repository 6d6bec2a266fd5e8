"""Summaries: who may see which, what they see, and a log line for every look.

Leaders see the groups they lead (a network's leaders also its teams) and text only where
its author chose `leaders`; facilitators the groups they facilitate, with text shared at
`facilitator`, `team` or `leaders`; participants their own groups, with text shared with
their team. Figures come only from frozen aggregates (see `bot.services.aggregates`).
Every summary built is logged in `access_log`, and the group's facilitators read that log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.i18n import as_lang
from bot.services.access import effective_role
from bot.services.errors import Denied, NotFound, ServiceError
from bot.services.membership import my_groups
from bot.summaries.build import (
    Loaded,
    circle_steps,
    distinct,
    phases,
    sections,
    step_items,
    text_steps,
)
from bot.summaries.model import AccessItem, Audience, Kind, MeetingDetail, Report, Section
from bot.summaries.period import Period, parse_period
from bot.summaries.rounds import meeting_name, round_names
from dialogues.text import Lang
from dialogues.visibility import Visibility
from storage.enums import GroupKind, Role
from storage.models import Group, Person
from storage.repositories import groups as groups_repo
from storage.repositories import summaries as repo
from storage.repositories.aggregates import frozen_in

# Which visibility levels of text each audience reads.
LEVELS: dict[Audience, tuple[Visibility, ...]] = {
    "facilitator": (Visibility.facilitator, Visibility.team, Visibility.leaders),
    "leader": (Visibility.leaders,),
    "participant": (Visibility.team, Visibility.leaders),
}
AUDIENCE_OF_ROLE: dict[Role, Audience] = {
    Role.facilitator: "facilitator",
    Role.leader: "leader",
    Role.participant: "participant",
}
# Newest shared texts and next steps per group: a network digest stays readable, and its
# cost does not grow with how long the network has existed.
TEXTS_PER_TEAM = {"network": 5, "team": 50, "meeting": 500}
ACCESS_SHOWN = 30


@dataclass(frozen=True)
class SummaryRequest:
    """What to summarise: a digest of a period, or one meeting (the latest by default)."""

    group_id: int
    period: str = "all"
    meeting: bool = False
    meeting_id: int | None = None
    output: str = "telegram"
    history: bool = False  # every snapshot of a meeting's next steps, not only the latest


async def audience(
    app: App, session: AsyncSession, person: Person | None, group: Group
) -> Audience:
    """How the person sees the group's summaries; Denied when they may not.

    The operator's command line (no person) sees what a leader sees. Being an
    administrator gives no reading right: administrators manage groups and roles, and read
    a group's texts only in a role of their own there, as the prompts promise.
    """
    if person is None:
        return "leader"
    role = await effective_role(session, person.id, group)
    if role is None:
        raise Denied("denied.not_member")
    return AUDIENCE_OF_ROLE[role]


async def summarisable(app: App, session: AsyncSession, person: Person) -> list[Group]:
    """The groups the person can see a summary of (teams under a network they lead too)."""
    found: dict[int, Group] = {}
    for membership, group in await my_groups(session, person):
        found[group.id] = group
        if group.kind == GroupKind.network and membership.role != Role.participant:
            for team in await groups_repo.children(session, group.id):
                if team.archived_at is None:
                    found.setdefault(team.id, team)
    return sorted(found.values(), key=lambda g: (g.kind != GroupKind.network, g.name.lower()))


def _until(period: Period, now: datetime) -> datetime:
    return now if period.until is None or period.until > now else period.until


async def _levels(
    session: AsyncSession, person: Person | None, seen_as: Audience, scope: Sequence[Group]
) -> dict[int, Sequence[str]]:
    """Which visibility levels of text the viewer may read, per group in scope."""
    if seen_as != "participant" or person is None:
        return {g.id: LEVELS[seen_as] for g in scope}
    # `team` means the author's own team: a participant reads it only where they belong.
    own = await groups_repo.roles_in(session, person.id, [g.id for g in scope])
    return {g.id: LEVELS["participant"] if g.id in own else () for g in scope}


async def _digest(
    app: App,
    session: AsyncSession,
    *,
    scope: Sequence[Group],
    levels: dict[int, Sequence[str]],
    period: Period,
    kind: Kind,
    lang: Lang,
) -> Loaded:
    ids = [g.id for g in scope]
    until = _until(period, app.now())
    # A team's people also meet at its network's meetings.
    held_by = ids + [g.parent_id for g in scope[:1] if kind == "team" and g.parent_id]
    meetings = await repo.meetings(session, held_by, since=period.since, until=until)
    meeting_ids = [m.id for m in meetings]
    steps, steps_more = _newest(
        await repo.next_steps(session, levels, since=period.since, until=until),
        TEXTS_PER_TEAM[kind],
    )
    frozen = await frozen_in(session, ids, since=period.since, until=period.until)
    sources = await repo.round_sources(session, sorted({row.round_key for row in frozen}))
    answers = await repo.shared_answers(
        session,
        levels,
        steps_by_format=text_steps(app.catalog),
        since=period.since,
        until=until,
        per_group=TEXTS_PER_TEAM[kind],
    )
    named = await repo.meeting_numbers(
        session,
        sorted(
            {*meeting_ids, *(m for m, _ in sources.values() if m is not None)}
            | {a.meeting_id for a in answers if a.meeting_id is not None}
        ),
    )
    networks = {g.id for g in scope if g.kind == GroupKind.network} | set(held_by[len(ids) :])
    return Loaded(
        scope=scope,
        members=await repo.members_of(session, ids),
        meetings=meetings,
        meeting_names={m: meeting_name(info, networks, lang) for m, info in named.items()},
        round_names=round_names(sources, named, networks, lang),
        members_on=await repo.members_at_meetings(session, ids, meeting_ids),
        participants=await repo.participants_per_meeting(session, meeting_ids),
        frozen=frozen,
        answers=answers,
        steps=steps,
        history=await repo.step_history(session, [s.id for s in steps]),
        until=period.until,
        steps_more=steps_more,
    )


def _newest(
    steps: list[repo.StepInfo], per_group: int
) -> tuple[list[repo.StepInfo], dict[int, int]]:
    """The newest `per_group` next steps of each group (they come oldest first), and how
    many of each group's were left out."""
    kept: dict[int, int] = {}
    left_out: dict[int, int] = {}
    newest: list[repo.StepInfo] = []
    for step in reversed(steps):
        if kept.get(step.group_id, 0) < per_group:
            kept[step.group_id] = kept.get(step.group_id, 0) + 1
            newest.append(step)
        else:
            left_out[step.group_id] = left_out.get(step.group_id, 0) + 1
    return newest[::-1], left_out


async def _meeting(
    app: App,
    session: AsyncSession,
    *,
    group: Group,
    scope: Sequence[Group],
    levels: dict[int, Sequence[str]],
    request: SummaryRequest,
    lang: Lang,
) -> MeetingDetail:
    # A team's members also meet at its network's meetings.
    held_by = {g.id for g in scope} | ({group.parent_id} if group.parent_id else set())
    if request.meeting_id is not None:
        meeting = await repo.get_meeting(session, request.meeting_id)
    else:
        meeting = await repo.latest_meeting(session, list(held_by), app.now())
    if meeting is None or meeting.group_id not in held_by:
        raise NotFound("summary.no_meeting")
    answers = await repo.shared_answers(
        session,
        levels,
        steps_by_format=circle_steps(app.catalog),
        since=None,
        until=None,
        per_group=TEXTS_PER_TEAM["meeting"],
        meeting_id=meeting.id,
    )
    found, followup = phases(answers, app.catalog, lang)
    steps = await repo.next_steps(session, levels, since=None, until=None, meeting_id=meeting.id)
    history = await repo.step_history(session, [s.id for s in steps])
    ids = [g.id for g in scope]
    members = await repo.members_at_meetings(session, ids, [meeting.id])
    took_part = await repo.participants_per_meeting(session, [meeting.id])
    circle = app.catalog.get("laeringscirkel")
    return MeetingDetail(
        title=meeting.title or group.name,
        starts_at=meeting.starts_at,
        participants=len(distinct(people for (g, _), people in took_part.items() if g in ids)),
        members=len(distinct(members.values())),
        circle_title=circle.title.get(lang) if circle else None,
        phases=found,
        followup_date=_iso_date(followup),
        step_items=[i for items in step_items(steps, history).values() for i in items],
    )


def _iso_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


async def build(
    app: App,
    session: AsyncSession,
    *,
    viewer: Person | None,
    request: SummaryRequest,
    lang: str | None = None,
) -> Report:
    """The summary the viewer asked for, logged in the access log."""
    group = await groups_repo.get(session, request.group_id)
    if group is None or group.archived_at is not None:
        raise NotFound("error.group_not_found")
    seen_as = await audience(app, session, viewer, group)
    chosen: Lang = as_lang(lang or (viewer.language if viewer else group.language))
    tz = app.settings.refleks_timezone
    try:
        period = parse_period(request.period, app.now(), app.settings.timezone)
    except ValueError as exc:
        raise ServiceError("summary.bad_period", period=request.period) from exc
    kind: Kind = (
        "meeting" if request.meeting else ("network" if group.kind == GroupKind.network else "team")
    )
    now = app.now()
    scope = await repo.scope(session, group.id) if kind == "network" else [group]
    await repo.log_access(
        session,
        viewer_id=viewer.id if viewer else None,
        group_ids=[g.id for g in scope],
        what=f"summary:{kind}",
        detail=f"{request.output} {period.name}" if viewer else f"cli {request.output}",
        at=now,
    )
    levels = await _levels(session, viewer, seen_as, scope)
    minimum = app.settings.refleks_anonymity_min
    report = Report(
        kind=kind,
        lang=chosen,
        timezone=tz,
        group_name=group.name,
        period=period,
        generated_at=now,
        audience=seen_as,
        anonymity_min=minimum,
        main=Section(group_id=group.id, name=group.name, members=0),
    )
    if kind == "meeting":
        report.meeting = await _meeting(
            app,
            session,
            group=group,
            scope=scope,
            levels=levels,
            request=request,
            lang=chosen,
        )
    else:
        loaded = await _digest(
            app, session, scope=scope, levels=levels, period=period, kind=kind, lang=chosen
        )
        found = sections(
            loaded,
            network_id=group.id if kind == "network" else None,
            catalog=app.catalog,
            lang=chosen,
            minimum=minimum,
            history=request.history,
        )
        report.main, report.teams = found[0], found[1:]
        report.history = request.history
    if seen_as == "facilitator" and viewer is not None:
        report.access = await access_items(session, [group.id])
    return report


async def access_items(session: AsyncSession, group_ids: Sequence[int]) -> list[AccessItem]:
    """Who looked at summaries of these groups, newest first."""
    rows = await repo.access_log(session, group_ids, limit=ACCESS_SHOWN)
    return [
        AccessItem(viewer=r.viewer or "", what=r.what, detail=r.detail or "", at=r.at) for r in rows
    ]
