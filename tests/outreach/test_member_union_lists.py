"""Member lists as unions and Danish Excel send them: name parts, numbers, formulas, dry runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr
from sqlmodel import Session, SQLModel, func, select

from core.pseudonyms import Pseudonymizer
from outreach.contacts import (
    MemberFileError,
    PartnerOwner,
    dry_run,
    import_members,
    map_columns,
    read_member_file,
)
from store.models import Contact

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
IDS = Pseudonymizer(pseudonym_key=SecretStr("test-pseudonym"), cpr_hmac_key=SecretStr("test-cpr"))
ROSKILDE = PartnerOwner(municipality="Roskilde")  # whose a new partner is, on the server
UNION_HEADER = [
    "Medlemsnr.",
    "Fornavn",
    "Efternavn",
    "CPR-nr.",
    "Mobil",
    "Postnr.",
    "By",
    "Kommune",
]


def union_workbook(path: Path) -> Path:
    """A union's export as Excel keeps it: numbers as numbers, one formula never calculated."""
    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(UNION_HEADER)
    sheet.append([1001, "Jens", "Hansen", "050570-1234", 20123456, 4000, "Roskilde", "Roskilde"])
    sheet.append([1002, "Mette", "Berg", 1010701234, 20123457.0, 4000, "Roskilde", "Roskilde"])
    sheet.append([1003, "Ann", "Li", 101701234, "+45 20 12 34 58", 4000, "Roskilde", 265])
    sheet.append([1004, "Ole", "Sø", "310270-1234", 20123459, 4000, "Roskilde", "Roskilde"])
    sheet.append([1005, "Kim", "Møller", None, "=20000000+123460", 4000, "Roskilde", "Roskilde"])
    sheet.append([1006, "Zoë", "Ng", None, 20123461, 4000, "Roskilde", "Roskilde"])
    sheet.append([1007, "李", "Wang", None, 20123462, 4000, "Roskilde", "Roskilde"])
    book.save(path)
    return path


def _count_rows(session: Session) -> dict[str, int]:
    return {
        table.name: session.exec(select(func.count()).select_from(table)).one()
        for table in SQLModel.metadata.sorted_tables
    }


# --- the header mapper -------------------------------------------------------------------------

_EXTRA = ["Medlemsnr.", "Postnr.", "By", "E-mail", "Bemærkning"]


def _respelled(header: str, draw: st.DrawFn) -> str:
    cased = "".join(c.upper() if draw(st.booleans()) else c.lower() for c in header)
    return draw(st.sampled_from(["", " ", "  "])) + cased + draw(st.sampled_from(["", ".", ":"]))


@st.composite
def union_headers(draw: st.DrawFn) -> list[str]:
    chosen = ["Fornavn", "Efternavn", "Mobil"]
    chosen += draw(st.lists(st.sampled_from(["CPR-nr.", "Kommune", "Sprog"]), unique=True))
    chosen += draw(st.lists(st.sampled_from(_EXTRA), unique=True))
    ordered = draw(st.permutations(chosen))
    return [_respelled(h, draw) for h in ordered]


class TestHeaderMapper:
    @given(union_headers())
    def test_first_and_last_name_make_the_name_in_file_order(self, headers: list[str]) -> None:
        positions = map_columns(headers)
        folded = [h.strip(" .:").casefold() for h in headers]
        parts = tuple(i for i, h in enumerate(folded) if h in ("fornavn", "efternavn"))
        assert positions["name"] == parts
        assert positions["phone"] == (folded.index("mobil"),)
        if "cpr-nr" in folded:
            assert positions["cpr"] == (folded.index("cpr-nr"),)
        used = {i for indexes in positions.values() for i in indexes}
        assert all(folded[i] not in ("medlemsnr", "postnr", "by") for i in used)

    @pytest.mark.parametrize(
        ("headers", "name"),
        [
            (["Fornavn", "Mellemnavn", "Efternavn", "Mobil"], (0, 1, 2)),
            (["Last name", "First name", "Mobile"], (0, 1)),
            (["Given name", "Surname", "Phone"], (0, 1)),
            (["Navn", "Fornavn", "Mobil"], (0,)),  # a whole name wins over its parts
        ],
    )
    def test_name_parts(self, headers: list[str], name: tuple[int, ...]) -> None:
        assert map_columns(headers)["name"] == name

    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Mobilnr.", "phone"), ("Mobilnr", "phone"), ("Telefonnr.", "phone"),
            ("CPR-nr", "cpr"), ("Personnummer", "cpr"), ("Kommunenr", "municipality"),
            ("Kommunekode", "municipality"), ("Municipality code", "municipality"),
        ],
    )  # fmt: skip
    def test_more_danish_and_english_headers(self, header: str, field: str) -> None:
        positions = map_columns(["Mobil", header] if field != "phone" else [header])
        assert positions[field] == ((1,) if field != "phone" else (0,))

    def test_several_columns_may_be_mapped_to_the_name(self) -> None:
        positions = map_columns(
            ["Navn 1", "SMS", "Navn 2"],
            mapping={"Navn 1": "name", "Navn 2": "name", "SMS": "phone"},
        )
        assert positions == {"name": (0, 2), "phone": (1,)}

    def test_two_columns_to_another_field_are_still_refused(self) -> None:
        with pytest.raises(MemberFileError, match="only name may take several"):
            map_columns(["A", "B"], mapping={"A": "phone", "B": "phone"})


# --- a union's workbook ------------------------------------------------------------------------


class TestUnionWorkbook:
    def test_columns_used_and_ignored_are_told(self, tmp_path: Path) -> None:
        member_file = read_member_file(union_workbook(tmp_path / "3f.xlsx"))
        assert member_file.used_columns == (
            ("Fornavn", "name"), ("Efternavn", "name"), ("CPR-nr.", "cpr"), ("Mobil", "phone"),
            ("Kommune", "municipality"),
        )  # fmt: skip
        assert member_file.columns["name"] == "Fornavn + Efternavn"
        assert member_file.ignored_columns == ("Medlemsnr.", "Postnr.", "By")
        assert "postcode" in member_file.ignored_notes["Postnr."]

    def test_import_names_numbers_formulas_and_the_sms_alphabet(
        self, tmp_path: Path, session: Session
    ) -> None:
        member_file = read_member_file(union_workbook(tmp_path / "3f.xlsx"))
        report = import_members(
            session=session,
            rows=member_file,
            partner_name="3F",
            pseudonymizer=IDS,
            now=NOW,
            owner=ROSKILDE,
        )
        assert report.imported == 5
        reasons = {r.line: r.reason for r in report.rejected}
        assert reasons == {
            5: "the CPR number has a date that does not exist (31.02)",
            6: "the cell in column Mobil is a formula saved without its value; "
            "open the file in Excel, save it again and upload it",
        }
        assert [(w.line, w.reason) for w in report.warnings] == [
            (7, "the first name 'Zoë' has letters outside the SMS alphabet (GSM-7); "
             "an SMS greets 'Zoe'"),
            (8, "the first name '李' has letters outside the SMS alphabet (GSM-7); "
             "an SMS greets without the name"),
        ]  # fmt: skip
        contacts = {c.phone: c for c in session.exec(select(Contact)).all()}
        assert contacts["+4520123456"].name == "Jens Hansen"
        assert contacts["+4520123457"].birth_date == date(1970, 10, 10)  # CPR as a number
        assert contacts["+4520123458"].birth_date == date(1970, 1, 1)  # its leading zero lost
        assert contacts["+4520123461"].name == "Zoë Ng"  # stored as written
        summary = report.as_dict()
        assert {"column": "Postnr.", "note": member_file.ignored_notes["Postnr."]} in summary[
            "ignored_columns"
        ]  # type: ignore[operator]

    def test_a_dry_run_writes_nothing_and_shows_the_first_rows(
        self, tmp_path: Path, session: Session
    ) -> None:
        path = union_workbook(tmp_path / "3f.xlsx")
        import_members(
            session=session,
            rows=[(2, {"phone": "20123456", "name": "Jens"})],
            partner_name="FOA",
            pseudonymizer=IDS,
            now=NOW,
            owner=ROSKILDE,
        )
        session.commit()
        before = _count_rows(session)
        checked = dry_run(
            session=session,
            member_file=read_member_file(path),
            partner_name="3F Roskilde",
            pseudonymizer=IDS,
            today=NOW.date(),
            owner=ROSKILDE,
        )
        session.commit()
        assert _count_rows(session) == before
        assert (checked.rows, checked.valid, checked.known, checked.new) == (7, 5, 1, 4)
        assert not checked.partner_exists and checked.partner_municipality == "Roskilde"
        shown = checked.as_dict()
        first = shown["first_rows"]
        assert isinstance(first, list) and len(first) == 5
        assert first[0] == {
            "line": 2, "name": "Jens Hansen", "phone": "+4520123456",
            "birth_date": "1970-05-05", "cpr": True, "municipality": "Roskilde",
            "workplace": None, "education": None, "language": "da",
        }  # fmt: skip
        assert "0505701234" not in repr(shown) and "050570" not in repr(shown)
        assert [r["line"] for r in shown["rejected"]] == [5, 6]  # type: ignore[attr-defined]


# --- Danish Excel's CSV ------------------------------------------------------------------------


class TestDanishExcelCsv:
    TEXT = (
        "Medlemsnr.;Fornavn;Mellemnavn;Efternavn;Mobilnr.;Postnummer;Kommunenr;Sprog\r\n"
        "7;Anne;Marie;Ågård;20 12 34 56;4000;265;Dansk\r\n"
        "8;Søren;;Øster;4520123457;4000;350;Engelsk\r\n"
    )

    @pytest.mark.parametrize("encoding", ["cp1252", "utf-8-sig"])
    def test_names_municipality_codes_and_language(
        self, tmp_path: Path, session: Session, encoding: str
    ) -> None:
        path = tmp_path / "medlemmer.csv"
        path.write_bytes(self.TEXT.encode(encoding))
        member_file = read_member_file(path)
        assert list(member_file.ignored_columns) == ["Medlemsnr.", "Postnummer"]
        report = import_members(
            session=session,
            rows=member_file,
            partner_name="FOA",
            pseudonymizer=IDS,
            now=NOW,
            owner=ROSKILDE,
        )
        assert report.imported == 2 and not report.rejected and not report.warnings
        names = sorted(c.name for c in session.exec(select(Contact)).all())
        assert names == ["Anne Marie Ågård", "Søren Øster"]
