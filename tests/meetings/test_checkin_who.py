"""A follow-up round that runs the safety check-in does not tell who answered it.

The check-in's answers only count in anonymous totals; a facilitator who could see who
answered a round of three, with one "har ikke svaret endnu", would know whose answers
make up the total. The round still says how many answered.
"""

from __future__ import annotations

from bot.app import App
from bot.services import followups
from bot.services.aggregates import SAFETY_FORMAT
from storage.enums import FollowupKind
from storage.models import Followup
from tests.meetings.support import (
    RecordingSender,
    World,
    answer_followup,
    dispatcher,
    followup_of,
    load,
    local,
    schedule,
    who_answered,
)
from tests.support import Clock


async def test_who_answered_a_checkin_round_is_not_shown(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    async def choose(session):  # type: ignore[no-untyped-def]
        await followups.choose_format(
            app,
            session,
            actor=await load(session, world.facilitator),
            group_id=world.network.id,
            kind=FollowupKind.midpoint,
            format_id=SAFETY_FORMAT,
        )

    await app.db.run(choose)
    await schedule(
        app, world.facilitator, world.network, local(2026, 3, 10, 14), every_weeks=6, count=2
    )
    ticker = dispatcher(app, sender)
    clock.now = local(2026, 3, 24, 17)
    await ticker.tick()
    sent = {followup_of(view) for _, view in sender.take() if "O:1:" in str(view.buttons)}

    async def kinds(session):  # type: ignore[no-untyped-def]
        return {(await session.get(Followup, f)).kind: f for f in sent}

    midpoint = (await app.db.run(kinds))[FollowupKind.midpoint]
    await answer_followup(app, world.a1, midpoint)

    states = await who_answered(app, world.facilitator, midpoint)
    assert states == dict.fromkeys(["Ane", "Asta", "Bent", "Bo"], "anonymous")

    async def count(session):  # type: ignore[no-untyped-def]
        status = await followups.round_status(
            app, session, actor=await load(session, world.facilitator), followup_id=midpoint
        )
        return status.answered

    assert await app.db.run(count) == 1
