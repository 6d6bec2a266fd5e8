"""Button actions: compact strings inside Telegram's 64-byte callback data, parsed strictly.

Anything that does not parse (an old layout, forged data) is `None`, and the channel says
the button no longer works. Reflection buttons carry the session id and its turn, so a
button from an earlier step is recognised as stale.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
_PATTERN = re.compile(r"^([a-zA-Z]):(-?\d{1,12}(?::-?\d{1,12})*)(?::([A-Za-z0-9_-]{1,40}))?$")


@dataclass(frozen=True)
class Action:
    kind: str
    args: tuple[int, ...]
    code: str | None = None  # an invite code carried through the consent question

    def encode(self) -> str:
        data = ":".join([self.kind, *(str(a) for a in self.args)])
        if self.code:
            data += f":{self.code}"
        if len(data.encode()) > 64:
            raise ValueError("callback data longer than 64 bytes")
        return data


def act(kind: str, *args: int, code: str | None = None) -> str:
    return Action(kind, tuple(args), code).encode()


def parse(data: str | None) -> Action | None:
    if not data or len(data) > 64:
        return None
    match = _PATTERN.match(data)
    if match is None:
        return None
    kind, numbers, code = match.groups()
    args = tuple(int(n) for n in numbers.split(":"))
    if _ARITY.get(kind) != len(args):
        return None
    if kind in _WITH_CODE and code is None:
        return None
    if code is not None and kind not in _WITH_CODE | {"c"}:
        return None
    return Action(kind, args, code)
