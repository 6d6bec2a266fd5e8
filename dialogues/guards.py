"""Guards on free text: reflections are about practice, never identifiable children."""

from __future__ import annotations

import re
from calendar import monthrange

# Six digits (DDMMYY), an optional dash, four digits, with no digit directly on either
# side: longer runs of digits (account numbers, timestamps) are not CPR-shaped. Spaces
# are deliberately not a separator, so phone numbers written in pairs never match.
_CPR = re.compile(r"(?<![\d])(\d{2})(\d{2})(\d{2})[-\u2010\u2011\u2013]?(\d{4})(?![\d])")


def _is_date(day: int, month: int, year2: int) -> bool:
    if not 1 <= month <= 12:
        return False
    # The century is not known from six digits; 29 February is a date when the two-digit
    # year is a leap year in either 19xx or 20xx.
    leap_year = 2000 + year2 if year2 % 4 == 0 else 1900 + year2
    return 1 <= day <= monthrange(leap_year, month)[1]


def contains_cpr(text: str) -> bool:
    """True when `text` holds something shaped like a Danish CPR number."""
    for match in _CPR.finditer(text):
        day, month, year2 = (int(match.group(i)) for i in (1, 2, 3))
        if _is_date(day, month, year2):
            return True
    return False
