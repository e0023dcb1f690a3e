"""How `recruitbot import` shows a dry run and the columns an import used."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from rich.console import Console
from rich.table import Table


def print_columns(console: Console, described: Mapping[str, object]) -> None:
    """Say which column became which field and which were ignored."""
    used = _rows(described.get("columns"))
    if used:
        pairs = ", ".join(f"{c['column']} → {c['field']}" for c in used)
        console.print(f"Columns: {pairs}")
    ignored = _rows(described.get("ignored_columns"))
    if ignored:
        console.print("Ignored columns:")
        for column in ignored:
            note = f" ({column['note']})" if column.get("note") else ""
            console.print(f"  {column['column']}{note}")


def print_lines(console: Console, title: str, rows: Sequence[Mapping[str, object]]) -> None:
    """List rows by line number with their reason, under a title with their count."""
    if rows:
        console.print(f"{title} ({len(rows)}):")
        for row in rows:
            console.print(f"  line {row['line']}: {row['reason']}")


def print_dry_run(console: Console, checked: Mapping[str, object]) -> None:
    """Show what an import of the file would do; the CPR number only as given or not."""
    whose = checked.get("partner_municipality") or "national"
    new = "" if checked["partner_exists"] else "new, "
    console.print(f"Dry run for {checked['partner']} ({new}{whose}): nothing was stored.")
    print_columns(console, checked)
    console.print(
        f"{checked['rows']} rows: {checked['valid']} valid ({checked['new']} new, "
        f"{checked['known']} already known, {checked['repeated']} repeated in the file), "
        f"{len(_rows(checked['rejected']))} rejected."
    )
    first = _rows(checked["first_rows"])
    if first:
        table = Table(title=f"The first {len(first)} rows as they would be stored")
        for header in ("Line", "Name", "Phone", "Born", "CPR", "Municipality", "Language"):
            table.add_column(header)
        for row in first:
            table.add_row(
                str(row["line"]),
                str(row["name"]),
                str(row["phone"]),
                str(row["birth_date"] or "–"),
                "yes" if row["cpr"] else "no",
                str(row["municipality"] or "–"),
                str(row["language"]),
            )
        console.print(table)
    print_lines(console, "Rejected", _rows(checked["rejected"]))
    print_lines(console, "Warnings", _rows(checked["warnings"]))


def _rows(value: object) -> list[Mapping[str, object]]:
    return [row for row in value if isinstance(row, Mapping)] if isinstance(value, list) else []
