"""Every way a citizen says "no more": each stops every later message, on every channel, at once.

Each citizen has something waiting everywhere: a queued SMS and a queued Telegram message, a
follow-up ahead from an attended conversation, invitations of two more campaigns (one released,
one still pending), and either a booking with its reminder or an unanswered invitation with its
nudge (one open conversation at a time, as the store allows). Two bystanders in the same states
show that the ticks really send those things. Then one source opts the citizens out: a STOP word
(every word of the flow, written as people write it, by SMS and on Telegram), Twilio's 21610
when sending, or the Telegram bot blocked (a `my_chat_member` update, or a 403 when sending).
Right after that one transaction every message and due row for them is withdrawn; then two weeks
of ticks hand the providers nothing more for them but the confirmation of a STOP.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from sqlalchemy import select
from sqlmodel import Session, col
from twilio.request_validator import RequestValidator

from bot.flow import DEFAULT_FLOW
from bot.types import ConversationState, Step
from core.calendar import COPENHAGEN
from core.clock import SimulatedClock
from core.settings import Settings
from delivery.optout import is_opted_out
from delivery.sender import send_batch
from recruitbot.app import create_app
from recruitbot.runtime import Runtime, build_runtime
from store import outbox
from store.models import (
    Booking,
    Campaign,
    Contact,
    Conversation,
    FollowUp,
    Invitation,
    Message,
    Reminder,
    Slot,
)
from store.telegram import link_contact
from store.types import (
    BookingStatus,
    ConversationStatus,
    DueStatus,
    MessageStatus,
    ReminderKind,
    Trigger,
)
from tests.factories import World, local, make_world
from tests.fakes.telegram_api import TOKEN, FakeTelegram
from tests.fakes.telegram_api import _telegram_server as _telegram_server  # fixtures, by name
from tests.fakes.telegram_api import telegram_api as telegram_api
from tests.fakes.telegram_updates import SECRET, Updates, post
from tests.fakes.twilio_api import TwilioApiFake, TwilioError
from tests.fakes.twilio_api import twilio_api as twilio_api
from tests.reliability import size
from tests.webhooks.twilio_service import NOW, PUBLIC, SMS, sid

DAYS = 14  # ticked after the opt-out: past every reminder, nudge and follow-up
COPIES = size(1, 10)  # citizens writing each way of saying STOP
TICK_HOURS = (10, 16)  # local hours of each day's ticks


def stop_variants() -> list[str]:
    """Every stop word of the flow as people write it, and a few longer ways to say it."""
    words = DEFAULT_FLOW.keywords.stop
    variants = [v for w in words for v in (w, w.upper(), w.capitalize() + ".", w.upper() + "!")]
    return [*variants, "Afmeld mig", "stopp", "Stoppp", "STOP STOP", "Stop tak", "nej tak, STOP"]


@dataclass
class Citizen:
    """One citizen with something waiting on every channel and in every kind of due row."""

    contact_id: int
    phone: str
    chat_id: int
    booked: bool  # booked with a reminder ahead, or else invited with a nudge ahead
    queued: list[int] = field(default_factory=list)  # outbox message ids, in queue order
    # Taken just before the opt-out: what had reached them, and which queued ones were sent.
    reached_before: int = 0
    sent_before: set[int] = field(default_factory=set)


@dataclass
class Setup:
    runtime: Runtime
    client: TestClient
    twilio: TwilioApiFake
    telegram: FakeTelegram
    clock: SimulatedClock
    token: str

    def sms(self, citizen: Citizen, text: str, n: int) -> int:
        """A signed inbound SMS from the citizen, through the real webhook."""
        form = {
            "MessageSid": sid(900_000 + n),
            "AccountSid": self.twilio.account_sid,
            "From": citizen.phone,
            "To": "+4570203040",
            "Body": text,
        }
        signature = RequestValidator(self.token).compute_signature(f"{PUBLIC}{SMS}", form)
        answer = self.client.post(SMS, data=form, headers={"X-Twilio-Signature": signature})
        return answer.status_code

    def deliver(self) -> None:
        runtime = self.runtime
        send_batch(
            engine=runtime.engine,
            channels=runtime.channels,
            window=runtime.window,
            now=self.clock.now(),
            limit=500,
        )

    def before_opt_out(self, citizen: Citizen) -> Citizen:
        """Note what reached the citizen before: the Telegram webhook delivers at once."""
        citizen.reached_before = len(self.reached(citizen))
        with Session(self.runtime.engine) as session:
            citizen.sent_before = {
                i for i in citizen.queued if session.get_one(Message, i).status == "sent"
            }
        return citizen

    def reached(self, citizen: Citizen) -> list[str]:
        """Texts the providers accepted for the citizen so far, SMS and Telegram."""
        sms = [f["Body"][0] for f in self.twilio.created() if f["To"][0] == citizen.phone]
        return sms + [m["text"] for m in self.telegram.sent(citizen.chat_id)]


@pytest.fixture
def setup(
    database_url: str, twilio_api: TwilioApiFake, telegram_api: FakeTelegram
) -> Iterator[Setup]:
    """The app with Twilio and Telegram both on their fakes, at Monday 10:00."""
    settings = Settings(
        environment="test",
        database_url=database_url,
        channel="twilio",
        twilio_account_sid=twilio_api.account_sid,
        twilio_auth_token=SecretStr(twilio_api.auth_token),
        twilio_from="+4570203040",
        public_base_url=PUBLIC,
        twilio_api_base_url=twilio_api.base_url,
        twilio_mps=1000,
        telegram_bot_token=SecretStr(TOKEN),
        telegram_api_base_url=telegram_api.base_url,
        telegram_secret_token=SecretStr(SECRET),
    )
    clock = SimulatedClock(NOW)
    runtime = build_runtime(settings, clock=clock, migrate=False)
    try:
        with TestClient(create_app(runtime), raise_server_exceptions=False) as client:
            yield Setup(runtime, client, twilio_api, telegram_api, clock, twilio_api.auth_token)
    finally:
        runtime.channels["telegram"].close()  # type: ignore[attr-defined]
        runtime.engine.dispose()


def build(setup: Setup, count: int, *, telegram_first: bool = False) -> list[Citizen]:
    """Put `count` citizens in every state at once; the first is queued first."""
    with Session(setup.runtime.engine, expire_on_commit=False) as session:
        world = make_world(session, now=NOW - timedelta(days=30), slot_days=1)
        campaigns = [world.campaign, *(_campaign(session, world, n) for n in (2, 3, 4, 5))]
        for campaign in campaigns:
            # Paused: no new waves, while the conversations already open go on (and ticks stay
            # quick); the campaign with the invitation released for Thursday runs.
            campaign.channel, campaign.status = "twilio", "paused"
        campaigns[3].status = "running"
        session.flush()
        citizens = [_citizen(session, world, campaigns, n) for n in range(count)]
        for citizen in citizens:  # queued in this order: the first citizen's messages first
            for channel in ("telegram", "twilio") if telegram_first else ("twilio", "telegram"):
                citizen.queued.append(_queue(session, citizen, channel))
        session.commit()
    return citizens


def _campaign(session: Session, world: World, n: int) -> Campaign:
    campaign = Campaign(
        name=f"Kampagne {n}",
        municipality_id=world.municipality.id or 0,
        partner_id=world.partner.id or 0,
        sender="Roskilde Kommune",
        created_at=NOW - timedelta(days=30),
    )
    session.add(campaign)
    return campaign


def _citizen(session: Session, world: World, campaigns: list[Campaign], n: int) -> Citizen:
    """A citizen with a follow-up ahead, and booked (even `n`) or invited and unanswered (odd)."""
    attended_in, current_in = campaigns[0], campaigns[1 + n % 2]
    contact = Contact(
        public_id=f"o-{n:05d}",
        name="Karen Hansen",
        phone=f"+4523{n:06d}",
        birth_date=date(1972, 4, 2),
        municipality_id=world.municipality.id,
        created_at=NOW - timedelta(days=60),
        updated_at=NOW - timedelta(days=60),
    )
    session.add(contact)
    session.flush()
    assert contact.id is not None
    citizen = Citizen(contact.id, contact.phone, 7_000_000 + n, booked=n % 2 == 0)
    link_contact(session=session, contact_id=contact.id, chat_id=str(citizen.chat_id), now=NOW)
    # Attended three weeks ago, a further course agreed: the follow-up is due in ten days.
    done = _conversation(session, contact, attended_in, Step.CLOSED, NOW - timedelta(days=25))
    held = _at(-21, hour=13) + timedelta(minutes=n)
    past = _booking(session, world, done, held, "attended")
    session.add(FollowUp(booking_id=past, conversation_id=done.id or 0, due_at=_at(10)))
    if citizen.booked:  # the reminder is due the working day before the conversation
        booked = _conversation(session, contact, current_in, Step.BOOKED, NOW - timedelta(days=1))
        starts = _at(3, hour=13) + timedelta(minutes=n)
        coming = _booking(session, world, booked, starts, "booked")
        session.add(
            Reminder(
                kind=ReminderKind.BOOKING,
                conversation_id=booked.id or 0,
                booking_id=coming,
                due_at=_at(2),
            )
        )
    else:  # invited two days ago, no answer yet: the nudge is due tomorrow
        invited = _conversation(session, contact, current_in, Step.INVITED, NOW - timedelta(days=2))
        session.add(
            Reminder(kind=ReminderKind.INVITATION, conversation_id=invited.id or 0, due_at=_at(1))
        )
    # Invitations of two more campaigns: one released for Thursday, one still pending.
    released, pending = campaigns[3], campaigns[4]
    session.add_all(
        [
            Invitation(campaign_id=released.id or 0, contact_id=contact.id, due_at=_at(3)),
            Invitation(campaign_id=pending.id or 0, contact_id=contact.id, status="pending"),
        ]
    )
    return citizen


def _at(days: int, *, hour: int = 10) -> datetime:
    """A working-day time `days` from Monday 10:00 (Monday 23 November 2026)."""
    return (NOW + timedelta(days=days)).replace(hour=hour)


def _conversation(
    session: Session, contact: Contact, campaign: Campaign, step: Step, created: datetime
) -> Conversation:
    closed = step is Step.CLOSED
    reason = "attended" if closed else None
    conversation = Conversation(
        contact_id=contact.id or 0,
        campaign_id=campaign.id or 0,
        channel="twilio",
        state=ConversationState(step=step, close_reason=reason).to_json(),
        status=ConversationStatus.CLOSED if closed else ConversationStatus.OPEN,
        close_reason=reason,
        created_at=created,
    )
    session.add(conversation)
    session.flush()
    return conversation


def _booking(
    session: Session, world: World, conversation: Conversation, starts: datetime, status: str
) -> int:
    slot = Slot(
        location_id=world.location.id or 0,
        staff_member_id=world.staff.id or 0,
        starts_at=starts,
    )
    session.add(slot)
    session.flush()
    booking = Booking(
        slot_id=slot.id or 0,
        contact_id=conversation.contact_id,
        conversation_id=conversation.id or 0,
        status=BookingStatus(status),
        created_at=conversation.created_at,
    )
    session.add(booking)
    session.flush()
    return booking.id or 0


def _queue(session: Session, citizen: Citizen, channel: str) -> int:
    """A message waiting in the outbox for the citizen: an SMS, or on their Telegram chat."""
    return outbox.queue(
        session=session,
        channel=channel,
        address=citizen.phone if channel == "twilio" else str(citizen.chat_id),
        kind="info",
        trigger=Trigger.REPLY,
        text=f"Besked til {citizen.contact_id} via {channel}",
        now=NOW,
        contact_id=citizen.contact_id,
    )


def assert_all_withdrawn(setup: Setup, citizen: Citizen) -> None:
    """Right after the opt-out's transaction: opted out, nothing left waiting but a confirmation."""
    with Session(setup.runtime.engine) as session:
        contact_id = citizen.contact_id
        assert is_opted_out(session=session, contact_id=contact_id)
        messages = session.scalars(select(Message).where(col(Message.contact_id) == contact_id))
        waiting = [m.kind for m in messages if m.status in outbox.CLAIMABLE]
        assert set(waiting) <= set(outbox.OPT_OUT_SAFE_KINDS), waiting
        for queued in set(citizen.queued) - citizen.sent_before:
            assert session.get_one(Message, queued).status in (
                MessageStatus.CANCELLED,
                MessageStatus.FAILED,  # the message the provider refused
            )
        conversations = [
            c.id for c in session.scalars(select(Conversation).filter_by(contact_id=contact_id))
        ]
        rows = [
            *session.scalars(
                select(Reminder).where(col(Reminder.conversation_id).in_(conversations))
            ),
            *session.scalars(
                select(FollowUp).where(col(FollowUp.conversation_id).in_(conversations))
            ),
            *session.scalars(select(Invitation).filter_by(contact_id=contact_id)),
        ]
        assert len(rows) == 4 and {r.status for r in rows} == {DueStatus.CANCELLED}
        open_ = session.scalars(
            select(Conversation).filter_by(contact_id=contact_id, status=ConversationStatus.OPEN)
        ).all()
        assert open_ == []


def tick_for_days(setup: Setup) -> None:
    """Tick at 10:00 and 16:00 every day for two weeks: past every reminder and follow-up."""
    start = setup.clock.now().astimezone(COPENHAGEN).date()
    for day in range(DAYS + 1):
        for hour in TICK_HOURS:
            moment = local(start + timedelta(days=day), hour)
            if moment > setup.clock.now():
                setup.clock.set(moment)
                setup.runtime.ticker.tick()


def assert_bystanders_reached(setup: Setup, bystanders: list[Citizen]) -> None:
    """The ticks did send what was due: each bystander got each kind of message meant for them."""
    with Session(setup.runtime.engine) as session:
        for bystander in bystanders:
            sent = session.scalars(
                select(Message).where(
                    col(Message.contact_id) == bystander.contact_id,
                    col(Message.status) == MessageStatus.SENT,
                )
            ).all()
            due = "reminder" if bystander.booked else "invitation_reminder"
            assert {m.kind for m in sent} == {"info", due, "follow_up"}
            assert {m.channel for m in sent} == {"twilio", "telegram"}


CONFIRMATION = {
    booked: DEFAULT_FLOW.texts["opt_out_booked" if booked else "opt_out"]["da"].format(
        sender="Roskilde Kommune"
    )
    for booked in (True, False)
}


def assert_nothing_more(setup: Setup, citizen: Citizen, *, confirmed: bool) -> None:
    """Nothing reached the citizen after the opt-out but, for a STOP, its one confirmation."""
    reached = setup.reached(citizen)[citizen.reached_before :]
    assert reached == ([CONFIRMATION[citizen.booked]] if confirmed else []), reached


class TestStopWords:
    def test_every_variant_by_sms_stops_everything(self, setup: Setup) -> None:
        variants = stop_variants() * COPIES
        *citizens, booked, invited = build(setup, len(variants) + 2)
        for n, (citizen, text) in enumerate(zip(citizens, variants, strict=True)):
            assert setup.sms(citizen, text, n) == 200
            assert_all_withdrawn(setup, citizen)
        tick_for_days(setup)
        for citizen in citizens:
            assert_nothing_more(setup, citizen, confirmed=True)
        assert_bystanders_reached(setup, [booked, invited])
        print(
            f"\n{len(variants)} citizens writing STOP {len(stop_variants())} ways (the flow's "
            f"{len(DEFAULT_FLOW.keywords.stop)} stop words) by SMS, {DAYS} days ticked: "
            f"{len(variants)} opted out, {len(variants)} confirmations, 0 other messages"
        )

    @pytest.mark.parametrize("text", ["STOP", "/stop", "Afmeld mig"])
    def test_on_telegram_stops_sms_too(self, setup: Setup, text: str) -> None:
        *citizens, booked, invited = build(setup, 4)
        updates = Updates(setup.telegram)
        for citizen in citizens:
            setup.before_opt_out(citizen)
            assert post(setup.client, updates.text(citizen.chat_id, text)).status_code == 200
            assert_all_withdrawn(setup, citizen)
        tick_for_days(setup)
        for citizen in citizens:
            assert_nothing_more(setup, citizen, confirmed=True)
            assert setup.telegram.sent(citizen.chat_id)[-1]["text"] == CONFIRMATION[citizen.booked]
        assert_bystanders_reached(setup, [booked, invited])


class TestProviderSaysStop:
    def test_twilio_21610_when_sending(self, setup: Setup) -> None:
        *citizens, booked, invited = build(setup, 4)  # the citizens' SMS are claimed first
        refusal = TwilioError(21610, 400, "Attempt to send to unsubscribed recipient")
        setup.twilio.then(refusal, refusal)
        setup.deliver()
        self.check(setup, citizens, [booked, invited])

    def test_telegram_bot_blocked_update(self, setup: Setup) -> None:
        *citizens, booked, invited = build(setup, 4)
        updates = Updates(setup.telegram)
        for citizen in citizens:
            setup.before_opt_out(citizen)
            blocked = updates.membership(citizen.chat_id, status="kicked")
            assert post(setup.client, blocked).status_code == 200
        self.check(setup, citizens, [booked, invited])

    def test_telegram_403_when_sending(self, setup: Setup) -> None:
        *citizens, booked, invited = build(setup, 4, telegram_first=True)
        for citizen in citizens:
            setup.telegram.block(citizen.chat_id)  # blocked; Telegram's update never came
        setup.deliver()
        self.check(setup, citizens, [booked, invited])

    def check(self, setup: Setup, citizens: list[Citizen], bystanders: list[Citizen]) -> None:
        for citizen in citizens:
            assert_all_withdrawn(setup, citizen)
        tick_for_days(setup)
        for citizen in citizens:
            assert_nothing_more(setup, citizen, confirmed=False)
        assert_bystanders_reached(setup, bystanders)
        print(
            f"\n{len(citizens)} citizens, each with 2 queued messages and 4 due rows: "
            f"all withdrawn at once, {DAYS} days ticked, 0 messages reached them"
        )
