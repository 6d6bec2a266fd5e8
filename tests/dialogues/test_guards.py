"""The CPR guard and text cleaning: CPR numbers in every disguise are caught, ordinary
numbers (phone numbers, dates, times, amounts) pass, and what is stored is the cleaned text."""

import pytest

from dialogues.guards import clean_text, contains_cpr
from dialogues.inputs import check_text
from dialogues.problems import Problem, ProblemCode

CAUGHT = [
    "010190-1234",
    "0101901234",
    "Eleven har cpr 311299-4321 i journalen",
    "290200-1234",  # 29 February 2000
    "290204 1234 og 290204-1234",
    "(150875-2222)",
    "nr.1512751234.",
    "010190\u20131234",  # en dash, as a phone keyboard types it
    "010190\u20141234",  # em dash
    "010190\u22121234",  # minus sign
    "010190\u20111234",  # non-breaking hyphen
    "010190 1234",  # a space: the six digits are a date, so this is a CPR number
    "født 010190 1234",
    "01.01.90-1234",
    "01-01-90-1234",
    "01/01/90-1234",
    "010190.1234",
    "010190/1234",
    "010190_1234",
    "010190 - 1234",  # spaces around the dash
    "010190 -1234",
    "010190- 1234",
    "010190 \u2013 1234",
    "010190\u00a01234",  # no-break space
    "010190\u00a0-\u00a01234",
    "010190\u202f1234",  # narrow no-break space
    "010190\t1234",
    "010190\n1234",
    "010\u200b190-1234",  # zero-width space inside
    "0101\u2060901234",  # word joiner
    "0101\u00ad90-1234",  # soft hyphen
    "\ufeff010190-1234",  # byte order mark / zero-width no-break space
    "0101\u200d90-1234",  # zero-width joiner
    "\u00b9\u2070\u00b9\u2070\u2079\u2070-\u00b9\u00b2\u00b3\u2074",  # superscript digits
    "\uff10\uff11\uff10\uff11\uff19\uff10\uff0d\uff11\uff12\uff13\uff14",  # full-width
    "Her: \u202e4321-091010\u202c, så er det sagt",  # typed backwards behind an override
    "\u202e4321-091010",
    "\u2067010190-1234\u2069",  # inside a right-to-left isolate
    "cpr:\u200e010190-1234\u200f",  # with direction marks
]

PASSING = [
    "12 34 56 78",
    "+45 12 34 56 78",
    "+45 12345678",
    "+4512345678",
    "1234 5678",
    "Ring på 87654321",
    "(+45) 20 30 40 50",
    "0045 12345678",
    "01.01.1990",
    "1/1-90",
    "1.1.90",
    "3/12",
    "den 14. marts 2024",
    "14.03.2024 kl. 10-12",
    "2024-03-14",
    "01.01.90",
    "kl. 10:30-11:45",
    "10.30-11.45",
    "kl. 9",
    "fra 0800 til 1530",
    "uge 12-14",
    "1.234,50 kr.",
    "kr. 12.500",
    "100.000 kr.",
    "1234 kr",
    "Budget 250000 kr til 2025",
    "20240314-1234",  # eight digits before the dash: a timestamp, not a CPR number
    "010190123456",  # a longer run of digits
    "320190-1234",  # day 32 does not exist
    "011390-1234",  # month 13 does not exist
    "290201-1234",  # 29 February 2001 does not exist
    "010190-123",  # three digits after the dash
    "01.01.1990-1234",  # a four-digit year is a date, not the first half of a CPR number
    "Vi var 24 elever og 3 voksne i 90 minutter",
    "\u202e01-01-90",  # an override, but no number behind it
    "Lærerteamet 👩\u200d🏫 mødes 3/12 kl. 14.30",
    "",
]


@pytest.mark.parametrize("text", CAUGHT)
def test_cpr_numbers_are_caught_in_every_disguise(text: str) -> None:
    assert contains_cpr(text)
    refused = check_text(text, 1, 500)
    assert isinstance(refused, Problem)
    assert refused.code == ProblemCode.contains_cpr


@pytest.mark.parametrize("text", PASSING)
def test_phone_numbers_dates_times_and_amounts_pass(text: str) -> None:
    assert not contains_cpr(text)


def test_both_tables_are_large_enough() -> None:
    assert len(CAUGHT) >= 20
    assert len(PASSING) >= 20


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("hej\x00 med\tdig\nog \x1b[31mrødt\ud800", "hej med\tdig\nog [31mrødt"),
        ("Æble 🍎 \u200fעברית", "Æble 🍎 עברית"),  # a direction mark is dropped
        ("sk\u00adole\u200b tid\u2060", "skole tid"),
        ("\u202eabc\u202c", "abc"),
        ("x\u00b2 og \uff21", "x2 og A"),
        ("en\u00a0gang", "en gang"),
        ("👩\u200d🏫 og 🏴\U000e0067\U000e0062\U000e007f",) * 2,  # emoji sequences stay whole
        ("Sø, å og æ", "Sø, å og æ"),
        ("Pa\u030askeferie", "Påskeferie"),  # a decomposed å is composed
    ],
)
def test_text_is_cleaned_before_it_is_checked_and_stored(typed: str, stored: str) -> None:
    assert clean_text(typed) == stored
    assert check_text(f" {typed} ", 1, 500) == stored.strip()
