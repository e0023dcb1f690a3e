"""The composition root: build the engine, clock, channels and ticker from settings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import Engine

from bot.service import Dialogue
from channels.console import ConsoleChannel
from channels.port import Channel
from outreach.pseudonyms import Pseudonymizer
from recruitbot.settings import Settings
from scheduler.clock import Clock, SystemClock
from scheduler.ticker import Ticker
from scheduler.window import SendWindow
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

    def __post_init__(self) -> None:
        self.dialogue = Dialogue(window=self.window)
        self.ticker = Ticker(
            engine=self.engine,
            clock=self.clock,
            dialogue=self.dialogue,
            channels=self.channels,
            batch=self.settings.sender_batch,
        )

    @property
    def pseudonymizer(self) -> Pseudonymizer:
        return Pseudonymizer.from_settings(self.settings)


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
        channels=channels or {"console": ConsoleChannel()},
    )
