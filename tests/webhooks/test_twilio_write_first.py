"""Someone writes before being invited, by SMS through Twilio's signed webhook."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from booking.access import Scope
from core.clock import SimulatedClock
from inbox import repository
from inbox.schemas import ItemPublic
from monitoring.funnel import compute_funnel
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    InboxItem,
    Invitation,
    Message,
    OptOut,
    Partner,
)
from store.types import Direction, DueStatus, MessageStatus, Trigger
from tests.factories import World, add_contact, make_world
from tests.webhooks.twilio_service import NOW, PHONE, SMS, Service, outbound, sms

STRANGER = "+4520999999"


@dataclass
class Setup:
    world: World
    contact: Contact | None


def running(service: Service, *, birth_date: date | None = date(1976, 5, 1)) -> Setup:
    """A running Twilio campaign in Roskilde; Anne on its list unless no birth date is given."""
    with Session(service.runtime.engine, expire_on_commit=False) as session:
        world = make_world(session, now=NOW)
        world.campaign.channel, world.campaign.status = "twilio", "running"
        contact = None
        if birth_date is not None:
            contact = add_contact(session, world, phone=PHONE, birth_date=birth_date, now=NOW)
        session.commit()
    return Setup(world, contact)


def add_lejre(service: Service, world: World) -> None:
    """A second municipality running a campaign on the same number."""
    with Session(service.runtime.engine) as session:
        partner = Partner(name="3F Lejre", municipality_id=world.other_municipality.id)
        session.add(partner)
        session.flush()
        assert world.other_municipality.id is not None and partner.id is not None
        session.add(
            Campaign(
                name="Lejre",
                municipality_id=world.other_municipality.id,
                partner_id=partner.id,
                sender="Lejre Kommune",
                help_phone="46 46 46 46",
                channel="twilio",
                status="running",
                created_at=NOW,
            )
        )
        session.commit()


def to_citizens(service: Service) -> list[Message]:
    """What went to citizens: the staff's notices left out."""
    return [message for message in outbound(service) if message.staff_member_id is None]


def texts(service: Service) -> list[str]:
    return [message.text for message in to_citizens(service)]


def items(service: Service, municipality_id: int | None) -> list[ItemPublic]:
    with Session(service.runtime.engine) as session:
        views = repository.list_items(session=session, scope=Scope(municipality_id=municipality_id))
        return [ItemPublic.of(view) for view in views]


class TestTakenIn:
    def test_a_question_is_welcomed_and_counted_as_invited(self, service: Service) -> None:
        setup = running(service)
        assert service.post(SMS, sms(1, "Kan jeg også komme?")).status_code == 200
        welcome, consent = outbound(service)
        assert welcome.text.startswith("Hej Anne! Tak for din besked. Du er meget velkommen")
        assert "Roskilde Kommune tilbyder dig et gratis sundhedstjek" in welcome.text
        assert (welcome.kind, welcome.trigger) == ("invitation", Trigger.REPLY)
        assert consent.text.startswith("Godt! Må vi stille dig 3-4 korte spørgsmål")
        assert {m.status for m in (welcome, consent)} == {MessageStatus.SENT}  # sent at once
        with Session(service.runtime.engine) as session:
            invitation = session.scalars(select(Invitation)).one()
            conversation = session.scalars(select(Conversation)).one()
            assert invitation.status == DueStatus.DONE and invitation.done_at == NOW
            assert invitation.conversation_id == conversation.id
            assert conversation.replied_at == NOW
            inbound = session.scalars(
                select(Message).where(col(Message.direction) == Direction.IN)
            ).one()
            assert inbound.conversation_id == conversation.id
            funnel = compute_funnel(session=session, campaign_id=setup.world.campaign.id)
            assert (funnel.invited, funnel.delivered, funnel.replied) == (1, 0, 1)
            assert session.scalars(select(InboxItem)).all() == []

    def test_ja_leads_on_to_a_booking(self, service: Service) -> None:
        running(service)
        service.post(SMS, sms(1, "ja"))
        service.post(SMS, sms(2, "nej"))  # no health questions: straight to the times
        assert "Her er ledige tider" in texts(service)[-1]
        service.post(SMS, sms(3, "1"))
        assert texts(service)[-1].startswith("Tak! Du er booket")
        with Session(service.runtime.engine) as session:
            assert len(session.scalars(select(Booking)).all()) == 1

    def test_a_queued_invitation_is_sent_out_of_turn(self, service: Service) -> None:
        setup = running(service)
        assert setup.contact is not None
        with Session(service.runtime.engine) as session:
            session.add(
                Invitation(
                    campaign_id=setup.world.campaign.id or 0,
                    contact_id=setup.contact.id or 0,
                    status=DueStatus.PENDING,
                )
            )
            session.commit()
        service.post(SMS, sms(1, "ja tak"))
        with Session(service.runtime.engine) as session:
            invitation = session.scalars(select(Invitation)).one()
            assert invitation.status == DueStatus.DONE
            assert invitation.conversation_id is not None

    def test_an_english_text_is_answered_in_english(self, service: Service) -> None:
        running(service)
        service.post(SMS, sms(1, "Hi, can I join too?"))
        assert texts(service)[0].startswith("Hi Anne! Thank you for your message.")

    def test_late_in_the_evening_the_answer_goes_at_once(self, service: Service) -> None:
        running(service)
        clock = service.runtime.clock
        assert isinstance(clock, SimulatedClock)
        clock.set(NOW.replace(hour=22))
        service.post(SMS, sms(1, "ja"))
        assert {m.status for m in outbound(service)} == {MessageStatus.SENT}


class TestNotTakenIn:
    def test_too_old_is_told_who_writes_and_whom_to_call(self, service: Service) -> None:
        setup = running(service, birth_date=date(1950, 1, 1))
        service.post(SMS, sms(1, "Kan jeg også komme?"))
        [reply] = to_citizens(service)
        assert reply.text == (
            "Tak for din besked. Det er Roskilde Kommune, der skriver ud om gratis sundhedstjek. "
            "Vi kan desværre ikke give dig en tid her, men ring gerne på 46 31 30 00, så hjælper "
            "vi dig videre."
        )
        [item] = items(service, setup.world.municipality.id)
        assert (item.kind, item.label, item.text) == (
            "wrote_first",
            "Skrev uden invitation",
            "Kan jeg også komme?",
        )
        assert (item.first_name, item.phone, item.staff) == ("Anne", PHONE, "Mette")
        with Session(service.runtime.engine) as session:
            assert session.scalars(select(Conversation)).all() == []

    def test_a_number_on_no_list_gets_the_same_answer_and_an_item(self, service: Service) -> None:
        setup = running(service, birth_date=None)
        service.post(SMS, sms(1, "kan jeg også komme?", sender=STRANGER))
        service.post(SMS, sms(2, "hallo?", sender=STRANGER))
        first, second = to_citizens(service)
        assert first.text == second.text and "Roskilde Kommune" in first.text
        [item] = items(service, setup.world.municipality.id)  # one item, brought up to date
        assert (item.first_name, item.phone, item.text) == (None, STRANGER, "hallo?")
        assert items(service, setup.world.other_municipality.id) == []

    def test_english_by_the_text_or_a_foreign_number(self, service: Service) -> None:
        running(service, birth_date=None)
        service.post(SMS, sms(1, "Can I come too?", sender=STRANGER))
        service.post(SMS, sms(2, "Hej", sender="+46701234567"))
        service.post(SMS, sms(3, "?", sender="+46701234568"))
        english, danish, foreign = texts(service)
        assert english.startswith("Thank you for your message. This is Roskilde Kommune")
        assert danish.startswith("Tak for din besked.")
        assert foreign.startswith("Thank you for your message.")

    def test_several_municipalities_the_list_decides(self, service: Service) -> None:
        setup = running(service, birth_date=date(1950, 1, 1))
        add_lejre(service, setup.world)
        service.post(SMS, sms(1, "Kan jeg komme?"))
        service.post(SMS, sms(2, "Kan jeg komme?", sender=STRANGER))
        listed, neutral = texts(service)
        assert "Det er Roskilde Kommune" in listed and "Lejre" not in listed
        assert neutral == (
            "Tak for din besked. Dette nummer bruges af Roskilde Kommune (46 31 30 00) og Lejre "
            "Kommune (46 46 46 46) til at skrive ud om gratis sundhedstjek. Vi kan desværre ikke "
            "give dig en tid her. Kontakt din kommune, hvis du har spørgsmål."
        )
        assert len(items(service, setup.world.municipality.id)) == 2
        assert [i.phone for i in items(service, setup.world.other_municipality.id)] == [STRANGER]

    def test_no_running_campaign_gives_the_general_answer(self, service: Service) -> None:
        service.post(SMS, sms(1, "hej", sender=STRANGER))
        [reply] = to_citizens(service)
        assert reply.text.startswith("Tak for din besked. Vi har ingen igangværende samtale")
        assert items(service, None) == []


class TestStop:
    def test_stop_from_a_number_on_no_list_is_honoured_quietly(self, service: Service) -> None:
        running(service, birth_date=None)
        service.post(SMS, sms(1, "STOP", sender=STRANGER))
        assert to_citizens(service) == []
        assert items(service, None) == []
        with Session(service.runtime.engine) as session:
            [opt_out] = session.scalars(select(OptOut)).all()
            assert opt_out.address == STRANGER

    def test_stop_from_a_member_in_the_target_starts_nothing(self, service: Service) -> None:
        running(service)
        service.post(SMS, sms(1, "stop"))
        later = sms(2, "kan jeg komme alligevel?")
        service.post(SMS, later)
        with Session(service.runtime.engine) as session:
            assert session.scalars(select(Conversation)).all() == []
            assert len(session.scalars(select(OptOut)).all()) == 1
        # Not taken in: the answer to what they wrote says who writes, and invites nobody.
        [reply] = to_citizens(service)
        assert reply.kind == "info" and "Det er Roskilde Kommune" in reply.text


def test_a_day_later_a_member_is_still_taken_in(service: Service) -> None:
    running(service)
    clock = service.runtime.clock
    assert isinstance(clock, SimulatedClock)
    clock.set(NOW + timedelta(days=1))
    service.post(SMS, sms(1, "ja"))
    assert texts(service)[0].startswith("Hej Anne!")
