"""Injected failures and flood-limit emulation.

Flood limits follow Telegram's Bots FAQ ("My bot is hitting limits"): about one message
per second in a chat with short bursts tolerated, 20 per minute in a group, about 30
per second overall. They are token buckets over an injected monotonic clock, so a test
can move time by hand and a benchmark can push thousands of requests through cheaply.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

DESCRIPTIONS = {
    400: "Bad Request: injected failure",
    403: "Forbidden: bot was blocked by the user",
    409: (
        "Conflict: terminated by other getUpdates request; make sure that only one bot "
        "instance is running"
    ),
    429: "Too Many Requests: retry after {retry_after}",
    500: "Internal Server Error",
    502: "Bad Gateway",
}

# Methods that deliver a message and so count against flood limits.
FLOOD_METHODS = frozenset(
    {
        "sendMessage",
        "sendDocument",
        "sendPhoto",
        "sendAudio",
        "sendVideo",
        "sendVoice",
        "sendAnimation",
        "sendSticker",
        "sendMediaGroup",
        "sendLocation",
        "sendVenue",
        "sendContact",
        "sendPoll",
        "sendDice",
        "copyMessage",
        "forwardMessage",
    }
)


@dataclass(slots=True)
class FaultRule:
    """Answer the next `times` matching requests with an error (or only delay them)."""

    method: str  # lower-case
    status: int | None
    retry_after: int | None
    times: int
    chat_id: int | str | None
    delay: float | None
    description: str | None

    def matches(self, method: str, params: dict[str, Any]) -> bool:
        """Does this rule apply to a request?"""
        if self.times <= 0 or method.lower() != self.method:
            return False
        return self.chat_id is None or params.get("chat_id") == self.chat_id

    def answer(self) -> tuple[int, str, dict[str, Any] | None] | None:
        """Status, description and response parameters; None to answer normally."""
        if self.status is None:
            return None
        retry_after = self.retry_after
        if self.status == 429 and retry_after is None:
            retry_after = 1
        template = self.description or DESCRIPTIONS.get(self.status, "Injected failure")
        parameters = {"retry_after": retry_after} if retry_after is not None else None
        return self.status, template.format(retry_after=retry_after), parameters


class FloodViolation(NamedTuple):
    """A request the flood emulation answered with 429."""

    method: str
    chat_id: Any
    retry_after: int


class _Bucket:
    """A token bucket: `capacity` tokens, refilled at `rate` per second."""

    __slots__ = ("capacity", "rate", "stamp", "tokens")

    def __init__(self, capacity: float, rate: float, now: float) -> None:
        self.capacity = capacity
        self.rate = rate
        self.tokens = capacity
        self.stamp = now

    def wait_time(self, now: float) -> float:
        """Refill, then return 0 if a token is available, else seconds until one is."""
        self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        return 0.0 if self.tokens >= 1 else (1 - self.tokens) / self.rate


class FloodLimiter:
    """Per-chat, per-group and overall buckets; off until a test switches it on."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        per_chat_per_second: float,
        burst: int,
        group_per_minute: float,
        overall_per_second: float,
    ) -> None:
        self.clock = clock
        self.per_chat_per_second = per_chat_per_second
        self.burst = burst
        self.group_per_minute = group_per_minute
        self.overall = _Bucket(overall_per_second, overall_per_second, clock())
        self.chats: dict[Any, _Bucket] = {}
        self.groups: dict[Any, _Bucket] = {}

    def check(self, method: str, chat_id: Any) -> int | None:
        """Take a token for a send; return retry_after seconds when over a limit."""
        if method not in FLOOD_METHODS:
            return None
        now = self.clock()
        buckets = [self.overall]
        chat = self.chats.get(chat_id)
        if chat is None:
            chat = self.chats[chat_id] = _Bucket(self.burst, self.per_chat_per_second, now)
        buckets.append(chat)
        if _is_group(chat_id):
            group = self.groups.get(chat_id)
            if group is None:
                capacity = self.group_per_minute
                group = self.groups[chat_id] = _Bucket(capacity, capacity / 60, now)
            buckets.append(group)
        wait = max(bucket.wait_time(now) for bucket in buckets)
        if wait > 0:
            return max(1, math.ceil(wait))
        for bucket in buckets:
            bucket.tokens -= 1
        return None


def _is_group(chat_id: Any) -> bool:
    return (isinstance(chat_id, int) and chat_id < 0) or (
        isinstance(chat_id, str) and chat_id.startswith("@")
    )
