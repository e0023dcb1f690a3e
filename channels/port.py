"""The one port every messaging channel implements; SDKs appear only in adapters."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, runtime_checkable

Button = tuple[str, str]  # (label, callback data); data that is an http(s) URL makes a link
Buttons = tuple[tuple[Button, ...], ...]  # rows of buttons under a message


class ChannelTemporaryError(Exception):
    """The provider could not take the message now; try again later."""


class ChannelPermanentError(Exception):
    """The provider will never take this message (bad number, blocked, opted out)."""

    def __init__(
        self,
        reason: str,
        *,
        opted_out: bool = False,
        unreachable: bool = False,
        channel_only: bool = False,
    ) -> None:
        super().__init__(reason)
        self.reason = reason
        self.opted_out = opted_out
        # The opt-out holds for this channel only (a Telegram chat that is gone): the sender
        # records it with the message's channel, and the person may still get SMS.
        self.channel_only = channel_only
        # The number exists on paper but no handset takes messages there (Twilio 30003–30006).
        self.unreachable = unreachable


@dataclass(frozen=True)
class OutgoingMessage:
    """What a channel needs to deliver one message."""

    message_id: int  # our id: the idempotency key
    address: str
    text: str
    # Rows of buttons under the text (Telegram's inline keyboard); other channels ignore them.
    buttons: Buttons = ()
    # Seconds the provider may keep trying; a scheduled message must not arrive after its window.
    expires_in: int | None = None


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


@runtime_checkable
class Settling(Protocol):
    """A channel whose provider can say what it accepted: an unknown outcome is asked, not resent.

    A send's outcome is unknown when the process died after the provider accepted the message,
    or the connection dropped before its answer. Twilio has no idempotency key, so sending again
    could reach the citizen twice; its Messages API can be asked instead.
    """

    def accepted_like(self, message: OutgoingMessage, *, since: datetime) -> list[str]:
        """Return the provider's ids of messages like this one accepted since then, oldest first.

        Raise ChannelTemporaryError when the provider cannot be asked now.
        """
        ...
