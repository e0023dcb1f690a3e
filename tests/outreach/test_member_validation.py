"""One row of a member file: a MemberRow, or a rejection with a reason staff can act on."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import SecretStr

from core.cpr import REDACTED, normalise, redact_cpr
from core.pseudonyms import Pseudonymizer
from outreach.contacts import CANONICAL_FIELDS, MemberRow, RejectedRow, validate_row
from store.municipalities import MunicipalityRef
from store.types import Education

TODAY = date(2026, 3, 2)
IDS = Pseudonymizer(pseudonym_key=SecretStr("test-pseudonym"), cpr_hmac_key=SecretStr("test-cpr"))


def _validate(**raw: str) -> MemberRow | RejectedRow:
    return validate_row(line=7, raw=raw, pseudonymizer=IDS, today=TODAY)


def _reason(**raw: str) -> str:
    result = _validate(**raw)
    assert isinstance(result, RejectedRow), result
    assert result.line == 7
    return result.reason


class TestValidRow:
    def test_full_row_is_normalised(self) -> None:
        row = _validate(
            name="  Søren   Ærø ",
            phone="0045 20 12 34 56",
            birth_date="31.01.1970",
            municipality="Roskilde Kommune",
            workplace="Hjemmeplejen",
            education="Faglært",
            language="Engelsk",
        )
        assert row == MemberRow(
            line=7,
            phone="+4520123456",
            name="Søren Ærø",
            birth_date=date(1970, 1, 31),
            municipality=MunicipalityRef(code="265", name="Roskilde"),
            workplace="Hjemmeplejen",
            education=Education.KORT,
            language="en",
        )

    def test_only_a_phone_is_required(self) -> None:
        assert _validate(phone="20123456") == MemberRow(line=7, phone="+4520123456")

    def test_birth_date_comes_from_the_cpr(self) -> None:
        row = _validate(phone="20123456", cpr="150310-4321")
        assert isinstance(row, MemberRow)
        assert row.birth_date == date(2010, 3, 15)
        assert row.cpr_hash == IDS.cpr_hash("1503104321")

    def test_written_birth_date_matching_the_cpr_is_fine(self) -> None:
        row = _validate(phone="20123456", cpr="0101701234", birth_date="1970-01-01")
        assert isinstance(row, MemberRow)
        assert row.birth_date == date(1970, 1, 1)


class TestRejections:
    @pytest.mark.parametrize(
        ("raw", "reason"),
        [
            ({"phone": ""}, "missing phone number"),
            ({"phone": "12 34"}, "invalid phone number '12 34'"),
            (
                {"phone": "20123456", "birth_date": "31-02-1970"},
                "birth date '31-02-1970' is not a date",
            ),
            (
                {"phone": "20123456", "birth_date": "01-01-2030"},
                "birth date '01-01-2030' is in the future or before 1900",
            ),
            ({"phone": "20123456", "municipality": "Narnia"}, "unknown municipality 'Narnia'"),
            ({"phone": "20123456", "language": "polsk"}, "unknown language 'polsk' (use da or en)"),
            (
                {"phone": "20123456", "cpr": "310270-1234"},
                "the CPR number has a date that does not exist (31.02)",
            ),
            (
                {"phone": "20123456", "cpr": "011370-1234"},
                "the CPR number has a month that does not exist (13)",
            ),
            (
                {"phone": "20123456", "cpr": "010170-12"},
                "the CPR number is not 10 digits (write it as DDMMYY-XXXX)",
            ),
            ({"phone": "20123456", "name": "x" * 201}, "name is longer than 200 characters"),
        ],
    )
    def test_reasons(self, raw: dict[str, str], reason: str) -> None:
        assert _reason(**raw) == reason

    def test_phone_is_checked_first(self) -> None:
        assert _reason(phone="1", cpr="bad", municipality="Narnia") == "invalid phone number '1'"

    def test_birth_date_must_match_the_cpr(self) -> None:
        reason = _reason(phone="20123456", cpr="0101701234", birth_date="02-01-1970")
        assert reason == "birth date '02-01-1970' does not match the CPR number"

    def test_cpr_of_someone_born_in_the_1800s_is_rejected(self) -> None:
        assert _reason(phone="20123456", cpr="150360-5321").startswith("CPR number holds")

    def test_long_quotes_are_shortened(self) -> None:
        assert len(_reason(phone="1" * 39 + "x")) < 70


# Every separator redaction reads between a CPR number's parts (core.cpr), and forms NFKC folds
# into them: full-width and small hyphens, no-break and ideographic spaces.
CPR_SEPARATORS = (
    " ", ".", ",", "/", "-", "\t", "\u00a0", "\u3000", "\u00ad", "\u2010", "\u2011", "\u2012",
    "\u2013", "\u2014", "\u2015", "\u2043", "\u2212", "\u2e3a", "\u2e3b", "\ufe58", "\ufe63",
    "\uff0d", "\uff0e", "\uff0f",
)  # fmt: skip
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def valid_cprs() -> st.SearchStrategy[str]:
    """The ten digits of a valid CPR number (born in the 1900s, serial 0000-3999)."""
    born = st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31))
    serial = st.integers(min_value=0, max_value=3999)
    return st.builds(lambda b, n: f"{b:%d%m}{b.year % 100:02}{n:04}", born, serial)


@st.composite
def spelled(draw: st.DrawFn, digits: st.SearchStrategy[str]) -> tuple[str, str]:
    """Ten digits cut anywhere into 1-4 groups joined by 1-3 separators; and the digits."""
    number = draw(digits)
    cuts = sorted(draw(st.sets(st.integers(min_value=1, max_value=9), max_size=3)))
    groups = [number[a:b] for a, b in zip([0, *cuts], [*cuts, 10], strict=True)]
    joins = [
        "".join(draw(st.lists(st.sampled_from(CPR_SEPARATORS), min_size=1, max_size=3)))
        for _ in groups[1:]
    ]
    cell = groups[0] + "".join(j + g for j, g in zip(joins, groups[1:], strict=True))
    padding = draw(st.sampled_from(["", " ", "  "]))
    cell = padding + cell + padding
    return (cell.translate(FULL_WIDTH) if draw(st.booleans()) else cell), number


class TestTheCprColumn:
    @pytest.mark.parametrize(
        "cell",
        ["010170\u22121234", "010170\u20111234", "01 01 70 1234", "01.01.70,1234", "010170/1234",
         "０１０１７０－１２３４", "010170\u00ad1234", "01-01-70-1234"],
    )  # fmt: skip
    def test_reads_the_spellings_redaction_knows(self, cell: str) -> None:
        row = _validate(phone="20123456", cpr=cell)
        assert isinstance(row, MemberRow), row
        assert row.cpr_hash == IDS.cpr_hash("0101701234")
        assert row.birth_date == date(1970, 1, 1)

    @given(spelled(valid_cprs()))
    def test_every_spelling_redaction_knows_is_read_as_the_number(
        self, cell_and_digits: tuple[str, str]
    ) -> None:
        cell, digits = cell_and_digits
        assert redact_cpr(cell).strip() == REDACTED, "a spelling redaction knows"
        row = _validate(phone="20123456", cpr=cell)
        assert isinstance(row, MemberRow), (normalise(cell), row)
        assert row.cpr_hash == IDS.cpr_hash(digits)

    @given(spelled(st.text(alphabet="0123456789", min_size=10, max_size=10)))
    def test_reads_a_cpr_exactly_when_redaction_would_remove_one(
        self, cell_and_digits: tuple[str, str]
    ) -> None:
        cell, digits = cell_and_digits
        row = _validate(phone="20123456", cpr=cell)
        if redact_cpr(cell).strip() == REDACTED:
            # Read as the number; only a birth date in the future or before 1900 is refused.
            read = isinstance(row, MemberRow) and row.cpr_hash == IDS.cpr_hash(digits)
            assert read or (isinstance(row, RejectedRow) and "birth date" in row.reason), row
        else:
            assert isinstance(row, RejectedRow) and digits[:6] not in row.reason, row


class TestNoCprInReasons:
    @pytest.mark.parametrize("cpr", ["010170-1234", "0101701234", "310270-1234", "010170-12"])
    def test_the_cpr_is_never_quoted(self, cpr: str) -> None:
        # A valid CPR is rejected here for disagreeing with the written birth date.
        reason = _reason(phone="20123456", cpr=cpr, birth_date="02-02-1972")
        assert "CPR number" in reason
        assert cpr.replace("-", "")[:6] not in reason

    @pytest.mark.parametrize("field", ["phone", "birth_date", "municipality", "language"])
    def test_a_cpr_in_the_wrong_column_is_withheld(self, field: str) -> None:
        raw = {"phone": "20123456", field: "010170-1234"}
        reason = _reason(**raw)
        assert "010170" not in reason
        assert "withheld" in reason

    @pytest.mark.parametrize("spelled", ["05.05.70-1238", "111170/1244", "０４ ０４ ７０ １２３７"])
    @pytest.mark.parametrize("field", ["phone", "birth_date", "municipality", "language"])
    def test_a_cpr_in_any_spelling_is_withheld(self, field: str, spelled: str) -> None:
        reason = _reason(**{"phone": "20123456", field: spelled})
        assert "withheld" in reason
        assert not any(char.isdigit() for char in reason.replace("200", ""))


class TestFreeText:
    @pytest.mark.parametrize("field", ["name", "workplace"])
    @pytest.mark.parametrize("spelled", ["05.05.70-1238", "111170/1244", "010170\u20131234"])
    def test_a_cpr_in_a_name_or_workplace_is_redacted(self, field: str, spelled: str) -> None:
        member = _validate(phone="20123456", **{field: f"Anne {spelled}"})
        assert isinstance(member, MemberRow)
        assert getattr(member, field) == "Anne [CPR-nummer fjernet]"


class TestNeverRaises:
    @given(st.dictionaries(st.sampled_from(CANONICAL_FIELDS), st.text(max_size=30)))
    def test_any_row_is_a_member_or_a_reason(self, raw: dict[str, str]) -> None:
        result = validate_row(line=2, raw=raw, pseudonymizer=IDS, today=TODAY)
        assert isinstance(result, MemberRow | RejectedRow)


class TestControlCharacters:
    """Category Cc but tab and line breaks reject a row, in whichever cell; nothing else does."""

    @pytest.mark.parametrize("code", [*range(0x20), *range(0x7F, 0xA0)])
    def test_every_control_character(self, code: int) -> None:
        char = chr(code)
        row = {"phone": "20123456", "name": "Anne", "workplace": f"Skole{char}n"}
        result = validate_row(line=3, raw=row, pseudonymizer=IDS, today=TODAY)
        if char in "\t\n\r":
            assert isinstance(result, MemberRow)
        else:
            assert result == RejectedRow(3, "workplace holds a control character (such as NUL)")

    def test_the_first_cell_holding_one_is_named(self) -> None:
        reason = _reason(phone="20123456", name="A\x00", workplace="B\x07")
        assert reason == "name holds a control character (such as NUL)"

    @pytest.mark.parametrize("char", ["\u00a0", "\u00ad", "\u200b", "\u2028", "\ufeff", "\u3000"])
    def test_other_invisible_characters_are_not_control_characters(self, char: str) -> None:
        assert isinstance(_validate(phone="20123456", workplace=f"Skole{char}n"), MemberRow)


def test_a_member_carries_its_phone_numbers_pseudonyms() -> None:
    member = _validate(phone="20 12 34 56")
    assert isinstance(member, MemberRow)
    assert member.public_id == IDS.contact_id("+4520123456")
    assert member.suppression_key == IDS.suppression_key("+4520123456")
