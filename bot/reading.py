"""What a reply means at one step: the engine's flows and `parse-reply` both read here.

`read_at_step` is the whole reading of one step: commands first (as `bot.flows.commands` reads
them), then `read_step`, the step's own answer. `read_step` gives only what the step acts on: a
reply the step does nothing with ("aflys" while asked for consent, "flere tider" at the
invitation) is `unknown`, as the engine asks again, or a `question` about the campaign's facts,
which the engine answers before asking again. The flows of the invitation and the screening
call `read_step` themselves; the booking, waitlist and closed steps call the same readers
(`wish_at_offer`, `with_condition`, `read_rebook`, `parsing.acknowledges`), and a test holds
`read_at_step` to what the engine does at every step.

A step is read in its ordinary state: `choosing_slot` is an offer of `options` times (3 when
not given) without a booking to move, `booked` a booking that stands, `closed` a conversation
the citizen cancelled lately (so a new time may be asked for), and the waitlist steps without a
free time to offer.
"""

from __future__ import annotations

from datetime import date

from bot import answers, numbers, parsing
from bot.flow import DEFAULT_FLOW, Flow
from bot.interpret import Expect, Intent, Reading, read_answer, read_command
from bot.questions import question_topic
from bot.types import Language, Step
from bot.wish import parse_wish
from bot.yesno import Answer, classify_yes_no

# What each dialogue step asks for, as the engine's flows read it.
STEP_EXPECT: dict[Step, Expect | None] = {
    Step.INVITED: Expect.YES_NO,
    Step.CONSENT: Expect.YES_NO,
    Step.AGE: Expect.YES_NO,
    Step.MUNICIPALITY: Expect.YES_NO,
    Step.HEALTH: Expect.SCALE,
    Step.CHRONIC: Expect.MULTI,
    Step.CHOOSING_SLOT: Expect.CHOICE,
    Step.BOOKED: None,
    Step.WAITLIST_ASKED: Expect.YES_NO,
    Step.WAITLIST: Expect.YES_NO,
    Step.CLOSED: None,
}
# What each step does something with; anything else is asked about again.
ACTS_ON: dict[Step, frozenset[Intent]] = {
    Step.INVITED: frozenset({Intent.YES, Intent.NO}),
    # No and skip both go straight to the times.
    Step.CONSENT: frozenset({Intent.YES, Intent.NO, Intent.SKIP}),
    Step.AGE: frozenset({Intent.BIRTH_YEAR, Intent.AGE, Intent.YES, Intent.NO, Intent.SKIP}),
    Step.MUNICIPALITY: frozenset({Intent.MUNICIPALITY, Intent.SKIP}),
    Step.HEALTH: frozenset({Intent.CHOICE, Intent.SKIP}),
    Step.CHRONIC: frozenset({Intent.CHOICES, Intent.SKIP}),
    # "anden tid" while choosing asks for other times, as FLERE does: read as `more`.
    Step.CHOOSING_SLOT: frozenset({Intent.CHOICE, Intent.WISH, Intent.MORE}),
    # "flere tider" while booked moves the booking, as FLYT does: read as `reschedule`.
    Step.BOOKED: frozenset({Intent.RESCHEDULE, Intent.CANCEL, Intent.YES, Intent.THANKS}),
    Step.WAITLIST_ASKED: frozenset({Intent.YES, Intent.NO}),
    Step.WAITLIST: frozenset({Intent.NO, Intent.CANCEL, Intent.YES, Intent.THANKS, Intent.WISH}),
    Step.CLOSED: frozenset({Intent.RESCHEDULE, Intent.THANKS}),
}
# Readings that mean the same as another at a step.
_SAME: dict[Step, dict[Intent, Intent]] = {
    Step.CHOOSING_SLOT: {Intent.RESCHEDULE: Intent.MORE},
    Step.BOOKED: {Intent.MORE: Intent.RESCHEDULE},
}
# Municipality names are kept as written, trimmed to something sane; a name has at most three
# words ("Lyngby-Taarbæk Kommune"), anything longer is a remark unless it names the target.
MAX_NAME = 60
_NAME_WORDS = 3
# At a slot offer these readings give way to a wish: "flere om eftermiddagen", "nej, ikke
# tirsdag", "ja, men helst fredag" ask for times that fit, not for any other time.
_WISH_OVER = frozenset({Intent.UNKNOWN, Intent.MORE, Intent.RESCHEDULE, Intent.YES, Intent.NO})
# A wish to rebook after cancelling: "kan jeg få en ny tid alligevel?", "ny tid", "alligevel".
_AGAIN = parsing.word_set(parsing.spaced("alligevel anyway genbestil rebook"))
_AGAIN_PHRASES = tuple(
    parsing.tokens(p) for p in ("after all", "book igen", "booke igen", "ny aftale", "new booking")
)
_NOT = parsing.word_set(parsing.spaced("ikke not dont aldrig never"))


def read_age(text: str, this_year: int) -> Reading | None:
    """Read a year of birth, else an age, as the age step does; None if neither."""
    year = answers.find_birth_year(text, this_year)
    if year is not None:
        return Reading(Intent.BIRTH_YEAR, year)
    age = answers.find_age(text)
    return None if age is None else Reading(Intent.AGE, age)


def _numbers_only(text: str, options: int, lang: Language) -> bool:
    """Say whether a reply is only option numbers ("1/3", "2 og 3"): a choice, never a date."""
    found = numbers.read_numbers(numbers.number_words(text), lang)
    return found is not None and all(1 <= n <= max(options, 1) for n in found)


def wish_at_offer(
    reading: Reading, text: str, today: date, *, options: int, lang: Language
) -> Reading:
    """Read a reply to a slot offer that names a day, time, week or place as a wish."""
    if reading.intent not in _WISH_OVER or _numbers_only(text, options, lang):
        return reading
    wish = parse_wish(text, today)
    return reading if wish is None else Reading(Intent.WISH, wish=wish)


# Where a condition is kept: a yes to the invitation, a yes or no to the questions (no leads
# straight to the times), and a move of a booking.
CONDITIONAL: dict[Step, frozenset[Intent]] = {
    Step.INVITED: frozenset({Intent.YES}),
    Step.CONSENT: frozenset({Intent.YES, Intent.NO, Intent.SKIP}),
    Step.BOOKED: frozenset({Intent.RESCHEDULE, Intent.MORE}),
}


def with_condition(reading: Reading, text: str, today: date, step: Step) -> Reading:
    """Keep the condition of a yes or a move ("ja men ikke tirsdag", "flyt til fredag")."""
    if reading.intent not in CONDITIONAL.get(step, frozenset()):
        return reading
    wish = parse_wish(text, today)
    return reading if wish is None else Reading(reading.intent, reading.value, wish)


def asks_new_time(text: str, flow: Flow = DEFAULT_FLOW) -> bool:
    """Say whether a reply after cancelling asks for a new time ("ny tid", "alligevel")."""
    words = parsing.tokens(text)
    if not words or len(words) > 2 * parsing.SHORT or any(w in _NOT for w in words):
        return False
    if classify_yes_no(text, flow.keywords.yes, flow.keywords.no) is Answer.NO:
        return False
    asked = parsing.phrases(flow.keywords.move) + _AGAIN_PHRASES
    return any(w in _AGAIN for w in words) or any(parsing.has_phrase(words, p) for p in asked)


def read_rebook(text: str, today: date, flow: Flow = DEFAULT_FLOW) -> Reading | None:
    """Read a request for a new time in a closed conversation, with any wish it carries."""
    if not asks_new_time(text, flow):
        return None
    return Reading(Intent.RESCHEDULE, wish=parse_wish(text, today))


def read_municipality(text: str, target: str | None) -> Reading | None:
    """Read a municipality's name; without the target, only a name of up to three words."""
    if "?" in text or question_topic(text) is not None:
        return None  # "hvor foregår det?" is a question, not where the citizen lives
    said = answers.place_words(text)
    if target is None:
        if not said or len(said) > _NAME_WORDS or answers.match_municipality(text, "") is None:
            return None
    elif answers.match_municipality(text, target) is None:
        return None
    return Reading(Intent.MUNICIPALITY, " ".join(text.split())[:MAX_NAME])


# While a booking or a waitlist place stands, these change it; any other thanks needs no answer.
_CHANGES: dict[Step, frozenset[Intent]] = {
    Step.BOOKED: frozenset({Intent.RESCHEDULE, Intent.MORE, Intent.CANCEL}),
    Step.WAITLIST: frozenset({Intent.NO, Intent.CANCEL}),
}


def _answer(
    text: str,
    step: Step,
    today: date,
    *,
    options: int | None,
    lang: Language,
    flow: Flow,
    target: str | None,
) -> Reading:
    if step is Step.CLOSED:
        if parsing.acknowledges(text, flow.keywords.thanks):
            return Reading(Intent.THANKS)
        return read_rebook(text, today, flow) or Reading(Intent.UNKNOWN)
    if step is Step.AGE:
        age = read_age(text, today.year)
        if age is not None:
            return age
    if step is Step.CHOOSING_SLOT:
        count = 3 if options is None else options
        reading = read_answer(text, Expect.CHOICE, options=count, lang=lang, flow=flow)
        return wish_at_offer(reading, text, today, options=count, lang=lang)
    reading = read_answer(text, STEP_EXPECT[step], options=options, lang=lang, flow=flow)
    if step is Step.WAITLIST and reading.intent is not Intent.CANCEL:
        # On the waitlist a wish goes with the place ("fredag går også"), as the flow does.
        wish = parse_wish(text, today)
        if wish is not None:
            return Reading(Intent.WISH, wish=wish)
    if step is Step.MUNICIPALITY and reading.intent is Intent.UNKNOWN:
        # A name is asked for: "ja" and "nej" are asked about again, keywords are no names.
        return read_municipality(text, target) or reading
    changes = _CHANGES.get(step)
    if changes is not None and reading.intent not in changes:
        thanks = parsing.acknowledges(text, flow.keywords.thanks)
        return Reading(Intent.THANKS) if thanks else reading
    return with_condition(reading, text, today, step)


def read_step(
    text: str,
    step: Step,
    *,
    today: date,
    options: int | None = None,
    lang: Language = "da",
    flow: Flow = DEFAULT_FLOW,
    target_municipality: str | None = None,
) -> Reading:
    """Read a reply that is no command as `step` acts on it (see the module)."""
    reading = _answer(
        text, step, today, options=options, lang=lang, flow=flow, target=target_municipality
    )
    same = _SAME.get(step, {}).get(reading.intent)
    if same is not None:
        reading = Reading(same, reading.value, reading.wish)
    if reading.intent not in ACTS_ON[step]:
        reading = Reading(Intent.UNKNOWN)
    # The engine answers a question where it would otherwise say it did not understand; a closed
    # conversation answers once that it has ended.
    topic = question_topic(text)
    if topic is not None and reading.intent is Intent.UNKNOWN and step is not Step.CLOSED:
        return Reading(Intent.QUESTION, topic)
    return reading


def read_at_step(
    text: str,
    step: Step,
    *,
    today: date,
    options: int | None = None,
    lang: Language = "da",
    flow: Flow = DEFAULT_FLOW,
    target_municipality: str | None = None,
) -> Reading:
    """Read a reply exactly as the engine does at `step`: commands, then the step's answer.

    `today` is the Danish local date (birth years and wished dates are read against it);
    `target_municipality` is the campaign's, which the municipality step compares with.
    """
    command = read_command(text, flow)
    if command is not None:
        return command
    return read_step(
        text,
        step,
        today=today,
        options=options,
        lang=lang,
        flow=flow,
        target_municipality=target_municipality,
    )
