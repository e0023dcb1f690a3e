"""Send the invitations that are due: re-check each person on the day, then open the dialogue.

Pacing (`outreach.pacing`) gives released invitations a due time inside their campaign's window;
the outbox holds any scheduled message until that window is open (`store.outbox.claim_batch`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import structlog
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col

from conversation.service import Dialogue, start
from delivery.optout import is_opted_out
from outreach.campaigns import still_eligible
from store import conversations, due
from store.models import Campaign, Contact, Invitation
from store.types import CampaignStatus, ConversationStatus, DueStatus

log = structlog.get_logger(__name__)


def process_due(*, session: Session, dialogue: Dialogue, now: datetime, limit: int) -> int:
    """Handle due invitations while the send window is open; return how many were handled."""
    if not dialogue.window.is_open(now):
        return 0
    rows = claim_due(session=session, now=now, limit=limit)
    for invitation in rows:
        reason = _send_one(session=session, dialogue=dialogue, invitation=invitation, now=now)
        invitation.skip_reason = reason
        due.finish(invitation, now=now, status=DueStatus.SKIPPED if reason else DueStatus.DONE)
        log.info("invitation.handled", campaign_id=invitation.campaign_id, skipped=reason)
    return len(rows)


def claim_due(*, session: Session, now: datetime, limit: int) -> Sequence[Invitation]:
    """Lock due invitations of running campaigns; a paused campaign's wait, still scheduled."""
    query = (
        select(Invitation)
        .join(Campaign, col(Campaign.id) == col(Invitation.campaign_id))
        .where(
            col(Invitation.status) == DueStatus.SCHEDULED,
            col(Invitation.due_at) <= now,
            col(Campaign.status) == CampaignStatus.RUNNING,
        )
        .order_by(col(Invitation.due_at), col(Invitation.id))
        .limit(limit)
        .with_for_update(skip_locked=True, of=Invitation)
    )
    return session.scalars(query).all()


def _send_one(
    *, session: Session, dialogue: Dialogue, invitation: Invitation, now: datetime
) -> str | None:
    """Open the conversation, or return why this person is no longer to be invited."""
    campaign = session.get_one(Campaign, invitation.campaign_id)
    contact = session.get_one(Contact, invitation.contact_id)
    assert contact.id is not None
    if campaign.status != CampaignStatus.RUNNING:
        return "campaign_stopped"
    if is_opted_out(session=session, contact_id=contact.id):
        return "opted_out"
    current = conversations.current_conversation(session=session, contact_id=contact.id)
    if current is not None and current.status == ConversationStatus.OPEN:
        # Also while a person holds it: an invitation is withdrawn then, not held back.
        return "in_conversation"
    send_date = dialogue.window.local(now).date()
    if campaign.ends_on is not None and send_date > campaign.ends_on:
        return "campaign_ended"  # released before its last day, held by a pause past it
    reason = still_eligible(contact=contact, campaign=campaign, send_date=send_date)
    if reason:
        return reason
    try:
        with session.begin_nested():
            conversation = start(
                session=session, dialogue=dialogue, contact=contact, campaign=campaign, now=now
            )
    except IntegrityError:
        return "in_conversation"  # another worker opened one a moment ago
    invitation.conversation_id = conversation.id
    return None
