"""The order of a run: which positions exist, which apply now, and what comes next.

A run is a flat list of positions (cursors): the parameters asked at the start, then each
step, expanded over its list when it repeats and into parts when it is a next step.
Branches never reorder that list; they only switch positions on and off, and a condition
may only look at earlier steps, so walking forward always meets settled answers.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from jinja2 import Environment, TemplateSyntaxError, nodes

from dialogues.schema import Condition, Format, NextStepStep, Step
from dialogues.state import (
    AnswerRecord,
    AnswerValue,
    Cursor,
    NextStepPart,
    NextStepValue,
    SessionState,
)


def step_parts(step: Step) -> list[NextStepPart | None]:
    """The parts a step is asked in: a next step in up to three, every other step in one."""
    if not isinstance(step, NextStepStep):
        return [None]
    parts: list[NextStepPart | None] = ["what"]
    if step.ask_due:
        parts.append("due")
    if step.ask_reach:
        parts.append("reach")
    return parts


def step_items(fmt: Format, step: Step) -> list[str | None]:
    """The list items a step is asked for, or a single None when it does not repeat."""
    if step.repeat is None:
        return [None]
    items = fmt.item_list(step.repeat)
    return [item.id for item in items.items] if items else []


def all_positions(fmt: Format, asked_params: Sequence[str]) -> tuple[Cursor, ...]:
    """Every position a run of `fmt` can visit, in order (computed once per format)."""

    def compute() -> tuple[Cursor, ...]:
        positions = [Cursor(kind="param", id=pid) for pid in asked_params]
        for step in fmt.steps:
            for item in step_items(fmt, step):
                parts = step_parts(step)
                positions.extend(Cursor(id=step.id, item=item, part=part) for part in parts)
        return tuple(positions)

    return fmt.memo(("positions", tuple(asked_params)), compute)


def find_answer(
    answers: Iterable[AnswerRecord], step_id: str, item: str | None = None
) -> AnswerRecord | None:
    """The (non-contribution) answer stored for a step and item, if any."""
    for record in answers:
        if record.step_id == step_id and record.item == item and record.seq == 0:
            return record
    return None


def _answer_matches(cond: Condition, raw: AnswerValue) -> bool:
    chosen = raw if isinstance(raw, list) else [raw]
    if cond.includes is not None:
        return cond.includes in chosen
    if cond.equals is not None:
        return chosen == [cond.equals]
    return any(v in (cond.one_of or []) for v in chosen)


def condition_holds(cond: Condition, params: dict[str, str], answers: list[AnswerRecord]) -> bool:
    """Evaluate a `when` against the parameters and the answers given so far."""
    if cond.param is not None:
        value = params.get(cond.param)
        if cond.equals is not None:
            return value == cond.equals
        return value in (cond.one_of or [])
    record = find_answer(answers, cond.step or "")
    if cond.answered is not None:
        return (record is not None) == cond.answered
    return record is not None and _answer_matches(cond, record.value)


def step_is_active(step: Step, params: dict[str, str], answers: list[AnswerRecord]) -> bool:
    """True when the step applies under the current parameters and answers."""
    return step.when is None or condition_holds(step.when, params, answers)


def position_is_active(fmt: Format, state: SessionState, cursor: Cursor) -> bool:
    """True when the position applies now (parameters always do)."""
    if cursor.kind == "param":
        return True
    return step_is_active(fmt.step(cursor.id), state.params, state.answers)


def position_index(positions: Sequence[Cursor], cursor: Cursor) -> int | None:
    """Where `cursor` sits in `positions`, or None when it is not a position of the run."""
    try:
        return positions.index(cursor)
    except ValueError:
        return None


def next_position(fmt: Format, state: SessionState, after: Cursor | None) -> Cursor | None:
    """The first active position after `after` (from the start when `after` is None)."""
    positions = all_positions(fmt, state.asked_params)
    start = 0
    if after is not None:
        index = position_index(positions, after)
        start = len(positions) if index is None else index + 1
    for cursor in positions[start:]:
        if position_is_active(fmt, state, cursor):
            return cursor
    return None


def after_step(fmt: Format, state: SessionState, cursor: Cursor) -> Cursor | None:
    """The first active position after every part of the cursor's step and item."""
    last = Cursor(id=cursor.id, item=cursor.item, part=step_parts(fmt.step(cursor.id))[-1])
    return next_position(fmt, state, last)


def progress(fmt: Format, state: SessionState, cursor: Cursor) -> tuple[int, int | None]:
    """(n, m): the cursor's place among the active steps and items, parts counted once.

    `m` is None while a choice still to come (a parameter not yet asked, or a step at or
    after the cursor) decides which steps there will be: a total is only given once it
    cannot change on the way.
    """
    positions = all_positions(fmt, state.asked_params)
    units: list[tuple[str, str, str | None]] = []
    for position in positions:
        unit = (position.kind, position.id, position.item)
        if (not units or units[-1] != unit) and position_is_active(fmt, state, position):
            units.append(unit)
    current = (cursor.kind, cursor.id, cursor.item)
    n = units.index(current) + 1 if current in units else 1
    if not _branches_settled(fmt, state, positions, cursor):
        return n, None
    return n, max(len(units), n)


def _branches_settled(
    fmt: Format, state: SessionState, positions: Sequence[Cursor], cursor: Cursor
) -> bool:
    """Whether every step's condition is already decided at `cursor`."""
    index = position_index(positions, cursor)
    before = positions[:index] if index is not None else ()
    passed = {p.id for p in before if p.kind == "step" and p.id != cursor.id}
    for step in fmt.steps:
        cond = step.when
        if cond is None:
            continue
        if cond.param is not None:
            if cond.param in state.asked_params and cond.param not in state.params:
                return False
        elif cond.step not in passed:
            return False
    return True


def is_satisfied(fmt: Format, state: SessionState, cursor: Cursor) -> bool:
    """True when the position already holds what it asks for (so moving on keeps it)."""
    if cursor.kind == "param":
        return cursor.id in state.params
    step = fmt.step(cursor.id)
    if step.kind in ("info", "phase"):
        return True
    record = find_answer(state.answers, cursor.id, cursor.item)
    if record is None:
        return False
    if isinstance(record.value, NextStepValue) and cursor.part == "due":
        return record.value.due is not None
    if isinstance(record.value, NextStepValue) and cursor.part == "reach":
        return record.value.reach is not None
    return True


def prune_inactive(
    fmt: Format, params: dict[str, str], answers: list[AnswerRecord]
) -> tuple[list[AnswerRecord], list[AnswerRecord]]:
    """Drop answers of steps a changed answer or parameter has switched off.

    Conditions look only at earlier steps, so one pass in step order settles everything.
    Returns (kept, dropped).
    """
    kept = list(answers)
    dropped: list[AnswerRecord] = []
    for step in fmt.steps:
        if step.when is None or step_is_active(step, params, kept):
            continue
        dropped.extend(a for a in kept if a.step_id == step.id)
        kept = [a for a in kept if a.step_id != step.id]
    return kept, dropped


# What a text can quote: an earlier answer by step id, or a parameter by its id.
_QUOTING = {"answers": "step", "values": "step", "params": "param", "param_labels": "param"}
_PARSER = Environment(autoescape=True)  # only parses, never renders
Subject = tuple[str, str]  # ("step" | "param", id)


def _quoted_in(source: str) -> set[Subject] | None:
    """The answers and parameters a text quotes; None when it reaches them some other way
    (a loop over all answers, a computed key), so any of them may matter."""
    if "{" not in source:
        return set()
    try:
        tree = _PARSER.parse(source)
    except TemplateSyntaxError:
        return None
    found: set[Subject] = set()
    named: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        assert isinstance(node, nodes.Getattr | nodes.Getitem)  # noqa: S101 - for the types
        target = node.node
        if not isinstance(target, nodes.Name) or target.name not in _QUOTING:
            continue
        key = node.attr if isinstance(node, nodes.Getattr) else getattr(node.arg, "value", None)
        if not isinstance(key, str):
            return None
        found.add((_QUOTING[target.name], key))
        named.add(id(target))
    loose = [n for n in tree.find_all(nodes.Name) if n.name in _QUOTING and id(n) not in named]
    return None if loose else found


def _quotes(fmt: Format) -> dict[str, set[Subject] | None]:
    """Per step id, what its texts quote (None: possibly anything)."""

    def compute() -> dict[str, set[Subject] | None]:
        quoted: dict[str, set[Subject] | None] = {}
        for step in fmt.steps:
            sources = [step.title, step.text, step.context]
            if isinstance(step, NextStepStep):
                sources += [step.due_text, step.reach_text]
            found: set[Subject] | None = set()
            for text in (t for t in sources if t is not None):
                for source in (text.da, text.en):
                    part = _quoted_in(source)
                    found = None if part is None or found is None else found | part
            quoted[step.id] = found
        return quoted

    return fmt.memo("quotes", compute)


def deciding(fmt: Format) -> frozenset[Subject]:
    """The parameters and steps whose answer some step's condition looks at."""

    def compute() -> frozenset[Subject]:
        found: set[Subject] = set()
        for step in fmt.steps:
            cond = step.when
            if cond is not None and cond.param is not None:
                found.add(("param", cond.param))
            elif cond is not None:
                found.add(("step", cond.step or ""))
        return frozenset(found)

    return fmt.memo("deciding", compute)


def _subject(cursor: Cursor) -> Subject:
    return ("param" if cursor.kind == "param" else "step", cursor.id)


def steps_ahead(fmt: Format, state: SessionState, cursor: Cursor) -> list[Cursor]:
    """The positions from `cursor` on that can be asked together, before any is answered.

    They run up to and including the first step (every item and part of it) whose answer
    a condition looks at, or to the end. Every position on the way is decided already: a
    condition only looks back, and nothing it looks at is answered in between. A step
    whose text quotes an answer or parameter asked among them starts the next stretch, so
    a text is never shown without what it quotes. Empty when the run is not at `cursor`
    or it does not apply.
    """
    if state.status != "active" or not position_is_active(fmt, state, cursor):
        return []
    decisive, quotes = deciding(fmt), _quotes(fmt)
    ahead: list[Cursor] = []
    at: Cursor | None = cursor
    while at is not None:
        quoted = quotes.get(at.id, set()) if at.kind == "step" else set()
        asked = {_subject(p) for p in ahead if _subject(p) != _subject(at)}
        if asked and (quoted is None or quoted & asked):
            break
        ahead.append(at)
        following = next_position(fmt, state, at)
        if _subject(at) in decisive and (following is None or _subject(following) != _subject(at)):
            break
        at = following
    return ahead
