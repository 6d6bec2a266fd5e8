"""Replies of several workers keep Telegram's overall and group limits together."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from telegram.error import RetryAfter

from bot.dispatch.pacing import SharedPacer, VirtualTime
from bot.telegram.limiter import SharedRateLimiter
from storage.db import Database
from tests.fakebot.faults import FloodLimiter


async def test_two_workers_replies_stay_within_the_limits_together(
    pg_database: Database,
) -> None:
    clock = VirtualTime()
    flood = FloodLimiter(
        clock, per_chat_per_second=1, burst=3, group_per_minute=20, overall_per_second=30
    )
    refused: list[int] = []

    async def send(chat_id: int) -> bool:
        if flood.check("sendMessage", chat_id) is not None:
            refused.append(chat_id)
        return True

    workers = [
        SharedRateLimiter(SharedPacer(pg_database, chat_interval=0, clock=clock, sleep=clock.sleep))
        for _ in range(2)
    ]
    for number in range(120):
        chat = -500 if number % 10 == 0 else 1000 + number
        await workers[number % 2].process_request(
            send, (chat,), {}, "sendMessage", {"chat_id": chat}, None
        )
    assert refused == []
    assert clock.now >= 119 / 29.5 - 1e-6  # together at the overall pace, not twice it


async def test_a_429_holds_the_other_worker_too(pg_database: Database) -> None:
    clock = VirtualTime()

    def worker(retries: int) -> SharedRateLimiter:
        pacer = SharedPacer(pg_database, chat_interval=0, clock=clock, sleep=clock.sleep)
        return SharedRateLimiter(pacer, max_retries=retries)

    first, second = worker(0), worker(3)

    async def refused() -> Any:
        raise RetryAfter(timedelta(seconds=7))

    async def accepted() -> bool:
        return True

    with pytest.raises(RetryAfter):
        await first.process_request(refused, (), {}, "sendMessage", {"chat_id": 1}, None)
    assert clock.now < 1  # the first worker gave up at once
    assert await second.process_request(accepted, (), {}, "sendMessage", {"chat_id": 2}, None)
    assert clock.now >= 7  # the other worker waited for the pause all the same
