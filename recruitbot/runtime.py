"""The composition root: build the engine, clock, channels and ticker from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import Engine

from channels.console import ConsoleChannel
from channels.port import Channel
from channels.telegram import TelegramChannel, TelegramConfig
from channels.twilio import TwilioChannel, TwilioConfig
from conversation.jobs import DialogueJobs
from conversation.service import Dialogue
from core.calendar import SendWindow
from core.clock import Clock, SystemClock
from core.pseudonyms import Pseudonymizer
from core.settings import Settings
from delivery.courier import ReplyCourier
from delivery.sender import LEASE, Replies, Sender
from inbox.jobs import InboxJob
from outreach.caps import CampaignCaps
from outreach.pacing import Waves
from privacy.retention import RetentionJob
from scheduler.ticker import DailyJob, Ticker
from store.db import make_engine
from store.migrate import upgrade


@dataclass
class Runtime:
    """Everything a command, the app or the demo needs, wired once."""

    settings: Settings
    engine: Engine
    clock: Clock
    window: SendWindow
    channels: Mapping[str, Channel]
    dialogue: Dialogue = field(init=False)
    ticker: Ticker = field(init=False)
    replies: Replies = field(init=False)
    courier: ReplyCourier = field(init=False)  # sends `replies` in its own threads, for webhooks

    def __post_init__(self) -> None:
        # A bot is named in invitations only when it runs: a token and a user name are set.
        bot = self.settings.telegram_bot_username if self.settings.telegram_bot_token else ""
        self.dialogue = Dialogue(window=self.window, telegram_bot=bot)
        self.ticker = build_ticker(
            engine=self.engine,
            clock=self.clock,
            dialogue=self.dialogue,
            channels=self.channels,
            batch=self.settings.sender_batch,
            lease=timedelta(seconds=self.settings.sender_lease_seconds),
            daily_jobs=(
                RetentionJob(days=self.settings.retention_days, pseudonymizer=self.pseudonymizer),
            ),
        )
        self.replies = Replies(
            engine=self.engine,
            channels=self.channels,
            window=self.window,
            clock=self.clock,
            lease=timedelta(seconds=self.settings.sender_lease_seconds),
        )
        self.courier = ReplyCourier(send=self.replies)

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_settings(self.settings)

    @property
    def campaign_caps(self) -> CampaignCaps:
        return CampaignCaps(
            max_recipients=self.settings.campaign_max_recipients,
            max_cost_dkk=self.settings.campaign_max_cost_dkk,
            price_per_segment=self.settings.sms_segment_price_dkk,
        )


def build_ticker(
    *,
    engine: Engine,
    clock: Clock,
    dialogue: Dialogue,
    channels: Mapping[str, Channel],
    batch: int = 200,
    lease: timedelta = LEASE,
    daily_jobs: tuple[DailyJob, ...] = (),
) -> Ticker:
    """Give the ticker the jobs the slices declare: waves, the dialogue's due work, the sender."""
    jobs = DialogueJobs(dialogue)
    return Ticker(
        engine=engine,
        clock=clock,
        release=Waves(window=dialogue.window),
        invitations=jobs.invitations,
        reminders=jobs.reminders,
        follow_ups=jobs.follow_ups,
        waitlist=jobs.waitlist,
        deliver=Sender(channels=channels, window=dialogue.window, lease=lease),
        batch=batch,
        daily_jobs=daily_jobs,
        more_jobs=(InboxJob(window=dialogue.window),),
    )


def build_runtime(
    settings: Settings,
    *,
    clock: Clock | None = None,
    channels: Mapping[str, Channel] | None = None,
    migrate: bool = True,
) -> Runtime:
    """Wire the service; migrations run at start unless told otherwise."""
    engine = make_engine(settings.database_url)
    if migrate:
        upgrade(engine)
    window = SendWindow(start_hour=settings.send_window_start, end_hour=settings.send_window_end)
    return Runtime(
        settings=settings,
        engine=engine,
        clock=clock or SystemClock(),
        window=window,
        channels=channels or default_channels(settings),
    )


def default_channels(settings: Settings) -> dict[str, Channel]:
    """The console channel always (staff, demo); Twilio when settings choose it."""
    channels: dict[str, Channel] = {"console": ConsoleChannel()}
    if settings.channel == "twilio":
        channels["twilio"] = TwilioChannel(twilio_config(settings))
    if settings.telegram_bot_token is not None:
        channels["telegram"] = TelegramChannel(telegram_config(settings))
    return channels


def twilio_config(settings: Settings) -> TwilioConfig:
    """Read the Twilio account and this service's public address from settings."""
    token = settings.twilio_auth_token
    return TwilioConfig(
        account_sid=settings.twilio_account_sid or "",
        auth_token=token.get_secret_value() if token is not None else "",
        from_=settings.twilio_from,
        messaging_service_sid=settings.twilio_messaging_service_sid,
        public_base_url=settings.public_base_url,
        api_base_url=settings.twilio_api_base_url,
        mps=settings.twilio_mps,
        validity_period=settings.twilio_validity_period,
    )


def telegram_config(settings: Settings) -> TelegramConfig:
    """Read the bot's token and the Bot API's address from settings."""
    token = settings.telegram_bot_token
    return TelegramConfig(
        token=token.get_secret_value() if token is not None else "",
        api_base_url=settings.telegram_api_base_url,
    )
