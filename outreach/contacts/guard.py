"""What an import may not change: a person another municipality holds, or a number unconfirmed.

A municipality's import never changes a contact another municipality holds (lives there, is on
one of its partners' lists, or is or was in one of its campaigns): the row is reported and the
contact stays as it is. A row whose CPR number matches a contact with another phone number is
held back for the coordinator to confirm; only an import with `confirm_phone_changes` moves the
person to the new number. The reasons name no person.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import exists, or_, select
from sqlmodel import Session, col

from store.models import Campaign, Contact, Conversation, Invitation, Membership, Partner

HELD_ELSEWHERE = (
    "the phone or CPR number belongs to a person another municipality holds, and this row "
    "differs from what is held; nothing of that person was changed (a national coordinator can)"
)
PHONE_CHANGE = (
    "the CPR number matches a person with another phone number; nothing was changed: check the "
    "number, then import again with confirm_phone_changes to move them to the new one"
)


@dataclass(frozen=True)
class HeldBack:
    """A row the import left alone for the coordinator to confirm."""

    line: int
    reason: str


def held_elsewhere(
    *, session: Session, contact_ids: Iterable[int], municipality_id: int | None
) -> set[int]:
    """Return which of these contacts another municipality than `municipality_id` holds."""
    ids = sorted(set(contact_ids))
    if municipality_id is None or not ids:
        return set()
    m = municipality_id
    other_campaigns = select(col(Campaign.id)).where(col(Campaign.municipality_id) != m)
    other_partners = select(col(Partner.id)).where(
        col(Partner.municipality_id).is_not(None), col(Partner.municipality_id) != m
    )
    statement = select(col(Contact.id)).where(
        col(Contact.id).in_(ids),
        or_(
            col(Contact.municipality_id).is_not(None) & (col(Contact.municipality_id) != m),
            exists().where(
                col(Membership.contact_id) == col(Contact.id),
                col(Membership.partner_id).in_(other_partners),
            ),
            exists().where(
                col(Conversation.contact_id) == col(Contact.id),
                col(Conversation.campaign_id).in_(other_campaigns),
            ),
            exists().where(
                col(Invitation.contact_id) == col(Contact.id),
                col(Invitation.campaign_id).in_(other_campaigns),
            ),
        ),
    )
    return {i for i in session.scalars(statement) if i is not None}
