"""Look for CPR numbers in bytes: given ones, with or without the dash, and any valid one.

Two searches: every given CPR number wherever its ten digits stand (even inside a longer run
of digits), and the generic pattern `\\b\\d{6}-?\\d{4}\\b` kept only where the digits are a valid
CPR number by python-stdnum, so dates, phone numbers and ids do not count.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from core.cpr import parse_cpr

# Every place ten digits (with an optional dash after six) start, overlapping.
_ANY_PLACE = re.compile(rb"(?=(\d{6}-?\d{4}))")
_GENERIC = re.compile(rb"\b\d{6}-?\d{4}\b")


@dataclass
class Scan:
    """What a scan looked through and found."""

    cprs: frozenset[bytes]  # the given numbers, ten digits each
    sources: int = 0  # files and streams
    cells: int = 0  # values read from a database's text columns
    size: int = 0
    hits: list[str] = field(default_factory=list)  # "source: the match"

    @classmethod
    def of(cls, numbers: Iterable[str]) -> Scan:
        return cls(cprs=frozenset(n.replace("-", "").encode() for n in numbers))

    def bytes(self, name: str, data: bytes, *, generic: bool = True) -> None:
        """Scan one file or stream; `generic=False` seeks only the given numbers."""
        self.sources += 1
        self._search(name, data, generic=generic)

    def cell(self, name: str, value: str) -> None:
        """Scan one value from a database."""
        self.cells += 1
        self._search(name, value.encode("utf-8"))

    def _search(self, name: str, data: bytes, *, generic: bool = True) -> None:
        self.size += len(data)
        for match in _ANY_PLACE.finditer(data):
            if match[1].replace(b"-", b"") in self.cprs:
                self.hits.append(f"{name}: {match[1].decode()}")
        for match in _GENERIC.finditer(data) if generic else ():
            if parse_cpr(match[0].decode()) is not None:
                self.hits.append(f"{name}: {match[0].decode()} (a valid CPR number)")

    def files(self, paths: Iterable[Path], *, generic: bool = True) -> None:
        """Scan files, and every file under a folder."""
        for path in paths:
            found = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
            for file in found:
                self.bytes(file.name, file.read_bytes(), generic=generic)
