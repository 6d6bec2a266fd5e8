"""Which unknowns a set of shown sums pins down exactly, by exact Gaussian elimination.

Every shown figure is a sum over some people's values (a mean times its respondents, a
status count, a sum of squares behind a spread). An unknown is determined when its unit
vector lies in the row space of those sums: in reduced row-echelon form, a pivot whose row
has no other non-zero entry.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping
from fractions import Fraction


def determined(rows: Iterable[Mapping[Hashable, int]], known: set[Hashable]) -> set[Hashable]:
    """The unknowns (not in `known`) that the sums in `rows` fix, given the known ones."""
    reduced = [{v: c for v, c in row.items() if v not in known and c} for row in rows]
    names = sorted({v for row in reduced for v in row}, key=repr)
    column = {v: i for i, v in enumerate(names)}
    matrix = [[Fraction(0)] * len(names) for _ in reduced]
    for r, row in enumerate(reduced):
        for v, c in row.items():
            matrix[r][column[v]] = Fraction(c)
    pivots: list[tuple[int, int]] = []
    top = 0
    for col in range(len(names)):
        found = next((r for r in range(top, len(matrix)) if matrix[r][col] != 0), None)
        if found is None:
            continue
        matrix[top], matrix[found] = matrix[found], matrix[top]
        lead = matrix[top][col]
        matrix[top] = [x / lead for x in matrix[top]]
        for r in range(len(matrix)):
            if r != top and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [x - factor * y for x, y in zip(matrix[r], matrix[top], strict=True)]
        pivots.append((top, col))
        top += 1
    return {
        names[col]
        for row, col in pivots
        if all(x == 0 for i, x in enumerate(matrix[row]) if i != col)
    }
