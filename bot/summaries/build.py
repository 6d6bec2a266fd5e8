"""Turn what the database holds into a report's sections, deciding what may be shown.

The frozen totals were checked when they were stored; they are checked again here against
what this very report shows beside them, so a team that has since been archived, or a
minimum that has since been raised, can never open a gap to look through; a spread is
shown only under the rule of `public_spread`, also one frozen before that rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from bot.summaries.anonymity import public_spread, shown, total_shown
from bot.summaries.model import (
    MeetingRow,
    Phase,
    SafetyCell,
    Section,
    SharedText,
    StepCell,
    StepItem,
)
from dialogues.loader import Catalog
from dialogues.text import Lang
from storage.enums import NextStepStatus
from storage.models import Group, Meeting
from storage.repositories.aggregates import FrozenRow
from storage.repositories.summaries import SharedAnswer, StepInfo

SAFETY = "psychological_safety"
STEPS = "next_steps:"
CIRCLE = "laeringscirkel"
FOCUS_STEP = "focus"
FOLLOWUP_STEP = "followup_date"


@dataclass(frozen=True)
class Loaded:
    """Everything a digest reads, loaded with a fixed number of queries."""

    scope: Sequence[Group]
    members: dict[int, int]
    meetings: Sequence[Meeting]
    participants: dict[tuple[int, int], int]
    frozen: Sequence[FrozenRow]
    answers: Sequence[SharedAnswer]
    steps: Sequence[StepInfo]
    history: dict[int, list[tuple[NextStepStatus, datetime]]]


def text_steps(catalog: Catalog) -> dict[str, list[str]]:
    """Per format, the steps whose answers are free text (and the circle's focus)."""
    found: dict[str, list[str]] = {}
    for fmt in catalog:
        ids = [s.id for s in fmt.steps if s.kind == "text"]
        if fmt.id == CIRCLE:
            ids.append(FOCUS_STEP)
        if ids:
            found[fmt.id] = ids
    return found


def circle_steps(catalog: Catalog) -> dict[str, list[str]]:
    """The learning circle's phases and its follow-up date."""
    fmt = catalog.get(CIRCLE)
    if fmt is None:
        return {}
    return {CIRCLE: [s.id for s in fmt.steps if s.kind in ("phase", "date")]}


def _heading(catalog: Catalog, format_id: str, step_id: str, lang: Lang) -> tuple[str, str]:
    """The format's title and the step's title (or its id when the format changed)."""
    fmt = catalog.get(format_id)
    if fmt is None:
        return format_id, step_id
    if not fmt.has_step(step_id):
        return fmt.title.get(lang), step_id
    step = fmt.step(step_id)
    source = step.title or step.text
    return fmt.title.get(lang), source.get(lang).split("\n", 1)[0]


def _hidden_reason(respondents: int, minimum: int) -> str:
    return "too_few" if not shown(respondents, minimum) else "withheld"


def _stored_spread(row: FrozenRow) -> float | None:
    spread = (row.counts or {}).get("spread")
    return float(spread) if spread is not None else None


def _safety(row: FrozenRow, minimum: int, allowed: bool, spread_parts: list[int]) -> SafetyCell:
    visible = allowed and row.mean is not None and shown(row.respondents, minimum)
    spread = public_spread(_stored_spread(row), row.respondents, spread_parts, minimum)
    return SafetyCell(
        round_key=row.round_key,
        label=row.round_label or "",
        closed_at=row.closed_at,
        respondents=row.respondents,
        mean=row.mean if visible else None,
        spread=spread if visible else None,
        hidden="" if visible else _hidden_reason(row.respondents, minimum),
    )


def _steps(row: FrozenRow, minimum: int, allowed: bool) -> StepCell:
    counts = {k: int(v) for k, v in (row.counts or {}).items()} if row.counts else None
    visible = allowed and counts is not None and shown(row.respondents, minimum)
    return StepCell(
        round_key=row.round_key,
        label=row.round_label or "",
        closed_at=row.closed_at,
        respondents=row.respondents,
        counts=counts if visible else None,
        hidden="" if visible else _hidden_reason(row.respondents, minimum),
    )


def _cells(
    frozen: Sequence[FrozenRow], totals_of: int | None, minimum: int
) -> tuple[dict[int, list[SafetyCell]], dict[int, list[StepCell]]]:
    """Cells per group; `totals_of` is the network whose rows total the others."""
    parts_shown: dict[tuple[str, str], list[int]] = defaultdict(list)
    spreads_shown: dict[str, list[int]] = defaultdict(list)
    for row in frozen:
        if row.group_id == totals_of:
            continue
        has_value = row.mean is not None or (row.counts is not None and row.measure != SAFETY)
        if has_value and shown(row.respondents, minimum):
            parts_shown[(row.round_key, row.measure)].append(row.respondents)
            spread = public_spread(_stored_spread(row), row.respondents, [], minimum)
            if row.measure == SAFETY and spread is not None:
                spreads_shown[row.round_key].append(row.respondents)
    safety: dict[int, list[SafetyCell]] = defaultdict(list)
    steps: dict[int, list[StepCell]] = defaultdict(list)
    for row in frozen:
        allowed, spread_parts = True, []
        if row.group_id == totals_of:
            parts = parts_shown[(row.round_key, row.measure)]
            allowed = total_shown(row.respondents, parts, minimum)
            spread_parts = spreads_shown[row.round_key]
        if row.measure == SAFETY:
            safety[row.group_id].append(_safety(row, minimum, allowed, spread_parts))
        elif row.measure.startswith(STEPS):
            steps[row.group_id].append(_steps(row, minimum, allowed))
    return safety, steps


def step_items(
    steps: Sequence[StepInfo], history: dict[int, list[tuple[NextStepStatus, datetime]]]
) -> dict[int, list[StepItem]]:
    items: dict[int, list[StepItem]] = defaultdict(list)
    for s in steps:
        events = tuple((status.value, at) for status, at in history.get(s.id, []))
        items[s.group_id].append(
            StepItem(what=s.what, due=s.due, status=s.status.value, history=events)
        )
    return items


def _meetings(loaded: Loaded, by_group: dict[int, Section], network_id: int | None) -> None:
    """Participation per team and meeting: a network meeting shows in every team too."""
    if network_id is not None and network_id in by_group:
        by_group[network_id].members = (
            sum(s.members for g, s in by_group.items() if g != network_id)
            + by_group[network_id].members
        )
    everyone: dict[int, int] = defaultdict(int)
    for (_, meeting_id), n in loaded.participants.items():
        everyone[meeting_id] += n
    for meeting in loaded.meetings:
        meeting_id, group_id = meeting.id, meeting.group_id
        row = (meeting.title or "", meeting.starts_at)
        shared = group_id == network_id
        targets = list(by_group.values()) if shared else [by_group.get(group_id)]
        for section in targets:
            if section is None:
                continue
            if section.group_id == network_id:
                took_part = everyone[meeting_id]
            else:
                took_part = loaded.participants.get((section.group_id, meeting_id), 0)
            section.meetings.append(
                MeetingRow(
                    meeting_id=meeting_id,
                    title=row[0],
                    starts_at=row[1],
                    participants=took_part,
                    members=section.members,
                )
            )


def sections(
    loaded: Loaded, *, network_id: int | None, catalog: Catalog, lang: Lang, minimum: int
) -> list[Section]:
    """One section per group in scope, in the scope's order (the network first)."""
    safety, steps = _cells(loaded.frozen, network_id, minimum)
    items = step_items(loaded.steps, loaded.history)
    by_group: dict[int, Section] = {}
    for group in loaded.scope:
        by_group[group.id] = Section(
            group_id=group.id,
            name=group.name,
            members=loaded.members.get(group.id, 0),
            safety=safety.get(group.id, []),
            steps=steps.get(group.id, []),
            step_items=items.get(group.id, []),
        )
    _meetings(loaded, by_group, network_id)
    for answer in loaded.answers:
        section = by_group.get(answer.group_id)
        if section is None or not isinstance(answer.value, str) or not answer.value.strip():
            continue
        source, heading = _heading(catalog, answer.format_id, answer.step_id, lang)
        text = SharedText(at=answer.created_at, source=source, heading=heading, text=answer.value)
        if answer.in_group_session:
            if answer.format_id == CIRCLE and answer.step_id == FOCUS_STEP:
                section.focuses.append(text)
        else:
            section.reflections.append(text)
    return [by_group[g.id] for g in loaded.scope]


def phases(
    answers: Sequence[SharedAnswer], catalog: Catalog, lang: Lang
) -> tuple[list[Phase], str | None]:
    """A circle's contributions by phase, in the format's order, and its follow-up date."""
    fmt = catalog.get(CIRCLE)
    order = {s.id: i for i, s in enumerate(fmt.steps)} if fmt else {}
    grouped: dict[str, list[str]] = defaultdict(list)
    followup: str | None = None
    for answer in answers:
        if not answer.in_group_session or not isinstance(answer.value, str):
            continue
        if answer.step_id == FOLLOWUP_STEP:
            followup = answer.value
        elif answer.value.strip():
            grouped[answer.step_id].append(answer.value)
    result = [
        Phase(heading=_heading(catalog, CIRCLE, step_id, lang)[1], contributions=tuple(texts))
        for step_id, texts in sorted(grouped.items(), key=lambda kv: order.get(kv[0], 99))
    ]
    return result, followup
