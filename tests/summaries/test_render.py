"""Periods, Telegram splitting and the chart."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from bot.summaries.chart import chart_data, describe, render_chart
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


def test_the_page_carries_the_chart_as_svg_with_words_for_what_it_shows() -> None:
    report = network_report("da")
    data = chart_data(report)
    # Engen's second round is held back: its line breaks there instead of bridging it.
    assert data.gaps["Engen"] == [report.teams[2].safety[1].closed_at]
    svg = render_chart(report, "svg")
    assert svg is not None
    assert b"<svg" in svg[:400]
    words = describe(report)
    assert "Engen: 5,2 (15. sep. 2026)" in words
    page = render_html(report, svg, words)
    assert "data:image/svg+xml;base64," in page
    assert f'alt="{words}"' in page


def test_a_team_with_nothing_to_draw_is_named_as_held_back() -> None:
    report = network_report("en")
    engen = report.teams[2]
    engen.safety = [engen.safety[1]]  # only its held-back round
    assert chart_data(report).held_back == ["Engen"]
    assert "Held back because too few answered: Engen." in describe(report)


def test_the_page_prints_on_a4_with_headed_tables() -> None:
    page = render_html(network_report("da"))
    assert "@page { size: A4;" in page
    assert "<th>" not in page  # every header cell says what it heads
    assert '<th scope="row">Engen</th>' in page
    assert '<caption class="visually-hidden">Deltagelse</caption>' in page
