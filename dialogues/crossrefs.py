"""Checks across a format that a per-field schema cannot make: ids that refer to others.

Each finding is a (location, message) pair; the location is a path into the format file in
pydantic's `loc` style, so the loader can turn it into a line number.
"""

from __future__ import annotations

from collections.abc import Iterable

from dialogues.schema import (
    AnsweredStep,
    ChoiceStep,
    Condition,
    Format,
    MultiChoiceStep,
    NextStepStep,
    PhaseStep,
    ScaleStep,
    Step,
)
from dialogues.visibility import Visibility

Loc = tuple[str | int, ...]
Finding = tuple[Loc, str]


def _duplicates(ids: Iterable[str], where: Loc, what: str, field: str = "id") -> list[Finding]:
    seen: set[str] = set()
    found: list[Finding] = []
    for i, ident in enumerate(ids):
        if ident in seen:
            found.append(((*where, i, field), f"{what} id '{ident}' is used twice"))
        seen.add(ident)
    return found


def _options_of(fmt: Format, cond: Condition, earlier: dict[str, Step]) -> list[str] | None:
    if cond.param is not None:
        param = fmt.parameter(cond.param)
        return [o.value for o in param.options] if param else None
    step = earlier.get(cond.step or "")
    if isinstance(step, ChoiceStep | MultiChoiceStep):
        return [o.value for o in step.options]
    return None


def _check_subject(
    fmt: Format, cond: Condition, earlier: dict[str, Step], at: Loc
) -> list[Finding]:
    """Does the condition name a parameter, or an earlier, non-repeated step?"""
    if cond.param is not None:
        if fmt.parameter(cond.param) is None:
            return [((*at, "param"), f"there is no parameter '{cond.param}'")]
        return []
    name = cond.step or ""
    if name not in earlier:
        why = "a later step" if fmt.has_step(name) else "no step"
        return [((*at, "step"), f"'{name}' is {why}; a condition can only look back")]
    if earlier[name].repeat is not None:
        return [((*at, "step"), f"step '{name}' repeats over a list; it has no single answer")]
    return []


def _check_condition(
    fmt: Format, cond: Condition, earlier: dict[str, Step], at: Loc
) -> list[Finding]:
    subject = _check_subject(fmt, cond, earlier, at)
    if subject or cond.answered is not None:
        return subject
    target = earlier.get(cond.step or "")
    if cond.includes is not None and not isinstance(target, MultiChoiceStep):
        return [((*at, "includes"), "'includes' only works on a multi_choice step")]
    options = _options_of(fmt, cond, earlier)
    if options is None:
        return [((*at, "step"), f"step '{cond.step}' has no options to compare with")]
    named = [cond.equals, cond.includes, *(cond.one_of or [])]
    found: list[Finding] = []
    for value in (v for v in named if v is not None):
        if value not in options:
            found.append((at, f"'{value}' is not one of the options: {', '.join(options)}"))
    return found


def _check_roles(fmt: Format, step: Step, at: Loc) -> list[Finding]:
    known = {r.id for r in fmt.roles}
    fields: dict[str, list[str]] = {"answered_by": step.answered_by}
    if isinstance(step, PhaseStep):
        fields |= {
            "speaking": step.speaking,
            "listening": step.listening,
            "contributors": step.contributors,
        }
    found: list[Finding] = []
    for field, ids in fields.items():
        for j, role in enumerate(ids):
            if role not in known:
                found.append(((*at, field, j), f"there is no role '{role}'"))
    return found


def _allowed(step: Step) -> list[Visibility]:
    return step.visibility.allowed() if isinstance(step, AnsweredStep) else []


def _check_step(fmt: Format, step: Step, earlier: dict[str, Step], at: Loc) -> list[Finding]:
    found: list[Finding] = []
    if step.when is not None:
        found += _check_condition(fmt, step.when, earlier, (*at, "when"))
    if step.repeat is not None and fmt.item_list(step.repeat) is None:
        found.append(((*at, "repeat"), f"there is no list '{step.repeat}'"))
    found += _check_roles(fmt, step, at)
    if isinstance(step, ChoiceStep | MultiChoiceStep):
        found += _duplicates((o.value for o in step.options), (*at, "options"), "option", "value")
    if isinstance(step, ScaleStep) and step.visibility.allowed() != [Visibility.aggregate]:
        found.append(
            ((*at, "visibility"), "scale answers are shown only as anonymous totals: use aggregate")
        )
    text_answer = isinstance(step, AnsweredStep) and not isinstance(step, ScaleStep)
    if text_answer and Visibility.aggregate in _allowed(step):
        found.append(((*at, "visibility"), "only scale answers can be counted in aggregate"))
    if isinstance(step, PhaseStep) and fmt.audience != "group":
        found.append(((*at, "kind"), "a phase belongs to a group format (audience: group)"))
    if isinstance(step, NextStepStep) and step.reach_required and not step.ask_reach:
        found.append(((*at, "reach_required"), "reach_required needs ask_reach"))
    return found


def _check_scoring(fmt: Format) -> list[Finding]:
    found: list[Finding] = _duplicates((s.id for s in fmt.scoring), ("scoring",), "index")
    for i, index in enumerate(fmt.scoring):
        for j, name in enumerate(index.items):
            step = fmt.step(name) if fmt.has_step(name) else None
            if not isinstance(step, ScaleStep):
                found.append((("scoring", i, "items", j), f"'{name}' is not a scale step"))
            elif step.repeat is not None:
                found.append((("scoring", i, "items", j), f"'{name}' repeats; it cannot be scored"))
        if index.min_answered is not None and index.min_answered > len(index.items):
            found.append((("scoring", i, "min_answered"), "min_answered exceeds the items"))
    return found


def check_references(fmt: Format) -> list[Finding]:
    """Everything in `fmt` that refers to something missing, doubled or out of order."""
    found = _duplicates((s.id for s in fmt.steps), ("steps",), "step")
    found += _duplicates((p.id for p in fmt.parameters), ("parameters",), "parameter")
    found += _duplicates((lst.id for lst in fmt.lists), ("lists",), "list")
    found += _duplicates((r.id for r in fmt.roles), ("roles",), "role")
    for i, lst in enumerate(fmt.lists):
        found += _duplicates((it.id for it in lst.items), ("lists", i, "items"), "item")
    for i, param in enumerate(fmt.parameters):
        found += _duplicates(
            (o.value for o in param.options), ("parameters", i, "options"), "option", "value"
        )
        if param.default is not None and param.default not in {o.value for o in param.options}:
            found.append((("parameters", i, "default"), "the default is not one of the options"))
    scale_items = [(i, s.item) for i, s in enumerate(fmt.steps) if isinstance(s, ScaleStep)]
    seen: set[str] = set()
    for i, item in scale_items:
        if item in seen:
            found.append((("steps", i, "item"), f"scale item id '{item}' is used twice"))
        seen.add(item)
    earlier: dict[str, Step] = {}
    for i, step in enumerate(fmt.steps):
        found += _check_step(fmt, step, earlier, ("steps", i))
        earlier.setdefault(step.id, step)
    return found + _check_scoring(fmt)
