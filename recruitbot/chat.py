"""A coordinator plays a citizen against the real engine and store, before a launch."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import select
from sqlmodel import Session, col

from bot.service import start
from outreach.sending import send_batch
from recruitbot.runtime import Runtime
from scheduler.window import SendWindow
from store import conversations
from store.db import unit_of_work
from store.models import Campaign, Contact, Membership
from store.types import ConversationStatus
from webhooks.inbound import receive_text

# A trial never waits for office hours: the coordinator is at the keyboard now.
TRIAL_WINDOW = SendWindow(start_hour=0, end_hour=24, working_days_only=False)


class NoCampaignError(Exception):
    """There is no campaign to try."""


@dataclass
class ChatSession:
    """One trial conversation in the terminal."""

    runtime: Runtime
    phone: str
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    def open(self) -> str:
        """Find or create the trial citizen and send the invitation if no conversation is open."""
        now = self.runtime.clock.now()
        with unit_of_work(self.runtime.engine) as session:
            campaign = session.scalars(select(Campaign).order_by(col(Campaign.id).desc())).first()
            if campaign is None:
                raise NoCampaignError("no campaign in this database; run `recruitbot demo` first")
            contact = conversations.contact_by_phone(session=session, phone=self.phone)
            if contact is None:
                contact = self._trial_contact(session=session, campaign=campaign)
            assert contact.id is not None
            current = conversations.current_conversation(session=session, contact_id=contact.id)
            if current is None or current.status != ConversationStatus.OPEN:
                start(
                    session=session,
                    dialogue=self.runtime.dialogue,
                    contact=contact,
                    campaign=campaign,
                    now=now,
                )
            label = f"Campaign: {campaign.name} (contact {contact.public_id})"
        self._flush()
        return label

    def say(self, text: str) -> None:
        """Send one message as the citizen and let the service answer."""
        with unit_of_work(self.runtime.engine) as session:
            receive_text(
                session=session,
                dialogue=self.runtime.dialogue,
                channel="console",
                address=self.phone,
                text=text,
                provider_id=f"chat-{self.runtime.clock.now().timestamp()}-{next(self._counter)}",
                now=self.runtime.clock.now(),
            )
        self._flush()

    def _flush(self) -> None:
        send_batch(
            engine=self.runtime.engine,
            channels=self.runtime.channels,
            window=TRIAL_WINDOW,
            now=self.runtime.clock.now(),
            limit=100,
        )

    def _trial_contact(self, *, session: Session, campaign: Campaign) -> Contact:
        now = self.runtime.clock.now()
        middle = (campaign.age_min + campaign.age_max) // 2
        today = now.astimezone(self.runtime.window.tz).date()
        contact = Contact(
            public_id=self.runtime.pseudonymizer.contact_id(self.phone),
            name="Prøveborger",
            phone=self.phone,
            birth_date=date(today.year - middle, 1, 15),
            municipality_id=campaign.municipality_id,
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(
            Membership(contact_id=contact.id, partner_id=campaign.partner_id, created_at=now)
        )
        return contact
