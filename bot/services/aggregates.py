"""Freezing a round: anonymous totals computed once, when a round closes, then kept.

A round is a meeting's follow-up or a check-in round. Its psychological-safety total counts
the scores of the group's check-ins completed since the group's previous round closed, so
every answer lands in exactly one round; its next-step total counts the statuses of the
next steps written for the round's meeting. A total over fewer than
`REFLEKS_ANONYMITY_MIN` people is stored without a value, and a network total without a
value whenever it would reveal a team's hidden total by difference. A person counts once
per round, and a spread is stored only where it may be shown (`public_spread`). Reports
read these
rows and nothing personal; `/forget` leaves them, and they name nobody.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.access import Action, require
from bot.services.errors import NotFound
from bot.summaries.anonymity import mean_and_spread, public_spread, shown, total_shown
from storage.enums import GroupKind
from storage.models import FrozenAggregate, Group, Person
from storage.repositories import aggregates as repo
from storage.repositories import groups as groups_repo
from storage.repositories import summaries as summaries_repo

SAFETY_FORMAT = "psykologisk-tryghed"
SAFETY_INDEX = "psychological_safety"
SAFETY = "psychological_safety"
STEPS = "next_steps:"  # + meeting id: one cohort of next steps, followed over rounds


def steps_measure(meeting_id: int) -> str:
    return f"{STEPS}{meeting_id}"


@dataclass
class Frozen:
    """What one call to `freeze_round` stored (nothing when the round was frozen before)."""

    round_key: str
    created: bool
    rows: list[FrozenAggregate] = field(default_factory=list)

    def respondents(self, group_id: int, measure: str = SAFETY) -> int:
        found = [r for r in self.rows if r.group_id == group_id and r.measure == measure]
        return found[0].respondents if found else 0


@dataclass
class _Cell:
    group: Group
    respondents: int
    mean: float | None = None
    spread: float | None = None
    counts: dict[str, int] | None = None


def _one_per_person(
    rows: Sequence[repo.ScoreRow], last: dict[int, datetime]
) -> dict[int, tuple[int, float]]:
    """Each person's one score in the round, their latest, with the group it was given in.

    A check-in counts in the round of the group it was given in, from that group's
    previous round on; a person who answered in two groups of a network (or twice in one)
    counts once, with their latest answer, in the group of that answer. So the groups'
    totals in a round never share a person, and a network total is exactly its parts.
    """
    latest: dict[int, tuple[int, float]] = {}
    for row in rows:  # ordered by completion, so a later check-in replaces an earlier one
        since = last.get(row.group_id)
        if since is None or row.completed_at > since:
            latest[row.person_id] = (row.group_id, row.value)
    return latest


def _frozen(
    cell: _Cell, round_key: str, label: str | None, measure: str, now: datetime
) -> FrozenAggregate:
    return FrozenAggregate(
        group_id=cell.group.id,
        round_key=round_key,
        round_label=label,
        measure=measure,
        respondents=cell.respondents,
        mean=cell.mean,
        minimum=None,  # an extreme is one person's answer: never stored
        maximum=None,
        counts=(
            cell.counts
            if measure != SAFETY
            else ({"spread": cell.spread} if cell.spread is not None else None)
        ),
        closed_at=now,
    )


def _network_safety(
    network: Group, teams: list[_Cell], all_values: list[float], minimum: int
) -> _Cell:
    parts = [c.respondents for c in teams if c.mean is not None]
    spread_parts = [c.respondents for c in teams if c.spread is not None]
    cell = _Cell(network, len(all_values))
    if all_values and total_shown(len(all_values), parts, minimum):
        cell.mean, spread = mean_and_spread(all_values)
        cell.spread = public_spread(spread, cell.respondents, spread_parts, minimum)
    return cell


async def _freeze_safety(
    session: AsyncSession, scope: list[Group], network: Group | None, now: datetime, minimum: int
) -> list[_Cell]:
    ids = [g.id for g in scope]
    parents = {g.id: g.parent_id for g in scope if g.parent_id is not None}
    last = await repo.last_closed(session, [*ids, *set(parents.values())], SAFETY)
    # A network round covers every team in it, also one whose people all counted elsewhere
    # (and which so got no total of its own): the answers it saw are used up.
    for team_id, parent_id in parents.items():
        if parent_id in last:
            last[team_id] = max(last.get(team_id, last[parent_id]), last[parent_id])
    last = {g: at for g, at in last.items() if g in ids}
    after = None if any(g not in last for g in ids) else min(last.values())
    rows = await repo.scores_between(
        session, ids, format_id=SAFETY_FORMAT, index_id=SAFETY_INDEX, after=after, until=now
    )
    values: dict[int, list[float]] = {g.id: [] for g in scope}
    for group_id, value in _one_per_person(rows, last).values():
        values[group_id].append(value)
    cells: list[_Cell] = []
    for group in scope:
        if (network and group.id == network.id) or not values[group.id]:
            continue
        cell = _Cell(group, len(values[group.id]))
        if shown(cell.respondents, minimum):
            cell.mean, spread = mean_and_spread(values[group.id])
            cell.spread = public_spread(spread, cell.respondents, [], minimum)
        cells.append(cell)
    if network is not None:
        everyone = [v for vs in values.values() for v in vs]
        if everyone:
            cells.append(_network_safety(network, cells, everyone, minimum))
    return cells


async def _freeze_steps(
    session: AsyncSession,
    scope: list[Group],
    network: Group | None,
    meeting_id: int,
    minimum: int,
) -> list[_Cell]:
    ids = [g.id for g in scope]
    measure = steps_measure(meeting_id)
    rows = await repo.steps_of_meeting(session, ids, meeting_id)
    first = await repo.earlier_respondents(session, ids, measure)
    # A person counts once, in the group of their first next step of the meeting, with all
    # of their next steps of it: the groups never share a person, the network adds them up.
    home: dict[int, int] = {}
    for row in rows:  # oldest first
        home.setdefault(row.person_id, row.group_id)
    people: dict[int, set[int]] = defaultdict(set)
    counts: dict[int, dict[str, int]] = defaultdict(dict)
    for row in rows:
        group_id = home[row.person_id]
        people[group_id].add(row.person_id)
        counts[group_id][row.status.value] = counts[group_id].get(row.status.value, 0) + 1

    def same_cohort(group_id: int, respondents: int) -> bool:
        # The cohort is fixed when first frozen; if someone has since been forgotten, the
        # difference to the earlier figure would be theirs, so the later one stays hidden.
        return first.get(group_id, respondents) == respondents

    cells: list[_Cell] = []
    for group in scope:
        if (network and group.id == network.id) or not people[group.id]:
            continue
        cell = _Cell(group, len(people[group.id]))
        if shown(cell.respondents, minimum) and same_cohort(group.id, cell.respondents):
            cell.counts = counts[group.id]
        cells.append(cell)
    if network is not None:
        total = sum(len(p) for p in people.values())
        parts = [c.respondents for c in cells if c.counts is not None]
        cell = _Cell(network, total)
        if total and total_shown(total, parts, minimum) and same_cohort(network.id, total):
            merged: dict[str, int] = {}
            for by_status in counts.values():
                for status, n in by_status.items():
                    merged[status] = merged.get(status, 0) + n
            cell.counts = merged
        if total:
            cells.append(cell)
    return cells


async def freeze_round(
    app: App,
    session: AsyncSession,
    group_id: int,
    round_key: str,
    *,
    label: str | None = None,
    meeting_id: int | None = None,
    safety: bool = True,
) -> Frozen:
    """Freeze the totals of a round that closes now; calling it again changes nothing.

    For a network the teams under it are frozen in the same round, and the network total
    counts them all. With `meeting_id`, the statuses of that meeting's next steps are
    frozen too (call again with a later `round_key` to follow them over time). Without
    `safety`, the psychological-safety total is left to a later round, whose window then
    still starts where the last safety total ended.
    """
    group = await groups_repo.get(session, group_id)
    if group is None:
        raise NotFound("error.group_not_found")
    network = group if group.kind == GroupKind.network else None
    scope = await summaries_repo.scope(session, group_id) if network else [group]
    # Rounds of the same groups closing at once (the dispatcher, a facilitator's button)
    # freeze one after the other, so every check-in lands in exactly one of them.
    await repo.lock_groups(session, [g.id for g in scope])
    if await repo.round_exists(session, group_id, round_key):
        return Frozen(round_key, created=False)
    now, minimum = app.now(), app.settings.refleks_anonymity_min
    cells = await _freeze_safety(session, scope, network, now, minimum) if safety else []
    rows = [_frozen(c, round_key, label, SAFETY, now) for c in cells]
    if meeting_id is not None:
        measure = steps_measure(meeting_id)
        step_cells = await _freeze_steps(session, scope, network, meeting_id, minimum)
        rows += [_frozen(c, round_key, label, measure, now) for c in step_cells]
    await repo.add(session, rows)
    return Frozen(round_key, created=True, rows=rows)


async def close_checkin(
    app: App, session: AsyncSession, *, person: Person | None, group_id: int
) -> Frozen:
    """Close the group's check-in round now (a facilitator's choice, or the operator's)."""
    if person is not None:
        await require(app, session, person, group_id, Action.manage)
    key = "checkin-" + app.now().strftime("%Y%m%dT%H%M%S")
    return await freeze_round(app, session, group_id, key)
