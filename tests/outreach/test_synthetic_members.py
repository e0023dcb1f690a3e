"""The synthetic member list: deterministic, realistic, and importable by the real import."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

import phonenumbers
import pytest
from pydantic import SecretStr
from sqlmodel import Session

from core.pseudonyms import Pseudonymizer
from outreach.contacts import PartnerOwner, import_members, read_member_file
from outreach.contacts.fields import parse_birth_date, parse_education
from outreach.synthetic import HEADER, write_member_csv
from store.types import Education

TODAY = date(2026, 3, 2)
IDS = Pseudonymizer(pseudonym_key=SecretStr("test-pseudonym"), cpr_hmac_key=SecretStr("test-cpr"))


@pytest.fixture(scope="module")
def members_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("synthetic") / "members.csv"
    write_member_csv(path, count=5000, seed=42, today=TODAY)
    return path


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle, delimiter=";"))


def _is_valid_phone(text: str) -> bool:
    try:
        return phonenumbers.is_valid_number(phonenumbers.parse(text, "DK"))
    except phonenumbers.NumberParseException:
        return False


def _age(born: date, *, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


class TestWriteMemberCsv:
    def test_is_deterministic_for_a_seed(self, tmp_path: Path) -> None:
        first, second, other = tmp_path / "a.csv", tmp_path / "b.csv", tmp_path / "c.csv"
        write_member_csv(first, count=300, seed=1, today=TODAY)
        write_member_csv(second, count=300, seed=1, today=TODAY)
        write_member_csv(other, count=300, seed=2, today=TODAY)
        assert first.read_bytes() == second.read_bytes()
        assert first.read_bytes() != other.read_bytes()

    def test_looks_like_a_danish_spreadsheet_export(self, members_csv: Path) -> None:
        data = members_csv.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf" + ";".join(HEADER).encode() + b"\r\n")
        assert data.count(b"\r\n") == 5001
        assert b"\n" not in data.replace(b"\r\n", b"")

    def test_shares_of_bad_phones_and_duplicates(self, members_csv: Path) -> None:
        phones = [row["Mobil"] for row in _rows(members_csv)]
        bad = [p for p in phones if not _is_valid_phone(p)]
        assert len(bad) == 100
        good = [phonenumbers.parse(p, "DK").national_number for p in phones if _is_valid_phone(p)]
        assert len(good) - len(set(good)) == 100

    def test_phones_are_written_in_mixed_styles(self, members_csv: Path) -> None:
        phones = [row["Mobil"] for row in _rows(members_csv)]
        assert any(p.startswith("+45 ") for p in phones)
        assert any(p.startswith("0045 ") for p in phones)
        assert any(len(p) == 11 and p[2] == " " for p in phones)

    def test_ages_are_25_to_70(self, members_csv: Path) -> None:
        births = [parse_birth_date(row["Fødselsdato"]) for row in _rows(members_csv)]
        ages = [_age(born, on=TODAY) for born in births if born is not None]
        assert len(ages) == 5000
        assert min(ages) == 25
        assert max(ages) == 70

    def test_education_follows_the_evaluation_shares(self, members_csv: Path) -> None:
        groups = Counter(parse_education(row["Uddannelse"]) for row in _rows(members_csv))
        shares = {group: groups[group] / 5000 for group in Education}
        assert shares[Education.GRUNDSKOLE] == pytest.approx(0.12, abs=0.02)
        assert shares[Education.KORT] == pytest.approx(0.61, abs=0.03)
        assert shares[Education.LANG] == pytest.approx(0.26, abs=0.03)
        assert shares[Education.ANDEN] == pytest.approx(0.02, abs=0.01)

    def test_mostly_the_given_municipality_and_some_english(self, members_csv: Path) -> None:
        rows = _rows(members_csv)
        places = Counter(row["Kommune"] for row in rows)
        assert places["Roskilde"] / len(rows) > 0.85
        assert {"Lejre", "Køge", "Greve Kommune"} <= set(places)
        english = sum(row["Sprog"] in ("Engelsk", "English", "en") for row in rows)
        assert english / len(rows) == pytest.approx(0.05, abs=0.015)


class TestImportOfSyntheticFile:
    def test_rejects_exactly_the_bad_phones(self, session: Session, members_csv: Path) -> None:
        bad_lines = {
            line
            for line, row in enumerate(_rows(members_csv), start=2)
            if not _is_valid_phone(row["Mobil"])
        }
        report = import_members(
            session=session,
            rows=read_member_file(members_csv),
            partner_name="FOA Roskilde",
            pseudonymizer=IDS,
            now=datetime(2026, 3, 2, 9, tzinfo=UTC),
            owner=PartnerOwner(municipality="Roskilde"),
        )
        assert {r.line for r in report.rejected} == bad_lines
        assert all(r.reason.startswith("invalid phone number") for r in report.rejected)
        assert report.imported == 5000 - 100 - 100
        assert report.unchanged == 100  # the duplicates repeat their row exactly
        assert report.updated == 0
