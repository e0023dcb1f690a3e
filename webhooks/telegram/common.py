"""What the Telegram handlers share: their setup, the immediate Bot API actions, the audit note."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from booking.offers import list_offers
from channels.port import Buttons
from store import outbox
from store.models import AuditEvent
from store.types import Trigger
from webhooks.telegram.outcome import MAX_OFFERS, Offer

TELEGRAM = "telegram"


def default_offers(session: Session, municipality_id: int) -> Sequence[Offer]:
    """The municipality's own list of offers, which staff choose referrals from."""
    offers = list_offers(session=session, municipality_id=municipality_id)
    return tuple(Offer(offer.code, offer.name) for offer in offers[:MAX_OFFERS])


@dataclass(frozen=True)
class TelegramSetup:
    """What the handling needs beyond the store: names and links shown to people."""

    bot_username: str = ""
    # The console's page for recording an outcome, with {booking_id}; "" shows no link.
    console_url: str = ""
    offers: Callable[[Session, int], Sequence[Offer]] = default_offers

    def console_link(self, booking_id: int) -> str:
        """Return the console's outcome page for a booking, or ""."""
        return self.console_url.replace("{booking_id}", str(booking_id))


@dataclass(frozen=True)
class AnswerButton:
    """Answer a button press with a short notice."""

    query_id: str
    text: str


@dataclass(frozen=True)
class EditMessage:
    """Replace the text and buttons of a message the bot sent."""

    chat_id: str
    message_id: int
    text: str
    buttons: Buttons = ()


Action = AnswerButton | EditMessage


def reply(
    *,
    session: Session,
    chat_id: str,
    text: str,
    now: datetime,
    kind: str = "telegram_info",
    staff_member_id: int | None = None,
) -> None:
    """Queue an answer in a Telegram chat."""
    outbox.queue(
        session=session,
        channel=TELEGRAM,
        address=chat_id,
        kind=kind,
        trigger=Trigger.REPLY,
        text=text,
        now=now,
        staff_member_id=staff_member_id,
    )


def audit(*, session: Session, action: str, staff_id: int | None, now: datetime) -> None:
    """Note a change to a staff member's Telegram link (who and what, nothing personal)."""
    session.add(
        AuditEvent(
            at=now,
            actor=TELEGRAM,
            action=action,
            subject_type="staff_member",
            subject_id=staff_id,
        )
    )
