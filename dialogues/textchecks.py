"""Checks on the texts of a format that are Jinja templates: they compile, render, stay HTML.

Step texts and the summary are rendered with autoescaping, so quoted answers are safe.
Their literal words are not escaped, so they must not contain raw `<`, `>` or `&`; that
keeps every prompt valid Telegram HTML without a second escaping pass in the channel.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from jinja2 import TemplateError, TemplateSyntaxError

from dialogues.context import QUOTABLE, template_context
from dialogues.crossrefs import Finding, Loc
from dialogues.flow import step_items
from dialogues.schema import (
    AnsweredStep,
    ChoiceStep,
    Format,
    ListItem,
    MultiChoiceStep,
    NextStepStep,
    PhaseStep,
    ScaleStep,
    Step,
)
from dialogues.state import AnswerRecord, AnswerValue, NextStepValue, SessionState
from dialogues.templating import compile_text, environment, summary_context
from dialogues.text import LANGS, Lang, LocalizedText


def _sample_value(step: Step) -> AnswerValue:
    if isinstance(step, ChoiceStep):
        return step.options[0].value
    if isinstance(step, MultiChoiceStep):
        return [step.options[0].value]
    if isinstance(step, ScaleStep):
        return 1
    if isinstance(step, NextStepStep):
        return NextStepValue(what="sample", due="2030-01-01", reach="sample")
    return "sample"


def sample_states(fmt: Format, lang: Lang) -> list[SessionState]:
    """States to render texts against: every parameter value, with and without answers."""
    answers = [
        AnswerRecord(
            step_id=s.id,
            item=item,
            kind=s.kind,
            value=_sample_value(s),
            visibility=s.visibility.default,
        )
        for s in fmt.steps
        if isinstance(s, AnsweredStep) and s.kind in QUOTABLE
        for item in step_items(fmt, s)
    ]
    answers += [
        AnswerRecord(
            step_id=s.id, seq=1, kind=s.kind, value="sample", visibility=s.visibility.default
        )
        for s in fmt.steps
        if isinstance(s, PhaseStep) and s.contributors
    ]
    base = {p.id: p.options[0].value for p in fmt.parameters}
    param_sets = [base] + [{**base, p.id: o.value} for p in fmt.parameters for o in p.options[1:]]
    return [
        SessionState(
            format_id=fmt.id,
            format_version=fmt.version,
            format_fingerprint="",
            lang=lang,
            params=params,
            answers=given,
        )
        for params in param_sets
        for given in ([], answers)
    ]


# Bold and italics are the only markup a format text may carry.
_ALLOWED_TAGS = re.compile(r"</?[bi]>")


def _literal_problem(source: str) -> str | None:
    for _, kind, value in environment().lex(source):
        if kind == "data" and any(ch in _ALLOWED_TAGS.sub("", value) for ch in "<>&"):
            return "write words instead of <, > or & (texts are sent as HTML; <b> and <i> are fine)"
    return None


def check_template(
    text: LocalizedText, at: Loc, contexts: dict[Lang, list[dict[str, Any]]]
) -> list[Finding]:
    """Compile and render both languages of `text` in every sample context."""
    found: list[Finding] = []
    for lang in LANGS:
        source = text.get(lang)
        where = (*at, lang)
        literal = _literal_problem(source)
        if "{" not in source:
            # Nothing for Jinja to read (every tag, expression and comment starts with
            # "{"): it renders as written, as `render_text` also knows. Most texts are so.
            if literal:
                found.append((where, literal))
            continue
        try:
            template = compile_text(source)
        except TemplateSyntaxError as exc:
            found.append((where, f"template error on line {exc.lineno} of the text: {exc.message}"))
            continue
        if literal:
            found.append((where, literal))
        for context in contexts[lang]:
            try:
                template.render(context)
            except TemplateError as exc:
                found.append((where, f"the text cannot be rendered: {exc}"))
                break
    return found


def _step_texts(step: Step) -> dict[str, LocalizedText]:
    texts = {"title": step.title, "text": step.text, "context": step.context}
    if isinstance(step, NextStepStep):
        texts |= {"due_text": step.due_text, "reach_text": step.reach_text}
    return {name: value for name, value in texts.items() if value is not None}


def _first_item(fmt: Format, step: Step) -> ListItem | None:
    items = fmt.item_list(step.repeat) if step.repeat else None
    return items.items[0] if items else None


def _plain_texts(fmt: Format) -> Iterator[tuple[Loc, LocalizedText | None]]:
    """Texts shown as they are (buttons, labels, headings), not rendered as templates."""
    yield ("title",), fmt.title
    yield ("description",), fmt.description
    for i, role in enumerate(fmt.roles):
        yield ("roles", i, "title"), role.title
        yield ("roles", i, "description"), role.description
    for i, param in enumerate(fmt.parameters):
        yield ("parameters", i, "question"), param.question
        for j, option in enumerate(param.options):
            yield ("parameters", i, "options", j, "label"), option.label
    for i, lst in enumerate(fmt.lists):
        for j, item in enumerate(lst.items):
            for name in ("label", "text", "context"):
                yield ("lists", i, "items", j, name), getattr(item, name)
    for i, step in enumerate(fmt.steps):
        for j, option in enumerate(getattr(step, "options", [])):
            yield ("steps", i, "options", j, "label"), option.label
        if isinstance(step, ScaleStep):
            yield ("steps", i, "low"), step.low
            yield ("steps", i, "high"), step.high


def check_plain_texts(fmt: Format) -> list[Finding]:
    """Labels go to buttons as plain text and into messages as HTML; keep them fit for both."""
    found: list[Finding] = []
    for at, text in _plain_texts(fmt):
        for lang in LANGS:
            value = text.get(lang) if text is not None else ""
            if any(ch in value for ch in "<>&"):
                found.append(((*at, lang), "write words instead of <, > or & in labels"))
            elif "{{" in value or "{%" in value:
                found.append(((*at, lang), "labels are shown as they are; no templates here"))
    return found


def check_texts(fmt: Format) -> list[Finding]:
    """Every templated text of `fmt`, rendered against sample states, and every label."""
    states = {lang: sample_states(fmt, lang) for lang in LANGS}
    found: list[Finding] = check_plain_texts(fmt)
    for i, step in enumerate(fmt.steps):
        item = _first_item(fmt, step)
        contexts = {lang: [template_context(fmt, s, item) for s in states[lang]] for lang in LANGS}
        for name, text in _step_texts(step).items():
            found += check_template(text, ("steps", i, name), contexts)
    if fmt.summary is not None:
        contexts = {lang: [summary_context(fmt, s) for s in states[lang]] for lang in LANGS}
        found += check_template(fmt.summary, ("summary",), contexts)
    return found
