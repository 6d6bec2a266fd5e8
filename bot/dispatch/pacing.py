"""Pace sends to stay inside Telegram's limits, so the server never has to refuse one.

Telegram allows about 30 messages a second overall, 20 a minute in one group and about
one a second in one chat. Each limit is a generic cell rate (GCRA): a send reserves the
earliest moment every limit it falls under allows, in the order sends ask, so messages
to one chat keep their order. Time and sleeping are injected: tests run on virtual time.

`Pacer` keeps the limits in the memory of one process: right for one process on SQLite.
Telegram counts per bot, though, so when several processes send (dispatchers, workers
answering updates), `SharedPacer` keeps the same limits in PostgreSQL, the one engine
every such deployment already has (`storage.repositories.pacing`). It reserves at most
`HORIZON` seconds ahead, so a process that dies leaves no reservation that outlives it by
more than that. The dispatcher reserves only `FOLLOWUP_HORIZON` ahead: a reply to someone
who just wrote takes the next free moment before any follow-up that is not yet reserved,
so a round of follow-ups never keeps a person waiting for their next question.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Protocol

from storage.db import Database
from storage.repositories import pacing as cells

log = logging.getLogger(__name__)

# Slightly under Telegram's figures: the server's buckets start counting when our first
# request arrives, a little after we started ours.
OVERALL_PER_SECOND = 29.5
CHAT_INTERVAL = 1.0
GROUP_PER_MINUTE = 19.0
_FORGET_AFTER = 10_000  # chats remembered before idle ones are forgotten
HORIZON = 2.0  # seconds: the furthest ahead a shared reservation is made
FOLLOWUP_HORIZON = 0.5  # seconds: the same for the dispatcher, so replies come first
IDLE_CELLS = 300.0  # seconds after which a shared limit nobody used is deleted


class Pacing(Protocol):
    """What a sender needs: wait for its turn in a chat, and hold everything after a 429."""

    async def wait_turn(self, chat_id: int) -> None: ...

    def pause(self, seconds: float) -> None: ...


def limits_of(
    chat_id: int, per_second: float, chat_interval: float, group_per_minute: float
) -> list[tuple[str, float]]:
    """The limits a send to `chat_id` falls under, as (name, seconds between sends);
    `chat_interval` 0 leaves out the limit of one chat."""
    limits = [("all", 1.0 / per_second)]
    if chat_interval > 0:
        limits.append((f"chat:{chat_id}", chat_interval))
    if chat_id < 0:  # groups and supergroups have negative ids
        # No burst: evenly spaced, no minute ever holds more than the limit.
        limits.append((f"group:{chat_id}", 60.0 / group_per_minute))
    return limits


@dataclass
class _Cell:
    """One limit: `interval` between sends on average, `burst` of them back to back."""

    interval: float
    burst: int = 1
    tat: float = 0.0  # the theoretical arrival time of the next send

    def earliest(self) -> float:
        return self.tat - (self.burst - 1) * self.interval

    def take(self, at: float) -> None:
        self.tat = max(self.tat, at) + self.interval


@dataclass
class Pacer:
    """Reserve send slots under the overall, per-group and per-chat limits."""

    per_second: float = OVERALL_PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    group_per_minute: float = GROUP_PER_MINUTE
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _overall: _Cell = field(init=False)
    _chats: dict[int, _Cell] = field(init=False, default_factory=dict)
    _groups: dict[int, _Cell] = field(init=False, default_factory=dict)
    _paused_until: float = field(init=False, default=0.0)

    def __post_init__(self) -> None:
        self._overall = _Cell(1.0 / self.per_second)

    def _cells(self, chat_id: int) -> list[_Cell]:
        cells = [self._overall]
        chat = self._chats.get(chat_id)
        if chat is None:
            chat = self._chats[chat_id] = _Cell(self.chat_interval)
        cells.append(chat)
        if chat_id < 0:  # groups and supergroups have negative ids
            group = self._groups.get(chat_id)
            if group is None:
                # No burst: evenly spaced, no minute ever holds more than the limit.
                group = self._groups[chat_id] = _Cell(60.0 / self.group_per_minute)
            cells.append(group)
        return cells

    def reserve(self, chat_id: int) -> float:
        """The monotonic moment the next send to `chat_id` may start (now reserved)."""
        now = self.monotonic()
        if len(self._chats) > _FORGET_AFTER:
            self._chats = {k: c for k, c in self._chats.items() if c.tat > now}
        cells = self._cells(chat_id)
        start = max([now, self._paused_until, *(cell.earliest() for cell in cells)])
        for cell in cells:
            cell.take(start)
        return start

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until a send to `chat_id` is within every limit (and no pause holds)."""
        while True:
            delay = self.reserve(chat_id) - self.monotonic()
            if delay > 0:
                await self.sleep(delay)
            if self.monotonic() >= self._paused_until:
                return

    def pause(self, seconds: float) -> None:
        """Hold every send for `seconds` (Telegram answered 429 with retry_after)."""
        self._paused_until = max(self._paused_until, self.monotonic() + seconds)


@dataclass
class SharedPacer:
    """The same limits as `Pacer`, kept in PostgreSQL for every process that sends.

    With `clock` unset the database server's clock is used, so machines agree on time.
    """

    db: Database
    per_second: float = OVERALL_PER_SECOND
    chat_interval: float = CHAT_INTERVAL
    group_per_minute: float = GROUP_PER_MINUTE
    horizon: float = HORIZON
    clock: Callable[[], float] | None = None
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep
    _holding: set[asyncio.Task[None]] = field(init=False, default_factory=set)

    async def reserve(self, chat_id: int) -> cells.Slot:
        """Reserve the next send to `chat_id` if it can start within the horizon."""
        limits = limits_of(chat_id, self.per_second, self.chat_interval, self.group_per_minute)
        now = self.clock() if self.clock is not None else None
        async with self.db.guarded() as connection:
            return await cells.reserve(connection, limits, horizon=self.horizon, now=now)

    async def wait_turn(self, chat_id: int) -> None:
        """Wait until a send to `chat_id` is within every limit, whoever else sends."""
        while True:
            slot = await self.reserve(chat_id)
            if slot.reserved:
                if slot.delay > 0:
                    await self.sleep(slot.delay)
                return
            await self.sleep(slot.delay - self.horizon)

    def pause(self, seconds: float) -> None:
        """Hold every process's sends for `seconds` (written in the background)."""
        task = asyncio.get_running_loop().create_task(self.hold(seconds))
        self._holding.add(task)
        task.add_done_callback(self._holding.discard)

    async def hold(self, seconds: float) -> None:
        now = self.clock() if self.clock is not None else None
        try:
            await self.db.run(lambda s: cells.hold(s, seconds, now=now))
        except Exception:  # the 429 itself was handled; the next one holds again
            log.exception("could not share a pause of the sends")

    async def forget_idle(self) -> int:
        """Delete limits nobody used for a while (run once, by the dispatcher's upkeep)."""
        now = self.clock() if self.clock is not None else None
        return await self.db.run(lambda s: cells.forget_idle(s, IDLE_CELLS, now=now))


def pacer_for(db: Database) -> Pacer | SharedPacer:
    """The dispatcher's pacing: limits shared through PostgreSQL, behind replies; or kept
    in this process on SQLite (one process)."""
    return Pacer() if db.is_sqlite else SharedPacer(db, horizon=FOLLOWUP_HORIZON)


class VirtualTime:
    """Monotonic time that only moves when someone sleeps (for tests and dry runs)."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += max(seconds, 0.0)
        await asyncio.sleep(0)
