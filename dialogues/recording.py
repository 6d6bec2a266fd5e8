"""Turning a checked input into a stored answer."""

from __future__ import annotations

from dialogues.flow import find_answer
from dialogues.inputs import (
    check_choice,
    check_date,
    check_multi,
    check_scale,
    check_text,
    check_visibility,
)
from dialogues.problems import Problem, ProblemCode
from dialogues.schema import (
    AnsweredStep,
    ChoiceStep,
    DateStep,
    Format,
    MultiChoiceStep,
    NextStepStep,
    PhaseStep,
    ScaleStep,
    Step,
    TextStep,
)
from dialogues.state import (
    AnswerRecord,
    AnswerValue,
    Cursor,
    Input,
    NextStepValue,
    SessionState,
)

Recorded = tuple[list[AnswerRecord], AnswerRecord]


def _next_step_value(
    step: NextStepStep, cursor: Cursor, inp: Input, existing: AnswerRecord | None
) -> NextStepValue | Problem:
    before = existing.value if existing and isinstance(existing.value, NextStepValue) else None
    if cursor.part == "what":
        what = check_text(inp.value, 1, step.max_length)
        if isinstance(what, Problem):
            return what
        if before is None:
            return NextStepValue(what=what)
        return before.model_copy(update={"what": what})
    if before is None:
        # The later parts build on "what"; without it there is nothing to add to.
        return Problem(code=ProblemCode.required)
    if cursor.part == "due":
        due = check_date(inp.value, inp.today)
        return due if isinstance(due, Problem) else before.model_copy(update={"due": due})
    reach = check_text(inp.value, 1, step.max_length)
    return reach if isinstance(reach, Problem) else before.model_copy(update={"reach": reach})


def _value(
    step: Step, cursor: Cursor, inp: Input, existing: AnswerRecord | None
) -> AnswerValue | Problem:
    value: AnswerValue | Problem = Problem(code=ProblemCode.not_available)
    if isinstance(step, TextStep):
        value = check_text(inp.value, step.min_length, step.max_length)
    elif isinstance(step, ChoiceStep):
        value = check_choice(inp.value, step.options)
    elif isinstance(step, MultiChoiceStep):
        value = check_multi(inp.value, step)
    elif isinstance(step, ScaleStep):
        value = check_scale(inp.value, step.points)
    elif isinstance(step, DateStep):
        value = check_date(inp.value, inp.today)
    elif isinstance(step, NextStepStep):
        value = _next_step_value(step, cursor, inp, existing)
    return value


def record_answer(
    fmt: Format, state: SessionState, cursor: Cursor, step: Step, inp: Input
) -> Recorded | Problem:
    """Check `inp` for the step at `cursor` and return the answers with it stored."""
    if not isinstance(step, AnsweredStep):
        return Problem(code=ProblemCode.not_available)
    existing = find_answer(state.answers, cursor.id, cursor.item)
    value = _value(step, cursor, inp, existing)
    if isinstance(value, Problem):
        return value
    current = existing.visibility if existing else None
    level = check_visibility(inp.visibility, step.visibility, current)
    if isinstance(level, Problem):
        return level
    record = AnswerRecord(
        step_id=step.id,
        item=cursor.item,
        kind=step.kind,
        value=value,
        visibility=level,
        actor=inp.actor if inp.actor is not None else state.actor,
    )
    if existing is None:
        return [*state.answers, record], record
    # Replace in place so answers keep the order in which they were first given.
    return [record if a is existing else a for a in state.answers], record


def record_contribution(
    state: SessionState, cursor: Cursor, step: PhaseStep, inp: Input
) -> Recorded | Problem:
    """Check a contribution to a phase and return the answers with it added."""
    text = check_text(inp.value, 1, step.max_length)
    if isinstance(text, Problem):
        return text
    level = check_visibility(inp.visibility, step.visibility, None)
    if isinstance(level, Problem):
        return level
    seq = 1 + max(
        (a.seq for a in state.answers if a.step_id == step.id and a.item == cursor.item),
        default=0,
    )
    record = AnswerRecord(
        step_id=step.id,
        item=cursor.item,
        seq=seq,
        kind=step.kind,
        value=text,
        visibility=level,
        actor=inp.actor if inp.actor is not None else state.actor,
    )
    return [*state.answers, record], record
