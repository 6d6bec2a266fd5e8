"""Random networks with overlapping memberships: every shown figure rests on enough distinct
people, and nobody's answer can be worked out from the figures and one's own answers.

People belong to the network and to one or more of its teams, answer the check-in in any
of their groups (some twice in a round), take part in the network meeting from any of
their groups (some from two), write next steps for the network meeting; rounds
close for the whole network or for one team. The test keeps its own account of which
answer counts where (one value per person per round: their latest, in the group of that
answer; next steps in the group of the person's first one), builds and renders every
report, and then plays every person as an attacker who knows their own answers and exactly
who is behind each figure. Participation counts people too: who took part out of who were
members, each person once however many of the counted groups they are in.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Hashable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import App
from bot.services.aggregates import SAFETY, freeze_round
from bot.services.summaries import SummaryRequest, build
from bot.summaries.anonymity import SPREAD_FLOOR, SPREAD_SMALLEST
from bot.summaries.chart import chart_data, render_chart
from bot.summaries.labels import Formatter
from bot.summaries.model import STATUSES, Report
from bot.summaries.output import render_csv, render_html, render_markdown, render_telegram
from storage.enums import GroupKind, NextStepStatus
from storage.models import Group, Person
from tests.summaries.attack import cells_from_csv
from tests.summaries.factory import Factory
from tests.summaries.linear import determined
from tests.support import Clock

STEPS = "steps"
Var = tuple[Hashable, ...]


@dataclass(frozen=True)
class Plan:
    minimum: int
    teams: int
    groups_of: list[list[int]]  # per person: group indexes, 0 the network
    steps: list[tuple[int, int, str]]  # person, which of their groups, status
    rounds: list[tuple[int, list[tuple[int, int, int]]]]  # closer (0 network), answers
    attended: list[tuple[int, int]]  # person, which of their groups they took part from


@st.composite
def plans(draw: st.DrawFn) -> Plan:
    teams = draw(st.integers(2, 3))
    size = draw(st.integers(4, 9))
    groups_of = [
        sorted(draw(st.sets(st.integers(0, teams), min_size=1, max_size=3))) for _ in range(size)
    ]
    person = st.integers(0, size - 1)
    steps = draw(st.lists(st.tuples(person, st.integers(0, 2), st.sampled_from(STATUSES))))
    answer = st.tuples(person, st.integers(0, 2), st.integers(7, 49))  # score = points / 7
    rounds = draw(
        st.lists(
            st.tuples(st.sampled_from([0, 0, *range(1, teams + 1)]), st.lists(answer)),
            min_size=1,
            max_size=3,
        )
    )
    attended = draw(st.lists(st.tuples(person, st.integers(0, 2)), max_size=12))
    return Plan(draw(st.sampled_from([3, 4])), teams, groups_of, steps[:12], rounds, attended)


@dataclass
class Account:
    """Who counts where, kept by the test from the plan."""

    network: int
    groups: list[int]
    answers: list[tuple[int, int, datetime, float]] = field(default_factory=list)
    step_rows: list[tuple[int, int, str]] = field(default_factory=list)
    covered: dict[int, datetime] = field(default_factory=dict)
    members: dict[int, set[int]] = field(default_factory=dict)  # group -> its participants
    took_part: dict[int, set[int]] = field(default_factory=dict)  # group -> who, from there
    # (group, round, measure) -> {person: score} or {person: Counter[(step group, status)]}
    cells: dict[tuple[int, str, str], dict[int, Any]] = field(default_factory=dict)

    def close(self, key: str, closer: int, now: datetime) -> None:
        scope = self.groups if closer == self.network else [closer]
        latest: dict[int, tuple[int, float]] = {}
        for who, group, at, value in self.answers:
            since = self.covered.get(group)
            if group in scope and at <= now and (since is None or at > since):
                latest[who] = (group, value)
        if latest:
            for group in scope:
                mine = {p: v for p, (g, v) in latest.items() if g == group}
                if group == self.network:
                    mine = {p: v for p, (_, v) in latest.items()}
                if mine:
                    self.cells[(group, key, SAFETY)] = mine
                self.covered[group] = now
        if closer == self.network and self.step_rows:
            home: dict[int, int] = {}
            for who, group, _ in self.step_rows:
                home.setdefault(who, group)
            for group in self.groups:
                mine: dict[int, Any] = {}
                for who, step_group, status in self.step_rows:
                    if group in (self.network, home[who]):
                        mine.setdefault(who, Counter())[(step_group, status)] += 1
                if mine:
                    self.cells[(group, key, STEPS)] = mine


async def _world(app: App, session: AsyncSession, clock: Clock, plan: Plan) -> Account:
    make = Factory(app, session)
    network = await make.group("Netværk", GroupKind.network)
    groups: list[Group] = [network]
    for i in range(plan.teams):
        groups.append(await make.group(f"Team {i + 1}", parent=network))
    people: list[Person] = []
    account = Account(network.id, [g.id for g in groups])
    for i, mine in enumerate(plan.groups_of):
        person = await make.person(f"P{i}")
        for g in mine:
            await make.member(groups[g], person)
            account.members.setdefault(groups[g].id, set()).add(i)
        people.append(person)
    meeting = await make.meeting(network, "Netværksmøde", clock.now)
    for who, choice in plan.attended:
        group = groups[plan.groups_of[who][choice % len(plan.groups_of[who])]]
        clock.advance(minutes=1)
        await make.took_part(group, people[who], meeting)
        account.took_part.setdefault(group.id, set()).add(who)
    for who, choice, status in plan.steps:
        group = groups[plan.groups_of[who][choice % len(plan.groups_of[who])]]
        clock.advance(minutes=1)
        await make.step(
            group, people[who], "Et skridt", meeting=meeting, status=NextStepStatus(status)
        )
        account.step_rows.append((who, group.id, status))
    for number, (closer, answers) in enumerate(plan.rounds):
        for who, choice, points in answers:
            group = groups[plan.groups_of[who][choice % len(plan.groups_of[who])]]
            clock.advance(minutes=5)
            await make.checkin(group, people[who], points / 7)
            account.answers.append((who, group.id, clock.now, points / 7))
        clock.advance(days=1)
        key = f"round-{number}"
        whole = closer == 0
        await freeze_round(
            app, session, groups[closer].id, key, meeting_id=meeting.id if whole else None
        )
        account.close(key, groups[closer].id, clock.now)
    clock.advance(days=1)
    return account


def _rendered(report: Report) -> set[tuple[str, int]]:
    """Render every form of the report; the figures the CSV shows, by group."""
    render_html(report)
    render_markdown(report)
    render_telegram(report)
    chart_data(report)
    render_chart(report)
    return {(c.group, c.respondents) for c in cells_from_csv(render_csv(report))}


def _check_cells(report: Report, account: Account, minimum: int) -> list[dict[Var, int]]:
    """Every shown figure is the account's, over enough people; their sums as equations."""
    equations: list[dict[Var, int]] = []
    shown: set[tuple[str, int]] = set()
    f = Formatter(report.lang, report.timezone)
    for section in [report.main, *report.teams]:
        for c in section.safety:
            if c.mean is None:
                if c.partial is not None:
                    behind = _on_show(report, account, c.round_key, SAFETY, minimum)
                    assert c.partial.respondents == len(behind) >= minimum
                    assert c.partial.mean == pytest.approx(statistics.fmean(behind.values()))
                    shown.add((f.partial_group(section.name, c.partial), len(behind)))
                    equations.append({("score", p, c.round_key): 1 for p in behind})
                continue
            behind = account.cells[(section.group_id, c.round_key, SAFETY)]
            assert c.respondents == len(behind) >= minimum
            assert c.mean == pytest.approx(statistics.fmean(behind.values()))
            shown.add((section.name, c.respondents))
            equations.append({("score", p, c.round_key): 1 for p in behind})
            if c.spread is not None:
                assert len(behind) >= SPREAD_FLOOR
                assert c.spread >= SPREAD_SMALLEST
                spread = statistics.pstdev(behind.values())
                assert c.spread == pytest.approx(round(spread, 1))
                equations.append({("square", p, c.round_key): 1 for p in behind})
        for s in section.steps:
            if s.counts is None:
                if s.partial is not None:
                    behind = _on_show(report, account, s.round_key, STEPS, minimum)
                    assert s.partial.respondents == len(behind) >= minimum
                    shown.add((f.partial_group(section.name, s.partial), len(behind)))
                continue
            behind = account.cells[(section.group_id, s.round_key, STEPS)]
            assert s.respondents == len(behind) >= minimum
            total: Counter[str] = Counter()
            for counted in behind.values():
                for (_, status), n in counted.items():
                    total[status] += n
            assert {k: v for k, v in s.counts.items() if v} == dict(total)
            shown.add((section.name, s.respondents))
            for status in STATUSES:
                equations.append(
                    {("step", p, g, status): 1 for p, counted in behind.items() for g, _ in counted}
                )
    assert _rendered(report) <= shown
    return equations


def _on_show(
    report: Report, account: Account, round_key: str, measure: str, minimum: int
) -> dict[int, Any]:
    """Everyone behind the teams' figures on show in a round (a total over them adds them
    up); the teams of a network never share a person in one round."""
    behind: dict[int, Any] = {}
    teams = 0
    for team in report.teams:
        cells = team.safety if measure == SAFETY else team.steps
        if any(
            c.round_key == round_key and (c.mean if measure == SAFETY else c.counts) is not None
            for c in cells
        ):
            mine = account.cells[(team.group_id, round_key, measure)]
            assert not set(mine) & set(behind)
            behind |= mine
            teams += 1
    assert teams >= 2
    return behind


def _check_participation(report: Report, account: Account) -> None:
    """Members and who took part count people: a person in two counted groups is one."""

    def people(found: dict[int, set[int]], groups: list[int]) -> int:
        return len(set().union(*(found.get(g, set()) for g in groups)))

    for section in [report.main, *report.teams]:
        counted = [section.group_id]
        if section.group_id == account.network:
            counted = account.groups  # the network's own people and all its teams'
        assert len(section.meetings) == 1, section.name
        row = section.meetings[0]
        assert row.members == people(account.members, counted), section.name
        assert row.participants == people(account.took_part, counted), section.name
        assert row.participants <= row.members
        if section.group_id == account.network:
            assert section.members == people(account.members, counted)


def _spread_differences(reports: list[Report], account: Account) -> None:
    """A network's spread beside its teams' spreads leaves none or enough people over."""
    for report in reports:
        if report.kind != "network":
            continue
        for total in report.main.safety:
            if total.spread is None:
                continue
            covered: set[int] = set()
            for team in report.teams:
                for c in team.safety:
                    if c.round_key == total.round_key and c.spread is not None:
                        covered |= set(account.cells[(team.group_id, c.round_key, SAFETY)])
            behind = set(account.cells[(report.main.group_id, total.round_key, SAFETY)])
            assert len(behind - covered) in {0, *range(SPREAD_FLOOR, len(behind) + 1)}


@settings(
    max_examples=12,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(plan=plans())
@example(  # two teams on show, one too small: the network total is given over the two
    plan=Plan(
        minimum=3,
        teams=3,
        groups_of=[[1], [1], [1], [2], [2], [2], [2], [3], [3]],
        steps=[(p, 0, "done" if p % 2 else "open") for p in range(9)],
        rounds=[(0, [(p, 0, 14 + p) for p in range(9)])],
        attended=[(0, 0), (4, 0)],
    )
)
async def test_every_figure_rests_on_distinct_people_and_gives_nobody_away(
    app: App, clock: Clock, plan: Plan
) -> None:
    app.settings = app.settings.model_copy(update={"refleks_anonymity_min": plan.minimum})
    async with app.db.transaction() as session:
        account = await _world(app, session, clock, plan)
        reports = [
            await build(app, session, viewer=None, request=SummaryRequest(group_id))
            for group_id in account.groups
        ]
    equations: list[dict[Var, int]] = []
    for report in reports:
        equations += _check_cells(report, account, plan.minimum)
        _check_participation(report, account)
    _spread_differences(reports, account)
    for attacker in range(len(plan.groups_of)):
        known = {v for row in equations for v in row if v[1] == attacker}
        exposed = determined(equations, known)
        assert not exposed, f"person {attacker} works out {sorted(exposed, key=repr)}"
