"""Cell parsers of the member import, with property tests: they return None, never raise."""

from __future__ import annotations

from datetime import date

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st
from stdnum.dk import cpr

from core.cpr import parse_cpr
from core.phone import parse_phone
from outreach.contacts.fields import (
    birth_date_from_cpr,
    parse_birth_date,
    parse_education,
    parse_language,
)
from store.types import Education

# First two digits of Danish mobile numbers, and one national number written many ways.
MOBILE_PREFIXES = [*range(20, 32), 40, 41, 42, 50, 51, 52, 53, 60, 61, 71, 81, 91, 92, 93]
PHONE_STYLES = [
    "{a}{b}{c}{d}",
    "{a} {b} {c} {d}",
    "+45 {a}{b}{c}{d}",
    "+45{a}{b}{c}{d}",
    "0045 {a} {b} {c} {d}",
    "(+45) {a} {b} {c} {d}",
    "+45-{a}-{b}-{c}-{d}",
    " {a}{b} {c}{d} ",
]


def _styled(digits: str, style: str) -> str:
    return style.format(a=digits[:2], b=digits[2:4], c=digits[4:6], d=digits[6:])


danish_mobiles = st.builds(
    lambda prefix, rest: f"{prefix}{rest:06d}",
    st.sampled_from(MOBILE_PREFIXES),
    st.integers(min_value=0, max_value=999_999),
)


class TestParsePhone:
    @pytest.mark.parametrize("style", PHONE_STYLES)
    def test_danish_formats(self, style: str) -> None:
        assert parse_phone(_styled("20123456", style)) == "+4520123456"

    def test_foreign_number_keeps_its_country(self) -> None:
        assert parse_phone("+46 70 123 45 67") == "+46701234567"

    @pytest.mark.parametrize(
        "text", ["", "  ", "1234", "12 34", "20 12 34", "12 34 56 78", "abc", "80 12 34 56"]
    )
    def test_invalid_is_none(self, text: str) -> None:
        assert parse_phone(text) is None

    @given(st.text(max_size=60))
    def test_never_raises(self, text: str) -> None:
        result = parse_phone(text)
        assert result is None or (result.startswith("+") and result[1:].isdigit())

    @given(danish_mobiles, st.sampled_from(PHONE_STYLES))
    def test_e164_round_trip(self, digits: str, style: str) -> None:
        valid = phonenumbers.is_valid_number(phonenumbers.parse(digits, "DK"))
        e164 = parse_phone(_styled(digits, style))
        assert e164 == (f"+45{digits}" if valid else None)
        if e164 is not None:
            assert parse_phone(e164) == e164


def _read_by_phonenumbers(text: str) -> str | None:
    """What `parse_phone` answers, read by phonenumbers alone (it reads some numbers itself)."""
    if not text.strip() or len(text) > 40:
        return None
    try:
        number = phonenumbers.parse(text, "DK")
    except phonenumbers.NumberParseException:
        return None
    if phonenumbers.number_type(number) not in TEXTABLE:
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


TEXTABLE = (
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE,
)
# The ways round a Danish number's shortcut: prefixes it must and must not take, stray dashes.
ODD_PHONE_STYLES = [
    "-{a}{b}{c}{d}-",
    "+-45{a}{b}{c}{d}",
    "+4-5 {a}{b}{c}{d}",
    "0-0-4-5{a}{b}{c}{d}",
    "00 45 {a}{b} - {c}{d}",
    "00045{a}{b}{c}{d}",
    "+045{a}{b}{c}{d}",
    "+450{a}{b}{c}{d}",
    "45{a}{b}{c}{d}",
    "0{a}{b}{c}{d}",
    "{a}{b}{c}{d}0",
    "+46{a}{b}{c}{d}",
    "{a}{b}+{c}{d}",
    "+45+{a}{b}{c}{d}",
    "{a}.{b}.{c}.{d}",
    "({a}) {b}{c}{d}",
    "--",
]


class TestParsePhoneAsPhonenumbers:
    @given(
        st.text(alphabet="0123456789", min_size=1, max_size=10),
        st.sampled_from(PHONE_STYLES + ODD_PHONE_STYLES),
    )
    def test_any_digits_any_style(self, digits: str, style: str) -> None:
        text = _styled(digits.rjust(8, "0") if len(digits) < 8 else digits, style)
        assert parse_phone(text) == _read_by_phonenumbers(text)

    @given(danish_mobiles | st.from_regex(r"[1-9][0-9]{7}", fullmatch=True))
    def test_eight_digits_in_every_style(self, digits: str) -> None:
        for style in PHONE_STYLES + ODD_PHONE_STYLES:
            text = _styled(digits, style)
            assert parse_phone(text) == _read_by_phonenumbers(text), text

    @given(st.text(alphabet="0123456789+- ", max_size=20))
    def test_digits_and_separators(self, text: str) -> None:
        assert parse_phone(text) == _read_by_phonenumbers(text)


class TestParseBirthDate:
    @pytest.mark.parametrize(
        "text",
        ["1970-01-31", "31-01-1970", "31.01.1970", "31/01/1970", "31-1-1970", " 1970-01-31 "],
    )
    def test_formats(self, text: str) -> None:
        assert parse_birth_date(text) == date(1970, 1, 31)

    def test_iso_with_time_from_a_spreadsheet(self) -> None:
        assert parse_birth_date("1970-01-31 00:00:00") == date(1970, 1, 31)

    @pytest.mark.parametrize(
        "text", ["31-02-1970", "1970-13-01", "31-01-70", "31-01.1970", "", "januar 1970"]
    )
    def test_not_a_date_is_none(self, text: str) -> None:
        assert parse_birth_date(text) is None

    @given(st.text(max_size=40))
    def test_never_raises(self, text: str) -> None:
        assert parse_birth_date(text) is None or isinstance(parse_birth_date(text), date)

    @given(
        st.dates(min_value=date(1900, 1, 1), max_value=date(2030, 12, 31)),
        st.sampled_from(["%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d/%m/%Y"]),
    )
    def test_round_trip(self, day: date, style: str) -> None:
        assert parse_birth_date(day.strftime(style)) == day


class TestCpr:
    # Fabricated numbers: only the date part and the century digit (7th) matter here.
    @pytest.mark.parametrize(
        ("number", "born"),
        [
            ("010170-1234", date(1970, 1, 1)),
            ("0101701234", date(1970, 1, 1)),
            ("150360-4321", date(1960, 3, 15)),  # 4 with year >= 37: 1900s
            ("150310-4321", date(2010, 3, 15)),  # 4 with year < 37: 2000s
            ("150360-9321", date(1960, 3, 15)),  # 9 with year >= 37: 1900s
            ("150310-9321", date(2010, 3, 15)),  # 9 with year < 37: 2000s
            ("150310-5321", date(2010, 3, 15)),  # 5-8 with year < 58: 2000s
            ("150360-5321", date(1860, 3, 15)),  # 5-8 with year >= 58: 1800s
        ],
    )
    def test_century_rule(self, number: str, born: date) -> None:
        digits = parse_cpr(number)
        assert digits is not None
        assert birth_date_from_cpr(digits) == born == cpr.get_birth_date(number)

    def test_modulus_11_is_not_required(self) -> None:
        failing = next(
            f"010170{n:04d}" for n in range(1000, 2000) if cpr.checksum(f"010170{n:04d}") != 0
        )
        assert parse_cpr(failing) == failing

    @pytest.mark.parametrize("text", ["310270-1234", "010170-123", "01017O1234", "", "abc"])
    def test_invalid_is_none(self, text: str) -> None:
        assert parse_cpr(text) is None

    @given(st.text(max_size=20))
    def test_never_raises(self, text: str) -> None:
        digits = parse_cpr(text)
        assert digits is None or (len(digits) == 10 and birth_date_from_cpr(digits) is not None)


class TestParseEducation:
    @pytest.mark.parametrize(
        ("text", "group"),
        [
            ("Folkeskole", Education.GRUNDSKOLE),
            ("Grundskole", Education.GRUNDSKOLE),
            ("Ufaglært", Education.GRUNDSKOLE),
            ("Gymnasium", Education.GRUNDSKOLE),
            ("STX", Education.GRUNDSKOLE),
            ("Erhvervsuddannelse", Education.KORT),
            ("Faglært", Education.KORT),
            ("faglært (EUD)", Education.KORT),
            ("KVU", Education.KORT),
            ("Kort videregående uddannelse", Education.KORT),
            ("Kort", Education.KORT),
            ("MVU", Education.LANG),
            ("LVU", Education.LANG),
            ("Professionsbachelor", Education.LANG),
            ("Bachelor", Education.LANG),
            ("Kandidat", Education.LANG),
            ("Mellemlang videregående uddannelse", Education.LANG),
            ("Ph.d.", Education.LANG),
            ("Anden", Education.ANDEN),
            ("Noget helt tredje", Education.ANDEN),
        ],
    )
    def test_groups(self, text: str, group: Education) -> None:
        assert parse_education(text) == group

    @pytest.mark.parametrize("text", ["", "   ", "-"])
    def test_empty_is_none(self, text: str) -> None:
        assert parse_education(text) is None

    @given(st.text())
    def test_never_raises(self, text: str) -> None:
        assert parse_education(text) in (None, *Education)


class TestParseLanguage:
    @pytest.mark.parametrize(
        ("text", "language"),
        [("da", "da"), ("Dansk", "da"), ("DK", "da"), ("en", "en"), ("Engelsk", "en"),
         ("ENGLISH", "en"), ("  english ", "en")],
    )  # fmt: skip
    def test_known(self, text: str, language: str) -> None:
        assert parse_language(text) == language

    @pytest.mark.parametrize("text", ["", "polsk", "de"])
    def test_unknown_is_none(self, text: str) -> None:
        assert parse_language(text) is None

    @given(st.text())
    def test_never_raises(self, text: str) -> None:
        assert parse_language(text) in (None, "da", "en")


class TestOneNumberRule:
    """`core.phone` reads every number: a list's rule refuses what cannot take an SMS, a sender's
    rule keeps any possible number so that no reply is lost."""

    def test_a_sender_is_kept_where_a_list_row_would_be_refused(self) -> None:
        from core.phone import parse_phone, parse_sender

        assert parse_phone("80 20 30 40") is None  # a Danish toll-free number takes no SMS
        assert parse_sender("80 20 30 40") == "+4580203040"
        assert parse_sender("+45 20 12 34 56") == parse_phone("20 12 34 56") == "+4520123456"
        assert parse_sender("not a number") is None and parse_sender("") is None
