"""Whole runs of every format, kept as data in transcripts/ and replayed here.

A transcript lists what a person does (answer, back, skip, advance, extend, contribute, a
JSON round trip of the stored state) and what should follow: the prompt, the problem, and
at the end the answers, next steps, scores and summary. `description_has` checks the
format's description, which people read before they choose it.
"""

import datetime as dt
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from dialogues import engine
from dialogues.loader import Catalog, load_catalog
from dialogues.schema import Format
from dialogues.state import AnswerRecord, Input, NextStepValue, Result, SessionState, StartContext
from dialogues.templating import render_session_summary
from dialogues.validity import check_state

HERE = Path(__file__).parent / "transcripts"
TRANSCRIPTS = sorted(HERE.glob("*.yaml"))
ACTIONS = ("answer", "long", "back", "skip", "advance", "extend", "contribute", "roundtrip")


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return load_catalog()


def test_every_format_has_a_transcript_in_each_language(catalog: Catalog) -> None:
    covered = Counter()
    for path in TRANSCRIPTS:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        covered[(data["format"], data["lang"])] += 1
    missing = [(f, lang) for f in catalog.ids() for lang in ("da", "en") if not covered[(f, lang)]]
    assert missing == []


def long_text(length: int) -> str:
    words = "Det her er en lang tekst om praksis. " * (length // 20 + 1)
    return words[:length]


def act(fmt: Format, state: SessionState, entry: dict[str, Any]) -> Result:
    kind = next(k for k in ACTIONS if k in entry)
    fields = {k: entry[k] for k in ("visibility", "actor", "step", "item", "part") if k in entry}
    if "today" in entry:
        fields["today"] = dt.date.fromisoformat(str(entry["today"]))
    if kind == "answer":
        return engine.answer(fmt, state, Input.model_validate({"value": entry["answer"], **fields}))
    if kind == "long":
        return engine.answer(fmt, state, Input(value=long_text(entry["long"])))
    if kind == "contribute":
        inp = Input.model_validate({"value": entry["contribute"], **fields})
        return engine.contribute(fmt, state, inp)
    if kind == "extend":
        return engine.extend(fmt, state, entry["extend"])
    if kind == "roundtrip":
        return engine.resume(fmt, SessionState.model_validate_json(state.model_dump_json()))
    return {"back": engine.back, "skip": engine.skip, "advance": engine.advance}[kind](fmt, state)


def check_prompt(result: Result, expect: dict[str, Any], where: str) -> None:
    prompt = result.prompt
    assert prompt is not None, f"{where}: no prompt"
    simple = {
        "step": prompt.step_id,
        "param": prompt.param_id,
        "item": prompt.item,
        "part": prompt.part,
        "kind": prompt.kind,
        "expects": prompt.expects,
        "text": prompt.text,
        "title": prompt.title,
        "visibility": prompt.visibility and prompt.visibility.value,
        "timebox": prompt.timebox_minutes,
        "can_skip": prompt.can_skip,
        "can_back": prompt.can_back,
        "about_pupils": prompt.about_pupils,
        "contributions": prompt.contributions,
        "progress": f"{prompt.progress.n}/{prompt.progress.m or '?'}",
        "options": [value for value, _ in prompt.options],
        "labels": [label for _, label in prompt.options],
        "speaking": [r.id for r in prompt.speaking],
        "listening": [r.id for r in prompt.listening],
        "scale": prompt.scale and [prompt.scale.points, prompt.scale.low, prompt.scale.high],
    }
    for key, wanted in expect.items():
        if key == "text_has":
            for piece in wanted if isinstance(wanted, list) else [wanted]:
                assert piece in prompt.text, f"{where}: {piece!r} not in {prompt.text!r}"
        elif key == "context_has":
            assert wanted in (prompt.context or ""), f"{where}: {prompt.context!r}"
        elif key == "current":
            assert _plain(prompt.current_value) == wanted, f"{where}: {prompt.current_value!r}"
        else:
            assert simple[key] == wanted, f"{where}: {key} is {simple[key]!r}, not {wanted!r}"


def check_problem(result: Result, wanted: Any, where: str) -> None:
    if wanted is None:
        assert result.problem is None, f"{where}: unexpected {result.problem}"
        return
    assert result.problem is not None, f"{where}: expected {wanted}"
    spec = wanted if isinstance(wanted, dict) else {"code": wanted}
    got = result.problem.model_dump(mode="json")
    for key, value in spec.items():
        assert got[key] == value, f"{where}: problem {key} is {got[key]!r}, not {value!r}"


def _plain(value: Any) -> Any:
    return value.model_dump(exclude_none=True) if isinstance(value, NextStepValue) else value


def _key(record: AnswerRecord) -> str:
    name = record.step_id if record.item is None else f"{record.step_id}[{record.item}]"
    return f"{name}#{record.seq}" if record.seq else name


def check_outcome(fmt: Format, result: Result, wanted: dict[str, Any], lang: str) -> None:
    assert result.completed, "the run did not complete"
    outcome = result.outcome
    assert outcome is not None
    assert {_key(a): _plain(a.value) for a in outcome.answers} == wanted["answers"]
    if "visibility" in wanted:
        got = {
            _key(a): a.visibility.value for a in outcome.answers if _key(a) in wanted["visibility"]
        }
        assert got == wanted["visibility"]
    steps = [
        s.model_dump(mode="json", exclude={"step_id", "item", "actor"}) for s in outcome.next_steps
    ]
    assert steps == wanted.get("next_steps", [])
    assert outcome.scores == pytest.approx(wanted.get("scores", {}))
    assert outcome.item_scores == pytest.approx(wanted.get("item_scores", {}))
    summary = render_session_summary(fmt, result.state, lang)  # type: ignore[arg-type]
    for piece in wanted.get("summary_has", []):
        assert piece in summary, f"summary lacks {piece!r}:\n{summary}"
    for piece in wanted.get("summary_lacks", []):
        assert piece not in summary, f"summary shows {piece!r}:\n{summary}"


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
def test_transcript(path: Path, catalog: Catalog) -> None:
    script = yaml.safe_load(path.read_text(encoding="utf-8"))
    fmt = catalog.get(script["format"])
    assert fmt is not None
    for piece in script.get("description_has", []):
        description = fmt.description.get(script["lang"])
        assert piece in description, f"description lacks {piece!r}: {description!r}"
    start = script.get("start", {})
    ctx = StartContext(
        lang=script["lang"],
        params=start.get("params", {}),
        ctx=start.get("ctx", {}),
        actor=start.get("actor"),
        actor_role=start.get("role"),
    )
    result = engine.start(fmt, ctx)
    check_problem(result, None, "start")
    used: set[str] = set()
    for number, entry in enumerate(script["steps"], start=1):
        where = f"{path.name} step {number}"
        if any(k in entry for k in ACTIONS):
            used.add(next(k for k in ACTIONS if k in entry))
            before = result.state
            result = act(fmt, result.state, entry)
            check_problem(result, entry.get("problem"), where)
            if "problem" in entry:
                assert result.state == before, f"{where}: a refused input changed the state"
        assert check_state(fmt, result.state) == [], where
        if "expect" in entry:
            check_prompt(result, entry["expect"], where)
        if "completed" in entry:
            assert result.completed == entry["completed"], where
        if "recorded" in entry:
            assert [_key(r) for r in result.recorded] == entry["recorded"], where
        if "cleared" in entry:
            assert [
                f"{k.step_id}" if k.item is None else f"{k.step_id}[{k.item}]"
                for k in result.cleared
            ] == entry["cleared"], where
    check_outcome(fmt, result, script["outcome"], script["lang"])
    # Every transcript exercises the awkward paths, not only the happy one.
    assert {"back", "skip"} <= used, f"{path.name} never goes back or skips"
