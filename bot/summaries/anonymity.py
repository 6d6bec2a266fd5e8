"""The rules that keep one person's answer out of every report.

An aggregate is shown only over at least `minimum` respondents. A total over parts (a
network over its teams) is shown only when what it adds to the parts on show is nothing
or at least `minimum` respondents: otherwise the total minus the shown parts is the answer
of too few people. Rounds are disjoint in time and reports show only whole rounds, so two
reports never differ by part of a round.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FLOOR = 3  # the smallest minimum the settings allow; the rules never go below it


def shown(respondents: int, minimum: int) -> bool:
    """True when a total over `respondents` people may be shown."""
    return respondents >= max(minimum, FLOOR)


def total_shown(total: int, shown_parts: Sequence[int], minimum: int) -> bool:
    """True when a total may stand beside the parts that are shown.

    `shown_parts` are the respondents of the parts a reader can see next to the total; the
    rest (`total - sum(shown_parts)`) is what the difference reveals.
    """
    if not shown(total, minimum):
        return False
    hidden = total - sum(shown_parts)
    return hidden == 0 or shown(hidden, minimum)


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the population standard deviation (0 for a single value)."""
    if not values:
        raise ValueError("no values")
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, math.sqrt(variance)
