"""A group's school holidays, typed as date ranges: no follow-up arrives in them."""

from __future__ import annotations

import re
from datetime import date

from bot.scheduling import DateRange
from bot.scheduling.dates import parse_date

_SEPARATORS = re.compile(r"[,;\n]+")
# "12/10-16/10" (a dash between day/month dates); other forms use "..", "–" or " - ".
_DAY = r"\d{1,2}[./]\d{1,2}(?:[./]\d{2,4})?"
_DASHED = re.compile(rf"\s*({_DAY})\s*-\s*({_DAY})\s*")
_SPLITTERS = ("..", "–", "—", " - ")
NONE_WORDS = {"ingen", "none", "nej", "no", "slet", "clear"}


def parse_periods(text: str, today: date, lang: str) -> list[DateRange] | None:
    """Date ranges like "13/10-17/10, 22/12..2/1"; [] for "ingen"; None if not understood."""
    if text.strip().lower() in NONE_WORDS:
        return []
    periods: list[DateRange] = []
    for part in _SEPARATORS.split(text):
        if not part.strip():
            continue
        ends = _ends(part)
        if ends is None:
            return None
        first = parse_date(ends[0], today, lang)
        last = parse_date(ends[1], today, lang)
        if first is None or last is None:
            return None
        if last < first:  # "22/12-2/1": the end is in the next year
            last = last.replace(year=last.year + 1)
        if (last - first).days > 120:
            return None
        periods.append(DateRange(first, last))
    return periods or None


def _ends(part: str) -> tuple[str, str] | None:
    for splitter in _SPLITTERS:
        if splitter in part:
            first, last = part.split(splitter, 1)
            return first.strip(), last.strip()
    match = _DASHED.fullmatch(part)
    return (match.group(1), match.group(2)) if match else None
