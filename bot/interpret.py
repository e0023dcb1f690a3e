"""What a reply means: one intent, and the answer it carries, for a given expected answer.

Commands come first (STOP, START, HJÆLP, ENGLISH / DANSK, RING: `read_command`), then the
answer the question expects, then the other keywords (AFLYS, FLYT, FLERE, SPRING OVER), then yes
or no (`read_answer`). A reply that says two things at once ("ja nej", "1 og 3" for one time) is
`unknown`, so the engine asks instead of guessing. A keyword counts only where its own clause
does not negate it ("ring ikke til mig" asks for no call). What a step makes of the reading is
`bot.reading`'s, which the engine and `recruitbot parse-reply --step` share; `read_reply` is
`parse-reply --expect`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache

from bot import answers, numbers, parsing, wish, yesno
from bot.flow import DEFAULT_FLOW, Flow, Keywords
from bot.types import CHRONIC_DISEASES, HEALTH_SCALE, Language, SlotWish
from bot.typos import KNOWN_WORDS, Speller

# Commands are short: a long message that happens to contain "help" or "ring" is not one.
COMMAND_WORDS = 6
# "Kan du ringe til mig i stedet?" asks for a call in seven words.
CALLBACK_WORDS = 8
START_WORDS = 3
LANGUAGE_WORDS = 5
# "Nej, det vil jeg ikke svare på" is a skip; a long message that mentions "næste" is not.
SKIP_WORDS = 8
# How many answers each kind of question has when the caller does not say.
DEFAULT_OPTIONS = {"choice": 3, "scale": len(HEALTH_SCALE), "multi": len(CHRONIC_DISEASES)}


class Expect(StrEnum):
    """The kind of answer a question asks for."""

    YES_NO = "yes_no"
    CHOICE = "choice"  # one of 1..N (a time)
    SCALE = "scale"  # the 5-point health scale: 1 = Fremragende ... 5 = Dårligt
    MULTI = "multi"  # any of 1..N, or none (chronic diseases)


class Intent(StrEnum):
    """What a reply means."""

    YES = "yes"
    NO = "no"
    STOP = "stop"
    START = "start"
    HELP = "help"
    LANGUAGE = "language"
    CALLBACK = "callback"
    CANCEL = "cancel"
    RESCHEDULE = "reschedule"
    MORE = "more"
    SKIP = "skip"
    CHOICE = "choice"
    CHOICES = "choices"
    QUESTION = "question"  # a question about the campaign's facts; value names the fact
    THANKS = "thanks"  # an acknowledgement that needs no answer ("tak", "ok 👍"): nothing is sent
    WISH = "wish"  # at a slot offer: a day, date, part of the day, week or place; see `wish`
    MUNICIPALITY = "municipality"  # at the municipality step: a name; value is it as written
    BIRTH_YEAR = "birth_year"  # at the age step: a year of birth ("1971", "født 71")
    AGE = "age"  # at the age step: an age in years ("52")
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Reading:
    """One reply, understood."""

    intent: Intent
    value: int | str | tuple[int, ...] | None = None
    # When and where the reply asks for: with `wish`, and with a conditional `yes` ("ja men ikke
    # tirsdag") or a `reschedule` ("kan vi flytte til fredag?").
    wish: SlotWish | None = None

    def as_dict(self) -> dict[str, object]:
        """Render as the JSON object `parse-reply` prints."""
        out: dict[str, object] = {"intent": self.intent.value}
        if self.value is not None:
            out["value"] = list(self.value) if isinstance(self.value, tuple) else self.value
        if self.wish is not None:
            out["wish"] = self.wish.as_dict()
        return out


UNKNOWN = Reading(Intent.UNKNOWN)


@lru_cache(maxsize=32)
def speller(keywords: Keywords) -> Speller:
    """Build the typo speller for one flow's keywords."""
    guarded = (keywords.stop, keywords.start, keywords.cancel)
    targets = (
        keywords.yes,
        keywords.no,
        keywords.help,
        keywords.skip,
        keywords.more,
        keywords.move,
        keywords.callback,
        keywords.none,
        keywords.english,
        keywords.danish,
    )
    return Speller.build(
        targets={w for words in targets for w in parsing.word_set(words)} | answers.answer_words(),
        # Only one-word commands are guarded: "flere" in "ikke flere sms" is no stop word.
        guarded={p[0] for words in guarded for p in parsing.phrases(words) if len(p) == 1},
        known=numbers.known_words()
        | parsing.word_set(keywords.thanks)
        | parsing.word_set(w for words in guarded for w in words)
        | parsing.word_set(KNOWN_WORDS)
        | wish.known_words(),
    )


@dataclass(frozen=True)
class Reply:
    """A reply keyed and typo-corrected, ready for the readers."""

    text: str  # keyed and corrected; clauses end with ". ", so `parsing.clauses` finds them
    clauses: tuple[parsing.Tokens, ...]  # the same words, clause by clause
    numbers: parsing.Tokens
    lang: Language
    options: int
    keywords: Keywords

    @classmethod
    def of(cls, text: str, *, lang: Language, options: int, flow: Flow) -> Reply:
        """Key and correct a reply."""
        spell = speller(flow.keywords)
        parts = tuple(spell.correct_all(words) for words in parsing.clauses(text))
        return cls(
            text=". ".join(" ".join(words) for words in parts),
            clauses=parts,
            numbers=spell.correct_all(numbers.number_words(text)),
            lang=lang,
            options=options,
            keywords=flow.keywords,
        )

    @property
    def words(self) -> parsing.Tokens:
        """Every word of the reply, clauses run together."""
        return tuple(word for words in self.clauses for word in words)


def read_command(text: str, flow: Flow = DEFAULT_FLOW) -> Reading | None:
    """Read a command that works anywhere; None if the reply is none."""
    words = flow.keywords
    # STOP and START are read as written: a typo must never opt anyone out or in.
    if parsing.is_opt_out(text, words.stop):
        return Reading(Intent.STOP)
    if parsing.mentions(text, words.start, START_WORDS):
        return Reading(Intent.START)
    spell = speller(words)
    parts = tuple(spell.correct_all(clause) for clause in parsing.clauses(text))
    corrected = " ".join(word for clause in parts for word in clause)
    if parsing.mentions(corrected, words.help, COMMAND_WORDS):
        return Reading(Intent.HELP)
    if parsing.mentions(corrected, words.english, LANGUAGE_WORDS):
        return Reading(Intent.LANGUAGE, "en")
    if parsing.mentions(corrected, words.danish, LANGUAGE_WORDS):
        return Reading(Intent.LANGUAGE, "da")
    if parsing.mentions(corrected, words.callback, CALLBACK_WORDS) and _asks_for_a_call(
        parts, words
    ):
        return Reading(Intent.CALLBACK)
    return None


# "ring mig ikke op": a negation up to two words after the call word.
_CALL_NEGATED_AHEAD = 2


def _asks_for_a_call(parts: tuple[parsing.Tokens, ...], words: Keywords) -> bool:
    """Say whether a call is asked for, not declined ("ring ikke til mig", "don't call me")."""
    return any(
        parsing.says(clause, phrase, ahead=_CALL_NEGATED_AHEAD)
        for clause in parts
        for phrase in parsing.phrases(words.callback)
    )


# ------------------------------------------------------------------ readers

Reader = Callable[[Reply], Reading | None]


def _yes_no(reply: Reply) -> Reading | None:
    answer = yesno.classify_yes_no(reply.text, reply.keywords.yes, reply.keywords.no)
    if answer is None:
        return None
    return Reading(Intent.YES if answer is yesno.Answer.YES else Intent.NO)


def _keyword(intent: Intent, pick: Callable[[Keywords], tuple[str, ...]], limit: int) -> Reader:
    def read(reply: Reply) -> Reading | None:
        return (
            Reading(intent) if parsing.mentions(reply.text, pick(reply.keywords), limit) else None
        )

    return read


_keyword_skip = _keyword(Intent.SKIP, lambda k: k.skip, SKIP_WORDS)
# "Pas på jer selv" (take care) and "melde pas" (decline) are no skip.
# "i næste uge" (next week) is a time wished for, no "next question".
_NOT_SKIP = tuple(parsing.tokens(p) for p in ("pas på", "melde pas", "næste uge", "next week"))


def _skip(reply: Reply) -> Reading | None:
    words = reply.words
    if any(parsing.has_phrase(words, phrase) for phrase in _NOT_SKIP):
        return None
    return _keyword_skip(reply)


# A booking keyword counts in a short clause of a reply of reasonable length, not negated:
# "Jeg kan desværre ikke komme. Aflys venligst" cancels, "jeg vil ikke flytte den" does not.
_LONGEST = 4 * parsing.SHORT


def _clause_keyword(intent: Intent, pick: Callable[[Keywords], tuple[str, ...]]) -> Reader:
    def read(reply: Reply) -> Reading | None:
        if len(reply.words) > _LONGEST:
            return None
        wanted = parsing.phrases(pick(reply.keywords))
        for words in reply.clauses:
            if len(words) <= parsing.SHORT and any(parsing.says(words, p) for p in wanted):
                return Reading(intent)
        return None

    return read


_more = _clause_keyword(Intent.MORE, lambda k: k.more)
_reschedule = _clause_keyword(Intent.RESCHEDULE, lambda k: k.move)
# "Kan jeg aflyse senere?", "hvordan aflyser jeg?" ask about cancelling; "kan I aflyse min tid?"
# asks to have it done.
_LATER = parsing.word_set(parsing.spaced("senere later"))
_HOW = parsing.word_set(parsing.spaced("hvordan how"))
# "Hvis jeg bliver syg, så aflys": a cancellation on a condition is asked about, not done.
_IF = parsing.word_set(parsing.spaced("hvis if saafremt"))
_MAY = parsing.word_set(parsing.spaced("kan can maa skal"))
_ASKERS = parsing.word_set(parsing.spaced("jeg man vi we"))


def _asks_whether(words: parsing.Tokens, lang: Language) -> bool:
    """Say whether a clause asks whether or how one may cancel ("kan jeg aflyse?")."""
    if not words:
        return False
    if words[0] in _HOW:
        return True
    asker = words[1] if len(words) > 1 else ""
    # Danish "I" is you (plural): "kan I aflyse min tid?" asks to have it done.
    return words[0] in _MAY and (asker in _ASKERS or (asker == "i" and lang == "en"))


def _cancel(reply: Reply) -> Reading | None:
    """Read a wish to cancel the appointment, by a cancel keyword or "afmeld / slet min tid"."""
    if len(reply.words) > _LONGEST or any(words[0] in _IF for words in reply.clauses):
        return None
    cancel = parsing.phrases(reply.keywords.cancel)
    for words in reply.clauses:
        if len(words) > parsing.SHORT or any(w in _LATER for w in words):
            continue
        if _asks_whether(words, reply.lang):
            continue
        if any(parsing.says(words, p) for p in cancel):
            return Reading(Intent.CANCEL)
        if parsing.cancels_appointment(words, reply.keywords.stop):
            return Reading(Intent.CANCEL)
    return None


def _choice(reply: Reply) -> Reading | None:
    found = numbers.read_numbers(reply.numbers, reply.lang)
    if found is None:
        return None
    if len(set(found)) == 1 and 1 <= found[0] <= reply.options:
        return Reading(Intent.CHOICE, found[0])
    # A number outside the offer, or two of them: ask rather than guess.
    return UNKNOWN


_LAST = parsing.word_set(parsing.spaced("sidste last"))
# "ingen af dem passer" declines the times offered: offer others, as FLERE does.
_NONE_FIT = parsing.phrases(
    (
        "ingen af dem",
        "ingen af tiderne",
        "ingen af de tider",
        "none of them",
        "none of these",
        "none of those",
        "none of the times",
    )
)


def _last(reply: Reply) -> Reading | None:
    """Read "den sidste" / "the last one" as the last time offered."""
    words = reply.numbers
    last = reply.options and any(w in _LAST for w in words)
    if last and all(w in _LAST or w in numbers.FILLER or w == "one" for w in words):
        return Reading(Intent.CHOICE, reply.options)
    return None


def _none_fit(reply: Reply) -> Reading | None:
    words = reply.words
    return Reading(Intent.MORE) if any(parsing.has_phrase(words, p) for p in _NONE_FIT) else None


def _scale(reply: Reply) -> Reading | None:
    found = numbers.read_numbers(reply.numbers, reply.lang)
    if found is not None:
        if len(set(found)) == 1 and 1 <= found[0] <= len(HEALTH_SCALE):
            return Reading(Intent.CHOICE, found[0])
        return UNKNOWN
    health = answers.parse_health(reply.text)
    return None if health is None else Reading(Intent.CHOICE, HEALTH_SCALE.index(health) + 1)


def _multi(reply: Reply) -> Reading | None:
    found = numbers.read_numbers(reply.numbers, reply.lang, ordinals=False)
    if found is not None:
        if set(found) == {0}:
            return Reading(Intent.CHOICES, ())
        if all(1 <= n <= reply.options for n in found):
            return Reading(Intent.CHOICES, tuple(sorted(set(found))))
        return UNKNOWN
    diseases = answers.parse_chronic(reply.text, reply.keywords.none, reply.options)
    if diseases is None:
        return None
    chosen = tuple(CHRONIC_DISEASES.index(d) + 1 for d in diseases)
    if any(n > reply.options for n in chosen):
        return UNKNOWN
    return Reading(Intent.CHOICES, chosen)


# What to look for, in order, for each kind of question; None is "nothing in particular asked"
# (a booking stands). Skipping comes before yes / no: "nej, det vil jeg ikke svare på" skips.
_ORDER: dict[Expect | None, tuple[Reader, ...]] = {
    Expect.YES_NO: (_skip, _yes_no, _reschedule, _cancel, _more),
    # "anden tid" (another time) and "andre tider" are asked for before "anden" is read as 2.
    Expect.CHOICE: (_none_fit, _more, _reschedule, _last, _choice, _cancel, _skip, _yes_no),
    Expect.SCALE: (_scale, _skip, _yes_no, _reschedule, _cancel, _more),
    Expect.MULTI: (_multi, _skip, _yes_no, _reschedule, _cancel, _more),
    None: (_reschedule, _cancel, _more, _skip, _yes_no),
}


_DISEASE_TYPE = re.compile(r"\b(type|diabetes|sukkersyge)[\s-]*(?:[12]|ii?)\b", re.IGNORECASE)


def read_answer(
    text: str,
    expect: Expect | None,
    *,
    options: int | None = None,
    lang: Language = "da",
    flow: Flow = DEFAULT_FLOW,
) -> Reading:
    """Read a reply that is not a command as an answer to a question of kind `expect`."""
    count = DEFAULT_OPTIONS.get(expect.value if expect else "", 0) if options is None else options
    if expect is Expect.MULTI:
        # "diabetes 2", "type 1": a number inside a disease's name is not option 2.
        text = _DISEASE_TYPE.sub(r"\1", text)
    reply = Reply.of(text, lang=lang, options=count, flow=flow)
    for reader in _ORDER[expect]:
        reading = reader(reply)
        if reading is not None:
            return reading
    return UNKNOWN


def read_reply(
    text: str,
    expect: Expect | None,
    *,
    options: int | None = None,
    lang: Language = "da",
    flow: Flow = DEFAULT_FLOW,
) -> Reading:
    """Read any reply: a command, or an answer to a question of kind `expect`."""
    command = read_command(text, flow)
    if command is not None:
        return command
    return read_answer(text, expect, options=options, lang=lang, flow=flow)


def resembles_stop(text: str, flow: Flow = DEFAULT_FLOW) -> bool:
    """Say whether a short reply nearly says STOP ("stpo", "afmled"), to ask rather than guess."""
    words = parsing.tokens(text)
    if not 0 < len(words) <= 3:
        return False
    stop_words = {p[0] for p in parsing.phrases(flow.keywords.stop) if len(p) == 1}
    spell = speller(flow.keywords)
    return any(spell.resembles(word, stop_words) for word in words)
