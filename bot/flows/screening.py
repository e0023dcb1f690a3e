"""The screening questions: consent, age, municipality, self-rated health, chronic disease."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Any

from bot import answers, fit, reading
from bot.flow import Flow
from bot.flows import booking
from bot.flows.common import close_effect, closed_state, confused, say
from bot.interpret import Intent, Reading
from bot.types import (
    CHRONIC_DISEASES,
    HEALTH_SCALE,
    Context,
    ConversationState,
    MessageKind,
    Outbound,
    ScreenedIn,
    ScreenedOut,
    Screening,
    Step,
    Transition,
)
from core.calendar import local

QUESTIONS = {
    Step.CONSENT: "consent",
    Step.AGE: "ask_age",
    Step.MUNICIPALITY: "ask_municipality",
    Step.HEALTH: "ask_health",
    Step.CHRONIC: "ask_chronic",
}
_CLARIFY = {
    Step.CONSENT: "clarify_consent",
    Step.AGE: "clarify_age",
    Step.MUNICIPALITY: "clarify_municipality",
    Step.HEALTH: "clarify_health",
    Step.CHRONIC: "clarify_chronic",
}

Reply = Callable[[ConversationState, Reading, str, Context, Flow, datetime], Transition | None]


def question(state: ConversationState, ctx: Context, flow: Flow) -> Outbound:
    """Ask the question of the current screening step."""
    return say(flow, QUESTIONS[state.step], MessageKind.QUESTION, state, ctx)


def ask(state: ConversationState, step: Step, ctx: Context, flow: Flow) -> Transition:
    """Move to a screening step and ask its question."""
    asking = state.with_(step=step, misunderstood=0)
    return Transition(asking, (question(asking, ctx, flow),))


def _screen(state: ConversationState, **answers: Any) -> ConversationState:
    return state.with_(screening=replace(state.screening, **answers))


def _screened_in(state: ConversationState, now: datetime, ctx: Context, flow: Flow) -> Transition:
    return booking.offer(state, now, ctx, flow, effects=(ScreenedIn(),))


def _screened_out(state: ConversationState, reason: str, ctx: Context, flow: Flow) -> Transition:
    done = closed_state(state, "screened_out")
    message = say(flow, f"screened_out_{reason}", MessageKind.SCREENED_OUT, done, ctx)
    return Transition(done, (message,), (ScreenedOut(reason=reason), close_effect("screened_out")))


def read_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Reading:
    """Read an answer to the current question as `recruitbot parse-reply --step` does."""
    return reading.read_step(
        text,
        state.step,
        today=local(now).date(),
        lang=state.lang,
        flow=flow,
        target_municipality=ctx.target_municipality,
    )


def _on_consent(
    state: ConversationState, answer: Reading, text: str, ctx: Context, flow: Flow, now: datetime
) -> Transition | None:
    state = state.with_(wish=fit.merge(state.wish, answer.wish))
    if answer.intent is Intent.YES:
        return ask(state.with_(consent=True), Step.AGE, ctx, flow)
    # Skipping the questions is saying no to them: straight to the times.
    if answer.intent in (Intent.NO, Intent.SKIP):
        return _screened_in(state.with_(consent=False), now, ctx, flow)
    return None


def _after_age(state: ConversationState, ctx: Context, flow: Flow) -> Transition:
    next_step = Step.MUNICIPALITY if ctx.municipality is None else Step.HEALTH
    return ask(state, next_step, ctx, flow)


def _age_fits(state: ConversationState, answer: Reading, now: datetime, ctx: Context) -> Screening:
    """Hold a year of birth, an age, or a yes or no against the band."""
    if answer.intent is Intent.BIRTH_YEAR and isinstance(answer.value, int):
        year, this_year = answer.value, local(now).year
        # Without the birthday the age is one of two; give the benefit of the doubt.
        fits = this_year - year >= ctx.age_min and this_year - year - 1 <= ctx.age_max
        return replace(state.screening, birth_year=year, age_confirmed=fits)
    if answer.intent is Intent.AGE and isinstance(answer.value, int):
        return replace(state.screening, age_confirmed=ctx.age_min <= answer.value <= ctx.age_max)
    return replace(state.screening, age_confirmed=answer.intent is Intent.YES)


def _on_age(
    state: ConversationState, answer: Reading, text: str, ctx: Context, flow: Flow, now: datetime
) -> Transition | None:
    if answer.intent is Intent.SKIP:
        return _after_age(state, ctx, flow)
    if answer.intent not in (Intent.BIRTH_YEAR, Intent.AGE, Intent.YES, Intent.NO):
        return None
    answered = state.with_(screening=_age_fits(state, answer, now, ctx))
    if answered.screening.age_confirmed:
        return _after_age(answered, ctx, flow)
    return _screened_out(answered, "age", ctx, flow)


def _on_municipality(
    state: ConversationState, answer: Reading, text: str, ctx: Context, flow: Flow, now: datetime
) -> Transition | None:
    if answer.intent is Intent.SKIP:
        return ask(state, Step.HEALTH, ctx, flow)
    if answer.intent is not Intent.MUNICIPALITY or not isinstance(answer.value, str):
        return None
    answered = _screen(state, municipality=answer.value)
    if answers.match_municipality(text, ctx.target_municipality):
        return ask(answered, Step.HEALTH, ctx, flow)
    return _screened_out(answered, "municipality", ctx, flow)


def _on_health(
    state: ConversationState, answer: Reading, text: str, ctx: Context, flow: Flow, now: datetime
) -> Transition | None:
    if answer.intent is Intent.SKIP:
        return ask(state, Step.CHRONIC, ctx, flow)
    if answer.intent is not Intent.CHOICE or not isinstance(answer.value, int):
        return None
    health = HEALTH_SCALE[answer.value - 1]
    return ask(_screen(state, self_rated_health=health), Step.CHRONIC, ctx, flow)


def _on_chronic(
    state: ConversationState, answer: Reading, text: str, ctx: Context, flow: Flow, now: datetime
) -> Transition | None:
    if answer.intent is Intent.SKIP:
        return _screened_in(state, now, ctx, flow)
    if answer.intent is not Intent.CHOICES or not isinstance(answer.value, tuple):
        return None
    diseases = tuple(CHRONIC_DISEASES[n - 1] for n in answer.value)
    return _screened_in(_screen(state, chronic_diseases=diseases), now, ctx, flow)


_REPLIES: dict[Step, Reply] = {
    Step.CONSENT: _on_consent,
    Step.AGE: _on_age,
    Step.MUNICIPALITY: _on_municipality,
    Step.HEALTH: _on_health,
    Step.CHRONIC: _on_chronic,
}


def on_reply(
    state: ConversationState, text: str, now: datetime, ctx: Context, flow: Flow
) -> Transition:
    """Read an answer to the current screening question."""
    answer = read_reply(state, text, now, ctx, flow)
    answered = _REPLIES[state.step](state, answer, text, ctx, flow, now)
    if answered is None:
        return confused(state, text, ctx, flow, _CLARIFY[state.step])
    return answered
