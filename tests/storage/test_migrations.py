"""The schema is built only by migrations, and the models agree with them."""

from __future__ import annotations

from storage.db import Database
from storage.migrate import downgrade, model_drift, pending_revisions, upgrade


async def test_migrated_schema_matches_models(database: Database) -> None:
    assert await pending_revisions(database.engine) == []
    assert await model_drift(database.engine) == []


async def test_downgrade_to_base_and_up_again(database: Database) -> None:
    await downgrade(database.engine, "base")
    assert await pending_revisions(database.engine) != []
    await upgrade(database.engine)
    assert await pending_revisions(database.engine) == []
    assert await model_drift(database.engine) == []
