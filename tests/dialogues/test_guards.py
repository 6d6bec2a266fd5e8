"""The CPR guard: CPR-shaped numbers are caught, ordinary numbers are not."""

import pytest

from dialogues.guards import contains_cpr


@pytest.mark.parametrize(
    "text",
    [
        "010190-1234",
        "0101901234",
        "Eleven har cpr 311299-4321 i journalen",
        "290200-1234",  # 29 February 2000
        "290204 1234 og 290204-1234",
        "(150875-2222)",
        "nr.1512751234.",
        "010190\u20131234",  # en dash typed by a phone keyboard
    ],
)
def test_cpr_numbers_are_caught(text: str) -> None:
    assert contains_cpr(text)


@pytest.mark.parametrize(
    "text",
    [
        "12 34 56 78",
        "+45 12345678",
        "+4512345678",
        "Ring på 87654321",
        "01.01.1990",
        "1/1-90",
        "1.1.90",
        "kl. 10:30-11:45",
        "2024-03-14",
        "20240314-1234",  # eight digits before the dash: a timestamp, not a CPR number
        "010190123456",  # a longer run of digits
        "320190-1234",  # day 32 does not exist
        "011390-1234",  # month 13 does not exist
        "290201-1234",  # 29 February 2001 does not exist
        "010190-123",  # three digits after the dash
        "Vi var 24 elever og 3 voksne i 90 minutter",
        "",
    ],
)
def test_other_numbers_pass(text: str) -> None:
    assert not contains_cpr(text)
