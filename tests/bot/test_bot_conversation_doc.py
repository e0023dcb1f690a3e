"""docs/conversation.md is what the engine really writes; regenerate it when the texts change.

.venv/bin/python -m tests.bot.test_bot_conversation_doc > docs/conversation.md
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from bot.engine import step
from bot.types import (
    BookSlot,
    CancelBooking,
    Context,
    ConversationState,
    Event,
    EventKind,
    Inbound,
    SlotOffer,
    Text,
)

DOC = Path(__file__).parents[2] / "docs" / "conversation.md"
COPENHAGEN = ZoneInfo("Europe/Copenhagen")
# Monday 23 November 2026, 10.00; the first bookable day is the Wednesday.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=COPENHAGEN)


def _slots() -> tuple[SlotOffer, ...]:
    """Four 45-minute slots a morning, Wednesday to Friday, at the health centre."""
    starts = [
        datetime.combine(NOW.date() + timedelta(days=day), time(9), COPENHAGEN)
        + timedelta(minutes=45 * n)
        for day in (2, 3, 4)
        for n in range(4)
    ]
    return tuple(
        SlotOffer(
            slot_id=i,
            starts_at=start,
            duration_min=45,
            location_name="Sundhedscenter Roskilde",
            address="Køgevej 1, 4000 Roskilde",
        )
        for i, start in enumerate(starts, 1)
    )


CTX = Context(
    sender="Roskilde Kommune",
    first_name="Anna",
    target_municipality="Roskilde",
    municipality="Roskilde",
    free_slots=_slots(),
    phone_number="46 31 30 00",
)
DANISH: list[Inbound | str] = [
    Event(EventKind.INVITE),
    "Ja tak 👍",
    "ja",
    "jo",
    "Hvad mener I?",
    "vaeldig godt",
    "1 og 4",
    "flere",
    "den anden",
    Event(EventKind.BOOKING_REMINDER),
    "Tak!",
    "aflys",
]
ENGLISH: list[Inbound | str] = [
    Event(EventKind.INVITE),
    "ENGLISH",
    "yes",
    "no",
    "2",
]
_EVENTS = {
    EventKind.INVITE: "the campaign's invitation goes out",
    EventKind.BOOKING_REMINDER: "the working day before the conversation",
}


def _apply(ctx: Context, effects: tuple[object, ...]) -> Context:
    """Do what the service would do with a booking, so the next step sees it."""
    for effect in effects:
        if isinstance(effect, BookSlot):
            chosen = next(slot for slot in ctx.free_slots if slot.slot_id == effect.slot_id)
            free = tuple(slot for slot in ctx.free_slots if slot is not chosen)
            ctx = replace(ctx, booking=chosen, free_slots=free)
        elif isinstance(effect, CancelBooking):
            ctx = replace(ctx, booking=None)
    return ctx


def transcript(script: list[Inbound | str], who: str) -> str:
    """Run a script through the engine and write what each side says."""
    state, ctx, lines = ConversationState(), CTX, []
    for turn in script:
        inbound = Text(turn) if isinstance(turn, str) else turn
        if isinstance(inbound, Text):
            lines.append(f"{who}: {inbound.text}")
        else:
            lines.append(f"({_EVENTS[inbound.kind]})")
        transition = step(state, inbound, NOW, ctx)
        for message in transition.outbound:
            first, *rest = message.text.split("\n")
            lines.append(f"bot:  {first}")
            lines.extend(f"      {line}" for line in rest)
        if not transition.outbound and isinstance(inbound, Text):
            lines.append("      (no answer: nothing more is needed)")
        state, ctx = transition.state, _apply(ctx, transition.effects)
    return "\n".join(lines)


def render() -> str:
    """The whole of docs/conversation.md."""
    return f"""## A conversation

What a citizen sees, exactly as the engine writes it: Roskilde Kommune invites Anna, 52, to a
health check. Anna answers as people do (a thumbs-up, "jo", Danish letters left out, a number
written as words); a reply the engine does not understand is asked about once, spelling out
the answers it expects. Every message fits in two SMS.

```text
{transcript(DANISH, "Anna")}
```

The same invitation, answered in English: ENGLISH switches the language for the rest of the
conversation, and NO to the health questions goes straight to the times.

```text
{transcript(ENGLISH, "Anna")}
```

`recruitbot chat --phone +4520123456` plays the citizen against the real engine and store;
`recruitbot parse-reply "den anden" --expect choice` shows how one reply is read.
"""


def test_the_documented_conversation_is_what_the_engine_writes() -> None:
    assert DOC.read_text(encoding="utf-8") == render(), (
        "regenerate: .venv/bin/python -m tests.bot.test_bot_conversation_doc > docs/conversation.md"
    )


def test_the_readme_shows_the_same_conversation() -> None:
    readme = (DOC.parents[1] / "README.md").read_text(encoding="utf-8")
    assert render().strip() in readme, "copy docs/conversation.md into the README's section"


if __name__ == "__main__":
    print(render(), end="")
