"""The demo's world: Roskilde, FOA Roskilde, two staff, two locations, three weeks of slots."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlmodel import Session

from booking.slots import create_working_day_slots
from core.calendar import SendWindow
from outreach import campaign_setup
from outreach.schemas import CampaignCreate, VariantIn
from store.models import Campaign, Location, Municipality, Partner, StaffMember
from store.municipalities import ensure_municipality, resolve_municipality

PARTNER = "FOA Roskilde"
MUNICIPALITY = "Roskilde"
SLOT_MINUTES = 45
SLOT_WEEKS = 3
# The demo's experiment: the flow's own invitation against a short one. Which draws more
# answers is set by `citizens.Behaviour.variant_b_reply_lift`, a parameter, not a finding.
VARIANTS = (
    VariantIn(label="standard"),
    VariantIn(
        label="kort",
        template_da="Gratis sundhedstjek hos {sender}? Svar JA, så sender vi tider. "
        "Skriv STOP for at afmelde.",
    ),
)


@dataclass(frozen=True)
class World:
    municipality: Municipality
    partner: Partner
    staff: tuple[StaffMember, ...]
    locations: tuple[Location, ...]
    slots: int


def build_world(
    *, session: Session, window: SendWindow, first_day: date, slot_weeks: int = SLOT_WEEKS
) -> World:
    """Create the municipality, partner, staff, locations and slots the demo runs on."""
    ref = resolve_municipality(MUNICIPALITY)
    assert ref is not None
    municipality = ensure_municipality(session=session, ref=ref)
    assert municipality.id is not None
    partner = Partner(name=PARTNER, kind="union", municipality_id=municipality.id)
    staff = (
        StaffMember(municipality_id=municipality.id, name="Mette Sundhedskonsulent"),
        StaffMember(municipality_id=municipality.id, name="Jonas Sundhedskonsulent"),
    )
    locations = (
        Location(
            municipality_id=municipality.id,
            name="Sundhedscenter Roskilde",
            address="Køgevej 1, 4000 Roskilde",
            kind="health_centre",
        ),
        Location(
            municipality_id=municipality.id,
            name="Plejecenter Møllehaven (personalestuen)",
            address="Møllehusvej 15, 4000 Roskilde",
            kind="workplace",
        ),
    )
    session.add_all([partner, *staff, *locations])
    session.flush()
    count = 0
    last_day = first_day + timedelta(weeks=slot_weeks) - timedelta(days=1)
    # The health centre runs mornings and afternoons; the workplace holds talks around shifts.
    for location, member, start, end in (
        (locations[0], staff[0], time(9, 0), time(15, 0)),
        (locations[1], staff[1], time(10, 0), time(14, 30)),
    ):
        assert location.id is not None and member.id is not None
        count += len(
            create_working_day_slots(
                session=session,
                location_id=location.id,
                staff_member_id=member.id,
                first_day=first_day,
                last_day=last_day,
                day_start=start,
                day_end=end,
                duration_min=SLOT_MINUTES,
                window=window,
            )
        )
    return World(municipality, partner, staff, locations, count)


def create_campaign(
    *,
    session: Session,
    world: World,
    now: datetime,
    daily_limit: int,
    paced: bool = True,
    variant_seed: int | None = None,
) -> Campaign:
    """Create the demo's campaign for FOA members aged 40–60: the flow's invitation against a
    short one (`VARIANTS`), assigned from `variant_seed`."""
    campaign_in = CampaignCreate(
        name="Sundhedstjek for FOA-medlemmer i Roskilde",
        municipality=world.municipality.code,
        partners=[world.partner.name],
        sender="Roskilde Kommune",
        help_phone="46 31 30 00",
        channel="console",
        daily_limit=daily_limit,
        paced=paced,
        variants=list(VARIANTS),
        variant_seed=variant_seed,
    )
    return campaign_setup.create(
        session=session, campaign_in=campaign_in, now=now, channels=("console",)
    )
