"""Whatever people send, in whatever order, the engine neither crashes nor breaks a run.

Each example starts a random format with random settings and plays a random sequence of
answers (sensible ones drawn from the current prompt, and nonsense), back, skip, advance,
extend, contributions, cancels and JSON round trips, checking the invariants after each.
"""

from functools import lru_cache
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogues import engine
from dialogues.loader import load_catalog
from dialogues.problems import ProblemCode
from dialogues.schema import Format
from dialogues.state import Input, Prompt, Result, SessionState, StartContext
from dialogues.validity import check_state
from dialogues.visibility import Visibility

CATALOG = load_catalog()
FORMATS = list(CATALOG)

junk_text = st.text(max_size=40) | st.sampled_from(
    ["", "   ", "0101901234", "311299-4321", "x" * 4000, "<b>&amp;", "1, 2", "99", "-1"]
)
raw_value = st.one_of(
    st.none(),
    junk_text,
    st.integers(min_value=-3, max_value=12),
    st.lists(junk_text, max_size=3),
    st.dates().map(lambda d: d.isoformat()),
)
visibility = st.sampled_from([None, None, None, *[v.value for v in Visibility], "everyone"])


@lru_cache(maxsize=256)
def _fitting(expects: str, options: tuple[tuple[str, str], ...], points: int) -> Any:
    if options and expects == "multi_choice":
        values = [v for v, _ in options]
        return st.lists(st.sampled_from(values), min_size=1, max_size=2, unique=True)
    if options:
        return st.sampled_from([v for v, _ in options] + [label for _, label in options])
    if points:
        return st.integers(min_value=1, max_value=points)
    if expects == "date":
        return st.dates().map(lambda d: d.isoformat())
    return st.text(min_size=1, max_size=30).filter(lambda t: bool(t.strip()))


def sensible(prompt: Prompt | None) -> st.SearchStrategy[Any]:
    """Values that fit the current prompt, so runs get far and often complete.

    Strategies are cached by what they depend on: building them anew on every draw is what
    makes hypothesis slow, not the engine.
    """
    if prompt is None:
        return st.none()
    points = prompt.scale.points if prompt.scale else 0
    return _fitting(prompt.expects, tuple(prompt.options), points)  # type: ignore[no-any-return]


@lru_cache(maxsize=256)
def _any_value(expects: str, options: tuple[tuple[str, str], ...], points: int) -> Any:
    fitting = _fitting(expects, options, points)
    # Mostly answers that fit, so runs reach their end and what comes after it is tested too.
    return st.one_of(fitting, fitting, fitting, raw_value)


STALE = st.sampled_from([None] * 8 + ["mood", "next", "frame"])
ACTORS = st.sampled_from([None, "a", "b"])
TODAY = st.none() | st.dates()
# Answers dominate, as in real use; a cancel ends a run, so it stays rare.
ACTIONS = st.sampled_from(
    ["answer"] * 10
    + ["back", "skip", "advance"] * 2
    + ["extend", "contribute", "roundtrip", "cancel"]
)
MINUTES = st.integers(min_value=-5, max_value=90)


def step_input(draw: st.DrawFn, prompt: Prompt | None) -> Input:
    if prompt is None:
        value = draw(raw_value)
    else:
        points = prompt.scale.points if prompt.scale else 0
        value = draw(_any_value(prompt.expects, tuple(prompt.options), points))
    return Input(
        value=value,
        visibility=draw(visibility),
        actor=draw(ACTORS),
        step=draw(STALE),
        today=draw(TODAY),
    )


def play(draw: st.DrawFn, fmt: Format, result: Result) -> tuple[str, Result]:
    state = result.state
    action = draw(ACTIONS)
    if action == "answer":
        return action, engine.answer(fmt, state, step_input(draw, result.prompt))
    if action == "contribute":
        return action, engine.contribute(fmt, state, step_input(draw, result.prompt))
    if action == "extend":
        return action, engine.extend(fmt, state, draw(MINUTES))
    if action == "roundtrip":
        stored = SessionState.model_validate_json(state.model_dump_json())
        return action, engine.resume(fmt, stored)
    calls = {
        "back": engine.back,
        "skip": engine.skip,
        "advance": engine.advance,
        "cancel": engine.cancel,
    }
    return action, calls[action](fmt, state)


def check_invariants(
    fmt: Format, before: SessionState, result: Result, action: str = "start"
) -> None:
    state = result.state
    assert check_state(fmt, state) == []
    assert SessionState.model_validate(state.model_dump(mode="json")) == state
    assert (result.prompt is not None) == (state.status == "active")
    assert result.completed == (state.status == "completed")
    assert (result.outcome is not None) == result.completed
    if action == "roundtrip":
        assert state == before
    elif before.status != "active":
        # A finished or cancelled run accepts nothing.
        assert result.problem is not None
        assert result.problem.code == ProblemCode.closed
        assert state == before
    if result.problem is not None:
        assert state == before
        assert result.recorded == []
    for record in result.recorded:
        assert record in state.answers


@st.composite
def start_context(draw: st.DrawFn, fmt: Format) -> StartContext:
    params = {}
    for param in fmt.parameters:
        choice = draw(st.sampled_from([None, "nonsense", *[o.value for o in param.options]]))
        if choice is not None:
            params[param.id] = choice
    return StartContext(
        lang=draw(st.sampled_from(["da", "en"])),
        params=params,
        actor=draw(st.sampled_from([None, "a"])),
        ctx=draw(st.dictionaries(st.sampled_from(["next_step", "x"]), junk_text, max_size=2)),
    )


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_any_sequence_of_inputs_leaves_a_valid_run(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    result = engine.start(fmt, data.draw(start_context(fmt)))
    check_invariants(fmt, result.state, result)
    for _ in range(data.draw(st.integers(min_value=1, max_value=80), label="length")):
        before = result.state
        frozen = before.model_dump(mode="json")
        action, result = play(data.draw, fmt, result)
        assert before.model_dump(mode="json") == frozen, "the input state was mutated"
        check_invariants(fmt, before, result, action)


@settings(max_examples=100, deadline=None)
@given(data=st.data())
def test_sensible_answers_always_finish(data: st.DataObject) -> None:
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    result = engine.start(fmt, data.draw(start_context(fmt)))
    for _ in range(200):
        if result.completed:
            break
        prompt = result.prompt
        assert prompt is not None
        if prompt.expects in ("none",) or (prompt.kind == "phase"):
            result = engine.advance(fmt, result.state)
            continue
        value = data.draw(sensible(prompt))
        attempt = engine.answer(fmt, result.state, Input(value=value))
        # A sensible value can still be refused (a CPR-shaped text); then skip or advance.
        result = attempt if attempt.problem is None else engine.advance(fmt, result.state)
        assert result.problem is None or result.problem.code == ProblemCode.required
        if result.problem is not None:
            result = engine.answer(fmt, result.state, Input(value="Et svar"))
    assert result.completed
    assert result.outcome is not None
    assert check_state(fmt, result.state) == []


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_the_step_total_never_changes_on_the_way(data: st.DataObject) -> None:
    """Going forward with sensible answers, a total once shown stays the same to the end,
    counts every step still to come, and is never "1 of 1" on a format of several steps."""
    fmt = data.draw(st.sampled_from(FORMATS), label="format")
    result = engine.start(fmt, data.draw(start_context(fmt)))
    shown: int | None = None
    seen: list[int] = []
    for _ in range(200):
        if result.completed:
            break
        prompt = result.prompt
        assert prompt is not None
        n, total = prompt.progress.n, prompt.progress.m
        seen.append(n)
        if total is not None:
            assert shown is None or total == shown, f"{fmt.id}: {shown} became {total}"
            assert n <= total
            assert not (total == 1 and len(fmt.steps) > 1), fmt.id
            shown = total
        if prompt.expects == "none" or prompt.kind == "phase":
            result = engine.advance(fmt, result.state)
            continue
        attempt = engine.answer(fmt, result.state, Input(value=data.draw(sensible(prompt))))
        result = attempt if attempt.problem is None else engine.advance(fmt, result.state)
        if result.problem is not None:
            result = engine.answer(fmt, result.state, Input(value="Et svar"))
    assert result.completed
    if shown is not None:
        assert max(seen) == shown, f"{fmt.id}: ended at {max(seen)} of {shown}"
