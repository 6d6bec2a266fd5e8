"""The rules that keep one person's answer out of every report.

An aggregate is shown only over at least `minimum` respondents. A total over parts (a
network over its teams) is shown only when what it adds to the parts on show is nothing
or at least `minimum` respondents: otherwise the total minus the shown parts is the answer
of too few people. Rounds are disjoint in time and reports show only whole rounds, so two
reports never differ by part of a round.

A spread says more than a mean: with the mean and the spread of three answers, each of the
three can work out the other two, and a spread of 0 gives everyone's answer away. A spread
is therefore shown only over at least `SPREAD_FLOOR` people (and the minimum), under the
same rule for totals, rounded to one decimal, and only when it is at least
`SPREAD_SMALLEST`: a smaller one would say that nearly everyone answered alike.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

FLOOR = 3  # the smallest minimum the settings allow; the rules never go below it
SPREAD_FLOOR = 5  # the fewest people a spread is shown over
SPREAD_SMALLEST = 0.5  # a spread below this (after rounding) is not shown


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


def public_spread(
    spread: float | None, respondents: int, shown_parts: Sequence[int], minimum: int
) -> float | None:
    """The spread as it may be shown, rounded, or None.

    `shown_parts` are the respondents of the parts whose spread a reader sees beside this
    total (none for a team).
    """
    if spread is None or not total_shown(respondents, shown_parts, max(minimum, SPREAD_FLOOR)):
        return None
    rounded = round(spread, 1)
    return rounded if rounded >= SPREAD_SMALLEST else None


def mean_and_spread(values: Sequence[float]) -> tuple[float, float]:
    """The mean and the population standard deviation (0 for a single value)."""
    if not values:
        raise ValueError("no values")
    mean = sum(values) / len(values)
    variance = sum((v - mean) ** 2 for v in values) / len(values)
    return mean, math.sqrt(variance)
