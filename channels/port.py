"""The one port every messaging channel implements; SDKs appear only in adapters."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class ChannelTemporaryError(Exception):
    """The provider could not take the message now; try again later."""


class ChannelPermanentError(Exception):
    """The provider will never take this message (bad number, blocked, opted out)."""

    def __init__(self, reason: str, *, opted_out: bool = False) -> None:
        super().__init__(reason)
        self.reason = reason
        self.opted_out = opted_out


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to deliver one message."""

    message_id: int  # our id: the idempotency key
    address: str
    text: str


@dataclass(frozen=True)
class Receipt:
    """The provider's acceptance of a message."""

    provider_id: str
    status: str = "sent"  # "sent", or "delivered" for channels that confirm at once


class Channel(Protocol):
    """Send messages through one provider."""

    name: str

    def send(self, message: OutgoingMessage) -> Receipt:
        """Hand the message to the provider, or raise a Channel*Error."""
        ...
