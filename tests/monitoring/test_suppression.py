"""Disclosure control: small cells hidden, and no hidden cell recoverable from the totals."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitoring import HIDDEN, suppress, suppress_count, suppress_part, with_totals
from monitoring.suppression import lines

Matrix = list[list[int]]

# Mostly small counts, so that small cells, zeros and cascades of suppression are common.
counts = st.one_of(st.integers(0, 6), st.integers(0, 60))
matrices = st.integers(1, 5).flatmap(
    lambda width: st.lists(st.lists(counts, min_size=width, max_size=width), max_size=5)
)


def _hidden(shown: list[list[str]]) -> set[tuple[int, int]]:
    return {(i, j) for i, row in enumerate(shown) for j, text in enumerate(row) if text == HIDDEN}


def _rank(rows: list[list[Fraction]]) -> int:
    """Return the rank of a matrix by Gaussian elimination over the rationals."""
    matrix = [row[:] for row in rows]
    rank = 0
    width = len(matrix[0]) if matrix else 0
    for column in range(width):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][column]), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        for r in range(len(matrix)):
            if r != rank and matrix[r][column]:
                factor = matrix[r][column] / matrix[rank][column]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        rank += 1
    return rank


def _determined(grid: Matrix, hidden: set[tuple[int, int]]) -> set[tuple[int, int]]:
    """Return the hidden cells that the table's sums pin down exactly."""
    unknowns = sorted(hidden)
    equations = []
    for line in lines(grid):
        signs = dict.fromkeys(line[:-1], 1) | {line[-1]: -1}  # cells minus total is 0
        equations.append([Fraction(signs.get(cell, 0)) for cell in unknowns])
    base = _rank(equations)
    return {
        cell
        for k, cell in enumerate(unknowns)
        if _rank([*equations, [Fraction(int(k == n)) for n in range(len(unknowns))]]) == base
    }


class TestSuppress:
    def test_large_cells_are_shown_with_totals(self) -> None:
        assert suppress(counts=[[10, 20], [30, 40]]) == [
            ["10", "20", "30"],
            ["30", "40", "70"],
            ["40", "60", "100"],
        ]

    def test_zero_is_shown(self) -> None:
        assert suppress(counts=[[0, 10], [12, 0]]) == [
            ["0", "10", "10"],
            ["12", "0", "12"],
            ["12", "10", "22"],
        ]

    def test_small_cell_hides_a_rectangle(self) -> None:
        # 3 is hidden; 10 (its row's next smallest) and 8 (its column's) follow, then 12.
        assert suppress(counts=[[3, 10, 20], [8, 12, 30], [9, 15, 40]]) == [
            [HIDDEN, HIDDEN, "20", "33"],
            [HIDDEN, HIDDEN, "30", "50"],
            ["9", "15", "40", "64"],
            ["20", "37", "90", "147"],
        ]

    def test_small_totals_are_hidden(self) -> None:
        assert suppress(counts=[[1, 2], [0, 0]]) == [
            [HIDDEN, HIDDEN, HIDDEN],
            ["0", "0", "0"],
            [HIDDEN, HIDDEN, HIDDEN],
        ]

    def test_single_row_hides_the_partner_in_the_total_row(self) -> None:
        assert suppress(counts=[[3, 7]]) == [[HIDDEN, HIDDEN, "10"], [HIDDEN, HIDDEN, "10"]]

    def test_a_bridge_between_two_hidden_blocks_is_protected(self) -> None:
        # Two 2 × 2 blocks of small cells joined by one small cell: every line holds two or
        # more hidden cells, yet the sums would still give the joining cell away.
        grid = [
            [2, 3, 0, 50],
            [1, 4, 2, 60],
            [40, 0, 3, 1],
            [70, 80, 2, 4],
        ]
        shown = suppress(counts=grid)
        hidden = _hidden(shown)
        primary = {(i, j) for i, row in enumerate(grid) for j, v in enumerate(row) if 0 < v < 5}
        assert primary < hidden
        assert not _determined(with_totals(counts=grid), hidden)

    def test_empty_table(self) -> None:
        assert suppress(counts=[]) == [["0"]]

    def test_ragged_rows_are_refused(self) -> None:
        with pytest.raises(ValueError, match="same number"):
            suppress(counts=[[1, 2], [3]])

    def test_negative_counts_are_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            suppress(counts=[[5, -1]])


class TestSuppressCount:
    @pytest.mark.parametrize(
        ("count", "shown"), [(0, "0"), (1, HIDDEN), (4, HIDDEN), (5, "5"), (123, "123")]
    )
    def test_shows_or_hides(self, count: int, shown: str) -> None:
        assert suppress_count(count=count) == shown

    def test_negative_is_refused(self) -> None:
        with pytest.raises(ValueError, match="negative"):
            suppress_count(count=-1)


class TestSuppressProperties:
    @given(matrices)
    def test_no_shown_cell_is_small(self, grid: Matrix) -> None:
        shown = suppress(counts=grid)
        assert not any(text in {"1", "2", "3", "4"} for row in shown for text in row)

    @given(matrices)
    def test_no_line_has_one_hidden_cell_beside_a_shown_total(self, grid: Matrix) -> None:
        full = with_totals(counts=grid)
        hidden = _hidden(suppress(counts=grid))
        for line in lines(full):
            hidden_cells = [cell for cell in line[:-1] if cell in hidden]
            nonzero = [cell for cell in hidden_cells if full[cell[0]][cell[1]]]
            assert not (len(nonzero) == 1 and line[-1] not in hidden)
            assert sum(cell in hidden for cell in line) != 1  # nor a lone hidden total

    @given(matrices)
    def test_shown_values_are_the_originals(self, grid: Matrix) -> None:
        full = with_totals(counts=grid)
        shown = suppress(counts=grid)
        assert len(shown) == len(full)
        for original_row, shown_row in zip(full, shown, strict=True):
            for value, text in zip(original_row, shown_row, strict=True):
                assert text in (HIDDEN, str(value))
                assert value or text == "0"  # zeros are never hidden

    @settings(max_examples=200)
    @given(matrices)
    def test_no_hidden_cell_follows_from_the_sums(self, grid: Matrix) -> None:
        full = with_totals(counts=grid)
        assert not _determined(full, _hidden(suppress(counts=grid)))


class TestSuppressPart:
    @pytest.mark.parametrize(
        ("count", "total", "shown"),
        [(0, 10, "0"), (3, 10, HIDDEN), (8, 10, HIDDEN), (5, 10, "5"), (10, 10, "10"), (0, 0, "0")],
    )
    def test_hides_a_part_whose_rest_is_small(self, count: int, total: int, shown: str) -> None:
        assert suppress_part(count=count, total=total) == shown

    def test_a_part_larger_than_its_total_is_refused(self) -> None:
        with pytest.raises(ValueError, match="between 0 and its total"):
            suppress_part(count=11, total=10)
