"""Import a partner's member list into contacts and memberships, in batches.

A row is the same person as a stored contact when it has the same phone number or the same CPR
hash. Per batch: one query loads the matching contacts (with their membership of this partner),
then changes are merged in memory and written with one bulk UPDATE and two bulk INSERTs. The
caller owns the transaction: nothing here commits.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice
from typing import Literal

import structlog
from sqlalchemy import Table, and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col, select

from core.errors import NotFoundError
from core.pseudonyms import Pseudonymizer
from outreach.contacts.guard import HELD_ELSEWHERE, PHONE_CHANGE, HeldBack, held_elsewhere
from outreach.contacts.reading import MemberFile
from outreach.contacts.validation import MemberRow, RejectedRow, validate_row
from privacy import suppression
from store.bulk import copy_rows, next_ids
from store.models import Contact, Membership, Partner
from store.municipalities import MunicipalityRef, ensure_municipality

log = structlog.get_logger(__name__)

BATCH_SIZE = 2_000  # 2 x 2,000 bound parameters per lookup: well inside SQLite's limit
_MERGED_FIELDS = (
    "name", "birth_date", "municipality_id", "education", "language", "workplace", "cpr_hash",
    "cpr_encrypted",
)  # fmt: skip

_CONTACTS: Table = SQLModel.metadata.tables["contact"]
_MEMBERSHIPS: Table = SQLModel.metadata.tables["membership"]
_LOADED_COLUMNS = (
    col(Contact.id),
    col(Contact.phone),
    col(Contact.public_id),
    col(Contact.name),
    col(Contact.birth_date),
    col(Contact.municipality_id),
    col(Contact.education),
    col(Contact.language),
    col(Contact.workplace),
    col(Contact.cpr_hash),
    col(Contact.cpr_encrypted),
)  # the order of _Contact's fields

Outcome = Literal["imported", "updated", "unchanged"]


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
    confirm_phone_changes: bool = False,
) -> ImportReport:
    """Validate the rows and merge them into the partner's list; report every row's outcome.

    With a scope (a key limited to a municipality), only that municipality's or a national
    partner's list can be imported into; a new partner belongs to that municipality, and a
    person another municipality holds is never changed. A CPR match with another phone number
    is held back unless `confirm_phone_changes` (outreach.contacts.guard).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    partner_id = ensure_partner(
        session=session, name=partner_name, scope_municipality_id=scope_municipality_id
    )
    municipality_ids = _MunicipalityIds(session=session)
    report = ImportReport(file=rows.describe() if isinstance(rows, MemberFile) else {})
    done = suppressed = 0
    created: set[int] = set()  # contacts this import created: a later row may still move them
    for chunk in _chunks(rows, BATCH_SIZE):
        members = _validate(chunk, pseudonymizer=pseudonymizer, today=now.date(), report=report)
        batch = _Batch.load(session=session, members=members, partner_id=partner_id)
        batch.guarded = held_elsewhere(
            session=session,
            contact_ids=(c.id for c in batch.by_phone.values() if c.id is not None),
            municipality_id=scope_municipality_id,
        )
        batch.confirm_phone_changes = confirm_phone_changes
        batch.created = created
        for member in members:
            municipality_id = municipality_ids.get(member.municipality)
            report.record(batch.apply(member, municipality_id=municipality_id, ids=pseudonymizer))
        batch.write(session=session, partner_id=partner_id, now=now)
        created.update(c.id for c in batch.new if c.id is not None)
        # A number erased after a STOP comes back opted out: an erasure never undoes a STOP.
        suppressed += suppression.honour(
            session=session, contacts=batch.rows(), pseudonymizer=pseudonymizer, now=now
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


def ensure_partner(*, session: Session, name: str, scope_municipality_id: int | None = None) -> int:
    """Return the id of the partner with this name, creating the partner if it is new.

    A partner of another municipality than the scope's does not exist for it (NotFoundError).
    """
    name = " ".join(name.split())
    if not name:
        raise ValueError("a partner name is required")
    partner = session.exec(select(Partner).where(Partner.name == name)).first()
    foreign = partner is not None and partner.municipality_id not in (None, scope_municipality_id)
    if foreign and scope_municipality_id is not None:
        raise NotFoundError(f"no partner named {name!r} in this key's municipality")
    if partner is None:
        partner = Partner(name=name, municipality_id=scope_municipality_id)
        session.add(partner)
        session.flush()
    assert partner.id is not None
    return partner.id


def _validate(
    chunk: list[tuple[int, Mapping[str, str]]],
    *,
    pseudonymizer: Pseudonymizer,
    today: date,
    report: ImportReport,
) -> list[MemberRow]:
    """Validate a chunk of rows; rejections go straight into the report."""
    members: list[MemberRow] = []
    for line, raw in chunk:
        result = validate_row(line=line, raw=raw, pseudonymizer=pseudonymizer, today=today)
        if isinstance(result, RejectedRow):
            report.record(result)
        else:
            members.append(result)
            report.warnings.extend(RejectedRow(line, warning) for warning in result.warnings)
    return members


def _chunks(
    rows: Iterable[tuple[int, Mapping[str, str]]], size: int
) -> Iterator[list[tuple[int, Mapping[str, str]]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


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


@dataclass(slots=True)
class _Contact:
    """A contact as the import sees it; `id` is None until it is inserted."""

    id: int | None
    phone: str
    public_id: str
    name: str
    birth_date: date | None
    municipality_id: int | None
    education: str | None
    language: str
    workplace: str | None
    cpr_hash: str | None
    cpr_encrypted: str | None  # only when an encryption key is configured
    member: bool  # on this partner's list (or about to be)

    def values(self) -> dict[str, object]:
        """Return the stored columns."""
        merged = {name: getattr(self, name) for name in _MERGED_FIELDS}
        return {"phone": self.phone, "public_id": self.public_id, **merged}


@dataclass
class _Batch:
    """One batch's contacts, indexed by phone and CPR hash, and the writes it has collected."""

    by_phone: dict[str, _Contact]
    by_hash: dict[str, _Contact]
    new: list[_Contact] = field(default_factory=list)
    changed: dict[int, _Contact] = field(default_factory=dict)  # in first-change order
    joined: list[_Contact] = field(default_factory=list)
    guarded: set[int] = field(default_factory=set)  # held by another municipality: never changed
    confirm_phone_changes: bool = False
    created: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, *, session: Session, members: list[MemberRow], partner_id: int) -> _Batch:
        """Load the stored contacts that share a phone or CPR hash with the batch's rows."""
        phones = {m.phone for m in members}
        hashes = {m.cpr_hash for m in members if m.cpr_hash}
        on_list = and_(
            col(Membership.contact_id) == col(Contact.id),
            col(Membership.partner_id) == partner_id,
        )
        # Plain columns, not entities: nothing lands in the identity map to go stale.
        statement = (
            sa_select(*_LOADED_COLUMNS, col(Membership.id).is_not(None))
            .outerjoin(Membership, on_list)
            .where(or_(col(Contact.phone).in_(phones), col(Contact.cpr_hash).in_(hashes)))
        )
        found = [_Contact(*row) for row in session.execute(statement)]
        return cls(
            by_phone={c.phone: c for c in found},
            by_hash={c.cpr_hash: c for c in found if c.cpr_hash},
        )

    def apply(
        self, member: MemberRow, *, municipality_id: int | None, ids: Pseudonymizer
    ) -> Outcome | RejectedRow | HeldBack:
        """Merge one row into the batch and say what happened to it."""
        same_phone = self.by_phone.get(member.phone)
        same_cpr = self.by_hash.get(member.cpr_hash) if member.cpr_hash else None
        if same_phone and same_cpr and same_phone is not same_cpr:
            return RejectedRow(
                member.line, "phone number and CPR number belong to two different contacts"
            )
        if same_phone and member.cpr_hash and same_phone.cpr_hash not in (None, member.cpr_hash):
            return RejectedRow(
                member.line, "phone number belongs to a contact with another CPR number"
            )
        contact = same_phone or same_cpr
        if contact is None:
            self._add(member, municipality_id=municipality_id, ids=ids)
            return "imported"
        stored = contact.id is not None and contact.id not in self.created
        if stored and contact.phone != member.phone and not self.confirm_phone_changes:
            return HeldBack(member.line, PHONE_CHANGE)
        guarded = contact.id in self.guarded
        if guarded and self._updates(contact, member, municipality_id):
            return RejectedRow(member.line, HELD_ELSEWHERE)
        changed = self._merge(contact, member, municipality_id=municipality_id, ids=ids)
        joined = not contact.member
        contact.member = True
        if contact.id is not None and changed:
            self.changed.setdefault(contact.id, contact)
        if contact.id is not None and joined:
            self.joined.append(contact)
        return "updated" if changed or joined else "unchanged"

    def _add(self, member: MemberRow, *, municipality_id: int | None, ids: Pseudonymizer) -> None:
        contact = _Contact(
            id=None,
            phone=member.phone,
            public_id=ids.contact_id(member.phone),
            name=member.name or "",
            birth_date=member.birth_date,
            municipality_id=municipality_id,
            education=member.education.value if member.education else None,
            language=member.language or "da",
            workplace=member.workplace,
            cpr_hash=member.cpr_hash,
            cpr_encrypted=member.cpr_encrypted,
            member=True,
        )
        self.new.append(contact)
        self._index(contact)

    def _merge(
        self,
        contact: _Contact,
        member: MemberRow,
        *,
        municipality_id: int | None,
        ids: Pseudonymizer,
    ) -> bool:
        """Fill missing and update changed fields; an empty cell never erases a stored value."""
        updates = self._updates(contact, member, municipality_id)
        updates.pop("phone", None)  # below: the pseudonym follows the phone
        if member.cpr_encrypted and (contact.cpr_encrypted is None or "cpr_hash" in updates):
            # Each encryption differs (random IV): store a copy only when none or a new CPR.
            updates["cpr_encrypted"] = member.cpr_encrypted
        for name, value in updates.items():
            setattr(contact, name, value)
        if contact.phone != member.phone:
            # Matched on CPR with a new number: the person changed phone. The public id follows
            # the phone, so it can never collide with a later contact given the old number.
            del self.by_phone[contact.phone]
            contact.phone = member.phone
            contact.public_id = ids.contact_id(member.phone)
            updates["phone"] = member.phone
        self._index(contact)
        return bool(updates)

    @staticmethod
    def _updates(
        contact: _Contact, member: MemberRow, municipality_id: int | None
    ) -> dict[str, object]:
        """The stored fields this row would change (the phone included)."""
        incoming = {
            "name": member.name,
            "birth_date": member.birth_date,
            "municipality_id": municipality_id,
            "education": member.education.value if member.education else None,
            "language": member.language,
            "workplace": member.workplace,
            "cpr_hash": member.cpr_hash,
            "phone": member.phone,
        }
        return {k: v for k, v in incoming.items() if v is not None and getattr(contact, k) != v}

    def rows(self) -> list[tuple[int, str]]:
        """Return the (id, phone) of every stored contact the batch touched."""
        return [(c.id, c.phone) for c in self.by_phone.values() if c.id is not None]

    def _index(self, contact: _Contact) -> None:
        self.by_phone[contact.phone] = contact
        if contact.cpr_hash:
            self.by_hash[contact.cpr_hash] = contact

    def write(self, *, session: Session, partner_id: int, now: datetime) -> None:
        """Write the batch: updates first, so a phone number given up is free for an insert."""
        # Core executemany on the tables: the ORM's bulk paths fetch rows back one page at a
        # time on SQLite and are many times slower for the same statements.
        if self.changed:
            session.exec(
                _CONTACTS.update().where(_CONTACTS.c.id == bindparam("contact_id")),
                params=[
                    {"contact_id": c.id, **c.values(), "updated_at": now}
                    for c in self.changed.values()
                ],
            )
        if self.new and session.get_bind().dialect.name == "postgresql":
            _copy_new(
                session=session, new=self.new, joined=self.joined, partner_id=partner_id, now=now
            )
            return
        if self.new:
            session.exec(
                _CONTACTS.insert(),
                params=[{**c.values(), "created_at": now, "updated_at": now} for c in self.new],
            )
            ids = _ids_by_phone(session=session, phones=[c.phone for c in self.new])
            for contact in self.new:
                contact.id = ids[contact.phone]
        joining = [*self.joined, *self.new]
        if joining:
            session.exec(
                _MEMBERSHIPS.insert(),
                params=[
                    {"contact_id": c.id, "partner_id": partner_id, "created_at": now}
                    for c in joining
                ],
            )


def _copy_new(
    *,
    session: Session,
    new: list[_Contact],
    joined: list[_Contact],
    partner_id: int,
    now: datetime,
) -> None:
    """Write the new contacts and every membership with COPY, ids drawn first (PostgreSQL).

    A third of the import's time on PostgreSQL went to executemany and reading the new ids back
    (README, benchmarks); the rows and their order are the same.
    """
    for contact, contact_id in zip(
        new, next_ids(session=session, table=_CONTACTS, count=len(new)), strict=True
    ):
        contact.id = contact_id
    copy_rows(
        session=session,
        table=_CONTACTS,
        rows=[{"id": c.id, **c.values(), "created_at": now, "updated_at": now} for c in new],
    )
    copy_rows(
        session=session,
        table=_MEMBERSHIPS,
        rows=[
            {"contact_id": c.id, "partner_id": partner_id, "created_at": now}
            for c in [*joined, *new]
        ],
    )


def _ids_by_phone(*, session: Session, phones: list[str]) -> dict[str, int]:
    """Return the ids of just-inserted contacts; one query instead of RETURNING per page."""
    statement = sa_select(_CONTACTS.c.phone, _CONTACTS.c.id).where(_CONTACTS.c.phone.in_(phones))
    return dict(session.execute(statement).all())
