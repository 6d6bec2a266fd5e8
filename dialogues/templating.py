"""The project's one Jinja2 environment: strict, HTML-escaping, templates in package data."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection
from functools import lru_cache
from pathlib import Path
from typing import Any

from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, Template
from markupsafe import Markup

from dialogues.context import display_value, template_context
from dialogues.schema import Format
from dialogues.scoring import next_steps
from dialogues.state import Outcome, SessionState
from dialogues.text import Lang, pick
from dialogues.visibility import Visibility

TEMPLATE_DIR = Path(__file__).parent / "templates"
_BLANK_RUNS = re.compile(r"\n{3,}")


@lru_cache(maxsize=1)
def environment() -> Environment:
    """The shared environment. Built on first use so importing stays side-effect free.

    `autoescape=True` rather than `select_autoescape()`: we send Telegram HTML and the
    latter would leave `.j2` files unescaped.
    """
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIR),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters["long_date"] = _long_date
    return env


@lru_cache(maxsize=2048)
def compile_text(source: str) -> Template:
    """Compile a text from a format file once; formats are immutable, so caching is safe."""
    return environment().from_string(source)


def render_text(source: str, context: dict[str, Any]) -> str:
    """Render a format text (a prompt, a summary) with `context`; values are escaped."""
    if "{" not in source and "\r" not in source:
        # No tag, expression or comment can start without "{", and Jinja gives literal
        # text back as it is: most prompts are plain, and this runs for every reply.
        return source.strip()
    return compile_text(source).render(context).strip()


def _long_date(iso: str, lang: Lang) -> str:
    """14. marts 2025 / 14 March 2025; anything that is not an ISO date stays as it is."""
    try:
        day = dt.date.fromisoformat(iso)
    except ValueError:
        return iso
    return format_date(day, format="long", locale="da_DK" if lang == "da" else "en_GB")


_LABELS: dict[str, tuple[str, str]] = {
    "next_steps": ("Næste skridt", "Next steps"),
    "by": ("senest", "by"),
    "reach": ("Sådan når det kollegerne på skolen", "How it reaches colleagues back at school"),
    "aggregate_note": (
        "Dine svar på skalaen indgår kun i et anonymt samlet billede for teamet.",
        "Your answers on the scale only count in an anonymous total for the team.",
    ),
    "not_finished": ("Ikke afsluttet endnu.", "Not finished yet."),
}


def _labels(lang: Lang) -> dict[str, str]:
    return {key: pick(lang, da, en) for key, (da, en) in _LABELS.items()}


def _heading(fmt: Format, step_id: str, lang: Lang) -> str:
    step = fmt.step(step_id)
    source = step.title or step.text
    text = source.get(lang)
    # Templated texts make poor headings; their first line, un-templated, is enough.
    first = text.split("\n", 1)[0]
    return first if "{" not in first else step.id


def summary_context(
    fmt: Format,
    source: SessionState | Outcome,
    lang: Lang | None = None,
    levels: Collection[Visibility] | None = None,
) -> dict[str, Any]:
    """The names a summary template may use, limited to answers people may see as text."""
    lang = lang or source.lang
    state = source if isinstance(source, SessionState) else None
    base = SessionState(
        format_id=fmt.id,
        format_version=fmt.version,
        format_fingerprint="",
        lang=lang,
        params=dict(source.params),
        ctx=dict(state.ctx) if state else {},
        answers=[
            a
            for a in source.answers
            if a.visibility != Visibility.aggregate
            and (levels is None or a.visibility in levels)
            and fmt.has_step(a.step_id)
        ],
    )
    context = template_context(fmt, base)
    items: dict[str, list[dict[str, str]]] = {}
    contributions: dict[str, list[str]] = {}
    answer_list: list[dict[str, str]] = []
    for record in base.answers:
        step = fmt.step(record.step_id)
        value = display_value(step, record.value, lang)
        if record.seq:
            contributions.setdefault(step.id, []).append(value)
            continue
        if step.kind == "next_step":
            continue  # next steps have their own section
        label = ""
        if record.item is not None:
            found = fmt.item_list(step.repeat or "")
            match = [i for i in (found.items if found else []) if i.id == record.item]
            label = match[0].label.get(lang) if match else record.item
            items.setdefault(step.id, []).append(
                {"id": record.item, "label": label, "value": value}
            )
        heading = _heading(fmt, step.id, lang) + (f" ({label})" if label else "")
        answer_list.append({"step_id": step.id, "heading": heading, "value": value})
    context |= {
        "title": fmt.title.get(lang),
        "items": items,
        "contributions": contributions,
        "answer_list": answer_list,
        "headings": {step.id: _heading(fmt, step.id, lang) for step in fmt.steps},
        "next_steps": [
            s.model_dump() | {"due_text": _long_date(s.due, lang) if s.due else ""}
            for s in next_steps(base.answers)
        ],
        "has_aggregate": any(a.visibility == Visibility.aggregate for a in source.answers),
        "completed": state is None or state.status == "completed",
        "t": _labels(lang),
    }
    return context


def render_session_summary(
    fmt: Format,
    source: SessionState | Outcome,
    lang: Lang | None = None,
    levels: Collection[Visibility] | None = None,
) -> str:
    """A Telegram-HTML summary of a run (of its answers visible at `levels`, when given)."""
    context = summary_context(fmt, source, lang, levels)
    body = ""
    if fmt.summary is not None:
        body = render_text(fmt.summary.get(context["lang"]), context)
    template = environment().get_template("session_summary.j2")
    text = template.render(context | {"body": Markup(body)})  # noqa: S704 - escaped above
    # Answers left out (skipped, or not visible) leave gaps; one blank line is enough.
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return _BLANK_RUNS.sub("\n\n", "\n".join(lines))
