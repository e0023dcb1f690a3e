"""What booking tells a citizen's conversation: an event that the dialogue (conversation/) handles.

Booking does not run the dialogue. A staff action that the citizen must hear of (a booking
cancelled or moved by staff, a no-show) is told to the conversation as an engine event through
this port; `conversation.service.Dialogue` handles it in the same transaction, so what the
citizen is sent is written together with the change that caused it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.types import Event
from core.calendar import SendWindow
from store.models import Conversation


class CitizenDialogue(Protocol):
    """The dialogue as booking sees it: the service's calendar and a way to tell of an event."""

    @property
    def window(self) -> SendWindow: ...

    def tell(
        self, *, session: Session, conversation: Conversation, event: Event, now: datetime
    ) -> None:
        """Let the conversation's dialogue answer a staff-side event."""
        ...
