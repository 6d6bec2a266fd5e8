"""/meetings, /pause and the buttons under follow-ups, in private chat.

Follow-up buttons are "O" actions: (operation, a, b). Start a follow-up, snooze it a day
or a week, pause all follow-ups or end a pause, get a meeting for the calendar. The
facilitator's /schedule lives in bot/chat/schedule.py; both are installed from here.
"""

from __future__ import annotations

from typing import assert_never

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.buttons import Press
from bot.chat.reflecting import reflection_views
from bot.dispatch.compose import FollowupButton, FollowupOp
from bot.scheduling import format_date, format_span, format_when
from bot.scheduling.zones import local_date
from bot.services import followups, meetings
from bot.services.zones import person_zone
from bot.views import Attachment, Button, View, say
from storage.models import Person

# How many coming meetings /meetings lists (each with a calendar button).
SHOWN = 8


class MeetingsChat:
    """What a participant does: look ahead, take or put off a follow-up, pause."""

    def __init__(self, app: App) -> None:
        self.app = app

    async def coming(self, session: AsyncSession, person: Person) -> list[View]:
        """/meetings: the person's coming meetings, each with a calendar button."""
        lang = person.language
        found = await meetings.coming_for(self.app, session, person)
        if not found:
            return [View(html=say(lang, "meetings.none"))]
        tz = person_zone(self.app, person)
        lines = [say(lang, "meetings.header")]
        buttons: list[list[Button]] = []
        for meeting, group in found[:SHOWN]:
            when = format_span(meeting.starts_at, meeting.ends_at, tz, lang)
            lines.append(say(lang, "meetings.item", when=when, group=group.name))
            day = format_date(
                local_date(meeting.starts_at, tz), lang, weekday=False, with_year=False
            )
            label = say(lang, "meetings.calendar", date=day)
            buttons.append(
                [Button(label, FollowupButton(FollowupOp.CALENDAR, meeting.id).encode())]
            )
        return [View(html="\n".join(lines), buttons=buttons)]

    async def pause_menu(self, session: AsyncSession, person: Person) -> list[View]:
        """/pause: hold follow-ups for a while, or end a pause."""
        lang = person.language
        now = self.app.now()
        if person.paused_until is not None and person.paused_until > now:
            tz = person_zone(self.app, person)
            day = format_date(local_date(person.paused_until, tz), lang, with_year=False)
            state = say(lang, "pause.state_on", date=day)
        else:
            state = say(lang, "pause.state_off")
        buttons = [
            [
                Button(
                    say(lang, f"pause.days_{days}"), FollowupButton(FollowupOp.PAUSE, days).encode()
                )
                for days in followups.PAUSE_CHOICES
            ],
            [Button(say(lang, "pause.resume"), FollowupButton(FollowupOp.PAUSE, 0).encode())],
        ]
        return [View(html=say(lang, "pause.choose", state=state), buttons=buttons)]

    async def button(self, session: AsyncSession, person: Person, action: Press) -> list[View]:
        """Follow-up buttons: start, snooze, pause, calendar."""
        lang = person.language
        pressed = FollowupButton.read(action)
        if pressed is None:
            return [View(html=say(lang, "stale.unknown"))]
        op, first, second = pressed.op, pressed.a, pressed.b
        if op is FollowupOp.START:
            shown = await followups.start(self.app, session, person=person, followup_id=first)
            return reflection_views(shown)
        if op is FollowupOp.SNOOZE:
            back = await followups.snooze(
                self.app, session, person=person, followup_id=first, days=second
            )
            when = format_when(back, person_zone(self.app, person), lang)
            return [View(html=say(lang, "followup.snoozed", when=when), replace=True)]
        if op is FollowupOp.PAUSE:
            until = await followups.pause(self.app, session, person=person, days=first)
            if until is None:
                return [View(html=say(lang, "pause.resumed"), replace=True)]
            day = format_date(until, lang, with_year=False)
            return [View(html=say(lang, "pause.set", date=day), replace=True)]
        if op is FollowupOp.PAUSE_MENU:
            return await self.pause_menu(session, person)
        if op is FollowupOp.CALENDAR:
            file = await meetings.calendar(self.app, session, person=person, meeting_id=first)
            attachment = Attachment(file.filename, file.data)
            return [View(html=say(lang, "meetings.ics_caption"), attachment=attachment)]
        assert_never(op)
