"""The buttons under a booking notice to staff, Mødt / Udeblevet, and what a press carries back.

Telegram returns a pressed button's data (at most 64 bytes) in a callback query; the data is
the action and the booking id, nothing personal.
"""

from __future__ import annotations

from dataclasses import dataclass

from channels.port import Buttons

ATTENDED = "m"
NO_SHOW = "u"


@dataclass(frozen=True)
class AttendancePress:
    """Staff pressed Mødt (attended) or Udeblevet (no-show) under a booking notice."""

    booking_id: int
    attended: bool


def attendance_buttons(booking_id: int) -> Buttons:
    """Return the one row of buttons for a notice about this booking."""
    return ((("Mødt", f"{ATTENDED}:{booking_id}"), ("Udeblevet", f"{NO_SHOW}:{booking_id}")),)


def parse_attendance(data: str) -> AttendancePress | None:
    """Read a press of one of those buttons; None for any other data."""
    action, _, rest = data.partition(":")
    if action not in (ATTENDED, NO_SHOW) or not is_id(rest):
        return None
    return AttendancePress(booking_id=int(rest), attended=action == ATTENDED)


def is_id(text: str) -> bool:
    """Tell whether text is a plain row id (ASCII digits, not absurdly long)."""
    return text.isascii() and text.isdigit() and len(text) <= 12
