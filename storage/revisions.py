"""Is the database at the newest migration? Answered without loading Alembic.

Loading Alembic and walking its scripts costs a short command such as `refleks summary`
about as much as the work it came for, and almost always the schema is current. So the
revision ids are read straight from the migration files, compared with the database's
`alembic_version` row, and Alembic runs only when they differ (or cannot be read).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

VERSIONS = Path(__file__).with_name("migrations") / "versions"

# `revision: str = "0001"` and `down_revision: str | None = "0001"` (or a tuple of them
# when two branches merge), as Alembic's script template writes them.
_ASSIGNMENT = re.compile(
    r"^(?P<name>revision|down_revision)\s*(?::[^=]+)?=\s*(?P<value>.+)$", re.MULTILINE
)


def _ids(value: object) -> set[str]:
    if value is None:
        return set()
    if isinstance(value, str):
        return {value}
    if isinstance(value, tuple | list) and all(isinstance(v, str) for v in value):
        return set(value)
    raise ValueError(f"not a revision id: {value!r}")


def head_revisions(versions: Path = VERSIONS) -> set[str]:
    """The revisions no other migration builds on; empty when a file cannot be read so."""
    revisions: set[str] = set()
    below: set[str] = set()
    for path in sorted(versions.glob("*.py")):
        found = {
            m["name"]: m["value"] for m in _ASSIGNMENT.finditer(path.read_text(encoding="utf-8"))
        }
        if "revision" not in found or "down_revision" not in found:
            return set()
        try:
            revisions |= _ids(ast.literal_eval(found["revision"].strip()))
            below |= _ids(ast.literal_eval(found["down_revision"].strip()))
        except (ValueError, SyntaxError):
            return set()
    return revisions - below


async def database_revisions(engine: AsyncEngine) -> set[str] | None:
    """The revisions stamped in the database; None when they cannot be read (no table)."""
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT version_num FROM alembic_version"))
            return {str(row[0]) for row in rows}
    except Exception:  # any doubt (no table yet, no connection): let Alembic look
        return None


async def upgrade_if_behind(engine: AsyncEngine) -> bool:
    """Bring the schema to the newest migration; True when Alembic had to run."""
    heads = head_revisions()
    if heads and await database_revisions(engine) == heads:
        return False
    from storage.migrate import upgrade

    await upgrade(engine)
    return True
