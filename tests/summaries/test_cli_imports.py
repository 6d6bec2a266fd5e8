"""A CSV or Markdown summary from the command line loads only what it uses: no chart or
Telegram library, no Alembic when the schema is current, and no rendering of every format's
texts. Their imports and checks are most of what makes a command slow to start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HEAVY = ("matplotlib", "telegram", "alembic", "dialogues.textchecks", "jinja2")

SCRIPT = f"""
import sys
from bot.cli import cli
try:
    cli(["summary", "Team 4A", "--format", sys.argv[1]], standalone_mode=False)
finally:
    print("\\nLOADED", sorted(m for m in {HEAVY!r} if m in sys.modules))
"""

CREATE = "from bot.cli import cli; cli(['group', 'create', 'Team 4A'], standalone_mode=False)"


def _run(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", *args], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


def _loaded(printed: str) -> list[str]:
    last = printed.rstrip().rsplit("\n", 1)[-1]
    assert last.startswith("LOADED "), printed
    found: list[str] = eval(last.removeprefix("LOADED "))  # noqa: S307 - our own output
    return found


def test_a_csv_summary_loads_no_chart_telegram_alembic_or_templates(cli_env: Path) -> None:
    _run(CREATE)
    assert _loaded(_run(SCRIPT, "csv")) == []


def test_a_markdown_summary_loads_only_its_template_engine(cli_env: Path) -> None:
    _run(CREATE)
    assert _loaded(_run(SCRIPT, "md")) == ["jinja2"]


def test_an_html_summary_still_draws_its_chart(cli_env: Path) -> None:
    _run(CREATE)
    printed = _run(SCRIPT, "html")
    assert "<html" in printed
    assert "matplotlib" in _loaded(printed)


def test_a_database_behind_the_newest_migration_is_brought_up_first(cli_env: Path) -> None:
    _run(CREATE)
    _run(
        "import asyncio, os\n"
        "from storage.db import Database\n"
        "from storage.migrate import downgrade\n"
        "async def main():\n"
        "    database = Database(os.environ['DATABASE_URL'])\n"
        "    await downgrade(database.engine, '-1')\n"
        "    await database.dispose()\n"
        "asyncio.run(main())\n"
    )
    assert "alembic" in _loaded(_run(SCRIPT, "csv"))
    assert _loaded(_run(SCRIPT, "csv")) == []


def test_a_fresh_database_is_given_the_schema_by_the_first_command(cli_env: Path) -> None:
    assert not (cli_env / "cli.db").exists()
    assert "alembic" in _loaded(_run(SCRIPT, "csv"))  # no such group yet: nothing printed
    _run(CREATE)
    assert _run(SCRIPT, "csv").lstrip("\ufeff").startswith("Afsnit;Gruppe;")
