"""Read a partner's member list: CSV as Danish spreadsheets write it, or an Excel workbook.

Rows come out as `(line, {canonical field: raw text})`. `line` is the row number a spreadsheet
shows (the header is line 1), so a coordinator can find a rejected row in the file they sent.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Literal

import openpyxl
from openpyxl.utils.exceptions import InvalidFileException

CANONICAL_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "birth_date",
    "cpr",
    "municipality",
    "workplace",
    "education",
    "language",
)

# Headers recognised per field, in order of preference: with both "Mobil" and "Telefon" in a
# file, the mobile column wins, because the list is for SMS.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("navn", "fulde navn", "fuldt navn", "name", "full name", "medlemsnavn"),
    "phone": (
        "mobil", "mobilnummer", "mobilnr", "mobiltelefon", "mobile", "mobile phone",
        "mobile number", "cell", "telefon", "telefonnummer", "telefonnr", "tlf", "tlf nr",
        "phone", "phone number",
    ),
    "birth_date": ("fødselsdato", "fodselsdato", "født", "birth date", "date of birth", "dob"),
    "cpr": ("cpr", "cpr-nr.", "cpr-nummer", "cpr number", "personnummer"),
    "municipality": ("kommune", "bopælskommune", "bopaelskommune", "municipality"),
    "workplace": ("arbejdsplads", "arbejdsgiver", "workplace", "employer"),
    "education": ("uddannelse", "uddannelsesniveau", "højeste uddannelse", "education"),
    "language": ("sprog", "foretrukket sprog", "language", "preferred language"),
}  # fmt: skip

_CSV_SEPARATORS = (";", ",", "\t")
_EXCEL_SUFFIXES = frozenset({".xlsx", ".xlsm"})

RawRow = tuple[int, dict[str, str]]


class MemberFileError(Exception):
    """A member file that cannot be read at all; the message says why."""


@dataclass(frozen=True)
class MemberFile:
    """A member list whose header has been understood; iterate it for the rows."""

    path: Path
    kind: Literal["csv", "xlsx"]
    columns: Mapping[str, str]  # canonical field -> the header as written in the file
    ignored_columns: tuple[str, ...]
    _rows: Callable[[], Iterator[RawRow]] = field(repr=False)

    def __iter__(self) -> Iterator[RawRow]:
        return self._rows()


def read_member_file(path: Path, *, mapping: dict[str, str] | None = None) -> MemberFile:
    """Open a member list, match its header to the canonical fields and return its rows."""
    if path.suffix.lower() == ".xls":
        raise MemberFileError("old .xls workbooks are not supported; save the file as .xlsx")
    rows: Callable[[], Iterator[tuple[int, Sequence[object]]]]
    if path.suffix.lower() in _EXCEL_SUFFIXES or _is_zip(path):
        headers, rows = _open_xlsx(path)
        kind: Literal["csv", "xlsx"] = "xlsx"
    else:
        headers, rows = _open_csv(path)
        kind = "csv"
    positions = map_columns(headers, mapping=mapping)
    used = set(positions.values())
    return MemberFile(
        path=path,
        kind=kind,
        columns={name: headers[index] for name, index in positions.items()},
        ignored_columns=tuple(h for i, h in enumerate(headers) if i not in used and h.strip()),
        _rows=lambda: _project(rows(), positions),
    )


def _header_key(text: str) -> str:
    """Fold a header for matching: case, spaces and punctuation do not matter."""
    return re.sub(r"[^0-9a-zæøå]", "", unicodedata.normalize("NFKC", text).casefold())


_SYNONYM_KEYS = {name: [_header_key(s) for s in words] for name, words in _SYNONYMS.items()}


def map_columns(
    headers: Sequence[str], *, mapping: Mapping[str, str] | None = None
) -> dict[str, int]:
    """Return {canonical field: column index}; an explicit mapping overrides the synonyms."""
    keys = [_header_key(h) for h in headers]
    positions: dict[str, int] = {}
    for their_header, name in (mapping or {}).items():
        if name not in CANONICAL_FIELDS:
            raise MemberFileError(
                f"unknown field '{name}' in the mapping; use one of {', '.join(CANONICAL_FIELDS)}"
            )
        if name in positions:
            raise MemberFileError(f"two columns are mapped to '{name}'")
        if _header_key(their_header) not in keys:
            raise MemberFileError(f"column '{their_header}' from the mapping is not in the file")
        positions[name] = keys.index(_header_key(their_header))
    for name, synonyms in _SYNONYM_KEYS.items():
        taken = set(positions.values())
        candidates = (keys.index(s) for s in synonyms if s in keys and keys.index(s) not in taken)
        if name not in positions and (index := next(candidates, None)) is not None:
            positions[name] = index
    if "phone" not in positions:
        raise MemberFileError(
            "no phone column found: name it Mobil, Telefon or Phone, or give a mapping"
        )
    return positions


def _project(
    rows: Iterator[tuple[int, Sequence[object]]], positions: dict[str, int]
) -> Iterator[RawRow]:
    """Keep the mapped cells of each non-blank row as text, keyed by canonical field."""
    for line, cells in rows:
        texts = {
            name: _cell_text(cells[i], cpr=name == "cpr") if i < len(cells) else ""
            for name, i in positions.items()
        }
        if any(not _is_blank(cell) for cell in cells):
            yield line, texts


def _is_blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


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

    return [_cell_text(cell) for cell in first], rows


@contextmanager
def _sheet_rows(path: Path) -> Iterator[Iterator[tuple[object, ...]]]:
    """Open a workbook read-only and yield its first sheet's rows as tuples of values."""
    try:
        book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError):
        raise MemberFileError("cannot read the file as an Excel workbook (.xlsx)") from None
    try:
        yield iter(book.worksheets[0].iter_rows(values_only=True))
    finally:
        book.close()


def _cell_text(value: object, *, cpr: bool = False) -> str:
    """Turn a cell value into the text a CSV export of the same sheet would hold."""
    if value is None:
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
