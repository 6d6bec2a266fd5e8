"""Several processes that send keep Telegram's limits together, through PostgreSQL."""

from __future__ import annotations

import random

from bot.dispatch.pacing import CHAT_INTERVAL, HORIZON, SharedPacer, VirtualTime
from storage.db import Database
from tests.fakebot.faults import FloodLimiter


def _processes(database: Database, count: int) -> tuple[list[SharedPacer], VirtualTime]:
    """`count` pacers as separate processes would have them: nothing shared but the database."""
    clock = VirtualTime()
    return [SharedPacer(database, clock=clock, sleep=clock.sleep) for _ in range(count)], clock


async def test_two_senders_together_stay_within_every_limit(pg_database: Database) -> None:
    (first, second), clock = _processes(pg_database, 2)
    flood = FloodLimiter(
        clock, per_chat_per_second=1, burst=3, group_per_minute=20, overall_per_second=30
    )
    chats = random.Random(7).choices([1, 2, 3, -100, -200, *range(10, 400)], k=240)
    for number, chat in enumerate(chats):
        await (first if number % 2 else second).wait_turn(chat)
        assert flood.check("sendMessage", chat) is None, f"send {number} to {chat} refused"
    # Together they go at the overall pace, not at twice it.
    assert clock.now >= 239 / 29.5 - 1e-6


async def test_a_pause_after_a_429_holds_the_other_process_too(pg_database: Database) -> None:
    (first, second), clock = _processes(pg_database, 2)
    await first.wait_turn(1)
    await first.hold(5)
    await second.wait_turn(2)
    assert clock.now >= 5


async def test_a_process_that_dies_holds_no_reservation_beyond_the_horizon(
    pg_database: Database,
) -> None:
    (dead, alive), clock = _processes(pg_database, 2)
    # The one that dies reserves every slot in one chat it is allowed, and never sends.
    reserved = 0
    while (await dead.reserve(42)).reserved:
        reserved += 1
    assert reserved >= 2
    await alive.wait_turn(42)
    assert clock.now <= HORIZON + CHAT_INTERVAL + 1e-6
