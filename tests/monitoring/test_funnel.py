"""The recruitment funnel, counted from rows on a real database."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import pytest
from sqlmodel import Session

from monitoring import FUNNEL_STEPS, Funnel, compute_funnel
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    FollowUp,
    Location,
    Message,
    MonitoringRecord,
    Municipality,
    OptOut,
    Partner,
    Slot,
    StaffMember,
)

T0 = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
Row = TypeVar("Row")


class World:
    """Rows for one municipality, built directly with the models."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.municipality = self._add(Municipality(code="265", name="Roskilde"))
        self.foa = self._add(Partner(name="FOA Roskilde", municipality_id=self.municipality.id))
        self.tre_f = self._add(Partner(name="3F Roskilde", municipality_id=self.municipality.id))
        self.location = self._add(
            Location(
                municipality_id=self._id(self.municipality),
                name="Sundhedscenter Roskilde",
                address="Køgevej 80, 4000 Roskilde",
            )
        )
        self.nurse = self._add(
            StaffMember(municipality_id=self._id(self.municipality), name="Sygeplejerske Hanne")
        )
        self._serial = 0

    def campaign(self, *, partner: Partner) -> Campaign:
        """Add a running campaign for one partner's list."""
        return self._add(
            Campaign(
                name=f"Sundhedstjek {partner.name}",
                municipality_id=self._id(self.municipality),
                partner_id=self._id(partner),
                sender="Roskilde Kommune",
                status="running",
                created_at=T0,
                launched_at=T0,
            )
        )

    def contact(self) -> Contact:
        """Add a citizen with a unique phone number."""
        self._serial += 1
        return self._add(
            Contact(
                public_id=f"c{self._serial:04d}",
                phone=f"+45201{self._serial:05d}",
                municipality_id=self.municipality.id,
                created_at=T0,
                updated_at=T0,
            )
        )

    def conversation(
        self,
        *,
        contact: Contact,
        campaign: Campaign,
        replied: bool = False,
        screening: str | None = None,
        status: str = "open",
    ) -> Conversation:
        """Add a conversation, replied to and screened as told."""
        return self._add(
            Conversation(
                contact_id=self._id(contact),
                campaign_id=self._id(campaign),
                channel="sms",
                state="{}",
                status=status,
                screening=screening,
                created_at=T0,
                replied_at=T0 + timedelta(hours=2) if replied else None,
            )
        )

    def message(
        self,
        *,
        conversation: Conversation,
        status: str,
        kind: str = "invitation",
        direction: str = "out",
    ) -> Message:
        """Add a message in a conversation."""
        return self._add(
            Message(
                contact_id=conversation.contact_id,
                conversation_id=conversation.id,
                direction=direction,
                channel="sms",
                address="+4520100000",
                kind=kind,
                trigger="scheduled",
                text="Hej! Roskilde Kommune tilbyder dig et gratis sundhedstjek.",
                status=status,
                created_at=T0,
            )
        )

    def booking(self, *, conversation: Conversation, status: str) -> Booking:
        """Add a booking on a fresh slot."""
        self._serial += 1
        slot = self._add(
            Slot(
                location_id=self._id(self.location),
                staff_member_id=self._id(self.nurse),
                starts_at=T0 + timedelta(days=7, minutes=45 * self._serial),
            )
        )
        return self._add(
            Booking(
                slot_id=self._id(slot),
                contact_id=conversation.contact_id,
                conversation_id=self._id(conversation),
                status=status,
                created_at=T0,
            )
        )

    def follow_up(self, *, booking: Booking, status: str) -> FollowUp:
        """Add the one-month follow-up of a booking."""
        return self._add(
            FollowUp(
                booking_id=self._id(booking),
                conversation_id=booking.conversation_id,
                due_at=T0 + timedelta(days=37),
                status=status,
            )
        )

    def record(
        self, *, booking: Booking, campaign: Campaign, municipal: str = "", other: str = ""
    ) -> MonitoringRecord:
        """Add the monitoring record of a held health check."""
        return self._add(
            MonitoringRecord(
                booking_id=booking.id,
                citizen_key=f"k{booking.id}",
                campaign_id=campaign.id,
                partner_id=campaign.partner_id,
                channel="sms",
                municipality_code="265",
                health_check_date=(T0 + timedelta(days=7)).date(),
                age=48,
                education="kort",
                referrals_municipal=municipal,
                referrals_non_municipal=other,
                created_at=T0,
            )
        )

    def opt_out(self, *, contact: Contact | None, revoked: bool = False) -> OptOut:
        """Add an opt-out, revoked or standing."""
        return self._add(
            OptOut(
                contact_id=contact.id if contact else None,
                address=contact.phone if contact else "+4599999999",
                source="keyword",
                created_at=T0,
                revoked_at=T0 + timedelta(days=1) if revoked else None,
            )
        )

    def _add(self, row: Row) -> Row:
        self.session.add(row)
        self.session.flush()
        return row

    @staticmethod
    def _id(row: object) -> int:
        value = getattr(row, "id", None)
        assert isinstance(value, int)
        return value


@dataclasses.dataclass(frozen=True)
class Scenario:
    foa: Campaign
    tre_f: Campaign


@pytest.fixture
def scenario(session: Session) -> Scenario:
    """Two campaigns with citizens at every step, and some that must not count."""
    world = World(session)
    foa, tre_f = world.campaign(partner=world.foa), world.campaign(partner=world.tre_f)

    # FOA: Anne goes all the way; two invitations to her still make one person.
    anne = world.contact()
    conv = world.conversation(
        contact=anne, campaign=foa, replied=True, screening="in", status="closed"
    )
    world.message(conversation=conv, status="delivered")
    world.message(conversation=conv, status="sent")
    world.message(conversation=conv, status="delivered", kind="question")
    booking = world.booking(conversation=conv, status="attended")
    world.record(booking=booking, campaign=foa, municipal="motion,rygestop")
    world.follow_up(booking=booking, status="done")

    # FOA: Bent cancels and books again, but never comes: one person booked.
    bent = world.contact()
    conv = world.conversation(contact=bent, campaign=foa, replied=True, screening="in")
    world.message(conversation=conv, status="delivered")
    world.booking(conversation=conv, status="cancelled")
    world.booking(conversation=conv, status="booked")

    # FOA: Carl's invitation reached the provider only; he answers and is screened out.
    carl = world.contact()
    conv = world.conversation(contact=carl, campaign=foa, replied=True, screening="out")
    world.message(conversation=conv, status="sent")
    world.message(conversation=conv, status="received", kind="inbound", direction="in")

    # FOA: Dorte's invitation errored and was never retried: not invited.
    dorte = world.contact()
    world.message(conversation=world.conversation(contact=dorte, campaign=foa), status="errored")

    # FOA: Erik's invitation was undelivered; he opted out all the same.
    erik = world.contact()
    world.message(conversation=world.conversation(contact=erik, campaign=foa), status="undelivered")
    world.opt_out(contact=erik)

    # FOA: Fie opted out and changed her mind.
    fie = world.contact()
    world.message(conversation=world.conversation(contact=fie, campaign=foa), status="delivered")
    world.opt_out(contact=fie, revoked=True)

    # 3F: Anne again, after her FOA conversation closed; she does not answer.
    conv = world.conversation(contact=anne, campaign=tre_f)
    world.message(conversation=conv, status="delivered")

    # 3F: Gorm attends, is referred outside the municipality, is not yet followed up; opts out.
    gorm = world.contact()
    conv = world.conversation(contact=gorm, campaign=tre_f, replied=True, screening="in")
    world.message(conversation=conv, status="delivered")
    booking = world.booking(conversation=conv, status="attended")
    world.record(booking=booking, campaign=tre_f, other="fitnesscenter")
    world.follow_up(booking=booking, status="scheduled")
    world.opt_out(contact=gorm)

    # 3F: Hanne attends and is referred nowhere.
    hanne = world.contact()
    conv = world.conversation(contact=hanne, campaign=tre_f, replied=True, screening="in")
    world.message(conversation=conv, status="delivered")
    world.record(booking=world.booking(conversation=conv, status="attended"), campaign=tre_f)

    # No campaign: Ib opted out before any invitation; a STOP from an unknown number.
    world.opt_out(contact=world.contact())
    world.opt_out(contact=None)
    session.commit()
    return Scenario(foa=foa, tre_f=tre_f)


class TestComputeFunnel:
    def test_empty_database_counts_nothing(self, session: Session) -> None:
        funnel = compute_funnel(session=session)
        assert funnel.as_dict() == dict.fromkeys(funnel.as_dict(), 0)
        assert set(funnel.conversions().values()) == {None}

    def test_one_campaign(self, session: Session, scenario: Scenario) -> None:
        funnel = compute_funnel(session=session, campaign_id=scenario.foa.id)
        assert funnel == Funnel(
            invited=5,  # Anne, Bent, Carl, Erik, Fie; not Dorte, whose invitation errored
            delivered=3,  # Anne, Bent, Fie
            replied=3,
            screened_in=2,
            booked=2,
            attended=1,
            referred=1,
            followed_up=1,
            opted_out=1,  # Erik; Fie revoked hers
        )

    def test_another_campaign(self, session: Session, scenario: Scenario) -> None:
        funnel = compute_funnel(session=session, campaign_id=scenario.tre_f.id)
        assert funnel == Funnel(
            invited=3,
            delivered=3,
            replied=2,
            screened_in=2,
            booked=2,
            attended=2,
            referred=1,
            followed_up=0,
            opted_out=1,
        )

    def test_all_campaigns_count_each_person_once(
        self, session: Session, scenario: Scenario
    ) -> None:
        funnel = compute_funnel(session=session)
        assert funnel == Funnel(
            invited=7,  # Anne was invited in both campaigns
            delivered=5,
            replied=5,
            screened_in=4,
            booked=4,
            attended=3,
            referred=2,
            followed_up=1,
            opted_out=3,  # Erik, Gorm and Ib; not the unknown number
        )

    def test_unknown_campaign_counts_nothing(self, session: Session, scenario: Scenario) -> None:
        funnel = compute_funnel(session=session, campaign_id=999)
        assert sum(funnel.as_dict().values()) == 0

    def test_errored_and_queued_invitations_are_not_counted(self, session: Session) -> None:
        world = World(session)
        campaign = world.campaign(partner=world.foa)
        for status in ("queued", "sending", "errored", "failed", "cancelled"):
            conv = world.conversation(contact=world.contact(), campaign=campaign)
            world.message(conversation=conv, status=status)
        session.commit()
        assert compute_funnel(session=session, campaign_id=campaign.id).invited == 0

    def test_sees_rows_not_yet_flushed(self, session: Session) -> None:
        world = World(session)
        campaign = world.campaign(partner=world.foa)
        conv = world.conversation(contact=world.contact(), campaign=campaign, replied=True)
        session.add(
            Message(
                contact_id=conv.contact_id,
                conversation_id=conv.id,
                direction="out",
                channel="sms",
                address="+4520100000",
                kind="invitation",
                trigger="scheduled",
                text="Hej",
                status="delivered",
                created_at=T0,
            )
        )
        funnel = compute_funnel(session=session, campaign_id=campaign.id)
        assert (funnel.invited, funnel.delivered, funnel.replied) == (1, 1, 1)


class TestFunnel:
    def test_as_dict_has_every_count_as_int(self) -> None:
        funnel = Funnel(*range(9, 0, -1))
        assert list(funnel.as_dict()) == [*FUNNEL_STEPS, "opted_out"]
        assert all(type(value) is int for value in funnel.as_dict().values())

    def test_conversions_divide_each_step_by_the_one_before(self) -> None:
        funnel = Funnel(
            invited=200,
            delivered=180,
            replied=90,
            screened_in=60,
            booked=45,
            attended=36,
            referred=18,
            followed_up=9,
            opted_out=12,
        )
        assert funnel.conversions() == {
            "delivered": 0.9,
            "replied": 0.5,
            "screened_in": 60 / 90,
            "booked": 0.75,
            "attended": 0.8,
            "referred": 0.5,
            "followed_up": 0.5,
        }

    def test_conversion_over_zero_is_none(self) -> None:
        funnel = Funnel(10, 8, 0, 0, 0, 0, 0, 0, 1)
        conversions = funnel.conversions()
        assert conversions["replied"] == 0.0
        assert conversions["screened_in"] is None
        assert conversions["followed_up"] is None

    def test_is_frozen(self) -> None:
        funnel = Funnel(*[0] * 9)
        with pytest.raises(dataclasses.FrozenInstanceError):
            funnel.invited = 1  # type: ignore[misc]
