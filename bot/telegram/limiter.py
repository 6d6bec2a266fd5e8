"""Replies within Telegram's limits when several processes answer updates at once.

python-telegram-bot's `AIORateLimiter` counts in the memory of one process. With several
workers, each would allow Telegram's whole budget on its own; this limiter asks the shared
pacing in PostgreSQL (`bot.dispatch.pacing.SharedPacer`) instead, so the workers and the
dispatchers together stay within about 30 messages a second and 20 a minute per group
(and the one a second per chat, when the pacer is given it). A 429 holds every process
for the time Telegram asked.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from telegram._utils.types import JSONDict
from telegram.error import RetryAfter
from telegram.ext import BaseRateLimiter

from bot.dispatch.pacing import SharedPacer

MAX_RETRIES = 3


class SharedRateLimiter(BaseRateLimiter[None]):
    """Wait for a turn under the shared limits before every request to a chat."""

    def __init__(self, pacer: SharedPacer, max_retries: int = MAX_RETRIES) -> None:
        self.pacer = pacer
        self.max_retries = max_retries

    async def initialize(self) -> None:
        """Nothing to set up: the limits live in the database."""

    async def shutdown(self) -> None:
        """Nothing to tear down."""

    async def process_request(  # noqa: PLR0917 - the signature python-telegram-bot calls
        self,
        callback: Callable[..., Coroutine[Any, Any, bool | JSONDict | list[JSONDict]]],
        args: Any,
        kwargs: dict[str, Any],
        endpoint: str,
        data: dict[str, Any],
        rate_limit_args: None,
    ) -> bool | JSONDict | list[JSONDict]:
        chat_id = data.get("chat_id")
        for attempt in range(self.max_retries + 1):
            if isinstance(chat_id, int):
                await self.pacer.wait_turn(chat_id)
            try:
                return await callback(*args, **kwargs)
            except RetryAfter as exc:
                wait = exc.retry_after
                seconds = wait.total_seconds() if isinstance(wait, timedelta) else float(wait)
                await self.pacer.hold(seconds)  # every process's next turn comes after it
                if attempt == self.max_retries:
                    raise
        raise AssertionError("unreachable")
