"""Simulated citizens: how people really answer a text from the municipality.

No source gives SMS reply or no-show rates, so every rate here is a named parameter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import timedelta

from bot.types import Step


@dataclass(frozen=True)
class Behaviour:
    """The rates the simulation draws from; change them to try other scenarios."""

    reply_rate: float = 0.35  # share of invited who ever answer the invitation
    late_share: float = 0.25  # of those, share who answer only after the reminder
    decline_share: float = 0.22  # of those who answer, "nej"
    stop_share: float = 0.08  # of those who answer, STOP or a variant
    question_share: float = 0.06  # of those who answer, ask something first
    callback_share: float = 0.04  # of those who answer, ask to be called ("Ring mig op")
    typo_share: float = 0.12  # a yes written sloppily ("jaa", "ja tk", "Ja!!")
    consent_share: float = 0.85  # agree to the health questions
    outside_age_share: float = 0.03  # say they are not in the age band (list out of date)
    more_share: float = 0.15  # ask for more times before choosing
    cancel_share: float = 0.04  # cancel after booking
    move_share: float = 0.05  # move the booking
    rebook_share: float = 0.5  # accept the offer to rebook after a no-show
    follow_up_reply_share: float = 0.6
    # The demo's experiment: variant B (the short text) draws this much more of the invited to
    # answer than variant A. A parameter of the simulation, not a finding (docs/experiments.md).
    variant_b_reply_lift: float = 0.12
    waitlist_share: float = 0.7  # take a place on the waitlist when no time is free


YES = ("Ja tak", "ja", "Ja gerne", "JA", "ja tak 🙂", "Yes please")
SLOPPY_YES = ("jaa", "ja tk", "Ja!!", "jeps", "jo tak", "ja det vil jeg gerne")
NO = ("Nej tak", "nej", "Nej, det er ikke noget for mig", "NEJ TAK")
STOP = ("STOP", "stop", "Afmeld", "Nej tak, stop", "stop venligst", "afmeld mig")
CALLBACKS = ("Ring mig op", "ring til mig", "Kan I ringe?")
QUESTIONS = ("Hvad koster det?", "hvem er i?", "Hvad er det her?", "HJÆLP")
HEALTH = (("1", 0.10), ("2", 0.22), ("3", 0.56), ("4", 0.11), ("5", 0.01))
CHRONIC = (
    ("ingen", 0.45),
    ("1", 0.15),
    ("4", 0.12),
    ("1 4", 0.08),
    ("5", 0.1),
    ("2", 0.05),
    ("3", 0.05),
)


@dataclass
class Citizen:
    """One simulated person: decides once whether to answer, then plays along."""

    phone: str
    answers: bool
    late: bool
    # What they answer to the invitation: "yes", "sloppy", "no", "stop", "question", "callback".
    first: str
    asked: bool = False
    done: set[str] = field(default_factory=set)


def make_citizen(
    phone: str, rng: random.Random, b: Behaviour, variant: str | None = None
) -> Citizen:
    """Draw one person's character; `variant` is the invitation they were assigned."""
    draw = rng.random()
    first = "yes"
    for name, share in (
        ("no", b.decline_share),
        ("stop", b.stop_share),
        ("question", b.question_share),
        ("callback", b.callback_share),
    ):
        if draw < share:
            first = name
            break
        draw -= share
    if first == "yes" and rng.random() < b.typo_share:
        first = "sloppy"
    return Citizen(
        phone=phone,
        answers=rng.random() < reply_rate(b, variant),
        late=rng.random() < b.late_share,
        first=first,
    )


def reply_rate(b: Behaviour, variant: str | None) -> float:
    """The share who answer an invitation of `variant` (None: no experiment)."""
    return min(1.0, b.reply_rate + (b.variant_b_reply_lift if variant == "B" else 0.0))


def delay(rng: random.Random) -> timedelta:
    """How long a person takes to answer: minutes mostly, hours sometimes.

    Late answerers (`Behaviour.late_share`) answer only the reminder four days later instead.
    """
    minutes = rng.lognormvariate(3.2, 1.1)  # median ~25 minutes, long tail into the evening
    return timedelta(minutes=min(minutes, 60 * 20))


def pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    """Choose by weight."""
    return rng.choices([v for v, _ in weighted], [w for _, w in weighted])[0]


def answer(citizen: Citizen, kind: str, step: Step, rng: random.Random, b: Behaviour) -> str | None:
    """What the person writes back to a message of `kind`, seen in conversation step `step`."""
    if kind in ("invitation", "invitation_reminder") and step == Step.INVITED:
        return _first_answer(citizen, kind, rng)
    if kind in ("help", "clarification", "info") and step == Step.INVITED:
        return rng.choice(YES)
    if step == Step.CONSENT:
        return "ja" if rng.random() < b.consent_share else "nej tak"
    if step == Step.AGE:
        return (
            "nej"
            if rng.random() < b.outside_age_share
            else rng.choice(("ja", "Ja", "ja det er jeg"))
        )
    if step == Step.MUNICIPALITY:
        return "Roskilde"
    if step == Step.HEALTH:
        return pick(rng, HEALTH)
    if step == Step.CHRONIC:
        return pick(rng, CHRONIC)
    if step == Step.WAITLIST_ASKED:
        return "ja" if rng.random() < b.waitlist_share else "nej tak"
    if step == Step.CHOOSING_SLOT:
        if kind == "rebook_offer":
            return "ja" if rng.random() < b.rebook_share else "nej tak"
        if "more" not in citizen.done and rng.random() < b.more_share:
            citizen.done.add("more")
            return "flere"
        return rng.choice(("1", "2", "3", "nr 2", "1"))
    if step == Step.BOOKED and kind == "confirmation" and "changed" not in citizen.done:
        citizen.done.add("changed")
        draw = rng.random()
        if draw < b.cancel_share:
            return "aflys"
        if draw < b.cancel_share + b.move_share:
            return "flyt"
    if kind == "follow_up" and rng.random() < b.follow_up_reply_share:
        return rng.choice(("Det går godt, tak!", "Fint, jeg er startet på holdet", "tak"))
    return None


def _first_answer(citizen: Citizen, kind: str, rng: random.Random) -> str | None:
    if not citizen.answers or (citizen.late and kind == "invitation") or citizen.asked:
        return None
    citizen.asked = True
    return {
        "yes": lambda: rng.choice(YES),
        "sloppy": lambda: rng.choice(SLOPPY_YES),
        "no": lambda: rng.choice(NO),
        "stop": lambda: rng.choice(STOP),
        "question": lambda: rng.choice(QUESTIONS),
        "callback": lambda: rng.choice(CALLBACKS),
    }[citizen.first]()
