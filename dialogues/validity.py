"""Invariants of a run's state, for stored states and for tests."""

from __future__ import annotations

from itertools import pairwise

from dialogues.flow import all_positions, position_index, position_is_active, step_is_active
from dialogues.flow import step_items as items_of
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
from dialogues.state import AnswerRecord, NextStepValue, SessionState


def _value_fits(step: Step, record: AnswerRecord) -> bool:
    value = record.value
    if isinstance(step, PhaseStep):
        return record.seq > 0 and isinstance(value, str)
    if record.seq != 0:
        return False
    fits: bool
    if isinstance(step, ChoiceStep):
        fits = isinstance(value, str) and value in {o.value for o in step.options}
    elif isinstance(step, MultiChoiceStep):
        options = {o.value for o in step.options}
        fits = isinstance(value, list) and bool(value) and set(value) <= options
    elif isinstance(step, ScaleStep):
        fits = isinstance(value, int) and 1 <= value <= step.points
    elif isinstance(step, NextStepStep):
        fits = isinstance(value, NextStepValue)
    else:
        fits = isinstance(step, TextStep | DateStep) and isinstance(value, str)
    return fits


def _answer_problems(fmt: Format, state: SessionState) -> list[str]:
    problems: list[str] = []
    seen: set[tuple[str, str | None, int]] = set()
    for record in state.answers:
        name = record.step_id
        if record.key in seen:
            problems.append(f"answer {tuple(record.key)} is stored twice")
        seen.add(record.key)
        if not fmt.has_step(name):
            problems.append(f"answer for unknown step {name!r}")
            continue
        step = fmt.step(name)
        if record.item not in items_of(fmt, step):
            problems.append(f"answer for {name!r} has unknown item {record.item!r}")
        if not isinstance(step, AnsweredStep) or not _value_fits(step, record):
            problems.append(f"answer for {name!r} does not fit the step")
        elif record.visibility not in step.visibility.allowed():
            problems.append(f"answer for {name!r} has a visibility it may not have")
        if not step_is_active(step, state.params, state.answers):
            problems.append(f"answer for {name!r} belongs to a switched-off branch")
    return problems


def _param_problems(fmt: Format, state: SessionState) -> list[str]:
    problems: list[str] = []
    known = {p.id: p for p in fmt.parameters}
    for pid, value in state.params.items():
        param = known.get(pid)
        if param is None:
            problems.append(f"unknown parameter {pid!r}")
        elif value not in {o.value for o in param.options}:
            problems.append(f"parameter {pid!r} has value {value!r}, not an option")
    for pid in state.asked_params:
        if pid not in known:
            problems.append(f"asked parameter {pid!r} does not exist")
    missing = set(known) - set(state.params) - set(state.asked_params)
    if missing:
        problems.append(f"parameters neither given nor asked: {sorted(missing)}")
    return problems


def _cursor_problems(fmt: Format, state: SessionState) -> list[str]:
    if state.status == "active" and state.cursor is None:
        return ["an active run has no cursor"]
    if state.status != "active" and state.cursor is not None:
        return [f"a {state.status} run still has a cursor"]
    positions = all_positions(fmt, state.asked_params)
    indices = [position_index(positions, c) for c in state.history]
    if None in indices:
        return ["history holds a position the format does not have"]
    problems: list[str] = []
    steps = [i for i in indices if i is not None]
    if any(a >= b for a, b in pairwise(steps)):
        problems.append("history is not in order")
    if state.cursor is None:
        return problems
    here = position_index(positions, state.cursor)
    if here is None:
        return [*problems, f"cursor {state.cursor} is not a position of the format"]
    if not position_is_active(fmt, state, state.cursor):
        problems.append(f"cursor {state.cursor} is on a switched-off step")
    if steps and steps[-1] >= here:
        problems.append("history reaches past the cursor")
    for earlier in positions[:here]:
        if earlier.kind == "param" and earlier.id not in state.params:
            problems.append(f"parameter {earlier.id!r} was passed without a value")
    return problems


def check_state(fmt: Format, state: SessionState) -> list[str]:
    """Everything wrong with `state` as a run of `fmt` (empty when it is sound)."""
    if (state.format_id, state.format_version) != (fmt.id, fmt.version):
        return [f"state belongs to {state.format_id} v{state.format_version}"]
    problems = _param_problems(fmt, state) + _cursor_problems(fmt, state)
    problems += _answer_problems(fmt, state)
    for key, minutes in state.extra_minutes.items():
        if minutes <= 0:
            problems.append(f"extra minutes for {key!r} are not positive")
    return problems
