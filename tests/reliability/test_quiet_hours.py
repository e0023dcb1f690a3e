"""Quiet hours at the provider: no scheduled message reaches a channel outside its window, ever.

A hypothesis property over random start times (biased to Danish holidays, Christmas, weekends
and the two DST changes), random service windows, campaign hours and blackouts, and a queue of
scheduled messages (of a campaign or of none) and replies, some of which meet a temporary
error first. The real ticker (`Ticker.tick`, so the real `send_batch`) runs on a
`SimulatedClock` stepping through time and hands messages to a recording channel.

The oracle is written out here, independently of `SendWindow`: a working day (not a weekend,
not a DK public or customary holiday, not a blackout) and a local hour inside both the
service's and the campaign's hours. Asserted:

* every scheduled message the channel receives arrives inside its window, and the ValidityPeriod
  it carries ends no later than the window does (every minute of it is inside the window);
* nothing is starved: each message goes at the first tick at which it is due and (scheduled)
  its window is open for at least the sender's minimum validity; a reply at the first tick at
  which it is due, at any hour.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine, delete
from sqlmodel import Session, SQLModel

from channels.port import ChannelTemporaryError, OutgoingMessage, Receipt
from core.calendar import COPENHAGEN, SendWindow
from core.clock import SimulatedClock
from delivery.sender import MIN_VALIDITY, backoff, send_batch
from store import outbox
from store.models import Campaign, CampaignBlackout, Contact, Conversation
from store.types import Trigger
from tests.factories import make_world
from tests.reliability import size

BATCH = 3  # small, so that a tick takes several batches
YEARS = range(2026, 2031)
HOLIDAYS = holidays.country_holidays("DK", years=YEARS, categories=("public", "optional"))


def _last_sunday(year: int, month: int) -> date:
    day = date(year, month, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


DST_CHANGES = [_last_sunday(y, m) for y in YEARS for m in (3, 10)]
CHRISTMAS = [date(y, 12, 23) for y in YEARS]
SPECIAL = sorted([*HOLIDAYS, *DST_CHANGES, *CHRISTMAS])

days = st.one_of(
    st.dates(min_value=date(2026, 1, 1), max_value=date(2030, 12, 20)),
    st.builds(lambda d, k: d + timedelta(days=k), st.sampled_from(SPECIAL), st.integers(-2, 1)),
)
starts = st.builds(
    lambda day, second: datetime.combine(day, time(0), COPENHAGEN) + timedelta(seconds=second),
    days,
    st.integers(0, 24 * 3600 - 1),
)


@st.composite
def service_hours(draw: st.DrawFn) -> tuple[int, int]:
    start = draw(st.integers(0, 23))
    return start, draw(st.integers(start + 1, 24))


@st.composite
def campaign_hours(draw: st.DrawFn, service: tuple[int, int]) -> tuple[int, int]:
    """Hours that overlap the service's (a campaign without any cannot be launched)."""
    start = draw(st.integers(0, service[1] - 1))
    return start, draw(st.integers(max(start, service[0]) + 1, 24))


blackouts = st.lists(
    st.tuples(st.integers(-1, 6), st.integers(0, 6)).map(lambda b: (b[0], b[0] + b[1])),
    max_size=2,
)


@dataclass(frozen=True)
class Queued:
    """One message of the scenario: whose it is, when it falls due, whether it fails once."""

    owner: int | None  # a campaign's index; None: a scheduled message of no campaign
    reply: bool
    due: timedelta  # after midnight of the start's day, local wall time
    fails_once: bool


@st.composite
def queued(draw: st.DrawFn, ends: list[int]) -> Queued:
    """A message falling due at any time, often in the last two minutes of some window."""
    day = draw(st.integers(0, 2))
    if draw(st.booleans()):
        due = timedelta(
            days=day, hours=draw(st.sampled_from(ends)), seconds=-draw(st.integers(1, 120))
        )
    else:
        due = timedelta(days=day, seconds=draw(st.integers(0, 24 * 3600 - 1)))
    return Queued(
        owner=draw(st.one_of(st.none(), st.integers(0, 1))),
        reply=draw(st.booleans()),
        due=due,
        fails_once=draw(st.booleans()),
    )


@st.composite
def scenarios(draw: st.DrawFn) -> dict[str, object]:
    service = draw(service_hours())
    campaigns = draw(
        st.lists(st.tuples(campaign_hours(service), blackouts), min_size=2, max_size=2)
    )
    ends = [service[1], *(min(own[1], service[1]) for own, _ in campaigns)]
    return {
        "start": draw(starts),
        "service": service,
        "campaigns": campaigns,
        "messages": draw(st.lists(queued(ends), min_size=1, max_size=10)),
        "step": timedelta(minutes=draw(st.integers(20, 150))),
    }


@dataclass
class RecordingChannel:
    """Take every message as a provider would; refuse some once with a temporary error."""

    clock: SimulatedClock
    fail_once: set[int]
    name: str = "console"
    received: list[tuple[datetime, OutgoingMessage]] = field(default_factory=list)
    refused: list[tuple[datetime, int]] = field(default_factory=list)

    def send(self, message: OutgoingMessage) -> Receipt:
        if message.message_id in self.fail_once:
            self.fail_once.discard(message.message_id)
            self.refused.append((self.clock.now(), message.message_id))
            raise ChannelTemporaryError("the provider is busy")
        self.received.append((self.clock.now(), message))
        return Receipt(provider_id=f"rec-{message.message_id}")


@dataclass(frozen=True)
class Hours:
    """The oracle's own idea of a window: hours, working days, blackouts."""

    start: int
    end: int
    blackout_days: frozenset[date] = frozenset()

    def is_open(self, at: datetime) -> bool:
        local = at.astimezone(COPENHAGEN)
        day = local.date()
        working = day.weekday() < 5 and day not in HOLIDAYS and day not in self.blackout_days
        return working and self.start <= local.hour < self.end

    def covers(self, at: datetime, seconds: int) -> bool:
        """Tell whether every minute from `at` up to `seconds` later is inside the window."""
        points = [at + timedelta(seconds=s) for s in range(0, seconds, 60)]
        return all(self.is_open(p) for p in [*points, at + timedelta(seconds=seconds - 1)])

    def sendable(self, at: datetime) -> bool:
        return self.is_open(at) and self.is_open(at + MIN_VALIDITY - timedelta(microseconds=1))


def _both(service: Hours, own: Hours) -> Hours:
    start, end = max(service.start, own.start), min(service.end, own.end)
    return Hours(start, end, own.blackout_days)


class TestQuietHoursAtTheProvider:
    def test_no_scheduled_message_reaches_the_channel_outside_its_window(
        self, engine: Engine
    ) -> None:
        # Each example ticks through days of simulated time: fewer on PostgreSQL, whose
        # transactions cost more; the logic under test is the same on both.
        postgres = engine.dialect.name == "postgresql"

        @settings(
            max_examples=size(5, 150) if postgres else size(25, 1000),
            deadline=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(scenario=scenarios())
        def check(scenario: dict[str, Any]) -> None:
            try:
                _run(engine, **scenario)
            finally:
                _empty(engine)

        check()

    def test_a_late_claim_waits_for_the_next_window(self, engine: Engine) -> None:
        """With 30 seconds of the window left, a scheduled message waits for the next day."""
        friday = datetime(2027, 6, 4, 17, 59, 30, tzinfo=COPENHAGEN)
        try:
            sent = _run(
                engine,
                start=friday,
                service=(9, 18),
                campaigns=[((9, 18), []), ((10, 15), [])],
                messages=[Queued(owner=0, reply=False, due=timedelta(0), fails_once=False)],
                step=timedelta(minutes=30),
            )
            monday = datetime(2027, 6, 7, 9, 0, tzinfo=COPENHAGEN)
            [(at, message)] = sent
            assert at == monday.astimezone(UTC)
            assert message.expires_in == 9 * 3600
        finally:
            _empty(engine)

    def test_the_validity_ends_with_the_campaigns_own_hours(self, engine: Engine) -> None:
        """A campaign sending 10-15 gives its invitation at 14:00 one hour, not four."""
        wednesday = datetime(2027, 6, 2, 14, 0, tzinfo=COPENHAGEN)
        try:
            [(_, message)] = _run(
                engine,
                start=wednesday,
                service=(9, 18),
                campaigns=[((9, 18), []), ((10, 15), [])],
                messages=[Queued(owner=1, reply=False, due=timedelta(0), fails_once=False)],
                step=timedelta(minutes=30),
            )
            assert message.expires_in == 3600
        finally:
            _empty(engine)


def _run(
    engine: Engine,
    *,
    start: datetime,
    service: tuple[int, int],
    campaigns: list[tuple[tuple[int, int], list[tuple[int, int]]]],
    messages: list[Queued],
    step: timedelta,
) -> list[tuple[datetime, OutgoingMessage]]:
    """Queue the scenario, tick through it, check every send; return what the channel got."""
    clock = SimulatedClock(start)
    window = SendWindow(start_hour=service[0], end_hour=service[1])
    base = Hours(*service)
    owners, ids = _queue(engine, start=start, campaigns=campaigns, messages=messages)
    hours = {
        index: _both(base, Hours(own[0], own[1], _days(start, periods)))
        for index, (own, periods) in enumerate(campaigns)
    }
    windows = [*hours.values(), base]
    channel = RecordingChannel(
        clock, {i for i, m in zip(ids, messages, strict=True) if m.fails_once}
    )
    ticks: list[datetime] = []
    while len(channel.received) < len(ids):
        assert len(ticks) < 5000, "the scenario does not end: something is starved"
        ticks.append(clock.now())
        _tick(engine, window, channel, clock.now())
        clock.set(_next_tick(clock.now(), step, windows, _replies_waiting(channel, owners, ids)))
    by_id = {message.message_id: (at, message) for at, message in channel.received}
    assert len(by_id) == len(ids), "a message reached the channel twice"
    for message_id, spec in zip(ids, messages, strict=True):
        at, sent = by_id[message_id]
        own = _window_of(spec, hours, base)
        _check_send(at=at, sent=sent, own=own)
        ready = _due_at(start, spec)
        refused = [t for t, i in channel.refused if i == message_id]
        if refused:
            assert refused[0] == _first_tick(ticks, ready, own)
            ready = refused[0] + backoff(1)
        assert at == _first_tick(ticks, ready, own), "sent later than its first chance"
    return channel.received


def _due_at(start: datetime, spec: Queued) -> datetime:
    midnight = datetime.combine(start.astimezone(COPENHAGEN).date(), time(0), COPENHAGEN)
    return max(start, (midnight + spec.due).astimezone(UTC))


def _tick(engine: Engine, window: SendWindow, channel: RecordingChannel, now: datetime) -> None:
    """Run the sender as the ticker does: batches until one comes back short."""
    while True:
        report = send_batch(
            engine=engine, channels={"console": channel}, window=window, now=now, limit=BATCH
        )
        if report.sent + report.errored + report.failed < BATCH:
            return


def _window_of(spec: Queued, hours: dict[int, Hours], base: Hours) -> Hours | None:
    """Return the window a message must keep to: its campaign's, the service's, or none."""
    if spec.reply:
        return None
    return base if spec.owner is None else hours[spec.owner]


def _check_send(*, at: datetime, sent: OutgoingMessage, own: Hours | None) -> None:
    if own is None:  # a reply: any hour, the provider's own validity
        assert sent.expires_in is None
        return
    assert own.is_open(at), f"a scheduled message went at {at.astimezone(COPENHAGEN)}"
    assert sent.expires_in is not None and sent.expires_in >= MIN_VALIDITY.total_seconds()
    assert own.covers(at, sent.expires_in), "its ValidityPeriod outlasts the window"


def _first_tick(ticks: list[datetime], ready: datetime, own: Hours | None) -> datetime:
    """Return the first tick at which a message ready at `ready` may go."""
    return next(t for t in ticks if t >= ready and (own is None or own.sendable(t)))


def _next_tick(
    now: datetime, step: timedelta, windows: list[Hours], replies_waiting: bool
) -> datetime:
    """Step on; never step over a window's opening, nor its last minutes; hurry through nights.

    The ticks 90 and 30 seconds before a window closes probe the sender's minimum validity.
    """
    later = now + step
    openings = [_opening_after(now, w) for w in windows]
    if not replies_waiting and not any(w.is_open(now) for w in windows):
        return min(openings)
    closings = [_closing_of(now, w) for w in windows if w.is_open(now)]
    late = [c - timedelta(seconds=s) for c in closings for s in (90, 30)]
    return min([later, *openings, *(t for t in late if t > now)])


def _opening_after(now: datetime, hours: Hours) -> datetime:
    """Return the first minute after `now` at which the window opens (or `now` + 60 days)."""
    local = now.astimezone(COPENHAGEN)
    for offset in range(60):
        day = local.date() + timedelta(days=offset)
        opening = datetime.combine(day, time(hours.start), COPENHAGEN)
        if opening > now and hours.is_open(opening):
            return opening.astimezone(UTC)
    return now + timedelta(days=60)


def _closing_of(now: datetime, hours: Hours) -> datetime:
    """Return when today's hours of an open window end."""
    midnight = datetime.combine(now.astimezone(COPENHAGEN).date(), time(0), COPENHAGEN)
    return (midnight + timedelta(hours=hours.end)).astimezone(UTC)


def _replies_waiting(
    channel: RecordingChannel, owners: list[tuple[int | None, bool]], ids: list[int]
) -> bool:
    sent = {message.message_id for _, message in channel.received}
    return any(reply and i not in sent for i, (_, reply) in zip(ids, owners, strict=True))


def _days(start: datetime, periods: list[tuple[int, int]]) -> frozenset[date]:
    first = start.astimezone(COPENHAGEN).date()
    return frozenset(first + timedelta(days=n) for a, b in periods for n in range(a, b + 1))


def _queue(
    engine: Engine,
    *,
    start: datetime,
    campaigns: list[tuple[tuple[int, int], list[tuple[int, int]]]],
    messages: list[Queued],
) -> tuple[list[tuple[int | None, bool]], list[int]]:
    """Write two campaigns with a conversation each, and the queue; return the message ids."""
    with Session(engine, expire_on_commit=False) as session:
        world = make_world(session, now=start, slot_days=0)
        conversations = []
        for index, (own, periods) in enumerate(campaigns):
            campaign = world.campaign if index == 0 else _another(session, world.campaign)
            campaign.window_start_hour, campaign.window_end_hour = own
            assert campaign.id is not None
            first = start.astimezone(COPENHAGEN).date()
            session.add_all(
                CampaignBlackout(
                    campaign_id=campaign.id,
                    first_day=first + timedelta(days=a),
                    last_day=first + timedelta(days=b),
                )
                for a, b in periods
            )
            conversations.append(_conversation(session, campaign, index))
        queued: list[int] = []
        for spec in messages:
            owner = conversations[spec.owner if spec.owner is not None else 0]
            conversation = None if spec.owner is None and not spec.reply else owner
            queued.append(
                outbox.queue(
                    session=session,
                    channel="console",
                    address="+4520000001",
                    kind="reply" if spec.reply else "invitation",
                    trigger=Trigger.REPLY if spec.reply else Trigger.SCHEDULED,
                    text="Hej",
                    now=_due_at(start, spec),
                    conversation_id=conversation.id if conversation else None,
                )
            )
        session.commit()
        ids = list(queued)
    return [(m.owner, m.reply) for m in messages], ids


def _another(session: Session, like: Campaign) -> Campaign:
    campaign = Campaign(
        name="Another",
        municipality_id=like.municipality_id,
        partner_id=like.partner_id,
        sender=like.sender,
        created_at=like.created_at,
    )
    session.add(campaign)
    session.flush()
    return campaign


def _conversation(session: Session, campaign: Campaign, index: int) -> Conversation:
    contact = Contact(
        public_id=f"c-quiet-{index}",
        phone=f"+452000000{index}",
        created_at=campaign.created_at,
        updated_at=campaign.created_at,
    )
    session.add(contact)
    session.flush()
    conversation = Conversation(
        contact_id=contact.id or 0,
        campaign_id=campaign.id or 0,
        channel="console",
        state="{}",
        created_at=campaign.created_at,
    )
    session.add(conversation)
    session.flush()
    return conversation


def _empty(engine: Engine) -> None:
    """Delete every row, so the next example starts from an empty store."""
    with Session(engine) as session:
        for table in reversed(SQLModel.metadata.sorted_tables):
            session.execute(delete(table))
        session.commit()
