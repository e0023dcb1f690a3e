"""Opting out and back in. An opt-out stops everything, on every channel, in one transaction."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Session

from store import conversations, due, opt_outs, outbox
from store.models import OptOut
from store.telegram import TELEGRAM, cancel_pending_to_chat, opt_out_of_telegram


def is_opted_out(*, session: Session, contact_id: int) -> bool:
    """Tell whether the contact has an opt-out in force."""
    return opt_outs.in_force(session=session, contact_id=contact_id)


def opt_out(
    *, session: Session, contact_id: int | None, address: str, source: str, now: datetime
) -> None:
    """Record the opt-out and withdraw every message and due row that would reach the person."""
    if contact_id is not None and is_opted_out(session=session, contact_id=contact_id):
        return
    session.add(OptOut(contact_id=contact_id, address=address, source=source, created_at=now))
    if contact_id is None:
        return
    outbox.cancel_pending_for_contact(session=session, contact_id=contact_id)
    due.cancel_scheduled_for_contact(session=session, contact_id=contact_id)
    conversations.close_open_for_contact(
        session=session, contact_id=contact_id, reason="opted_out", now=now
    )


def opt_out_blocked_bot(
    *, session: Session, contact_id: int, chat_id: str, source: str, now: datetime
) -> None:
    """The citizen blocked the Telegram bot: an opt-out of everything, as STOP is.

    Nothing is sent to confirm it: the bot cannot write to them, and an SMS right after they
    blocked the bot would be the opposite of what they asked for.
    """
    opt_out(session=session, contact_id=contact_id, address=chat_id, source=source, now=now)
    cancel_pending_to_chat(session=session, chat_id=chat_id)  # answers queued to the chat


def opt_in(*, session: Session, contact_id: int, now: datetime) -> None:
    """Lift the contact's opt-outs (the citizen wrote START)."""
    opt_outs.revoke(session=session, contact_id=contact_id, now=now)


def provider_opt_out(
    *,
    session: Session,
    contact_id: int | None,
    channel: str,
    address: str,
    now: datetime,
    channel_only: bool = False,
) -> None:
    """The one path for a provider that says the person wants no messages or cannot get them.

    The sender (a refused send) and the provider's status reports (Twilio 21610) both come here,
    on every channel: a Telegram chat that is gone closes only Telegram (`channel_only`), a
    blocked bot and an SMS opt-out at the provider close everything.
    """
    if channel == TELEGRAM and contact_id is not None:
        if channel_only:
            opt_out_of_telegram(
                session=session, contact_id=contact_id, chat_id=address, source="provider", now=now
            )
            return
        opt_out_blocked_bot(
            session=session, contact_id=contact_id, chat_id=address, source="blocked", now=now
        )
        return
    opt_out(session=session, contact_id=contact_id, address=address, source="provider", now=now)
