"""Names for meetings and rounds, so a reader sees what a round was, not only its date.

A meeting is called by its title, or else by its place among its group's meetings
("Netværksmøde 2"); a round frozen when a follow-up closed by that meeting and the
follow-up's kind ("efter Netværksmøde 2 · midtvejs").
"""

from __future__ import annotations

from collections.abc import Container, Mapping
from typing import NamedTuple

from bot.summaries.labels import labels

MeetingInfo = tuple[int, int, str | None]  # place, group id, title


def meeting_name(info: MeetingInfo, networks: Container[int], lang: str) -> str:
    place, group_id, title = info
    if title:
        return title
    words = labels(lang)
    kind = words["meeting_kind_network" if group_id in networks else "meeting_kind_team"]
    return words["meeting_number"].format(kind=kind, n=place)


class RoundName(NamedTuple):
    label: str  # "efter Netværksmøde 2 · midtvejs"
    meeting: str  # "Netværksmøde 2"
    kind: str  # "midtvejs"


def round_names(
    sources: Mapping[str, tuple[int | None, str]],
    meetings: Mapping[int, MeetingInfo],
    networks: Container[int],
    lang: str,
) -> dict[str, RoundName]:
    """A name for each round whose follow-up is known; other rounds keep their label."""
    words = labels(lang)
    names: dict[str, RoundName] = {}
    for key, (meeting_id, kind) in sources.items():
        what = words.get(f"round_kind_{kind}", kind)
        info = meetings.get(meeting_id) if meeting_id is not None else None
        if info is None:
            names[key] = RoundName(what, "", what)
            continue
        meeting = meeting_name(info, networks, lang)
        names[key] = RoundName(
            words["round_after"].format(meeting=meeting, kind=what), meeting, what
        )
    return names
