"""A channel that takes every message and keeps nothing: the sender's own cost, and no more."""

from __future__ import annotations

from channels.port import OutgoingMessage, Receipt


class DiscardingChannel:
    """Answer each message with a receipt and forget it (the console channel keeps a list)."""

    name = "console"

    def send(self, message: OutgoingMessage) -> Receipt:
        return Receipt(provider_id=f"bench-{message.message_id}", status="sent")
