"""Button data: compact, versioned strings inside Telegram's 64-byte callback data.

`act(kind, *ints)` writes a button as ``"2|W:3:17:0"``: the layout version, a one-letter
kind, its integer arguments and, for a few kinds, a short code. `decode(data)` reads it
back strictly and answers one of three things:

* a `Press` (kind, integers, code) that the kind's handler answers;
* `OUT_OF_DATE` for a button the bot once made in a shape the kind no longer has (written
  before the kind's `_SINCE` version): the person gets a friendly "this button is out of
  date" and what to do instead;
* `None` for anything else (garbage, forged data): the button "no longer works".

Buttons written before versions existed (no ``"N|"`` in front, layout 1) are still read
for every kind whose shape has not changed since, so yesterday's follow-up message and the
buttons already in people's chats keep working. When a kind changes shape, bump `VERSION`
and set the kind's `_SINCE` to it: every older button of that kind is then out of date.

Features with op codes declare typed button data beside their handler with `@button`
(see `MineButton` in bot/chat/mine.py): a frozen dataclass of ints and `IntEnum`s that
encodes itself and is read back from a `Press`.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self, TypeVar

VERSION = 2  # the layout written now
LEGACY = 1  # buttons written without a version in front
MAX_BYTES = 64  # Telegram's limit on callback data

# kind -> how many integer arguments follow it
_ARITY = {
    "a": 3,  # answer option: session, turn, option index (or scale point)
    "m": 4,  # toggle a multiple choice: session, turn, chosen bitmask, option index
    "M": 3,  # confirm a multiple choice: session, turn, chosen bitmask
    "b": 2,  # back: session, turn
    "s": 2,  # skip: session, turn
    "w": 2,  # keep the answer given before and go on: session, turn
    "v": 3,  # visibility: session, turn, level index
    "x": 1,  # cancel: session
    "g": 1,  # choose group for /reflect: group
    "f": 1,  # start a format: group (the format id travels as the code)
    "n": 2,  # next step status: next step, status index
    "c": 1,  # consent: 1 yes, 0 no, 2 read more
    "l": 1,  # language: 0 da, 1 en
    "r": 1,  # resume (1) or start new (0)
    "i": 3,  # make an invite: group, role index (9 = ask), uses index (9 = ask)
    "k": 1,  # revoke an invite: invite id
    "D": 2,  # /summary: group, choice (period index, latest meeting, access log; 9 = ask)
    "K": 1,  # /summary: close the group's safety check-in round: group
    "d": 1,  # /forget: 1 delete, 0 keep
    "o": 2,  # /leave: group, 0 ask / 1 yes / 9 keep
    "h": 2,  # hand the facilitator role over and leave: group, successor (0 = an administrator)
    "q": 2,  # archive the group and leave: group, 0 ask / 1 yes
    "u": 3,  # /remove: group, member (0 = list them), 0 ask / 1 yes / 9 keep
    "L": 1,  # learning circle: link this group chat to a team: group
    "F": 2,  # learning circle: today's focus person: group, person
    "P": 3,  # learning circle: a setting: session, turn, option index
    "N": 2,  # learning circle: next phase: session, turn
    "E": 2,  # learning circle: five more minutes: session, turn
    "Z": 2,  # learning circle: end it early: session, turn
    "S": 3,  # /schedule: operation, and two numbers (see bot/chat/schedule.py)
    "O": 3,  # follow-up: start, snooze, pause, calendar (see bot/chat/meetings.py)
    "G": 2,  # /newgroup: step, network (see bot/chat/admin.py)
    "A": 4,  # a group's roles, links, teams, archive: operation, group, person, value
    "W": 3,  # /mine: operation, and two numbers (see bot/chat/mine.py)
}
_WITH_CODE = {"f"}  # kinds whose code is required; "c" may carry one
_MAY_CODE = _WITH_CODE | {"c"}
# kind -> the first layout version in which it has its present shape (LEGACY unless said)
_SINCE: dict[str, int] = {}
_BODY = re.compile(r"^([a-zA-Z]):(-?\d{1,12}(?::-?\d{1,12})*)(?::([A-Za-z0-9_-]{1,40}))?$")
_VERSIONED = re.compile(r"^(\d{1,3})\|(.*)$", re.DOTALL)
# What a group chat's handler pattern puts in front of a kind letter.
PREFIX_PATTERN = r"(?:\d{1,3}\|)?"


@dataclass(frozen=True)
class Press:
    """A pressed button as its handler gets it: the kind, its integers, maybe a code."""

    kind: str
    args: tuple[int, ...]
    code: str | None = None  # an invite code carried through the consent question

    def encode(self) -> str:
        data = ":".join([self.kind, *(str(a) for a in self.args)])
        if self.code:
            if re.fullmatch(r"-?\d{1,12}", self.code):
                raise ValueError("a code of digits alone would read as a number")
            data += f":{self.code}"
        data = f"{VERSION}|{data}"
        if len(data.encode()) > MAX_BYTES:
            raise ValueError("callback data longer than 64 bytes")
        return data


@dataclass(frozen=True)
class OutOfDate:
    """A button the bot once made in a layout it no longer reads."""


OUT_OF_DATE = OutOfDate()


def act(kind: str, *args: int, code: str | None = None) -> str:
    if _ARITY.get(kind) != len(args):
        raise ValueError(f"button kind {kind!r} takes {_ARITY.get(kind)} numbers")
    return Press(kind, tuple(args), code).encode()


def decode(data: str | None) -> Press | OutOfDate | None:
    """The pressed button, `OUT_OF_DATE` for an old one we made, `None` for anything else."""
    if not data or len(data.encode(errors="replace")) > MAX_BYTES:
        return None
    version = LEGACY
    versioned = _VERSIONED.match(data)
    if versioned is not None:
        version, data = int(versioned.group(1)), versioned.group(2)
        if not LEGACY < version <= VERSION:
            return None  # no such layout was ever written
    match = _BODY.match(data)
    if match is None:
        return None
    kind, numbers, code = match.groups()
    if kind not in _ARITY:
        return None
    args = tuple(int(n) for n in numbers.split(":"))
    if version < _SINCE.get(kind, LEGACY):
        return OUT_OF_DATE  # written before the kind took its present shape
    if _ARITY[kind] != len(args) or (code is None and kind in _WITH_CODE):
        return None
    if code is not None and kind not in _MAY_CODE:
        return None
    return Press(kind, args, code)


def kinds() -> frozenset[str]:
    """Every kind of button the bot makes."""
    return frozenset(_ARITY)


class ButtonData:
    """Typed data of one button kind; subclasses are frozen dataclasses made with `@button`.

    Fields are `int`s or `IntEnum`s, in the order they are encoded.
    """

    kind: ClassVar[str]

    def encode(self) -> str:
        return act(self.kind, *(int(getattr(self, f.name)) for f in dataclasses.fields(self)))  # type: ignore[arg-type]

    @classmethod
    def read(cls, press: Press) -> Self | None:
        """The typed data of a press, or `None` when a number is outside its enum."""
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]
        if press.kind != cls.kind or len(press.args) != len(names):
            return None
        try:
            values = [hints[name](value) for name, value in zip(names, press.args, strict=True)]
        except ValueError:
            return None
        return cls(*values)


B = TypeVar("B", bound=type[ButtonData])


def button(kind: str) -> typing.Callable[[B], B]:
    """Declare the typed data of a kind beside its handler: `@button("W")` on a dataclass."""

    def declare(cls: B) -> B:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]  # a dataclass
        if _ARITY.get(kind) != len(names) or kind in _WITH_CODE:
            raise TypeError(f"{cls.__name__} does not match button kind {kind!r}")
        for name in names:
            hint = hints[name]
            if not (hint is int or (isinstance(hint, type) and issubclass(hint, IntEnum))):
                raise TypeError(f"{cls.__name__}.{name} must be an int or an IntEnum")
        if kind in TYPED and TYPED[kind] is not cls:
            raise ValueError(f"button kind {kind!r} is declared twice")
        cls.kind = kind
        TYPED[kind] = cls
        return cls

    return declare


# kind -> its typed data, for the kinds whose feature declared one
TYPED: dict[str, type[ButtonData]] = {}
