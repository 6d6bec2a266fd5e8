"""Turning a position of a run into a channel-neutral prompt."""

from __future__ import annotations

from typing import Any

from jinja2 import TemplateError
from markupsafe import escape

from dialogues.context import template_context
from dialogues.flow import find_answer, progress, step_parts
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
from dialogues.state import Cursor, Expects, Progress, Prompt, RoleRef, Scale, SessionState
from dialogues.templating import render_text
from dialogues.text import Lang, LocalizedText
from dialogues.visibility import describe_visibility

DEFAULT_DUE_TEXT = LocalizedText(
    da="Hvornår vil du gerne have gjort det? Skriv en dato, eller spring over.",
    en="When would you like to have done it? Give a date, or skip.",
)
DEFAULT_REACH_TEXT = LocalizedText(
    da="Hvordan når det dine kolleger på skolen? Hvem fortæller du det til, og hvornår?",
    en="How will it reach your colleagues back at school? Whom will you tell, and when?",
)


def render(source: LocalizedText | None, lang: Lang, context: dict[str, Any]) -> str | None:
    """Render a format text; a template fault falls back to the plain (escaped) source.

    The loader renders every text before a format is accepted, so the fallback only
    guards the promise that the engine never raises mid-conversation.
    """
    if source is None:
        return None
    text = source.get(lang)
    try:
        return render_text(text, context)
    except TemplateError:
        return str(escape(text))


def _roles(fmt: Format, ids: list[str], lang: Lang) -> list[RoleRef]:
    refs = []
    for role_id in ids:
        role = fmt.role(role_id)
        refs.append(RoleRef(id=role_id, label=role.title.get(lang) if role else role_id))
    return refs


def _expects(step: Step, part: str | None) -> Expects:
    if isinstance(step, NextStepStep):
        return "date" if part == "due" else "text"
    if isinstance(step, PhaseStep):
        return "text" if step.contributors else "none"
    if isinstance(step, TextStep):
        return "text"
    if isinstance(step, ChoiceStep | MultiChoiceStep | ScaleStep | DateStep):
        return step.kind
    return "none"


def expects_now(fmt: Format, state: SessionState) -> Expects:
    """What the current position takes, without rendering its texts."""
    cursor = state.cursor
    if state.status != "active" or cursor is None:
        return "none"
    if cursor.kind == "param":
        return "choice"
    return _expects(fmt.step(cursor.id), cursor.part)


def _can_skip(step: Step, part: str | None) -> bool:
    if isinstance(step, PhaseStep):
        return True
    if isinstance(step, NextStepStep) and part == "due":
        return True
    if isinstance(step, NextStepStep) and part == "reach":
        return not step.reach_required
    return step.optional and step.kind != "info"


def _param_prompt(fmt: Format, state: SessionState, cursor: Cursor) -> Prompt:
    param = fmt.parameter(cursor.id)
    if param is None:  # guarded by check_state; kept total for safety
        raise KeyError(cursor.id)
    lang = state.lang
    n, m = progress(fmt, state, cursor)
    return Prompt(
        step_id=None,
        param_id=param.id,
        kind="param",
        expects="choice",
        text=str(escape(param.question.get(lang))),
        options=[(o.value, o.label.get(lang)) for o in param.options],
        can_back=bool(state.history),
        can_skip=param.default is not None,
        progress=Progress(n=n, m=m),
        current_value=state.params.get(param.id),
    )


def _step_text(step: Step, cursor: Cursor, lang: Lang, context: dict[str, Any]) -> str:
    if isinstance(step, NextStepStep) and cursor.part == "due":
        return render(step.due_text or DEFAULT_DUE_TEXT, lang, context) or ""
    if isinstance(step, NextStepStep) and cursor.part == "reach":
        return render(step.reach_text or DEFAULT_REACH_TEXT, lang, context) or ""
    return render(step.text, lang, context) or ""


def build_prompt(fmt: Format, state: SessionState, cursor: Cursor) -> Prompt:
    """What to show for `cursor`, in the run's language."""
    if cursor.kind == "param":
        return _param_prompt(fmt, state, cursor)
    lang = state.lang
    step = fmt.step(cursor.id)
    item = None
    if step.repeat is not None and cursor.item is not None:
        items = fmt.item_list(step.repeat)
        item = next((i for i in items.items if i.id == cursor.item), None) if items else None
    context = template_context(fmt, state, item)
    record = find_answer(state.answers, cursor.id, cursor.item)
    n, m = progress(fmt, state, cursor)
    fields: dict[str, Any] = {
        "step_id": step.id,
        "item": cursor.item,
        "item_label": item.label.get(lang) if item else None,
        "part": cursor.part,
        "kind": step.kind,
        "expects": _expects(step, cursor.part),
        "title": render(step.title, lang, context),
        "text": _step_text(step, cursor, lang, context),
        # The context (role attributes, background) belongs with the first part only.
        "context": render(step.context, lang, context)
        if cursor.part in (None, step_parts(step)[0])
        else None,
        "optional": step.optional,
        "can_back": bool(state.history),
        "can_skip": _can_skip(step, cursor.part),
        "about_pupils": step.about_pupils,
        "answered_by": _roles(fmt, step.answered_by, lang),
        "progress": Progress(n=n, m=m),
        "current_value": record.value if record else None,
    }
    silent_phase = isinstance(step, PhaseStep) and not step.contributors
    if isinstance(step, AnsweredStep) and not silent_phase:
        level = record.visibility if record else step.visibility.default
        fields["visibility"] = level
        fields["visibility_choices"] = step.visibility.allowed()
        fields["visibility_note"] = describe_visibility(level, lang)
    if isinstance(step, ChoiceStep | MultiChoiceStep):
        fields["options"] = [(o.value, o.label.get(lang)) for o in step.options]
    if isinstance(step, MultiChoiceStep):
        fields["min_choices"] = step.min_choices
        fields["max_choices"] = step.max_choices or len(step.options)
    if isinstance(step, ScaleStep):
        fields["scale"] = Scale(
            points=step.points, low=step.low.get(lang), high=step.high.get(lang)
        )
    if isinstance(step, TextStep):
        fields["min_length"], fields["max_length"] = step.min_length, step.max_length
    if isinstance(step, NextStepStep) and cursor.part != "due":
        fields["max_length"] = step.max_length
    if isinstance(step, PhaseStep):
        fields["max_length"] = step.max_length if step.contributors else None
        fields["timebox_minutes"] = step.timebox_minutes + state.extra_minutes.get(
            cursor.slot_key(), 0
        )
        fields["speaking"] = _roles(fmt, step.speaking, lang)
        fields["listening"] = _roles(fmt, step.listening, lang)
        fields["contributors"] = _roles(fmt, step.contributors, lang)
        fields["contributions"] = sum(
            1 for a in state.answers if a.step_id == step.id and a.item == cursor.item and a.seq
        )
        fields["current_value"] = None
    return Prompt.model_validate(fields)
