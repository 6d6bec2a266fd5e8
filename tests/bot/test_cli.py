"""The `refleks` command: clear one-line errors, format checks, groups and invites."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli
from dialogues.loader import FORMATS_DIR

runner = CliRunner()


@pytest.fixture
def env(cli_env: Path) -> Path:
    return cli_env


def test_an_invalid_setting_is_one_clear_line(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("REFLEKS_ANONYMITY_MIN", "2")
    result = runner.invoke(cli, ["db", "upgrade"])
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "REFLEKS_ANONYMITY_MIN" in lines[0]
    assert "Traceback" not in result.output


def test_the_token_is_never_echoed_in_errors(env: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token-value-abcdefghijk")
    monkeypatch.setenv("REFLEKS_TIMEZONE", "Mars/Olympus")
    result = runner.invoke(cli, ["db", "upgrade"])
    assert "REFLEKS_TIMEZONE" in result.output
    assert "SECRET" not in result.output


def test_formats_list_check_and_show(env: Path) -> None:
    listed = runner.invoke(cli, ["formats", "list"])
    assert listed.exit_code == 0
    assert "roller-og-relationer" in listed.output
    checked = runner.invoke(cli, ["formats", "check"])
    assert checked.exit_code == 0, checked.output
    shown = runner.invoke(cli, ["formats", "show", "roller-og-relationer"])
    assert shown.exit_code == 0
    assert shown.output.startswith("flowchart")
    missing = runner.invoke(cli, ["formats", "show", "findes-ikke"])
    assert missing.exit_code == 2


def test_a_broken_format_is_named_by_file_line_and_field(env: Path) -> None:
    folder = env / "formats"
    folder.mkdir()
    shutil.copy(FORMATS_DIR / "mindset.yaml", folder / "mindset.yaml")
    broken = (folder / "mindset.yaml").read_text(encoding="utf-8")
    broken = broken.replace(
        "audience: individual", "audience: individual\nfavourite_colour: blue", 1
    )
    (folder / "mindset.yaml").write_text(broken, encoding="utf-8")
    result = runner.invoke(cli, ["formats", "check", str(folder)])
    assert result.exit_code == 1
    assert re.search(r"mindset\.yaml:\d+: favourite_colour", result.output), result.output


def test_group_create_and_invite_print_links(env: Path) -> None:
    network = runner.invoke(cli, ["group", "create", "Netværk Øst", "--kind", "network"])
    assert network.exit_code == 0, network.output
    assert re.search(r"https://t\.me/<bot>\?start=[\w-]+", network.output)
    team = runner.invoke(cli, ["group", "create", "Team 4A", "--parent", "Netværk Øst"])
    assert team.exit_code == 0, team.output
    link = runner.invoke(cli, ["invite", "Team 4A", "--role", "leader", "--uses", "2"])
    assert link.exit_code == 0, link.output
    assert "?start=" in link.output
    unknown = runner.invoke(cli, ["invite", "Findes ikke"])
    assert unknown.exit_code == 2
    assert "doesn't exist" in unknown.output
    wrong = runner.invoke(cli, ["group", "create", "Team 5", "--parent", "Team 4A"])
    assert wrong.exit_code == 2
    assert "network" in wrong.output


@pytest.mark.parametrize("how", [["run", "--workers", "2"], ["run"]])
def test_more_than_one_worker_on_sqlite_is_refused_in_one_line(
    env: Path, monkeypatch: pytest.MonkeyPatch, how: list[str]
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:SECRET-token-value-abcdefghijk")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://refleks.example.dk/telegram/webhook")
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "webhook-SECRET")
    if how == ["run"]:
        monkeypatch.setenv("REFLEKS_WORKERS", "3")
    result = runner.invoke(cli, how)
    assert result.exit_code == 2
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1
    assert "PostgreSQL" in lines[0]
    assert "SECRET" not in result.output


def test_webhook_settings_are_checked_and_the_secret_never_shown(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "http://refleks.example.dk/hook")
    assert "https://" in runner.invoke(cli, ["db", "upgrade"]).output
    monkeypatch.setenv("TELEGRAM_WEBHOOK_URL", "https://refleks.example.dk/hook")
    assert "TELEGRAM_WEBHOOK_SECRET" in runner.invoke(cli, ["db", "upgrade"]).output
    monkeypatch.setenv("TELEGRAM_WEBHOOK_SECRET", "has spaces SECRET")
    refused = runner.invoke(cli, ["db", "upgrade"])
    assert "TELEGRAM_WEBHOOK_SECRET" in refused.output
    assert "SECRET" not in refused.output.replace("TELEGRAM_WEBHOOK_SECRET", "")


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        # nothing listens on port 9 of this machine: the server is not running
        ("postgresql+asyncpg://refleks:hemmeligt-kodeord@127.0.0.1:9/refleks", "refused"),
        # a file where the SQLite file's folder should be
        ("sqlite+aiosqlite:///{tmp}/a-file/refleks.db", "unable to open"),
    ],
)
def test_a_database_out_of_reach_is_one_clear_line_without_the_password(
    env: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    url: str,
    reason: str,
) -> None:
    from bot.cli import main

    (env / "a-file").write_text("not a folder")
    monkeypatch.setenv("DATABASE_URL", url.format(tmp=env))
    for command in (["db", "upgrade"], ["summary", "Team 4A", "--format", "csv"]):
        monkeypatch.setattr("sys.argv", ["refleks", *command])
        with pytest.raises(SystemExit) as stopped:
            main()
        assert stopped.value.code == 1
        printed = capsys.readouterr()
        lines = [line for line in printed.err.splitlines() if line.strip()]
        assert len(lines) == 1, printed.err
        assert lines[0].startswith("Cannot reach ")
        assert reason in lines[0].lower()
        assert "DATABASE_URL" in lines[0]
        assert "hemmeligt-kodeord" not in printed.err + printed.out
        assert "Traceback" not in printed.err


def test_other_errors_are_not_taken_for_an_unreachable_database() -> None:
    from bot.cli import unreachable_database

    assert unreachable_database(ValueError("no")) is None
    assert unreachable_database(PermissionError(13, "Permission denied", "out.html")) is None
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = OSError("Multiple exceptions: [Errno 111] Connect call failed")
    assert unreachable_database(wrapped) is not None


def _formats_with(env: Path, monkeypatch: pytest.MonkeyPatch, old: str, new: str) -> Path:
    """A copy of every format, MINDSET changed, in use for the rest of the test."""
    folder = env / "formats"
    shutil.copytree(FORMATS_DIR, folder)
    path = folder / "mindset.yaml"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    monkeypatch.setattr("dialogues.loader.FORMATS_DIR", folder)
    return path


def test_the_bot_does_not_start_with_a_text_that_cannot_be_rendered(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _formats_with(env, monkeypatch, "Vi har alle en blanding", "Vi har {{ alle en blanding")
    for command in (["run"], ["chat"]):
        result = runner.invoke(cli, command, input="")
        assert result.exit_code == 2, result.output
        assert "A format file is broken" in result.output
        assert re.search(r"mindset\.yaml:\d+: steps\[0\]\.text\.da: template error", result.output)
    checked = runner.invoke(cli, ["formats", "check"])
    assert checked.exit_code == 1
    assert "mindset.yaml" in checked.output


def test_a_command_that_reads_the_formats_names_a_broken_one(
    env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert runner.invoke(cli, ["group", "create", "Team 4A"]).exit_code == 0
    _formats_with(env, monkeypatch, "audience: individual", "audience: individual\ncolour: blue")
    result = runner.invoke(cli, ["summary", "Team 4A", "--format", "csv"])
    assert result.exit_code == 2
    assert "A format file is broken" in result.output
    assert re.search(r"mindset\.yaml:\d+: colour", result.output), result.output
