"""The data the engine takes and returns; all JSON-serialisable, none of it mutable."""

from __future__ import annotations

import datetime as dt
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

from dialogues.problems import Problem
from dialogues.text import Lang
from dialogues.visibility import Visibility

NextStepPart = Literal["what", "due", "reach"]
Status = Literal["active", "completed", "cancelled"]
Expects = Literal["none", "text", "choice", "multi_choice", "scale", "date"]


class Frozen(BaseModel):
    """Base for engine data: no unknown keys, no mutation after construction."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class AnswerKey(NamedTuple):
    """Identifies a stored answer. `seq` is 0 except for contributions to a phase."""

    step_id: str
    item: str | None
    seq: int


class NextStepValue(Frozen):
    """The value of a next-step answer, filled part by part."""

    what: str
    due: str | None = None
    reach: str | None = None


AnswerValue = str | int | list[str] | NextStepValue


class AnswerRecord(Frozen):
    """One stored answer; the lead upserts it by `key`."""

    step_id: str
    item: str | None = None
    seq: int = 0
    kind: str
    value: AnswerValue
    visibility: Visibility
    actor: str | None = None

    @property
    def key(self) -> AnswerKey:
        """The upsert key: (step_id, item, seq)."""
        return AnswerKey(self.step_id, self.item, self.seq)


class Cursor(Frozen):
    """A position in a run: a parameter prompt, or a step (with list item and part)."""

    kind: Literal["param", "step"] = "step"
    id: str
    item: str | None = None
    part: NextStepPart | None = None

    def slot_key(self) -> str:
        """A string naming the step and item, used as a dict key in JSON state."""
        return self.id if self.item is None else f"{self.id}[{self.item}]"


class SessionState(Frozen):
    """Everything about one run of a format, pinned to the version it began with."""

    format_id: str
    format_version: int
    format_fingerprint: str
    lang: Lang
    params: dict[str, str] = Field(default_factory=dict)
    asked_params: list[str] = Field(default_factory=list)
    ctx: dict[str, str] = Field(default_factory=dict)
    actor: str | None = None
    actor_role: str | None = None
    status: Status = "active"
    cursor: Cursor | None = None
    history: list[Cursor] = Field(default_factory=list)
    answers: list[AnswerRecord] = Field(default_factory=list)
    extra_minutes: dict[str, int] = Field(default_factory=dict)


class StartContext(Frozen):
    """How a run begins: language, known parameters, who starts it, and free context."""

    lang: Lang = "da"
    params: dict[str, str] = Field(default_factory=dict)
    actor: str | None = None
    actor_role: str | None = None
    # Values the format's texts may quote, e.g. the next step a follow-up asks about.
    ctx: dict[str, str] = Field(default_factory=dict)


class Input(Frozen):
    """One thing a person sent: raw value, chosen visibility, who, and for which step."""

    value: str | int | list[str] | None = None
    visibility: str | None = None
    actor: str | None = None
    # Set by buttons so an old button for another step is recognised as closed.
    step: str | None = None
    item: str | None = None
    part: str | None = None
    # Lets the engine refuse a due date in the past without owning a clock.
    today: dt.date | None = None


class RoleRef(Frozen):
    """A role id with its label in the run's language."""

    id: str
    label: str


class Scale(Frozen):
    """What a scale prompt offers."""

    points: int
    low: str
    high: str


class Progress(Frozen):
    """Position `n` of `m` steps; `m` is None while a choice to come decides the steps."""

    n: int
    m: int | None


class Prompt(Frozen):
    """What to show now, channel-neutral. Texts are HTML-safe: answers quoted are escaped."""

    step_id: str | None
    param_id: str | None = None
    item: str | None = None
    item_label: str | None = None
    part: NextStepPart | None = None
    kind: str
    expects: Expects
    title: str | None = None
    text: str
    context: str | None = None
    options: list[tuple[str, str]] = Field(default_factory=list)
    scale: Scale | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_choices: int | None = None
    max_choices: int | None = None
    visibility: Visibility | None = None
    visibility_choices: list[Visibility] = Field(default_factory=list)
    visibility_note: str | None = None
    timebox_minutes: int | None = None
    speaking: list[RoleRef] = Field(default_factory=list)
    listening: list[RoleRef] = Field(default_factory=list)
    contributors: list[RoleRef] = Field(default_factory=list)
    answered_by: list[RoleRef] = Field(default_factory=list)
    contributions: int = 0
    optional: bool = False
    can_back: bool = False
    can_skip: bool = False
    about_pupils: bool = False
    progress: Progress
    current_value: AnswerValue | None = None


class NextStep(Frozen):
    """A next step as the loop between meetings needs it."""

    step_id: str
    item: str | None = None
    what: str
    due: str | None = None
    reach: str | None = None
    visibility: Visibility
    actor: str | None = None


class Outcome(Frozen):
    """What a completed run produced."""

    format_id: str
    format_version: int
    lang: Lang
    params: dict[str, str]
    answers: list[AnswerRecord]
    next_steps: list[NextStep]
    scores: dict[str, float]
    item_scores: dict[str, float]


class Result(Frozen):
    """The answer to every engine call: new state, what to show, and what changed."""

    state: SessionState
    prompt: Prompt | None = None
    problem: Problem | None = None
    recorded: list[AnswerRecord] = Field(default_factory=list)
    cleared: list[AnswerKey] = Field(default_factory=list)
    completed: bool = False
    outcome: Outcome | None = None
