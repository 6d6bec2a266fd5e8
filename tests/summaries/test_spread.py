"""One person, one value per round; and a spread only where it cannot be inverted."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.services.aggregates import SAFETY, freeze_round
from bot.services.summaries import SummaryRequest, build
from bot.summaries.anonymity import public_spread
from storage.enums import GroupKind
from storage.models import FrozenAggregate
from tests.summaries.factory import Factory
from tests.support import Clock


async def test_a_person_in_two_teams_counts_once_with_their_latest_answer(
    app: App, clock: Clock
) -> None:
    async with app.db.transaction() as session:
        make = Factory(app, session)
        network = await make.group("Netværk", GroupKind.network)
        a = await make.group("A", parent=network)
        b = await make.group("B", parent=network)
        both = await make.person("Begge")
        await make.member(a, both)
        await make.member(b, both)
        for team, score in ((a, 2.0), (b, 3.0)):
            for person in await make.team_of(team, 2, team.name):
                clock.advance(minutes=1)
                await make.checkin(team, person, score)
        clock.advance(minutes=1)
        await make.checkin(a, both, 1.0)
        clock.advance(minutes=1)
        await make.checkin(b, both, 7.0)  # the latest answer is the one that counts
        clock.advance(hours=1)
        frozen = await freeze_round(app, session, network.id, "r1")
    assert frozen.respondents(network.id) == 5
    assert (frozen.respondents(a.id), frozen.respondents(b.id)) == (2, 3)
    row = next(r for r in frozen.rows if r.group_id == b.id and r.measure == SAFETY)
    assert row.mean == pytest.approx((3.0 + 3.0 + 7.0) / 3)


@pytest.mark.parametrize(
    ("spread", "respondents", "parts", "minimum", "expected"),
    [
        (1.234, 3, [], 3, None),  # three: the mean and the spread give two answers away
        (1.234, 4, [], 3, None),
        (1.234, 5, [], 3, 1.2),  # five: shown, rounded
        (1.234, 5, [], 6, None),  # never below the minimum in force
        (0.0, 8, [], 3, None),  # everyone answered alike: it would give everyone away
        (0.44, 8, [], 3, None),
        (0.46, 8, [], 3, 0.5),
        (1.234, 9, [5], 3, None),  # beside a team's spread, four people would be left over
        (1.234, 10, [5], 3, 1.2),
        (1.234, 10, [5, 5], 3, 1.2),
    ],
)
def test_a_spread_is_shown_only_where_it_cannot_be_inverted(
    spread: float, respondents: int, parts: list[int], minimum: int, expected: float | None
) -> None:
    assert public_spread(spread, respondents, parts, minimum) == expected


async def test_a_spread_frozen_before_the_rule_is_not_shown(app: App, clock: Clock) -> None:
    async with app.db.transaction() as session:
        team = await Factory(app, session).group("Tre")
        session.add(
            FrozenAggregate(
                group_id=team.id,
                round_key="old",
                round_label=None,
                measure=SAFETY,
                respondents=3,
                mean=5.0,
                counts={"spread": 0.0},
                closed_at=clock.now,
            )
        )
        await session.flush()
        clock.advance(hours=1)
        report = await build(app, session, viewer=None, request=SummaryRequest(team.id))
    assert [(c.respondents, c.mean, c.spread) for c in report.main.safety] == [(3, 5.0, None)]
