"""The schema is built only by migrations, and the models agree with them."""

from __future__ import annotations

from pathlib import Path

from alembic.script import ScriptDirectory

from storage.db import Database
from storage.migrate import alembic_config, downgrade, model_drift, pending_revisions, upgrade
from storage.revisions import database_revisions, head_revisions, upgrade_if_behind


async def test_migrated_schema_matches_models(database: Database) -> None:
    assert await pending_revisions(database.engine) == []
    assert await model_drift(database.engine) == []


async def test_downgrade_to_base_and_up_again(database: Database) -> None:
    await downgrade(database.engine, "base")
    assert await pending_revisions(database.engine) != []
    await upgrade(database.engine)
    assert await pending_revisions(database.engine) == []
    assert await model_drift(database.engine) == []


def test_the_heads_read_from_the_files_are_alembics() -> None:
    script = ScriptDirectory.from_config(alembic_config())
    assert head_revisions() == set(script.get_heads())
    assert len(head_revisions()) == 1


def test_a_merge_of_two_branches_has_one_head(tmp_path: Path) -> None:
    files = {
        "a.py": 'revision: str = "a"\ndown_revision: str | None = None\n',
        "b.py": 'revision: str = "b"\ndown_revision: str | None = "a"\n',
        "c.py": 'revision = "c"\ndown_revision = "a"\n',
        "d.py": 'revision: str = "d"\ndown_revision: tuple[str, str] = ("b", "c")\n',
    }
    for name, source in files.items():
        (tmp_path / name).write_text(source, encoding="utf-8")
    assert head_revisions(tmp_path) == {"d"}
    (tmp_path / "d.py").unlink()
    assert head_revisions(tmp_path) == {"b", "c"}
    (tmp_path / "e.py").write_text('revision = make_id()\ndown_revision = "b"\n', "utf-8")
    assert head_revisions(tmp_path) == set()  # unreadable: Alembic must decide


async def test_a_current_database_is_left_alone(database: Database) -> None:
    assert await database_revisions(database.engine) == head_revisions()
    assert await upgrade_if_behind(database.engine) is False


async def test_a_database_behind_the_newest_migration_is_brought_up(database: Database) -> None:
    script = ScriptDirectory.from_config(alembic_config())
    (head,) = script.get_heads()
    previous = script.get_revision(head).down_revision
    assert isinstance(previous, str)
    await downgrade(database.engine, previous)
    assert await database_revisions(database.engine) == {previous}
    assert await upgrade_if_behind(database.engine) is True
    assert await database_revisions(database.engine) == {head}
    assert await pending_revisions(database.engine) == []


async def test_an_empty_database_gets_the_whole_schema(tmp_path: Path) -> None:
    empty = Database(f"sqlite+aiosqlite:///{tmp_path / 'empty.db'}")
    try:
        assert await database_revisions(empty.engine) is None
        assert await upgrade_if_behind(empty.engine) is True
        assert await pending_revisions(empty.engine) == []
        assert await model_drift(empty.engine) == []
    finally:
        await empty.dispose()
