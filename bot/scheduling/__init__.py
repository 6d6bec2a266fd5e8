"""Pure time logic for meetings, follow-ups, reminders and calendar files.

Nothing in this package reads the clock, touches the database or talks to
Telegram: every function receives the current moment when it needs one. Moments
passed between functions are aware datetimes in UTC; local time is a
:class:`zoneinfo.ZoneInfo` given alongside.
"""

from bot.scheduling.allowed import AllowedTimes, DateRange, is_allowed, next_allowed
from bot.scheduling.dates import (
    ParsedSpan,
    ParsedWhen,
    parse_date,
    parse_datetime,
    parse_length,
    parse_span,
    parse_when,
)
from bot.scheduling.delivery import delivery_time, is_paused, pause_ends, snooze
from bot.scheduling.formatting import format_date, format_span, format_time, format_when
from bot.scheduling.ics import meeting_ics
from bot.scheduling.plan import (
    FollowupKind,
    FollowupPlan,
    PlannedFollowup,
    plan_followups,
    reminder_for,
)
from bot.scheduling.series import (
    DEFAULT_MEETING_DURATION,
    Meeting,
    meeting_end,
    occurrences,
    series_meetings,
)

__all__ = [
    "DEFAULT_MEETING_DURATION",
    "AllowedTimes",
    "DateRange",
    "FollowupKind",
    "FollowupPlan",
    "Meeting",
    "ParsedSpan",
    "ParsedWhen",
    "PlannedFollowup",
    "delivery_time",
    "format_date",
    "format_span",
    "format_time",
    "format_when",
    "is_allowed",
    "is_paused",
    "meeting_end",
    "meeting_ics",
    "next_allowed",
    "occurrences",
    "parse_date",
    "parse_datetime",
    "parse_length",
    "parse_span",
    "parse_when",
    "pause_ends",
    "plan_followups",
    "reminder_for",
    "series_meetings",
    "snooze",
]
