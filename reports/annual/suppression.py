"""Small-cell suppression for breakdowns by place (圏域 and the windows in it).

A count of 1 or 2 in a small area can point at a household, so it is shown as 「3未満」
(primary suppression). A hidden cell must not come back by subtraction, so more cells
are hidden (complementary suppression, shown as 「秘匿」: a count of 3 or more) until no
hidden cell under a published sum can be worked out. The reader is assumed to know the
rule: a 「3未満」 is 1 or 2, a 「秘匿」 is 3 or more, and the sum of the hidden cells is the
published sum less the shown ones. A hidden set is safe when every hidden cell could
also have another value within those bounds (one hidden cell never is; two 「3未満」
adding up to 2 are both 1; 「3未満」 beside a 「秘匿」 of exactly 3 is 1). The cell added
is the smallest shown count above zero that makes the set safe (the least information
lost).

Two levels are published: each 圏域 and the windows (受付機関) in it, and the 圏域 under
the year's total. They are suppressed together: the windows first, inside their 圏域;
a 圏域 with a hidden window is hidden itself (else it would give its hidden windows'
sum); among the 圏域, the same rule against the total; a 圏域 hidden only to protect
another one gets one of its windows hidden, so that its windows do not add up to it.
When no cell is left to hide, the sum above is hidden (the 圏域, or the table's total).
The check is per published sum; it does not solve both levels as one system of
equations (no linear programming), which a determined attacker with many tables might.

Zero is shown as 0: it names nobody. The year's total 相談受付件数 is itself an indicator
(MHLW's 評価指標) and is shown as it is elsewhere in the report; when the whole city's
count is below 3 this table's total is hidden, but the indicator still says it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3
SUPPRESSED = "3未満"  # a hidden count of 1 or 2
SECONDARY = "秘匿"  # a count of 3 or more, hidden so that a 「3未満」 cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One published count: ``hidden`` ones are shown as 「3未満」, whatever their value.

    ``value`` stays in the figures for the tests and the code that suppresses; the
    renderers print only ``shown``."""

    label: str
    value: int
    hidden: bool = False

    @property
    def shown(self) -> int | str:
        if not self.hidden:
            return self.value
        return SUPPRESSED if self.value < THRESHOLD else SECONDARY

    @property
    def text(self) -> str:
        return self.shown if self.hidden else f"{self.value:,}"


@dataclass(frozen=True)
class AreaGroup:
    area: Cell
    windows: tuple[Cell, ...]


@dataclass(frozen=True)
class AreaTable:
    groups: tuple[AreaGroup, ...]
    total: Cell


def _recoverable(values: Sequence[int], hidden: set[int]) -> bool:
    """Whether some hidden cell under a published sum can be worked out: it has no other
    value (1–2 for a 「3未満」, 3 or more for a 「秘匿」) with which the hidden cells still
    add up to their sum. The values a cell may take form an interval, so it is enough
    to try one less and one more."""
    total = sum(values[i] for i in hidden)
    for i in hidden:
        rest = [values[j] for j in hidden if j != i]
        low = sum(1 if v < THRESHOLD else THRESHOLD for v in rest)
        high = None if any(v >= THRESHOLD for v in rest) else 2 * len(rest)
        value = values[i]
        bounds = (1, THRESHOLD - 1) if value < THRESHOLD else (THRESHOLD, None)
        others = [
            alt
            for alt in (value - 1, value + 1)
            if alt >= bounds[0] and (bounds[1] is None or alt <= bounds[1])
        ]
        if not any(total - alt >= low and (high is None or total - alt <= high) for alt in others):
            return True
    return False


def _shown_nonzero(values: Sequence[int], hidden: set[int]) -> list[int]:
    """Cells still shown with a count above zero, smallest first."""
    return sorted(
        (i for i in range(len(values)) if i not in hidden and values[i] > 0),
        key=lambda i: (values[i], i),
    )


def _next_to_hide(values: Sequence[int], hidden: set[int]) -> int | None:
    """The smallest shown count that makes the hidden cells safe on its own; failing
    that, the smallest shown count (and the search goes on)."""
    candidates = _shown_nonzero(values, hidden)
    for i in candidates:
        if not _recoverable(values, hidden | {i}):
            return i
    return candidates[0] if candidates else None


def suppress(values: Sequence[int], *, hidden: set[int] | None = None) -> tuple[set[int], bool]:
    """Which cells to hide under a published sum. Returns the hidden indexes and whether
    the sum itself must be hidden (no cell was left to protect the others)."""
    hidden = set(hidden or ())
    hidden |= {i for i, value in enumerate(values) if 0 < value < THRESHOLD}
    while _recoverable(values, hidden):
        more = _next_to_hide(values, hidden)
        if more is None:
            return hidden, True
        hidden.add(more)
    return hidden, False


def suppress_areas(groups: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> AreaTable:
    """``groups``: each 圏域's label with its windows' (label, count). See the module's
    docstring for the rule."""
    window_values = [[value for _, value in windows] for _, windows in groups]
    area_values = [sum(values) for values in window_values]

    window_hidden: list[set[int]] = []
    area_forced: set[int] = set()
    for index, values in enumerate(window_values):
        hidden, exhausted = suppress(values)
        window_hidden.append(hidden)
        if hidden or exhausted:
            area_forced.add(index)

    area_hidden, total_hidden = suppress(area_values, hidden=area_forced)
    for index in area_hidden:
        values = window_values[index]
        if not window_hidden[index]:
            # Hidden to protect another 圏域: its windows must not add up to it.
            shown = _shown_nonzero(values, set())
            more = shown[0] if shown else None
            if more is not None:
                window_hidden[index].add(more)

    total = sum(area_values)
    return AreaTable(
        groups=tuple(
            AreaGroup(
                area=Cell(label, area_values[i], hidden=i in area_hidden),
                windows=tuple(
                    Cell(window, value, hidden=j in window_hidden[i])
                    for j, (window, value) in enumerate(windows)
                ),
            )
            for i, (label, windows) in enumerate(groups)
        ),
        total=Cell("合計", total, hidden=total_hidden or 0 < total < THRESHOLD),
    )
