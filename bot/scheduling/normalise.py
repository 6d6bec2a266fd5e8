"""Rewrite Danish (and a few English) date phrases into forms dateparser reads.

dateparser understands "tirsdag 14:00", "i morgen 10:00" and "om 2 uger", but
not "kl. 9", "om to uger", "næste mandag", "i overmorgen" or "torsdag d. 4/12".
Each rule below turns one such form into an equivalent that it does
understand. The rules work on lower-case text and never raise.
"""

from __future__ import annotations

import re

__all__ = ["normalise"]

_NUMBER_WORDS = {
    # Danish
    "en": 1,
    "et": 1,
    "én": 1,
    "ét": 1,
    "to": 2,
    "tre": 3,
    "fire": 4,
    "fem": 5,
    "seks": 6,
    "syv": 7,
    "otte": 8,
    "ni": 9,
    "ti": 10,
    "elleve": 11,
    "tolv": 12,
    "fjorten": 14,
    "et par": 2,
    # English, for the units dateparser does not combine with words
    "a couple of": 2,
}

_UNITS = (
    r"(?:minut(?:ter)?|time(?:r)?|dag(?:e)?|uge(?:r)?|måned(?:er)?|år"
    r"|minutes?|hours?|days?|weeks?|months?|years?)"
)
_NUMBER_WORD = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, _NUMBER_WORDS), key=len, reverse=True)) + r")\s+"
    r"(?=" + _UNITS + r"\b)"
)

_WEEKDAYS = (
    r"(?:mandag|tirsdag|onsdag|torsdag|fredag|lørdag|søndag"
    r"|monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
)

# "kl. 9", "kl 13.30", "klokken 10", "kl. 9:15" -> "09:00", "13:30", ...
_CLOCK = re.compile(r"\b(?:klokken|kl)\.?\s*(\d{1,2})(?:[.:](\d{2}))?(?!\d)")
# English "at 9" / "at 9.30", but not "at 9am" (dateparser reads that itself).
_AT = re.compile(r"\bat\s+(\d{1,2})(?:[.:](\d{2}))?(?!\d|\s*[ap]\.?m\b)")
# "3.12 kl. 9", "3.12 14.00": a day and month written with a dot, followed by
# a time. dateparser would read "3.12" as 03:12; alone it stays ambiguous
# (Danish writes 9.30 for half past nine) and is left to dateparser.
_DOTTED_DATE = re.compile(
    r"(?<![\d./:])(\d{1,2})\.(\d{1,2})\.?(?=\s+(?:kl\b|klokken\b|\d{1,2}[.:]\d{2}\b))"
)

_REPLACEMENTS: tuple[tuple[re.Pattern[str], str], ...] = (
    # "i overmorgen" / "overmorgen": the day after tomorrow.
    (re.compile(r"\b(?:i\s+)?overmorgen\b"), "om 2 dage"),
    # "næste mandag", "på fredag", "kommende tirsdag" -> the weekday; with
    # PREFER_DATES_FROM=future that is the next such day.
    (re.compile(r"\b(?:næste|kommende|på|next|this|on)\s+(?=" + _WEEKDAYS + r"\b)"), ""),
    # "torsdag d. 4/12", "den 3. december" -> drop the article before a day number.
    (re.compile(r"\b(?:d\.|den|the)\s*(?=\d)"), ""),
    # Leading words for a due date: "senest fredag", "inden 3/12", "by friday".
    (re.compile(r"^(?:senest|inden|før|til|by|before|no later than)\s+"), ""),
    # "i næste uge" -> "næste uge".
    (re.compile(r"\bi\s+(?=næste\s+uge\b)"), ""),
)


def _clock(match: re.Match[str]) -> str:
    hour = int(match.group(1))
    minute = int(match.group(2) or 0)
    if hour > 23 or minute > 59:
        return match.group(0)
    return f" {hour:02d}:{minute:02d}"


def normalise(text: str) -> str:
    """Return ``text`` rewritten into a form dateparser understands.

    Lower-cases, trims punctuation at the ends and collapses white space, then
    applies the rules: number words before a unit ("om to uger" -> "om 2
    uger"), a dotted day and month before a time ("3.12 kl. 9" -> "3/12"),
    clock times ("kl. 9" -> "09:00", "at 9" -> "09:00"), "overmorgen",
    "næste <weekday>", "d." before a day number, and leading words of a due
    date ("senest", "inden").
    """
    result = " ".join(text.lower().split()).strip(" .,!?;")
    result = _NUMBER_WORD.sub(lambda m: f"{_NUMBER_WORDS[m.group(1)]} ", result)
    result = _DOTTED_DATE.sub(r"\1/\2", result)
    result = _CLOCK.sub(_clock, result)
    result = _AT.sub(_clock, result)
    for pattern, replacement in _REPLACEMENTS:
        result = pattern.sub(replacement, result)
    return " ".join(result.split())
