"""The optional encrypted copy of a CPR number: kept only when a key is configured."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlalchemy import select, text
from sqlmodel import Session

from core.pseudonyms import Pseudonymizer
from outreach.contacts import PartnerOwner, import_members, read_member_file
from store.models import Contact

NOW = datetime(2026, 11, 23, 9, tzinfo=UTC)
CPR = "0101701234"  # fabricated: a valid date, no real person implied


def pseudonymizer(key: str | None) -> Pseudonymizer:
    return Pseudonymizer(
        pseudonym_key=SecretStr("test-pseudonym-key"),
        cpr_hmac_key=SecretStr("test-cpr-key"),
        cpr_encryption_key=SecretStr(key) if key else None,
    )


def members(tmp_path: Path) -> Path:
    path = tmp_path / "medlemmer.csv"
    path.write_text("Navn;Mobil;CPR-nr.\r\nAnne;20 12 34 56;010170-1234\r\n", encoding="utf-8")
    return path


def run_import(session: Session, path: Path, ids: Pseudonymizer) -> dict[str, object]:
    report = import_members(
        session=session,
        rows=read_member_file(path),
        partner_name="FOA",
        pseudonymizer=ids,
        now=NOW,
        owner=PartnerOwner(municipality="Roskilde"),
    )
    session.commit()
    return report.as_dict()


class TestEncryptedCopy:
    def test_kept_and_readable_with_a_key(self, session: Session, tmp_path: Path) -> None:
        key = Fernet.generate_key().decode()
        ids = pseudonymizer(key)
        run_import(session, members(tmp_path), ids)
        contact = session.scalars(select(Contact)).one()
        assert contact.cpr_encrypted is not None
        assert ids.decrypt_cpr(contact.cpr_encrypted) == CPR
        row = session.execute(text("SELECT * FROM contact")).one()
        assert not any(CPR in str(value) for value in row), "a CPR number in clear text"

    def test_not_kept_without_a_key(self, session: Session, tmp_path: Path) -> None:
        run_import(session, members(tmp_path), pseudonymizer(None))
        contact = session.scalars(select(Contact)).one()
        assert contact.cpr_hash is not None
        assert contact.cpr_encrypted is None

    def test_reimport_is_unchanged(self, session: Session, tmp_path: Path) -> None:
        ids = pseudonymizer(Fernet.generate_key().decode())
        run_import(session, members(tmp_path), ids)
        again = run_import(session, members(tmp_path), ids)
        assert again["unchanged"] == 1 and again["updated"] == 0
