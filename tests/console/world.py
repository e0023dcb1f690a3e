"""Roskilde on a real store for the console's tests: members, bookings, outcomes and keys.

Eight citizens booked through the dialogue on Monday 23 November 2026; by Friday six have
had their conversation recorded (enough for the evaluation's tables to show a cell), two
wait for an outcome, one books on Thursday for next week, two answered STOP (fewer than five:
shown as "<5"), and 30 members of 3F have never been invited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import Engine

from booking import directory
from booking.access import EVERYTHING
from booking.outcomes import Outcome, record_outcome
from core.calendar import COPENHAGEN
from core.principal import Role
from store.db import unit_of_work
from store.models import Campaign
from store.types import Education
from tests.api.support import make_key
from tests.booking.support import NOW, book, invite, say
from tests.factories import DIALOGUE, add_contact, make_world

# Friday 27 November 2026, 10:00 in Copenhagen: every Wednesday and Thursday talk has been held.
CONSOLE_NOW = (NOW + timedelta(days=4)).astimezone(COPENHAGEN)
HELD = 8
RECORDED = 6


@dataclass(frozen=True)
class ConsoleWorld:
    """Ids the tests look at, and a key for each kind of user."""

    campaign_id: int
    other_campaign_id: int  # Lejre's: another municipality's
    recorded: tuple[int, ...]  # bookings with an outcome
    awaiting: tuple[int, ...]  # held, no outcome yet
    upcoming: int  # a booking next week
    keys: dict[str, str]


def build(engine: Engine) -> ConsoleWorld:
    """Build the world on a migrated, empty database."""
    with unit_of_work(engine) as session:
        world = make_world(session, slot_days=14)
        held = [book(session, world, f"+452000{n:04d}").id or 0 for n in range(HELD)]
        upcoming = book(session, world, "+4520009999", now=NOW + timedelta(days=3)).id or 0
        for phone in ("+4520008881", "+4520008882"):  # two who answer STOP: a hidden count
            invite(session, world, phone)
            say(session, phone, "STOP")
        colleague = directory.add_staff_member(
            session=session, scope=EVERYTHING, name="Jonas", municipality="Roskilde"
        )
        for n in range(30):
            contact = add_contact(
                session,
                world,
                phone=f"+452100{n:04d}",
                name=f"Medlem {n}",
                partner=world.other_partner,
                birth_date=date(1960 + n, 3, 1),
            )
            contact.education = Education.KORT if n % 2 else Education.LANG
        lejre = Campaign(
            name="Lejre",
            municipality_id=world.other_municipality.id or 0,
            partner_id=world.other_partner.id or 0,
            sender="Lejre Kommune",
            created_at=NOW,
        )
        session.add(lejre)
        session.flush()
        for booking_id in held[:RECORDED]:
            record_outcome(
                session=session,
                dialogue=DIALOGUE,
                booking_id=booking_id,
                outcome=Outcome(attended=True, referrals_municipal=("motion",), gp_advice=True),
                now=CONSOLE_NOW - timedelta(days=1),
            )
        keys = {
            name: directory.issue_staff_key(
                session=session, scope=EVERYTHING, staff_member_id=member, now=NOW
            )[2]
            for name, member in (("staff", world.staff.id or 0), ("colleague", colleague.id or 0))
        }
        campaign_id, lejre_id = world.campaign.id or 0, lejre.id or 0
    keys |= {
        "coordinator": make_key(engine, role=Role.COORDINATOR, municipality="Roskilde"),
        "national": make_key(engine, role=Role.COORDINATOR),
        "lejre": make_key(engine, role=Role.COORDINATOR, municipality="Lejre"),
        "evaluator": make_key(engine, role=Role.EVALUATOR, municipality="Roskilde"),
        "unlinked": make_key(engine, role=Role.STAFF, municipality="Roskilde"),
        "revoked": make_key(engine, role=Role.COORDINATOR, municipality="Roskilde", revoked=True),
    }
    return ConsoleWorld(
        campaign_id=campaign_id,
        other_campaign_id=lejre_id,
        recorded=tuple(held[:RECORDED]),
        awaiting=tuple(held[RECORDED:]),
        upcoming=upcoming,
        keys=keys,
    )
