"""A Mermaid flowchart of a format: its steps in order, with branches drawn as labelled edges."""

from __future__ import annotations

import re

from dialogues.schema import Condition, Format, PhaseStep, Step
from dialogues.text import Lang, pick

_JINJA_BLOCK = re.compile(r"\{%.*?%\}", re.DOTALL)
_JINJA_VALUE = re.compile(r"\{\{.*?\}\}", re.DOTALL)

# Opening and closing brackets of each node shape, by step kind.
_SHAPES: dict[str, tuple[str, str]] = {
    "info": ("[", "]"),
    "phase": ("[[", "]]"),
    "next_step": ("{{", "}}"),
    "scale": ("[/", "/]"),
}


def _label_text(step: Step, lang: Lang, limit: int = 48) -> str:
    source = (step.title or step.text).get(lang)
    # Templated texts are shown without their template logic; values become an ellipsis.
    text = _JINJA_VALUE.sub("…", _JINJA_BLOCK.sub("", source))
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 1].rstrip() + "…"
    return text or step.id


def _quote(text: str) -> str:
    return '"' + text.replace('"', "#quot;") + '"'


def _node(fmt: Format, step: Step, lang: Lang) -> str:
    label = _label_text(step, lang)
    notes = []
    if step.repeat is not None:
        items = fmt.item_list(step.repeat)
        notes.append(f"× {len(items.items) if items else 0}")
    if isinstance(step, PhaseStep):
        notes.append(f"{step.timebox_minutes} min")
    if step.optional:
        notes.append(pick(lang, "valgfri", "optional"))
    if notes:
        label += f" ({', '.join(notes)})"
    left, right = _SHAPES.get(step.kind, ("(", ")"))
    return f"    s_{step.id}{left}{_quote(label)}{right}"


def describe_condition(cond: Condition, lang: Lang) -> str:
    """A short edge label for a `when`."""
    subject = cond.param if cond.param is not None else cond.step
    if cond.answered is not None:
        answered = pick(lang, "besvaret", "answered")
        return (
            f"{subject} {answered}"
            if cond.answered
            else f"{subject} {pick(lang, 'ikke', 'not')} {answered}"
        )
    if cond.includes is not None:
        return f"{subject} ∋ {cond.includes}"
    if cond.equals is not None:
        return f"{subject} = {cond.equals}"
    return f"{subject} ∈ {{{', '.join(cond.one_of or [])}}}"


def _edge(source: str, target: str, label: str | None) -> str:
    if label:
        return f"    {source} -->|{_quote(label)}| {target}"
    return f"    {source} --> {target}"


def to_mermaid(fmt: Format, lang: Lang = "da") -> str:
    """A `flowchart TD` for `fmt`; conditional steps get a labelled way in and a way around."""
    lines = ["flowchart TD", f"    start([{_quote(fmt.title.get(lang))}])"]
    frontier: list[tuple[str, str | None]] = [("start", None)]
    if fmt.parameters:
        names = ", ".join(p.id for p in fmt.parameters)
        lines.append(
            f"    params{{{{{_quote(pick(lang, 'Indstillinger', 'Settings') + ': ' + names)}}}}}"
        )
        lines.append(_edge("start", "params", None))
        frontier = [("params", None)]
    for step in fmt.steps:
        lines.append(_node(fmt, step, lang))
        target = f"s_{step.id}"
        if step.when is None:
            lines.extend(_edge(src, target, label) for src, label in frontier)
            frontier = [(target, None)]
            continue
        condition = describe_condition(step.when, lang)
        lines.extend(_edge(src, target, condition) for src, _ in frontier)
        otherwise = pick(lang, "ellers", "otherwise")
        frontier = [(target, None), *((src, otherwise) for src, _ in frontier)]
    lines.append(f"    finish([{_quote(pick(lang, 'Slut', 'End'))}])")
    lines.extend(_edge(src, "finish", label) for src, label in frontier)
    return "\n".join(_dedupe(lines)) + "\n"


def _dedupe(lines: list[str]) -> list[str]:
    """Several skipped branches can offer the same way around; draw it once."""
    seen: set[str] = set()
    kept = []
    for line in lines:
        if line not in seen:
            kept.append(line)
            seen.add(line)
    return kept
