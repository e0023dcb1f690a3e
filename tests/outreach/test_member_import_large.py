"""A national-size member list: 100,000 rows with 1 % bad ones (correctness; speed is benched)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlmodel import Session

from core.pseudonyms import Pseudonymizer
from core.settings import Settings
from outreach.contacts import PartnerOwner, import_members, read_member_file
from store.models import Contact

ROWS = 100_000


def write_list(path: Path) -> set[int]:
    """Write a Danish spreadsheet CSV; every 100th row has a bad number. Return their lines."""
    bad: set[int] = set()
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        handle.write("Navn;Mobil;Fødselsdato;Kommune\r\n")
        for n in range(ROWS):
            line = n + 2
            if n % 100 == 99:
                phone = "12 34"
                bad.add(line)
            else:
                phone = f"{26_000_000 + n:08d}"  # 26xxxxxx: a fully valid DK mobile range
            handle.write(
                f"Medlem {n};{phone};{1 + n % 28:02d}-0{1 + n % 9}-19{60 + n % 30};Roskilde\r\n"
            )
    return bad


class TestLargeImport:
    def test_100000_rows_with_one_percent_bad(self, session: Session, tmp_path: Path) -> None:
        path = tmp_path / "medlemmer.csv"
        bad_lines = write_list(path)
        report = import_members(
            session=session,
            rows=read_member_file(path),
            partner_name="3F",
            pseudonymizer=Pseudonymizer.from_settings(Settings()),
            now=datetime(2026, 11, 23, 9, tzinfo=UTC),
            owner=PartnerOwner(municipality="Roskilde"),
        )
        session.commit()
        assert report.imported == ROWS - len(bad_lines) == 99_000
        assert {row.line for row in report.rejected} == bad_lines
        assert all("phone" in row.reason for row in report.rejected)
        assert session.scalar(select(func.count()).select_from(Contact)) == 99_000
