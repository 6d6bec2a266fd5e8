"""The dialogue engine: pure functions from (format, state, input) to a Result.

Nothing here does I/O or reads a clock, and no function mutates its arguments: each call
returns a new `SessionState`. Refused input comes back as a `Problem`; the engine never
raises on what people send. It raises only on programming errors, such as passing a
format other than the one a run is pinned to.
"""

from __future__ import annotations

from dialogues.flow import (
    after_step,
    find_answer,
    is_satisfied,
    next_position,
    prune_inactive,
    steps_ahead,
)
from dialogues.inputs import check_choice
from dialogues.problems import Problem, ProblemCode
from dialogues.prompts import build_prompt
from dialogues.recording import record_answer, record_contribution
from dialogues.schema import Format, NextStepStep, PhaseStep
from dialogues.scoring import build_outcome
from dialogues.state import (
    AnswerKey,
    AnswerRecord,
    Cursor,
    Input,
    NextStepValue,
    Prompt,
    Result,
    SessionState,
    StartContext,
)
from dialogues.validity import check_state

__all__ = [
    "FormatMismatchError",
    "advance",
    "ahead",
    "answer",
    "back",
    "back_stretch",
    "cancel",
    "check_state",
    "contribute",
    "extend",
    "resume",
    "skip",
    "start",
]

MAX_EXTENSION_MINUTES = 60


class FormatMismatchError(ValueError):
    """A run was handed a format (or version) other than the one it is pinned to."""


def _pinned(fmt: Format, state: SessionState) -> None:
    if (fmt.id, fmt.version) != (state.format_id, state.format_version):
        raise FormatMismatchError(
            f"run is pinned to {state.format_id} v{state.format_version}, "
            f"got {fmt.id} v{fmt.version}"
        )


def _show(fmt: Format, state: SessionState, **extra: object) -> Result:
    """The result for `state` as it stands: its prompt, or its outcome when complete."""
    if state.status == "completed":
        return Result.model_validate(
            {"state": state, "completed": True, "outcome": build_outcome(fmt, state), **extra}
        )
    prompt = build_prompt(fmt, state, state.cursor) if state.cursor is not None else None
    return Result.model_validate({"state": state, "prompt": prompt, **extra})


def _refuse(fmt: Format, state: SessionState, problem: Problem) -> Result:
    """Leave the state as it was and say why."""
    if state.status == "cancelled":
        return Result(state=state, problem=problem)
    return _show(fmt, state, problem=problem)


def _closed(fmt: Format, state: SessionState) -> Result:
    return _refuse(fmt, state, Problem(code=ProblemCode.closed))


def _move(
    fmt: Format,
    state: SessionState,
    *,
    to_after_step: bool = False,
    recorded: list[AnswerRecord] | None = None,
    cleared: list[AnswerKey] | None = None,
) -> Result:
    """Step forward from the cursor, completing the run when nothing is left."""
    cursor = state.cursor
    assert cursor is not None  # noqa: S101 - callers check the run is active
    target = after_step(fmt, state, cursor) if to_after_step else next_position(fmt, state, cursor)
    history = [*state.history, cursor]
    if target is None:
        state = state.model_copy(update={"status": "completed", "cursor": None, "history": history})
    else:
        state = state.model_copy(update={"cursor": target, "history": history})
    return _show(fmt, state, recorded=recorded or [], cleared=cleared or [])


def _settle(
    fmt: Format, state: SessionState, answers: list[AnswerRecord]
) -> tuple[SessionState, list[AnswerKey]]:
    """Store `answers`, dropping those a changed branch has switched off."""
    kept, dropped = prune_inactive(fmt, state.params, answers)
    return state.model_copy(update={"answers": kept}), [a.key for a in dropped]


def start(fmt: Format, ctx: StartContext) -> Result:
    """Begin a run; parameters the context does not give (validly) are asked first."""
    params: dict[str, str] = {}
    asked: list[str] = []
    problem = None
    for param in fmt.parameters:
        given = ctx.params.get(param.id)
        if given is not None and given in [o.value for o in param.options]:
            params[param.id] = given
            continue
        if given is not None:
            problem = Problem(
                code=ProblemCode.not_an_option, allowed=[o.value for o in param.options]
            )
        asked.append(param.id)
    state = SessionState(
        format_id=fmt.id,
        format_version=fmt.version,
        format_fingerprint=fmt.fingerprint(),
        lang=ctx.lang,
        params=params,
        asked_params=asked,
        ctx=dict(ctx.ctx),
        actor=ctx.actor,
        actor_role=ctx.actor_role,
    )
    first = next_position(fmt, state, None)
    if first is None:
        state = state.model_copy(update={"status": "completed"})
    else:
        state = state.model_copy(update={"cursor": first})
    return _show(fmt, state, problem=problem)


def _is_stale(cursor: Cursor, inp: Input) -> bool:
    """True when the input names a step other than the current one (an old button)."""
    if inp.step is None:
        return False
    return (
        inp.step != cursor.id
        or inp.item != cursor.item
        or (inp.part is not None and inp.part != cursor.part)
    )


def _answer_param(fmt: Format, state: SessionState, inp: Input, param_id: str) -> Result:
    param = fmt.parameter(param_id)
    if param is None:  # check_state rules this out; answer closed rather than raise
        return _closed(fmt, state)
    value = check_choice(inp.value, param.options)
    if isinstance(value, Problem):
        return _refuse(fmt, state, value)
    return _set_param(fmt, state, param_id, value)


def _set_param(fmt: Format, state: SessionState, param_id: str, value: str) -> Result:
    params = {**state.params, param_id: value}
    state, cleared = _settle(fmt, state.model_copy(update={"params": params}), state.answers)
    return _move(fmt, state, cleared=cleared)


def answer(fmt: Format, state: SessionState, inp: Input) -> Result:
    """Answer the current position; a contribution when it is a group phase."""
    _pinned(fmt, state)
    cursor = state.cursor
    if state.status != "active" or cursor is None or _is_stale(cursor, inp):
        return _closed(fmt, state)
    if cursor.kind == "param":
        return _answer_param(fmt, state, inp, cursor.id)
    step = fmt.step(cursor.id)
    if step.kind == "info":
        return _move(fmt, state)
    if isinstance(step, PhaseStep):
        return contribute(fmt, state, inp)
    outcome = record_answer(fmt, state, cursor, step, inp)
    if isinstance(outcome, Problem):
        return _refuse(fmt, state, outcome)
    answers, record = outcome
    state, cleared = _settle(fmt, state, answers)
    return _move(fmt, state, recorded=[record], cleared=cleared)


def contribute(fmt: Format, state: SessionState, inp: Input) -> Result:
    """Add one person's contribution to the current phase; the phase stays open."""
    _pinned(fmt, state)
    cursor = state.cursor
    if state.status != "active" or cursor is None or _is_stale(cursor, inp):
        return _closed(fmt, state)
    step = fmt.step(cursor.id) if cursor.kind == "step" else None
    if not isinstance(step, PhaseStep) or not step.contributors:
        return _refuse(fmt, state, Problem(code=ProblemCode.not_available))
    outcome = record_contribution(state, cursor, step, inp)
    if isinstance(outcome, Problem):
        return _refuse(fmt, state, outcome)
    answers, record = outcome
    state = state.model_copy(update={"answers": answers})
    return _show(fmt, state, recorded=[record])


def _skip_part(fmt: Format, state: SessionState, step: NextStepStep, cursor: Cursor) -> Result:
    """Leave out the due date or the way home of a next step."""
    if cursor.part == "reach" and step.reach_required:
        return _refuse(fmt, state, Problem(code=ProblemCode.required))
    record = find_answer(state.answers, cursor.id, cursor.item)
    if record is None or not isinstance(record.value, NextStepValue):
        return _move(fmt, state)
    if getattr(record.value, str(cursor.part)) is None:
        return _move(fmt, state)
    value = record.value.model_copy(update={str(cursor.part): None})
    updated = record.model_copy(update={"value": value})
    answers = [updated if a is record else a for a in state.answers]
    return _move(fmt, state.model_copy(update={"answers": answers}), recorded=[updated])


def skip(fmt: Format, state: SessionState) -> Result:
    """Move past the current position without an answer, when it may be left out."""
    _pinned(fmt, state)
    cursor = state.cursor
    if state.status != "active" or cursor is None:
        return _closed(fmt, state)
    required = Problem(code=ProblemCode.required)
    if cursor.kind == "param":
        param = fmt.parameter(cursor.id)
        if param is None or param.default is None:
            return _refuse(fmt, state, required)
        return _set_param(fmt, state, param.id, param.default)
    return _skip_step(fmt, state, cursor)


def _skip_step(fmt: Format, state: SessionState, cursor: Cursor) -> Result:
    required = Problem(code=ProblemCode.required)
    step = fmt.step(cursor.id)
    if step.kind in ("info", "phase"):
        return _move(fmt, state)
    if isinstance(step, NextStepStep) and cursor.part in ("due", "reach"):
        return _skip_part(fmt, state, step, cursor)
    if not step.optional:
        return _refuse(fmt, state, required)
    record = find_answer(state.answers, cursor.id, cursor.item)
    remaining = [a for a in state.answers if a is not record]
    state, cleared = _settle(fmt, state, remaining)
    if record is not None:
        cleared = [record.key, *cleared]
    # Skipping the first part of a next step skips the whole step.
    return _move(fmt, state, to_after_step=True, cleared=cleared)


def back(fmt: Format, state: SessionState) -> Result:
    """Return to the previous position; its answer stays until it is answered anew."""
    _pinned(fmt, state)
    if state.status != "active" or state.cursor is None:
        return _closed(fmt, state)
    if not state.history:
        return _refuse(fmt, state, Problem(code=ProblemCode.not_available))
    *history, previous = state.history
    return _show(fmt, state.model_copy(update={"cursor": previous, "history": history}))


def back_stretch(fmt: Format, state: SessionState) -> Result:
    """Return to where the stretch before the current position begins: the positions
    `ahead` gave together, as far as they can be told from the way the run came."""
    result = back(fmt, state)
    last = result.state.cursor
    if result.problem is not None or last is None:
        return result
    while result.state.history:
        earlier = back(fmt, result.state)
        cursor = earlier.state.cursor
        if cursor is None or last not in steps_ahead(fmt, earlier.state, cursor):
            break
        result = earlier
    return result


def ahead(fmt: Format, state: SessionState) -> list[Prompt]:
    """The prompts of the positions that can be asked together from the current one on
    (the first is the current prompt), each built as `resume` builds it."""
    _pinned(fmt, state)
    cursor = state.cursor
    if state.status != "active" or cursor is None:
        return []
    return [build_prompt(fmt, state, position) for position in steps_ahead(fmt, state, cursor)]


def advance(fmt: Format, state: SessionState) -> Result:
    """Move on: close a phase, pass an info step, or keep an answer given before."""
    _pinned(fmt, state)
    if state.status != "active" or state.cursor is None:
        return _closed(fmt, state)
    if is_satisfied(fmt, state, state.cursor):
        return _move(fmt, state)
    return skip(fmt, state)


def extend(fmt: Format, state: SessionState, minutes: int) -> Result:
    """Give the current phase more minutes (the facilitator's call, checked elsewhere)."""
    _pinned(fmt, state)
    if state.status != "active" or state.cursor is None:
        return _closed(fmt, state)
    cursor = state.cursor
    if cursor.kind != "step" or fmt.step(cursor.id).kind != "phase":
        return _refuse(fmt, state, Problem(code=ProblemCode.not_available))
    if isinstance(minutes, bool) or not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        return _refuse(fmt, state, Problem(code=ProblemCode.out_of_range, minimum=1, maximum=60))
    key = cursor.slot_key()
    extra = {**state.extra_minutes, key: state.extra_minutes.get(key, 0) + minutes}
    return _show(fmt, state.model_copy(update={"extra_minutes": extra}))


def resume(fmt: Format, state: SessionState) -> Result:
    """Show where a stored run stands: its current prompt, or its outcome."""
    _pinned(fmt, state)
    if state.status == "cancelled":
        return _closed(fmt, state)
    return _show(fmt, state)


def cancel(fmt: Format, state: SessionState) -> Result:
    """Stop a run; answers already given stay in the state (and in storage)."""
    _pinned(fmt, state)
    if state.status != "active":
        return _closed(fmt, state)
    return Result(state=state.model_copy(update={"status": "cancelled", "cursor": None}))
