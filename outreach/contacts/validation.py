"""Turn one raw row into a `MemberRow`, or into a `RejectedRow` with a reason staff can act on.

Reasons quote the offending cell so the coordinator can find and fix it, except a CPR number:
that is never repeated, nor any cell that looks like one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from stdnum.dk import cpr as stdnum_cpr
from stdnum.exceptions import ValidationError

from bot.sms import septets, to_gsm
from core.cpr import CPR_WITHHELD, contains_cpr, parse_cpr, redact_cpr, strip_separators
from core.phone import parse_phone
from core.pseudonyms import Pseudonymizer
from outreach.contacts.fields import (
    Language,
    birth_date_from_cpr,
    is_plausible_birth_date,
    parse_birth_date,
    parse_education,
    parse_language,
)
from outreach.contacts.reading import UNREADABLE
from store.municipalities import MunicipalityRef, resolve_municipality
from store.types import Education

_MAX_TEXT = 200  # Contact.name and Contact.workplace
_MAX_QUOTE = 40
# The control characters (Unicode category Cc: U+0000-U+001F and U+007F-U+009F) but tab and line
# breaks; one pattern over the whole row instead of a category lookup per character.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


@dataclass(frozen=True, slots=True)
class MemberRow:
    """A valid member: phone in E.164, CPR only as its keyed hash; None means "not given"."""

    line: int
    phone: str
    name: str | None = None
    birth_date: date | None = None
    cpr_hash: str | None = None
    cpr_encrypted: str | None = None  # only when an encryption key is configured
    municipality: MunicipalityRef | None = None
    workplace: str | None = None
    education: Education | None = None
    language: Language | None = None
    warnings: tuple[str, ...] = ()  # imported as it is, but worth a look (e.g. the SMS alphabet)
    # The phone number's pseudonyms, made with the rest so that a worker process makes them
    # too (outreach.contacts.validating): the contact's public id and its suppression key.
    public_id: str = field(default="", compare=False, repr=False)
    suppression_key: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A row left out of the import, and why."""

    line: int
    reason: str


class _RowError(Exception):
    """Raised inside validation to stop at the first problem in a row."""


def validate_row(
    *, line: int, raw: Mapping[str, str], pseudonymizer: Pseudonymizer, today: date
) -> MemberRow | RejectedRow:
    """Check and normalise one row of a member file."""
    if unreadable := raw.get(UNREADABLE):
        return RejectedRow(line=line, reason=unreadable)
    if _CONTROL.search("".join(raw.values())):
        # A NUL byte would break the insert on PostgreSQL; none of these belongs in a name.
        unprintable = next(name for name, value in raw.items() if _CONTROL.search(value))
        return RejectedRow(
            line=line, reason=f"{unprintable} holds a control character (such as NUL)"
        )
    try:
        phone = _phone(raw.get("phone", ""))
        cpr_digits = _cpr(raw.get("cpr", ""))
        name = _text(raw.get("name", ""), label="name")
        return MemberRow(
            line=line,
            phone=phone,
            name=name,
            birth_date=_birth_date(raw.get("birth_date", ""), cpr_digits=cpr_digits, today=today),
            cpr_hash=pseudonymizer.cpr_hash(cpr_digits) if cpr_digits else None,
            cpr_encrypted=pseudonymizer.encrypt_cpr(cpr_digits) if cpr_digits else None,
            municipality=_municipality(raw.get("municipality", "")),
            workplace=_text(raw.get("workplace", ""), label="workplace"),
            education=parse_education(raw.get("education", "")),
            language=_language(raw.get("language", "")),
            warnings=_name_warnings(name),
            public_id=pseudonymizer.contact_id(phone),
            suppression_key=pseudonymizer.suppression_key(phone),
        )
    except _RowError as rejection:
        return RejectedRow(line=line, reason=str(rejection))


def _quote(value: str) -> str:
    """Quote a cell for a reason: shortened, and withheld if it looks like a CPR number."""
    value = " ".join(value.split())
    if contains_cpr(value):
        return CPR_WITHHELD
    if len(value) > _MAX_QUOTE:
        value = value[: _MAX_QUOTE - 1] + "…"
    return f"'{value}'"


def _phone(text: str) -> str:
    if not text.strip():
        raise _RowError("missing phone number")
    phone = parse_phone(text)
    if phone is None:
        raise _RowError(f"invalid phone number {_quote(text)}")
    return phone


def _cpr(text: str) -> str | None:
    if not text.strip():
        return None
    # The separators redaction reads (core.cpr): a number it would redact is read here.
    compact = strip_separators(text)
    if compact.isdecimal() and len(compact) == 9:
        compact = "0" + compact  # a number cell lost the leading zero: 0101701234 as 101701234
    digits = parse_cpr(compact)
    if digits is not None:
        return digits
    raise _RowError(_cpr_problem(compact))


def _cpr_problem(compact: str) -> str:
    """Say what is wrong with a CPR number without repeating it (at most its day and month)."""
    if not (compact.isascii() and compact.isdecimal() and len(compact) == 10):
        return "the CPR number is not 10 digits (write it as DDMMYY-XXXX)"
    day, month = int(compact[:2]), int(compact[2:4])
    if not 1 <= month <= 12:
        return f"the CPR number has a month that does not exist ({month:02d})"
    try:
        stdnum_cpr.get_birth_date(compact)
    except (ValueError, ValidationError):
        return f"the CPR number has a date that does not exist ({day:02d}.{month:02d})"
    return "CPR number holds a birth date in the future or before 1900"


def _birth_date(text: str, *, cpr_digits: str | None, today: date) -> date | None:
    from_cpr = birth_date_from_cpr(cpr_digits) if cpr_digits else None
    if from_cpr is not None and not is_plausible_birth_date(from_cpr, today=today):
        raise _RowError("CPR number holds a birth date in the future or before 1900")
    if not text.strip():
        return from_cpr
    written = parse_birth_date(text)
    if written is None:
        raise _RowError(f"birth date {_quote(text)} is not a date")
    if not is_plausible_birth_date(written, today=today):
        raise _RowError(f"birth date {_quote(text)} is in the future or before 1900")
    if from_cpr is not None and from_cpr != written:
        raise _RowError(f"birth date {_quote(text)} does not match the CPR number")
    return written


def _name_warnings(name: str | None) -> tuple[str, ...]:
    """Warn of a first name outside the SMS alphabet (GSM-7): the SMS cannot write it as is."""
    first = name.split()[0] if name else ""
    if not first or septets(first) is not None:
        return ()
    folded = to_gsm(first)
    shown = f"'{folded}'" if folded else "without the name"
    return (
        f"the first name {_quote(first)} has letters outside the SMS alphabet (GSM-7); "
        f"an SMS greets {shown}",
    )


def _municipality(text: str) -> MunicipalityRef | None:
    if not text.strip():
        return None
    ref = resolve_municipality(text)
    if ref is None:
        raise _RowError(f"unknown municipality {_quote(text)}")
    return ref


def _language(text: str) -> Language | None:
    if not text.strip():
        return None
    language = parse_language(text)
    if language is None:
        raise _RowError(f"unknown language {_quote(text)} (use da or en)")
    return language


def _text(text: str, *, label: str) -> str | None:
    cleaned = " ".join(redact_cpr(text).split())
    if len(cleaned) > _MAX_TEXT:
        raise _RowError(f"{label} is longer than {_MAX_TEXT} characters")
    return cleaned or None
