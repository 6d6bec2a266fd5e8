"""Telegram's send limits as rows every process shares (PostgreSQL only).

Each limit is a generic cell rate: a row holds the theoretical arrival time (`tat`) of the
next send under it, in seconds. A reservation locks the rows of the limits a send falls
under (always in key order, so two reservations never wait for each other in a circle),
takes the earliest moment all of them allow, and moves each row on by its interval. The
time is the database server's clock unless the caller passes one (tests do), so processes
on several machines agree on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, VARCHAR
from sqlalchemy.ext.asyncio import AsyncSession

PAUSE = "pause"  # held after a 429 answer: every send waits until its tat

# Creates the rows a send needs and locks them, returning each one's tat and the clock.
_LOCK = text(
    """
    INSERT INTO pacing_cells (key, tat)
    SELECT k, 0 FROM unnest(:keys) AS k ORDER BY k
    ON CONFLICT (key) DO UPDATE SET tat = pacing_cells.tat
    RETURNING key, tat, coalesce(:now, extract(epoch FROM clock_timestamp()))::float8
    """
).bindparams(
    bindparam("keys", type_=ARRAY(VARCHAR)),
    bindparam("now", type_=DOUBLE_PRECISION),
)
_TAKE = text(
    """
    UPDATE pacing_cells SET tat = greatest(pacing_cells.tat, :start) + step.interval
    FROM unnest(:keys, :intervals) AS step(key, interval)
    WHERE pacing_cells.key = step.key
    """
).bindparams(
    bindparam("keys", type_=ARRAY(VARCHAR)),
    bindparam("intervals", type_=ARRAY(DOUBLE_PRECISION)),
    bindparam("start", type_=DOUBLE_PRECISION),
)
_HOLD = text(
    """
    INSERT INTO pacing_cells (key, tat)
    VALUES (:key, coalesce(:now, extract(epoch FROM clock_timestamp())) + :seconds)
    ON CONFLICT (key) DO UPDATE SET tat = greatest(pacing_cells.tat, excluded.tat)
    """
).bindparams(bindparam("now", type_=DOUBLE_PRECISION))
_FORGET = text(
    """
    DELETE FROM pacing_cells
    WHERE tat < coalesce(:now, extract(epoch FROM clock_timestamp())) - :idle
    """
).bindparams(bindparam("now", type_=DOUBLE_PRECISION))


@dataclass(frozen=True)
class Slot:
    """When a send may start, the clock it was read against, and whether it is now held."""

    start: float
    now: float
    reserved: bool

    @property
    def delay(self) -> float:
        return max(self.start - self.now, 0.0)


async def reserve(
    session: AsyncSession,
    limits: Sequence[tuple[str, float]],
    *,
    horizon: float,
    now: float | None = None,
) -> Slot:
    """Reserve the earliest moment every `(key, interval)` limit (and any pause) allows.

    A moment more than `horizon` seconds away is not reserved: the caller waits and asks
    again, so nobody holds a slot far ahead (a process that dies wastes at most that much).
    """
    keys = sorted({key for key, _ in limits} | {PAUSE})
    rows = (await session.execute(_LOCK, {"keys": keys, "now": now})).all()
    clock = float(rows[0][2])
    start = max([clock, *(float(tat) for _, tat, _ in rows)])
    if start - clock > horizon:
        return Slot(start, clock, reserved=False)
    intervals = dict(limits)
    names = sorted(intervals)
    await session.execute(
        _TAKE, {"keys": names, "intervals": [intervals[k] for k in names], "start": start}
    )
    return Slot(start, clock, reserved=True)


async def hold(session: AsyncSession, seconds: float, *, now: float | None = None) -> None:
    """Hold every send for `seconds` from now (Telegram answered 429 with retry_after)."""
    await session.execute(_HOLD, {"key": PAUSE, "now": now, "seconds": seconds})


async def forget_idle(session: AsyncSession, idle: float, *, now: float | None = None) -> int:
    """Delete limits nobody used for `idle` seconds (a fresh row allows a send at once)."""
    result = await session.execute(_FORGET, {"now": now, "idle": idle})
    return int(result.rowcount)  # type: ignore[attr-defined]
