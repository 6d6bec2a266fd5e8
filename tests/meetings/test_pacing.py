"""The pacer keeps every send within Telegram's limits, checked against the fake's own buckets."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.dispatch.pacing import OVERALL_PER_SECOND, Pacer, VirtualTime
from tests.fakebot.faults import FloodLimiter


def _pacer() -> tuple[Pacer, VirtualTime]:
    clock = VirtualTime()
    return Pacer(monotonic=clock, sleep=clock.sleep), clock


async def test_sends_to_many_people_go_at_just_under_thirty_a_second() -> None:
    pacer, clock = _pacer()
    for chat in range(1, 296):
        await pacer.wait_turn(chat)
    assert OVERALL_PER_SECOND < 30
    assert abs(clock.now - 294 / OVERALL_PER_SECOND) < 1e-6  # evenly spaced, no burst


async def test_one_chat_gets_at_most_one_message_a_second() -> None:
    pacer, clock = _pacer()
    starts = []
    for _ in range(4):
        await pacer.wait_turn(42)
        starts.append(clock.now)
    assert [round(b - a, 6) for a, b in itertools.pairwise(starts)] == [1.0] * 3


async def test_a_group_gets_at_most_twenty_a_minute() -> None:
    pacer, clock = _pacer()
    starts = []
    for _ in range(21):
        await pacer.wait_turn(-100)
        starts.append(clock.now)
    assert all(b - a >= 60 / 19 - 1e-9 for a, b in itertools.pairwise(starts))
    assert sum(1 for s in starts if s < 60) <= 20  # never more than twenty in a minute


async def test_a_429_holds_everything_for_retry_after() -> None:
    pacer, clock = _pacer()
    await pacer.wait_turn(1)
    pacer.pause(5)
    await pacer.wait_turn(2)
    assert clock.now >= 5


@settings(deadline=None, max_examples=40)
@given(st.lists(st.sampled_from([1, 2, 3, -100, -200, *range(10, 60)]), min_size=1, max_size=300))
async def test_no_mix_of_chats_ever_trips_telegrams_flood_limits(chats: list[int]) -> None:
    pacer, clock = _pacer()
    flood = FloodLimiter(
        clock, per_chat_per_second=1, burst=3, group_per_minute=20, overall_per_second=30
    )
    for chat in chats:
        await pacer.wait_turn(chat)
        assert flood.check("sendMessage", chat) is None
