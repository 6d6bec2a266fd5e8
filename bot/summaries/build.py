"""Turn what the database holds into a report's sections, deciding what may be shown.

The frozen totals were checked when they were stored; they are checked again here against
what this very report shows beside them, so a team that has since been archived, or a
minimum that has since been raised, can never open a gap to look through; a spread is
shown only under the rule of `public_spread`, also one frozen before that rule.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from bot.summaries.anonymity import public_spread, shown, total_shown
from bot.summaries.model import (
    MeetingRow,
    Partial,
    Phase,
    SafetyCell,
    Section,
    SharedText,
    StepCell,
    StepItem,
)
from bot.summaries.rounds import RoundName
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
UNNAMED = RoundName("", "", "")  # a round closed by hand: named by its label or its date


@dataclass(frozen=True)
class Loaded:
    """Everything a digest reads, loaded with a fixed number of queries."""

    scope: Sequence[Group]
    members: dict[int, frozenset[int]]  # participants (person ids) of each group
    meetings: Sequence[Meeting]
    meeting_names: dict[int, str]  # a name for every meeting loaded or a round refers to
    round_names: dict[str, RoundName]  # a name for every round frozen when a follow-up closed
    members_on: dict[tuple[int, int], frozenset[int]]  # participants by (group, meeting) then
    participants: dict[tuple[int, int], frozenset[int]]  # who of them took part
    frozen: Sequence[FrozenRow]
    answers: Sequence[SharedAnswer]
    steps: Sequence[StepInfo]
    history: dict[int, list[tuple[NextStepStatus, datetime]]]
    until: datetime | None = None  # the end of the report's period, when it has ended
    steps_more: dict[int, int] = field(default_factory=dict)  # next steps left out, by group


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


def _partial(
    total: FrozenRow, parts: list[FrozenRow], minimum: int, names: dict[int, str]
) -> Partial | None:
    """The network total over the teams on show, when the total itself is withheld.

    Only when it is withheld for the difference (it has enough people) and at least two
    teams are on show: it is then their figures added up, which a reader could do, and
    it says which teams are missing and why.
    """
    if not shown(total.respondents, minimum):
        return None
    answered = [p for p in parts if p.respondents > 0]
    on_show = [p for p in answered if _has_value(p) and shown(p.respondents, minimum)]
    if len(on_show) < 2:
        return None
    people = sum(p.respondents for p in on_show)
    small = tuple(
        sorted(names.get(p.group_id, "") for p in answered if not shown(p.respondents, minimum))
    )
    if total.measure == SAFETY:
        mean = sum((p.mean or 0.0) * p.respondents for p in on_show) / people
        return Partial(len(on_show), len(answered), people, mean=mean, small=small)
    counts: dict[str, int] = defaultdict(int)
    for p in on_show:
        for status, n in (p.counts or {}).items():
            counts[status] += int(n)
    return Partial(len(on_show), len(answered), people, counts=dict(counts), small=small)


def _has_value(row: FrozenRow) -> bool:
    return row.mean is not None or (row.counts is not None and row.measure != SAFETY)


def _safety(
    row: FrozenRow, minimum: int, allowed: bool, name: RoundName, spread_parts: list[int]
) -> SafetyCell:
    visible = allowed and row.mean is not None and shown(row.respondents, minimum)
    spread = public_spread(_stored_spread(row), row.respondents, spread_parts, minimum)
    return SafetyCell(
        round_key=row.round_key,
        label=row.round_label or name.label,
        meeting=name.meeting,
        round_kind=name.kind,
        closed_at=row.closed_at,
        respondents=row.respondents,
        mean=row.mean if visible else None,
        spread=spread if visible else None,
        hidden="" if visible else _hidden_reason(row.respondents, minimum),
    )


def _steps(row: FrozenRow, minimum: int, allowed: bool, name: RoundName) -> StepCell:
    counts = {k: int(v) for k, v in (row.counts or {}).items()} if row.counts else None
    visible = allowed and counts is not None and shown(row.respondents, minimum)
    return StepCell(
        round_key=row.round_key,
        label=row.round_label or name.label,
        meeting=name.meeting,
        round_kind=name.kind,
        closed_at=row.closed_at,
        respondents=row.respondents,
        counts=counts if visible else None,
        hidden="" if visible else _hidden_reason(row.respondents, minimum),
        meeting_id=int(row.measure.removeprefix(STEPS))
        if row.measure[len(STEPS) :].isdigit()
        else None,
    )


def _cells(
    frozen: Sequence[FrozenRow],
    totals_of: int | None,
    minimum: int,
    names: dict[str, RoundName],
    groups: dict[int, str],
    *,
    history: bool = False,
) -> tuple[dict[int, list[SafetyCell]], dict[int, list[StepCell]]]:
    """Cells per group; `totals_of` is the network whose rows total the others. A
    meeting's next steps show once, as they stood last, unless `history` asks for every
    snapshot."""
    parts: dict[tuple[str, str], list[FrozenRow]] = defaultdict(list)
    parts_shown: dict[tuple[str, str], list[int]] = defaultdict(list)
    spreads_shown: dict[str, list[int]] = defaultdict(list)
    for row in frozen:
        if row.group_id == totals_of:
            continue
        parts[(row.round_key, row.measure)].append(row)
        if _has_value(row) and shown(row.respondents, minimum):
            parts_shown[(row.round_key, row.measure)].append(row.respondents)
            spread = public_spread(_stored_spread(row), row.respondents, [], minimum)
            if row.measure == SAFETY and spread is not None:
                spreads_shown[row.round_key].append(row.respondents)
    safety: dict[int, list[SafetyCell]] = defaultdict(list)
    steps: dict[int, list[StepCell]] = defaultdict(list)
    for row in frozen:
        name = names.get(row.round_key, UNNAMED)
        allowed, spread_parts, partial = True, [], None
        if row.group_id == totals_of:
            key = (row.round_key, row.measure)
            allowed = total_shown(row.respondents, parts_shown[key], minimum)
            spread_parts = spreads_shown[row.round_key]
            if not allowed:
                partial = _partial(row, parts[key], minimum, groups)
        if row.measure == SAFETY:
            cell = _safety(row, minimum, allowed, name, spread_parts)
            safety[row.group_id].append(replace(cell, partial=partial))
        elif row.measure.startswith(STEPS):
            step = _steps(row, minimum, allowed, name)
            steps[row.group_id].append(replace(step, partial=partial))
    if history:
        return safety, dict(steps)
    return safety, {group: _latest_per_meeting(cells) for group, cells in steps.items()}


def _latest_per_meeting(cells: list[StepCell]) -> list[StepCell]:
    """A meeting's next steps are frozen at each of its rounds: show its latest state once,
    in the place of its first round."""
    latest: dict[int | None, StepCell] = {}
    for cell in cells:  # in the order the rounds closed
        latest[cell.meeting_id] = cell
    first = list(dict.fromkeys(cell.meeting_id for cell in cells))
    return [latest[m] for m in first]


def step_items(
    steps: Sequence[StepInfo],
    history: dict[int, list[tuple[NextStepStatus, datetime]]],
    until: datetime | None = None,
) -> dict[int, list[StepItem]]:
    """Shared next steps with their history; a report for a period that has ended shows
    each step as it stood at the period's end, never what happened after."""
    items: dict[int, list[StepItem]] = defaultdict(list)
    for s in steps:
        known = history.get(s.id, [])
        events = tuple((status.value, at) for status, at in known if until is None or at < until)
        status = s.status.value
        if known and len(events) < len(known):
            status = events[-1][0] if events else NextStepStatus.open.value
        items[s.group_id].append(StepItem(what=s.what, due=s.due, status=status, history=events))
    return items


def distinct(sets: Iterable[frozenset[int] | None]) -> frozenset[int]:
    """The distinct people of several groups."""
    return frozenset().union(*(found for found in sets if found))


def _meetings(loaded: Loaded, by_group: dict[int, Section], network_id: int | None) -> None:
    """Participation per team and meeting: a network meeting shows in every team too.

    Both figures are of participants on the meeting's day: who took part out of who were
    members then, so the first never exceeds the second. Figures over several groups
    count people, not memberships: someone in two teams (or in the network and a team)
    is one person.
    """
    if network_id is not None and network_id in by_group:
        by_group[network_id].members = len(distinct(loaded.members.get(g) for g in by_group))
    for meeting in loaded.meetings:
        shared = meeting.group_id == network_id or meeting.group_id not in by_group
        targets = list(by_group.values()) if shared else [by_group[meeting.group_id]]
        for section in targets:
            counted = [section.group_id]
            if section.group_id == network_id:
                counted = list(by_group)  # the network's own people and all its teams'
            section.meetings.append(
                MeetingRow(
                    meeting_id=meeting.id,
                    title=loaded.meeting_names.get(meeting.id, meeting.title or ""),
                    starts_at=meeting.starts_at,
                    participants=len(
                        distinct(loaded.participants.get((g, meeting.id)) for g in counted)
                    ),
                    members=len(distinct(loaded.members_on.get((g, meeting.id)) for g in counted)),
                )
            )


def sections(
    loaded: Loaded,
    *,
    network_id: int | None,
    catalog: Catalog,
    lang: Lang,
    minimum: int,
    history: bool = False,
) -> list[Section]:
    """One section per group in scope, in the scope's order (the network first)."""
    groups = {g.id: g.name for g in loaded.scope}
    safety, steps = _cells(
        loaded.frozen, network_id, minimum, loaded.round_names, groups, history=history
    )
    items = step_items(loaded.steps, loaded.history, loaded.until)
    by_group: dict[int, Section] = {}
    for group in loaded.scope:
        by_group[group.id] = Section(
            group_id=group.id,
            name=group.name,
            members=len(loaded.members.get(group.id, frozenset())),
            safety=safety.get(group.id, []),
            steps=steps.get(group.id, []),
            step_items=items.get(group.id, []),
        )
    _meetings(loaded, by_group, network_id)
    kept: dict[int, int] = defaultdict(int)
    matched: dict[int, int] = {}
    for answer in loaded.answers:
        kept[answer.group_id] += 1
        matched[answer.group_id] = answer.matched
    for group_id, count in matched.items():
        if group_id in by_group:
            by_group[group_id].texts_more = count - kept[group_id]
    for group_id, more in loaded.steps_more.items():
        if group_id in by_group:
            by_group[group_id].steps_more = more
    for answer in loaded.answers:
        section = by_group.get(answer.group_id)
        if section is None or not isinstance(answer.value, str) or not answer.value.strip():
            continue
        source, heading = _heading(catalog, answer.format_id, answer.step_id, lang)
        meeting = loaded.meeting_names.get(answer.meeting_id or 0, "")
        text = SharedText(answer.created_at, source, heading, answer.value, meeting)
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
