"""Every state of the dialogue, as a table: (state, reply) → (step, messages, effects)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from bot.engine import step
from bot.types import (
    BookSlot,
    CancelBooking,
    CloseConversation,
    Context,
    ConversationState,
    Declined,
    Effect,
    JoinWaitlist,
    LeaveWaitlist,
    MessageKind,
    NotifyStaff,
    OptIn,
    OptOut,
    ScreenedIn,
    ScreenedOut,
    SlotOffer,
    Step,
    Text,
)

NOW = datetime(2025, 11, 25, 9, 0, tzinfo=UTC)
K = MessageKind
SLOTS = tuple(
    SlotOffer(
        slot_id=101 + i,
        starts_at=datetime(2025, 11, 26, 9, 0, tzinfo=UTC) + timedelta(days=i),
        duration_min=45,
        location_name="Sundhedscenter Roskilde",
        address="Køgevej 1, 4000 Roskilde",
    )
    for i in range(7)
)
CTX = Context(
    sender="Roskilde Kommune",
    first_name="Anna",
    target_municipality="Roskilde",
    municipality="Roskilde",
    free_slots=SLOTS,
    booking=SLOTS[0],
    phone_number="46 31 30 00",
)
NO_MUNICIPALITY = Context(**{**CTX.__dict__, "municipality": None})
NO_SLOTS = Context(**{**CTX.__dict__, "free_slots": ()})

INVITED = ConversationState()
CONSENT = ConversationState(step=Step.CONSENT)
AGE = ConversationState(step=Step.AGE)
MUNICIPALITY = ConversationState(step=Step.MUNICIPALITY)
HEALTH = ConversationState(step=Step.HEALTH)
CHRONIC = ConversationState(step=Step.CHRONIC)
OFFERED = ConversationState(step=Step.CHOOSING_SLOT, offered_slot_ids=(101, 102, 103))
MOVING = OFFERED.with_(rebooking=True)
REBOOK = ConversationState(step=Step.CHOOSING_SLOT, awaiting_rebook=True, no_shows=1)
NOTHING_OFFERED = ConversationState(step=Step.CHOOSING_SLOT)
BOOKED = ConversationState(step=Step.BOOKED)
BOOKED_FOLLOWED_UP = BOOKED.with_(awaiting_follow_up_reply=True)
DECLINED = ConversationState(step=Step.CLOSED, close_reason="declined")
OPTED_OUT = ConversationState(step=Step.CLOSED, close_reason="opted_out")
WAITLIST_ASKED = ConversationState(step=Step.WAITLIST_ASKED)
ON_WAITLIST = ConversationState(step=Step.WAITLIST)
ATTENDED_FOLLOWED_UP = ConversationState(
    step=Step.CLOSED, close_reason="attended", awaiting_follow_up_reply=True
)

GOODBYE_DECLINED = (Declined(), CloseConversation("declined"))
OUT_AGE = (ScreenedOut("age"), CloseConversation("screened_out"))
OUT_PLACE = (ScreenedOut("municipality"), CloseConversation("screened_out"))
OPTING_OUT = (OptOut(), CloseConversation("opted_out"))
CANCELLING = (CancelBooking(), CloseConversation("cancelled"))


@dataclass(frozen=True)
class Case:
    """One row: a state, a reply, and what must come of it."""

    name: str
    state: ConversationState
    text: str
    step: Step
    kinds: tuple[MessageKind, ...] = ()
    effects: tuple[Effect, ...] = ()
    ctx: Context = CTX
    then: dict[str, object] = field(default_factory=dict)  # state fields after the step


def case(name: str, state: ConversationState, text: str, to: Step, *kinds: MessageKind) -> Case:
    return Case(name, state, text, to, kinds)


def with_(row: Case, **changes: object) -> Case:
    return Case(**{**row.__dict__, **changes})


CASES = [
    # ---- invited: yes, no, the ways people write them, and the commands
    *(
        case(f"invited yes {text}", INVITED, text, Step.CONSENT, K.QUESTION)
        for text in ("Ja tak 🙂", "jo", "jep", "ok", "gerne", "👍", "JAAA!!", "Yes please")
    ),
    *(
        with_(
            case(f"invited no {text}", INVITED, text, Step.CLOSED, K.GOODBYE),
            effects=GOODBYE_DECLINED,
        )
        for text in ("nej tak", "nope", "ikke interesseret", "ikke intereseret", "👎", "No thanks")
    ),
    with_(
        case("invited ja nej", INVITED, "ja nej", Step.INVITED, K.CLARIFICATION),
        then={"misunderstood": 1},
    ),
    case(
        "invited question answered",
        INVITED,
        "hvad koster det",
        Step.INVITED,
        K.INFO,
        K.CLARIFICATION,
    ),
    case("invited stop typo is asked", INVITED, "stpo", Step.INVITED, K.CLARIFICATION),
    case("invited help", INVITED, "HJÆLP", Step.INVITED, K.HELP),
    case("invited help without æ", INVITED, "hjaelp", Step.INVITED, K.HELP),
    case("invited help typo", INVITED, "hjælpe", Step.INVITED, K.HELP),
    with_(case("invited stop", INVITED, "STOP", Step.CLOSED, K.OPT_OUT), effects=OPTING_OUT),
    with_(
        case("invited stop late", INVITED, "Nej tak, stop", Step.CLOSED, K.OPT_OUT),
        effects=OPTING_OUT,
    ),
    case("invited stoppested", INVITED, "stoppested", Step.INVITED, K.CLARIFICATION),
    with_(
        case("invited english", INVITED, "ENGLISH", Step.INVITED, K.QUESTION), then={"lang": "en"}
    ),
    with_(
        case("invited call me", INVITED, "ring til mig", Step.INVITED, K.CALLBACK),
        effects=(NotifyStaff("callback"),),
    ),
    with_(case("invited start", INVITED, "START", Step.INVITED, K.OPT_IN), effects=(OptIn(),)),
    # ---- consent
    with_(case("consent yes", CONSENT, "ja", Step.AGE, K.QUESTION), then={"consent": True}),
    with_(
        case("consent no", CONSENT, "nej", Step.CHOOSING_SLOT, K.SLOT_OFFER),
        effects=(ScreenedIn(),),
        then={"consent": False},
    ),
    with_(
        case("consent skip", CONSENT, "spring over", Step.CHOOSING_SLOT, K.SLOT_OFFER),
        effects=(ScreenedIn(),),
    ),
    case("consent ja nej", CONSENT, "ja nej", Step.CONSENT, K.CLARIFICATION),
    # ---- age
    case("age yes", AGE, "ja", Step.HEALTH, K.QUESTION),
    case("age year", AGE, "1970", Step.HEALTH, K.QUESTION),
    case("age in years", AGE, "jeg er 52", Step.HEALTH, K.QUESTION),
    with_(case("age no", AGE, "nej", Step.CLOSED, K.SCREENED_OUT), effects=OUT_AGE),
    with_(case("age 63", AGE, "Nej, jeg er 63", Step.CLOSED, K.SCREENED_OUT), effects=OUT_AGE),
    case("age don't know", AGE, "ved ikke", Step.HEALTH, K.QUESTION),
    case("age no answer is a skip", AGE, "nej, det vil jeg ikke svare på", Step.HEALTH, K.QUESTION),
    with_(
        case("age unknown municipality", AGE, "ja", Step.MUNICIPALITY, K.QUESTION),
        ctx=NO_MUNICIPALITY,
    ),
    case("age maybe", AGE, "måske", Step.AGE, K.CLARIFICATION),
    # ---- municipality
    with_(
        case("place target", MUNICIPALITY, "Roskilde", Step.HEALTH, K.QUESTION), ctx=NO_MUNICIPALITY
    ),
    with_(
        case("place other", MUNICIPALITY, "Køge", Step.CLOSED, K.SCREENED_OUT),
        effects=OUT_PLACE,
        ctx=NO_MUNICIPALITY,
    ),
    with_(
        case("place skip", MUNICIPALITY, "spring over", Step.HEALTH, K.QUESTION),
        ctx=NO_MUNICIPALITY,
    ),
    with_(
        case("place yes", MUNICIPALITY, "ja", Step.MUNICIPALITY, K.CLARIFICATION),
        ctx=NO_MUNICIPALITY,
    ),
    # ---- self-rated health
    *(
        with_(
            case(f"health {text}", HEALTH, text, Step.CHRONIC, K.QUESTION),
            then={"screening.self_rated_health": value},
        )
        for text, value in (
            ("3", "godt"),
            ("tre", "godt"),
            ("daarligt", "daarligt"),
            ("vaeldig godt", "vaeldig_godt"),
            ("Fremragende!", "fremragende"),
        )
    ),
    case("health 6", HEALTH, "6", Step.HEALTH, K.CLARIFICATION),
    case("health two answers", HEALTH, "2 godt", Step.HEALTH, K.CLARIFICATION),
    case("health skip", HEALTH, "skip", Step.CHRONIC, K.QUESTION),
    # ---- chronic disease
    *(
        with_(
            case(f"chronic {text}", CHRONIC, text, Step.CHOOSING_SLOT, K.SLOT_OFFER),
            effects=(ScreenedIn(),),
            then={"screening.chronic_diseases": value},
        )
        for text, value in (
            ("1 og 3", ("musculoskeletal", "diabetes")),
            ("1,3", ("musculoskeletal", "diabetes")),
            ("1 & 3", ("musculoskeletal", "diabetes")),
            ("KOL og ryg", ("musculoskeletal", "lungs")),
            ("ingen", ()),
            ("0", ()),
            ("spring over", None),
        )
    ),
    case("chronic 13", CHRONIC, "13", Step.CHRONIC, K.CLARIFICATION),
    # ---- choosing a time
    *(
        with_(
            case(f"choose {text}", OFFERED, text, Step.BOOKED, K.CONFIRMATION),
            effects=(BookSlot(slot_id),),
        )
        for text, slot_id in (
            ("2", 102),
            ("nr. 2", 102),
            ("den anden", 102),
            ("to", 102),
            ("nummer tre", 103),
            ("second", 102),
            ("1 tak", 101),
        )
    ),
    case("choose 4 of 3", OFFERED, "4", Step.CHOOSING_SLOT, K.CLARIFICATION),
    case("choose two at once", OFFERED, "1 og 3", Step.CHOOSING_SLOT, K.CLARIFICATION),
    with_(
        case("choose more", OFFERED, "flere", Step.CHOOSING_SLOT, K.SLOT_OFFER),
        then={"offered_slot_ids": (104, 105, 106)},
    ),
    with_(
        case("choose another time", OFFERED, "anden tid", Step.CHOOSING_SLOT, K.SLOT_OFFER),
        then={"offered_slot_ids": (104, 105, 106)},
    ),
    case("choose cancel without booking", OFFERED, "aflys", Step.CHOOSING_SLOT, K.CLARIFICATION),
    # ---- moving a booking
    with_(
        case("moving choose", MOVING, "1", Step.BOOKED, K.CONFIRMATION), effects=(BookSlot(101),)
    ),
    with_(case("moving cancel", MOVING, "aflys", Step.CLOSED, K.CANCELLATION), effects=CANCELLING),
    # ---- after a no-show
    case("rebook yes", REBOOK, "ja", Step.CHOOSING_SLOT, K.SLOT_OFFER),
    with_(
        case("rebook no", REBOOK, "nej tak", Step.CLOSED, K.GOODBYE),
        effects=(CloseConversation("no_show"),),
    ),
    case("rebook unclear", REBOOK, "hmm", Step.CHOOSING_SLOT, K.CLARIFICATION),
    # ---- nothing was free
    with_(
        case("no slots still", NOTHING_OFFERED, "hallo?", Step.CHOOSING_SLOT, K.CLARIFICATION),
        ctx=NO_SLOTS,
    ),
    case("no slots then some", NOTHING_OFFERED, "hallo?", Step.CHOOSING_SLOT, K.SLOT_OFFER),
    # ---- booked
    with_(case("booked cancel", BOOKED, "aflys", Step.CLOSED, K.CANCELLATION), effects=CANCELLING),
    with_(
        case("booked move", BOOKED, "flyt", Step.CHOOSING_SLOT, K.SLOT_OFFER),
        then={"rebooking": True},
    ),
    case("booked other times", BOOKED, "andre tider", Step.CHOOSING_SLOT, K.SLOT_OFFER),
    case("booked thanks", BOOKED, "tak", Step.BOOKED),
    case("booked ok", BOOKED, "ok 👍", Step.BOOKED),
    case("booked unclear", BOOKED, "hvad nu", Step.BOOKED, K.CLARIFICATION),
    with_(
        case("booked stop", BOOKED, "afmeld mig", Step.CLOSED, K.OPT_OUT),
        effects=(OptOut(), CancelBooking(), CloseConversation("opted_out")),
    ),
    with_(
        case("booked follow-up answer", BOOKED_FOLLOWED_UP, "Det går fint", Step.BOOKED, K.INFO),
        effects=(NotifyStaff("follow_up_reply"),),
    ),
    # ---- the waitlist
    with_(
        case("waitlist yes", WAITLIST_ASKED, "ja tak", Step.WAITLIST, K.INFO),
        effects=(JoinWaitlist(),),
    ),
    case("waitlist no", WAITLIST_ASKED, "nej", Step.CHOOSING_SLOT, K.INFO),
    case("waitlist unclear", WAITLIST_ASKED, "måske", Step.WAITLIST_ASKED, K.CLARIFICATION),
    with_(
        case("on waitlist leave", ON_WAITLIST, "nej tak", Step.CLOSED, K.GOODBYE),
        effects=(LeaveWaitlist(), CloseConversation("waitlist_left")),
    ),
    with_(case("on waitlist thanks", ON_WAITLIST, "tak", Step.WAITLIST), ctx=NO_SLOTS),
    with_(
        case("on waitlist unclear", ON_WAITLIST, "hvad nu", Step.WAITLIST, K.CLARIFICATION),
        ctx=NO_SLOTS,
    ),
    case("on waitlist times free", ON_WAITLIST, "er der noget?", Step.CHOOSING_SLOT, K.SLOT_OFFER),
    # ---- closed
    case("closed question", DECLINED, "Hvornår er det?", Step.CLOSED, K.INFO),
    case("closed thanks", DECLINED, "tak", Step.CLOSED),
    case("closed help", DECLINED, "hjælp", Step.CLOSED, K.HELP),
    # A closed conversation keeps the reason it closed for; the opt-out still stops everything.
    with_(
        case("closed stop", DECLINED, "STOP", Step.CLOSED, K.OPT_OUT),
        effects=(OptOut(),),
        then={"close_reason": "opted_out"},
    ),
    case("opted out hello", OPTED_OUT, "hej", Step.CLOSED),
    case("opted out call me", OPTED_OUT, "ring til mig", Step.CLOSED),
    with_(case("opted out stop again", OPTED_OUT, "STOP", Step.CLOSED), effects=(OptOut(),)),
    with_(case("opted out start", OPTED_OUT, "START", Step.CLOSED, K.OPT_IN), effects=(OptIn(),)),
    with_(
        case(
            "attended follow-up answer",
            ATTENDED_FOLLOWED_UP,
            "Det går fint med motionen",
            Step.CLOSED,
            K.INFO,
        ),
        effects=(NotifyStaff("follow_up_reply"),),
    ),
]


def _field(state: ConversationState, path: str) -> object:
    value: object = state
    for name in path.split("."):
        value = getattr(value, name)
    return value


class TestEveryState:
    def test_the_table_covers_every_step(self) -> None:
        assert {row.state.step for row in CASES} == set(Step)

    def test_the_table_covers_every_kind_of_wait(self) -> None:
        states = {row.state for row in CASES}
        assert {MOVING, REBOOK, NOTHING_OFFERED, BOOKED_FOLLOWED_UP, OPTED_OUT} <= states
        assert ATTENDED_FOLLOWED_UP in states

    @pytest.mark.parametrize("row", CASES, ids=[row.name for row in CASES])
    def test_reply(self, row: Case) -> None:
        transition = step(row.state, Text(row.text), NOW, row.ctx)
        assert transition.state.step is row.step
        assert tuple(message.kind for message in transition.outbound) == row.kinds
        assert transition.effects == row.effects
        for path, expected in row.then.items():
            assert _field(transition.state, path) == expected, path
        for message in transition.outbound:
            assert message.text.strip() and "{" not in message.text
