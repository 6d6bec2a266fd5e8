"""The data of a summary, ready to render: nothing in it may be shown that a viewer may not
see, so every renderer can show all of it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from bot.summaries.period import Period

Kind = Literal["meeting", "team", "network"]
Audience = Literal["facilitator", "leader", "participant"]
STATUSES = ("done", "partly", "not_yet", "dropped", "open")


@dataclass(frozen=True)
class Partial:
    """A network total held back, given over the teams that are shown instead.

    It is worked out from the teams' own figures beside it (their people are disjoint),
    so it tells nobody anything the team rows do not; it saves a reader the sum.
    """

    teams: int  # teams whose figure is shown and counted here
    of_teams: int  # teams with answers in the round
    respondents: int
    mean: float | None = None  # safety
    counts: dict[str, int] | None = None  # next steps
    small: tuple[str, ...] = ()  # the teams with too few answers to be shown

    @property
    def total(self) -> int:
        return sum(self.counts.values()) if self.counts else 0


@dataclass(frozen=True)
class SafetyCell:
    """The psychological-safety index of one round; `mean` is None when too few answered."""

    round_key: str
    label: str
    closed_at: datetime
    respondents: int
    mean: float | None
    spread: float | None
    hidden: str = ""  # why the value is not shown: "too_few" or "withheld"
    meeting: str = ""  # the meeting the round followed up, when it did
    round_kind: str = ""  # what kind of round it was, in the reader's words
    partial: Partial | None = None  # a withheld network total over the teams shown


@dataclass(frozen=True)
class StepCell:
    """How a meeting's next steps stood when a round closed; `counts` None when too few."""

    round_key: str
    label: str
    closed_at: datetime
    respondents: int
    counts: dict[str, int] | None
    hidden: str = ""  # why the counts are not shown: "too_few" or "withheld"
    meeting_id: int | None = None  # the meeting whose next steps these are
    meeting: str = ""
    round_kind: str = ""
    partial: Partial | None = None  # a withheld network total over the teams shown

    @property
    def total(self) -> int:
        return sum(self.counts.values()) if self.counts else 0


@dataclass(frozen=True)
class MeetingRow:
    meeting_id: int
    title: str
    starts_at: datetime
    participants: int
    members: int


@dataclass(frozen=True)
class SharedText:
    """A text its author shared with this viewer; who wrote it is not part of a summary."""

    at: datetime
    source: str
    heading: str
    text: str
    meeting: str = ""  # the meeting it followed, by name ("" for one made between meetings)


def by_meeting(texts: list[SharedText]) -> list[tuple[str, list[SharedText]]]:
    """Texts grouped by the meeting they followed, in the order the meetings first appear
    (texts come oldest first); those made outside any meeting are a group of their own."""
    groups: dict[str, list[SharedText]] = {}
    for text in texts:
        groups.setdefault(text.meeting, []).append(text)
    return list(groups.items())


@dataclass(frozen=True)
class StepItem:
    what: str
    due: date | None
    status: str
    history: tuple[tuple[str, datetime], ...]


@dataclass(frozen=True)
class AccessItem:
    viewer: str
    what: str
    detail: str
    at: datetime


@dataclass
class Section:
    """One group's part of a summary: a team, or the network's own meetings and totals."""

    group_id: int
    name: str
    members: int
    meetings: list[MeetingRow] = field(default_factory=list)
    safety: list[SafetyCell] = field(default_factory=list)
    steps: list[StepCell] = field(default_factory=list)
    step_items: list[StepItem] = field(default_factory=list)
    reflections: list[SharedText] = field(default_factory=list)
    focuses: list[SharedText] = field(default_factory=list)
    # Shared texts and next steps of the period left out of this report to keep it short
    # (a network digest shows each team's newest few): the report says how many.
    texts_more: int = 0
    steps_more: int = 0

    @property
    def is_empty(self) -> bool:
        return not (
            self.meetings
            or self.safety
            or self.steps
            or self.step_items
            or self.reflections
            or self.focuses
        )


@dataclass(frozen=True)
class Phase:
    heading: str
    contributions: tuple[str, ...]


@dataclass
class MeetingDetail:
    """A meeting's learning circle, its next steps and who took part."""

    title: str
    starts_at: datetime
    participants: int
    members: int
    circle_title: str | None = None
    phases: list[Phase] = field(default_factory=list)
    followup_date: date | None = None
    step_items: list[StepItem] = field(default_factory=list)


@dataclass
class Report:
    kind: Kind
    lang: str
    timezone: str
    group_name: str
    period: Period
    generated_at: datetime
    audience: Audience
    anonymity_min: int
    main: Section
    teams: list[Section] = field(default_factory=list)
    meeting: MeetingDetail | None = None
    access: list[AccessItem] | None = None
    history: bool = False  # every snapshot of a meeting's next steps, not only its latest
