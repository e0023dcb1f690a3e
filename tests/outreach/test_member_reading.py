"""Reading member files: Danish and plain CSV, Excel, header synonyms and explicit mappings."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from outreach.contacts import MemberFileError, map_columns, read_member_file


def _write(path: Path, text: str, *, encoding: str) -> Path:
    path.write_bytes(text.encode(encoding))
    return path


class TestDanishCsv:
    def test_utf8_with_bom_semicolons_and_crlf(self, tmp_path: Path) -> None:
        text = "Navn;Mobil;Fødselsdato\r\nSøren Ærø;20 12 34 56;31-01-1970\r\n"
        path = _write(tmp_path / "m.csv", text, encoding="utf-8-sig")
        assert list(read_member_file(path)) == [
            (2, {"name": "Søren Ærø", "phone": "20 12 34 56", "birth_date": "31-01-1970"})
        ]

    def test_windows_1252(self, tmp_path: Path) -> None:
        text = "Navn;Mobil;Bopælskommune\r\nÅse Højgård;+45 20123456;Køge\r\n"
        path = _write(tmp_path / "m.csv", text, encoding="cp1252")
        [(line, row)] = list(read_member_file(path))
        assert line == 2
        assert row == {"name": "Åse Højgård", "phone": "+45 20123456", "municipality": "Køge"}

    def test_utf8_without_bom(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "Navn;Mobil\nBø;20123456\n", encoding="utf-8")
        assert [row["name"] for _, row in read_member_file(path)] == ["Bø"]

    def test_comma_inside_a_header_does_not_fool_the_separator(self, tmp_path: Path) -> None:
        text = "Navn;Mobil, privat;Sprog\r\nAne;20123456;da\r\n"
        path = _write(tmp_path / "m.csv", text, encoding="utf-8-sig")
        member_file = read_member_file(path, mapping={"Mobil, privat": "phone"})
        assert list(member_file) == [(2, {"name": "Ane", "phone": "20123456", "language": "da"})]

    def test_line_numbers_count_blank_lines_and_skip_them(self, tmp_path: Path) -> None:
        text = "Navn;Mobil\r\nA;20123456\r\n\r\n;\r\n \t;\u00a0\r\nB;20123457\r\n;.\r\n"
        path = _write(tmp_path / "m.csv", text, encoding="utf-8-sig")
        assert [line for line, _ in read_member_file(path)] == [2, 6, 7]

    def test_short_rows_get_empty_cells(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "Navn;Mobil;Sprog\r\nA;20123456\r\n", encoding="utf-8")
        [(_, row)] = list(read_member_file(path))
        assert row["language"] == ""

    def test_can_be_iterated_twice(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "Navn;Mobil\r\nA;20123456\r\n", encoding="utf-8")
        member_file = read_member_file(path)
        assert list(member_file) == list(member_file)


class TestCommaCsv:
    def test_plain_english_csv(self, tmp_path: Path) -> None:
        text = (
            'name,phone,date of birth,workplace\n"Doe, Jane",+4520123456,1970-01-31,"A/S, Køge"\n'
        )
        path = _write(tmp_path / "m.csv", text, encoding="utf-8")
        [(_, row)] = list(read_member_file(path))
        assert row == {
            "name": "Doe, Jane",
            "phone": "+4520123456",
            "birth_date": "1970-01-31",
            "workplace": "A/S, Køge",
        }
        assert read_member_file(path).kind == "csv"


class TestXlsx:
    def test_reads_the_first_sheet_with_typed_cells(self, tmp_path: Path) -> None:
        book = openpyxl.Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.append(["Fulde navn", "Mobilnummer", "Fødselsdato", "CPR-nr.", "Kommune"])
        sheet.append(["Åse Holm", 20123456, datetime(1970, 1, 31), 101701234, 265])
        sheet.append([None, None, None, None, None])
        sheet.append(["Bo Berg", "+45 30 12 34 56", date(1965, 5, 4), "040565-1234", "Roskilde"])
        path = tmp_path / "members.xlsx"
        book.save(path)
        member_file = read_member_file(path)
        assert member_file.kind == "xlsx"
        rows = list(member_file)
        assert rows[0] == (2, {
            "name": "Åse Holm", "phone": "20123456", "birth_date": "1970-01-31",
            "cpr": "0101701234", "municipality": "265",
        })  # fmt: skip
        assert rows[1][0] == 4  # line 3 is blank: skipped, still counted
        assert rows[1][1]["birth_date"] == "1965-05-04"

    def test_a_broken_workbook_is_a_clear_error(self, tmp_path: Path) -> None:
        path = tmp_path / "members.xlsx"
        path.write_bytes(b"PK\x03\x04 not really a workbook")
        with pytest.raises(MemberFileError, match="Excel"):
            read_member_file(path)

    def test_old_xls_is_refused(self, tmp_path: Path) -> None:
        path = tmp_path / "members.xls"
        path.write_bytes(b"\xd0\xcf\x11\xe0")
        with pytest.raises(MemberFileError, match=r"\.xlsx"):
            read_member_file(path)


class TestHeaders:
    @pytest.mark.parametrize(
        ("header", "field"),
        [
            ("Navn", "name"), ("NAME", "name"), ("Fulde navn", "name"),
            ("Mobil", "phone"), ("Mobilnummer", "phone"), ("Telefon", "phone"),
            ("Tlf.", "phone"), ("tlf nr", "phone"), ("Phone", "phone"), ("Mobile", "phone"),
            ("Fødselsdato", "birth_date"), ("Birth date", "birth_date"),
            ("Date of birth", "birth_date"),
            ("CPR", "cpr"), ("CPR-nr.", "cpr"), ("cpr-nummer", "cpr"), ("Personnummer", "cpr"),
            ("Kommune", "municipality"), ("Bopælskommune", "municipality"),
            ("Municipality", "municipality"),
            ("Arbejdsplads", "workplace"), ("Workplace", "workplace"), ("Employer", "workplace"),
            ("Uddannelse", "education"), ("Education", "education"),
            ("Sprog", "language"), ("Language", "language"),
        ],
    )  # fmt: skip
    def test_synonyms(self, header: str, field: str) -> None:
        positions = map_columns(["Mobil", header] if field != "phone" else [header])
        assert positions[field] == ((1,) if field != "phone" else (0,))

    def test_mobile_is_preferred_over_telephone(self) -> None:
        assert map_columns(["Telefon", "Mobil"])["phone"] == (1,)

    def test_unknown_columns_are_ignored_and_listed(self, tmp_path: Path) -> None:
        path = _write(
            tmp_path / "m.csv", "Navn;E-mail;Mobil\r\nA;a@b.dk;20123456\r\n", encoding="utf-8"
        )
        member_file = read_member_file(path)
        assert member_file.ignored_columns == ("E-mail",)
        assert member_file.columns == {"name": "Navn", "phone": "Mobil"}

    def test_no_phone_column_is_a_clear_error(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "Navn;Adresse\r\nA;Vej 1\r\n", encoding="utf-8")
        with pytest.raises(MemberFileError, match="no phone column"):
            read_member_file(path)

    def test_empty_file_is_a_clear_error(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "", encoding="utf-8")
        with pytest.raises(MemberFileError, match="empty"):
            read_member_file(path)

    def test_missing_file_is_a_clear_error(self, tmp_path: Path) -> None:
        with pytest.raises(MemberFileError, match="cannot open"):
            read_member_file(tmp_path / "nowhere.csv")


class TestMapping:
    def test_explicit_mapping_reads_any_header(self, tmp_path: Path) -> None:
        path = _write(tmp_path / "m.csv", "Medlem;Nummer\r\nA;20123456\r\n", encoding="utf-8")
        member_file = read_member_file(path, mapping={"medlem": "name", "NUMMER": "phone"})
        assert list(member_file) == [(2, {"name": "A", "phone": "20123456"})]

    def test_mapping_overrides_a_synonym(self) -> None:
        positions = map_columns(["Telefon", "SMS-nummer"], mapping={"SMS-nummer": "phone"})
        assert positions == {"phone": (1,)}

    def test_mapping_to_an_unknown_field_is_an_error(self) -> None:
        with pytest.raises(MemberFileError, match="unknown field 'email'"):
            map_columns(["Mobil", "Mail"], mapping={"Mail": "email"})

    def test_mapping_a_missing_column_is_an_error(self) -> None:
        with pytest.raises(MemberFileError, match="'Telefon' from the mapping"):
            map_columns(["Mobil"], mapping={"Telefon": "phone"})

    def test_two_columns_to_one_field_is_an_error(self) -> None:
        with pytest.raises(MemberFileError, match="two columns"):
            map_columns(["A", "B"], mapping={"A": "phone", "B": "phone"})
