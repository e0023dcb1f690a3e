"""Importing member rows into contacts and memberships, on SQLite and PostgreSQL."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr
from sqlalchemy import Engine, event, text
from sqlmodel import Session, col, func, select

from core.pseudonyms import Pseudonymizer
from outreach.contacts import ImportReport, PartnerOwner, import_members, read_member_file
from outreach.contacts import importing as importing_module
from outreach.synthetic import write_member_csv
from store.models import Contact, Membership, Municipality, Partner

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = Pseudonymizer(pseudonym_key=SecretStr("test-pseudonym"), cpr_hmac_key=SecretStr("test-cpr"))
ROSKILDE = PartnerOwner(municipality="Roskilde")  # whose a new partner is, on the server

Raw = dict[str, str]


def _import(
    session: Session,
    *rows: Raw,
    partner: str = "FOA Roskilde",
    now: datetime = NOW,
    confirm: bool = False,
    scope: int | None = None,
) -> ImportReport:
    """Import rows as if they were lines 2, 3, … of a file."""
    numbered = [(line, raw) for line, raw in enumerate(rows, start=2)]
    return import_members(
        session=session,
        rows=numbered,
        partner_name=partner,
        pseudonymizer=IDS,
        now=now,
        confirm_phone_changes=confirm,
        scope_municipality_id=scope,
        owner=ROSKILDE if scope is None else PartnerOwner(),
    )


def _contacts(session: Session) -> list[Contact]:
    return list(session.exec(select(Contact).order_by(col(Contact.id))).all())


def _count(session: Session, model: type[Any]) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


class TestImportMembers:
    def test_imports_contacts_and_memberships(self, session: Session) -> None:
        report = _import(
            session,
            {"name": "Åse Holm", "phone": "20 12 34 56", "birth_date": "31-01-1970",
             "municipality": "Roskilde", "education": "Faglært", "language": "Engelsk"},
            {"name": "Bo Berg", "phone": "+45 30123456"},
        )  # fmt: skip
        assert report.as_dict() == {
            "imported": 2,
            "updated": 0,
            "unchanged": 0,
            "rejected": [],
            "to_confirm": [],
            "warnings": [],
        }
        first, second = _contacts(session)
        assert first.phone == "+4520123456"
        assert first.public_id == IDS.contact_id("+4520123456")
        assert first.birth_date == date(1970, 1, 31)
        assert first.education == "kort"
        assert first.language == "en"
        assert second.language == "da"
        assert second.municipality_id is None
        assert first.created_at == first.updated_at == NOW
        roskilde = session.exec(select(Municipality).where(Municipality.code == "265")).one()
        assert first.municipality_id == roskilde.id
        partner = session.exec(select(Partner)).one()
        assert partner.name == "FOA Roskilde"
        assert _count(session, Membership) == 2

    def test_bad_rows_are_reported_by_line_and_good_rows_import(self, session: Session) -> None:
        report = _import(
            session,
            {"phone": "20123456"},
            {"phone": "12 34"},
            {"phone": "20123457", "birth_date": "31-02-1970"},
            {"phone": ""},
            {"phone": "20123458", "municipality": "Narnia"},
            {"phone": "20123459"},
        )
        assert report.as_dict() == {
            "imported": 2,
            "updated": 0,
            "unchanged": 0,
            "rejected": [
                {"line": 3, "reason": "invalid phone number '12 34'"},
                {"line": 4, "reason": "birth date '31-02-1970' is not a date"},
                {"line": 5, "reason": "missing phone number"},
                {"line": 6, "reason": "unknown municipality 'Narnia'"},
            ],
            "to_confirm": [],
            "warnings": [],
        }
        assert [c.phone for c in _contacts(session)] == ["+4520123456", "+4520123459"]

    def test_nothing_is_committed(self, session: Session) -> None:
        _import(session, {"phone": "20123456"})
        session.rollback()
        assert _count(session, Contact) == 0
        assert _count(session, Partner) == 0

    def test_naive_now_is_refused(self, session: Session) -> None:
        with pytest.raises(ValueError, match="aware"):
            _import(session, {"phone": "20123456"}, now=datetime(2026, 3, 2))

    def test_reports_progress(self, session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(importing_module, "BATCH_SIZE", 2)
        seen: list[int] = []
        import_members(
            session=session,
            rows=[(n, {"phone": f"2012345{n}"}) for n in range(2, 7)],
            partner_name="3F",
            pseudonymizer=IDS,
            now=NOW,
            owner=ROSKILDE,
            progress=seen.append,
        )
        assert seen == [2, 4, 5]


class TestDuplicates:
    def test_within_the_file_merge_into_one_contact(self, session: Session) -> None:
        report = _import(
            session,
            {"name": "Åse Holm", "phone": "20 12 34 56"},
            {"name": "Åse Holm", "phone": "+4520123456", "workplace": "Hjemmeplejen"},
            {"name": "Åse Holm", "phone": "0045 20 12 34 56", "workplace": ""},
        )
        assert (report.imported, report.updated, report.unchanged) == (1, 1, 1)
        [contact] = _contacts(session)
        assert contact.workplace == "Hjemmeplejen"  # an empty cell does not erase it
        assert _count(session, Membership) == 1

    def test_same_cpr_is_the_same_person(self, session: Session) -> None:
        report = _import(
            session,
            {"phone": "20123456", "cpr": "010170-1234"},
            {"phone": "30123456", "cpr": "0101701234"},
        )
        assert (report.imported, report.updated) == (1, 1)
        [contact] = _contacts(session)
        assert contact.phone == "+4530123456"  # the later row's number wins
        assert contact.public_id == IDS.contact_id("+4530123456")
        assert contact.birth_date == date(1970, 1, 1)

    def test_against_the_store_fill_and_update(self, session: Session) -> None:
        _import(session, {"name": "Bo", "phone": "20123456", "education": "Folkeskole"})
        session.commit()
        later = NOW + timedelta(days=30)
        report = _import(
            session,
            {"name": "Bo Berg", "phone": "20 12 34 56", "cpr": "0101701234", "education": ""},
            now=later,
        )
        assert report.as_dict() == {
            "imported": 0,
            "updated": 1,
            "unchanged": 0,
            "rejected": [],
            "to_confirm": [],
            "warnings": [],
        }
        session.expire_all()
        [contact] = _contacts(session)
        assert contact.name == "Bo Berg"
        assert contact.education == "grundskole"
        assert contact.cpr_hash == IDS.cpr_hash("0101701234")
        assert contact.birth_date == date(1970, 1, 1)
        assert contact.created_at == NOW
        assert contact.updated_at == later

    def test_phone_and_cpr_of_two_contacts_is_rejected(self, session: Session) -> None:
        _import(session, {"phone": "20123456", "cpr": "0101701234"}, {"phone": "30123456"})
        report = _import(session, {"phone": "30123456", "cpr": "010170-1234"})
        assert report.rejected[0].reason == (
            "phone number and CPR number belong to two different contacts"
        )

    def test_phone_of_a_contact_with_another_cpr_is_rejected(self, session: Session) -> None:
        _import(session, {"phone": "20123456", "cpr": "0101701234"})
        report = _import(session, {"phone": "20123456", "cpr": "0202701234"})
        assert report.rejected[0].reason == (
            "phone number belongs to a contact with another CPR number"
        )
        assert _contacts(session)[0].cpr_hash == IDS.cpr_hash("0101701234")

    def test_duplicates_across_batches(
        self, session: Session, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(importing_module, "BATCH_SIZE", 2)
        report = _import(
            session,
            {"phone": "20123456"},
            {"phone": "20123457"},
            {"phone": "20 12 34 56", "name": "Åse"},
            {"phone": "+45 20 12 34 57"},
            {"phone": "20123458", "cpr": "0101701234"},
            {"phone": "20123459", "cpr": "010170-1234"},
        )
        assert (report.imported, report.updated, report.unchanged) == (3, 2, 1)
        assert [c.phone for c in _contacts(session)] == [
            "+4520123456",
            "+4520123457",
            "+4520123459",
        ]
        assert _count(session, Membership) == 3

    def test_a_phone_given_up_can_be_taken_in_the_same_batch(self, session: Session) -> None:
        _import(session, {"phone": "20123456", "cpr": "0101701234"})
        report = _import(
            session,
            {"phone": "30123456", "cpr": "0101701234"},  # moves to a new number
            {"phone": "20123456", "name": "New owner"},  # who now has the old one
            confirm=True,
        )
        assert (report.imported, report.updated) == (1, 1)
        assert sorted(c.phone for c in _contacts(session)) == ["+4520123456", "+4530123456"]


class TestReimport:
    ROWS: tuple[Raw, ...] = (
        {"name": "Åse", "phone": "20123456", "cpr": "0101701234", "municipality": "265"},
        {"name": "Bo", "phone": "30123456", "education": "KVU", "language": "en"},
        {"name": "Bo", "phone": "+45 30 12 34 56"},
        {"phone": "1234"},
    )

    def test_same_file_again_is_all_unchanged(self, session: Session) -> None:
        _import(session, *self.ROWS)
        session.commit()
        contacts, memberships = _count(session, Contact), _count(session, Membership)
        report = _import(session, *self.ROWS, now=NOW + timedelta(days=1))
        assert (report.imported, report.updated, report.unchanged) == (0, 0, 3)
        assert len(report.rejected) == 1
        assert (_count(session, Contact), _count(session, Membership)) == (contacts, memberships)
        assert all(c.updated_at == NOW for c in _contacts(session))

    def test_another_partner_adds_memberships(self, session: Session) -> None:
        _import(session, *self.ROWS)
        report = _import(session, *self.ROWS, partner="3F")
        assert (report.imported, report.updated, report.unchanged) == (0, 2, 1)
        assert _count(session, Contact) == 2
        assert _count(session, Membership) == 4
        assert _count(session, Partner) == 2


class TestNoCprStored:
    def test_cpr_digits_appear_in_no_column_and_no_reason(self, session: Session) -> None:
        cprs = ["0101701234", "1503104321", "3102701234", "0202801111"]
        report = _import(
            session,
            {"phone": "20123456", "cpr": "010170-1234"},
            {"phone": "20123457", "cpr": "1503104321", "birth_date": "15-03-2010"},
            {"phone": "20123458", "cpr": "310270-1234"},  # not a date: rejected
            {"phone": "020280-1111"},  # a CPR in the phone column: rejected, withheld
            {"phone": "20123459", "cpr": "0202801111", "birth_date": "1980-02-03"},
        )
        assert report.imported == 2
        assert len(report.rejected) == 3
        dumped = json.dumps(report.as_dict()) + _dump_tables(session)
        for number in cprs:
            assert number not in dumped
            assert f"{number[:6]}-{number[6:]}" not in dumped


def _dump_tables(session: Session) -> str:
    """Return every value of every table the import writes, as one string."""
    parts = []
    for table in ("contact", "membership", "partner", "municipality"):
        rows = session.execute(text(f"SELECT * FROM {table}")).all()
        parts.extend(str(value) for row in rows for value in row)
    return " ".join(parts)


class TestBatching:
    def test_statements_do_not_grow_with_rows(
        self, session: Session, engine: Engine, tmp_path: Path
    ) -> None:
        path = tmp_path / "members.csv"
        write_member_csv(path, count=3000, seed=3, today=NOW.date())
        with _counting(engine) as statements:
            report = _import_file(session, path)
        assert report.imported > 2800
        # Two batches: a few lookups and writes each, plus partner and municipality set-up.
        assert len(statements) < 30

    def test_second_run_reads_and_writes_no_contact_row_by_row(
        self, session: Session, engine: Engine, tmp_path: Path
    ) -> None:
        path = tmp_path / "members.csv"
        write_member_csv(path, count=3000, seed=3, today=NOW.date())
        _import_file(session, path)
        with _counting(engine) as statements:
            report = _import_file(session, path)
        assert report.imported == report.updated == 0
        assert len(statements) < 20


def _import_file(session: Session, path: Path) -> ImportReport:
    return import_members(
        session=session,
        rows=read_member_file(path),
        partner_name="FOA",
        pseudonymizer=IDS,
        now=NOW,
        owner=ROSKILDE,
    )


@contextmanager
def _counting(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements sent to the database inside the block."""
    statements: list[str] = []

    def record(*args: Any) -> None:
        statements.append(args[2])

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", record)
