"""A dry run of a member import: what the file holds and what an import would do, writing nothing.

It reads and validates every row as `import_members` does and reports the column mapping, the
first rows as they would be stored (CPR only as given or not), every rejected row and every
warning. It only reads the store: whether the partner exists (and it refuses a partner the
import would refuse, `outreach.contacts.partners.plan_partner`), and which phone numbers are
already known. Rows the store itself would turn down (a CPR number held by another phone
number, a person another municipality holds) are found by the import, not here.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from itertools import islice

from sqlmodel import Session, col, select

from core.pseudonyms import Pseudonymizer
from outreach.contacts.guard import held_elsewhere
from outreach.contacts.partners import PartnerOwner, plan_partner
from outreach.contacts.reading import MemberFile, RawRow
from outreach.contacts.validation import MemberRow, RejectedRow, validate_row
from store.models import Contact

PREVIEW_ROWS = 5
_LOOKUP_BATCH = 2_000


@dataclass
class DryRun:
    """What an import of this file would do; nothing of it is stored."""

    partner: str
    partner_exists: bool
    partner_municipality: str | None  # whose the partner is (or would be); None: national
    file: dict[str, object]
    rows: int = 0  # data rows read (blank rows skipped)
    valid: int = 0
    known: int = 0  # valid rows whose phone number is stored (for a scope: of no other one)
    repeated: int = 0  # valid rows repeating a phone number seen earlier in the file
    first: list[dict[str, object]] = field(default_factory=list)
    rejected: list[RejectedRow] = field(default_factory=list)
    warnings: list[RejectedRow] = field(default_factory=list)

    @property
    def new(self) -> int:
        """Rows that would add a person the store does not have yet."""
        return self.valid - self.known - self.repeated

    def as_dict(self) -> dict[str, object]:
        """Return the dry run as plain JSON-ready data."""
        return {
            "dry_run": True,
            "partner": self.partner,
            "partner_exists": self.partner_exists,
            "partner_municipality": self.partner_municipality,
            **self.file,
            "rows": self.rows,
            "valid": self.valid,
            "new": self.new,
            "known": self.known,
            "repeated": self.repeated,
            "first_rows": self.first,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "warnings": [{"line": r.line, "reason": r.reason} for r in self.warnings],
        }


def dry_run(
    *,
    session: Session,
    member_file: MemberFile,
    partner_name: str,
    pseudonymizer: Pseudonymizer,
    today: date,
    scope_municipality_id: int | None = None,
    owner: PartnerOwner = PartnerOwner(),
) -> DryRun:
    """Read and check a member list as an import would, and say what it would do."""
    plan = plan_partner(
        session=session,
        name=partner_name,
        owner=owner,
        scope_municipality_id=scope_municipality_id,
    )
    report = DryRun(
        partner=plan.name,
        partner_exists=plan.partner_id is not None,
        partner_municipality=plan.municipality,
        file=member_file.describe(),
    )
    seen: set[str] = set()
    for chunk in _chunks(iter(member_file)):
        members: list[MemberRow] = []
        for line, raw in chunk:
            report.rows += 1
            result = validate_row(line=line, raw=raw, pseudonymizer=pseudonymizer, today=today)
            if isinstance(result, RejectedRow):
                report.rejected.append(result)
                continue
            members.append(result)
            report.warnings.extend(RejectedRow(line, w) for w in result.warnings)
            if len(report.first) < PREVIEW_ROWS:
                report.first.append(stored_view(result))
        fresh = [m.phone for m in members if m.phone not in seen]
        report.valid += len(members)
        report.repeated += len(members) - len(set(fresh))
        report.known += _known(session, set(fresh), scope=scope_municipality_id)
        seen.update(fresh)
    return report


def stored_view(member: MemberRow) -> dict[str, object]:
    """Show a valid row as the import would store it; the CPR number only as given or not."""
    return {
        "line": member.line,
        "name": member.name or "",
        "phone": member.phone,
        "birth_date": member.birth_date.isoformat() if member.birth_date else None,
        "cpr": member.cpr_hash is not None,
        "municipality": member.municipality.name if member.municipality else None,
        "workplace": member.workplace,
        "education": member.education.value if member.education else None,
        "language": member.language or "da",
    }


def _known(session: Session, phones: set[str], *, scope: int | None) -> int:
    """Count the phone numbers already stored; for a scope, only people no other municipality
    holds, so that a dry run never tells one municipality about another's citizens."""
    if not phones:
        return 0
    statement = select(col(Contact.id)).where(col(Contact.phone).in_(phones))
    ids = [i for i in session.exec(statement).all() if i is not None]
    elsewhere = held_elsewhere(session=session, contact_ids=ids, municipality_id=scope)
    return len(ids) - len(elsewhere)


def _chunks(rows: Iterator[RawRow]) -> Iterator[list[RawRow]]:
    while chunk := list(islice(rows, _LOOKUP_BATCH)):
        yield chunk
