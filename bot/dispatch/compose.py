"""Turn claimed outbox rows into messages, or decide they should wait or not go at all.

The row holds what to say (a kind and a few ids or a text key); the words are chosen
only now, in the recipient's language and time zone, from the current state: a person
who answered meanwhile is not reminded, a paused person waits, a message that falls in
quiet hours or on a closed day waits for the next allowed moment.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import IntEnum
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, button
from bot.dispatch.digest import digest_view
from bot.scheduling import AllowedTimes, format_span, format_when, is_allowed, next_allowed
from bot.services import followups as rounds
from bot.services.meetings import NOTICE as MEETING_NOTICE
from bot.services.zones import recipient_zone
from bot.views import Button, View, say
from storage.enums import FollowupStatus, OutboxStatus
from storage.models import Followup, Group, Meeting, OutboxMessage, Person
from storage.repositories import followups as followups_repo
from storage.repositories import groups as groups_repo
from storage.repositories import meetings as meetings_repo
from storage.repositories import outbox
from storage.repositories.outbox import followup_key

NOTICE = "notice"
FOLLOWUP_KINDS = {rounds.PROMPT, rounds.REMINDER, rounds.SNOOZED, rounds.DIGEST}
# A reminder whose prompt has not gone out yet looks again this much later.
_RECHECK = timedelta(hours=1)


class FollowupOp(IntEnum):
    """What a follow-up button does; the values are in buttons already sent."""

    START = 1  # a: the follow-up
    SNOOZE = 2  # a: the follow-up, b: days
    PAUSE = 3  # a: days (0 resumes)
    CALENDAR = 4  # a: the meeting
    PAUSE_MENU = 5


@button("O")
@dataclass(frozen=True)
class FollowupButton(ButtonData):
    """A follow-up or meeting button, answered in bot/chat/meetings.py.

    Declared here, where the outbox's follow-up messages are made, since the chat
    features build on this module and not the other way round.
    """

    op: FollowupOp
    a: int = 0
    b: int = 0


@dataclass(frozen=True)
class Send:
    view: View


@dataclass(frozen=True)
class Drop:
    reason: str


@dataclass(frozen=True)
class Later:
    until: datetime
    reason: str


Decision = Send | Drop | Later


@dataclass
class _Known:
    """Everything a batch of rows refers to, read with a few queries."""

    people: dict[int, Person] = field(default_factory=dict)
    groups: dict[int, Group] = field(default_factory=dict)
    followups: dict[int, Followup] = field(default_factory=dict)
    meetings: dict[int, Meeting] = field(default_factory=dict)
    answered: set[tuple[int, int]] = field(default_factory=set)
    prompts: dict[str, OutboxStatus] = field(default_factory=dict)


async def _load(session: AsyncSession, rows: Sequence[OutboxMessage]) -> _Known:
    known = _Known()
    known.people = await followups_repo.people_by_ids(
        session, [r.person_id for r in rows if r.person_id is not None]
    )
    known.followups = await followups_repo.by_ids(
        session, [r.followup_id for r in rows if r.followup_id is not None]
    )
    meeting_ids = [f.meeting_id for f in known.followups.values() if f.meeting_id is not None]
    for row in rows:
        meeting_ids += [int(m) for m in row.payload.get("meeting_ids", [])]
    known.meetings = await meetings_repo.meetings_by_ids(session, meeting_ids)
    group_ids = {r.group_id for r in rows if r.group_id is not None}
    group_ids |= {f.group_id for f in known.followups.values()}
    for group_id in group_ids:
        group = await groups_repo.get(session, group_id)
        if group is not None:
            known.groups[group_id] = group
    known.answered = await followups_repo.answered(
        session, list(known.followups), list(known.people)
    )
    keys = [
        followup_key(r.followup_id, r.person_id, "prompt")
        for r in rows
        if r.kind == rounds.REMINDER
    ]
    known.prompts = await outbox.statuses_by_key(session, keys)
    return known


def _lang(person: Person | None, group: Group | None) -> str:
    if person is not None:
        return person.language
    return group.language if group is not None else "da"


def _policy(app: App, group: Group | None) -> AllowedTimes:
    if group is not None:
        return rounds.policy_for(app, group)
    start, end = app.settings.quiet_hours
    return AllowedTimes(quiet_start=start, quiet_end=end)


def _when_allowed(app: App, row: OutboxMessage, tz: ZoneInfo, policy: AllowedTimes) -> Later | None:
    """Wait for the recipient's next allowed moment; None when that is now."""
    now = app.now()
    if is_allowed(now, tz, policy):
        return None
    moment = next_allowed(now, tz, policy, row.not_after, now)
    if moment <= now:  # only the last allowed moment before the deadline was earlier
        return None
    return Later(moment, "quiet time")


def _hold(app: App, row: OutboxMessage, known: _Known) -> Decision | None:
    """Checks that hold for every row: the person is there, in time, not paused."""
    now = app.now()
    if row.not_after is not None and now >= row.not_after:
        return Drop("too late")
    person = known.people.get(row.person_id) if row.person_id is not None else None
    if row.person_id is not None and (person is None or person.unreachable):
        return Drop("unreachable")
    group = known.groups.get(row.group_id) if row.group_id is not None else None
    if person is not None and row.kind in FOLLOWUP_KINDS - {rounds.DIGEST}:
        paused = person.paused_until
        if paused is not None and paused > now:
            if row.not_after is not None and paused >= row.not_after:
                return Drop("paused")
            return Later(paused, "paused")
    return _when_allowed(app, row, recipient_zone(app, person, group), _policy(app, group))


def _followup_buttons(lang: str, followup_id: int) -> list[list[Button]]:
    return [
        [
            Button(
                say(lang, "followup.button.start"),
                FollowupButton(FollowupOp.START, followup_id).encode(),
            )
        ],
        [
            Button(
                say(lang, "followup.button.snooze_day"),
                FollowupButton(FollowupOp.SNOOZE, followup_id, 1).encode(),
            ),
            Button(
                say(lang, "followup.button.snooze_week"),
                FollowupButton(FollowupOp.SNOOZE, followup_id, 7).encode(),
            ),
        ],
        [
            Button(
                say(lang, "followup.button.pause"),
                FollowupButton(FollowupOp.PAUSE_MENU, 0).encode(),
            )
        ],
    ]


def _followup_text(app: App, row: OutboxMessage, known: _Known, person: Person) -> str | None:
    followup = known.followups.get(row.followup_id or 0)
    if followup is None or followup.status != FollowupStatus.open:
        return None
    group = known.groups.get(followup.group_id)
    meeting = known.meetings.get(followup.meeting_id or 0)
    if group is None or meeting is None:
        return None
    lang, tz = person.language, recipient_zone(app, person, group)
    params: dict[str, Any] = {
        "name": person.display_name,
        "group": group.name,
        "when": format_when(meeting.starts_at, tz, lang),
    }
    if row.kind == rounds.REMINDER:
        key = "followup.reminder"
    elif row.kind == rounds.SNOOZED:
        key = "followup.snoozed_back"
    else:
        key = f"followup.prompt.{followup.kind.value}"
    text = say(lang, key, **params)
    if followup.deadline_at is not None:
        text += "\n\n" + say(
            lang, "followup.before", when=format_when(followup.deadline_at, tz, lang)
        )
    return text


def _meeting_notice(app: App, row: OutboxMessage, known: _Known) -> Decision:
    person = known.people.get(row.person_id or 0)
    group = known.groups.get(row.group_id or 0)
    meetings = [
        known.meetings[int(m)]
        for m in row.payload.get("meeting_ids", [])
        if int(m) in known.meetings
    ]
    if group is None or not meetings:
        return Drop("meeting gone")
    lang, tz = _lang(person, group), recipient_zone(app, person, group)
    event = str(row.payload.get("event", "planned"))
    spans = [format_span(m.starts_at, m.ends_at, tz, lang) for m in meetings]
    if event == "cancelled":
        return Send(View(html=say(lang, "meeting.cancelled", group=group.name, when=spans[0])))
    if event == "moved":
        text = say(lang, "meeting.moved", group=group.name, when=spans[0])
    elif len(spans) == 1:
        text = say(lang, "meeting.planned_one", group=group.name, when=spans[0])
    else:
        text = say(
            lang, "meeting.planned_many", group=group.name, dates="\n".join(f"• {s}" for s in spans)
        )
    button = Button(
        say(lang, "meeting.calendar_button"),
        FollowupButton(FollowupOp.CALENDAR, meetings[0].id).encode(),
    )
    return Send(View(html=text, buttons=[[button]]))


async def _decide(app: App, session: AsyncSession, row: OutboxMessage, known: _Known) -> Decision:
    held = _hold(app, row, known)
    if held is not None:
        return held
    person = known.people.get(row.person_id or 0)
    if row.kind == NOTICE:
        lang = _lang(person, known.groups.get(row.group_id or 0))
        params = {str(k): v for k, v in dict(row.payload.get("params", {})).items()}
        return Send(View(html=say(lang, str(row.payload["key"]), **params)))
    if row.kind == MEETING_NOTICE:
        return _meeting_notice(app, row, known)
    if person is None or row.kind not in FOLLOWUP_KINDS:
        return Drop("unknown kind")
    if (row.followup_id or 0, person.id) in known.answered:
        return Drop("answered")
    if row.kind == rounds.DIGEST:
        followup = known.followups.get(row.followup_id or 0)
        if followup is None or followup.status != FollowupStatus.open:
            return Drop("round closed")
        return Send(await digest_view(app, session, followup, person))
    if row.kind == rounds.REMINDER:
        prompt = known.prompts.get(followup_key(row.followup_id, person.id, "prompt"))
        if prompt in (OutboxStatus.pending, OutboxStatus.claimed):
            return Later(app.now() + _RECHECK, "prompt not sent yet")
        if prompt != OutboxStatus.sent:
            return Drop("prompt not sent")
    text = _followup_text(app, row, known, person)
    if text is None:
        return Drop("round closed")
    return Send(View(html=text, buttons=_followup_buttons(person.language, row.followup_id or 0)))


async def compose(
    app: App, session: AsyncSession, rows: Sequence[OutboxMessage]
) -> dict[int, Decision]:
    """Decide for each claimed row: send this view, try later, or drop it."""
    known = await _load(session, rows)
    return {row.id: await _decide(app, session, row, known) for row in rows}
