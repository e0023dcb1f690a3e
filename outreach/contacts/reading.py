"""Read a partner's member list: CSV as Danish spreadsheets write it, or an Excel workbook.

Rows come out as `(line, {canonical field: raw text})`. `line` is the row number a spreadsheet
shows (the header is line 1), so a coordinator can find a rejected row in the file they sent.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Literal, cast
from xml.etree import ElementTree

import openpyxl
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedElementTree
from openpyxl.utils.cell import column_index_from_string, coordinate_from_string
from openpyxl.utils.exceptions import InvalidFileException

from outreach.contacts.headers import (
    MemberFileError,
    map_columns,
    unused_reason,
)

_CSV_SEPARATORS = (";", ",", "\t")
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})

RawRow = tuple[int, dict[str, str]]


# Limits on one member list (docs/campaigns.md): past them the file is refused whole.
MAX_FILE_BYTES = 20 * 1024 * 1024  # 20 MiB as sent
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # an .xlsx unpacked: a zip bomb goes no further
MAX_ROWS = 200_000  # ten times the largest campaign
MAX_COLUMNS = 100
# Excel's own limit (column XFD). openpyxl builds a whole row before `max_col` cuts it, so a
# crafted row of a million cells (a 132 KB file) would take gigabytes: refused before it reads.
MAX_CELLS_IN_A_ROW = 16_384
MAX_CELL_CHARS = 1_000  # a longer cell is a row's rejection (validation has its own limits)


class MemberFileTooLargeError(MemberFileError):
    """A member file over the size limits (413 over the API)."""


UNREADABLE = "_unreadable"  # key of a raw row's reason for being unreadable (validation rejects)


class _Uncached:
    """A formula cell saved without its value: what it shows in Excel is not in the file."""

    def __repr__(self) -> str:
        return "UNCACHED"


UNCACHED = _Uncached()


@dataclass(frozen=True)
class MemberFile:
    """A member list whose header has been understood; iterate it for the rows."""

    path: Path
    kind: Literal["csv", "xlsx"]
    columns: Mapping[str, str]  # canonical field -> the header(s) as written, "A + B" if several
    ignored_columns: tuple[str, ...]
    _rows: Callable[[], Iterator[RawRow]] = field(repr=False)
    used_columns: tuple[tuple[str, str], ...] = ()  # (header, field) in the file's order
    ignored_notes: Mapping[str, str] = field(default_factory=dict)  # header -> why not used

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows()

    def describe(self) -> dict[str, object]:
        """Say which column became which field and which were ignored (and why, if known)."""
        return {
            "columns": [{"column": h, "field": f} for h, f in self.used_columns],
            "ignored_columns": [
                {"column": h, "note": self.ignored_notes.get(h)} for h in self.ignored_columns
            ],
        }


def read_member_file(path: Path, *, mapping: Mapping[str, str] | None = None) -> MemberFile:
    """Open a member list, match its header to the canonical fields and return its rows."""
    if path.suffix.lower() == ".xls":
        raise MemberFileError("old .xls workbooks are not supported; save the file as .xlsx")
    try:
        size = path.stat().st_size
    except OSError as error:
        raise MemberFileError(f"cannot open the file: {error.strerror}") from None
    if size > MAX_FILE_BYTES:
        raise MemberFileTooLargeError(
            f"the file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MiB; split the list"
        )
    rows: Callable[[], Iterator[tuple[int, Sequence[object]]]]
    if path.suffix.lower() in _EXCEL_SUFFIXES or _is_zip(path):
        headers, rows = _open_xlsx(path)
        kind: Literal["csv", "xlsx"] = "xlsx"
    else:
        headers, rows = _open_csv(path)
        kind = "csv"
    if len(headers) > MAX_COLUMNS:
        raise MemberFileError(f"the file has more than {MAX_COLUMNS} columns")
    positions = map_columns(headers, mapping=mapping)
    field_of = {i: name for name, indexes in positions.items() for i in indexes}
    ignored = tuple(h for i, h in enumerate(headers) if i not in field_of and h.strip())
    return MemberFile(
        path=path,
        kind=kind,
        columns={name: " + ".join(headers[i] for i in idx) for name, idx in positions.items()},
        ignored_columns=ignored,
        used_columns=tuple((headers[i], field_of[i]) for i in sorted(field_of)),
        ignored_notes={h: why for h in ignored if (why := unused_reason(h))},
        _rows=lambda: _project(rows(), positions, headers, text_only=kind == "csv"),
    )


def _project(
    rows: Iterator[tuple[int, Sequence[object]]],
    positions: dict[str, tuple[int, ...]],
    headers: Sequence[str],
    *,
    text_only: bool = False,
) -> Iterator[RawRow]:
    """Keep the mapped cells of each non-blank row as text, keyed by canonical field.

    `text_only`: every cell is a str (CSV), so a row is blank when its cells joined are.
    """
    for line, cells in rows:
        if line > MAX_ROWS + 1:
            raise MemberFileError(f"the file has more than {MAX_ROWS} rows; split the list")
        if text_only:
            if not "".join(cast("Sequence[str]", cells)).strip():
                continue
        elif not any(not _is_blank(cell) for cell in cells):
            continue
        texts: dict[str, str] = {}
        for name, indexes in positions.items():
            if len(indexes) == 1:
                cell = cells[indexes[0]] if indexes[0] < len(cells) else None
                if type(cell) is str:  # every CSV cell: what the lines below make of it
                    texts[name] = cell.strip()[: MAX_CELL_CHARS + 1]
                    continue
            parts = [cells[i] if i < len(cells) else None for i in indexes]
            if any(part is UNCACHED for part in parts):
                column = headers[indexes[[p is UNCACHED for p in parts].index(True)]]
                texts[UNREADABLE] = (
                    f"the cell in column {column} is a formula saved without its value; "
                    "open the file in Excel, save it again and upload it"
                )
            words = (_cell_text(part, cpr=name == "cpr").strip() for part in parts)
            texts[name] = " ".join(w for w in words if w)[: MAX_CELL_CHARS + 1]
        yield line, texts


def _is_blank(cell: object) -> bool:
    return cell is None or cell is UNCACHED or (isinstance(cell, str) and not cell.strip())


def _is_zip(path: Path) -> bool:
    try:
        return zipfile.is_zipfile(path)
    except OSError as error:
        raise MemberFileError(f"cannot open the file: {error.strerror}") from None


# --- CSV -------------------------------------------------------------------------------------


def _open_csv(path: Path) -> tuple[list[str], Callable[[], Iterator[tuple[int, list[str]]]]]:
    """Detect encoding and separator, read the header and return a row reader."""
    try:
        data = path.read_bytes()
    except OSError as error:
        raise MemberFileError(f"cannot open the file: {error.strerror}") from None
    encoding, text = _decode(data)
    header_line = text.split("\n", 1)[0]
    if not header_line.strip():
        raise MemberFileError("the file is empty or its first line is blank")
    delimiter = _sniff_delimiter(header_line)
    try:
        headers = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as error:
        raise MemberFileError(f"line 1: the header is not readable as CSV ({error})") from None

    def rows() -> Iterator[tuple[int, list[str]]]:
        with path.open("r", encoding=encoding, newline="") as handle:
            reader = csv.reader(handle, delimiter=delimiter)
            next(reader, None)
            line = 1
            try:
                for line, row in enumerate(reader, start=2):
                    yield line, row
            except csv.Error as error:
                # The csv module cannot resume after a broken line: say where, keep nothing.
                raise MemberFileError(f"line {line + 1}: not readable as CSV ({error})") from None

    return headers, rows


def _decode(data: bytes) -> tuple[str, str]:
    """Return (encoding, text): UTF-16 by its BOM, else UTF-8 (BOM or not), else Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        candidates: tuple[str, ...] = ("utf-16",)
    else:
        candidates = ("utf-8-sig", "cp1252")
    for encoding in candidates:
        try:
            return encoding, data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise MemberFileError("the file is neither UTF-8 nor Windows-1252 text")


def _sniff_delimiter(header_line: str) -> str:
    """Pick the separator used most in the header line.

    csv.Sniffer prefers ',' whenever it appears, which misreads a Danish header such as
    "Navn;Mobil, privat;Fødselsdato"; counting is what a one-line sample supports.
    """
    counts = {sep: header_line.count(sep) for sep in _CSV_SEPARATORS}
    best = max(_CSV_SEPARATORS, key=lambda sep: counts[sep])
    return best if counts[best] else ","


# --- Excel -----------------------------------------------------------------------------------


def _open_xlsx(path: Path) -> tuple[list[str], Callable[[], Iterator[tuple[int, list[object]]]]]:
    """Read the first sheet's header and return a row reader."""
    with _sheet_rows(path) as sheet_rows:
        first = next(sheet_rows, None)
    if first is None or not any(cell is not None for cell in first):
        raise MemberFileError("the workbook's first sheet is empty or its first row is blank")

    def rows() -> Iterator[tuple[int, list[object]]]:
        with _sheet_rows(path) as sheet_rows:
            next(sheet_rows, None)
            for line, cells in enumerate(sheet_rows, start=2):
                yield line, list(cells)

    headers = [_cell_text(cell) for cell in first]
    while headers and not headers[-1].strip():  # read-only sheets pad rows to max_col
        headers.pop()
    return headers, rows


@contextmanager
def _sheet_rows(path: Path) -> Iterator[Iterator[tuple[object, ...]]]:
    """Open a workbook read-only and yield its first sheet's rows as tuples of values."""
    _check_unpacked_size(path)
    uncached = _check_row_widths(path)
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (DefusedXmlException, ValueError) as error:
        # openpyxl wraps what the parser refused in a ValueError.
        refused = isinstance(error, DefusedXmlException) or isinstance(
            error.__cause__ or error.__context__, DefusedXmlException
        )
        message = _ENTITIES if refused else "cannot read the file as an Excel workbook (.xlsx)"
        raise MemberFileError(message) from None
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise MemberFileError("cannot read the file as an Excel workbook (.xlsx)") from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1)
        part = str(getattr(sheet, "_worksheet_path", "")).lstrip("/")
        yield _marked(_defused(rows), uncached.get(part, frozenset()))
    finally:
        book.close()


_ENTITIES = "the workbook declares XML entities or a DTD, which are refused; save it again"


def _defused(rows: Iterator[tuple[object, ...]]) -> Iterator[tuple[object, ...]]:
    """Pass the rows on; an entity met while parsing the sheet refuses the file."""
    try:
        yield from rows
    except DefusedXmlException:
        raise MemberFileError(_ENTITIES) from None


def _marked(
    rows: Iterator[tuple[object, ...]], uncached: frozenset[tuple[int, int]]
) -> Iterator[tuple[object, ...]]:
    """Put UNCACHED where a formula has no saved value (openpyxl reads it as an empty cell)."""
    for number, cells in enumerate(rows, start=1):
        marks = [column for row, column in uncached if row == number] if uncached else []
        if marks:
            changed = list(cells)
            for column in marks:
                if column <= len(changed):
                    changed[column - 1] = UNCACHED
            cells = tuple(changed)
        yield cells


def _check_row_widths(path: Path) -> dict[str, frozenset[tuple[int, int]]]:
    """Refuse a sheet with a row wider than Excel allows, streaming its XML (never whole).

    Returns, per sheet part, the (row, column) of each formula saved without its value.
    """
    uncached: dict[str, frozenset[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/sheet")]
            for name in sheets:
                with archive.open(name) as part:
                    uncached[name] = _widest_row_within(part)
    except DefusedXmlException:
        raise MemberFileError(_ENTITIES) from None
    except (zipfile.BadZipFile, OSError, ElementTree.ParseError):
        raise MemberFileError("cannot read the file as an Excel workbook (.xlsx)") from None
    return uncached


def _widest_row_within(part: IO[bytes]) -> frozenset[tuple[int, int]]:
    cells = row = 0
    uncached: set[tuple[int, int]] = set()
    for event, element in DefusedElementTree.iterparse(part, events=("start", "end")):
        tag = element.tag.rsplit("}", 1)[-1]
        if event == "start" and tag == "row":
            cells = 0
            row = int(element.get("r") or row + 1)
        elif event == "end" and tag == "c":
            cells += 1
            if _is_uncached_formula(element):
                uncached.add((row, _column_of(element.get("r"), default=cells)))
            element.clear()
            if cells > MAX_CELLS_IN_A_ROW:
                raise MemberFileTooLargeError(
                    f"a row of the workbook has more than {MAX_CELLS_IN_A_ROW:,} cells"
                )
        elif event == "end" and tag == "row":
            element.clear()
    return frozenset(uncached)


def _is_uncached_formula(cell: ElementTree.Element) -> bool:
    """Tell a formula cell (<f>) that holds no saved value (<v>), as openpyxl writes them."""
    tags = {child.tag.rsplit("}", 1)[-1]: child for child in cell}
    return "f" in tags and (tags.get("v") is None or not (tags["v"].text or "").strip())


def _column_of(reference: str | None, *, default: int) -> int:
    """Return the column number of a cell reference such as "C7"."""
    if not reference:
        return default
    try:
        return int(column_index_from_string(coordinate_from_string(reference)[0]))
    except ValueError:
        return default


def _check_unpacked_size(path: Path) -> None:
    try:
        with zipfile.ZipFile(path) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError):
        raise MemberFileError("cannot read the file as an Excel workbook (.xlsx)") from None
    if unpacked > MAX_UNPACKED_BYTES:
        raise MemberFileTooLargeError(
            f"the workbook unpacks to more than {MAX_UNPACKED_BYTES // (1024 * 1024)} MiB"
        )


def _cell_text(value: object, *, cpr: bool = False) -> str:
    """Turn a cell value into the text a CSV export of the same sheet would hold."""
    if value is None or value is UNCACHED:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool):
        # A number cell cannot keep a leading zero: CPR 0101701234 arrives as 101701234.
        return f"{value:010d}" if cpr else str(value)
    return str(value)
