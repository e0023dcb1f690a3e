"""A big member file is validated by a process pool: the import's outcome is exactly the same.

The pool starts only past a number of rows; here that threshold is lowered (and the batches made
small), so a file of a few hundred rows goes through it in many chunks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from cryptography.fernet import Fernet
from pydantic import SecretStr
from sqlmodel import Session, col, select

from core.pseudonyms import Pseudonymizer
from outreach.contacts import MemberFileError, PartnerOwner, import_members, read_member_file
from outreach.contacts import importing as importing_module
from outreach.contacts import reading as reading_module
from outreach.contacts.importing import ImportReport
from privacy import repository as privacy_repository
from store.models import Contact, Membership, Municipality, OptOut, Partner
from tests.outreach.worlds import recorded_pools

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = Pseudonymizer(pseudonym_key=SecretStr("test-pseudonym"), cpr_hmac_key=SecretStr("test-cpr"))
HEADER = "Navn;Mobil;CPR;Fødselsdato;Kommune;Arbejdsplads;Uddannelse;Sprog"
BATCH = 25


def _cpr(n: int) -> str:
    """A valid CPR number for person n (born in the 1970s)."""
    return f"{1 + n % 28:02d}{1 + n % 12:02d}7{n % 10}-{1000 + n:04d}"


def _rows() -> list[str]:
    """About 400 rows of every kind an import meets, the same person often twice."""
    lines: list[str] = []
    for n in range(400):
        phone = f"201{n:05d}" if n % 3 else f"+45 {20 + n % 10} {n % 100:02d} {n // 100:02d} 11"
        name = "Zoë Ølund" if n % 17 == 0 else ("Ιωάννης" if n % 53 == 0 else f"Medlem {n}")
        cpr = _cpr(n) if n % 4 == 0 else ""
        municipality = ("Roskilde", "Lejre", "Køge", "Narnia", "")[n % 5 if n % 31 == 0 else 0]
        row = [name, phone, cpr, "", municipality, "Skole", "Faglært", "da" if n % 2 else ""]
        if n % 41 == 0:
            row[1] = "12 34"  # a bad phone number
        if n % 43 == 0:
            row[5] = "Skole\x00"  # a control character
        if n % 47 == 0:
            row[2] = "3213701234"  # a CPR number with a date that does not exist
        if n % 59 == 0:
            row[3] = "01-01-1950"  # a birth date the CPR number contradicts
        if n % 29 == 0:
            row[1] = "20100029"  # the same phone number, on several people
        if n % 37 == 0:
            row[2] = _cpr(1)  # the same CPR number with another phone
        lines.append(";".join(row))
        if n % 23 == 0:
            lines.append("")  # a blank line: skipped, but it keeps its line number
        if n % 19 == 0:
            lines.append(";".join(row))  # a repeated row
    return lines


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\r\n".join([HEADER, *lines]) + "\r\n", encoding="utf-8-sig")
    return path


def _seed(session: Session, tmp_path: Path) -> None:
    """A store that already knows some of the people, one of them a suppressed number."""
    earlier = [
        ";".join([f"Tidl {n}", f"201{n:05d}", "", "", "Roskilde", "", "", ""])
        for n in range(1, 90, 7)
    ]
    import_members(
        session=session,
        rows=read_member_file(_write(tmp_path / "earlier.csv", earlier)),
        partner_name="3F",
        pseudonymizer=IDS,
        now=NOW,
        owner=PartnerOwner(municipality="Roskilde"),
    )
    privacy_repository.suppress(
        session=session, key=IDS.suppression_key("+4520100010"), reason="erased", now=NOW
    )
    session.flush()


def _outcome(
    session: Session, path: Path, *, workers: int, pool_from: int
) -> tuple[dict[str, object], list[int], list[tuple[Any, ...]]]:
    """Import the file and return the report, the progress seen and what the store holds."""
    seen: list[int] = []
    report = _import(session, path, workers=workers, pool_from=pool_from, seen=seen)
    session.flush()
    return report.as_dict(), seen, _stored(session)


def _import(
    session: Session,
    path: Path,
    *,
    workers: int,
    pool_from: int,
    seen: list[int] | None = None,
    ids: Pseudonymizer = IDS,
) -> ImportReport:
    return import_members(
        session=session,
        rows=read_member_file(path),
        partner_name="FOA Roskilde",
        pseudonymizer=ids,
        now=NOW,
        owner=PartnerOwner(municipality="Roskilde"),
        progress=seen.append if seen is not None else None,
        workers=workers,
        pool_from=pool_from,
    )


def _stored(session: Session) -> list[tuple[Any, ...]]:
    """The contacts in id order with their lists and opt-outs; ids differ from run to run."""
    contacts = session.exec(select(Contact).order_by(col(Contact.id))).all()
    lists = session.exec(
        select(Membership.contact_id, Partner.name)
        .join(Partner, col(Partner.id) == col(Membership.partner_id))
        .order_by(col(Membership.id))
    ).all()
    opted_out = {o.contact_id for o in session.exec(select(OptOut)).all()}
    municipalities = {m.id: m.name for m in session.exec(select(Municipality)).all()}
    return [
        (
            c.phone,
            c.public_id,
            c.name,
            c.birth_date,
            municipalities.get(c.municipality_id),
            c.education,
            c.language,
            c.workplace,
            c.cpr_hash,
            c.id in opted_out,
            [partner for contact_id, partner in lists if contact_id == c.id],
        )
        for c in contacts
    ]


class TestPool:
    @pytest.fixture(autouse=True)
    def _small_batches(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setattr(importing_module, "BATCH_SIZE", BATCH)

    def test_the_outcome_is_the_same_as_in_process(
        self, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = _write(tmp_path / "members.csv", _rows())
        _seed(session, tmp_path)
        session.commit()
        pools = recorded_pools(monkeypatch)

        in_process = _outcome(session, path, workers=0, pool_from=0)
        session.rollback()
        pooled = _outcome(session, path, workers=2, pool_from=0)
        session.rollback()
        one_worker = _outcome(session, path, workers=1, pool_from=BATCH * 3)

        report = in_process[0]
        assert report["imported"] and report["updated"] and report["unchanged"]
        assert report["rejected"] and report["warnings"]
        assert len(in_process[1]) > 10  # many chunks
        assert pools == [2, 1]
        assert pooled == in_process
        assert one_worker == in_process

    def test_a_file_under_the_threshold_starts_no_pool(
        self, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_pool(*args: object, **kwargs: object) -> None:
            raise AssertionError("a pool was started")

        monkeypatch.setattr("outreach.contacts.validating.ProcessPoolExecutor", no_pool)
        path = _write(tmp_path / "members.csv", _rows())
        report, _, _ = _outcome(session, path, workers=2, pool_from=10_000)
        assert report["imported"]

    def test_an_unreadable_line_stops_the_import_where_it_would_in_process(
        self, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(reading_module, "MAX_ROWS", 260)  # line 262 is past the limit
        path = _write(tmp_path / "members.csv", _rows())
        outcomes = []
        for workers in (0, 2):
            seen: list[int] = []
            with pytest.raises(MemberFileError) as raised:
                _import(session, path, workers=workers, pool_from=0, seen=seen)
            outcomes.append((str(raised.value), seen))
            session.rollback()
        assert outcomes[0] == outcomes[1]
        assert outcomes[0][0] == "the file has more than 260 rows; split the list"
        assert outcomes[0][1][-1] == 225  # the whole batches before the line were written

    def test_workers_encrypt_cpr_numbers_with_the_key_given(
        self, session: Session, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        pools = recorded_pools(monkeypatch)
        key = Fernet.generate_key().decode()
        ids = Pseudonymizer(
            pseudonym_key=SecretStr("test-pseudonym"),
            cpr_hmac_key=SecretStr("test-cpr"),
            cpr_encryption_key=SecretStr(key),
        )  # its cipher cannot be pickled: forked workers inherit it
        lines = [f"Medlem {n};201{n:05d};{_cpr(n)}" for n in range(120)]
        path = tmp_path / "members.csv"
        path.write_text("\r\n".join(["Navn;Mobil;CPR", *lines]), encoding="utf-8")
        report = _import(session, path, workers=2, pool_from=0, ids=ids)
        assert report.imported == 120 and pools == [2]
        contacts = session.exec(select(Contact).order_by(col(Contact.id))).all()
        assert [c.cpr_encrypted and ids.decrypt_cpr(c.cpr_encrypted) for c in contacts] == [
            _cpr(n).replace("-", "") for n in range(120)
        ]
