"""From a planned time to the time a person actually receives a message.

A person's own time zone, quiet hours and closed days apply, and so do their
choices: a snoozed follow-up comes back a day or a week later, and a pause
(for a holiday) holds every follow-up until the chosen date.
"""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from bot.scheduling.allowed import AllowedTimes, next_allowed
from bot.scheduling.zones import require_aware, shift_local_days, wall_time_to_utc

__all__ = [
    "SNOOZE_DAY",
    "SNOOZE_WEEK",
    "delivery_time",
    "is_paused",
    "pause_ends",
    "snooze",
]

SNOOZE_DAY = 1
SNOOZE_WEEK = 7


def pause_ends(paused_until: date, tz: ZoneInfo) -> datetime:
    """The UTC moment a pause ends: the start of ``paused_until`` in ``tz``.

    "Pause until 5 January" means follow-ups may come again on 5 January.
    """
    return wall_time_to_utc(paused_until, time(0, 0), tz)


def is_paused(moment_utc: datetime, tz: ZoneInfo, paused_until: date | None) -> bool:
    """Whether a pause that lasts until ``paused_until`` holds at ``moment_utc``."""
    return paused_until is not None and moment_utc < pause_ends(paused_until, tz)


def delivery_time(
    due_utc: datetime,
    tz: ZoneInfo,
    policy: AllowedTimes,
    *,
    deadline_utc: datetime | None = None,
    earliest_utc: datetime | None = None,
    paused_until: date | None = None,
) -> datetime | None:
    """When a follow-up planned for ``due_utc`` reaches a person in ``tz``.

    The planned time is deferred past a pause and then to an allowed time by
    :func:`~bot.scheduling.allowed.next_allowed`, with the same deadline rule.
    Returns ``None`` when the person's pause lasts beyond the deadline: the
    follow-up would arrive after the meeting it prepares for, and the pause is
    the person's own choice, so it is skipped rather than sent early.
    """
    require_aware(due_utc, "due_utc")
    if paused_until is not None and is_paused(due_utc, tz, paused_until):
        resume = pause_ends(paused_until, tz)
        if deadline_utc is not None and resume >= deadline_utc:
            return None
        due_utc = resume
        # A deferral must not pull the message back into the pause.
        earliest_utc = resume if earliest_utc is None else max(earliest_utc, resume)
    return next_allowed(due_utc, tz, policy, deadline_utc, earliest_utc)


def snooze(
    now_utc: datetime,
    tz: ZoneInfo,
    days: int,
    policy: AllowedTimes,
    *,
    deadline_utc: datetime | None = None,
) -> datetime | None:
    """When a follow-up snoozed at ``now_utc`` for ``days`` days comes back.

    It comes back at the same local time ``days`` later, deferred to an allowed
    time. When that would pass the deadline it comes at the last allowed
    moment before the deadline, later than ``now_utc``; ``None`` means no
    time is left before the deadline and the follow-up lapses.
    """
    if days < 1:
        raise ValueError("a snooze lasts at least one day")
    target = shift_local_days(require_aware(now_utc, "now_utc"), tz, days)
    result = next_allowed(target, tz, policy, deadline_utc, earliest_utc=now_utc)
    # Coming back at once (or at the deadline) would not be a snooze at all.
    if result <= now_utc or (deadline_utc is not None and result >= deadline_utc):
        return None
    return result
