"""A coordinator plays a citizen against a live campaign, in a sandbox: nothing of it stays.

The trial runs on a throw-away copy of the store (store.sandbox) with a simulated clock and
channels that only record: the campaign's real texts, slots and window rules answer, and time
can be moved on so that reminders and follow-ups come due; no citizen or staff member is reached.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlmodel import Session, col

from channels.port import Channel, OutgoingMessage, Receipt
from conversation.intake import receive_text
from conversation.service import start
from core.calendar import SendWindow
from core.clock import SimulatedClock
from core.settings import Settings
from outreach.targeting import exclusions
from outreach.windows import load_window
from recruitbot.runtime import Runtime
from store import conversations
from store.db import unit_of_work
from store.inbox_models import InboxItem
from store.models import Campaign, Contact, Membership, Message, StaffMember
from store.sandbox import sandbox_engine
from store.types import ConversationStatus

# Time moves on in steps this long inside the send window (outside it, to the next opening);
# each step runs the due jobs as a tick of the worker would.
STEP = timedelta(minutes=15)

REFUSALS = {
    "opted_out": "This number has said STOP; a trial never invites it. Try another number.",
    "in_conversation": "This number is in a conversation with a campaign; try another number.",
    "booked": "This number has booked a time; a trial never invites it. Try another number.",
    "recently_invited": (
        "This number was invited recently (or said NEJ); a trial does not invite it again. "
        "Try another number."
    ),
}


class NoCampaignError(Exception):
    """There is no campaign to try."""


class TrialRefusedError(Exception):
    """The number may not be used for a trial (it opted out, or is in a campaign)."""


@dataclass(frozen=True)
class Shown:
    """One thing the trial shows: what the citizen got, or what staff would have been sent."""

    at: datetime  # UTC
    who: str  # "citizen", "staff" or "inbox"
    text: str
    to: str = ""  # the staff member and route, for "staff" and "inbox"


@dataclass
class Recorder:
    """Channels that record every message instead of sending it: one for any channel name."""

    clock: SimulatedClock
    sent: list[tuple[datetime, str, OutgoingMessage]] = field(default_factory=list)

    def channels(self) -> Mapping[str, Channel]:
        return _AnyChannel(self)


@dataclass
class _Recording:
    name: str
    recorder: Recorder

    def send(self, message: OutgoingMessage) -> Receipt:
        self.recorder.sent.append((self.recorder.clock.now(), self.name, message))
        return Receipt(provider_id=f"trial-{message.message_id}", status="delivered")


class _AnyChannel(Mapping[str, Channel]):
    """Every channel the outbox names (console, twilio, telegram, sms …) is a recording one."""

    def __init__(self, recorder: Recorder) -> None:
        self._recorder = recorder
        self._made: dict[str, Channel] = {}

    def __getitem__(self, name: str) -> Channel:
        if name not in self._made:
            self._made[name] = _Recording(name=name, recorder=self._recorder)
        return self._made[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._made)

    def __len__(self) -> int:
        return len(self._made)


@contextmanager
def trial_runtime(settings: Settings, *, start_at: datetime) -> Iterator[tuple[Runtime, Recorder]]:
    """Wire the service on a copy of the store at `start_at`; the copy is gone afterwards."""
    clock = SimulatedClock(start_at)
    recorder = Recorder(clock=clock)
    with sandbox_engine(settings.database_url) as engine:
        window = SendWindow(
            start_hour=settings.send_window_start, end_hour=settings.send_window_end
        )
        yield (
            Runtime(
                settings=settings,
                engine=engine,
                clock=clock,
                window=window,
                channels=recorder.channels(),
            ),
            recorder,
        )


@dataclass
class ChatSession:
    """One trial conversation: the citizen writes, time moves on, the service answers."""

    runtime: Runtime
    recorder: Recorder
    phone: str
    campaign_id: int | None = None
    language: str | None = None  # "da" or "en"; None: the contact's own, Danish for a new one
    contact_id: int = 0
    public_id: str = ""
    channel: str = "console"
    # Messages the copy sent to other people while time moved on: counted, never shown.
    others: int = 0
    _seen: int = 0
    _inbox_seen: int = 0
    _counter: itertools.count[int] = field(default_factory=itertools.count)

    @property
    def clock(self) -> SimulatedClock:
        return self.recorder.clock

    def open(self) -> tuple[str, list[Shown]]:
        """Find or make the trial citizen and invite them; return the label and what was sent."""
        now = self.clock.now()
        with unit_of_work(self.runtime.engine) as session:
            campaign = self._campaign(session=session)
            contact = conversations.contact_by_phone(session=session, phone=self.phone)
            if contact is None:
                contact = self._trial_contact(session=session, campaign=campaign)
            else:
                self._check_may_invite(session=session, campaign=campaign, contact=contact)
            if self.language is not None:
                contact.language = self.language
            assert contact.id is not None
            self.contact_id, self.public_id, self.channel = (
                contact.id,
                contact.public_id,
                campaign.channel,
            )
            self._inbox_seen = self._inbox_count(session=session)
            start(
                session=session,
                dialogue=self.runtime.dialogue,
                contact=contact,
                campaign=campaign,
                now=now,
            )
            label = f"Campaign {campaign.id}: {campaign.name} (trial contact {contact.public_id})"
            window = load_window(session=session, campaign=campaign, base=self.runtime.window)
        shown = self._tick()
        if not any(s.who == "citizen" for s in shown):
            # Outside the campaign's hours the invitation waits, as it would for a real citizen:
            # the clock jumps to the next opening, where it goes out.
            self.clock.set(window.next_open(self.clock.now()))
            shown += self._tick()
        return label, shown

    def say(self, text: str) -> list[Shown]:
        """Write one message as the citizen; return what the service sent because of it."""
        now = self.clock.now()
        with unit_of_work(self.runtime.engine) as session:
            receive_text(
                session=session,
                dialogue=self.runtime.dialogue,
                channel=self.channel,
                address=self.phone,
                text=text,
                provider_id=f"trial-{now.timestamp()}-{next(self._counter)}",
                now=now,
            )
        self.runtime.replies(address=self.phone)
        return self._tick()

    def wait(self, delta: timedelta) -> list[Shown]:
        """Move time on by `delta`, running the due jobs every step; return what went out."""
        shown: list[Shown] = []
        end = self.clock.now() + delta
        window = self.runtime.window
        while self.clock.now() < end:
            now = self.clock.now()
            # Outside the service's hours nothing scheduled goes out: one step to the opening,
            # where a tick catches up with what came due in the night, as the worker would.
            step = STEP if window.is_open(now) else max(STEP, window.next_open(now) - now)
            self.clock.set(min(end, now + step))
            shown += self._tick()
        return shown

    def _tick(self) -> list[Shown]:
        self.runtime.ticker.tick()
        return self._new()

    def _new(self) -> list[Shown]:
        new = self.recorder.sent[self._seen :]
        self._seen = len(self.recorder.sent)
        shown: list[Shown] = []
        with Session(self.runtime.engine) as session:
            for at, channel, outgoing in new:
                item = self._describe(session=session, at=at, channel=channel, outgoing=outgoing)
                if item is None:
                    self.others += 1
                else:
                    shown.append(item)
            shown += self._new_inbox_items(session=session)
        return shown

    def _describe(
        self, *, session: Session, at: datetime, channel: str, outgoing: OutgoingMessage
    ) -> Shown | None:
        message = session.get(Message, outgoing.message_id)
        if outgoing.address == self.phone or (
            message is not None and message.contact_id == self.contact_id
        ):
            return Shown(at=at, who="citizen", text=outgoing.text)
        if message is None or message.staff_member_id is None:
            return None
        if self.public_id not in outgoing.text and self.phone not in outgoing.text:
            return None  # a notice about somebody else in the copy
        staff = session.get(StaffMember, message.staff_member_id)
        name = staff.name if staff is not None else f"staff {message.staff_member_id}"
        return Shown(at=at, who="staff", text=outgoing.text, to=f"{name}, by {channel}")

    def _inbox_count(self, *, session: Session) -> int:
        rows = session.scalars(
            select(col(InboxItem.id)).where(col(InboxItem.contact_id) == self.contact_id)
        )
        return len(list(rows))

    def _new_inbox_items(self, *, session: Session) -> list[Shown]:
        items = list(
            session.scalars(
                select(InboxItem)
                .where(col(InboxItem.contact_id) == self.contact_id)
                .order_by(col(InboxItem.id))
            )
        )
        new = items[self._inbox_seen :]
        self._inbox_seen = len(items)
        now = self.clock.now()
        return [Shown(at=now, who="inbox", text=item.text, to=item.kind) for item in new]

    def _campaign(self, *, session: Session) -> Campaign:
        if self.campaign_id is not None:
            campaign = session.get(Campaign, self.campaign_id)
            if campaign is None:
                raise NoCampaignError(f"no campaign with id {self.campaign_id}")
            return campaign
        latest = session.scalars(select(Campaign).order_by(col(Campaign.id).desc())).first()
        if latest is None:
            raise NoCampaignError("no campaign in this database; run `recruitbot demo` first")
        return latest

    def _check_may_invite(self, *, session: Session, campaign: Campaign, contact: Contact) -> None:
        """A known number is invited only if the campaign itself could invite it now."""
        for reason, condition in exclusions(campaign=campaign, now=self.clock.now()).items():
            hit = session.scalars(
                select(col(Contact.id)).where(col(Contact.id) == contact.id, condition)
            ).first()
            if hit is not None:
                raise TrialRefusedError(REFUSALS[reason])
        current = conversations.current_conversation(session=session, contact_id=contact.id or 0)
        if current is not None and current.status == ConversationStatus.OPEN:
            raise TrialRefusedError(REFUSALS["in_conversation"])

    def _trial_contact(self, *, session: Session, campaign: Campaign) -> Contact:
        now = self.clock.now()
        middle = (campaign.age_min + campaign.age_max) // 2
        today = self.runtime.window.local(now).date()
        contact = Contact(
            public_id=self.runtime.pseudonymizer.contact_id(self.phone),
            name="Prøveborger",
            phone=self.phone,
            birth_date=date(today.year - middle, 1, 15),
            municipality_id=campaign.municipality_id,
            created_at=now,
            updated_at=now,
        )
        session.add(contact)
        session.flush()
        assert contact.id is not None
        session.add(
            Membership(contact_id=contact.id, partner_id=campaign.partner_id, created_at=now)
        )
        return contact
