"""Partners by name, and which of a campaign's partners a citizen is credited to.

**By name.** A partner is found by its name as people type it: any case, Æ/Ø/Å and accented
letters included, spaces as they come ("foa vejle" is "FOA Vejle"), on SQLite and PostgreSQL
alike (`partner_named`). The comparison is made in Python, not with SQL's lower(), which on
SQLite folds only A-Z.

**Credited partner.** Which of a campaign's partners a citizen is credited to: one rule, for
every report.

A campaign may target several partners' lists, and one person may be on more than one of
them. The person is credited to the first of the campaign's partners whose list they are on,
in the campaign's order: its first partner (`Campaign.partner_id`), then the others in the
order their lists came into the service (the partner's id: a name would sort differently on
SQLite and PostgreSQL). Someone on none of the lists (a campaign without partner rows, a
conversation begun some other way) is credited to the campaign's first partner, so the
partners' figures always add up to the campaign's.

The launch stores the result on each invitation (`Invitation.partner_id`, by
`credited_among`); the experiments' strata, the funnel, the monitoring record and the tables
all read it from there, and apply the same rule (`credited_partner`) to a row without one.
Migration 0018 holds a frozen copy of the rule for the rows it backfilled.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from sqlalchemy import ColumnElement, Integer, case, exists, func, literal, select
from sqlalchemy.orm import Mapped, aliased
from sqlalchemy.sql.selectable import ScalarSelect
from sqlmodel import Session, col

from core.errors import InvalidInputError
from store.models import Campaign, CampaignPartner, Conversation, Invitation, Membership, Partner


def partner_name(name: str) -> str:
    """Return a partner's name as it is stored: NFC, single spaces, no spaces around."""
    return " ".join(unicodedata.normalize("NFC", name).split())


def name_key(name: str) -> str:
    """Fold a partner's name for comparison: NFKC, case (Æ/Ø/Å and accents too), spaces."""
    return " ".join(unicodedata.normalize("NFKC", name).casefold().split())


def partner_named(*, session: Session, name: str) -> Partner | None:
    """Return the partner with this name as people type it, or None.

    Two stored partners whose names differ only in case (created before names were compared
    this way) are told apart by the exact spelling; given any other spelling, they are
    ambiguous (InvalidInputError) rather than a guess.
    """
    key = name_key(name)
    if not key:
        return None
    found = [p for p in session.scalars(select(Partner)) if name_key(p.name) == key]
    if len(found) > 1:
        exact = [p for p in found if p.name == partner_name(name)]
        if len(exact) != 1:
            raise InvalidInputError(
                f"several partners are named {partner_name(name)!r} in other cases: "
                "give the name exactly as stored"
            )
        return exact[0]
    return found[0] if found else None


# An id as SQL (a column of the caller's query) or as a value.
Ref = ColumnElement[int] | Mapped[int] | Mapped[int | None] | int


def credited_partner(*, contact_id: Ref, campaign_id: Ref) -> ColumnElement[int]:
    """Return, as SQL, the partner a contact is credited to in a campaign (see the module)."""
    # Aliases, so that the subquery never correlates with the same tables in a caller's query.
    campaign, link, membership = aliased(Campaign), aliased(CampaignPartner), aliased(Membership)
    first = (
        select(col(campaign.partner_id)).where(col(campaign.id) == campaign_id).scalar_subquery()
    )
    on_a_list: ScalarSelect[int] = (
        select(col(link.partner_id))
        .join(
            membership,
            (col(membership.partner_id) == col(link.partner_id))
            & (col(membership.contact_id) == contact_id),
        )
        .where(col(link.campaign_id) == campaign_id)
        .order_by(col(link.partner_id) != first, col(link.partner_id))
        .limit(1)
        .scalar_subquery()
    )
    return func.coalesce(on_a_list, first)


def campaign_order(*, session: Session, campaign: Campaign) -> list[int]:
    """Return the ids of a campaign's partners in the order the rule tries them."""
    linked = session.scalars(
        select(col(CampaignPartner.partner_id)).where(
            col(CampaignPartner.campaign_id) == campaign.id
        )
    ).all()
    others = sorted(int(partner_id) for partner_id in linked if partner_id != campaign.partner_id)
    return [campaign.partner_id, *others]


def credited_among(*, contact_id: Ref, order: Sequence[int]) -> ColumnElement[int]:
    """Return `credited_partner` as a CASE over partners known in advance (`campaign_order`).

    One indexed lookup per partner instead of a sorted subquery: what a launch of 100,000
    people can afford.
    """
    if len(order) == 1:
        return literal(order[0], Integer)
    membership = aliased(Membership)
    tries = [
        (
            exists().where(
                col(membership.contact_id) == contact_id, col(membership.partner_id) == partner_id
            ),
            literal(partner_id, Integer),
        )
        for partner_id in order
    ]
    return case(*tries, else_=literal(order[0], Integer))


def conversation_partner() -> ColumnElement[int]:
    """Return, as SQL on `Conversation`, the partner its citizen is credited to.

    The invitation's stored partner; a conversation without one (the citizen wrote first)
    gets the same rule applied now.
    """
    invitation = aliased(Invitation)
    invited = (
        select(col(invitation.partner_id))
        .where(
            col(invitation.campaign_id) == col(Conversation.campaign_id),
            col(invitation.contact_id) == col(Conversation.contact_id),
        )
        .scalar_subquery()
    )
    rule = credited_partner(
        contact_id=col(Conversation.contact_id), campaign_id=col(Conversation.campaign_id)
    )
    return func.coalesce(invited, rule)


def partner_of(*, session: Session, contact_id: int, campaign_id: int) -> int:
    """Return the partner a contact is credited to: the invitation's, else by the rule."""
    stored = session.scalar(
        select(col(Invitation.partner_id)).where(
            col(Invitation.campaign_id) == campaign_id, col(Invitation.contact_id) == contact_id
        )
    )
    if stored is not None:
        return int(stored)
    found = session.scalar(select(credited_partner(contact_id=contact_id, campaign_id=campaign_id)))
    assert found is not None, f"campaign {campaign_id} does not exist"
    return int(found)
