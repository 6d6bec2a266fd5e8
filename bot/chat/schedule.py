"""/schedule: facilitators plan network meetings and their follow-up, guided by buttons.

Buttons are `ScheduleButton`s ("S"): an operation, a and b (see `ScheduleOp`). A new
meeting's time is typed in Danish or English ("tirsdag 14:00", "3/12 kl. 9", "om to uger
kl. 13"), with its length as a time range or a length when it is not the default
("tirsdag 14-16", "torsdag kl. 9 i 90 minutter"); what the bot waits for between messages
(a time, a meeting being drafted) is kept in the database, so any worker can take the next
message.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import IntEnum
from typing import Any, assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import ButtonData, Press, button
from bot.chat.holidays import parse_periods
from bot.dispatch.compose import FollowupButton, FollowupOp
from bot.scheduling import DEFAULT_MEETING_DURATION, FollowupPlan, format_span, format_when
from bot.scheduling.formatting import format_date
from bot.scheduling.zones import local_date
from bot.services import followups, meetings
from bot.services.errors import Denied, ServiceError
from bot.services.zones import person_zone
from bot.views import Button, View, say
from storage.models import Group, Meeting, Person


class ScheduleOp(IntEnum):
    """What a /schedule button does; the values are in buttons already sent."""

    CLOSE = 0  # stop waiting for a typed time
    OVERVIEW = 1  # a: the group
    NEW = 2  # a: the group; the time is typed next
    REPEAT = 3  # a: every so many weeks (0 once)
    COUNT = 4  # a: how many meetings in the series
    SAVE = 5  # save the drafted meeting or series
    MEETING = 6  # a: the meeting
    MOVE = 7  # a: the meeting; the new time is typed next
    ASK_CANCEL = 8  # a: the meeting
    CANCEL = 9  # a: the meeting
    ASK_CANCEL_SERIES = 10  # a: the series, b: the meeting to go back to
    CANCEL_SERIES = 11  # a: the series
    ROUNDS = 12  # a: the meeting
    PLAN = 13  # a: the group
    PLAN_CYCLE = 14  # a: the group, b: the plan item (an index into PLAN_FIELDS)
    WHO = 15  # a: the follow-up round
    HOLIDAYS = 16  # a: the group; the holidays are typed next


@button("S")
@dataclass(frozen=True)
class ScheduleButton(ButtonData):
    op: ScheduleOp
    a: int = 0
    b: int = 0


EVERY_WEEKS = (2, 4, 6, 8)
COUNTS = (3, 4, 6, 8, 10)
LISTED = 8
# Each plan item and the values a press cycles through (None switches it off).
PLAN_FIELDS: tuple[tuple[str, str, tuple[int | None, ...]], ...] = (
    ("next_step", "next_step_days_after_end", (0, None)),
    ("midpoint", "midpoint_days_after", (14, 7, 10, 21, None)),
    ("preparation", "preparation_days_before", (5, 3, 7, None)),
    ("digest", "digest_days_before", (1, 2, None)),
    ("checkin", "checkin_days_after_last", (30, 14, 60, None)),
    ("reminder", "reminder_days_after", (2, 1, 3, None)),
)


def _close(lang: str) -> list[Button]:
    return [Button(say(lang, "schedule.close"), ScheduleButton(ScheduleOp.CLOSE).encode())]


class ScheduleChat:
    """The facilitator's side: meetings, series, the follow-up plan, who answered."""

    def __init__(self, app: App) -> None:
        self.app = app

    def _when(self, person: Person, moment: datetime) -> str:
        return format_when(moment, person_zone(self.app, person), person.language)

    def _span(self, person: Person, meeting: Meeting) -> str:
        tz = person_zone(self.app, person)
        return format_span(meeting.starts_at, meeting.ends_at, tz, person.language)

    async def command(self, session: AsyncSession, person: Person) -> list[View]:
        """Start planning: choose the group first when there are several."""
        found = await meetings.facilitated_groups(self.app, session, person)
        if not found:
            raise Denied("denied.schedule")
        if len(found) == 1:
            return await self._overview(session, person, found[0].id)
        buttons = [
            [Button(g.name, ScheduleButton(ScheduleOp.OVERVIEW, g.id).encode())] for g in found
        ]
        return [View(html=say(person.language, "schedule.choose_group"), buttons=buttons)]

    async def _overview(self, session: AsyncSession, person: Person, group_id: int) -> list[View]:
        lang = person.language
        group, coming = await meetings.group_meetings(
            self.app, session, actor=person, group_id=group_id
        )
        lines = [say(lang, "schedule.overview", group=group.name)]
        if not coming:
            lines.append(say(lang, "schedule.none"))
        buttons = [
            [
                Button(
                    "📅 " + self._when(person, m.starts_at),
                    ScheduleButton(ScheduleOp.MEETING, m.id).encode(),
                )
            ]
            for m in coming[:LISTED]
        ]
        for row in await followups.open_rounds(self.app, session, actor=person, group_id=group.id):
            kind = say(lang, f"followup.kind.{row.kind.value}")
            who = say(lang, "schedule.who_button", kind=kind)
            buttons.append([Button(who, ScheduleButton(ScheduleOp.WHO, row.id).encode())])
        buttons.append(
            [Button(say(lang, "schedule.new"), ScheduleButton(ScheduleOp.NEW, group.id).encode())]
        )
        buttons.append(
            [
                Button(
                    say(lang, "schedule.plan_button"),
                    ScheduleButton(ScheduleOp.PLAN, group.id).encode(),
                )
            ]
        )
        return [View(html="\n\n".join(lines), buttons=buttons)]

    # -- typed times ------------------------------------------------------------------

    async def typed(self, session: AsyncSession, person: Person, text: str) -> list[View] | None:
        """A meeting time the bot asked for; None when it asked for nothing."""
        waiting = await meetings.expected_input(self.app, session, person)
        if waiting is None:
            return None
        kind, data = waiting
        lang = person.language
        if kind == "holidays":
            try:
                return await self._typed_holidays(session, person, int(data["group"]), text)
            except ServiceError as exc:
                return [View(html=say(lang, exc.key, **exc.params), buttons=[_close(lang)])]
        try:
            if kind == "move":
                return await self._typed_move(session, person, int(data["meeting"]), text)
            group = await meetings.schedulable(self.app, session, person, int(data["group"]))
            start, length = meetings.read_span(self.app, text, group, lang)
        except ServiceError as exc:
            return [View(html=say(lang, exc.key, **exc.params), buttons=[_close(lang)])]
        length = length or DEFAULT_MEETING_DURATION
        draft = {
            "group": group.id,
            "start": start.isoformat(),
            "minutes": length // timedelta(minutes=1),
            "every": None,
            "count": 1,
        }
        await meetings.expect_input(self.app, session, person, "draft", draft)
        return self._repeat(person, start, length)

    async def _typed_move(
        self, session: AsyncSession, person: Person, meeting_id: int, text: str
    ) -> list[View]:
        """A new time, a new time range, or only a new length for a planned meeting."""
        lang = person.language
        meeting, group = await meetings.meeting_for(
            self.app, session, actor=person, meeting_id=meeting_id
        )
        length = meetings.read_length(text)
        if length is not None:
            start = meeting.starts_at
        else:
            start, length = meetings.read_span(self.app, text, group, lang)
        moved = await meetings.move(
            self.app, session, actor=person, meeting_id=meeting.id, start=start, length=length
        )
        await meetings.forget_input(session, person)
        return [View(html=say(lang, "schedule.moved", when=self._span(person, moved)))]

    def _span_of(self, person: Person, start: datetime, length: timedelta) -> str:
        tz = person_zone(self.app, person)
        return format_span(start, start + length, tz, person.language)

    def _repeat(self, person: Person, start: datetime, length: timedelta) -> list[View]:
        lang = person.language
        buttons = [[Button(say(lang, "schedule.once"), ScheduleButton(ScheduleOp.REPEAT).encode())]]
        buttons += [
            [
                Button(
                    say(lang, "schedule.every", weeks=w),
                    ScheduleButton(ScheduleOp.REPEAT, w).encode(),
                )
            ]
            for w in EVERY_WEEKS
        ]
        buttons.append(_close(lang))
        when = self._span_of(person, start, length)
        return [View(html=say(lang, "schedule.repeat", when=when), buttons=buttons)]

    # -- buttons ----------------------------------------------------------------------

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Every /schedule button."""
        lang = person.language
        pressed = ScheduleButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        op, first, second = pressed.op, pressed.a, pressed.b
        if op is ScheduleOp.CLOSE:
            await meetings.forget_input(session, person)
            return [View(html=say(lang, "schedule.closed"), replace=True)]
        if op is ScheduleOp.OVERVIEW:
            return await self._overview(session, person, first)
        if op is ScheduleOp.NEW:
            group = await meetings.schedulable(self.app, session, person, first)
            await meetings.expect_input(self.app, session, person, "new", {"group": group.id})
            hours = DEFAULT_MEETING_DURATION // timedelta(hours=1)
            text = say(lang, "schedule.ask_when", group=group.name, hours=hours)
            return [View(html=text, buttons=[_close(lang)])]
        if op in (ScheduleOp.REPEAT, ScheduleOp.COUNT, ScheduleOp.SAVE):
            return await self._draft(session, person, op, first)
        if op is ScheduleOp.MEETING:
            return await self._meeting(session, person, first)
        if op in (
            ScheduleOp.MOVE,
            ScheduleOp.ASK_CANCEL,
            ScheduleOp.CANCEL,
            ScheduleOp.ASK_CANCEL_SERIES,
            ScheduleOp.CANCEL_SERIES,
        ):
            return await self._change(session, person, op, first, second)
        if op is ScheduleOp.ROUNDS:
            return await self._rounds(session, person, first)
        if op in (ScheduleOp.PLAN, ScheduleOp.PLAN_CYCLE):
            return await self._plan(
                session, person, first, second if op is ScheduleOp.PLAN_CYCLE else None
            )
        if op is ScheduleOp.WHO:
            return await self._who(session, person, first)
        if op is ScheduleOp.HOLIDAYS:
            return await self._ask_holidays(session, person, first)
        assert_never(op)

    async def _ask_holidays(
        self, session: AsyncSession, person: Person, group_id: int
    ) -> list[View]:
        """Show the group's school holidays and ask for new ones as typed date ranges."""
        lang = person.language
        group = await meetings.schedulable(self.app, session, person, group_id)
        await meetings.expect_input(self.app, session, person, "holidays", {"group": group.id})
        current = followups.closed_periods(group)
        listed = "\n".join(
            f"• {_day(p.start, lang)} – {_day(p.end, lang)}" for p in current
        ) or say(lang, "schedule.holidays_none")
        text = say(lang, "schedule.holidays_ask", group=group.name) + "\n\n" + listed
        return [View(html=text, buttons=[_close(lang)])]

    async def _typed_holidays(
        self, session: AsyncSession, person: Person, group_id: int, text: str
    ) -> list[View]:
        lang = person.language
        periods = parse_periods(text, local_date(self.app.now(), self.app.settings.timezone), lang)
        if periods is None:
            return [
                View(html=say(lang, "schedule.holidays_not_understood"), buttons=[_close(lang)])
            ]
        await followups.set_closed_periods(
            self.app, session, actor=person, group_id=group_id, periods=periods
        )
        await meetings.forget_input(session, person)
        return [View(html=say(lang, "schedule.holidays_saved", count=len(periods)))]

    async def _change(
        self, session: AsyncSession, person: Person, op: ScheduleOp, first: int, second: int
    ) -> list[View]:
        """Move or cancel a meeting, skip a date, or cancel the rest of a series."""
        lang = person.language
        if op is ScheduleOp.MOVE:
            meeting, _ = await meetings.meeting_for(
                self.app, session, actor=person, meeting_id=first
            )
            await meetings.expect_input(self.app, session, person, "move", {"meeting": meeting.id})
            text = say(lang, "schedule.ask_move", when=self._span(person, meeting))
            return [View(html=text, buttons=[_close(lang)])]
        if op is ScheduleOp.ASK_CANCEL:
            meeting, _ = await meetings.meeting_for(
                self.app, session, actor=person, meeting_id=first
            )
            buttons = [
                [
                    Button(
                        say(lang, "schedule.yes_cancel"),
                        ScheduleButton(ScheduleOp.CANCEL, meeting.id).encode(),
                    )
                ],
                [
                    Button(
                        say(lang, "schedule.no"),
                        ScheduleButton(ScheduleOp.MEETING, meeting.id).encode(),
                    )
                ],
            ]
            text = say(lang, "schedule.confirm_cancel", when=self._span(person, meeting))
            return [View(html=text, buttons=buttons, replace=True)]
        if op is ScheduleOp.CANCEL:
            meeting = await meetings.cancel(self.app, session, actor=person, meeting_id=first)
            text = say(lang, "schedule.cancelled", when=self._span(person, meeting))
            return [View(html=text, replace=True)]
        if op is ScheduleOp.ASK_CANCEL_SERIES:
            buttons = [
                [
                    Button(
                        say(lang, "schedule.yes_cancel"),
                        ScheduleButton(ScheduleOp.CANCEL_SERIES, first).encode(),
                    )
                ],
                [
                    Button(
                        say(lang, "schedule.no"),
                        ScheduleButton(ScheduleOp.MEETING, second).encode(),
                    )
                ],
            ]
            return [View(html=say(lang, "schedule.confirm_series"), buttons=buttons, replace=True)]
        if op is ScheduleOp.CANCEL_SERIES:
            gone = await meetings.cancel_series(self.app, session, actor=person, series_id=first)
            return [
                View(html=say(lang, "schedule.series_cancelled", count=len(gone)), replace=True)
            ]
        return [View(html=say(lang, "stale.unknown"))]

    async def _draft(
        self, session: AsyncSession, person: Person, op: ScheduleOp, value: int
    ) -> list[View]:
        """Repeat or not, how many, then save the drafted meeting or series."""
        lang = person.language
        waiting = await meetings.expected_input(self.app, session, person)
        if waiting is None or waiting[0] != "draft":
            return [View(html=say(lang, "schedule.draft_gone"))]
        draft: dict[str, Any] = dict(waiting[1])
        group = await meetings.schedulable(self.app, session, person, int(draft["group"]))
        start = datetime.fromisoformat(str(draft["start"]))
        length = timedelta(minutes=int(draft.get("minutes") or 0)) or DEFAULT_MEETING_DURATION
        if op is ScheduleOp.REPEAT and value in EVERY_WEEKS:
            draft["every"] = value
            await meetings.expect_input(self.app, session, person, "draft", draft)
            buttons = [
                [Button(str(n), ScheduleButton(ScheduleOp.COUNT, n).encode()) for n in COUNTS],
                _close(lang),
            ]
            return [View(html=say(lang, "schedule.count"), buttons=buttons, replace=True)]
        if op is ScheduleOp.REPEAT:
            draft["every"], draft["count"] = None, 1
        elif op is ScheduleOp.COUNT and value in COUNTS:
            draft["count"] = value
        if op in (ScheduleOp.REPEAT, ScheduleOp.COUNT):
            await meetings.expect_input(self.app, session, person, "draft", draft)
            starts = meetings.series_starts(self.app, group, start, draft["every"], draft["count"])
            dates = "\n".join(f"• {self._span_of(person, s, length)}" for s in starts)
            buttons = [
                [Button(say(lang, "schedule.save"), ScheduleButton(ScheduleOp.SAVE).encode())],
                _close(lang),
            ]
            text = say(lang, "schedule.confirm", group=group.name, dates=dates)
            return [View(html=text, buttons=buttons, replace=True)]
        made = await meetings.schedule(
            self.app,
            session,
            actor=person,
            group_id=group.id,
            first_start=start,
            every_weeks=draft["every"],
            count=int(draft["count"]),
            duration=length,
        )
        await meetings.forget_input(session, person)
        key = "schedule.saved_one" if len(made) == 1 else "schedule.saved_many"
        buttons = [
            [
                Button(
                    say(lang, "meeting.calendar_button"),
                    FollowupButton(FollowupOp.CALENDAR, made[0].id).encode(),
                )
            ],
            [
                Button(
                    say(lang, "schedule.back"),
                    ScheduleButton(ScheduleOp.OVERVIEW, group.id).encode(),
                )
            ],
        ]
        text = say(lang, key, group=group.name, count=len(made))
        return [View(html=text, buttons=buttons, replace=True)]

    async def _meeting(self, session: AsyncSession, person: Person, meeting_id: int) -> list[View]:
        lang = person.language
        meeting, group = await meetings.meeting_for(
            self.app, session, actor=person, meeting_id=meeting_id
        )
        lines = [say(lang, "schedule.meeting", group=group.name, when=self._span(person, meeting))]
        cancel_key = "schedule.cancel_meeting"
        buttons = [
            [
                Button(
                    say(lang, "schedule.move"), ScheduleButton(ScheduleOp.MOVE, meeting.id).encode()
                )
            ]
        ]
        if meeting.series_id is not None:
            lines.append(say(lang, "schedule.in_series"))
            cancel_key = "schedule.skip_date"
        buttons.append(
            [
                Button(
                    say(lang, cancel_key),
                    ScheduleButton(ScheduleOp.ASK_CANCEL, meeting.id).encode(),
                )
            ]
        )
        if meeting.series_id is not None:
            cancel_series = ScheduleButton(
                ScheduleOp.ASK_CANCEL_SERIES, meeting.series_id, meeting.id
            ).encode()
            buttons.append([Button(say(lang, "schedule.cancel_series"), cancel_series)])
        buttons.append(
            [
                Button(
                    say(lang, "schedule.rounds_button"),
                    ScheduleButton(ScheduleOp.ROUNDS, meeting.id).encode(),
                )
            ]
        )
        buttons.append(
            [
                Button(
                    say(lang, "meeting.calendar_button"),
                    FollowupButton(FollowupOp.CALENDAR, meeting.id).encode(),
                )
            ]
        )
        buttons.append(
            [
                Button(
                    say(lang, "schedule.back"),
                    ScheduleButton(ScheduleOp.OVERVIEW, group.id).encode(),
                )
            ]
        )
        return [View(html="\n".join(lines), buttons=buttons)]

    async def _rounds(self, session: AsyncSession, person: Person, meeting_id: int) -> list[View]:
        lang = person.language
        meeting, _ = await meetings.meeting_for(
            self.app, session, actor=person, meeting_id=meeting_id
        )
        rounds = await followups.meeting_rounds(
            self.app, session, actor=person, meeting_id=meeting.id
        )
        lines = [say(lang, "schedule.rounds", when=self._span(person, meeting))]
        if not rounds:
            lines.append(say(lang, "schedule.no_rounds"))
        buttons: list[list[Button]] = []
        for status in rounds:
            row = status.followup
            kind = say(lang, f"followup.kind.{row.kind.value}")
            lines.append(
                say(
                    lang,
                    "schedule.round_line",
                    kind=kind,
                    due=self._when(person, row.due_at),
                    state=say(lang, f"followup.round.{row.status.value}"),
                    answered=status.answered,
                    total=len(status.people),
                )
            )
            buttons.append(
                [
                    Button(
                        say(lang, "schedule.who_button", kind=kind),
                        ScheduleButton(ScheduleOp.WHO, row.id).encode(),
                    )
                ]
            )
        buttons.append(
            [
                Button(
                    say(lang, "schedule.back"),
                    ScheduleButton(ScheduleOp.MEETING, meeting.id).encode(),
                )
            ]
        )
        return [View(html="\n".join(lines), buttons=buttons)]

    async def _who(self, session: AsyncSession, person: Person, followup_id: int) -> list[View]:
        lang = person.language
        status = await followups.round_status(
            self.app, session, actor=person, followup_id=followup_id
        )
        kind = say(lang, f"followup.kind.{status.followup.kind.value}")
        lines = [say(lang, "schedule.who", kind=kind, group=status.group.name)]
        lines += [
            say(
                lang, "schedule.who_line", name=p.name, state=say(lang, f"followup.state.{p.state}")
            )
            for p in status.people
        ] or [say(lang, "schedule.nobody")]
        lines.append(say(lang, "schedule.who_note"))
        return [View(html="\n".join(lines))]

    async def _plan(
        self, session: AsyncSession, person: Person, group_id: int, cycle: int | None
    ) -> list[View]:
        """Show the follow-up plan; a press moves one item to its next value."""
        lang = person.language
        group: Group = await meetings.schedulable(self.app, session, person, group_id)
        plan = followups.group_plan(group)
        if cycle is not None and 0 <= cycle < len(PLAN_FIELDS):
            _, field, values = PLAN_FIELDS[cycle]
            current = getattr(plan, field)
            following = (
                values[(values.index(current) + 1) % len(values)]
                if current in values
                else values[0]
            )
            plan = await followups.change_plan(
                self.app, session, actor=person, group_id=group.id, **{field: following}
            )
        buttons = [
            [
                Button(
                    f"{say(lang, f'schedule.plan.{name}')}: {_value(lang, name, plan, field)}",
                    ScheduleButton(ScheduleOp.PLAN_CYCLE, group.id, index).encode(),
                )
            ]
            for index, (name, field, _) in enumerate(PLAN_FIELDS)
        ]
        holidays = len(followups.closed_periods(group))
        buttons.append(
            [
                Button(
                    say(lang, "schedule.holidays_button", count=holidays),
                    ScheduleButton(ScheduleOp.HOLIDAYS, group.id).encode(),
                )
            ]
        )
        buttons.append(
            [
                Button(
                    say(lang, "schedule.back"),
                    ScheduleButton(ScheduleOp.OVERVIEW, group.id).encode(),
                )
            ]
        )
        view = View(html=say(lang, "schedule.plan", group=group.name), buttons=buttons)
        view.replace = cycle is not None
        return [view]


def _day(day: date, lang: str) -> str:
    return format_date(day, lang, weekday=False)


def _value(lang: str, name: str, plan: FollowupPlan, field: str) -> str:
    days = getattr(plan, field)
    if days is None:
        return say(lang, "schedule.plan.off")
    if name == "next_step" and days == 0:
        return say(lang, "schedule.plan.at_end")
    key = "schedule.plan.before" if name in ("preparation", "digest") else "schedule.plan.after"
    return say(lang, key, days=days)
