"""The campaign partner a citizen is credited to (store.partners); migration 0018's backfill."""

from __future__ import annotations

from alembic import command
from sqlalchemy import Engine, select, text
from sqlmodel import Session

from store.migrate import alembic_config
from store.models import (
    Booking,
    CampaignPartner,
    Contact,
    Conversation,
    Membership,
    MonitoringRecord,
    Partner,
)
from store.partners import campaign_order, credited_among, partner_of
from tests.factories import MONDAY, World, add_contact, make_world

BEFORE = "0018_inbox_item_address"


def _with_partners(session: Session, world: World, *names: str) -> list[Partner]:
    """Give the world's campaign its two partners and more, in that order; return them all."""
    extra = [Partner(name=name, municipality_id=world.municipality.id) for name in names]
    session.add_all(extra)
    session.flush()
    partners = [world.partner, world.other_partner, *extra]
    for partner in partners:
        session.add(CampaignPartner(campaign_id=world.campaign.id or 0, partner_id=partner.id or 0))
    session.flush()
    return partners


def _also_on(session: Session, contact: Contact, *partners: Partner) -> None:
    for partner in partners:
        session.add(
            Membership(contact_id=contact.id or 0, partner_id=partner.id or 0, created_at=MONDAY)
        )
    session.flush()


def _credited(session: Session, world: World, contact: Contact) -> int:
    """Return the partner by the rule, checking that the launch's form of it agrees."""
    found = partner_of(
        session=session, contact_id=contact.id or 0, campaign_id=world.campaign.id or 0
    )
    order = campaign_order(session=session, campaign=world.campaign)
    at_launch = session.scalar(select(credited_among(contact_id=contact.id or 0, order=order)))
    assert at_launch == found
    return found


class TestTheRule:
    def test_the_campaign_s_first_partner_wins_whichever_list_came_first(
        self, session: Session
    ) -> None:
        world = make_world(session)
        first, second, _ = _with_partners(session, world, "Krifa Roskilde")
        contact = add_contact(session, world, phone="+4520000001", partner=second)
        _also_on(session, contact, first)
        assert _credited(session, world, contact) == first.id

    def test_among_the_others_the_partner_that_came_first(self, session: Session) -> None:
        world = make_world(session)
        _, second, third = _with_partners(session, world, "Krifa Roskilde")
        contact = add_contact(session, world, phone="+4520000002", partner=third)
        _also_on(session, contact, second)
        assert (second.id or 0) < (third.id or 0)
        assert _credited(session, world, contact) == second.id

    def test_a_list_the_campaign_does_not_use_does_not_count(self, session: Session) -> None:
        world = make_world(session)
        _, second = _with_partners(session, world)
        outsider = Partner(name="HK Roskilde")
        session.add(outsider)
        session.flush()
        contact = add_contact(session, world, phone="+4520000003", partner=outsider)
        _also_on(session, contact, second)
        assert _credited(session, world, contact) == second.id

    def test_on_no_list_the_campaign_s_first_partner(self, session: Session) -> None:
        world = make_world(session)  # no campaign_partner rows, as before several partners
        contact = add_contact(session, world, phone="+4520000004", partner=world.other_partner)
        assert _credited(session, world, contact) == world.campaign.partner_id


def down_and_up(engine: Engine) -> None:
    """Migrate the database down to before 0018 and back to head, so that 0018's backfill runs.

    The rows are written at head beforehand: the models always describe head, and a later
    migration that adds a column to a table the world uses would break writing them at 0017.
    """
    config = alembic_config(engine.url.render_as_string(hide_password=False))
    for step in (
        lambda: command.downgrade(config, BEFORE),
        lambda: command.upgrade(config, "head"),
    ):
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            step()


class TestBackfill:
    def test_invitations_and_monitoring_records_get_the_membership_s_partner(
        self, engine: Engine
    ) -> None:
        with Session(engine) as session:
            world = make_world(session)
            first, second, third = _with_partners(session, world, "Krifa Roskilde")
            people = {
                "first": add_contact(session, world, phone="+4520000011", partner=second),
                "second": add_contact(session, world, phone="+4520000012", partner=third),
                "third": add_contact(session, world, phone="+4520000013", partner=third),
            }
            _also_on(session, people["first"], first)
            _also_on(session, people["second"], second)
            insert = text(
                "INSERT INTO invitation (campaign_id, contact_id, position, status)"
                " VALUES (:campaign, :contact, 0, 'done')"
            )
            for contact in people.values():
                session.execute(insert, {"campaign": world.campaign.id, "contact": contact.id})
            # The one who came through Krifa had a health check, credited (wrongly) to FOA.
            conversation = Conversation(
                contact_id=people["third"].id or 0,
                campaign_id=world.campaign.id or 0,
                channel="sms",
                state="{}",
                status="closed",
                created_at=MONDAY,
            )
            session.add(conversation)
            session.flush()
            booking = Booking(
                slot_id=1,
                contact_id=people["third"].id or 0,
                conversation_id=conversation.id or 0,
                status="attended",
                created_at=MONDAY,
            )
            session.add(booking)
            session.flush()
            session.add(
                MonitoringRecord(
                    booking_id=booking.id,
                    citizen_key="c-x",
                    campaign_id=world.campaign.id,
                    partner_id=first.id,
                    channel="sms",
                    municipality_code="265",
                    health_check_date=MONDAY.date(),
                    created_at=MONDAY,
                )
            )
            session.commit()
            ids = {name: contact.id for name, contact in people.items()}
            expected = {"first": first.id, "second": second.id, "third": third.id}
            krifa = third.id
        down_and_up(engine)  # the invitations had no partner before 0018: it fills them in
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT contact_id, partner_id FROM invitation"))
            credited: dict[int, int] = {int(c): int(p) for c, p in rows.all()}
            record = connection.execute(text("SELECT partner_id FROM monitoring_record"))
            record_partner = record.scalar_one()
        assert credited == {ids[name]: expected[name] for name in ids}
        assert record_partner == krifa
