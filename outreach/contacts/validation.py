"""Turn one raw row into a `MemberRow`, or into a `RejectedRow` with a reason staff can act on.

Reasons quote the offending cell so the coordinator can find and fix it, except a CPR number:
that is never repeated, nor any cell that looks like one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from outreach.contacts.fields import (
    Language,
    birth_date_from_cpr,
    is_plausible_birth_date,
    parse_birth_date,
    parse_cpr,
    parse_education,
    parse_language,
    parse_phone,
)
from outreach.municipalities import MunicipalityRef, resolve_municipality
from outreach.pseudonyms import Pseudonymizer
from store.types import Education

_MAX_TEXT = 200  # Contact.name and Contact.workplace
_MAX_QUOTE = 40
_CPR_SHAPED = re.compile(r"\d{6}[- ]?\d{4}")


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
    try:
        phone = _phone(raw.get("phone", ""))
        cpr_digits = _cpr(raw.get("cpr", ""))
        return MemberRow(
            line=line,
            phone=phone,
            name=_text(raw.get("name", ""), label="name"),
            birth_date=_birth_date(raw.get("birth_date", ""), cpr_digits=cpr_digits, today=today),
            cpr_hash=pseudonymizer.cpr_hash(cpr_digits) if cpr_digits else None,
            cpr_encrypted=pseudonymizer.encrypt_cpr(cpr_digits) if cpr_digits else None,
            municipality=_municipality(raw.get("municipality", "")),
            workplace=_text(raw.get("workplace", ""), label="workplace"),
            education=parse_education(raw.get("education", "")),
            language=_language(raw.get("language", "")),
        )
    except _RowError as rejection:
        return RejectedRow(line=line, reason=str(rejection))


def _quote(value: str) -> str:
    """Quote a cell for a reason: shortened, and withheld if it looks like a CPR number."""
    value = " ".join(value.split())
    if any(parse_cpr(match) for match in _CPR_SHAPED.findall(value)):
        return "(withheld: looks like a CPR number)"
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
    digits = parse_cpr(text)
    if digits is None:
        raise _RowError("CPR number fails the check")
    return digits


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
    cleaned = " ".join(text.split())
    if len(cleaned) > _MAX_TEXT:
        raise _RowError(f"{label} is longer than {_MAX_TEXT} characters")
    return cleaned or None
