"""A progress bar for long imports, on stderr so that `--json` output stays clean."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

CHUNK = 1 << 20


def estimate_rows(path: Path) -> int | None:
    """Count a CSV's data rows by its line ends (fast, approximate); None for a workbook."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        return None
    lines = 0
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK):
            lines += chunk.count(b"\n")
    return max(lines - 1, 0)


@contextmanager
def row_progress(path: Path) -> Iterator[Callable[[int], None]]:
    """Show rows imported so far; yields the callback `import_members` takes as `progress`."""
    console = Console(stderr=True)
    columns = (
        TextColumn("Importing"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("rows"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True) as progress:
        task = progress.add_task("import", total=estimate_rows(path))

        def advance(done: int) -> None:
            progress.update(task, completed=done)

        yield advance
