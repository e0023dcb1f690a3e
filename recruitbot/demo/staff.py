"""Simulated staff: after each conversation they record whether the citizen came, and the outcome.

The shares come from the national evaluation (000): 62 % referred to an offer, 49 % of those to
more than one; 14 % non-municipal; 25 % advised to see the GP. The no-show rate is a parameter.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from booking.outcomes import Outcome

MUNICIPAL_OFFERS = (
    "rygestop",
    "alkohol",
    "livsstilshold",
    "individuel_vejledning",
    "motion",
    "kost",
    "mental_sundhed",
    "traening_bevaegeapparat",
)
NON_MUNICIPAL_OFFERS = ("fagforening_motion", "patientforening", "privat_fysioterapi")


@dataclass(frozen=True)
class StaffBehaviour:
    no_show_rate: float = 0.12
    referred_share: float = 0.62
    several_offers_share: float = 0.49
    non_municipal_share: float = 0.14
    gp_advice_share: float = 0.25
    further_course_share: float = 0.55  # of those referred


def draw_outcome(rng: random.Random, b: StaffBehaviour) -> Outcome:
    """Draw one conversation's outcome."""
    if rng.random() < b.no_show_rate:
        return Outcome(attended=False)
    municipal: tuple[str, ...] = ()
    referred = rng.random() < b.referred_share
    if referred:
        municipal = tuple(
            rng.sample(MUNICIPAL_OFFERS, 2 if rng.random() < b.several_offers_share else 1)
        )
    non_municipal = (
        (rng.choice(NON_MUNICIPAL_OFFERS),) if rng.random() < b.non_municipal_share else ()
    )
    return Outcome(
        attended=True,
        referrals_municipal=municipal,
        referrals_non_municipal=non_municipal,
        waiting_days=rng.randint(3, 30) if referred else None,
        gp_advice=rng.random() < b.gp_advice_share,
        further_course=referred and rng.random() < b.further_course_share,
    )
