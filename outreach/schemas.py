"""What the campaign API and CLI accept and return. Unknown fields are refused, never ignored."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Annotated, Any

from fastapi import UploadFile
from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from api.schemas import SAFE_TEXT_PATTERN, InputModel, SafeText
from store.types import Education

TEMPLATE_MAX = 1000  # characters; an invitation should fit in two SMS, far fewer
FIRST_DAY, LAST_DAY = date(2000, 1, 1), date(2100, 12, 31)
MAX_BLACKOUT_DAYS = 366
MAX_BLACKOUTS = 20


def _unicode(value: str) -> str:
    """Refuse text that is not valid Unicode (a lone surrogate from a JSON escape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("the text is not valid Unicode") from error
    return value


# A template may have line breaks; no other control characters.
Template = Annotated[
    str,
    Field(max_length=TEMPLATE_MAX, pattern=r"^[^\x00-\x09\x0b-\x1f\x7f]*$"),
    AfterValidator(_unicode),
]
Name = Annotated[SafeText, Field(min_length=1, max_length=120)]
Phone = Annotated[str, Field(max_length=20, pattern=SAFE_TEXT_PATTERN)]
Day = Annotated[date, Field(ge=FIRST_DAY, le=LAST_DAY)]


class BlackoutPeriod(InputModel):
    """Days, both inclusive, on which the campaign sends nothing of its own accord."""

    first_day: Day
    last_day: Day

    @model_validator(mode="after")
    def _ordered(self) -> BlackoutPeriod:
        if self.last_day < self.first_day:
            raise ValueError("last_day is before first_day")
        if (self.last_day - self.first_day).days >= MAX_BLACKOUT_DAYS:
            raise ValueError(f"a blackout is at most {MAX_BLACKOUT_DAYS} days")
        return self


class _CampaignFields(InputModel):
    """Checks shared by create and update."""

    @field_validator("starts_at", check_fields=False)
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        if value is None:
            return value
        if value.tzinfo is None:
            raise ValueError("give a time zone, e.g. 2027-01-04T09:00:00+01:00")
        if not FIRST_DAY <= value.date() <= LAST_DAY:
            raise ValueError(f"give a start between {FIRST_DAY} and {LAST_DAY}")
        return value

    @field_validator("partners", check_fields=False)
    @classmethod
    def _distinct(cls, value: list[str] | None) -> list[str] | None:
        if value is not None:
            value = list(dict.fromkeys(" ".join(name.split()) for name in value if name.strip()))
            if not value:
                raise ValueError("name at least one partner")
        return value

    @model_validator(mode="after")
    def _ranges(self) -> _CampaignFields:
        age_min, age_max = getattr(self, "age_min", None), getattr(self, "age_max", None)
        if age_min is not None and age_max is not None and age_min > age_max:
            raise ValueError("age_min is above age_max")
        start = getattr(self, "window_start_hour", None)
        end = getattr(self, "window_end_hour", None)
        if start is not None and end is not None and start >= end:
            raise ValueError("window_start_hour must be before window_end_hour")
        return self


class CampaignCreate(_CampaignFields):
    """A new campaign, created as a draft."""

    name: Annotated[SafeText, Field(min_length=1)]
    municipality: SafeText | None = Field(
        default=None, description="Name or code; default: the API key's municipality."
    )
    partners: list[Name] = Field(
        min_length=1, max_length=50, description="Partner names, as imported."
    )
    sender: Annotated[SafeText, Field(min_length=1, max_length=64)] = Field(
        description="Who writes, e.g. Roskilde Kommune."
    )
    help_phone: Phone = ""
    channel: Annotated[SafeText, Field(max_length=16)] = "console"
    age_min: int = Field(default=40, ge=16, le=100)
    age_max: int = Field(default=60, ge=16, le=100)
    education_priority: list[Education] = Field(default_factory=list)
    template_da: Template | None = None
    template_en: Template | None = None
    allow_links: bool = False
    window_start_hour: int = Field(default=9, ge=0, le=23)
    window_end_hour: int = Field(default=18, ge=1, le=24)
    blackouts: list[BlackoutPeriod] = Field(default_factory=list, max_length=MAX_BLACKOUTS)
    daily_limit: int = Field(default=100, ge=1, le=100_000)
    paced: bool = True
    booking_rate_prior: float = Field(default=0.15, gt=0, le=1)
    reinvite_after_days: int = Field(default=90, ge=0, le=3650)
    starts_at: datetime | None = None


class CampaignUpdate(_CampaignFields):
    """Changes to a draft; fields left out stay as they are, null clears a template."""

    name: Annotated[SafeText, Field(min_length=1)] | None = None
    partners: list[Name] | None = Field(default=None, max_length=50)
    sender: Annotated[SafeText, Field(min_length=1, max_length=64)] | None = None
    help_phone: Phone | None = None
    channel: Annotated[SafeText, Field(max_length=16)] | None = None
    age_min: int | None = Field(default=None, ge=16, le=100)
    age_max: int | None = Field(default=None, ge=16, le=100)
    education_priority: list[Education] | None = None
    template_da: Template | None = None
    template_en: Template | None = None
    allow_links: bool | None = None
    window_start_hour: int | None = Field(default=None, ge=0, le=23)
    window_end_hour: int | None = Field(default=None, ge=1, le=24)
    blackouts: list[BlackoutPeriod] | None = Field(default=None, max_length=MAX_BLACKOUTS)
    daily_limit: int | None = Field(default=None, ge=1, le=100_000)
    paced: bool | None = None
    booking_rate_prior: float | None = Field(default=None, gt=0, le=1)
    reinvite_after_days: int | None = Field(default=None, ge=0, le=3650)
    starts_at: datetime | None = None


class MunicipalityPublic(BaseModel):
    code: str
    name: str


class CampaignPublic(BaseModel):
    """A campaign as the API shows it."""

    id: int
    name: str
    status: str
    municipality: MunicipalityPublic
    partners: list[str]
    sender: str
    help_phone: str
    channel: str
    age_min: int
    age_max: int
    education_priority: list[str]
    template_da: str | None
    template_en: str | None
    allow_links: bool
    window_start_hour: int
    window_end_hour: int
    blackouts: list[BlackoutPeriod]
    daily_limit: int
    paced: bool
    booking_rate_prior: float
    reinvite_after_days: int
    starts_at: datetime | None
    created_at: datetime
    launched_at: datetime | None
    paused_at: datetime | None
    ended_at: datetime | None
    invitations: dict[str, int] = Field(
        default_factory=dict, description="Invitations by status: pending, scheduled, done, …"
    )


class TemplatePublic(BaseModel):
    language: str
    source: str  # "campaign" or "default" (the flow's invitation)
    template: str
    encoding: str
    segments: int
    non_gsm_characters: list[str]
    recipients: int
    total_segments: int
    max_segments: int
    ucs2_recipients: int
    cost_dkk: float


class SamplePublic(BaseModel):
    contact: str  # the pseudonym, never a phone number
    language: str
    text: str
    encoding: str
    segments: int


class PreviewPublic(BaseModel):
    """Who a campaign would reach, what it would say, what it would cost."""

    campaign_id: int
    send_date: date
    list_size: int
    targeted: int
    priority_targeted: int
    not_targeted: dict[str, int]
    templates: list[TemplatePublic]
    sample: list[SamplePublic]
    price_per_segment_dkk: float
    cost_dkk: float
    free_slots: int
    expected_bookings: float
    planned_first_day: date | None
    planned_last_day: date | None
    max_recipients: int = Field(description="The most people one campaign may invite.")
    max_cost_dkk: float = Field(description="The most one campaign's invitations may cost.")
    within_caps: bool = Field(description="False: launch will be refused (see `warnings`).")
    warnings: list[str]


class LaunchPublic(BaseModel):
    campaign: CampaignPublic
    invitations: int
    send_date: date


class FunnelPublic(BaseModel):
    campaign_id: int
    counts: dict[str, int]
    conversions: dict[str, float | None]


class ImportForm(InputModel):
    """A member list to import, as a multipart form."""

    file: UploadFile = Field(description="The member list, CSV or XLSX.")
    partner: Name = Field(description="Whose list it is; created if new.")
    mapping: Annotated[str, Field(max_length=2000, pattern=SAFE_TEXT_PATTERN)] | None = Field(
        default=None,
        description="Unusual headers: 'Their header=phone,Født=birth_date', or a JSON object.",
    )


class ImportPublic(BaseModel):
    imported: int
    updated: int
    unchanged: int
    rejected: list[dict[str, Any]]


def parse_mapping(text: str) -> dict[str, str]:
    """Read a column mapping: "Their header=phone,Født=birth_date", or a JSON object."""
    text = text.strip()
    if text.startswith("{"):
        loaded = json.loads(text)
        if not isinstance(loaded, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in loaded.items()
        ):
            raise ValueError("the mapping must be an object of header to field names")
        return loaded
    pairs: dict[str, str] = {}
    for part in text.split(","):
        header, sep, name = part.partition("=")
        if not sep or not header.strip() or not name.strip():
            raise ValueError(f"cannot read '{part.strip()}' in the mapping; write Header=field")
        pairs[header.strip()] = name.strip()
    return pairs
