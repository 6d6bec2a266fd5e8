"""The steps a page can ask together: up to the step that decides what comes next.

Every format, with any settings and any sensible answers: the steps ahead of a position
are exactly the steps the run then asks when they are answered (or left out) in order, and
each is shown with the same words it has when the run gets there.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dialogues import engine
from dialogues.flow import deciding, steps_ahead
from dialogues.loader import load_catalog, parse_format
from dialogues.prompts import build_prompt
from dialogues.schema import Format
from dialogues.state import Cursor, Input, Result, StartContext
from tests.dialogues.test_properties import FORMATS, sensible, start_context

CATALOG = load_catalog()

BRANCHING = """\
id: branching
version: 1
title: {da: Forgrening, en: Branching}
description: {da: En prøve, en: A sample}
audience: individual
steps:
  - id: hello
    kind: info
    text: {da: Hej, en: Hello}
  - id: mood
    kind: choice
    text: {da: Humør, en: Mood}
    options:
      - {value: good, label: {da: Godt, en: Good}}
      - {value: bad, label: {da: Skidt, en: Bad}}
    visibility: {default: private}
  - id: why
    kind: text
    when: {step: mood, equals: bad}
    text: {da: Hvorfor, en: Why}
    visibility: {default: private}
  - id: more
    kind: text
    optional: true
    text: {da: Mere, en: More}
    visibility: {default: private}
  - id: echo
    kind: text
    text: {da: "Du skrev {{ answers.more }}", en: "You wrote {{ answers.more }}"}
    visibility: {default: private}
"""


def _branching() -> Format:
    found = parse_format(BRANCHING, "branching.yaml")
    assert isinstance(found, Format), found
    return found


def _ids(cursors: list[Cursor]) -> list[tuple[str, str | None, str | None]]:
    return [(c.id, c.item, c.part) for c in cursors]


def _first(fmt_id: str, **params: str) -> Result:
    fmt = CATALOG.get(fmt_id)
    assert fmt is not None
    return engine.start(fmt, StartContext(params=params))


def test_a_format_without_branches_is_asked_all_at_once() -> None:
    fmt = CATALOG.get("fire-spoergsmaal")
    assert fmt is not None
    assert not deciding(fmt)
    start = _first("fire-spoergsmaal")
    assert start.state.cursor is not None
    ahead = steps_ahead(fmt, start.state, start.state.cursor)
    assert [c.id for c in ahead] == [
        "intro",
        "q1_matters",
        "q2_learn",
        "q3_know",
        "q4_not_learning",
        "pick",
        "next",
        "next",
        "next",
    ]
    assert [c.part for c in ahead][-3:] == ["what", "due", "reach"]


def test_a_branch_point_ends_the_stretch_and_the_branch_follows() -> None:
    fmt = _branching()
    start = engine.start(fmt, StartContext())
    assert start.state.cursor is not None
    first = steps_ahead(fmt, start.state, start.state.cursor)
    assert _ids(first) == [("hello", None, None), ("mood", None, None)]

    bad = engine.answer(fmt, engine.answer(fmt, start.state, Input()).state, Input(value="bad"))
    assert bad.state.cursor is not None
    # "echo" quotes "more", so it waits for a stretch of its own.
    assert [c.id for c in steps_ahead(fmt, bad.state, bad.state.cursor)] == ["why", "more"]
    good = engine.answer(fmt, engine.answer(fmt, start.state, Input()).state, Input(value="good"))
    assert good.state.cursor is not None
    assert [c.id for c in steps_ahead(fmt, good.state, good.state.cursor)] == ["more"]


def test_a_parameter_that_decides_is_asked_alone() -> None:
    fmt = CATALOG.get("roller-og-relationer")
    assert fmt is not None
    start = _first("roller-og-relationer")
    assert start.state.cursor is not None
    assert _ids(steps_ahead(fmt, start.state, start.state.cursor)) == [("timing", None, None)]

    after = _first("roller-og-relationer", timing="after")
    assert after.state.cursor is not None
    ahead = steps_ahead(fmt, after.state, after.state.cursor)
    assert [c.id for c in ahead] == [
        "intro",
        "role",
        "visit",
        *["relation"] * 3,
        "surprise",
        *["next"] * 3,
    ]
    # Before the visit, the question about agreements quotes the role: it comes next.
    before = _first("roller-og-relationer", timing="before")
    assert before.state.cursor is not None
    assert "agree" not in {c.id for c in steps_ahead(fmt, before.state, before.state.cursor)}


def test_nothing_is_ahead_of_a_position_the_run_does_not_ask() -> None:
    fmt = _branching()
    start = engine.start(fmt, StartContext())
    assert steps_ahead(fmt, start.state, Cursor(id="why")) == []
    done = start.state.model_copy(update={"status": "completed", "cursor": None})
    assert steps_ahead(fmt, done, Cursor(id="hello")) == []


def _texts(result: Result) -> tuple[str | None, str, str | None]:
    prompt = result.prompt
    assert prompt is not None
    return prompt.title, prompt.text, prompt.context


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_steps_ahead_are_the_steps_asked(data: st.DataObject) -> None:
    """Answering a stretch in order visits exactly its positions, each with the words the
    page showed, and the run then stands where the next stretch begins."""
    fmt = data.draw(st.sampled_from([*FORMATS, _branching()]), label="format")
    result = engine.start(fmt, data.draw(start_context(fmt)))
    for _ in range(60):
        if result.completed:
            break
        cursor = result.state.cursor
        assert cursor is not None
        page_state = result.state
        ahead = steps_ahead(fmt, page_state, cursor)
        assert ahead
        assert ahead[0] == cursor
        shown = [build_prompt(fmt, page_state, c) for c in ahead]
        for position, prompt in zip(ahead, shown, strict=True):
            if result.completed:
                raise AssertionError(f"{fmt.id}: the run ended before {position}")
            assert result.state.cursor == position, f"{fmt.id}: {position} was not asked"
            assert (prompt.title, prompt.text, prompt.context) == _texts(result), position
            if prompt.expects == "none" or prompt.kind == "phase":
                result = engine.advance(fmt, result.state)
                continue
            # Leaving out what may be left out (but not a next step's first part, which
            # leaves out the whole step and so the rest of its parts on the page too).
            if prompt.can_skip and position.part is None and data.draw(st.booleans()):
                result = engine.skip(fmt, result.state)
                continue
            attempt = engine.answer(fmt, result.state, Input(value=data.draw(sensible(prompt))))
            if attempt.problem is not None:
                attempt = engine.answer(fmt, result.state, Input(value="Et svar"))
            if attempt.problem is not None:
                attempt = engine.advance(fmt, result.state)
            assert attempt.problem is None, (fmt.id, position, attempt.problem)
            result = attempt
    assert result.completed


def test_back_from_a_stretch_returns_to_where_the_one_before_began() -> None:
    fmt = CATALOG.get("roller-og-relationer")
    assert fmt is not None
    result = _first("roller-og-relationer")
    for value in ["after", None, "teacher", "Besøget"]:
        result = engine.answer(fmt, result.state, Input(value=value))
        assert result.problem is None, value
    assert result.state.cursor == Cursor(id="relation", item=result.state.cursor.item)
    back = engine.back_stretch(fmt, result.state)
    assert back.state.cursor == Cursor(id="intro")
    # The stretch before the introduction is the timing alone; nothing is before that.
    first = engine.back_stretch(fmt, back.state)
    assert first.state.cursor == Cursor(kind="param", id="timing")
    assert engine.back_stretch(fmt, first.state).problem is not None
    # One step back would have gone to the visit only.
    assert engine.back(fmt, result.state).state.cursor == Cursor(id="visit")
