"""Periods, Telegram splitting and the chart."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.summaries.chart import chart_data, render_chart
from bot.summaries.output import render_html, render_telegram
from bot.summaries.period import parse_period
from tests.summaries.sample import network_report, team_report

TZ = ZoneInfo("Europe/Copenhagen")
NOW = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)


def test_periods() -> None:
    assert parse_period("all", NOW, TZ).since is None
    school = parse_period("schoolyear", NOW, TZ)
    assert school.since == datetime(2026, 7, 31, 22, 0, tzinfo=UTC)
    spring = parse_period("schoolyear", datetime(2027, 3, 1, tzinfo=UTC), TZ)
    assert spring.first is not None
    assert spring.first.isoformat() == "2026-08-01"
    year = parse_period("2026", NOW, TZ)
    assert (year.since, year.until) == (
        datetime(2025, 12, 31, 23, 0, tzinfo=UTC),
        datetime(2026, 12, 31, 23, 0, tzinfo=UTC),
    )
    span = parse_period("2026-08-01..2026-08-31", NOW, TZ)
    assert span.until == datetime(2026, 8, 31, 22, 0, tzinfo=UTC)
    for bad in ("last week", "2026-09-01..2026-08-01", "2026-13-01..2026-12-01"):
        with pytest.raises(ValueError, match=r"period|month|before"):
            parse_period(bad, NOW, TZ)


def test_a_hundred_teams_split_below_telegrams_limit() -> None:
    parts = render_telegram(network_report("da", teams=100))
    assert len(parts) > 1
    assert all(len(p) < 4096 for p in parts)
    assert sum(p.count("<b>Team ") for p in parts) == 97
    for part in parts:  # every part stands on its own: tags open and close inside it
        assert part.count("<b>") == part.count("</b>")
        assert part.count("<i>") == part.count("</i>")


def test_the_chart_draws_only_shown_values() -> None:
    report = network_report("da")
    data = chart_data(report)
    drawn = {v for points in data.lines.values() for _, v in points}
    assert drawn == {5.1, 5.25, 5.5}  # Engen's hidden round and the withheld total are gaps
    png = render_chart(report)
    assert png is not None
    assert png.startswith(b"\x89PNG")
    assert "data:image/png;base64," in render_html(report, png)


def test_many_teams_are_drawn_as_their_middle() -> None:
    data = chart_data(network_report("en", teams=20), "middle")
    assert set(data.lines) == {"Netværk Nord", "middle"}


def test_no_chart_without_figures() -> None:
    report = team_report("da")
    report.main.safety = []
    report.main.steps = []
    assert render_chart(report) is None
