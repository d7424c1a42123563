"""Small-cell suppression: 「3未満」 for 1 and 2, 「秘匿」 for what would give them away.

The properties are checked by brute force: every assignment of values that a reader
could not tell from the published table (hidden cells within their bounds, every
published sum holding) is enumerated, and each hidden cell must be able to take more
than one value."""

from __future__ import annotations

import itertools

from hypothesis import given, settings
from hypothesis import strategies as st

from reports.annual.suppression import SECONDARY, SUPPRESSED, suppress, suppress_areas


def shown(cells):
    return [cell.shown for cell in cells]


def test_a_lone_small_cell_takes_the_smallest_cell_that_protects_it():
    hidden, total_hidden = suppress([10, 1, 4, 30])
    assert hidden == {1, 2} and not total_hidden


def test_two_small_cells_adding_up_to_two_are_both_one_so_a_third_is_hidden():
    hidden, _ = suppress([1, 1, 5, 9])
    assert hidden == {0, 1, 2}


def test_a_hidden_three_beside_a_one_would_give_the_one_away():
    # 1 + 3 = 4: the 「3未満」 can only be 1 when the 「秘匿」 is at least 3.
    hidden, _ = suppress([1, 3, 8])
    assert hidden == {0, 2}


def test_when_nothing_is_left_to_hide_the_total_is_hidden():
    assert suppress([2, 2]) == ({0, 1}, True)
    assert suppress([0, 1]) == ({1}, True)
    assert suppress([0, 0]) == (set(), False)  # zero names nobody
    assert suppress([5, 7]) == (set(), False)


def test_a_small_window_hides_its_area_and_another_area():
    table = suppress_areas(
        [("北", [("a", 5), ("b", 1)]), ("南", [("c", 4), ("d", 6)]), ("東", [("e", 9)])]
    )
    north, south, east = table.groups
    assert (north.area.shown, shown(north.windows)) == (SECONDARY, [SECONDARY, SUPPRESSED])
    # 北 is hidden under a shown total: one more 圏域 goes (the smallest that protects
    # it), and lists no windows (they would add up to it).
    assert (east.area.shown, east.collapsed, east.windows) == (SECONDARY, True, ())
    assert (south.area.shown, shown(south.windows)) == (10, [4, 6])
    assert table.total.shown == 25


def test_an_area_below_three_lists_no_windows():
    table = suppress_areas([("北", [("a", 1), ("b", 1)]), ("南", [("c", 7), ("d", 5)])])
    north, south = table.groups
    assert north.area.shown == SUPPRESSED and north.collapsed and north.windows == ()
    assert south.area.shown == SECONDARY and south.collapsed


def test_a_whole_city_below_three_lists_nothing():
    table = suppress_areas([("北", [("a", 1)]), ("南", [("b", 1)])])
    assert table.collapsed and table.groups == () and table.total.shown == SUPPRESSED


# ---------------------------------------------------------------------------
# Brute force: nothing hidden can be worked out


def _domain(value: int, hidden: bool, limit: int) -> range:
    if not hidden:
        return range(value, value + 1)
    return range(1, 3) if value < 3 else range(3, limit + 1)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=7), min_size=1, max_size=5))
def test_no_hidden_cell_of_one_table_can_be_worked_out(values):
    hidden, total_hidden = suppress(values)
    total = sum(values)
    limit = total + 10 if total_hidden else total
    domains = [_domain(v, i in hidden, limit) for i, v in enumerate(values)]
    feasible = [
        combo for combo in itertools.product(*domains) if total_hidden or sum(combo) == total
    ]
    for i in hidden:
        assert len({combo[i] for combo in feasible}) > 1, (values, hidden)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.lists(st.integers(min_value=0, max_value=6), min_size=1, max_size=3),
        min_size=1,
        max_size=4,
    )
)
def test_no_hidden_window_or_area_can_be_worked_out_from_both_levels(groups):
    table = suppress_areas(
        [
            (f"圏域{i}", [(f"窓口{i}-{j}", v) for j, v in enumerate(ws)])
            for i, ws in enumerate(groups)
        ]
    )
    if table.collapsed:
        return  # nothing listed but the hidden total
    total = sum(sum(ws) for ws in groups)
    # A hidden total bounds nothing: let the hidden counts run past it.
    limit = total + 10 if table.total.hidden else total
    # The unknowns a reader faces: each listed window, and each collapsed 圏域 (whose
    # windows are not listed) as one number.
    unknowns = []  # (group index, cell, kind)
    for i, group in enumerate(table.groups):
        if group.collapsed:
            unknowns.append((i, group.area, "area"))
        else:
            unknowns.extend((i, window, "window") for window in group.windows)
    if sum(1 for _, cell, _ in unknowns if cell.hidden) > 6:
        return  # too many to enumerate; the single-level property covers the rule
    domains = [_domain(cell.value, cell.hidden, limit) for _, cell, _ in unknowns]
    feasible = []
    for combo in itertools.product(*domains):
        sums = [0] * len(table.groups)
        for (i, _, _), value in zip(unknowns, combo, strict=True):
            sums[i] += value
        ok = all(
            sums[i] == group.area.value
            if not group.area.hidden
            else sums[i] in _domain(group.area.value, True, limit)
            for i, group in enumerate(table.groups)
        )
        if ok and (table.total.hidden or sum(sums) == total):
            feasible.append((combo, sums))
    for index, (_, cell, _) in enumerate(unknowns):
        if cell.hidden:
            assert len({combo[index] for combo, _ in feasible}) > 1, (groups, cell)
    for i, group in enumerate(table.groups):
        if group.area.hidden:
            assert len({sums[i] for _, sums in feasible}) > 1, (groups, group.area)
