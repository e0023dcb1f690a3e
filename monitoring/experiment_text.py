"""The plain-language verdict of an experiment readout, in Danish and English."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from monitoring.experiment_schemas import ComparisonPublic
from monitoring.experiment_stats import Arm
from monitoring.suppression import THRESHOLD

TOO_FEW, NOT_APART, APART = "too_few", "not_apart", "apart"


def points(value: float, *, lang: str) -> str:
    """Write a difference in rates as percentage points, e.g. 4,1 (da) or 4.1 (en)."""
    shown = f"{value * 100:.1f}"
    return shown.replace(".", ",") if lang == "da" else shown


def sentences(
    *,
    arms: Sequence[Arm],
    comparisons: Sequence[ComparisonPublic],
    computable: bool,
    labels: Mapping[str, str],
) -> tuple[str, str, str]:
    """Return the verdict and a sentence in Danish and in English on what the data can tell."""
    if not computable or all(arm.booked < THRESHOLD for arm in arms):
        return (
            TOO_FEW,
            "Endnu for få svar til at skelne mellem varianterne: hver variant skal have mindst "
            f"{THRESHOLD} bookinger og {THRESHOLD} uden booking, før raterne vises.",
            "Too few answers yet to tell the variants apart: each variant needs at least "
            f"{THRESHOLD} bookings and {THRESHOLD} without one before the rates are shown.",
        )
    apart = [c for c in comparisons if c.excludes_zero]
    if not apart:
        unclear_da = "; ".join(_unclear(c, labels, "da") for c in comparisons)
        unclear_en = "; ".join(_unclear(c, labels, "en") for c in comparisons)
        return (
            NOT_APART,
            f"Data kan endnu ikke skelne varianterne: {unclear_da}.",
            f"The data cannot tell the variants apart yet: {unclear_en}.",
        )
    da = " ".join(_clear(c, labels, "da") for c in apart)
    en = " ".join(_clear(c, labels, "en") for c in apart)
    if len(apart) < len(comparisons):
        da += " De øvrige kan endnu ikke skelnes fra variant " + comparisons[0].reference + "."
        en += " The others cannot be told apart from variant " + comparisons[0].reference + " yet."
    return APART, da, en


def _span(c: ComparisonPublic, lang: str) -> str:
    assert c.low is not None and c.high is not None
    low, high = points(c.low, lang=lang), points(c.high, lang=lang)
    return f"95 %-interval {low} til {high}" if lang == "da" else f"95 % interval {low} to {high}"


def _unclear(c: ComparisonPublic, labels: Mapping[str, str], lang: str) -> str:
    assert c.difference is not None
    diff = points(c.difference, lang=lang)
    variant, reference = labels[c.variant], labels[c.reference]
    if lang == "da":
        return (
            f"{variant} minus {reference} er {diff} procentpoint i bookingrate "
            f"({_span(c, lang)}), og intervallet rummer nul"
        )
    return (
        f"{variant} minus {reference} is {diff} percentage points in booking rate "
        f"({_span(c, lang)}), and the interval holds zero"
    )


def _clear(c: ComparisonPublic, labels: Mapping[str, str], lang: str) -> str:
    assert c.difference is not None
    more = c.difference > 0
    diff = points(abs(c.difference), lang=lang)
    variant, reference = labels[c.variant], labels[c.reference]
    if lang == "da":
        word = "flere" if more else "færre"
        return (
            f"Variant {variant} giver {word} bookinger end variant {reference}: {diff} "
            f"procentpoint {'mere' if more else 'mindre'} ({_span(c, lang)})."
        )
    word = "more" if more else "fewer"
    return (
        f"Variant {variant} brings {word} bookings than variant {reference}: {diff} percentage "
        f"points {'more' if more else 'less'} ({_span(c, lang)})."
    )
