"""The statistics of an invitation experiment: rates, a difference with its interval, who is best.

- A variant's booking rate has a Wilson score interval (statsmodels `proportion_confint`).
- The difference in booking rate between a variant and the reference (variant A) has Newcombe's
  hybrid score interval (Newcombe 1998, method 10; statsmodels `confint_proportions_2indep`,
  method "newcomb"): it keeps its coverage near 95 % with small counts and rates near 0, where
  the textbook Wald interval does not.
- The probability that each variant has the highest booking rate is read from independent
  Beta(1 + booked, 1 + not booked) posteriors (a uniform prior), by Monte Carlo with a fixed
  seed, so the same counts always give the same numbers.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

LEVEL = 0.95
DRAWS = 200_000
SEED = 20  # the posterior draws' fixed seed: a readout never changes on its own


@dataclass(frozen=True)
class Arm:
    """One variant's primary outcome: booked out of invited."""

    key: str
    invited: int
    booked: int

    @property
    def rate(self) -> float | None:
        return self.booked / self.invited if self.invited else None


@dataclass(frozen=True)
class Interval:
    low: float
    high: float

    def excludes_zero(self) -> bool:
        return self.low > 0 or self.high < 0


def rate_interval(arm: Arm, *, level: float = LEVEL) -> Interval | None:
    """Return the Wilson score interval of the arm's booking rate; None with nobody invited."""
    if arm.invited == 0:
        return None
    low, high = proportion_confint(arm.booked, arm.invited, alpha=1 - level, method="wilson")
    return Interval(float(low), float(high))


def difference(arm: Arm, reference: Arm, *, level: float = LEVEL) -> tuple[float, Interval] | None:
    """Return the arm's rate minus the reference's with Newcombe's hybrid score interval."""
    if arm.invited == 0 or reference.invited == 0:
        return None
    low, high = confint_proportions_2indep(
        arm.booked,
        arm.invited,
        reference.booked,
        reference.invited,
        method="newcomb",
        compare="diff",
        alpha=1 - level,
    )
    assert arm.rate is not None and reference.rate is not None
    return arm.rate - reference.rate, Interval(float(low), float(high))


def probability_best(arms: Sequence[Arm], *, draws: int = DRAWS, seed: int = SEED) -> list[float]:
    """Return, per arm, the posterior probability that its booking rate is the highest."""
    if not arms:
        return []
    rng = np.random.default_rng(seed)
    samples = np.column_stack(
        [
            stats.beta.rvs(
                1 + arm.booked, 1 + arm.invited - arm.booked, size=draws, random_state=rng
            )
            for arm in arms
        ]
    )
    best = np.bincount(np.argmax(samples, axis=1), minlength=len(arms))
    return [float(count) / draws for count in best]
