"""The dialogue engine's contract: state, inbound, context, outbound and effects.

The engine is a pure function `step(state, inbound, now, ctx) -> Transition`. Everything it needs
to know about the world comes in through `Context`; everything it wants done comes out as
`Outbound` messages and `Effect` values that the conversation service applies in one transaction.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field, fields, is_dataclass, replace
from datetime import date, datetime, timedelta
from enum import StrEnum
from functools import cache
from typing import Any, Literal

Language = Literal["da", "en"]


class Step(StrEnum):
    """Where a conversation stands."""

    INVITED = "invited"  # invitation sent; waiting for yes / no
    CONSENT = "consent"  # asked for consent to a few health questions
    AGE = "age"  # asked to confirm the age band / birth year
    MUNICIPALITY = "municipality"  # asked for the municipality of residence (list lacked it)
    HEALTH = "health"  # self-rated health, 5-point scale
    CHRONIC = "chronic"  # known chronic disease, several allowed
    CHOOSING_SLOT = "choosing_slot"  # numbered free slots offered
    BOOKED = "booked"  # a booking exists; cancel / move possible
    WAITLIST_ASKED = "waitlist_asked"  # no time fitted: asked whether to join the waitlist
    WAITLIST = "waitlist"  # on the waitlist: told when a time frees up
    CLOSED = "closed"  # nothing more will be sent (declined, screened out, done, opted out)


class MessageKind(StrEnum):
    """What an outbound message is, for the monitoring store and messages.csv."""

    INVITATION = "invitation"
    INVITATION_REMINDER = "invitation_reminder"
    QUESTION = "question"
    SLOT_OFFER = "slot_offer"
    CONFIRMATION = "confirmation"
    CANCELLATION = "cancellation"
    GOODBYE = "goodbye"
    SCREENED_OUT = "screened_out"
    HELP = "help"
    CLARIFICATION = "clarification"
    CALLBACK = "callback"
    OPT_OUT = "opt_out"
    OPT_IN = "opt_in"
    REMINDER = "reminder"
    FOLLOW_UP = "follow_up"
    REBOOK_OFFER = "rebook_offer"
    BOOKING_MOVED = "booking_moved"
    INFO = "info"


# ---------------------------------------------------------------- inbound


@dataclass(frozen=True)
class Text:
    """A message the citizen wrote."""

    text: str


class EventKind(StrEnum):
    """Things that happen to a conversation without the citizen writing."""

    INVITE = "invite"  # a campaign's invitation is due: send it
    INVITATION_REMINDER = "invitation_reminder"  # no answer to the invitation yet
    BOOKING_REMINDER = "booking_reminder"  # the working day before the conversation
    FOLLOW_UP = "follow_up"  # a further course was agreed; one month after
    SLOT_TAKEN = "slot_taken"  # the slot the citizen chose was taken in the meantime
    NO_SHOW = "no_show"  # staff recorded a no-show; offer to rebook once
    BOOKING_CANCELLED_BY_STAFF = "booking_cancelled_by_staff"
    BOOKING_MOVED_BY_STAFF = "booking_moved_by_staff"  # staff moved the booking to another slot
    HANDED_BACK = "handed_back"  # a person held the conversation and hands it back
    WAITLIST_ASK = "waitlist_ask"  # no free time was found: offer a place on the waitlist
    WAITLIST_OFFER = "waitlist_offer"  # on the waitlist, and a time has come free
    WAITLIST_TAKEN = "waitlist_taken"  # the time offered from the waitlist went to another
    WAITLIST_EXPIRED = "waitlist_expired"  # the waitlist place has run out


@dataclass(frozen=True)
class Event:
    """Something that happened to the conversation without the citizen writing."""

    kind: EventKind


Inbound = Text | Event


# ---------------------------------------------------------------- context


@dataclass(frozen=True)
class SlotWish:
    """When and where a citizen would like their time, read from their own words.

    Every part left empty means "any". Dates and weeks are resolved against the day the wish
    was written ("i næste uge" on 3 December is week 50), so a wish means the same later.
    """

    weekdays: tuple[int, ...] = ()  # 0 = Monday; any of these ("tirsdag eller onsdag")
    not_weekdays: tuple[int, ...] = ()  # "ja men ikke tirsdag"
    dates: tuple[str, ...] = ()  # ISO dates, "2026-12-14"; any of these
    weeks: tuple[str, ...] = ()  # ISO weeks, "2026-W51"
    after: str | None = None  # "12:00": starts at or after, Danish local time
    before: str | None = None  # "17:00": starts before
    places: tuple[str, ...] = ()  # keyed words naming a place: "vejle", "sundhedscentret"

    def as_dict(self) -> dict[str, object]:
        """Render the parts that are set, as `parse-reply` prints them."""
        return {
            name: list(value) if isinstance(value, tuple) else value
            for name, value in asdict(self).items()
            if value not in (None, (), [])
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> SlotWish:
        """Read back what `asdict` wrote."""
        return cls(
            weekdays=tuple(data.get("weekdays", ())),
            not_weekdays=tuple(data.get("not_weekdays", ())),
            dates=tuple(data.get("dates", ())),
            weeks=tuple(data.get("weeks", ())),
            after=data.get("after"),
            before=data.get("before"),
            places=tuple(data.get("places", ())),
        )


@dataclass(frozen=True)
class SlotOffer:
    """A free (or booked) slot as the citizen sees it."""

    slot_id: int
    starts_at: datetime  # timezone-aware, any zone; the engine renders it in Europe/Copenhagen
    duration_min: int
    location_name: str
    address: str
    kind: str = ""  # the location's kind ("workplace", "health_centre"), for "på arbejdspladsen"


@dataclass(frozen=True)
class Place:
    """One of the municipality's places where the conversations are held."""

    name: str
    address: str


@dataclass(frozen=True)
class TelegramInvite:
    """What an invitation can say about continuing on Telegram."""

    bot: str  # "@name"
    code: str  # the citizen's one-time code, e.g. "K7M3Q9TX"
    link: str  # https://t.me/<bot>?start=<code>


@dataclass(frozen=True)
class Context:
    """Facts the service loads for one step; the engine reads nothing else."""

    sender: str  # who writes, e.g. "Roskilde Kommune"
    first_name: str | None = None
    birth_date: date | None = None
    age_min: int = 40
    age_max: int = 60
    municipality: str | None = None  # the contact's municipality of residence, when known
    target_municipality: str = ""  # the campaign's municipality
    free_slots: tuple[SlotOffer, ...] = ()  # nearest first; the service loads a dozen or so
    # Further free slots that fit the citizen's wish (the stored one and the one in this reply),
    # so a wish for "uge 51" finds times beyond the nearest dozen; the engine filters them again.
    wished_slots: tuple[SlotOffer, ...] = ()
    # The slots of the current offer (state.offered_slot_ids) that are still free and bookable,
    # as the service loaded them: choosing one needs no other free slot.
    offered: tuple[SlotOffer, ...] = ()
    locations: tuple[str, ...] = ()  # the names of the municipality's places with slots
    # The municipality's places in use, to answer "hvor foregår det?" (none: a general answer).
    places: tuple[Place, ...] = ()
    # The partner whose list the citizen is on, to answer "hvor har I mit nummer fra?".
    partner: str | None = None
    closed_at: datetime | None = None  # when the conversation closed, if it has
    booking: SlotOffer | None = None  # the slot of the current booking, if any
    nudge_after: timedelta = timedelta(days=4)  # reminder when an invitation gets no answer
    phone_number: str = ""  # how to reach a person, for HELP and callbacks
    # A staff member who would take a callback is set up to receive the notice (Telegram or SMS):
    # only then does the callback offer name a time frame ("inden for to hverdage").
    callback_promise: bool = True
    # The campaign's own invitation in the contact's language, if it has one, filled in with
    # str.format from {sender} {first_name} {age_min} {age_max} {phone} {target_municipality}
    # (bot.flow.INVITATION_PLACEHOLDERS). A template that can't be filled in falls back to the
    # flow's invitation; so does repeating the invitation after ENGLISH / DANSK.
    invitation_template: str | None = None
    # The Telegram bot, the citizen's one-time code and t.me link for it: only for an invitation
    # whose template asks for them.
    telegram: TelegramInvite | None = None
    # The citizen wrote before any invitation was sent (docs/conversation.md, "Writing first"):
    # this reply is read as their answer to the invitation they never got.
    wrote_first: bool = False


# ---------------------------------------------------------------- state


@dataclass(frozen=True)
class Screening:
    """Answers to the screening questions; None means not asked or skipped."""

    age_confirmed: bool | None = None
    birth_year: int | None = None
    municipality: str | None = None
    self_rated_health: str | None = None  # one of HEALTH_SCALE
    chronic_diseases: tuple[str, ...] | None = None  # subset of CHRONIC_DISEASES; () = none


HEALTH_SCALE = ("fremragende", "vaeldig_godt", "godt", "mindre_godt", "daarligt")
CHRONIC_DISEASES = ("musculoskeletal", "lungs", "diabetes", "heart", "other")


def _plain(value: Any) -> Any:
    """A state as JSON sees it: dataclasses as dicts, tuples as lists, the rest as it is."""
    if value is None or isinstance(value, str | int | float):  # bool and StrEnum too
        return value
    if isinstance(value, tuple | list):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if is_dataclass(value) and not isinstance(value, type):
        return {name: _plain(getattr(value, name)) for name in _field_names(type(value))}
    return value


@cache
def _field_names(kind: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(kind))


@dataclass(frozen=True)
class ConversationState:
    """The whole dialogue state; stored as JSON on the conversation row."""

    step: Step = Step.INVITED
    lang: Language = "da"
    misunderstood: int = 0  # consecutive replies not understood at this step
    consent: bool | None = None
    screening: Screening = field(default_factory=Screening)
    offered_slot_ids: tuple[int, ...] = ()  # what the numbers 1..n in the last offer mean
    offer_offset: int = 0  # how far into ctx.free_slots the last offer started
    rebooking: bool = False  # the current offer replaces an existing booking
    no_shows: int = 0
    close_reason: str | None = None
    awaiting_rebook: bool = False  # after a no-show: asked whether the citizen wants a new time
    awaiting_follow_up_reply: bool = False  # a follow-up asked how it goes; forward the answer
    wish: SlotWish | None = None  # when and where the citizen asked for; offers follow it

    def with_(self, **changes: Any) -> ConversationState:
        """Return a copy with some fields changed."""
        return replace(self, **changes)

    def to_json(self) -> str:
        """Serialise for the store: what `json.dumps(asdict(state))` writes, without its copies."""
        return json.dumps(_plain(self), ensure_ascii=False, sort_keys=True)

    @classmethod
    def from_json(cls, raw: str) -> ConversationState:
        """Read back what `to_json` wrote."""
        data = json.loads(raw)
        screening = data.pop("screening", {}) or {}
        if screening.get("chronic_diseases") is not None:
            screening["chronic_diseases"] = tuple(screening["chronic_diseases"])
        data["offered_slot_ids"] = tuple(data.get("offered_slot_ids", ()))
        data["step"] = Step(data.get("step", Step.INVITED))
        if data.get("wish") is not None:
            data["wish"] = SlotWish.from_dict(data["wish"])
        return cls(screening=Screening(**screening), **data)


# ---------------------------------------------------------------- outputs


@dataclass(frozen=True)
class Outbound:
    """A message to the citizen, in the conversation's language."""

    kind: MessageKind
    text: str


@dataclass(frozen=True)
class BookSlot:
    """Book this slot for the citizen (replacing any current booking)."""

    slot_id: int


@dataclass(frozen=True)
class CancelBooking:
    """Cancel the citizen's current booking."""


@dataclass(frozen=True)
class OptOut:
    """The citizen opted out: stop everything on every channel."""


@dataclass(frozen=True)
class OptIn:
    """The citizen wrote START: lift the opt-out."""


@dataclass(frozen=True)
class ScreenedIn:
    """The citizen passed screening (or skipped it) and may book."""


@dataclass(frozen=True)
class ScreenedOut:
    """The citizen is outside the target group."""

    reason: str  # "age" | "municipality"


@dataclass(frozen=True)
class Declined:
    """The citizen said no to the invitation."""


@dataclass(frozen=True)
class ScheduleNudge:
    """Remind the citizen of the invitation at this time if they have not answered."""

    due_at: datetime


@dataclass(frozen=True)
class NotifyStaff:
    """Tell the staff a person is needed (callback request, repeated confusion)."""

    reason: str  # "callback" | "not_understood"


@dataclass(frozen=True)
class ReopenConversation:
    """Open a closed conversation again: the citizen asked for a new time after cancelling."""


@dataclass(frozen=True)
class CloseConversation:
    """Close the conversation; nothing more is sent in it."""

    reason: str


@dataclass(frozen=True)
class JoinWaitlist:
    """Put the citizen on the waitlist of their municipality, for a time that fits the wish."""

    wish: SlotWish | None = None  # None: any time; joined again, the place takes the new wish


@dataclass(frozen=True)
class LeaveWaitlist:
    """Take the citizen off the waitlist."""


Effect = (
    BookSlot
    | CancelBooking
    | OptOut
    | OptIn
    | ScreenedIn
    | ScreenedOut
    | Declined
    | ScheduleNudge
    | NotifyStaff
    | CloseConversation
    | ReopenConversation
    | JoinWaitlist
    | LeaveWaitlist
)


@dataclass(frozen=True)
class Transition:
    """What one step produced."""

    state: ConversationState
    outbound: tuple[Outbound, ...] = ()
    effects: tuple[Effect, ...] = ()
