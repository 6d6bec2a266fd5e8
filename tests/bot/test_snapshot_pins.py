"""Pinning a format's snapshot when a start that stored it rolls back."""

from __future__ import annotations

import pytest

from bot.services import reflection
from storage.db import Database
from storage.repositories import dialogues as repo
from tests.support import make_app


async def test_a_snapshot_stored_in_a_rolled_back_transaction_is_not_remembered(
    database: Database,
) -> None:
    app = make_app(database)
    fmt = app.catalog.get("roller-og-relationer")
    assert fmt is not None

    async def failing_start() -> None:
        async with database.transaction() as session:
            await reflection.pin(app, session, fmt)
            raise RuntimeError("the start failed after the snapshot was stored")

    with pytest.raises(RuntimeError):
        await failing_start()
    async with database.transaction() as session:
        pinned = await reflection.pin(app, session, fmt)
        assert await repo.stored_snapshot(session, fmt.fingerprint()) == pinned
