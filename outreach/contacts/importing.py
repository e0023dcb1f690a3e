"""Import a partner's member list into contacts and memberships, in batches.

A row is the same person as a stored contact when it has the same phone number or the same CPR
hash. Each batch of rows is merged and written by `outreach.contacts.batch`; the partner is
found or created by `outreach.contacts.partners`. The caller owns the transaction: nothing here
commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from contextlib import closing
from dataclasses import dataclass, field
from datetime import datetime

import structlog
from sqlmodel import Session

from core.pseudonyms import Pseudonymizer
from outreach.contacts import validating
from outreach.contacts.batch import Batch, Outcome
from outreach.contacts.guard import HeldBack, held_elsewhere
from outreach.contacts.partners import PartnerOwner, ensure_partner
from outreach.contacts.reading import MemberFile
from outreach.contacts.validating import Result, validated_chunks
from outreach.contacts.validation import MemberRow, RejectedRow
from privacy import suppression
from store.municipalities import MunicipalityRef, ensure_municipality

log = structlog.get_logger(__name__)

BATCH_SIZE = 2_000  # 2 x 2,000 bound parameters per lookup: well inside SQLite's limit


@dataclass
class ImportReport:
    """What an import did, row by row; rejected and held-back rows carry line and reason."""

    imported: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    to_confirm: list[HeldBack] = field(default_factory=list)  # see outreach.contacts.guard
    warnings: list[RejectedRow] = field(default_factory=list)  # imported, but worth a look
    file: dict[str, object] = field(default_factory=dict)  # columns used and ignored

    def as_dict(self) -> dict[str, object]:
        """Return the report as plain JSON-ready data."""
        return {
            "imported": self.imported,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": [{"line": r.line, "reason": r.reason} for r in self.rejected],
            "to_confirm": [{"line": r.line, "reason": r.reason} for r in self.to_confirm],
            "warnings": [{"line": r.line, "reason": r.reason} for r in self.warnings],
            **self.file,
        }

    def record(self, outcome: Outcome | RejectedRow | HeldBack) -> None:
        """Count one row's outcome, or keep its rejection."""
        if isinstance(outcome, RejectedRow):
            self.rejected.append(outcome)
        elif isinstance(outcome, HeldBack):
            self.to_confirm.append(outcome)
        else:
            setattr(self, outcome, getattr(self, outcome) + 1)


def import_members(
    *,
    session: Session,
    rows: Iterable[tuple[int, Mapping[str, str]]],
    partner_name: str,
    pseudonymizer: Pseudonymizer,
    now: datetime,
    progress: Callable[[int], None] | None = None,
    scope_municipality_id: int | None = None,
    owner: PartnerOwner = PartnerOwner(),
    confirm_phone_changes: bool = False,
    workers: int = 0,
    pool_from: int | None = None,
) -> ImportReport:
    """Validate the rows and merge them into the partner's list; report every row's outcome.

    With a scope (a key limited to a municipality), only that municipality's partners' lists
    can be imported into; a new partner belongs to that municipality, and a person another
    municipality holds is never changed. Without one, a new partner needs `owner`: its
    municipality, or national (outreach.contacts.partners). A CPR match with another phone
    number is held back unless `confirm_phone_changes` (outreach.contacts.guard).

    A file of more than `pool_from` rows is validated by `workers` forked processes ahead of
    the writes; the outcome is the same. None by default: only a process with no other threads
    at work may fork (outreach.contacts.validating; the CLI passes `POOL_WORKERS`).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    partner_id = ensure_partner(
        session=session,
        name=partner_name,
        scope_municipality_id=scope_municipality_id,
        owner=owner,
    )
    municipality_ids = _MunicipalityIds(session=session)
    report = ImportReport(file=rows.describe() if isinstance(rows, MemberFile) else {})
    done = suppressed = 0
    created: set[int] = set()  # contacts this import created: a later row may still move them
    validated = validated_chunks(
        rows,
        size=BATCH_SIZE,
        pseudonymizer=pseudonymizer,
        today=now.date(),
        workers=workers,
        pool_from=validating.POOL_FROM_ROWS if pool_from is None else pool_from,
    )
    with closing(validated):  # an error here stops the pool at once
        for chunk, results in validated:
            members = _members(results, report=report)
            batch = Batch.load(session=session, members=members, partner_id=partner_id)
            batch.guarded = held_elsewhere(
                session=session,
                contact_ids=(c.id for c in batch.by_phone.values() if c.id is not None),
                municipality_id=scope_municipality_id,
            )
            batch.confirm_phone_changes = confirm_phone_changes
            batch.created = created
            for member in members:
                municipality_id = municipality_ids.get(member.municipality)
                outcome = batch.apply(member, municipality_id=municipality_id, ids=pseudonymizer)
                report.record(outcome)
            batch.write(session=session, partner_id=partner_id, now=now)
            created.update(c.id for c in batch.new if c.id is not None)
            # A number erased after a STOP comes back opted out: an erasure never undoes a STOP.
            suppressed += suppression.honour(
                session=session,
                contacts=batch.rows(),
                pseudonymizer=pseudonymizer,
                now=now,
                keys={m.phone: m.suppression_key for m in members if m.suppression_key},
            )
            done += len(chunk)
            if progress is not None:
                progress(done)
    report.rejected.sort(key=lambda rejected: rejected.line)
    log.info(
        "members.imported",
        partner_id=partner_id,
        imported=report.imported,
        updated=report.updated,
        unchanged=report.unchanged,
        rejected=len(report.rejected),
        suppressed=suppressed,
    )
    return report


def _members(results: list[Result], *, report: ImportReport) -> list[MemberRow]:
    """Keep a chunk's valid rows; rejections and warnings go straight into the report."""
    members: list[MemberRow] = []
    for result in results:
        if isinstance(result, RejectedRow):
            report.record(result)
        else:
            members.append(result)
            report.warnings.extend(RejectedRow(result.line, w) for w in result.warnings)
    return members


class _MunicipalityIds:
    """Municipality ids by code, created on first use and remembered for the import."""

    def __init__(self, *, session: Session) -> None:
        self._session = session
        self._ids: dict[str, int] = {}

    def get(self, ref: MunicipalityRef | None) -> int | None:
        if ref is None:
            return None
        if ref.code not in self._ids:
            municipality = ensure_municipality(session=self._session, ref=ref)
            assert municipality.id is not None
            self._ids[ref.code] = municipality.id
        return self._ids[ref.code]
