"""Scores from scale answers, and the outcome of a completed run."""

from __future__ import annotations

from dialogues.schema import Format, ScaleStep
from dialogues.state import AnswerRecord, NextStep, NextStepValue, Outcome, SessionState


def item_score(step: ScaleStep, point: int) -> float:
    """A scale point as a score: reverse-scored items are turned around (points + 1 - x)."""
    return float(step.points + 1 - point if step.reverse else point)


def item_scores(fmt: Format, answers: list[AnswerRecord]) -> dict[str, float]:
    """Scores by the scale's stable item id (only answered, non-repeated items)."""
    scores: dict[str, float] = {}
    for record in answers:
        if record.item is not None or not isinstance(record.value, int):
            continue
        if not fmt.has_step(record.step_id):
            continue
        step = fmt.step(record.step_id)
        if isinstance(step, ScaleStep):
            scores[step.item] = item_score(step, record.value)
    return scores


def index_scores(fmt: Format, answers: list[AnswerRecord]) -> dict[str, float]:
    """Each index as the mean of its answered items; left out when too few are answered."""
    by_step: dict[str, float] = {}
    for record in answers:
        if record.item is None and isinstance(record.value, int) and fmt.has_step(record.step_id):
            step = fmt.step(record.step_id)
            if isinstance(step, ScaleStep):
                by_step[step.id] = item_score(step, record.value)
    scores: dict[str, float] = {}
    for index in fmt.scoring:
        values = [by_step[s] for s in index.items if s in by_step]
        needed = index.min_answered if index.min_answered is not None else len(index.items)
        if values and len(values) >= needed:
            scores[index.id] = sum(values) / len(values)
    return scores


def next_steps(answers: list[AnswerRecord]) -> list[NextStep]:
    """Next-step answers in the shape the loop between meetings uses."""
    return [
        NextStep(
            step_id=a.step_id,
            item=a.item,
            what=a.value.what,
            due=a.value.due,
            reach=a.value.reach,
            visibility=a.visibility,
            actor=a.actor,
        )
        for a in answers
        if isinstance(a.value, NextStepValue)
    ]


def build_outcome(fmt: Format, state: SessionState) -> Outcome:
    """Everything a run produced, in the format's step order."""
    order = {step.id: i for i, step in enumerate(fmt.steps)}
    answers = sorted(state.answers, key=lambda a: (order.get(a.step_id, len(order)), a.seq))
    return Outcome(
        format_id=state.format_id,
        format_version=state.format_version,
        lang=state.lang,
        params=dict(state.params),
        answers=answers,
        next_steps=next_steps(answers),
        scores=index_scores(fmt, answers),
        item_scores=item_scores(fmt, answers),
    )
