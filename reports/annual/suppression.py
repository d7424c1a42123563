"""Small-cell suppression for breakdowns by place (圏域 and the windows in it).

A count of 1 or 2 in a small area can point at a household, so it is shown as 「3未満」
(primary suppression). A hidden cell must not come back by subtraction, so more cells
are hidden (complementary suppression, shown as 「秘匿」: a count of 3 or more) until no
hidden cell under a published sum can be worked out. The reader is assumed to know the
rule: a 「3未満」 is 1 or 2, a 「秘匿」 is 3 or more, and the hidden cells add up to the
published sum less the shown ones. A hidden set is safe when every hidden cell could
also take another value within those bounds (one hidden cell never is; two 「3未満」
adding up to 2 are both 1; a 「3未満」 beside a 「秘匿」 of exactly 3 is 1). The cell added
is the smallest shown count above zero that makes the set safe (the least lost).

Two levels are published, each 圏域 with its windows (受付機関) and the 圏域 under the
year's total, and they are suppressed together:
- the windows first, inside their 圏域 (as if the 圏域 were shown);
- a 圏域 with a hidden window is hidden itself (else it gives its hidden windows' sum),
  and the reader knows it within what its listed windows allow (at least the shown
  ones plus 1 for each 「3未満」 and 3 for each 「秘匿」; at most 2 for each 「3未満」);
- the 圏域 against the total, by the same rule with those bounds; a 圏域 hidden only to
  protect another one lists no windows (they would add up to it);
- a 圏域 lists no windows either when they cannot protect each other: when it is below
  3 (two 「3未満」 windows in it would both be 1), or when no window is left to hide;
- when no 圏域 is left to hide, the table's total is hidden; a city below 3 in all
  lists nothing.
tests/reports/test_annual_suppression.py checks by brute force, for small tables, that
no hidden window or 圏域 can be worked out from both levels at once.

Zero is shown as 0: it names nobody. The year's total 相談受付件数 is itself an indicator
(MHLW's 評価指標) and is shown as it is elsewhere in the report: when the whole city's
count is below 3, this table shows nothing, but the indicator still says it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

THRESHOLD = 3
SUPPRESSED = "3未満"  # a hidden count of 1 or 2
SECONDARY = "秘匿"  # a count of 3 or more, hidden so that a 「3未満」 cannot be worked out


@dataclass(frozen=True)
class Cell:
    """One published count; a ``hidden`` one is shown as 「3未満」 (1 or 2) or 「秘匿」.

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
        return str(self.shown) if self.hidden else f"{self.value:,}"


@dataclass(frozen=True)
class AreaGroup:
    area: Cell
    windows: tuple[Cell, ...]
    # Its windows are not listed when they cannot hide each other (see the module).
    collapsed: bool = False


@dataclass(frozen=True)
class AreaTable:
    groups: tuple[AreaGroup, ...]
    total: Cell
    # A city below 3 in all lists no 圏域 either, for the same reason one level up.
    collapsed: bool = False


Bounds = tuple[int, int | None]  # what a reader knows of a hidden cell: low, high (None: any)


def _bounds(value: int) -> Bounds:
    """A 「3未満」 is 1 or 2; a 「秘匿」 is 3 or more."""
    return (1, THRESHOLD - 1) if value < THRESHOLD else (THRESHOLD, None)


def _recoverable(
    values: Sequence[int], hidden: set[int], known: dict[int, Bounds] | None = None
) -> bool:
    """Whether some hidden cell under a published sum can be worked out: it has no other
    value within what the reader knows of it (``known``, else 1–2 for a 「3未満」 and 3
    or more for a 「秘匿」) with which the hidden cells still add up to their sum. The
    values a cell may take form an interval: trying one less and one more is enough."""
    known = known or {}
    bounds = {i: known.get(i, _bounds(values[i])) for i in hidden}
    total = sum(values[i] for i in hidden)
    for i in hidden:
        rest = [bounds[j] for j in hidden if j != i]
        low = sum(lo for lo, _ in rest)
        high = None if any(hi is None for _, hi in rest) else sum(hi for _, hi in rest)
        lo, hi = bounds[i]
        others = [
            alt for alt in (values[i] - 1, values[i] + 1) if alt >= lo and (hi is None or alt <= hi)
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


def _next_to_hide(
    values: Sequence[int], hidden: set[int], known: dict[int, Bounds] | None = None
) -> int | None:
    """The smallest shown count that makes the hidden cells safe on its own; failing
    that, the smallest shown count (and the search goes on)."""
    candidates = _shown_nonzero(values, hidden)
    for i in candidates:
        if not _recoverable(values, hidden | {i}, known):
            return i
    return candidates[0] if candidates else None


def suppress(
    values: Sequence[int],
    *,
    hidden: set[int] | None = None,
    known: dict[int, Bounds] | None = None,
) -> tuple[set[int], bool]:
    """Which cells to hide under a published sum. Returns the hidden indexes and whether
    the sum itself must be hidden (no cell was left to protect the others). ``known``:
    tighter bounds a reader has of some cells from elsewhere (a 圏域 from its windows)."""
    hidden = set(hidden or ())
    hidden |= {i for i, value in enumerate(values) if 0 < value < THRESHOLD}
    while _recoverable(values, hidden, known):
        more = _next_to_hide(values, hidden, known)
        if more is None:
            return hidden, True
        hidden.add(more)
    return hidden, False


def _area_bounds(values: Sequence[int], hidden: set[int]) -> Bounds:
    """What a 圏域's listed windows tell of it when it is hidden itself: at least the
    shown windows plus the least each hidden one can be, at most (when every hidden one
    is a 「3未満」) the shown plus 2 each."""
    shown = sum(v for j, v in enumerate(values) if j not in hidden)
    low = shown + sum(_bounds(values[j])[0] for j in hidden)
    highs = [_bounds(values[j])[1] for j in hidden]
    high = None if any(h is None for h in highs) else shown + sum(highs)
    own_low, own_high = _bounds(sum(values))
    low = max(low, own_low)
    if own_high is not None:
        high = own_high if high is None else min(high, own_high)
    return low, high


def suppress_areas(groups: Sequence[tuple[str, Sequence[tuple[str, int]]]]) -> AreaTable:
    """``groups``: each 圏域's label with its windows' (label, count). See the module's
    docstring for the rule."""
    window_values = [[value for _, value in windows] for _, windows in groups]
    area_values = [sum(values) for values in window_values]

    window_hidden: list[set[int]] = []
    area_forced: set[int] = set()
    collapsed: set[int] = set()  # 圏域 whose windows are not listed
    for index, values in enumerate(window_values):
        hidden, exhausted = suppress(values)
        window_hidden.append(hidden)
        if hidden or exhausted:
            area_forced.add(index)
        if exhausted or 0 < area_values[index] < THRESHOLD:
            collapsed.add(index)
    # A hidden 圏域 whose windows are listed is known within their bounds.
    known = {
        i: _area_bounds(window_values[i], window_hidden[i])
        for i in area_forced
        if i not in collapsed
    }
    area_hidden, total_hidden = suppress(area_values, hidden=area_forced, known=known)
    # A 圏域 hidden only to protect another lists no windows: listed, they would add up
    # to it, or bound it more tightly than 「3以上」.
    collapsed |= area_hidden - area_forced

    total = sum(area_values)
    if 0 < total < THRESHOLD:
        return AreaTable(groups=(), total=Cell("合計", total, hidden=True), collapsed=True)
    result = []
    for i, (label, windows) in enumerate(groups):
        area = Cell(label, area_values[i], hidden=i in area_hidden)
        if i in collapsed:
            result.append(AreaGroup(area=area, windows=(), collapsed=True))
            continue
        cells = tuple(
            Cell(window, value, hidden=j in window_hidden[i])
            for j, (window, value) in enumerate(windows)
        )
        result.append(AreaGroup(area=area, windows=cells))
    return AreaTable(groups=tuple(result), total=Cell("合計", total, hidden=total_hidden))
