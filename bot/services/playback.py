"""Answers as their author reads them back: the question they answered and their words.

Used for the playback that ends every reflection, and for /mine and the own page. Pure:
it reads a format and stored values, nothing else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from bot.i18n import t
from bot.scheduling import format_date
from dialogues.schema import ChoiceStep, Format, MultiChoiceStep, ScaleStep
from dialogues.state import SessionState
from dialogues.text import Lang
from dialogues.visibility import Visibility

# Kinds of step whose answers are the person's own (info and phases hold none).
_ANSWERED = frozenset({"text", "choice", "multi_choice", "scale", "date", "next_step"})


@dataclass(frozen=True)
class Played:
    """One answer read back: what was asked, what was answered, who can see it."""

    question: str
    text: str
    visibility: Visibility


def step_of(fmt: Format | None, step_id: str) -> Any:
    if fmt is None or not fmt.has_step(step_id):
        return None
    return fmt.step(step_id)


def question(fmt: Format | None, step_id: str, item: str | None, lang: Lang) -> str:
    """The step's title (or the list item it was about), else the first line of its text."""
    step = step_of(fmt, step_id)
    if fmt is None or step is None:
        return step_id
    if item and step.repeat:
        items = fmt.item_list(step.repeat)
        for listed in items.items if items else []:
            if listed.id == item:
                return listed.label.get(lang)
    for source in (step.title, step.text):
        first = source.get(lang).split("\n", 1)[0].strip() if source is not None else ""
        if first and "{" not in first:
            return first
    return fmt.title.get(lang)


def words(fmt: Format | None, step_id: str, value: Any, lang: Lang) -> str:
    """A stored answer (its JSON value) as words in the person's language."""
    step = step_of(fmt, step_id)
    if isinstance(step, ChoiceStep | MultiChoiceStep):
        labels = {o.value: o.label.get(lang) for o in step.options}
        chosen = value if isinstance(value, list) else [value]
        return ", ".join(labels.get(str(v), str(v)) for v in chosen)
    if isinstance(step, ScaleStep) and isinstance(value, int):
        return t(lang, "mine.scale_value", value=value, points=step.points)
    if isinstance(value, dict):
        lines = [str(value.get("what", ""))]
        if value.get("due"):
            lines.append(t(lang, "mine.due", due=day(str(value["due"]), lang)))
        if value.get("reach"):
            lines.append(t(lang, "mine.reach", reach=str(value["reach"])))
        return "\n".join(lines)
    if step is not None and step.kind == "date" and isinstance(value, str):
        return day(value, lang)
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def day(value: str, lang: str) -> str:
    try:
        return format_date(date.fromisoformat(value), lang, weekday=False)
    except ValueError:
        return value


def played(fmt: Format, state: SessionState, lang: Lang) -> list[Played]:
    """Everything a finished reflection holds, in the order it was asked."""
    order = {step.id: index for index, step in enumerate(fmt.steps)}
    records = [
        r
        for r in state.answers
        if r.kind in _ANSWERED and r.step_id in order and r.value not in (None, "", [])
    ]
    records.sort(key=lambda r: (order[r.step_id], r.seq))
    shown: list[Played] = []
    for record in records:
        value = record.value
        plain = value if isinstance(value, str | int | list) else value.model_dump(mode="json")
        shown.append(
            Played(
                question=question(fmt, record.step_id, record.item, lang),
                text=words(fmt, record.step_id, plain, lang),
                visibility=record.visibility,
            )
        )
    return shown
