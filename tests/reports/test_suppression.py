"""Issue 11: no count from 1 to 10 is published, and no hidden count can be worked back by
subtraction from a total (complementary suppression)."""

import random

import pytest

from reports.suppression import suppress


def lonely(lines, hidden):
    """Lines with exactly one hidden count: that count equals total minus the rest."""
    return [line for line in lines if sum(1 for key in line if key in hidden) == 1]


def grid(values):
    """Rows of cells with row totals, column totals and a grand total; their lines."""
    cells = {("c", i, j): v for i, row in enumerate(values) for j, v in enumerate(row)}
    rows, cols = len(values), len(values[0])
    for i in range(rows):
        cells[("r", i)] = sum(values[i])
    for j in range(cols):
        cells[("k", j)] = sum(values[i][j] for i in range(rows))
    cells[("g",)] = sum(cells[("r", i)] for i in range(rows))
    lines = [[("c", i, j) for j in range(cols)] + [("r", i)] for i in range(rows)]
    lines += [[("c", i, j) for i in range(rows)] + [("k", j)] for j in range(cols)]
    lines += [[("r", i) for i in range(rows)] + [("g",)], [("k", j) for j in range(cols)]
              + [("g",)]]
    totals = {k for k in cells if k[0] != "c"}
    return cells, lines, totals


def test_small_counts_are_hidden_and_zero_and_eleven_are_not():
    values = {"a": 0, "b": 1, "c": 10, "d": 11, "e": 500}
    assert suppress(values, []) == {"b", "c"}


def test_one_hidden_cell_in_a_row_hides_a_second_one():
    cells, lines, totals = grid([[40, 4, 30], [20, 25, 60]])
    hidden = suppress(cells, lines, totals=totals)
    assert ("c", 0, 1) in hidden  # the 4
    # Without a second hidden cell, 74 - 40 - 30 would give the 4 back.
    assert ("c", 0, 2) in hidden  # the smallest other cell of its row, 30
    assert lonely(lines, hidden) == []
    assert ("g",) not in hidden


def test_a_lone_small_cell_in_a_column_spreads_until_nothing_can_be_worked_out():
    cells, lines, totals = grid([[30, 4], [25, 0]])
    hidden = suppress(cells, lines, totals=totals)
    assert lonely(lines, hidden) == []
    assert {("c", 0, 1), ("k", 1)} <= hidden  # the 4, and its column total (also 4)
    assert ("c", 1, 1) not in hidden  # a zero is published
    assert ("g",) not in hidden


def test_complementary_suppression_prefers_a_part_to_a_total():
    values = {"x": 3, "y": 50, "total": 53}
    hidden = suppress(values, [["x", "y", "total"]], totals={"total"})
    assert hidden == {"x", "y"}


@pytest.mark.parametrize("seed", range(40))
def test_random_tables_never_leave_a_hidden_count_recoverable(seed):
    rng = random.Random(seed)
    rows, cols = rng.randint(1, 6), rng.randint(1, 11)
    values = [[rng.choice([0, 0, 1, 3, 7, 10, 11, 12, 40, 150]) for _ in range(cols)]
              for _ in range(rows)]
    cells, lines, totals = grid(values)
    hidden = suppress(cells, lines, totals=totals)
    assert {k for k, v in cells.items() if 0 < v < 11} <= hidden
    assert lonely(lines, hidden) == []
