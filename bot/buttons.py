"""Button data: compact, versioned strings inside Telegram's 64-byte callback data.

Every kind of button is a frozen dataclass declared with `@button("W")` beside the handler
that reads it (see `MineButton` in bot/chat/mine.py): its fields are ints and `IntEnum`s,
in the order they are written, and at most one `str` last, a short code (required when the
field is a `str`, optional when it is `str | None`). `MineButton(MineOp.LIST, 3).encode()`
writes ``"2|W:1:3:0"``: the layout version, the kind's letter, its numbers and maybe the
code; `MineButton.read(press)` reads it back, or `None` when a number is outside its enum.

Reading a pressed button starts in `bot.button_kinds.decode`, which knows every declared
kind and answers one of three things:

* a `Press` (kind, integers, code) that the kind's handler reads with its class;
* `OUT_OF_DATE` for a button the bot once made in a shape the kind no longer has (written
  before the kind's `_SINCE` version): the person gets a friendly "this button is out of
  date" and what to do instead;
* `None` for anything else (garbage, forged data): the button "no longer works".

Buttons written before versions existed (no ``"N|"`` in front, layout 1) are still read
for every kind whose shape has not changed since, so yesterday's follow-up message and the
buttons already in people's chats keep working. When a kind changes shape, bump `VERSION`
and set the kind's `_SINCE` to it: every older button of that kind is then out of date.
"""

from __future__ import annotations

import dataclasses
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import IntEnum
from typing import ClassVar, Self, TypeVar

VERSION = 2  # the layout written now
LEGACY = 1  # buttons written without a version in front
MAX_BYTES = 64  # Telegram's limit on callback data

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


class ButtonData:
    """Typed data of one button kind; subclasses are frozen dataclasses made with `@button`.

    Fields are `int`s or `IntEnum`s, in the order they are encoded, and maybe a code last.
    """

    kind: ClassVar[str]
    numbers: ClassVar[tuple[str, ...]]  # the fields written as numbers, in order
    code_field: ClassVar[str | None] = None  # the field written as the code, if any
    code_required: ClassVar[bool] = False

    def encode(self) -> str:
        args = tuple(int(getattr(self, name)) for name in self.numbers)
        code = None if self.code_field is None else getattr(self, self.code_field)
        return Press(self.kind, args, code).encode()

    @classmethod
    def fits(cls, press: Press) -> bool:
        """Whether a press has this kind's shape: its count of numbers and its code rule."""
        if press.kind != cls.kind or len(press.args) != len(cls.numbers):
            return False
        if press.code is None:
            return not cls.code_required
        return cls.code_field is not None

    @classmethod
    def read(cls, press: Press) -> Self | None:
        """The typed data of a press, or `None` when a number is outside its enum."""
        if not cls.fits(press):
            return None
        hints = typing.get_type_hints(cls)
        try:
            values = {
                name: hints[name](value)
                for name, value in zip(cls.numbers, press.args, strict=True)
            }
        except ValueError:
            return None
        if cls.code_field is not None:
            values[cls.code_field] = press.code
        return cls(**values)


B = TypeVar("B", bound=type[ButtonData])

# kind -> its typed data; every feature declares its kinds on import (see bot.button_kinds)
TYPED: dict[str, type[ButtonData]] = {}


def button(kind: str) -> typing.Callable[[B], B]:
    """Declare the typed data of a kind beside its handler: `@button("W")` on a dataclass."""
    if not re.fullmatch(r"[a-zA-Z]", kind):
        raise ValueError(f"a button kind is one letter, not {kind!r}")

    def declare(cls: B) -> B:
        hints = typing.get_type_hints(cls)
        names = [f.name for f in dataclasses.fields(cls)]  # type: ignore[arg-type]  # a dataclass
        numbers = [name for name in names if _is_number(hints[name])]
        codes = [name for name in names if hints[name] in (str, str | None)]
        if len(numbers) + len(codes) != len(names):
            raise TypeError(f"{cls.__name__}'s fields must be ints, IntEnums or a code")
        if not numbers or len(codes) > 1 or (codes and names[-1] != codes[0]):
            raise TypeError(f"{cls.__name__} needs numbers and at most one code, last")
        if kind in TYPED and TYPED[kind] is not cls:
            raise ValueError(f"button kind {kind!r} is declared twice")
        cls.kind = kind
        cls.numbers = tuple(numbers)
        cls.code_field = codes[0] if codes else None
        cls.code_required = bool(codes) and hints[codes[0]] is str
        TYPED[kind] = cls
        return cls

    return declare


def _is_number(hint: object) -> bool:
    return hint is int or (isinstance(hint, type) and issubclass(hint, IntEnum))


def read_data(data: str | None, known: Mapping[str, type[ButtonData]]) -> Press | OutOfDate | None:
    """Callback data read strictly against the declared kinds (see `bot.button_kinds.decode`)."""
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
    declared = known.get(kind)
    if declared is None:
        return None
    press = Press(kind, tuple(int(n) for n in numbers.split(":")), code)
    if version < _SINCE.get(kind, LEGACY):
        return OUT_OF_DATE  # written before the kind took its present shape
    return press if declared.fits(press) else None
