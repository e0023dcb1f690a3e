"""One batch of an import: the stored contacts its rows match, merged in memory, written in bulk.

Per batch: one query loads the contacts that share a phone number or CPR hash with the rows
(with their membership of the partner), each row is merged in memory, and the changes are
written with one bulk UPDATE and two bulk INSERTs (COPY on PostgreSQL). The caller owns the
transaction: nothing here commits.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from operator import attrgetter
from typing import Literal

from sqlalchemy import Table, and_, bindparam, or_
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, col

from core.pseudonyms import Pseudonymizer
from outreach.contacts.guard import HELD_ELSEWHERE, PHONE_CHANGE, HeldBack
from outreach.contacts.validation import MemberRow, RejectedRow
from store.bulk import among, copy_rows, next_ids
from store.models import Contact, Membership

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
_COPIED = ("id", "phone", "public_id", *_MERGED_FIELDS)  # a new contact's columns, as COPY sends
_copied = attrgetter(*_COPIED)


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
class Batch:
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
    def load(cls, *, session: Session, members: list[MemberRow], partner_id: int) -> Batch:
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
            .where(
                or_(
                    among(session, col(Contact.phone), phones),
                    among(session, col(Contact.cpr_hash), hashes),
                )
            )
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
            public_id=member.public_id or ids.contact_id(member.phone),
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
            contact.public_id = member.public_id or ids.contact_id(member.phone)
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
        columns=(*_COPIED, "created_at", "updated_at"),
        rows=[(*_copied(c), now, now) for c in new],
    )
    copy_rows(
        session=session,
        table=_MEMBERSHIPS,
        columns=("contact_id", "partner_id", "created_at"),
        rows=[(c.id, partner_id, now) for c in [*joined, *new]],
    )


def _ids_by_phone(*, session: Session, phones: list[str]) -> dict[str, int]:
    """Return the ids of just-inserted contacts; one query instead of RETURNING per page."""
    statement = sa_select(_CONTACTS.c.phone, _CONTACTS.c.id).where(_CONTACTS.c.phone.in_(phones))
    return dict(session.execute(statement).all())
