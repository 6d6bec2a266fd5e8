"""The "Kort fortalt" block: the few figures and words a leader reads before the tables.

Everything here is taken from what the section already shows, so the block can never say
more than the tables under it: the latest safety shown and its change since the round
before, the share of next steps done, participation as a rate, and the newest texts
shared with the reader, each with the question it answers (for a network, from any of its
teams, named by team).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from bot.summaries.model import Section, SharedText

TEXTS_SHOWN = 3


@dataclass(frozen=True)
class Glance:
    safety: float | None = None
    change: float | None = None  # since the previous round that was shown
    done: int = 0
    steps: int = 0
    took_part: int = 0
    members: int = 0
    texts: list[SharedText] = field(default_factory=list)
    more: int = 0  # shared texts further down, beyond the ones shown here

    @property
    def done_share(self) -> float | None:
        return self.done / self.steps if self.steps else None

    @property
    def participation(self) -> float | None:
        return self.took_part / self.members if self.members else None

    @property
    def empty(self) -> bool:
        return self.safety is None and not self.steps and not self.members and not self.texts


def glance(section: Section, teams: Sequence[Section] = ()) -> Glance:
    """The block for `section`; a network's also quotes the newest texts its `teams` shared,
    each named by its team (their figures stay in the network's own totals)."""
    shown = [c.mean for c in section.safety if c.mean is not None]
    counted = [c for c in section.steps if c.counts is not None]
    texts = [*section.focuses, *section.reflections]
    for team in teams:
        texts += [
            replace(t, source=f"{team.name} · {t.source}")
            for t in (*team.focuses, *team.reflections)
        ]
    texts.sort(key=lambda t: t.at, reverse=True)
    return Glance(
        safety=shown[-1] if shown else None,
        change=shown[-1] - shown[-2] if len(shown) > 1 else None,
        done=sum((c.counts or {}).get("done", 0) for c in counted),
        steps=sum(c.total for c in counted),
        took_part=sum(m.participants for m in section.meetings),
        members=sum(m.members for m in section.meetings),
        texts=texts[:TEXTS_SHOWN],
        more=max(0, len(texts) - TEXTS_SHOWN),
    )
