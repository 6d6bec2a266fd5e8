"""Reading dates and times people type, with a fixed clock."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.dates import (
    parse_clock,
    parse_date,
    parse_datetime,
    parse_length,
    parse_span,
    parse_when,
)

from .clock import CPH, cph, wall

# Tuesday 18 November 2025, 15:00 in Copenhagen.
NOW = cph(2025, 11, 18, 15)
TODAY = date(2025, 11, 18)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("tirsdag 14:00", "2025-11-25 14:00"),
        ("3/12 kl. 9", "2025-12-03 09:00"),
        ("3.12 kl. 9", "2025-12-03 09:00"),
        ("om to uger", "2025-12-02 15:00"),
        ("om 2 uger kl. 10", "2025-12-02 10:00"),
        ("i morgen kl. 10", "2025-11-19 10:00"),
        ("næste mandag kl. 8", "2025-11-24 08:00"),
        ("mandag kl. 8", "2025-11-24 08:00"),
        ("12. januar 2027 kl 13.30", "2027-01-12 13:30"),
        ("12/1/2027 13.30", "2027-01-12 13:30"),
        ("14.00", "2025-11-19 14:00"),
        ("16:30", "2025-11-18 16:30"),
        ("kl. 9", "2025-11-19 09:00"),
        ("i dag kl 16", "2025-11-18 16:00"),
        ("i overmorgen kl 8", "2025-11-20 08:00"),
        ("på fredag kl. 13.30", "2025-11-21 13:30"),
        ("torsdag d. 4/12 kl. 9", "2025-12-04 09:00"),
        ("Torsdag den 4. december kl. 9.15", "2025-12-04 09:15"),
        # 1 November has passed this year, so next year.
        ("1/11 kl. 10", "2026-11-01 10:00"),
        # English
        ("tomorrow at 10", "2025-11-19 10:00"),
        ("next Monday 9:00", "2025-11-24 09:00"),
        ("Thursday 4 December at 14:00", "2025-12-04 14:00"),
        ("in two weeks at 9", "2025-12-02 09:00"),
        ("friday 2pm", "2025-11-21 14:00"),
    ],
)
def test_parse_datetime(text: str, expected: str) -> None:
    result = parse_datetime(text, NOW, CPH)
    assert result is not None, text
    assert result.utcoffset() is not None
    assert wall(result) == expected


@pytest.mark.parametrize(
    "text",
    ["", "   ", "hej", "14", "inden jul", "december", "jul", "om 99999999 uger", "x" * 500],
)
def test_unreadable_or_vague_text_gives_none(text: str) -> None:
    assert parse_datetime(text, NOW, CPH) is None


def test_english_first_reads_english() -> None:
    result = parse_datetime("tomorrow at 10", NOW, CPH, lang="en")
    assert result is not None
    assert wall(result) == "2025-11-19 10:00"


def test_day_without_time_gets_the_default_time() -> None:
    result = parse_datetime("tirsdag", NOW, CPH, default_time=time(14, 0))
    assert result is not None
    assert wall(result) == "2025-11-25 14:00"
    with_time = parse_datetime("tirsdag 9:00", NOW, CPH, default_time=time(14, 0))
    assert with_time is not None
    assert wall(with_time) == "2025-11-25 09:00"


def test_parse_when_says_whether_a_time_was_given() -> None:
    day_only = parse_when("næste mandag", NOW, CPH)
    assert day_only is not None
    assert not day_only.has_time
    with_time = parse_when("næste mandag kl. 9", NOW, CPH)
    assert with_time is not None
    assert with_time.has_time
    assert wall(with_time.moment_utc) == "2025-11-24 09:00"


def test_summer_time_is_applied_to_the_result() -> None:
    # Asked in October summer time about a day in winter time.
    before_change = cph(2025, 10, 20, 12)
    result = parse_datetime("3/11 kl. 14", before_change, CPH)
    assert result is not None
    assert (wall(result), result.hour) == ("2025-11-03 14:00", 13)


def test_the_persons_own_time_zone() -> None:
    new_york = ZoneInfo("America/New_York")
    # At 15:00 in Copenhagen it is 09:00 in New York, so "kl. 10" is today there.
    result = parse_datetime("kl. 10", NOW, new_york)
    assert result is not None
    assert wall(result, new_york) == "2025-11-18 10:00"


def test_an_explicit_offset_is_respected() -> None:
    result = parse_datetime("3/12 14:00 UTC", NOW, CPH)
    assert result is not None
    assert wall(result) == "2025-12-03 15:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("om to uger", date(2025, 12, 2)),
        ("om 10 dage", date(2025, 11, 28)),
        ("fredag", date(2025, 11, 21)),
        ("senest fredag", date(2025, 11, 21)),
        ("næste mandag", date(2025, 11, 24)),
        ("3/12", date(2025, 12, 3)),
        ("1/11", date(2026, 11, 1)),
        ("i morgen", date(2025, 11, 19)),
        ("om en måned", date(2025, 12, 18)),
        ("12. januar 2027", date(2027, 1, 12)),
        ("in two weeks", date(2025, 12, 2)),
        ("by friday", date(2025, 11, 21)),
        ("inden jul", None),
        ("snart", None),
        ("", None),
    ],
)
def test_parse_date(text: str, expected: date | None) -> None:
    assert parse_date(text, TODAY, "da") == expected


WORDS = st.sampled_from(
    [
        "kl.",
        "kl",
        "om",
        "to",
        "uger",
        "i",
        "morgen",
        "næste",
        "mandag",
        "3/12",
        "3.12",
        "14.00",
        "9",
        "den",
        "d.",
        "at",
        "in",
        "weeks",
        "2027",
        "januar",
        "overmorgen",
        "senest",
        "31/2",
        "99999",
        "25:61",
        "-",
        "/",
        ".",
        "æøå",
    ]
)


@pytest.mark.parametrize(
    ("text", "start", "minutes"),
    [
        ("tirsdag 14-16", "2025-11-25 14:00", 120),
        ("3/12 kl. 9-11.30", "2025-12-03 09:00", 150),
        ("torsdag 13:00–15:30", "2025-11-20 13:00", 150),
        ("torsdag 13.00 - 15.00", "2025-11-20 13:00", 120),
        ("torsdag fra kl. 14 til 16", "2025-11-20 14:00", 120),
        ("kl. 14-16", "2025-11-19 14:00", 120),
        ("tirsdag 14:00 i 90 minutter", "2025-11-25 14:00", 90),
        ("tirsdag 14:00 2 timer", "2025-11-25 14:00", 120),
        ("fredag kl. 9, 1,5 time", "2025-11-21 09:00", 90),
        ("tirsdag kl. 14 i halvanden time", "2025-11-25 14:00", 90),
        ("Thursday 14:00 for 2 hours", "2025-11-20 14:00", 120),
        # An end before the start is read; the caller says why it cannot be.
        ("tirsdag 16-14", "2025-11-25 16:00", -120),
        # No range or length: the default applies.
        ("tirsdag 14:00", "2025-11-25 14:00", None),
        ("3-12 kl. 9", "2025-12-03 09:00", None),
        # "om 2 timer" is when it starts, not how long it lasts.
        ("om 2 timer", "2025-11-18 17:00", None),
        ("in 2 hours", "2025-11-18 17:00", None),
    ],
)
def test_parse_span_reads_a_range_or_a_length(text: str, start: str, minutes: int | None) -> None:
    result = parse_span(text, NOW, CPH)
    assert result is not None, text
    assert result.start.has_time
    assert wall(result.start.moment_utc) == start
    expected = None if minutes is None else timedelta(minutes=minutes)
    assert result.length == expected


def test_a_range_that_is_a_date_stays_a_date() -> None:
    alone = parse_span("3-12", NOW, CPH)
    assert alone is not None
    assert (alone.start.has_time, alone.length) == (False, None)
    dates = parse_span("12/10-16/10", NOW, CPH)
    assert dates is None or dates.length is None


@pytest.mark.parametrize(
    ("text", "minutes"),
    [("2 timer", 120), ("i 90 minutter", 90), ("en halv time", 30), ("for 2 hours", 120)],
)
def test_parse_length_alone(text: str, minutes: int) -> None:
    assert parse_length(text) == timedelta(minutes=minutes)


@pytest.mark.parametrize("text", ["tirsdag", "om 2 timer", "14", "tirsdag 14:00 i 2 timer"])
def test_parse_length_needs_only_a_length(text: str) -> None:
    assert parse_length(text) is None


@settings(deadline=None, max_examples=200)
@given(text=st.text(max_size=60), lang=st.sampled_from(["da", "en"]))
def test_any_text_never_raises(text: str, lang: str) -> None:
    result = parse_datetime(text, NOW, CPH, lang)
    assert result is None or result.utcoffset() is not None
    parse_date(text, TODAY, lang)
    parse_span(text, NOW, CPH, lang)
    parse_length(text)


@settings(deadline=None, max_examples=300)
@given(words=st.lists(WORDS, max_size=6), lang=st.sampled_from(["da", "en"]))
def test_any_mix_of_date_words_never_raises(words: list[str], lang: str) -> None:
    text = " ".join(words)
    result = parse_datetime(text, NOW, CPH, lang)
    assert result is None or result.utcoffset() is not None
    parse_date(text, TODAY, lang)
    parse_span(text, NOW, CPH, lang)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14:00", time(14, 0)),
        ("14.30", time(14, 30)),
        ("kl. 9", time(9, 0)),
        ("Kl 9.05", time(9, 5)),
        (" 7 ", time(7, 0)),
        ("24:00", None),
        ("14:60", None),
        ("to", None),
        ("14-16", None),
        ("", None),
    ],
)
def test_a_clock_time_alone_is_read_as_a_form_field_holds_it(
    text: str, expected: time | None
) -> None:
    assert parse_clock(text) == expected
