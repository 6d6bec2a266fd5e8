"""What format texts can refer to: parameters, earlier answers, the current list item."""

from __future__ import annotations

from typing import Any

from dialogues.schema import ChoiceStep, Format, ListItem, MultiChoiceStep, Step
from dialogues.state import AnswerRecord, AnswerValue, NextStepValue, SessionState
from dialogues.text import Lang

# Steps whose answers templates can quote by id.
QUOTABLE = frozenset({"text", "choice", "multi_choice", "scale", "date", "next_step"})


def option_label(step: Step, value: str, lang: Lang) -> str:
    """The label of a choice option, or the raw value when the step has no such option."""
    if isinstance(step, ChoiceStep | MultiChoiceStep):
        for option in step.options:
            if option.value == value:
                return option.label.get(lang)
    return value


def display_value(step: Step, value: AnswerValue, lang: Lang) -> str:
    """An answer as a person would read it back."""
    if isinstance(value, NextStepValue):
        return value.what
    if isinstance(value, list):
        return ", ".join(option_label(step, v, lang) for v in value)
    if isinstance(value, int):
        return str(value)
    return option_label(step, value, lang)


def item_context(item: ListItem | None, lang: Lang) -> dict[str, str] | None:
    """A list item as templates see it: id, label, text and context in `lang`."""
    if item is None:
        return None
    return {
        "id": item.id,
        "label": item.label.get(lang),
        "text": item.text.get(lang) if item.text else "",
        "context": item.context.get(lang) if item.context else "",
    }


def single_answers(state: SessionState) -> dict[str, AnswerRecord]:
    """The answers of non-repeated steps, by step id (contributions excluded)."""
    return {a.step_id: a for a in state.answers if a.item is None and a.seq == 0}


def template_context(
    fmt: Format, state: SessionState, item: ListItem | None = None
) -> dict[str, Any]:
    """The names a format text may use. Every quotable step id is present, answered or not,
    so a strict template only fails on a real typo (which the loader catches)."""
    lang = state.lang
    given = single_answers(state)
    answers: dict[str, str] = {}
    values: dict[str, Any] = {}
    for step in fmt.steps:
        if step.kind not in QUOTABLE or step.repeat is not None:
            continue
        record = given.get(step.id)
        answers[step.id] = display_value(step, record.value, lang) if record else ""
        values[step.id] = (
            record.value.model_dump()
            if record and isinstance(record.value, NextStepValue)
            else (record.value if record else "")
        )
    param_labels: dict[str, str] = {}
    for param in fmt.parameters:
        chosen = state.params.get(param.id)
        label = next((o.label.get(lang) for o in param.options if o.value == chosen), "")
        param_labels[param.id] = label
    return {
        "lang": lang,
        "params": {p.id: state.params.get(p.id, "") for p in fmt.parameters},
        "param_labels": param_labels,
        "ctx": dict(state.ctx),
        "answers": answers,
        "values": values,
        "item": item_context(item, lang),
    }
