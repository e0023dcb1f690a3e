"""A small world for the report tests: two municipalities, partners, campaigns, timed rows."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import count
from typing import TypeVar

from sqlmodel import Session

from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    Location,
    Message,
    MonitoringRecord,
    Municipality,
    Partner,
    Slot,
    StaffMember,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # a Monday, 09:00 in Copenhagen
Row = TypeVar("Row")
_serial = count(1)


def _id(row: object) -> int:
    value = getattr(row, "id", None)
    assert isinstance(value, int)
    return value


class Rows:
    """Roskilde (265) with FOA, Lejre (350) with 3F; a location and a nurse in each."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.roskilde = self.add(Municipality(code="265", name="Roskilde"))
        self.lejre = self.add(Municipality(code="350", name="Lejre"))
        self.foa = self.add(Partner(name="FOA Roskilde", municipality_id=self.roskilde.id))
        self.tre_f = self.add(Partner(name="3F Lejre", municipality_id=self.lejre.id))
        self.places = {_id(place): self._place(place) for place in (self.roskilde, self.lejre)}

    def add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.flush()
        return row

    def _place(self, municipality: Municipality) -> tuple[int, int]:
        location = self.add(
            Location(
                municipality_id=_id(municipality),
                name=f"Sundhedscenter {municipality.name}",
                address="Torvet 1",
            )
        )
        nurse = self.add(StaffMember(municipality_id=_id(municipality), name="Hanne"))
        return _id(location), _id(nurse)

    def campaign(
        self, *, partner: Partner, municipality: Municipality, channel: str = "sms"
    ) -> Campaign:
        return self.add(
            Campaign(
                name=f"Sundhedstjek {partner.name}",
                municipality_id=_id(municipality),
                partner_id=_id(partner),
                sender=f"{municipality.name} Kommune",
                channel=channel,
                status="running",
                created_at=T0,
                launched_at=T0,
            )
        )

    def invite(
        self,
        *,
        campaign: Campaign,
        at: datetime = T0,
        status: str = "delivered",
        replied_after: timedelta | None = None,
        screening: str | None = None,
    ) -> Conversation:
        """Invite a new citizen at `at`; they reply after a while, or not."""
        serial = next(_serial)
        contact = self.add(
            Contact(
                public_id=f"r{serial:05d}",
                phone=f"+4530{serial:06d}",
                municipality_id=campaign.municipality_id,
                created_at=at,
                updated_at=at,
            )
        )
        conversation = self.add(
            Conversation(
                contact_id=_id(contact),
                campaign_id=_id(campaign),
                channel=campaign.channel,
                state="{}",
                screening=screening,
                created_at=at,
                replied_at=at + replied_after if replied_after is not None else None,
            )
        )
        self.add(
            Message(
                contact_id=contact.id,
                conversation_id=conversation.id,
                direction="out",
                channel=campaign.channel,
                address=contact.phone,
                kind="invitation",
                trigger="scheduled",
                text="Hej! Vil du have et gratis sundhedstjek?",
                status=status,
                created_at=at,
            )
        )
        return conversation

    def slot(self, *, municipality: Municipality, at: datetime) -> Slot:
        location, nurse = self.places[_id(municipality)]
        return self.add(Slot(location_id=location, staff_member_id=nurse, starts_at=at))

    def book(
        self,
        *,
        conversation: Conversation,
        after: timedelta,
        status: str = "booked",
        slot: Slot | None = None,
    ) -> Booking:
        """Book a slot (a fresh one by default) `after` the invitation."""
        if slot is None:
            campaign = self.session.get(Campaign, conversation.campaign_id)
            assert campaign is not None
            municipality = self.session.get(Municipality, campaign.municipality_id)
            assert municipality is not None
            start = conversation.created_at + timedelta(days=7, minutes=45 * next(_serial))
            slot = self.slot(municipality=municipality, at=start)
        return self.add(
            Booking(
                slot_id=_id(slot),
                contact_id=conversation.contact_id,
                conversation_id=_id(conversation),
                status=status,
                created_at=conversation.created_at + after,
            )
        )


def record(
    session: Session,
    *,
    municipality_code: str = "265",
    day: date = date(2026, 3, 9),
    age: int | None = 48,
    education: str | None = "kort",
    campaign_id: int | None = None,
    partner_id: int | None = None,
    channel: str = "sms",
    municipal: str = "",
    other: str = "",
    gp_advice: bool = False,
    further_course: bool = False,
) -> None:
    """Add one health check's monitoring record."""
    session.add(
        MonitoringRecord(
            citizen_key=f"k{next(_serial):06d}",
            campaign_id=campaign_id,
            partner_id=partner_id,
            channel=channel,
            municipality_code=municipality_code,
            health_check_date=day,
            age=age,
            education=education,
            referrals_municipal=municipal,
            referrals_non_municipal=other,
            gp_advice=gp_advice,
            further_course=further_course,
            created_at=T0,
        )
    )
