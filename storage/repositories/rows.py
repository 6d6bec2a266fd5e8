"""How many rows a statement touched, typed once for every repository."""

from __future__ import annotations

from typing import Any

from sqlalchemy.engine import CursorResult, Result

__all__ = ["affected"]


def affected(result: Result[Any]) -> int:
    """The number of rows an INSERT, UPDATE or DELETE touched (0 when the driver cannot say).

    `AsyncSession.execute` is typed to return a `Result`, but for these statements it is
    a `CursorResult`, which alone carries `rowcount`.
    """
    if not isinstance(result, CursorResult):
        raise TypeError("only an INSERT, UPDATE or DELETE reports the rows it touched")
    return max(int(result.rowcount or 0), 0)
