"""Online backup and restore of the embedded SQLite database."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlalchemy.engine import make_url


def sqlite_path(url: str) -> Path:
    """The file behind a SQLite URL; ValueError for other databases."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        raise ValueError("only the embedded SQLite database is backed up this way; use pg_dump")
    return Path(parsed.database)


def backup(url: str, target: Path) -> int:
    """Copy the live database into `target` with SQLite's online backup; returns pages copied."""
    source_path = sqlite_path(url)
    if not source_path.exists():
        raise FileNotFoundError(source_path)
    target.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(source_path) as source, sqlite3.connect(target) as copy:
        source.backup(copy)
        pages = int(copy.execute("PRAGMA page_count").fetchone()[0])
    copy.close()
    source.close()
    return pages


def restore(url: str, source_file: Path) -> None:
    """Replace the database with a backup, checking first that it is a sound SQLite file."""
    target_path = sqlite_path(url)
    with sqlite3.connect(source_file) as source:
        if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
            raise ValueError(f"{source_file} is not a sound SQLite database")
        target_path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite3.connect(target_path) as target:
            source.backup(target)
        target.close()
    source.close()
