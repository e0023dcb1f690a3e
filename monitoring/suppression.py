"""Statistical disclosure control for tables of counts of people.

The evaluation's rule: a cell with fewer than 5 people is never shown, nor any cell from which
one could be worked out. So:

* primary suppression — every cell, total or grand total of 1–4 is shown as "<5". A 0 is shown
  as 0: it says nothing about any person, and hiding it would only cost readability.
* secondary suppression — a table with its totals is a set of equations (each row and column
  sums to its total). A hidden cell that those equations pin down is hidden in name only. While
  a row or column has exactly one hidden entry (counting its total), the smallest non-zero
  shown entry of that line is hidden too; and since larger tables can still pin a cell through
  a chain of lines, any hidden cell that the equations determine gets a partner hidden along a
  cycle of non-zero cells through it. Iterated until stable. Only non-zero entries are hidden.

Every hidden entry, primary or secondary, reads "<5". A distinct mark for secondary cells would
tell the reader they hold 5 or more, which can pin the primary cell: in a row [1, 5] with total
6, "<5" beside a cell known to be ≥ 5 can only be 1. The rule guards against exact recovery
through the sums; it does not audit the intervals a reader may narrow a hidden cell down to.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator, Sequence

THRESHOLD = 5
HIDDEN = "<5"

Cell = tuple[int, int]  # (row, column) in the table with totals
_Node = tuple[int, int]  # (0, row) or (1, column): the lines of the table, as graph vertices


def suppress(*, counts: Sequence[Sequence[int]]) -> list[list[str]]:
    """Return the table with a total column and a total row, every disclosive entry hidden."""
    grid = with_totals(counts=counts)
    hidden = {cell for cell, value in _entries(grid) if 0 < value < THRESHOLD}
    while _hide_one_more(grid, hidden):
        pass
    return [
        [HIDDEN if (i, j) in hidden else str(value) for j, value in enumerate(row)]
        for i, row in enumerate(grid)
    ]


def suppress_count(*, count: int) -> str:
    """Show a count that stands alone, or "<5" when it is 1–4."""
    if count < 0:
        raise ValueError("a count cannot be negative")
    return HIDDEN if 0 < count < THRESHOLD else str(count)


def suppress_part(*, count: int, total: int) -> str:
    """Show a count out of a total, or "<5" when it or the rest of the total is 1–4.

    "8 of 10 were referred" says that 2 were not: the rest is a cell of the same table.
    """
    if not 0 <= count <= total:
        raise ValueError("a part must lie between 0 and its total")
    return suppress(counts=[[count, total - count]])[0][0]


def with_totals(*, counts: Sequence[Sequence[int]]) -> list[list[int]]:
    """Return the counts with each row's total appended and a row of column totals below."""
    width = len(counts[0]) if counts else 0
    if any(len(row) != width for row in counts):
        raise ValueError("every row must have the same number of cells")
    if any(value < 0 for row in counts for value in row):
        raise ValueError("a count cannot be negative")
    rows = [[*row, sum(row)] for row in counts]
    totals = [sum(column) for column in zip(*rows, strict=True)] if rows else [0] * (width + 1)
    return [*rows, totals]


def lines(grid: Sequence[Sequence[int]]) -> Iterator[list[Cell]]:
    """Yield every row and column of a table with totals; each line's total comes last."""
    height, width = len(grid), len(grid[0])
    for i in range(height):
        yield [(i, j) for j in range(width)]
    for j in range(width):
        yield [(i, j) for i in range(height)]


def _entries(grid: Sequence[Sequence[int]]) -> Iterator[tuple[Cell, int]]:
    """Yield every entry of the table with its position."""
    for i, row in enumerate(grid):
        for j, value in enumerate(row):
            yield (i, j), value


def _hide_one_more(grid: list[list[int]], hidden: set[Cell]) -> bool:
    """Hide one more entry if some hidden entry can be worked out; say whether one was."""
    for line in lines(grid):
        if sum(cell in hidden for cell in line) == 1:
            hidden.add(_smallest_shown(grid, hidden, line))
            return True
    for cell in sorted(hidden):
        if _path(hidden - {cell}, cell) is None:  # a bridge: the equations determine it
            support = {pos for pos, value in _entries(grid) if value}
            cycle = _path(support - {cell}, cell)
            assert cycle is not None, "non-zero cells of a table with totals form cycles"
            hidden.add(_smallest_shown(grid, hidden, cycle))
            return True
    return False


def _smallest_shown(grid: list[list[int]], hidden: set[Cell], cells: list[Cell]) -> Cell:
    """Return the shown non-zero cell of `cells` with the smallest count."""
    shown = [cell for cell in cells if cell not in hidden and grid[cell[0]][cell[1]]]
    # A line sums to zero with its total subtracted, so a lone hidden non-zero entry always
    # has a non-zero partner; a bridge always has a shown cell on its cycle.
    assert shown, "a determined hidden cell always has a shown non-zero partner"
    return min(shown, key=lambda cell: (grid[cell[0]][cell[1]], cell))


def _path(edges: set[Cell], ends: Cell) -> list[Cell] | None:
    """Return cells linking row `ends[0]` to column `ends[1]` through `edges`, or None."""
    start: _Node = (0, ends[0])
    goal: _Node = (1, ends[1])
    neighbours: dict[_Node, list[tuple[_Node, Cell]]] = {}
    for i, j in edges:
        neighbours.setdefault((0, i), []).append(((1, j), (i, j)))
        neighbours.setdefault((1, j), []).append(((0, i), (i, j)))
    came_by: dict[_Node, tuple[_Node, Cell] | None] = {start: None}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        if node == goal:
            return _walk_back(came_by, goal)
        for other, cell in neighbours.get(node, []):
            if other not in came_by:
                came_by[other] = (node, cell)
                queue.append(other)
    return None


def _walk_back(came_by: dict[_Node, tuple[_Node, Cell] | None], goal: _Node) -> list[Cell]:
    """Return the cells of the path that reached `goal`."""
    path: list[Cell] = []
    step = came_by[goal]
    while step is not None:
        node, cell = step
        path.append(cell)
        step = came_by[node]
    return path
