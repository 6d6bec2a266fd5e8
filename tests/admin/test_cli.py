"""`refleks admin add|remove|list`: administrators from the command line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli

runner = CliRunner()


@pytest.fixture
def env(cli_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REFLEKS_ADMINS", "111")
    return cli_env


def test_add_list_and_remove_administrators(env: Path) -> None:
    empty = runner.invoke(cli, ["admin", "list"])
    assert empty.exit_code == 0, empty.output
    assert "111" in empty.output
    assert "REFLEKS_ADMINS" in empty.output

    added = runner.invoke(cli, ["admin", "add", "222"])
    assert added.exit_code == 0, added.output
    assert "is now an administrator" in added.output
    again = runner.invoke(cli, ["admin", "add", "222"])
    assert "already" in again.output
    listed = runner.invoke(cli, ["admin", "list"])
    assert "222" in listed.output
    assert "refleks admin add" in listed.output

    removed = runner.invoke(cli, ["admin", "remove", "222"])
    assert removed.exit_code == 0, removed.output
    assert "222" not in runner.invoke(cli, ["admin", "list"]).output
    unknown = runner.invoke(cli, ["admin", "remove", "222"])
    assert unknown.exit_code == 1
    from_settings = runner.invoke(cli, ["admin", "remove", "111"])
    assert from_settings.exit_code == 1
    assert "REFLEKS_ADMINS" in from_settings.output
    not_a_number = runner.invoke(cli, ["admin", "add", "ada"])
    assert not_a_number.exit_code == 2
