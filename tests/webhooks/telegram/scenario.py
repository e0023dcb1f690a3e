"""Small worlds for the Telegram tests: a booked citizen, a linked staff member."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Engine, select
from sqlmodel import Session, col

from conversation.intake import receive_text
from conversation.service import start
from recruitbot.runtime import Runtime
from store import link_codes
from store.db import unit_of_work
from store.models import Booking, Contact, Message, Slot, StaffMember
from store.types import MessageStatus
from tests.factories import World, add_contact, make_world

STAFF_CHAT = 5551001
CITIZEN_CHAT = 5552002
PHONE = "+4520000001"


def world(engine: Engine, now: datetime) -> World:
    with unit_of_work(engine) as session:
        made = make_world(session, now=now)
        made.campaign.status = "running"
    return made


def invite(runtime: Runtime, made: World, *, phone: str = PHONE) -> int:
    """Invite a citizen by SMS (the console channel); return the contact id."""
    now = runtime.clock.now()
    with unit_of_work(runtime.engine) as session:
        contact = add_contact(session, made, phone=phone, now=now)
        start(
            session=session,
            dialogue=runtime.dialogue,
            contact=contact,
            campaign=session.merge(made.campaign),
            now=now,
        )
        assert contact.id is not None
        return contact.id


def say_by_sms(runtime: Runtime, phone: str, text: str) -> None:
    with unit_of_work(runtime.engine) as session:
        receive_text(
            session=session,
            dialogue=runtime.dialogue,
            channel="console",
            address=phone,
            text=text,
            provider_id=f"sms-{text}-{runtime.clock.now().timestamp()}-{_count(session)}",
            now=runtime.clock.now(),
        )


def book_by_sms(runtime: Runtime, phone: str = PHONE) -> Booking:
    """Answer the invitation and take the first time offered."""
    for text in ("Ja tak", "nej", "1"):
        say_by_sms(runtime, phone, text)
    with Session(runtime.engine) as session:
        return session.scalars(select(Booking)).one()


def slot_start(runtime: Runtime, booking: Booking) -> datetime:
    with Session(runtime.engine) as session:
        return session.get_one(Slot, booking.slot_id).starts_at


def link_staff_directly(runtime: Runtime, staff_id: int, chat_id: int = STAFF_CHAT) -> None:
    with unit_of_work(runtime.engine) as session:
        staff = session.get_one(StaffMember, staff_id)
        staff.channel, staff.address = "telegram", str(chat_id)


def staff_code(runtime: Runtime, staff_id: int) -> str:
    with unit_of_work(runtime.engine) as session:
        _, code = link_codes.issue(
            session=session,
            kind=link_codes.LinkKind.STAFF,
            target_id=staff_id,
            now=runtime.clock.now(),
            ttl=link_codes.STAFF_CODE_TTL,
        )
    return code


def citizen_code(runtime: Runtime, contact_id: int) -> str:
    with unit_of_work(runtime.engine) as session:
        return link_codes.link_code_for_contact(
            session=session, contact_id=contact_id, now=runtime.clock.now()
        )


def outbox(runtime: Runtime, **where: object) -> list[Message]:
    """Outbound messages matching the given columns, oldest first."""
    with Session(runtime.engine) as session:
        query = select(Message).where(col(Message.direction) == "out")
        for name, value in where.items():
            query = query.where(getattr(Message, name) == value)
        return list(session.scalars(query.order_by(col(Message.id))))


def contact(runtime: Runtime, contact_id: int) -> Contact:
    with Session(runtime.engine) as session:
        return session.get_one(Contact, contact_id)


def queued(runtime: Runtime) -> list[Message]:
    return outbox(runtime, status=MessageStatus.QUEUED)


def _count(session: Session) -> int:
    return len(session.scalars(select(col(Message.id))).all())
