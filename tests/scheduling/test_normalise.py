"""The rewrites that turn Danish phrases into forms dateparser reads."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.scheduling.normalise import normalise


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("kl. 9", "09:00"),
        ("kl 9", "09:00"),
        ("Klokken 10", "10:00"),
        ("kl. 13.30", "13:30"),
        ("kl.9:15", "09:15"),
        ("3/12 kl. 9", "3/12 09:00"),
        ("3.12 kl. 9", "3/12 09:00"),
        ("3.12 14.00", "3/12 14.00"),
        ("12. januar 2027 kl 13.30", "12. januar 2027 13:30"),
        ("om to uger", "om 2 uger"),
        ("om en uge", "om 1 uge"),
        ("om et par dage", "om 2 dage"),
        ("om fjorten dage", "om 14 dage"),
        ("om tre måneder", "om 3 måneder"),
        ("i overmorgen kl 8", "om 2 dage 08:00"),
        ("næste mandag", "mandag"),
        ("på fredag kl. 13.30", "fredag 13:30"),
        ("kommende tirsdag", "tirsdag"),
        ("torsdag d. 4/12 kl. 9", "torsdag 4/12 09:00"),
        ("Tirsdag den 3. december kl. 14.00", "tirsdag 3. december 14:00"),
        ("senest fredag", "fredag"),
        ("inden 3/12", "3/12"),
        ("i næste uge", "næste uge"),
        ("3 december at 9", "3 december 09:00"),
        ("tomorrow at 9.30", "tomorrow 09:30"),
        ("tomorrow at 9am", "tomorrow at 9am"),
        ("next Friday", "friday"),
        ("by friday", "friday"),
        ("  i   morgen  kl. 10. ", "i morgen 10:00"),
        # Not a clock time: left alone.
        ("kl. 25", "kl. 25"),
        # "to" is only a number before a unit.
        ("to be decided", "to be decided"),
    ],
)
def test_normalise(text: str, expected: str) -> None:
    assert normalise(text) == expected


@settings(deadline=None, max_examples=300)
@given(st.text())
def test_any_text_normalises_without_error(text: str) -> None:
    result = normalise(text)
    assert result == result.strip()
    assert "  " not in result
