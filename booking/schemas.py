"""What the booking API takes and gives. Inputs forbid unknown fields; times are Danish local."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from api.schemas import SAFE_TEXT_PATTERN, DbId, InputModel
from booking.directory import LocationKind
from booking.outcomes import Outcome
from booking.repository import BookingView, SlotView
from core.calendar import local
from store.models import Location, MunicipalOffer, StaffMember


def _plausible(moment: datetime) -> datetime:
    """Refuse times far outside the service's life, so converting zones cannot overflow."""
    if not FIRST_DAY <= moment.date() <= LAST_DAY:
        raise ValueError(f"a time between {FIRST_DAY.year} and {LAST_DAY.year}")
    return moment


FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2999, 12, 31)
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]
Moment = Annotated[datetime, AfterValidator(_plausible)]
Name = Annotated[str, Field(min_length=1, max_length=120, pattern=SAFE_TEXT_PATTERN)]
Address = Annotated[str, Field(min_length=1, max_length=200, pattern=SAFE_TEXT_PATTERN)]
Referral = Annotated[str, Field(min_length=1, max_length=100, pattern=SAFE_TEXT_PATTERN)]
MunicipalityRef = Annotated[
    str | None,
    Field(
        default=None,
        max_length=64,
        pattern=SAFE_TEXT_PATTERN,
        description="Name or code; needed only with a key for all municipalities.",
    ),
]


# ---------------------------------------------------------------- staff and locations


class StaffMemberCreate(InputModel):
    name: Name
    municipality: MunicipalityRef = None


class StaffMemberPublic(BaseModel):
    id: int
    name: str
    municipality_id: int
    channel: str
    has_key: bool

    @classmethod
    def of(cls, member: StaffMember) -> StaffMemberPublic:
        assert member.id is not None
        return cls(
            id=member.id,
            name=member.name,
            municipality_id=member.municipality_id,
            channel=member.channel,
            has_key=member.api_key_id is not None,
        )


class StaffKeyPublic(BaseModel):
    staff_member_id: int
    key_id: int
    key: str = Field(description="Shown only this once; the store keeps a hash.")


class LocationCreate(InputModel):
    name: Name
    address: Address
    kind: LocationKind = LocationKind.HEALTH_CENTRE
    municipality: MunicipalityRef = None


class LocationPublic(BaseModel):
    id: int
    name: str
    address: str
    kind: str
    municipality_id: int

    @classmethod
    def of(cls, location: Location) -> LocationPublic:
        assert location.id is not None
        return cls(
            id=location.id,
            name=location.name,
            address=location.address,
            kind=location.kind,
            municipality_id=location.municipality_id,
        )


# ---------------------------------------------------------------- slots


class SlotsCreate(InputModel):
    """One slot (`starts_at`), or recurring availability (`weekday`, `from`, `to`, `until`).

    Times without an offset are Danish local time.
    """

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, populate_by_name=True)

    location_id: DbId
    staff_member_id: DbId
    minutes: int = Field(default=45, description="Length of each slot, 15 to 240 minutes.")
    starts_at: Moment | None = Field(default=None, description="One slot: when it starts.")
    weekday: str | None = Field(default=None, description="Recurring: mon … fri.")
    from_: time | None = Field(default=None, alias="from", description="Recurring: day start.")
    to: time | None = Field(default=None, description="Recurring: day end.")
    until: Day | None = Field(default=None, description="Recurring: last day.")
    starting: Day | None = Field(default=None, description="Recurring: first day; today.")

    @property
    def recurring(self) -> bool:
        """Tell whether this asks for recurring availability."""
        return self.weekday is not None

    @model_validator(mode="after")
    def _one_or_recurring(self) -> SlotsCreate:
        recurring = (self.from_, self.to, self.until)
        if self.starts_at is not None:
            if self.weekday is not None or any(v is not None for v in (*recurring, self.starting)):
                raise ValueError("give starts_at for one slot, or weekday/from/to/until; not both")
        elif self.weekday is None or any(v is None for v in recurring):
            raise ValueError("give starts_at for one slot, or weekday, from, to and until")
        return self


class SlotPublic(BaseModel):
    id: int
    starts_at: datetime
    ends_at: datetime
    minutes: int
    location_id: int
    location: str
    staff_member_id: int
    staff_member: str
    booking_id: int | None

    @classmethod
    def of(cls, view: SlotView) -> SlotPublic:
        slot = view.slot
        assert slot.id is not None
        return cls(
            id=slot.id,
            starts_at=local(slot.starts_at),
            ends_at=local(slot.starts_at + timedelta(minutes=slot.duration_min)),
            minutes=slot.duration_min,
            location_id=slot.location_id,
            location=view.location.name,
            staff_member_id=slot.staff_member_id,
            staff_member=view.staff.name,
            booking_id=view.booking.id if view.booking else None,
        )


class SlotsCreated(BaseModel):
    created: list[SlotPublic]
    skipped_days: list[date] = Field(description="Days of that weekday that are holidays.")


# ---------------------------------------------------------------- bookings


class Place(BaseModel):
    id: int
    name: str
    address: str


class Person(BaseModel):
    id: int
    name: str


class Citizen(BaseModel):
    ref: str = Field(description="The pseudonymous reference used in exports.")
    name: str
    phone: str


class BookingPublic(BaseModel):
    id: int
    status: str
    slot_id: int
    starts_at: datetime
    ends_at: datetime
    location: Place
    staff_member: Person
    citizen: Citizen
    created_at: datetime
    ended_at: datetime | None
    previous_booking_id: int | None = Field(
        default=None, description="The booking this one follows: moved from, or a no-show rebooked."
    )

    @classmethod
    def of(cls, view: BookingView) -> BookingPublic:
        booking, slot = view.booking, view.slot
        assert booking.id is not None and slot.id is not None
        assert view.location.id is not None and view.staff.id is not None
        return cls(
            id=booking.id,
            status=booking.status,
            slot_id=slot.id,
            starts_at=local(slot.starts_at),
            ends_at=local(slot.starts_at + timedelta(minutes=slot.duration_min)),
            location=Place(
                id=view.location.id, name=view.location.name, address=view.location.address
            ),
            staff_member=Person(id=view.staff.id, name=view.staff.name),
            citizen=Citizen(
                ref=view.contact.public_id, name=view.contact.name, phone=view.contact.phone
            ),
            created_at=local(booking.created_at),
            ended_at=local(booking.ended_at) if booking.ended_at else None,
            previous_booking_id=booking.previous_booking_id,
        )


class MoveRequest(InputModel):
    slot_id: DbId


class OutcomeCreate(InputModel):
    """What staff record after the conversation."""

    attended: bool
    referrals_municipal: list[Referral] = Field(
        default_factory=list, max_length=20, description="Codes from GET /api/v1/offers."
    )
    referrals_non_municipal: list[Referral] = Field(default_factory=list, max_length=20)
    waiting_days: int | None = None
    gp_advice: bool = False
    further_course: bool = False
    follow_up_date: Day | None = Field(
        default=None, description="At most one month after the conversation; default 3 weeks."
    )

    def outcome(self) -> Outcome:
        """The outcome as the booking slice records (or corrects) it."""
        return Outcome(
            attended=self.attended,
            referrals_municipal=tuple(self.referrals_municipal),
            referrals_non_municipal=tuple(self.referrals_non_municipal),
            waiting_days=self.waiting_days,
            gp_advice=self.gp_advice,
            further_course=self.further_course,
            follow_up_date=self.follow_up_date,
        )


class OutcomePublic(BaseModel):
    booking: BookingPublic
    monitoring_record_id: int | None
    follow_up_at: datetime | None


# ---------------------------------------------------------------- offers


class OfferCreate(InputModel):
    code: str = Field(min_length=2, max_length=40, description="a-z, 0-9 and _")
    name: Name
    municipality: MunicipalityRef = None


class OfferPublic(BaseModel):
    code: str
    name: str
    municipality_id: int

    @classmethod
    def of(cls, offer: MunicipalOffer) -> OfferPublic:
        return cls(code=offer.code, name=offer.name, municipality_id=offer.municipality_id)
