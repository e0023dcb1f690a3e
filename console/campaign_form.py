"""The campaign form: what a coordinator typed, read into the API's own models.

Values come back exactly as typed when something is wrong, and each problem is named beside
its field in Danish. The rules are the services' own: `CampaignCreate` / `CampaignUpdate`
check the ranges, `outreach.templates.template_problems` the invitation texts.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import Any, TypeVar

from pydantic import ValidationError
from starlette.datastructures import FormData

from core.calendar import COPENHAGEN, local
from outreach.schemas import CampaignCreate, CampaignPublic, CampaignUpdate
from outreach.templates import template_problems
from store.municipalities import resolve_municipality

M = TypeVar("M", CampaignCreate, CampaignUpdate)
N = TypeVar("N", CampaignCreate, CampaignUpdate)
Values = dict[str, str | list[str]]
Errors = dict[str, list[str]]

OWN_TEXTS = ("name", "sender", "help_phone", "channel", "template_da", "template_en")
TEXTS = (*OWN_TEXTS, "municipality")
NUMBERS = (
    "age_min",
    "age_max",
    "window_start_hour",
    "window_end_hour",
    "daily_limit",
    "reinvite_after_days",
)
LISTS = ("partners", "education_priority")
CHECKS = ("allow_links", "paced")
ACROSS = ("age_min", "age_max", "window_start_hour", "window_end_hour")
FIELDS = (*TEXTS, *NUMBERS, *LISTS, *CHECKS, "booking_rate_percent", "starts_on")

DEFAULTS: Values = {
    "age_min": "40",
    "age_max": "60",
    "window_start_hour": "9",
    "window_end_hour": "18",
    "daily_limit": "100",
    "reinvite_after_days": "90",
    "booking_rate_percent": "15",
    "paced": ["1"],
}


@dataclass
class CampaignForm:
    """A filled-in form: the values as typed and the problems found, by field."""

    values: Values
    errors: Errors = field(default_factory=dict)

    def add(self, name: str, message: str) -> None:
        self.errors.setdefault(name, []).append(message)


def blank(*, channels: Sequence[str]) -> CampaignForm:
    """Return the form for a new campaign, with the service's defaults filled in."""
    channel = "twilio" if "twilio" in channels else channels[0]
    return CampaignForm(values={**DEFAULTS, "channel": channel})


def of_campaign(campaign: CampaignPublic) -> CampaignForm:
    """Return the form filled in with a draft's settings, to change them."""
    values: Values = {name: str(getattr(campaign, name) or "") for name in OWN_TEXTS}
    values |= {name: str(getattr(campaign, name)) for name in NUMBERS}
    values["partners"] = list(campaign.partners)
    values["education_priority"] = list(campaign.education_priority)
    values |= {name: ["1"] for name in CHECKS if getattr(campaign, name)}
    values["booking_rate_percent"] = _percent_text(campaign.booking_rate_prior)
    if campaign.starts_at is not None:
        values["starts_on"] = local(campaign.starts_at).date().isoformat()
    return CampaignForm(values=values)


def read(form: FormData) -> CampaignForm:
    """Take the form's fields as typed."""
    values: Values = {}
    for name in (*TEXTS, *NUMBERS, "booking_rate_percent", "starts_on"):
        value = form.get(name)
        values[name] = value.strip() if isinstance(value, str) else ""
    for name in (*LISTS, *CHECKS):
        values[name] = [v for v in form.getlist(name) if isinstance(v, str)]
    return CampaignForm(values=values)


def to_create(
    filled: CampaignForm, *, needs_municipality: bool, telegram_bot: str
) -> CampaignCreate | None:
    """Return the new campaign, or None with the problems noted on the form."""
    data = _typed(filled)
    if needs_municipality:
        _check_municipality(filled)
    else:
        data.pop("municipality", None)
    return _validated(filled, CampaignCreate, data, telegram_bot=telegram_bot)


def to_update(filled: CampaignForm, *, telegram_bot: str) -> CampaignUpdate | None:
    """Return the changes to a draft (every field, as the form shows them all), or None."""
    data = _typed(filled)
    data.pop("municipality", None)
    return _validated(filled, CampaignUpdate, data, telegram_bot=telegram_bot)


def _typed(filled: CampaignForm) -> dict[str, Any]:
    """Turn the typed text into numbers, dates and lists; note what cannot be read."""
    values = filled.values
    data: dict[str, Any] = {name: _text(values, name) for name in TEXTS}
    data["help_phone"] = data["help_phone"] or ""
    for name in NUMBERS:
        data[name] = _whole(filled, name)
    data["booking_rate_prior"] = _rate(filled)
    data["starts_at"] = _start(filled)
    for name in LISTS:
        data[name] = list(values.get(name, []))
    for name in CHECKS:
        data[name] = bool(values.get(name))
    return data


def _text(values: Mapping[str, str | list[str]], name: str) -> str | None:
    value = values.get(name, "")
    if isinstance(value, str) and value:
        return value
    return None


def _whole(filled: CampaignForm, name: str) -> int | None:
    text = str(filled.values.get(name, ""))
    if not text:
        filled.add(name, "Skal udfyldes.")
        return None
    if not (text.isdecimal() and len(text) <= 7):
        filled.add(name, "Skriv et helt tal.")
        return None
    return int(text)


def _rate(filled: CampaignForm) -> float | None:
    text = str(filled.values.get("booking_rate_percent", "")).replace(",", ".").rstrip(" %")
    try:
        rate = float(text) / 100
    except ValueError:
        filled.add("booking_rate_percent", "Skriv en procentsats, fx 15.")
        return None
    if not 0 < rate <= 1:
        filled.add("booking_rate_percent", "Skriv en procentsats over 0 og højst 100.")
        return None
    return rate


def _start(filled: CampaignForm) -> datetime | None:
    text = str(filled.values.get("starts_on", ""))
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError:
        filled.add("starts_on", "Skriv en dato som 2027-01-04, eller lad feltet stå tomt.")
        return None
    return datetime.combine(day, time(0), COPENHAGEN)


def _check_municipality(filled: CampaignForm) -> None:
    text = str(filled.values.get("municipality", ""))
    if not text:
        filled.add("municipality", "Skriv kommunens navn eller kommunekode.")
    elif resolve_municipality(text) is None:
        filled.add("municipality", "Det er ikke en dansk kommune. Skriv fx Roskilde eller 265.")


def _validated(
    filled: CampaignForm, model: type[M], data: dict[str, Any], *, telegram_bot: str
) -> M | None:
    """Check the typed values with the API's model, then the templates with their rules."""
    unreadable = set(filled.errors)
    # Checks across fields run only once every field is valid; the update model, whose fields
    # are all optional, runs them on just those fields, so they show in the same round.
    across = {name: data[name] for name in ACROSS if name not in unreadable}
    _check(filled, CampaignUpdate, across, skip=unreadable)
    result = _check(filled, model, data, skip=unreadable)
    sender = str(data.get("sender") or "")
    for lang in ("da", "en"):
        text = data.get(f"template_{lang}")
        if text and sender:
            for problem in template_problems(
                text,
                sender=sender,
                allow_links=bool(data["allow_links"]),
                telegram_bot=telegram_bot,
                lang="da",
            ):
                filled.add(f"template_{lang}", f"Teksten {problem}.")
    return None if filled.errors else result


def _check(
    filled: CampaignForm, model: type[N], data: dict[str, Any], *, skip: set[str]
) -> N | None:
    """Validate with a model; note each problem in Danish, once, beside its field."""
    try:
        return model.model_validate(data)
    except ValidationError as invalid:
        for error in invalid.errors():
            name, message = _danish(error)
            if name not in skip and message not in filled.errors.get(name, []):
                filled.add(name, message)
    return None


_BY_TYPE = {
    "missing": "Skal udfyldes.",
    "string_type": "Skal udfyldes.",  # an empty field is read as None
    "string_too_short": "Skal udfyldes.",
    "string_too_long": "Højst {max_length} tegn.",
    "too_long": "Højst {max_length}.",
    "string_pattern_mismatch": "Teksten indeholder tegn, der ikke kan bruges, fx tabulatorer.",
    "greater_than_equal": "Mindst {ge}.",
    "less_than_equal": "Højst {le}.",
    "greater_than": "Skal være over {gt}.",
    "enum": "Vælg en af mulighederne.",
    "literal_error": "Vælg en af mulighederne.",
}
# Checks that span fields say which one they are about only in their message.
_BY_MESSAGE = (
    ("age_min is above age_max", "age_max", "Den øvre alder skal være mindst den nedre."),
    ("window_start_hour", "window_end_hour", "Sendevinduet skal slutte, efter det begynder."),
    ("name at least one partner", "partners", "Vælg mindst én partner."),
    ("start between", "starts_on", "Vælg en dato mellem år 2000 og 2100."),
    ("not valid Unicode", "", "Teksten kan ikke læses."),
)
_FORM_NAMES = {"booking_rate_prior": "booking_rate_percent", "starts_at": "starts_on"}


def _danish(error: Mapping[str, Any]) -> tuple[str, str]:
    """Return the form field a validation error is about, and a Danish message for it."""
    location = error.get("loc") or ("",)
    name = _FORM_NAMES.get(str(location[0]), str(location[0]))
    message = str(error.get("msg", ""))
    for fragment, field_name, danish in _BY_MESSAGE:
        if fragment in message:
            return field_name or name, danish
    if error.get("type") == "too_short" and name == "partners":
        return name, "Vælg mindst én partner."
    template = _BY_TYPE.get(str(error.get("type")), "Værdien kan ikke bruges.")
    return name, template.format(**(error.get("ctx") or {}))


def _percent_text(rate: float) -> str:
    return f"{rate * 100:g}".replace(".", ",")
