"""Follow-up buttons and /schedule through the conversation every channel shares."""

from __future__ import annotations

import pytest

from bot.app import App
from bot.chat.schedule import ScheduleButton, ScheduleOp
from bot.conversation import Conversation, Who
from bot.dispatch.compose import FollowupButton, FollowupOp
from bot.services.errors import ServiceError
from storage.models import Followup
from storage.repositories import followups as repo
from tests.meetings.support import (
    RecordingSender,
    World,
    answer_followup,
    dispatcher,
    followup_of,
    local,
    schedule,
    snooze,
)
from tests.support import Clock

FIE = Who(display_name="Fie", language_code="da", telegram_id=501)
ANE = Who(display_name="Ane", language_code="da", telegram_id=600)


async def _rounds(app: App, group_id: int) -> list[Followup]:
    return list(await app.db.run(lambda s: repo.of_group(s, group_id)))


async def _prepared(app: App, clock: Clock, world: World, sender: RecordingSender) -> int:
    """A meeting next Tuesday; the preparation prompt has gone out. Returns its round."""
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    clock.now = local(2026, 3, 5, 14)
    await dispatcher(app, sender).tick()
    return followup_of(next(v for c, v in sender.take() if c == 600 and "Næste møde" in v.html))


async def test_a_snooze_that_would_pass_the_meeting_is_refused(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    round_id = await _prepared(app, clock, world, sender)
    clock.now = local(2026, 3, 10, 13, 59, 30)  # half a minute before the meeting
    with pytest.raises(ServiceError) as caught:
        await snooze(app, world.a1, round_id, 1)
    assert caught.value.key == "followup.snooze_too_late"


async def test_buttons_of_answered_or_closed_rounds_say_so_kindly(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    round_id = await _prepared(app, clock, world, sender)
    conversation = Conversation(app)
    await answer_followup(app, world.a1, round_id)
    again = await conversation.button(ANE, FollowupButton(FollowupOp.START, round_id).encode())
    assert "allerede svaret" in again[0].html
    clock.now = local(2026, 3, 10, 15)  # the meeting has begun: the round closes
    await dispatcher(app, sender).tick()
    asta = Who(display_name="Asta", language_code="da", telegram_id=601)
    closed = await conversation.button(
        asta, FollowupButton(FollowupOp.SNOOZE, round_id, 1).encode()
    )
    assert "lukket" in closed[0].html


async def test_schedule_by_typing_a_time_in_the_shared_conversation(app: App, world: World) -> None:
    conversation = Conversation(app)
    overview = await conversation.command(FIE, "schedule")
    new = next(b.action for row in overview[0].buttons for b in row if "Nyt møde" in b.label)
    asked = await conversation.button(FIE, new)
    assert "Hvornår starter mødet" in asked[0].html
    repeat = await conversation.text(FIE, "torsdag kl. 13")
    assert "torsdag den 5. marts kl. 13.00" in repeat[0].html
    confirm = await conversation.button(
        FIE, ScheduleButton(ScheduleOp.REPEAT, 0).encode()
    )  # just this once
    assert "torsdag den 5. marts kl. 13.00" in confirm[0].html
    saved = await conversation.button(FIE, ScheduleButton(ScheduleOp.SAVE).encode())
    assert "er planlagt" in saved[0].html
    # Text after the meeting is saved is an ordinary answer again, not a time.
    after = await conversation.text(FIE, "fredag kl. 9")
    assert "ikke i gang med en refleksion" in after[0].html


async def test_a_participant_cannot_schedule_or_see_who_answered(
    app: App, clock: Clock, world: World, sender: RecordingSender
) -> None:
    round_id = await _prepared(app, clock, world, sender)
    conversation = Conversation(app)
    denied = await conversation.command(ANE, "schedule")
    assert "kun facilitatorer" in denied[0].html
    who = await conversation.button(ANE, ScheduleButton(ScheduleOp.WHO, round_id).encode())
    assert "ikke med i den gruppe" in who[0].html  # a team member, not the networks facilitator


async def test_pressing_a_plan_item_changes_it_and_plans_again(app: App, world: World) -> None:
    await schedule(app, world.facilitator, world.network, local(2026, 3, 10, 14))
    conversation = Conversation(app)
    shown = await conversation.button(
        FIE, ScheduleButton(ScheduleOp.PLAN, world.network.id).encode()
    )
    assert any("Midtvejstjek: 14 dage efter" in b.label for row in shown[0].buttons for b in row)
    changed = await conversation.button(
        FIE, ScheduleButton(ScheduleOp.PLAN_CYCLE, world.network.id, 1).encode()
    )
    assert any("Midtvejstjek: 7 dage efter" in b.label for row in changed[0].buttons for b in row)
    midpoint = next(r for r in await _rounds(app, world.network.id) if r.kind == "midpoint")
    assert midpoint.due_at == local(2026, 3, 17, 17)
