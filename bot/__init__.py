"""The screening dialogue: a pure engine, its texts, and the service that runs it."""

from bot.engine import step
from bot.flow import DEFAULT_FLOW, Flow, load_flow

__all__ = ["DEFAULT_FLOW", "Flow", "load_flow", "step"]
