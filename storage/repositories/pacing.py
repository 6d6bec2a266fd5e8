"""Telegram's send limits as rows every process shares (PostgreSQL only).

Each limit is a generic cell rate: a row holds the theoretical arrival time (`tat`) of the
next send under it, in seconds. A reservation (the function `pacing_reserve`, made by the
migration) locks the rows of the limits a send falls under, takes the earliest moment all
of them allow, and moves each row on by its interval. The
time is the database server's clock unless the caller passes one (tests do), so processes
on several machines agree on it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, text
from sqlalchemy.dialects.postgresql import ARRAY, DOUBLE_PRECISION, VARCHAR
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

PAUSE = "pause"  # held after a 429 answer: every send waits until its tat

# The migration's function: locks the rows of the limits (in key order, so two
# reservations never wait for each other in a circle), reads the clock, and reserves.
_RESERVE = text(
    "SELECT start, clock, reserved FROM pacing_reserve(:keys, :intervals, :now, :horizon)"
).bindparams(
    bindparam("keys", type_=ARRAY(VARCHAR)),
    bindparam("intervals", type_=ARRAY(DOUBLE_PRECISION)),
    bindparam("now", type_=DOUBLE_PRECISION),
    bindparam("horizon", type_=DOUBLE_PRECISION),
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
    connection: AsyncConnection,
    limits: Sequence[tuple[str, float]],
    *,
    horizon: float,
    now: float | None = None,
) -> Slot:
    """Reserve the earliest moment every `(key, interval)` limit (and any pause) allows.

    A moment more than `horizon` seconds away is not reserved: the caller waits and asks
    again, so nobody holds a slot far ahead (a process that dies wastes at most that much).
    One statement, on a connection in autocommit.
    """
    keys = sorted(dict(limits))
    intervals = dict(limits)
    params = {
        "keys": keys,
        "intervals": [intervals[k] for k in keys],
        "now": now,
        "horizon": horizon,
    }
    start, clock, reserved = (await connection.execute(_RESERVE, params)).one()
    return Slot(float(start), float(clock), bool(reserved))


async def hold(session: AsyncSession, seconds: float, *, now: float | None = None) -> None:
    """Hold every send for `seconds` from now (Telegram answered 429 with retry_after)."""
    await session.execute(_HOLD, {"key": PAUSE, "now": now, "seconds": seconds})


async def forget_idle(session: AsyncSession, idle: float, *, now: float | None = None) -> int:
    """Delete limits nobody used for `idle` seconds (a fresh row allows a send at once)."""
    result = await session.execute(_FORGET, {"now": now, "idle": idle})
    return int(result.rowcount)  # type: ignore[attr-defined]
