"""The closed vocabularies stored in the database."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    participant = "participant"
    facilitator = "facilitator"
    leader = "leader"


class GroupKind(StrEnum):
    team = "team"
    network = "network"


class SessionStatus(StrEnum):
    active = "active"
    completed = "completed"
    cancelled = "cancelled"


class NextStepStatus(StrEnum):
    open = "open"
    done = "done"
    partly = "partly"
    not_yet = "not_yet"
    dropped = "dropped"


class MeetingStatus(StrEnum):
    planned = "planned"
    cancelled = "cancelled"


class FollowupKind(StrEnum):
    next_step = "next_step"
    midpoint = "midpoint"
    preparation = "preparation"
    digest = "digest"
    checkin = "checkin"


class FollowupStatus(StrEnum):
    planned = "planned"
    open = "open"
    closed = "closed"
    cancelled = "cancelled"


class OutboxStatus(StrEnum):
    pending = "pending"
    claimed = "claimed"
    sent = "sent"
    failed = "failed"
    cancelled = "cancelled"
