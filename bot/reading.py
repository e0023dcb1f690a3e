"""What a reply means at one step: the engine's flows and `parse-reply` both read here.

`read_at_step` is the whole reading of one step: commands first, then the step's own answer
(a birth year, a municipality's name, a time chosen or wished for), then a question about the
campaign's facts where nothing else was understood. The flows call the same pieces, so what
`recruitbot parse-reply --step` prints is what the engine acts on.
"""

from __future__ import annotations

from datetime import date

from bot import numbers, parsing
from bot.flow import DEFAULT_FLOW, Flow
from bot.interpret import (
    Expect,
    Intent,
    Reading,
    question_topic,
    read_answer,
    read_command,
)
from bot.types import Language, Step
from bot.wish import parse_wish

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
    year = parsing.find_birth_year(text, this_year)
    if year is not None:
        return Reading(Intent.BIRTH_YEAR, year)
    age = parsing.find_age(text)
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
    if parsing.classify_yes_no(text, flow.keywords.yes, flow.keywords.no) is parsing.Answer.NO:
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
    said = parsing.place_words(text)
    if target is None:
        if not said or len(said) > _NAME_WORDS or parsing.match_municipality(text, "") is None:
            return None
    elif parsing.match_municipality(text, target) is None:
        return None
    return Reading(Intent.MUNICIPALITY, " ".join(text.split())[:MAX_NAME])


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
    if step is Step.AGE:
        age = read_age(text, today.year)
        if age is not None:
            return age
    if step is Step.CLOSED:
        rebook = read_rebook(text, today, flow)
        if rebook is not None:
            return rebook
    reading = read_answer(text, STEP_EXPECT[step], options=options, lang=lang, flow=flow)
    if step is Step.MUNICIPALITY:
        if reading.intent in (Intent.YES, Intent.NO):
            return Reading(Intent.UNKNOWN)  # a name is asked for; the engine asks again
        if reading.intent is not Intent.SKIP:
            return read_municipality(text, target) or reading
    if step is Step.CHOOSING_SLOT:
        count = 3 if options is None else options
        return wish_at_offer(reading, text, today, options=count, lang=lang)
    return with_condition(reading, text, today, step)
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
    reading = _answer(
        text, step, today, options=options, lang=lang, flow=flow, target=target_municipality
    )
    topic = question_topic(text)
    # The engine answers a question where it would otherwise say it did not understand.
    if topic is not None and reading.intent is Intent.UNKNOWN and step is not Step.CLOSED:
        return Reading(Intent.QUESTION, topic)
    return reading
