"""A channel that records messages instead of sending them: for the demo, tests and `chat`."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from channels.port import OutgoingMessage, Receipt


@dataclass
class ConsoleChannel:
    """Keep every message handed to it; optionally echo it (the `chat` command does)."""

    name: str = "console"
    echo: Callable[[OutgoingMessage], None] | None = None
    sent: list[OutgoingMessage] = field(default_factory=list)
    _by_id: dict[int, Receipt] = field(default_factory=dict)

    def send(self, message: OutgoingMessage) -> Receipt:
        # Idempotent on our message id, as a provider with idempotency keys would be.
        if message.message_id in self._by_id:
            return self._by_id[message.message_id]
        receipt = Receipt(provider_id=f"console-{message.message_id}", status="sent")
        self._by_id[message.message_id] = receipt
        self.sent.append(message)
        if self.echo is not None:
            self.echo(message)
        return receipt
