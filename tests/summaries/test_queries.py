"""A network digest costs the same number of queries for 2 teams as for 12."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from bot.app import App
from bot.services.aggregates import freeze_round
from bot.services.summaries import SummaryRequest, build
from bot.summaries.output import render_html
from storage.enums import GroupKind, NextStepStatus, Role
from tests.summaries.factory import Factory
from tests.support import Clock


@contextmanager
def counting(app: App) -> Iterator[list[str]]:
    statements: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    engine = app.db.engine.sync_engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


async def _network(app: App, clock: Clock, teams: int) -> tuple[int, int]:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        network = await make.group(f"Netværk {teams}", GroupKind.network)
        leader = await make.person("Leder")
        await make.member(network, leader, Role.leader)
        meeting = await make.meeting(network, "Møde", clock.now)
        for t in range(teams):
            team = await make.group(f"Team {t}", parent=network)
            for i, person in enumerate(await make.team_of(team, 3, f"T{t}-")):
                await make.checkin(team, person, 4.0 + i)
                await make.reflection(team, person, f"Tekst {t}-{i}", "leaders")
                await make.step(
                    team,
                    person,
                    "Skridt",
                    meeting=meeting,
                    visibility="leaders",
                    status=NextStepStatus.done,
                )
        clock.advance(days=1)
        await freeze_round(app, session, network.id, "r1", meeting_id=meeting.id)
        return network.id, leader.id


async def _digest_queries(app: App, network_id: int, leader_id: int) -> int:
    async def work(session):  # type: ignore[no-untyped-def]
        from storage.repositories import people

        leader = await people.get(session, leader_id)
        with counting(app) as statements:
            report = await build(app, session, viewer=leader, request=SummaryRequest(network_id))
            render_html(report)
        return len(statements), report

    count, report = await app.db.run(work)
    assert all(team.reflections for team in report.teams)
    assert all(team.safety and team.safety[0].mean is not None for team in report.teams)
    return count


async def test_query_count_does_not_grow_with_the_number_of_teams(app: App, clock: Clock) -> None:
    small = await _digest_queries(app, *await _network(app, clock, 2))
    large = await _digest_queries(app, *await _network(app, clock, 12))
    assert small == large
    assert large <= 15
