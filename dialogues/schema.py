"""The format schema: what a dialogue format file may say, checked strictly.

Every model forbids unknown keys, so a misspelt key in a format file is an error with a
line number instead of a silently ignored setting.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Hashable
from typing import Annotated, Any, Literal, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, PrivateAttr, model_validator

from dialogues.text import LocalizedText
from dialogues.visibility import Visibility

T = TypeVar("T")

Identifier = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=48)]
FormatId = Annotated[str, Field(pattern=r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$", max_length=48)]
StepKind = Literal["info", "text", "choice", "multi_choice", "scale", "date", "next_step", "phase"]
Audience = Literal["individual", "group"]
# Where a format belongs when people choose one: before or after a visit, in the team,
# around the network's meetings, as a leader. The menu shows them in this order.
Situation = Literal["visit", "team", "network", "leader"]
SITUATIONS: tuple[Situation, ...] = ("visit", "team", "network", "leader")

# Telegram's message limit is 4096 characters; prompts and echoes need room too.
MAX_TEXT_LENGTH = 3500


class Strict(BaseModel):
    """Base for every format model: unknown keys are errors, values never change."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class Role(Strict):
    """A position people take in a group format (facilitator, focus person, team)."""

    id: Identifier
    title: LocalizedText
    description: LocalizedText | None = None


class Option(Strict):
    """One answer option of a choice or a parameter."""

    value: Identifier
    label: LocalizedText


class Parameter(Strict):
    """A setting that shapes a run; asked at the start unless the start context gives it."""

    id: Identifier
    question: LocalizedText
    options: list[Option] = Field(min_length=2)
    default: Identifier | None = None


class ListItem(Strict):
    """One element of a list that a step is repeated over."""

    id: Identifier
    label: LocalizedText
    text: LocalizedText | None = None
    context: LocalizedText | None = None


class ItemList(Strict):
    """A named list (for example the three relations) for repeated steps."""

    id: Identifier
    items: list[ListItem] = Field(min_length=1)


class VisibilitySpec(Strict):
    """The default audience of an answer and the levels its author may choose instead."""

    default: Visibility
    choices: list[Visibility] = Field(default_factory=list)

    @model_validator(mode="after")
    def _default_is_a_choice(self) -> VisibilitySpec:
        if self.choices and self.default not in self.choices:
            raise ValueError("the default visibility must be one of the choices")
        return self

    def allowed(self) -> list[Visibility]:
        """Every level the author may pick (the default alone when no choices are given)."""
        return list(self.choices) if self.choices else [self.default]


class Condition(Strict):
    """Show a step only when an earlier answer or a parameter has a given value."""

    step: Identifier | None = None
    param: Identifier | None = None
    equals: Identifier | None = None
    one_of: list[Identifier] | None = None
    includes: Identifier | None = None
    answered: bool | None = None

    @model_validator(mode="after")
    def _one_subject_one_test(self) -> Condition:
        if (self.step is None) == (self.param is None):
            raise ValueError("a condition names exactly one of 'step' or 'param'")
        tests = [self.equals, self.one_of, self.includes, self.answered]
        if sum(test is not None for test in tests) != 1:
            raise ValueError(
                "a condition has exactly one test: 'equals', 'one_of', 'includes' or 'answered'"
            )
        if self.param is not None and (self.includes is not None or self.answered is not None):
            raise ValueError("a parameter condition uses 'equals' or 'one_of'")
        return self


class StepBase(Strict):
    """What every step has: an id, the text to show, and when and how it appears."""

    id: Identifier
    title: LocalizedText | None = None
    text: LocalizedText
    context: LocalizedText | None = None
    when: Condition | None = None
    repeat: Identifier | None = None
    optional: bool = False
    about_pupils: bool = False
    answered_by: list[Identifier] = Field(default_factory=list)


class InfoStep(StepBase):
    """Something to read; nothing to answer."""

    kind: Literal["info"]


class AnsweredStep(StepBase):
    """A step whose answer is stored, with a visibility."""

    visibility: VisibilitySpec = VisibilitySpec(default=Visibility.private)


class TextStep(AnsweredStep):
    """A free-text answer."""

    kind: Literal["text"]
    min_length: int = Field(default=1, ge=1, le=MAX_TEXT_LENGTH)
    max_length: int = Field(default=1500, ge=1, le=MAX_TEXT_LENGTH)

    @model_validator(mode="after")
    def _limits_in_order(self) -> TextStep:
        if self.min_length > self.max_length:
            raise ValueError("min_length is larger than max_length")
        return self


class ChoiceStep(AnsweredStep):
    """Pick one option."""

    kind: Literal["choice"]
    options: list[Option] = Field(min_length=2)


class MultiChoiceStep(AnsweredStep):
    """Pick one or more options."""

    kind: Literal["multi_choice"]
    options: list[Option] = Field(min_length=2)
    min_choices: int = Field(default=1, ge=1)
    max_choices: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _limits_in_order(self) -> MultiChoiceStep:
        top = self.max_choices if self.max_choices is not None else len(self.options)
        if not self.min_choices <= top <= len(self.options):
            raise ValueError("need min_choices <= max_choices <= number of options")
        return self


class ScaleStep(AnsweredStep):
    """A point on a scale, scored into indices; shown to people only as an anonymous total."""

    kind: Literal["scale"]
    points: int = Field(ge=2, le=11)
    low: LocalizedText
    high: LocalizedText
    item: Identifier
    reverse: bool = False
    visibility: VisibilitySpec = VisibilitySpec(default=Visibility.aggregate)


class DateStep(AnsweredStep):
    """A calendar date (the channel turns Danish date text into YYYY-MM-DD)."""

    kind: Literal["date"]


class NextStepStep(AnsweredStep):
    """A next step: what, by when, and how it reaches colleagues back at school."""

    kind: Literal["next_step"]
    due_text: LocalizedText | None = None
    reach_text: LocalizedText | None = None
    ask_due: bool = True
    ask_reach: bool = True
    reach_required: bool = False
    max_length: int = Field(default=600, ge=1, le=MAX_TEXT_LENGTH)


class PhaseStep(AnsweredStep):
    """A timed phase of a group meeting with speaking and listening positions."""

    kind: Literal["phase"]
    title: LocalizedText
    speaking: list[Identifier] = Field(default_factory=list)
    listening: list[Identifier] = Field(default_factory=list)
    contributors: list[Identifier] = Field(default_factory=list)
    timebox_minutes: int = Field(ge=1, le=180)
    max_length: int = Field(default=1500, ge=1, le=MAX_TEXT_LENGTH)
    visibility: VisibilitySpec = VisibilitySpec(default=Visibility.team)


Step = Annotated[
    InfoStep
    | TextStep
    | ChoiceStep
    | MultiChoiceStep
    | ScaleStep
    | DateStep
    | NextStepStep
    | PhaseStep,
    Field(discriminator="kind"),
]


class ScoreIndex(Strict):
    """An index: the mean of scale items, reverse-scored items turned around first."""

    id: Identifier
    title: LocalizedText
    items: list[Identifier] = Field(min_length=1)
    min_answered: int | None = Field(default=None, ge=1)


class Format(Strict):
    """A reflective dialogue format, as written in dialogues/formats/<id>.yaml."""

    id: FormatId
    version: int = Field(ge=1)
    title: LocalizedText
    description: LocalizedText
    audience: Audience
    # What it is for, in one line, and about how long it takes: shown when choosing (every
    # format Refleks ships has them; tests/dialogues/test_catalog.py says so).
    situation: Situation = "team"
    purpose: LocalizedText | None = None
    minutes: int | None = Field(default=None, ge=1, le=180)
    roles: list[Role] = Field(default_factory=list)
    parameters: list[Parameter] = Field(default_factory=list)
    lists: list[ItemList] = Field(default_factory=list)
    steps: list[Step] = Field(min_length=1)
    scoring: list[ScoreIndex] = Field(default_factory=list)
    summary: LocalizedText | None = None

    _steps: dict[str, Step] = PrivateAttr(default_factory=dict)
    _fingerprint: str | None = PrivateAttr(default=None)
    _memo: dict[Hashable, Any] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any, /) -> None:
        # Lookups by id happen on every engine call; a dict keeps them cheap.
        self._steps = {step.id: step for step in self.steps}

    def step(self, step_id: str) -> Step:
        """The step with `step_id` (KeyError if there is none)."""
        return self._steps[step_id]

    def has_step(self, step_id: str) -> bool:
        """True when the format has a step with this id."""
        return step_id in self._steps

    def parameter(self, param_id: str) -> Parameter | None:
        """The parameter with `param_id`, or None."""
        return next((p for p in self.parameters if p.id == param_id), None)

    def item_list(self, list_id: str) -> ItemList | None:
        """The list with `list_id`, or None."""
        return next((lst for lst in self.lists if lst.id == list_id), None)

    def role(self, role_id: str) -> Role | None:
        """The role with `role_id`, or None."""
        return next((r for r in self.roles if r.id == role_id), None)

    def memo(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from this (immutable) definition, computed once per key."""
        try:
            return cast(T, self._memo[key])
        except KeyError:
            value = self._memo[key] = compute()
            return value

    def fingerprint(self) -> str:
        """A sha256 over the canonical JSON form; equal definitions give equal prints."""
        if self._fingerprint is None:
            canonical = json.dumps(
                self.model_dump(mode="json"),
                sort_keys=True,
                separators=(",", ":"),
                ensure_ascii=False,
            )
            self._fingerprint = hashlib.sha256(canonical.encode("utf-8")).hexdigest()
        return self._fingerprint
