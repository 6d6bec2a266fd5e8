"""A CSV or Markdown summary from the command line loads neither matplotlib nor the
Telegram library: their imports are most of what makes the command slow to start."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = """
import sys
from bot.cli import cli
try:
    cli(["summary", "Team 4A", "--format", sys.argv[1]], standalone_mode=False)
finally:
    print("\\nLOADED", sorted(m for m in ("matplotlib", "telegram") if m in sys.modules))
"""


def _run(*args: str) -> str:
    done = subprocess.run(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", *args], capture_output=True, text=True, check=True, timeout=300
    )
    return done.stdout


@pytest.mark.parametrize("output", ["csv", "md"])
def test_a_text_summary_loads_no_chart_or_telegram_library(cli_env: Path, output: str) -> None:
    _run("from bot.cli import cli; cli(['group', 'create', 'Team 4A'], standalone_mode=False)")
    printed = _run(SCRIPT, output)
    assert printed.rstrip().endswith("LOADED []"), printed


def test_an_html_summary_still_draws_its_chart(cli_env: Path) -> None:
    _run("from bot.cli import cli; cli(['group', 'create', 'Team 4A'], standalone_mode=False)")
    printed = _run(SCRIPT, "html")
    assert "<html" in printed
