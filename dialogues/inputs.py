"""Checking raw input against a step: each check returns the clean value or a Problem."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Sequence

from dialogues.guards import clean_text, contains_cpr
from dialogues.problems import Problem, ProblemCode
from dialogues.schema import MultiChoiceStep, Option, VisibilitySpec
from dialogues.visibility import Visibility

RawValue = str | int | list[str] | None

_ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
_NUMBER = re.compile(r"[0-9]{1,6}")
_SIGNED = re.compile(r"[+-]?[0-9]{1,6}")


def _problem(code: ProblemCode, **limits: int | str | list[str] | None) -> Problem:
    return Problem.model_validate({"code": code, **limits})


def as_text(raw: RawValue) -> str | None:
    """The raw value as text; lists have no textual reading and give None."""
    if isinstance(raw, bool) or raw is None or isinstance(raw, list):
        return None
    return str(raw)


def check_text(raw: RawValue, min_length: int, max_length: int) -> str | Problem:
    """Free text, cleaned (the form that is stored): present, within limits, no CPR numbers."""
    typed = as_text(raw) or ""
    text = clean_text(typed).strip()
    if not text:
        return _problem(ProblemCode.required)
    if len(text) > max_length:
        return _problem(ProblemCode.too_long, maximum=max_length, length=len(text))
    if len(text) < min_length:
        return _problem(ProblemCode.too_short, minimum=min_length, length=len(text))
    if contains_cpr(typed):  # the typed text: an override shows digits in another order
        return _problem(ProblemCode.contains_cpr)
    return text


def _match_option(token: str, options: Sequence[Option]) -> str | None:
    """An option value from its value, its 1-based number, or its label in either language."""
    token = token.strip()
    folded = token.casefold()
    for option in options:
        if token == option.value:
            return option.value
    # ASCII digits only: str.isdigit() accepts "¹", which int() refuses.
    if _NUMBER.fullmatch(token) and 1 <= int(token) <= len(options):
        return options[int(token) - 1].value
    for option in options:
        if folded in (option.label.da.casefold(), option.label.en.casefold()):
            return option.value
    return None


def _allowed(options: Sequence[Option]) -> list[str]:
    return [o.value for o in options]


def check_choice(raw: RawValue, options: Sequence[Option]) -> str | Problem:
    """One option, given as value, number or label."""
    if isinstance(raw, list):
        if len(raw) != 1:
            return _problem(ProblemCode.not_an_option, allowed=_allowed(options))
        raw = raw[0]
    token = as_text(raw)
    if token is None or not token.strip():
        return _problem(ProblemCode.required)
    value = _match_option(token, options)
    if value is None:
        return _problem(ProblemCode.not_an_option, allowed=_allowed(options))
    return value


def check_multi(raw: RawValue, step: MultiChoiceStep) -> list[str] | Problem:
    """Several options, as a list or as text separated by commas or semicolons."""
    if isinstance(raw, list):
        tokens = [str(t) for t in raw]
    else:
        text = as_text(raw)
        tokens = re.split(r"[,;]", text) if text is not None else []
    tokens = [t for t in tokens if t.strip()]
    if not tokens:
        return _problem(ProblemCode.required)
    chosen: set[str] = set()
    for token in tokens:
        value = _match_option(token, step.options)
        if value is None:
            return _problem(ProblemCode.not_an_option, allowed=_allowed(step.options))
        chosen.add(value)
    top = step.max_choices if step.max_choices is not None else len(step.options)
    if not step.min_choices <= len(chosen) <= top:
        return _problem(ProblemCode.out_of_range, minimum=step.min_choices, maximum=top)
    # Option order, not typing order: the same choice always reads back the same way.
    return [o.value for o in step.options if o.value in chosen]


def check_scale(raw: RawValue, points: int) -> int | Problem:
    """A whole number from 1 to `points`."""
    if isinstance(raw, bool | list):
        return _problem(ProblemCode.not_a_number)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return _problem(ProblemCode.required)
    if isinstance(raw, int):
        number = raw
    else:
        text = raw.strip()
        if not _SIGNED.fullmatch(text):
            return _problem(ProblemCode.not_a_number)
        number = int(text)
    if not 1 <= number <= points:
        return _problem(ProblemCode.out_of_range, minimum=1, maximum=points)
    return number


def check_date(raw: RawValue, today: dt.date | None) -> str | Problem:
    """An ISO date (YYYY-MM-DD); not before `today` when the caller gives one."""
    text = (as_text(raw) or "").strip()
    if not text:
        return _problem(ProblemCode.required)
    if not _ISO_DATE.match(text):
        return _problem(ProblemCode.not_a_date)
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        return _problem(ProblemCode.not_a_date)
    if today is not None and day < today:
        return _problem(ProblemCode.out_of_range, earliest=today.isoformat())
    return day.isoformat()


def check_visibility(
    raw: str | None, spec: VisibilitySpec, current: Visibility | None
) -> Visibility | Problem:
    """The level the author chose, else the level already chosen, else the default."""
    allowed = spec.allowed()
    if raw is None:
        return current if current in allowed else spec.default
    if raw in [level.value for level in allowed]:
        return Visibility(raw)
    return _problem(ProblemCode.not_allowed_visibility, allowed=[v.value for v in allowed])
