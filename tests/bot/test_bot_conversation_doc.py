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
from conversation.write_first import NAMED

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
WISHES: list[Inbound | str] = [
    Event(EventKind.INVITE),
    "ja men ikke onsdag",
    "nej",
    "har I noget om eftermiddagen?",
    "2",
]

WROTE_FIRST: list[Inbound | str] = [
    "Kan jeg også komme?",
    "nej",
    "1",
]


def _afternoons() -> tuple[SlotOffer, ...]:
    """Afternoons the week after at a second place, as the service loads them for a wish."""
    day = NOW.date() + timedelta(days=8)
    return tuple(
        SlotOffer(
            slot_id=100 + n,
            starts_at=datetime.combine(day + timedelta(days=n // 2), time(13 + n % 2), COPENHAGEN),
            duration_min=45,
            location_name="Sundhedshus Himmelev",
            address="Himmelev Bygade 1, 4000 Roskilde",
        )
        for n in range(4)
    )


TWO_PLACES = replace(
    CTX,
    first_name="Ole",
    wished_slots=_afternoons(),
    locations=("Sundhedscenter Roskilde", "Sundhedshus Himmelev"),
)
_EVENTS = {
    EventKind.INVITE: "the campaign's invitation goes out",
    EventKind.BOOKING_REMINDER: "the working day before the conversation",
}


def _apply(ctx: Context, effects: tuple[object, ...]) -> Context:
    """Do what the service would do with a booking, so the next step sees it."""
    for effect in effects:
        if isinstance(effect, BookSlot):
            pool = (*ctx.free_slots, *ctx.wished_slots)
            chosen = next(slot for slot in pool if slot.slot_id == effect.slot_id)
            free = tuple(slot for slot in ctx.free_slots if slot is not chosen)
            ctx = replace(ctx, booking=chosen, free_slots=free)
        elif isinstance(effect, CancelBooking):
            ctx = replace(ctx, booking=None)
    return ctx


def transcript(
    script: list[Inbound | str], who: str, start: Context = CTX, *, wrote_first: bool = False
) -> str:
    """Run a script through the engine and write what each side says.

    With `wrote_first` the citizen's first text comes before any invitation.
    """
    state, ctx, lines = ConversationState(), start, []
    for number, turn in enumerate(script):
        inbound = Text(turn) if isinstance(turn, str) else turn
        if isinstance(inbound, Text):
            lines.append(f"{who}: {inbound.text}")
        else:
            lines.append(f"({_EVENTS[inbound.kind]})")
        first_words = wrote_first and number == 0
        transition = step(state, inbound, NOW, replace(ctx, wrote_first=first_words))
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

Choosing when and where: Ole says yes on a condition, which the first offer already applies;
he then asks for the afternoon and gets the afternoon times at the municipality's second place,
still none on a Wednesday (every line names the place, as the municipality has two).

```text
{transcript(WISHES, "Ole", TWO_PLACES)}
```

`recruitbot chat --phone +4520123456` plays the citizen in a sandbox, a copy of the store thrown
away afterwards (`docs/chat.md`); `recruitbot parse-reply "den anden" --expect choice`
shows how one reply is read.

## Writing first

Not everyone waits for the invitation. A member of a list who has not been invited yet, or a
colleague who heard about it, may write first ("kan jeg også komme?"). What happens depends on
whether a **running** campaign on the number they wrote to would invite them today, by the
campaign's own targeting rules (`outreach.targeting`: on one of its partners' lists, living in
its municipality or municipality unknown, 40–60 on today's date, not opted out, no booking, no
open conversation, not invited in the last `reinvite_after_days`; an invitation already queued
in that very campaign counts as theirs).

**Inside the target: taken in.** Their invitation is sent out of turn and their text is read as
the answer to it. A yes or a question is welcomed and led on as a yes is (then the times); a
wish in it ("kan jeg komme på en tirsdag?") is kept for the offer; a no declines; anything else
("hej") gets the campaign's invitation itself.

```text
{transcript(WROTE_FIRST, "Anna", wrote_first=True)}
```

**Anyone else** (outside the age band, another municipality, no birth date, already invited,
or on no list at all) is told who writes from this number and whom to call, in the same words
whether or not they are on a list, and nothing is started:

```text
+45 20 99 99 99: Kan jeg også komme?
bot:  {NAMED["da"].format(sender=CTX.sender, phone=CTX.phone_number)}
```

The sender and number are the campaign's `sender` and `help_phone` (without a help phone: "Har
du spørgsmål, så kontakt Roskilde Kommune."). When several municipalities run campaigns on the
number, the one whose list holds the person answers; for someone on none of their lists the
answer names them all, with their phones ("Dette nummer bruges af Roskilde Kommune (46 31 30 00)
og Lejre Kommune (46 46 46 46) …"), up to three; with more, or with no running campaign, the
general "Vi har ingen igangværende samtale med dette nummer …" as before. The staff of each
municipality named see it in the inbox as **Skrev uden invitation** (`wrote_first`, see
[inbox.md](inbox.md)).

**Language.** The answer follows the text's language ("Can I come too?" is answered in
English); a text that does not tell ("?") goes by the list's language, and for a number on no
list by its country: a foreign number is answered in English.

**STOP first.** An opt-out word from someone with no conversation is honoured before anything
else, as before: the number is opted out, nothing is started and nothing is sent.

**Any hour.** The answer is a reply to a citizen who just wrote, so it goes out at once, like
every reply (the outbox holds only scheduled messages to the send window and the campaign's
hours). The questions and times that follow are replies too.

**In the figures.** The welcome (or the invitation sent in answer to "hej") is an outbound
message of kind `invitation`: the funnel counts the person as **invited on the day they wrote**,
delivered when the provider says so, and replied at once. Their invitation row is `done` that
day (their queued one, if a wave had not released it yet), so no wave invites them again. What
tells "wrote first" apart is that this invitation's `trigger` is `reply`, where a wave's is
`scheduled` (the `trigger` column of the demo's `messages.csv`); the funnel has no step of its
own for them, as they went through the same steps as everyone invited. They get no experiment
variant, so an experiment's arms are not mixed with people who never saw its texts.
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
