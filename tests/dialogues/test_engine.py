"""The engine's rules, one at a time, on small formats and on the real ones."""

import datetime as dt

import pytest

from dialogues import engine
from dialogues.loader import FormatLoadError, load_catalog, parse_format
from dialogues.problems import Problem, ProblemCode, describe_problem
from dialogues.schema import Format
from dialogues.state import Input, NextStepValue, Result, SessionState, StartContext
from dialogues.validity import check_state
from dialogues.visibility import Visibility

SMALL = """\
id: small
version: 3
title: {da: Lille, en: Small}
description: {da: En lille prøve, en: A small sample}
audience: individual
parameters:
  - id: mode
    question: {da: Hvilken, en: Which}
    options:
      - {value: short, label: {da: Kort, en: Short}}
      - {value: long, label: {da: Lang, en: Long}}
steps:
  - id: mood
    kind: choice
    text: {da: Humør, en: Mood}
    options:
      - {value: good, label: {da: Godt, en: Good}}
      - {value: bad, label: {da: Skidt, en: Bad}}
    visibility: {default: private, choices: [private, team]}
  - id: why
    kind: text
    when: {step: mood, equals: bad}
    max_length: 20
    text: {da: Hvorfor, en: Why}
  - id: extra
    kind: text
    optional: true
    when: {param: mode, equals: long}
    text:
      da: "Mere om {{ answers.mood }}"
      en: "More about {{ answers.mood }}"
  - id: plan
    kind: next_step
    text: {da: Næste skridt, en: Next step}
"""


def parse(text: str) -> Format:
    found = parse_format(text, "inline.yaml")
    if isinstance(found, FormatLoadError):
        raise found
    return found


@pytest.fixture(scope="module")
def small() -> Format:
    return parse(SMALL)


@pytest.fixture(scope="module")
def circle() -> Format:
    fmt = load_catalog().get("laeringscirkel")
    assert fmt is not None
    return fmt


def begin(fmt: Format, **params: str) -> Result:
    return engine.start(fmt, StartContext(lang="da", params=params, actor="p1"))


def say(fmt: Format, result: Result, value: object, **kw: object) -> Result:
    return engine.answer(fmt, result.state, Input.model_validate({"value": value, **kw}))


def skip_or_say(fmt: Format, result: Result, value: str) -> Result:
    return engine.skip(fmt, result.state) if value == "<skip>" else say(fmt, result, value)


def problem(result: Result) -> Problem:
    assert result.problem is not None
    return result.problem


def test_start_asks_for_parameters_not_given(small: Format) -> None:
    result = begin(small)
    assert result.prompt is not None
    assert (result.prompt.kind, result.prompt.param_id) == ("param", "mode")
    assert result.prompt.options == [("short", "Kort"), ("long", "Lang")]
    given = begin(small, mode="long")
    assert given.prompt is not None
    assert given.prompt.step_id == "mood"
    assert given.state.format_version == 3
    assert given.state.format_fingerprint == small.fingerprint()


def test_start_with_a_wrong_parameter_asks_for_it(small: Format) -> None:
    result = begin(small, mode="medium")
    assert problem(result).code == ProblemCode.not_an_option
    assert result.prompt is not None
    assert result.prompt.param_id == "mode"


def test_a_stale_button_is_closed_and_changes_nothing(small: Format) -> None:
    result = begin(small, mode="short")
    stale = say(small, result, "good", step="plan")
    assert problem(stale).code == ProblemCode.closed
    assert stale.state == result.state
    assert stale.prompt is not None
    assert stale.prompt.step_id == "mood"


def test_the_input_state_is_never_mutated(small: Format) -> None:
    result = begin(small, mode="short")
    before = result.state.model_dump(mode="json")
    say(small, result, "bad")
    engine.skip(small, result.state)
    engine.advance(small, result.state)
    assert result.state.model_dump(mode="json") == before


def test_a_run_is_pinned_to_its_format_version(small: Format) -> None:
    result = begin(small, mode="short")
    newer = parse(SMALL.replace("version: 3", "version: 4"))
    with pytest.raises(engine.FormatMismatchError):
        engine.answer(newer, result.state, Input(value="good"))


def test_choices_accept_value_number_or_label(small: Format) -> None:
    result = begin(small, mode="short")
    for raw in ("bad", "2", 2, "skidt", "Bad", ["bad"]):
        recorded = say(small, result, raw).recorded
        assert [r.value for r in recorded] == ["bad"], raw
    assert problem(say(small, result, "3")).code == ProblemCode.not_an_option
    assert problem(say(small, result, "")).code == ProblemCode.required


def test_branch_and_back_and_changed_answer_clear_the_switched_off_branch(small: Format) -> None:
    result = say(small, begin(small, mode="short"), "bad")
    assert result.prompt is not None
    assert result.prompt.step_id == "why"
    result = say(small, result, "tired")
    assert result.prompt is not None
    assert result.prompt.step_id == "plan"
    result = engine.back(small, engine.back(small, result.state).state)
    assert result.prompt is not None
    assert result.prompt.step_id == "mood"
    assert result.prompt.current_value == "bad"
    result = say(small, result, "good")
    assert [tuple(k) for k in result.cleared] == [("why", None, 0)]
    assert result.prompt is not None
    assert result.prompt.step_id == "plan"
    assert check_state(small, result.state) == []


def test_texts_quote_earlier_answers_escaped(small: Format) -> None:
    result = say(small, begin(small, mode="long"), "good")
    assert result.prompt is not None
    assert result.prompt.text == "Mere om Godt"
    opf = load_catalog().get("opfoelgning")
    assert opf is not None
    started = engine.start(opf, StartContext(lang="da", ctx={"next_step": "<b>Læse</b> & skrive"}))
    assert started.prompt is not None
    assert "»&lt;b&gt;Læse&lt;/b&gt; &amp; skrive«" in started.prompt.text


def test_skip_is_refused_on_a_required_step_and_clears_an_optional_one(small: Format) -> None:
    result = say(small, begin(small, mode="long"), "good")
    assert problem(engine.skip(small, say(small, result, "x").state)).code == ProblemCode.required
    answered = say(small, result, "mere")
    back = engine.back(small, answered.state)
    skipped = engine.skip(small, back.state)
    assert [tuple(k) for k in skipped.cleared] == [("extra", None, 0)]
    assert all(a.step_id != "extra" for a in skipped.state.answers)


def test_back_at_the_start_is_not_available(small: Format) -> None:
    assert problem(engine.back(small, begin(small, mode="short").state)).code == (
        ProblemCode.not_available
    )


def test_free_text_limits_and_cpr(small: Format) -> None:
    result = say(small, begin(small, mode="short"), "bad")
    long = say(small, result, "x" * 21)
    assert problem(long).model_dump(exclude_defaults=True) == {
        "code": ProblemCode.too_long,
        "maximum": 20,
        "length": 21,
    }
    cpr = say(small, result, "elev 0101901234")
    assert problem(cpr).code == ProblemCode.contains_cpr
    assert cpr.recorded == []
    assert cpr.state == result.state


def test_visibility_choice(small: Format) -> None:
    result = begin(small, mode="short")
    assert result.prompt is not None
    assert result.prompt.visibility == Visibility.private
    assert result.prompt.visibility_choices == [Visibility.private, Visibility.team]
    assert result.prompt.visibility_note == "Kun du kan se dit svar."
    shared = say(small, result, "good", visibility="team")
    assert shared.recorded[0].visibility == Visibility.team
    refused = say(small, result, "good", visibility="leaders")
    assert problem(refused).code == ProblemCode.not_allowed_visibility
    assert problem(refused).allowed == ["private", "team"]


def test_next_step_in_parts_with_due_date_checks(small: Format) -> None:
    result = say(small, begin(small, mode="short"), "good")
    result = say(small, result, "Prøve exit tickets")
    assert result.prompt is not None
    assert result.prompt.part == "due"
    assert result.prompt.expects == "date"
    today = dt.date(2025, 3, 1)
    assert problem(say(small, result, "3/12")).code == ProblemCode.not_a_date
    assert problem(say(small, result, "2025-02-30")).code == ProblemCode.not_a_date
    past = say(small, result, "2025-02-28", today=today)
    assert problem(past).earliest == "2025-03-01"
    result = say(small, result, "2025-03-14", today=today)
    assert result.prompt is not None
    assert result.prompt.part == "reach"
    result = say(small, result, "På teammødet")
    assert result.completed
    assert result.outcome is not None
    assert result.outcome.next_steps[0].model_dump(exclude={"visibility"}) == {
        "step_id": "plan",
        "item": None,
        "what": "Prøve exit tickets",
        "due": "2025-03-14",
        "reach": "På teammødet",
        "actor": "p1",
    }


def test_a_completed_run_accepts_nothing(small: Format) -> None:
    result = begin(small, mode="short")
    for value in ("good", "plan", "<skip>", "<skip>"):
        result = (
            engine.skip(small, result.state) if value == "<skip>" else say(small, result, value)
        )
    assert result.completed
    assert result.state.status == "completed"
    for after in (
        say(small, result, "good"),
        engine.back(small, result.state),
        engine.skip(small, result.state),
        engine.advance(small, result.state),
        engine.extend(small, result.state, 5),
        engine.cancel(small, result.state),
    ):
        assert problem(after).code == ProblemCode.closed
        assert after.state == result.state
    assert engine.resume(small, result.state).outcome == result.outcome


def test_cancel(small: Format) -> None:
    cancelled = engine.cancel(small, begin(small, mode="short").state)
    assert cancelled.state.status == "cancelled"
    assert cancelled.state.cursor is None
    assert problem(engine.resume(small, cancelled.state)).code == ProblemCode.closed
    assert check_state(small, cancelled.state) == []


def test_state_survives_a_json_round_trip(small: Format) -> None:
    result = say(small, say(small, begin(small, mode="long"), "bad"), "træt")
    stored = result.state.model_dump_json()
    restored = SessionState.model_validate_json(stored)
    assert restored == result.state
    assert engine.resume(small, restored).prompt == result.prompt


def test_group_phase_contributions_advance_and_extend(circle: Format) -> None:
    params = {"focus_by": "focus", "data_by": "all", "reflection": "after_data"}
    result = engine.start(circle, StartContext(lang="en", params=params, actor_role="facilitator"))
    prompt = result.prompt
    assert prompt is not None
    assert prompt.step_id == "frame"
    assert (prompt.timebox_minutes, prompt.expects) == (5, "none")
    assert [r.id for r in prompt.speaking] == ["facilitator"]
    assert problem(say(circle, result, "hello", actor="a")).code == ProblemCode.not_available
    result = engine.advance(circle, result.state)
    first = say(circle, result, "How do pupils start a task?", actor="anna")
    second = engine.contribute(circle, first.state, Input(value="In maths", actor="anna"))
    assert [(r.seq, r.actor) for r in (first.recorded + second.recorded)] == [
        (1, "anna"),
        (2, "anna"),
    ]
    assert second.prompt is not None
    assert second.prompt.contributions == 2
    extended = engine.extend(circle, second.state, 3)
    assert extended.prompt is not None
    assert extended.prompt.timebox_minutes == 8
    assert problem(engine.extend(circle, second.state, 0)).code == ProblemCode.out_of_range
    moved = engine.advance(circle, extended.state)
    assert moved.prompt is not None
    assert moved.prompt.step_id == "data"
    assert moved.prompt.timebox_minutes == 10
    assert check_state(circle, moved.state) == []


def test_extend_outside_a_phase_is_not_available(small: Format) -> None:
    result = begin(small, mode="short")
    assert problem(engine.extend(small, result.state, 5)).code == ProblemCode.not_available


def test_progress_counts_steps_once(small: Format) -> None:
    """No total while the answer asked now decides the branch; once given, it holds."""
    result = begin(small, mode="short")
    assert result.prompt is not None
    assert (result.prompt.progress.n, result.prompt.progress.m) == (1, None)
    result = say(small, result, "bad")
    assert result.prompt is not None
    assert (result.prompt.progress.n, result.prompt.progress.m) == (2, 3)
    result = say(small, result, "træt")
    assert result.prompt is not None
    assert (result.prompt.progress.n, result.prompt.progress.m) == (3, 3)


def test_outcome_holds_answers_in_step_order(small: Format) -> None:
    result = say(small, begin(small, mode="short"), "bad")
    result = say(small, result, "træt")
    result = say(small, engine.back(small, engine.back(small, result.state).state), "bad")
    for value in ("træt igen", "Hvile", "<skip>", "<skip>"):
        result = (
            engine.skip(small, result.state) if value == "<skip>" else say(small, result, value)
        )
    assert result.outcome is not None
    assert [(a.step_id, a.value) for a in result.outcome.answers] == [
        ("mood", "bad"),
        ("why", "træt igen"),
        ("plan", NextStepValue(what="Hvile")),
    ]


@pytest.mark.parametrize("code", list(ProblemCode))
@pytest.mark.parametrize("lang", ["da", "en"])
def test_every_problem_can_be_described(code: ProblemCode, lang: str) -> None:
    sample = Problem(code=code, minimum=1, maximum=7, length=9)
    text = describe_problem(sample, lang)  # type: ignore[arg-type]
    assert text
    assert "{" not in text
    assert "None" not in text


def test_digits_outside_ascii_are_not_numbers(small: Format) -> None:
    result = begin(small, mode="short")
    assert problem(say(small, result, "¹")).code == ProblemCode.not_an_option
    fmt = load_catalog().get("psykologisk-tryghed")
    assert fmt is not None
    scale = engine.advance(fmt, engine.start(fmt, StartContext(params={"use": "checkin"})).state)
    assert scale.prompt is not None
    assert scale.prompt.kind == "scale"
    assert problem(say(fmt, scale, "²")).code == ProblemCode.not_a_number
