"""A citizen of the console world who asks for a call, and writes again."""

from __future__ import annotations

from sqlalchemy import select
from sqlmodel import col

from conversation.intake import receive_text
from conversation.service import start
from store.db import unit_of_work
from store.models import Campaign, Contact, Conversation
from tests.console.support import Console

CALLER = "+4520009991"


def write(console: Console, text: str, *, phone: str = CALLER) -> None:
    """Write as the citizen, at the console's time."""
    with unit_of_work(console.engine) as session:
        receive_text(
            session=session,
            dialogue=console.runtime.dialogue,
            channel="console",
            address=phone,
            text=text,
            provider_id=f"inbox-{phone}-{text}",
            now=console.clock.now(),
        )


def ask_for_call(console: Console, *, phone: str = CALLER) -> int:
    """Invite a new citizen, who answers "Ring mig op"; return the conversation's id."""
    now = console.clock.now()
    with unit_of_work(console.engine) as session:
        contact = Contact(
            public_id=f"c-{phone[-8:]}",
            name="Karen Holm",
            phone=phone,
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        campaign = session.get_one(Campaign, console.world.campaign_id)
        start(
            session=session,
            dialogue=console.runtime.dialogue,
            contact=contact,
            campaign=campaign,
            now=now,
        )
    write(console, "Ring mig op", phone=phone)
    with unit_of_work(console.engine) as session:
        found = session.scalars(
            select(col(Conversation.id))
            .join(Contact, col(Contact.id) == col(Conversation.contact_id))
            .where(col(Contact.phone) == phone)
        ).one()
        assert found is not None
        return found
