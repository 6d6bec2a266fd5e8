"""An attacker who reads every figure the reports show and tries to isolate one person.

Every shown cell is (group, round, respondents, sums). What an attacker can compute from
totals over nested groups is the total minus any of its parts: if that leaves between 1 and
`minimum - 1` people, their answers are exposed. The same round shown with different
figures in two reports (say, two periods) would be exposed the same way.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass
from itertools import combinations

from bot.summaries.model import STATUSES


@dataclass(frozen=True)
class Cell:
    section: str  # "safety" or "next_steps"
    group: str
    round: str
    date: str
    respondents: int
    sums: tuple[float, ...]  # mean × respondents, or the status counts


def cells_from_csv(text: str) -> set[Cell]:
    found: set[Cell] = set()
    for row in csv.DictReader(io.StringIO(text)):
        if row["section"] == "safety" and row["mean"]:
            n = int(row["respondents"])
            sums: tuple[float, ...] = (float(row["mean"]) * n,)
        elif row["section"] == "next_steps" and row["done"]:
            n = int(row["respondents"])
            sums = tuple(float(row[s] or 0) for s in STATUSES)
        else:
            continue
        found.add(Cell(row["section"], row["group"], row["round"], row["date"], n, sums))
    return found


@dataclass(frozen=True)
class Leak:
    how: str
    respondents: int
    values: tuple[float, ...]


def attack(cells: set[Cell], minimum: int, total_group: str) -> list[Leak]:
    """Every way to single out fewer than `minimum` people from the shown figures."""
    leaks: list[Leak] = []
    for cell in cells:
        if cell.respondents < minimum:
            leaks.append(Leak(f"shown directly: {cell}", cell.respondents, cell.sums))
    same: dict[tuple[str, str, str, str], set[Cell]] = defaultdict(set)
    for cell in cells:
        same[(cell.section, cell.group, cell.round, cell.date)].add(cell)
    for key, versions in same.items():
        if len(versions) > 1:
            a, b = sorted(versions, key=lambda c: c.respondents)[:2]
            k = b.respondents - a.respondents
            diff = tuple(y - x for x, y in zip(a.sums, b.sums, strict=True))
            leaks.append(Leak(f"one round shown two ways: {key}", k, diff))
    rounds: dict[tuple[str, str, str], list[Cell]] = defaultdict(list)
    for cell in cells:
        rounds[(cell.section, cell.round, cell.date)].append(cell)
    for key, members in rounds.items():
        totals = [c for c in members if c.group == total_group]
        parts = [c for c in members if c.group != total_group]
        for total in totals:
            for size in range(1, len(parts) + 1):
                for chosen in combinations(parts, size):
                    left = total.respondents - sum(c.respondents for c in chosen)
                    if 0 < left < minimum:
                        values = tuple(
                            (t - sum(c.sums[i] for c in chosen)) / left
                            for i, t in enumerate(total.sums)
                        )
                        leaks.append(Leak(f"total minus parts in {key}", left, values))
    return leaks
