"""The tables. Times are UTC; the citizen-facing zone is applied only when rendering."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Column, Index, Text, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from store.types import utc_column as _utc


class Municipality(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=3, unique=True)  # the official three-digit code, e.g. "265"
    name: str = Field(max_length=64, unique=True)  # "Roskilde"


class Partner(SQLModel, table=True):
    """An organisation that holds a member list: union, pension fund, job centre, workplace."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=120, unique=True)
    kind: str = Field(default="union", max_length=32)
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id")


class Contact(SQLModel, table=True):
    """A citizen on some partner's list. `public_id` is the pseudonym used in exports."""

    id: int | None = Field(default=None, primary_key=True)
    public_id: str = Field(max_length=24, unique=True)
    name: str = Field(default="", max_length=200)
    phone: str = Field(max_length=20, unique=True)  # E.164
    birth_date: date | None = None
    municipality_id: int | None = Field(default=None, foreign_key="municipality.id", index=True)
    education: str | None = Field(default=None, max_length=16)
    language: str = Field(default="da", max_length=2)
    workplace: str | None = Field(default=None, max_length=200)
    cpr_hash: str | None = Field(default=None, max_length=64, unique=True)  # keyed HMAC, never CPR
    # Fernet-encrypted CPR, only when RECRUITBOT_CPR_ENCRYPTION_KEY is set; never in clear text.
    cpr_encrypted: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    updated_at: datetime = Field(sa_column=_utc(nullable=False))


class Membership(SQLModel, table=True):
    """A contact's presence on a partner's list; one person may be on several."""

    __table_args__ = (UniqueConstraint("contact_id", "partner_id"),)

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    partner_id: int = Field(foreign_key="partner.id", index=True)
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class OptOut(SQLModel, table=True):
    """A citizen's wish to hear nothing more; active while `revoked_at` is null."""

    __tablename__ = "opt_out"

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    address: str = Field(max_length=64, index=True)  # the phone or chat the STOP came from
    source: str = Field(max_length=32)  # "keyword", "provider", "staff", …
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    revoked_at: datetime | None = Field(default=None, sa_column=_utc())
    # None: every channel. "telegram": that channel only (the chat is gone: a deleted account).
    channel: str | None = Field(default=None, max_length=16)


class Campaign(SQLModel, table=True):
    """Who to invite, with which words, when, and at what pace.

    `partner_id` is the first partner; every partner, that one included, is in campaign_partner.
    """

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(max_length=200)
    municipality_id: int = Field(foreign_key="municipality.id")
    partner_id: int = Field(foreign_key="partner.id")
    sender: str = Field(max_length=64)  # who the citizen is told writes, e.g. "Roskilde Kommune"
    help_phone: str = Field(default="", max_length=20)
    channel: str = Field(default="console", max_length=16)
    age_min: int = 40
    age_max: int = 60
    # Education groups invited first (comma-separated, e.g. "grundskole,kort"); not exclusive.
    education_priority: str = Field(default="", max_length=64)
    # The invitation's text per language; None: the flow's default invitation.
    template_da: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    template_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    allow_links: bool = False  # Danish operators filter SMS with links: off unless chosen
    # Local hours its scheduled messages may go out, inside the service's own window.
    window_start_hour: int = 9
    window_end_hour: int = 18
    daily_limit: int = 100  # at most this many invitations per working day
    paced: bool = True  # size each day's wave by the free slots (outreach.pacing)
    booking_rate_prior: float = 0.15  # bookings per invitation assumed until enough are seen
    reinvite_after_days: int = 90
    status: str = Field(default="draft", max_length=16)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    starts_at: datetime | None = Field(default=None, sa_column=_utc())  # None: at launch
    launched_at: datetime | None = Field(default=None, sa_column=_utc())
    paused_at: datetime | None = Field(default=None, sa_column=_utc())
    ended_at: datetime | None = Field(default=None, sa_column=_utc())  # completed or cancelled
    # The last local day a wave is released; None: until the list is used up.
    ends_on: date | None = None
    # The seed of the variant assignment (outreach.assignment); None: no experiment.
    variant_seed: int | None = None


class CampaignVariant(SQLModel, table=True):
    """One of a campaign's two to four invitation texts in an experiment (docs/experiments.md).

    A text left None falls back to the campaign's own, then to the flow's default.
    """

    __tablename__ = "campaign_variant"
    __table_args__ = (UniqueConstraint("campaign_id", "key"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    key: str = Field(max_length=1)  # "A", "B", "C", "D" in the order given
    label: str = Field(default="", max_length=64)
    template_da: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    template_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reminder_da: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    reminder_en: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stopped_at: datetime | None = Field(default=None, sa_column=_utc())


class CampaignPartner(SQLModel, table=True):
    """A partner whose members a campaign targets; a campaign may have several."""

    __tablename__ = "campaign_partner"

    campaign_id: int = Field(foreign_key="campaign.id", primary_key=True)
    partner_id: int = Field(foreign_key="partner.id", primary_key=True)


class CampaignBlackout(SQLModel, table=True):
    """Days, both inclusive, on which a campaign sends nothing of its own accord."""

    __tablename__ = "campaign_blackout"

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    first_day: date
    last_day: date


class CampaignWave(SQLModel, table=True):
    """One working day's pacing decision: how many invitations were released, and from what."""

    __tablename__ = "campaign_wave"
    __table_args__ = (UniqueConstraint("campaign_id", "day"),)

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    day: date  # local date
    number: int  # 1 for the campaign's first decision, then 2, 3, …
    released: int
    free_slots: int  # free slots in the pacing horizon when it was decided
    in_flight: int  # invitations sent recently and not yet answered, closed or booked
    booking_rate: float  # expected bookings per invitation used
    rate_observed: bool  # True: the campaign's own rate; False: its prior
    decided_at: datetime = Field(sa_column=_utc(nullable=False))


class Invitation(SQLModel, table=True):
    """One targeted contact in a campaign: pending until a day's wave releases it."""

    __table_args__ = (
        UniqueConstraint("campaign_id", "contact_id"),
        Index("ix_invitation_due", "status", "due_at"),
        Index("ix_invitation_queue", "campaign_id", "status", "position"),
    )

    id: int | None = Field(default=None, primary_key=True)
    campaign_id: int = Field(foreign_key="campaign.id")
    contact_id: int = Field(foreign_key="contact.id", index=True)
    position: int = 0  # release order: education priority first, then the list's order
    wave: int | None = None  # the CampaignWave.number that released it
    skip_reason: str | None = Field(default=None, max_length=32)
    due_at: datetime | None = Field(default=None, sa_column=_utc())  # None while pending
    status: str = Field(default="scheduled", max_length=16)
    done_at: datetime | None = Field(default=None, sa_column=_utc())
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id")
    variant: str | None = Field(default=None, max_length=1)  # CampaignVariant.key assigned
    # The campaign partner through whose list the citizen was invited (store.partners).
    partner_id: int | None = Field(default=None, foreign_key="partner.id", index=True)


class Conversation(SQLModel, table=True):
    """A dialogue with one contact in one campaign; `state` is the engine's JSON."""

    __table_args__ = (
        # The database, not the code, guarantees one open conversation per contact.
        Index(
            "uq_conversation_open_contact",
            "contact_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    campaign_id: int = Field(foreign_key="campaign.id", index=True)
    channel: str = Field(max_length=16)
    state: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="open", max_length=16)
    screening: str | None = Field(default=None, max_length=8)  # "in" | "out"
    screened_out_reason: str | None = Field(default=None, max_length=32)
    close_reason: str | None = Field(default=None, max_length=32)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    replied_at: datetime | None = Field(default=None, sa_column=_utc())
    closed_at: datetime | None = Field(default=None, sa_column=_utc())
    # A person holds the conversation (inbox takeover): the dialogue does not answer meanwhile.
    held_by: str | None = Field(default=None, max_length=64)  # the audit actor who took over
    held_staff_member_id: int | None = Field(default=None, foreign_key="staff_member.id")
    held_at: datetime | None = Field(default=None, sa_column=_utc())


class Message(SQLModel, table=True):
    """Every message in and out: the outbox for outbound, the log for inbound."""

    __table_args__ = (
        Index("ix_message_outbox", "direction", "status", "next_attempt_at"),
        Index("ix_message_report", "kind", "direction", "status"),  # the funnel's invitations
        Index(
            "uq_message_provider",
            "channel",
            "direction",
            "provider_id",
            unique=True,
            sqlite_where=text("provider_id IS NOT NULL"),
            postgresql_where=text("provider_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    contact_id: int | None = Field(default=None, foreign_key="contact.id", index=True)
    conversation_id: int | None = Field(default=None, foreign_key="conversation.id", index=True)
    staff_member_id: int | None = Field(default=None, foreign_key="staff_member.id")
    direction: str = Field(max_length=3)
    channel: str = Field(max_length=16)
    address: str = Field(max_length=64)  # E.164 phone, or a chat id
    kind: str = Field(max_length=32)
    trigger: str = Field(max_length=16)
    text: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(max_length=16)
    provider_id: str | None = Field(default=None, max_length=64)
    error: str | None = Field(default=None, max_length=200)
    attempts: int = 0
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    next_attempt_at: datetime | None = Field(default=None, sa_column=_utc())
    claimed_at: datetime | None = Field(default=None, sa_column=_utc())
    sent_at: datetime | None = Field(default=None, sa_column=_utc())
    delivered_at: datetime | None = Field(default=None, sa_column=_utc())
    # Channel extras as JSON, e.g. {"buttons": [["Mødt", "m:12"]]}; adapters that can't, ignore.
    meta: str | None = Field(default=None, sa_column=Column(Text, nullable=True))


class Location(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("municipality_id", "name", name="uq_location_municipality_name"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    name: str = Field(max_length=120)
    address: str = Field(max_length=200)
    kind: str = Field(default="health_centre", max_length=32)
    # Removed: no new slots, none of its slots offered; its history stays.
    retired_at: datetime | None = Field(default=None, sa_column=_utc())


class StaffMember(SQLModel, table=True):
    __tablename__ = "staff_member"

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    name: str = Field(max_length=120)
    channel: str = Field(default="console", max_length=16)
    address: str = Field(default="", max_length=64)  # Telegram chat id, or "" before linking
    phone: str = Field(default="", max_length=20)  # E.164, for SMS notices; "" when none
    # How notices reach them: "auto" (Telegram when linked, else SMS when a phone is set, else
    # the inbox only), "telegram", "sms" or "inbox". See docs/inbox.md.
    notify_by: str = Field(default="auto", max_length=16)
    # The coordinator's own entry: callbacks escalated in the municipality are told to them on
    # their route too. For notices only; what anyone may do comes from their API key.
    coordinator: bool = False
    # The staff-role API key that acts as this person; a new key replaces (and revokes) the old.
    api_key_id: int | None = Field(default=None, foreign_key="api_key.id", unique=True)


class Slot(SQLModel, table=True):
    """A time a health conversation can be held."""

    __table_args__ = (UniqueConstraint("location_id", "staff_member_id", "starts_at"),)

    id: int | None = Field(default=None, primary_key=True)
    location_id: int = Field(foreign_key="location.id")
    staff_member_id: int = Field(foreign_key="staff_member.id")
    starts_at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    duration_min: int = 45


class Booking(SQLModel, table=True):
    __table_args__ = (
        # One active booking per slot, whatever the code does: the race is settled here.
        Index(
            "uq_booking_active_slot",
            "slot_id",
            unique=True,
            sqlite_where=text("status IN ('booked', 'attended', 'no_show')"),
            postgresql_where=text("status IN ('booked', 'attended', 'no_show')"),
        ),
        Index("ix_booking_status", "status"),  # the funnel's bookings and no-show rate
    )

    id: int | None = Field(default=None, primary_key=True)
    slot_id: int = Field(foreign_key="slot.id", index=True)
    contact_id: int = Field(foreign_key="contact.id", index=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    status: str = Field(default="booked", max_length=16)
    created_at: datetime = Field(sa_column=_utc(nullable=False))
    ended_at: datetime | None = Field(default=None, sa_column=_utc())
    # The booking this one follows: the one it was moved from, or a no-show rebooked. History
    # is kept, never overwritten: a no-show stays a no-show, a move leaves a chain.
    previous_booking_id: int | None = Field(default=None, foreign_key="booking.id", index=True)


class Reminder(SQLModel, table=True):
    """Due work that nudges a citizen: an unanswered invitation, a booking tomorrow."""

    __table_args__ = (Index("ix_reminder_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=32)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id")
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(default="scheduled", max_length=16)
    done_at: datetime | None = Field(default=None, sa_column=_utc())


class FollowUp(SQLModel, table=True):
    """The one-month follow-up when a further course was agreed."""

    __tablename__ = "follow_up"
    __table_args__ = (Index("ix_follow_up_due", "status", "due_at"),)

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int = Field(foreign_key="booking.id", unique=True)
    conversation_id: int = Field(foreign_key="conversation.id", index=True)
    due_at: datetime = Field(sa_column=_utc(nullable=False))
    status: str = Field(default="scheduled", max_length=16)
    done_at: datetime | None = Field(default=None, sa_column=_utc())
    # The citizen's answer: when, and which inbound message (the text stays on the message).
    answered_at: datetime | None = Field(default=None, sa_column=_utc())
    answer_message_id: int | None = Field(default=None, foreign_key="message.id")
    needs_help: bool = Field(default=False, sa_column_kwargs={"server_default": text("false")})
    staff_alerted_at: datetime | None = Field(default=None, sa_column=_utc())


class MonitoringRecord(SQLModel, table=True):
    """One health check in the evaluation's monitoring scheme; no name, phone or CPR."""

    __tablename__ = "monitoring_record"
    __table_args__ = (
        # The reports filter by municipality and period, or by partner, over many records.
        Index("ix_monitoring_record_municipality_date", "municipality_code", "health_check_date"),
        Index("ix_monitoring_record_date", "health_check_date"),
        Index("ix_monitoring_record_partner", "partner_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    booking_id: int | None = Field(default=None, foreign_key="booking.id", unique=True)
    citizen_key: str = Field(max_length=24, index=True)
    campaign_id: int | None = Field(default=None, foreign_key="campaign.id", index=True)
    partner_id: int | None = Field(default=None, foreign_key="partner.id")
    channel: str = Field(max_length=16)
    municipality_code: str = Field(max_length=3, index=True)
    health_check_date: date
    age: int | None = None  # at the health check
    education: str | None = Field(default=None, max_length=16)
    recruited_from: str = Field(default="sms_campaign", max_length=32)
    chronic_diseases: str | None = Field(default=None, max_length=200)  # comma-separated codes
    self_rated_health: str | None = Field(default=None, max_length=16)
    referrals_municipal: str = Field(default="", max_length=400)  # comma-separated offers
    referrals_non_municipal: str = Field(default="", max_length=400)
    waiting_days: int | None = None
    gp_advice: bool = False
    further_course: bool = False
    follow_up_date: date | None = None
    created_at: datetime = Field(sa_column=_utc(nullable=False))


class AuditEvent(SQLModel, table=True):
    """Who did what to which object; never personal data in `detail`."""

    __tablename__ = "audit_event"
    # A citizen's access log (privacy.service) is every entry about their contact or bookings.
    __table_args__ = (Index("ix_audit_event_subject", "subject_type", "subject_id"),)

    id: int | None = Field(default=None, primary_key=True)
    at: datetime = Field(sa_column=_utc(nullable=False, index=True))
    actor: str = Field(max_length=64)
    action: str = Field(max_length=64)
    subject_type: str = Field(max_length=32)
    subject_id: int | None = None
    detail: str = Field(default="", sa_column=Column(Text, nullable=False, server_default=""))


class MunicipalOffer(SQLModel, table=True):
    """A municipal health offer citizens can be referred to; each municipality keeps its list."""

    __tablename__ = "municipal_offer"
    __table_args__ = (
        UniqueConstraint("municipality_id", "code", name="uq_municipal_offer_municipality_code"),
    )

    id: int | None = Field(default=None, primary_key=True)
    municipality_id: int = Field(foreign_key="municipality.id")
    code: str = Field(max_length=40)  # e.g. "rygestop"; what outcomes and reports refer to
    name: str = Field(max_length=120)  # e.g. "Rygestop"


# Tables for provider and access plumbing live beside these; re-exported so one import serves.
from store.access_models import ApiKey as ApiKey  # noqa: E402
from store.access_models import ConsoleSession as ConsoleSession  # noqa: E402
from store.access_models import ContactChannel as ContactChannel  # noqa: E402
from store.access_models import LinkCode as LinkCode  # noqa: E402
from store.access_models import ProviderCallback as ProviderCallback  # noqa: E402
from store.access_models import TelegramUpdate as TelegramUpdate  # noqa: E402
from store.booking_models import CalendarFeed as CalendarFeed  # noqa: E402
from store.booking_models import Closure as Closure  # noqa: E402
from store.booking_models import WaitlistEntry as WaitlistEntry  # noqa: E402
from store.inbox_models import InboxItem as InboxItem  # noqa: E402
from store.privacy_models import DailyJob as DailyJob  # noqa: E402
from store.privacy_models import Suppression as Suppression  # noqa: E402
