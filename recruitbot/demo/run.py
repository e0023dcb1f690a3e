"""Run a whole campaign on a simulated clock, from invitation to follow-up."""

from __future__ import annotations

import heapq
import os
import random
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlmodel import Session, col

from booking import waitlist
from booking.outcomes import record_outcome
from bot.types import ConversationState
from channels.console import ConsoleChannel
from core.clock import SimulatedClock
from core.settings import Settings
from monitoring.experiment_schemas import ExperimentReport
from outreach.campaigns import launch
from outreach.contacts import PartnerOwner, import_members, read_member_file
from outreach.synthetic import write_member_csv
from recruitbot.demo import citizens, exports, inbox_staff, scenario, staff
from recruitbot.runtime import Runtime, build_runtime
from store import outbox
from store.db import unit_of_work
from store.models import Booking, Conversation, Invitation, Message, Slot
from store.types import BookingStatus, MessageStatus

STEP = timedelta(minutes=10)
DELIVERY_RATE = 0.97  # share of accepted SMS the handset confirms; a parameter, not a finding


@dataclass
class DemoOptions:
    contacts: int = 500
    days: int = 45
    seed: int = 1
    out: Path = Path("var/demo")
    daily_limit: int = 40
    paced: bool = True  # size each day's wave by the free slots (outreach.pacing)
    slot_weeks: int = scenario.SLOT_WEEKS  # weeks of slots the world starts with
    start: datetime | None = None  # default: 08:00 on the next working day
    behaviour: citizens.Behaviour = field(default_factory=citizens.Behaviour)
    staff_behaviour: staff.StaffBehaviour = field(default_factory=staff.StaffBehaviour)


@dataclass
class DemoResult:
    funnel: dict[str, int]
    imported: dict[str, object]
    invitations_scheduled: int
    out: Path
    refill: dict[str, int] = field(default_factory=dict)  # freed times and the waitlist
    database_url: str = ""  # the store the run filled, for `demo --serve`
    experiment: ExperimentReport | None = None  # the two invitations compared
    finished_at: datetime | None = None  # the simulated clock's last moment
    inbox: str = ""  # what the simulated staff did in the inbox


def run_demo(options: DemoOptions, settings: Settings) -> DemoResult:
    """Set up the world, import members, launch, simulate `days` days, write the outputs."""
    options.out.mkdir(parents=True, exist_ok=True)
    settings = settings.model_copy(update={"database_url": _database_url(options.out)})
    channel = ConsoleChannel()
    probe = build_runtime(settings, channels={"console": channel}, migrate=False)
    start = options.start or datetime.combine(
        next(probe.window.working_days(datetime.now(probe.window.tz).date() + timedelta(days=1))),
        time(8, 0),
        probe.window.tz,
    )
    clock = SimulatedClock(start)
    runtime = build_runtime(settings, clock=clock, channels={"console": channel})
    rng = random.Random(options.seed)
    members = options.out / "members.csv"
    write_member_csv(members, count=options.contacts, seed=options.seed, today=start.date())
    with unit_of_work(runtime.engine) as session:
        world = scenario.build_world(
            session=session,
            window=runtime.window,
            first_day=start.date(),
            slot_weeks=options.slot_weeks,
        )
        report = import_members(
            session=session,
            rows=read_member_file(members),
            partner_name=scenario.PARTNER,
            pseudonymizer=runtime.pseudonymizer,
            now=clock.now(),
            # The demo's union is Roskilde's partner, as an import on the server must say.
            owner=PartnerOwner(municipality=scenario.MUNICIPALITY),
        )
        campaign = scenario.create_campaign(
            session=session,
            world=world,
            now=clock.now(),
            daily_limit=options.daily_limit,
            paced=options.paced,
            variant_seed=options.seed,
        )
        launched = launch(
            session=session,
            campaign=campaign,
            now=clock.now(),
            window=runtime.window,
            caps=runtime.campaign_caps,
            flow=runtime.dialogue.flow,
        )
        campaign_id = campaign.id
    assert campaign_id is not None
    simulation = Simulation(runtime, channel, clock, rng, options)
    simulation.run(until=start + timedelta(days=options.days))
    with unit_of_work(runtime.engine) as session:
        funnel = exports.write_all(
            session=session,
            out=options.out,
            campaign_id=campaign_id,
            tz=runtime.window.tz,
            now=clock.now(),
        )
        experiment = exports.write_experiment(
            session=session, path=options.out / "experiment.json", campaign_id=campaign_id
        )
        refill = waitlist.refill(session=session).as_dict()
    runtime.engine.dispose()
    return DemoResult(
        funnel=funnel,
        imported=report.as_dict(),
        invitations_scheduled=launched.invitations,
        out=options.out,
        refill=refill,
        database_url=settings.database_url,
        finished_at=clock.now(),
        experiment=experiment,
        inbox=simulation.inbox.summary(),
    )


def _database_url(out: Path) -> str:
    """Use RECRUITBOT_DATABASE_URL when set, else a fresh SQLite file under the output folder."""
    if os.environ.get("RECRUITBOT_DATABASE_URL"):
        return os.environ["RECRUITBOT_DATABASE_URL"]
    path = out / "demo.db"
    for stale in (path, path.with_suffix(".db-wal"), path.with_suffix(".db-shm")):
        stale.unlink(missing_ok=True)
    return f"sqlite:///{path}"


class Simulation:
    """The loop: deliver due answers, tick, react to what was sent, let staff record outcomes."""

    def __init__(
        self,
        runtime: Runtime,
        channel: ConsoleChannel,
        clock: SimulatedClock,
        rng: random.Random,
        options: DemoOptions,
    ) -> None:
        self.runtime, self.channel, self.clock, self.rng = runtime, channel, clock, rng
        self.behaviour, self.staff_behaviour = options.behaviour, options.staff_behaviour
        self.people: dict[str, citizens.Citizen] = {}
        self.replies: list[tuple[datetime, int, str, str]] = []
        self.seen = 0
        self.sequence = 0
        self.inbox = inbox_staff.InboxWork()

    def run(self, *, until: datetime) -> None:
        while self.clock.now() < until:
            self._deliver_replies()
            self.runtime.ticker.tick()
            self._react_to_sent()
            self._record_outcomes()
            self._work_inbox()
            self._advance()

    def _deliver_replies(self) -> None:
        from conversation.intake import receive_text

        while self.replies and self.replies[0][0] <= self.clock.now():
            _, sequence, phone, text = heapq.heappop(self.replies)
            with unit_of_work(self.runtime.engine) as session:
                receive_text(
                    session=session,
                    dialogue=self.runtime.dialogue,
                    channel="console",
                    address=phone,
                    text=text,
                    provider_id=f"sim-{sequence}",
                    now=self.clock.now(),
                )
            self.runtime.ticker.tick()
            self._react_to_sent()

    def _react_to_sent(self) -> None:
        fresh = self.channel.sent[self.seen :]
        self.seen = len(self.channel.sent)
        if not fresh:
            return
        with unit_of_work(self.runtime.engine) as session:
            for outgoing in fresh:
                message = session.get_one(Message, outgoing.message_id)
                delivered = self.rng.random() < DELIVERY_RATE
                status = MessageStatus.DELIVERED if delivered else MessageStatus.UNDELIVERED
                outbox.advance_status(
                    session=session, message=message, status=status, now=self.clock.now()
                )
                if message.conversation_id is None or not delivered:
                    continue
                conversation = session.get_one(Conversation, message.conversation_id)
                known = message.address in self.people
                variant = None if known else _variant_of(session, conversation)
                self._plan_answer(message, conversation, variant)

    def _plan_answer(
        self, message: Message, conversation: Conversation, variant: str | None
    ) -> None:
        person = self.people.get(message.address)
        if person is None:
            person = citizens.make_citizen(message.address, self.rng, self.behaviour, variant)
            self.people[message.address] = person
        step = ConversationState.from_json(conversation.state).step
        text = citizens.answer(person, message.kind, step, self.rng, self.behaviour)
        if text is None:
            return
        self.sequence += 1
        when = self.clock.now() + citizens.delay(self.rng)
        heapq.heappush(self.replies, (when, self.sequence, message.address, text))

    def _record_outcomes(self) -> None:
        now = self.clock.now()
        if not self.runtime.window.is_open(now):
            return
        with unit_of_work(self.runtime.engine) as session:
            held = session.scalars(
                select(Booking)
                .join(Slot, col(Slot.id) == col(Booking.slot_id))
                .where(
                    col(Booking.status) == BookingStatus.BOOKED,
                    col(Slot.starts_at) <= now - timedelta(hours=1),
                )
            ).all()
            for booking in held:
                assert booking.id is not None
                outcome = staff.draw_outcome(self.rng, self.staff_behaviour)
                record_outcome(
                    session=session,
                    dialogue=self.runtime.dialogue,
                    booking_id=booking.id,
                    outcome=outcome,
                    now=now,
                )

    def _work_inbox(self) -> None:
        now = self.clock.now()
        if not inbox_staff.due_round(now, window=self.runtime.window, last=self.inbox.last_round):
            return
        with unit_of_work(self.runtime.engine) as session:
            inbox_staff.work_inbox(session=session, now=now, work=self.inbox)

    def _advance(self) -> None:
        now = self.clock.now()
        if self.runtime.window.is_open(now):
            self.clock.advance(STEP)
            return
        target = self.runtime.window.next_open(now)
        if self.replies:
            target = min(target, self.replies[0][0])
        self.clock.set(max(target, now + timedelta(seconds=1)))


def _variant_of(session: Session, conversation: Conversation) -> str | None:
    """Return the variant the conversation's invitation was assigned (None: no experiment)."""
    return session.scalar(
        select(col(Invitation.variant)).where(col(Invitation.conversation_id) == conversation.id)
    )
