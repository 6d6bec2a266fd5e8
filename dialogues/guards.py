"""Guards on free text: one clean form of what people write, and no CPR numbers in it.

Every text that is stored goes through `clean_text` first (the answer checks call it), so
what is kept is exactly what was checked: Unicode NFKC (superscript and full-width digits
become ordinary ones, a no-break space a space), without control characters, lone
surrogates or invisible format characters (zero-width spaces, word joiners, soft hyphens,
bidi controls). The zero-width joiner and emoji tag characters stay: they hold emoji such as
👩‍🏫 together.
"""

from __future__ import annotations

import re
import unicodedata
from calendar import monthrange

# Inside emoji sequences these format characters carry meaning; all others are dropped.
_ZWJ = "\u200d"
_EMOJI_TAGS = range(0xE0020, 0xE0080)
# A right-to-left override shows the characters after it backwards, up to a pop or a line end.
_RLO, _POP = "\u202e", "\u202c\u2069"
_DASHES = "\\-\u2010\u2011\u2012\u2013\u2014\u2015\u2212"
# Between the date and the four digits: a dash (spaces around it allowed), a dot, a slash,
# an underscore, or up to two blanks (space, tab, line break). The date is six digits
# (DDMMYY) or DD.MM.YY written with one separator twice. No digit may stand directly on
# either side, so longer runs of digits (account numbers, timestamps) are not CPR-shaped.
_CPR = re.compile(
    rf"""(?<!\d)
    (?: (?P<d>\d{{2}})(?P<m>\d{{2}})(?P<y>\d{{2}})
      | (?P<d2>\d{{2}})(?P<sep>[./{_DASHES}])(?P<m2>\d{{2}})(?P=sep)(?P<y2>\d{{2}}) )
    (?: [ \t]*[{_DASHES}][ \t]* | [./_] | \s{{1,2}} )?
    \d{{4}}(?!\d)""",
    re.VERBOSE,
)
_PARTS = (("d", "d2"), ("m", "m2"), ("y", "y2"))


def _keeps(ch: str) -> bool:
    if ch in "\n\t":
        return True
    category = unicodedata.category(ch)
    if category == "Cf":
        return ch == _ZWJ or ord(ch) in _EMOJI_TAGS
    return category not in ("Cc", "Cs")


def clean_text(text: str) -> str:
    """The text in the one form Refleks checks and stores (see the module docstring).

    Telegram never sends control characters in ordinary messages, and PostgreSQL refuses NUL.
    """
    kept = "".join(ch for ch in text if unicodedata.category(ch) != "Cs")
    return "".join(ch for ch in unicodedata.normalize("NFKC", kept) if _keeps(ch))


def _is_date(day: int, month: int, year2: int) -> bool:
    if not 1 <= month <= 12:
        return False
    # The century is not known from six digits; 29 February is a date when the two-digit
    # year is a leap year in either 19xx or 20xx.
    leap_year = 2000 + year2 if year2 % 4 == 0 else 1900 + year2
    return 1 <= day <= monthrange(leap_year, month)[1]


def _overridden(text: str) -> list[str]:
    """The stretches after each right-to-left override, in the order a reader sees them."""
    shown = []
    for piece in text.split(_RLO)[1:]:
        end = min((i for i in (piece.find(p) for p in (*_POP, "\n")) if i >= 0), default=None)
        shown.append(piece[:end][::-1])
    return shown


def _cpr_in(text: str) -> bool:
    # The check also ignores the joiner that stays in stored text.
    for match in _CPR.finditer(clean_text(text).replace(_ZWJ, "")):
        day, month, year = (match.group(a) or match.group(b) for a, b in _PARTS)
        if _is_date(int(day), int(month), int(year)):
            return True
    return False


def contains_cpr(text: str) -> bool:
    """True when `text` holds something shaped like a Danish CPR number, however disguised."""
    return _cpr_in(text) or any(_cpr_in(shown) for shown in _overridden(text))
