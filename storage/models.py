"""Typed SQLAlchemy models for the whole domain.

Deleting a person must remove every personal row: every foreign key to `people` either
cascades (the row is theirs) or is set to NULL (the row belongs to a group and only
remembers who created it). Frozen aggregates carry no reference to a person at all.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy import Enum as SAEnum
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from dialogues.visibility import Visibility
from storage.enums import (
    FollowupKind,
    FollowupStatus,
    GroupKind,
    MeetingStatus,
    NextStepStatus,
    OutboxStatus,
    Role,
    SessionStatus,
)
from storage.types import JSONType, UTCDateTime

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def _enum(enum: type[Any], name: str) -> SAEnum:
    # Stored as VARCHAR with a CHECK constraint: portable, and adding a value is a migration.
    return SAEnum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=20,
        values_callable=lambda e: [m.value for m in e],
        validate_strings=True,
    )


def _visibility_check(column: str) -> CheckConstraint:
    levels = ", ".join(f"'{level.value}'" for level in Visibility)
    return CheckConstraint(f"{column} IN ({levels})", name=f"{column}_level")


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Person(Base):
    """Someone who talks to the bot, on Telegram or in the console."""

    __tablename__ = "people"
    __table_args__ = (
        CheckConstraint(
            "telegram_id IS NOT NULL OR console_handle IS NOT NULL", name="has_identity"
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    telegram_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    console_handle: Mapped[str | None] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(128))
    language: Mapped[str] = mapped_column(String(2))
    language_chosen: Mapped[bool] = mapped_column(Boolean, default=False)
    timezone: Mapped[str | None] = mapped_column(String(64))
    unreachable: Mapped[bool] = mapped_column(Boolean, default=False)
    paused_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Administrator(Base):
    """A Telegram account that may create networks and teams (besides REFLEKS_ADMINS)."""

    __tablename__ = "administrators"

    telegram_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Group(Base):
    """A network with teams under it, or a single team; optionally linked to a Telegram chat."""

    __tablename__ = "groups"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    kind: Mapped[GroupKind] = mapped_column(_enum(GroupKind, "group_kind"))
    parent_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="SET NULL"), index=True
    )
    telegram_chat_id: Mapped[int | None] = mapped_column(BigInteger, unique=True)
    language: Mapped[str] = mapped_column(String(2))
    timezone: Mapped[str | None] = mapped_column(String(64))
    settings: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    archived_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Membership(Base):
    """A person's role in a group."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("group_id", "person_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "role"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Invite(Base):
    """A deep-link code that lets someone join a group with a role."""

    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    role: Mapped[Role] = mapped_column(_enum(Role, "invite_role"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    uses_left: Mapped[int | None] = mapped_column(Integer)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class MeetingSeries(Base):
    """A recurring network meeting: every N weeks at the same local time."""

    __tablename__ = "meeting_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    every_weeks: Mapped[int] = mapped_column(Integer)
    count: Mapped[int] = mapped_column(Integer)
    timezone: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Meeting(Base):
    """One network or team meeting, with a start and an end."""

    __tablename__ = "meetings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_series.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str | None] = mapped_column(String(200))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[MeetingStatus] = mapped_column(_enum(MeetingStatus, "meeting_status"))
    sequence: Mapped[int] = mapped_column(Integer, default=0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_meetings_group_starts", "group_id", "starts_at"),
    )


class FormatSnapshot(Base):
    """The exact definition of a format version that a session used."""

    __tablename__ = "format_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    format_id: Mapped[str] = mapped_column(String(64))
    version: Mapped[int] = mapped_column(Integer)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    definition: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Followup(Base):
    """A planned follow-up round for a group, tied to a meeting (see bot/scheduling)."""

    __tablename__ = "followups"
    __table_args__ = (
        UniqueConstraint("group_id", "meeting_id", "kind"),
        Index("ix_followups_status_due", "status", "due_at"),
        Index("ix_followups_status_opens", "status", "opens_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="CASCADE"), index=True
    )
    kind: Mapped[FollowupKind] = mapped_column(_enum(FollowupKind, "followup_kind"))
    format_id: Mapped[str | None] = mapped_column(String(64))
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A deferred message is never pulled back before this moment (the end of the meeting
    # before); the dispatcher opens the round (fans it out to people) at `opens_at`.
    earliest_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[FollowupStatus] = mapped_column(_enum(FollowupStatus, "followup_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class DialogueSession(Base):
    """One run of a format: a person's private reflection or a group's learning circle."""

    __tablename__ = "dialogue_sessions"
    __table_args__ = (
        Index("ix_dialogue_sessions_person_status", "person_id", "status"),
        Index("ix_dialogue_sessions_chat_status", "chat_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    format_id: Mapped[str] = mapped_column(String(64))
    format_version: Mapped[int] = mapped_column(Integer)
    snapshot_id: Mapped[int] = mapped_column(ForeignKey("format_snapshots.id"), index=True)
    # The author of a private session; for a group session, NULL (the group owns it).
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    started_by: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="SET NULL"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followups.id", ondelete="SET NULL"), index=True
    )
    chat_id: Mapped[int | None] = mapped_column(BigInteger)
    language: Mapped[str] = mapped_column(String(2))
    state: Mapped[dict[str, Any]] = mapped_column(JSONType)
    status: Mapped[SessionStatus] = mapped_column(_enum(SessionStatus, "session_status"))
    # Increases with every step shown; buttons carry it so stale ones are recognised.
    turn: Mapped[int] = mapped_column(Integer, default=0)
    prompt_message_id: Mapped[int | None] = mapped_column(BigInteger)
    # Who should see the next answer, when the person changed it before answering.
    pending_visibility: Mapped[str | None] = mapped_column(String(12))
    phase_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Answer(Base):
    """One answer to one step (or one contribution to a group phase)."""

    __tablename__ = "answers"
    __table_args__ = (
        UniqueConstraint("session_id", "person_id", "step_id", "item", "seq"),
        Index("ix_answers_person", "person_id"),
        # Summaries look for the few answers shared beyond their author among many.
        Index("ix_answers_visibility", "visibility"),
        _visibility_check("visibility"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("dialogue_sessions.id", ondelete="CASCADE"))
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    step_id: Mapped[str] = mapped_column(String(64))
    item: Mapped[str] = mapped_column(String(64), default="")
    seq: Mapped[int] = mapped_column(Integer, default=0)
    value: Mapped[Any] = mapped_column(JSONType)
    visibility: Mapped[str] = mapped_column(String(12))
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class SessionScore(Base):
    """A person's raw score on a scale index in one session (personal: deleted by /forget)."""

    __tablename__ = "session_scores"

    session_id: Mapped[int] = mapped_column(
        ForeignKey("dialogue_sessions.id", ondelete="CASCADE"), primary_key=True
    )
    index_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[float] = mapped_column(Float)


class NextStep(Base):
    """What a person will try next, by when, and how it reaches colleagues at home."""

    __tablename__ = "next_steps"
    __table_args__ = (
        Index("ix_next_steps_person_status", "person_id", "status"),
        _visibility_check("visibility"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        ForeignKey("dialogue_sessions.id", ondelete="SET NULL"), index=True
    )
    meeting_id: Mapped[int | None] = mapped_column(
        ForeignKey("meetings.id", ondelete="SET NULL"), index=True
    )
    what: Mapped[str] = mapped_column(Text)
    due: Mapped[date | None] = mapped_column(Date)
    how_shared: Mapped[str | None] = mapped_column(Text)
    visibility: Mapped[str] = mapped_column(String(12))
    status: Mapped[NextStepStatus] = mapped_column(_enum(NextStepStatus, "next_step_status"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


class NextStepEvent(Base):
    """The status history of a next step (done, partly, not yet, dropped)."""

    __tablename__ = "next_step_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    next_step_id: Mapped[int] = mapped_column(
        ForeignKey("next_steps.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[NextStepStatus] = mapped_column(_enum(NextStepStatus, "event_status"))
    note: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class OutboxMessage(Base):
    """A message to send later; the dispatcher claims due rows and never sends one twice."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_status_due", "status", "due_at"),
        Index("ix_outbox_person", "person_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    idempotency_key: Mapped[str] = mapped_column(String(128), unique=True)
    person_id: Mapped[int | None] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"))
    group_id: Mapped[int | None] = mapped_column(
        ForeignKey("groups.id", ondelete="CASCADE"), index=True
    )
    followup_id: Mapped[int | None] = mapped_column(
        ForeignKey("followups.id", ondelete="CASCADE"), index=True
    )
    chat_id: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(32))
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType)
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status: Mapped[OutboxStatus] = mapped_column(_enum(OutboxStatus, "outbox_status"))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    claimed_by: Mapped[str | None] = mapped_column(String(64))
    claim_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(String(200))
    telegram_message_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class AwaitedInput(Base):
    """What the bot waits for a person to type next outside a reflection (a meeting time)."""

    __tablename__ = "awaited_inputs"

    person_id: Mapped[int] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    kind: Mapped[str] = mapped_column(String(32))
    data: Mapped[dict[str, Any]] = mapped_column(JSONType)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class ProcessedUpdate(Base):
    """Telegram update ids already handled, so a redelivered update has one effect."""

    __tablename__ = "processed_updates"

    update_id: Mapped[int] = mapped_column(BigInteger, primary_key=True, autoincrement=False)
    processed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class PacingCell(Base):
    """One of Telegram's send limits, shared by every process that sends (see bot.dispatch).

    `tat` is the generic cell rate algorithm's theoretical arrival time of the next send,
    in seconds of the database's clock; a key names the limit (overall, a chat, a group).
    """

    __tablename__ = "pacing_cells"

    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    tat: Mapped[float] = mapped_column(Float)


class JobRun(Base):
    """The last period a run-once job was claimed for, so each period runs once."""

    __tablename__ = "job_runs"

    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    period: Mapped[str] = mapped_column(String(32))
    worker: Mapped[str] = mapped_column(String(96))
    claimed_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Consent(Base):
    """A person's consent to a version of the privacy text."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    text_version: Mapped[int] = mapped_column(Integer)
    given_at: Mapped[datetime] = mapped_column(UTCDateTime)
    withdrawn_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class AccessLogEntry(Base):
    """Who looked at which summary, and when; facilitators can read it."""

    __tablename__ = "access_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # NULL when the operator ran `refleks summary` (the detail says so).
    viewer_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", ondelete="CASCADE"), index=True
    )
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"), index=True)
    what: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(String(200))
    at: Mapped[datetime] = mapped_column(UTCDateTime)


class FrozenAggregate(Base):
    """An anonymous total computed once when a round closed; it refers to no person."""

    __tablename__ = "frozen_aggregates"
    __table_args__ = (UniqueConstraint("group_id", "round_key", "measure"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    group_id: Mapped[int] = mapped_column(ForeignKey("groups.id", ondelete="CASCADE"))
    round_key: Mapped[str] = mapped_column(String(64))
    round_label: Mapped[str | None] = mapped_column(String(128))
    measure: Mapped[str] = mapped_column(String(64))
    respondents: Mapped[int] = mapped_column(Integer)
    mean: Mapped[float | None] = mapped_column(Float)
    minimum: Mapped[float | None] = mapped_column(Float)
    maximum: Mapped[float | None] = mapped_column(Float)
    counts: Mapped[dict[str, Any] | None] = mapped_column(JSONType)
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class WebSignIn(Base):
    """A one-time sign-in link for the web part: only the hash of its token is kept."""

    __tablename__ = "web_sign_ins"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class WebSession(Base):
    """A browser signed in to the web part: the cookie's hash, and its CSRF token."""

    __tablename__ = "web_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id", ondelete="CASCADE"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
