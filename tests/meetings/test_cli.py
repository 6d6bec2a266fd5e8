"""`refleks meeting …` and `refleks followup …` from the operator's terminal."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from bot.cli import cli

runner = CliRunner()


@pytest.fixture
def env(cli_env: Path) -> Path:
    created = runner.invoke(cli, ["group", "create", "Netværk Øst", "--kind", "network"])
    assert created.exit_code == 0, created.output
    return cli_env


def _ok(args: list[str]) -> str:
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    return result.output


def test_plan_list_move_and_cancel_meetings_with_their_follow_up(env: Path) -> None:
    added = _ok(
        [
            "meeting",
            "add",
            "Netværk Øst",
            "--at",
            "2030-03-12 14:00",
            "--every-weeks",
            "6",
            "--count",
            "3",
        ]
    )
    assert "Planned 3 meeting(s)" in added
    assert "2030-04-23 14:00" in added  # after summer time began, still 14:00 local

    listed = _ok(["meeting", "list", "Netværk Øst"])
    assert listed.count("planned") == 3
    assert "2030-03-12 14:00-17:00" in listed

    rounds = _ok(["followup", "list", "Netværk Øst"])
    assert "midpoint" in rounds
    assert "2030-03-26 17:00" in rounds  # fourteen days after the first meeting ended
    assert "checkin" in rounds

    plan = _ok(["followup", "plan", "Netværk Øst", "--set", "midpoint=10", "--set", "checkin=off"])
    assert "midpoint_days_after        10" in plan
    assert "checkin_days_after_last    off" in plan
    rounds = _ok(["followup", "list", "Netværk Øst"])
    assert "2030-03-22 17:00" in rounds
    chosen = _ok(
        [
            "followup",
            "plan",
            "Netværk Øst",
            "--format",
            "midpoint=mindset",
            "--closed",
            "2030-10-12..2030-10-16",
        ]
    )
    assert "format midpoint            mindset" in chosen
    assert "closed                     2030-10-12..2030-10-16" in chosen
    assert "closed " not in _ok(["followup", "plan", "Netværk Øst", "--closed", "none"])
    unknown = runner.invoke(cli, ["followup", "plan", "Netværk Øst", "--format", "midpoint=x"])
    assert unknown.exit_code == 2

    moved = _ok(["meeting", "move", "2", "--at", "2030-04-25 09:00"])
    assert "2030-04-25 09:00" in moved
    _ok(["meeting", "cancel", "3"])
    listed = _ok(["meeting", "list", "Netværk Øst"])
    assert listed.count("planned") == 2
    everything = _ok(["meeting", "list", "Netværk Øst", "--all"])
    assert "cancelled" in everything


def test_mistakes_are_one_clear_line(env: Path) -> None:
    wrong = runner.invoke(cli, ["meeting", "add", "Netværk Øst", "--at", "tirsdag"])
    assert wrong.exit_code == 2
    assert "2026-12-03 14:00" in wrong.output  # shows the form it wants
    assert "Traceback" not in wrong.output
    unknown = runner.invoke(cli, ["meeting", "list", "Findes Ikke"])
    assert unknown.exit_code == 2
    assert "exist" in unknown.output
    past = runner.invoke(cli, ["meeting", "add", "Netværk Øst", "--at", "2001-01-01 10:00"])
    assert past.exit_code == 2
    assert "already passed" in past.output
    bad_plan = runner.invoke(cli, ["followup", "plan", "Netværk Øst", "--set", "midpoint=soon"])
    assert bad_plan.exit_code == 2


def test_meeting_ics_on_standard_output_and_in_a_file(env: Path, tmp_path: Path) -> None:
    import icalendar

    _ok(["meeting", "add", "Netværk Øst", "--at", "2030-06-12 14:00", "--title", "Netværksmøde 1"])
    meeting_id = _ok(["meeting", "list", "Netværk Øst"]).split()[0]

    shown = _ok(["meeting", "ics", meeting_id])
    calendar = icalendar.Calendar.from_ical(shown)
    (event,) = calendar.walk("VEVENT")
    assert str(event["summary"]) == "Netværksmøde 1"
    start = event.decoded("dtstart")
    assert (start.hour, start.minute, str(start.tzinfo)) == (14, 0, "Europe/Copenhagen")
    assert event.decoded("dtend").hour == 17

    out = tmp_path / "mode.ics"
    _ok(["meeting", "ics", meeting_id, "--out", str(out), "--lang", "en"])
    written = icalendar.Calendar.from_ical(out.read_bytes())
    assert str(written.walk("VEVENT")[0]["uid"]) == f"refleks-meeting-{meeting_id}"

    missing = runner.invoke(cli, ["meeting", "ics", "999999"])
    assert missing.exit_code != 0
    assert "That meeting does not exist" in missing.output
