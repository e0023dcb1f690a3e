"""Whose a partner's list is: one municipality's, or national when a national coordinator says so.

A partner (a union, a pension fund, a job centre) belongs to the municipality whose key imports
its list first, or, from a national key or a command on the server, to the municipality named
with the import (`--municipality`). It is **national** (no municipality: every municipality's
campaigns may target its list) only when a national coordinator makes it so, with `--national`
on the import or with `recruitbot partners set`; an import that names neither for a new partner
is refused.

A key limited to a municipality adds members only to its own municipality's partners: another
municipality's partner does not exist for it (404), and a national partner's list, which other
municipalities' campaigns send to, is refused (403). Names are compared as people type them
(`store.partners.partner_named`): "foa vejle" is "FOA Vejle", never a second partner.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlmodel import Session, col

from core.errors import ConflictError, ForbiddenError, InvalidInputError, NotFoundError
from store.models import AuditEvent, Campaign, CampaignPartner, Membership, Municipality, Partner
from store.municipalities import MunicipalityRef, ensure_municipality, resolve_municipality
from store.partners import partner_name, partner_named

MAX_NAME = 120  # Partner.name


@dataclass(frozen=True, slots=True)
class PartnerOwner:
    """Whose a partner is to be, as the import or the command was told: a municipality (by name
    or code) or national; neither for a partner that exists, or for a key's own municipality."""

    municipality: str | None = None
    national: bool = False


@dataclass(frozen=True, slots=True)
class PartnerPlan:
    """The partner an import goes to: the stored one, or one it would create."""

    name: str
    partner_id: int | None  # None: new
    municipality: str | None  # its municipality's name; None: national


@dataclass(frozen=True, slots=True)
class PartnerView:
    """A partner as `recruitbot partners list` shows it."""

    id: int
    name: str
    kind: str
    municipality: str | None  # None: national
    members: int


def plan_partner(
    *,
    session: Session,
    name: str,
    owner: PartnerOwner = PartnerOwner(),
    scope_municipality_id: int | None = None,
) -> PartnerPlan:
    """Say which partner an import goes to, refusing what the caller may not do; write nothing.

    For a key limited to a municipality (`scope_municipality_id`): another municipality's
    partner is NotFoundError, a national partner ForbiddenError. A partner that exists must
    agree with what the caller said of it (ConflictError). A new one needs its municipality, a
    scope, or `national` (InvalidInputError); only a national caller may make it national.
    """
    name = _valid_name(name)
    ref = _owner_ref(owner)
    scope_code = _code_of(session=session, municipality_id=scope_municipality_id)
    if scope_code is not None:
        if owner.national:
            raise ForbiddenError(
                "only a national key (one without a municipality) can make a partner national"
            )
        if ref is not None and ref.code != scope_code:
            raise NotFoundError(f"this key cannot import lists for {ref.name}")
    partner = partner_named(session=session, name=name)
    if partner is None:
        if scope_code is not None:
            return PartnerPlan(name, None, _name_of(session=session, code=scope_code))
        if ref is None and not owner.national:
            raise InvalidInputError(
                f"{name!r} is a new partner: say whose it is, a municipality's "
                "(--municipality; API: municipality) or national (--national; API: national)"
            )
        return PartnerPlan(name, None, ref.name if ref else None)
    assert partner.id is not None
    held = session.get(Municipality, partner.municipality_id) if partner.municipality_id else None
    held_by = held.name if held else None
    if scope_municipality_id is not None and partner.municipality_id not in (
        None,
        scope_municipality_id,
    ):
        raise NotFoundError(f"no partner named {name!r} in this key's municipality")
    if scope_municipality_id is not None and partner.municipality_id is None:
        raise ForbiddenError(
            f"{partner.name} is a national partner: other municipalities' campaigns use its "
            "list, so only a national key can add to it"
        )
    disagrees = (owner.national and held is not None) or (
        ref is not None and (held is None or held.code != ref.code)
    )
    if disagrees:
        where = f"belongs to {held_by}" if held_by else "is a national partner"
        said = ref.name if ref else "national"
        raise ConflictError(f"{partner.name} {where}, not {said}")
    return PartnerPlan(partner.name, partner.id, held_by)


def ensure_partner(
    *,
    session: Session,
    name: str,
    scope_municipality_id: int | None = None,
    owner: PartnerOwner = PartnerOwner(),
) -> int:
    """Return the id of the partner an import goes to, creating it if it is new (`plan_partner`)."""
    plan = plan_partner(
        session=session, name=name, owner=owner, scope_municipality_id=scope_municipality_id
    )
    if plan.partner_id is not None:
        return plan.partner_id
    if scope_municipality_id is not None:
        municipality_id: int | None = scope_municipality_id
    else:
        ref = _owner_ref(owner)
        municipality_id = _ensured_id(session=session, ref=ref) if ref else None
    partner = Partner(name=plan.name, municipality_id=municipality_id)
    session.add(partner)
    session.flush()
    assert partner.id is not None
    return partner.id


def list_partners(*, session: Session, municipality_id: int | None = None) -> list[PartnerView]:
    """Return the partners, by name, with their municipality and members; for a municipality,
    its own and the national ones."""
    members = (
        select(func.count())
        .where(col(Membership.partner_id) == col(Partner.id))
        .correlate(Partner)
        .scalar_subquery()
    )
    query = (
        select(Partner, col(Municipality.name), members)
        .outerjoin(Municipality, col(Municipality.id) == col(Partner.municipality_id))
        .order_by(col(Partner.name), col(Partner.id))
    )
    if municipality_id is not None:
        query = query.where(
            (col(Partner.municipality_id) == municipality_id)
            | col(Partner.municipality_id).is_(None)
        )
    return [
        PartnerView(p.id, p.name, p.kind, place, int(count))
        for p, place, count in session.execute(query).all()
        if p.id is not None
    ]


def set_owner(
    *, session: Session, name: str, owner: PartnerOwner, actor: str, now: datetime
) -> PartnerView:
    """Make a partner one municipality's, or national: a national coordinator's act only.

    A partner that another municipality's campaign targets cannot become one municipality's
    (ConflictError): that campaign would lose its list.
    """
    if owner.national == (owner.municipality is not None):
        raise InvalidInputError("give the partner's municipality, or make it national")
    partner = partner_named(session=session, name=_valid_name(name))
    if partner is None or partner.id is None:
        raise NotFoundError(f"no partner named {name.strip()!r}")
    ref = _owner_ref(owner)
    municipality_id = _ensured_id(session=session, ref=ref) if ref else None
    if municipality_id is not None:
        others = session.scalars(
            select(col(Municipality.name))
            .join(Campaign, col(Campaign.municipality_id) == col(Municipality.id))
            .join(CampaignPartner, col(CampaignPartner.campaign_id) == col(Campaign.id))
            .where(
                col(CampaignPartner.partner_id) == partner.id,
                col(Campaign.municipality_id) != municipality_id,
            )
            .distinct()
        ).all()
        if others:
            raise ConflictError(
                f"campaigns of {', '.join(sorted(others))} use {partner.name}'s list: "
                "it stays national"
            )
    if partner.municipality_id != municipality_id:
        partner.municipality_id = municipality_id
        session.add(
            AuditEvent(
                at=now,
                actor=actor,
                action="partner.national" if ref is None else "partner.municipality",
                subject_type="partner",
                subject_id=partner.id,
                detail=ref.code if ref else "",
            )
        )
        session.flush()
    [view] = [v for v in list_partners(session=session) if v.id == partner.id]
    return view


def _valid_name(name: str) -> str:
    name = partner_name(name)
    if not name:
        raise ValueError("a partner name is required")
    if len(name) > MAX_NAME:
        raise ValueError(f"a partner name is at most {MAX_NAME} characters")
    return name


def _owner_ref(owner: PartnerOwner) -> MunicipalityRef | None:
    """The municipality the caller named, or None; both it and `national` is a contradiction."""
    if owner.municipality is None or not owner.municipality.strip():
        return None
    if owner.national:
        raise InvalidInputError("a partner is one municipality's or national, not both")
    ref = resolve_municipality(owner.municipality)
    if ref is None:
        raise InvalidInputError(f"{owner.municipality.strip()!r} is not a Danish municipality")
    return ref


def _code_of(*, session: Session, municipality_id: int | None) -> str | None:
    if municipality_id is None:
        return None
    municipality = session.get(Municipality, municipality_id)
    if municipality is None:
        raise NotFoundError("the key's municipality no longer exists")
    return municipality.code


def _name_of(*, session: Session, code: str) -> str:
    found = session.scalars(
        select(col(Municipality.name)).where(col(Municipality.code) == code)
    ).first()
    return found or code


def _ensured_id(*, session: Session, ref: MunicipalityRef) -> int:
    municipality = ensure_municipality(session=session, ref=ref)
    assert municipality.id is not None
    return municipality.id
