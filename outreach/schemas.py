"""What the campaign API and CLI accept and return. Unknown fields are refused, never ignored."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, Field, field_validator, model_validator

from api.schemas import SAFE_TEXT_PATTERN, InputModel, SafeText
from store.types import Education

# Nine digits at most: a ten-digit seed can read as a CPR number (DDMMYYSSSS) in a dump or log.
SEED_MAX = 999_999_999

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


MAX_VARIANTS = 4


class VariantIn(InputModel):
    """One invitation text of an experiment; a text left out is the campaign's own."""

    label: Annotated[SafeText, Field(max_length=64)] = ""
    template_da: Template | None = None
    template_en: Template | None = None
    reminder_da: Template | None = Field(default=None, description="The invitation reminder.")
    reminder_en: Template | None = None


def _variant_count(value: list[VariantIn] | None) -> list[VariantIn] | None:
    """An experiment has two to four variants; none is no experiment."""
    if value and not 2 <= len(value) <= MAX_VARIANTS:
        raise ValueError(f"give 2 to {MAX_VARIANTS} variants, or none")
    return value


Variants = Annotated[list[VariantIn], AfterValidator(_variant_count)]


class VariantPublic(BaseModel):
    key: str
    label: str
    template_da: str | None
    template_en: str | None
    reminder_da: str | None
    reminder_en: str | None
    stopped_at: datetime | None


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
    ends_on: Day | None = Field(
        default=None, description="The last local day invitations go out; default: no end."
    )
    variants: Variants = Field(
        default_factory=list, description="2-4 invitation texts to compare (docs/experiments.md)."
    )
    variant_seed: int | None = Field(
        default=None, ge=0, le=SEED_MAX, description="Seed of the assignment; default: drawn."
    )


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
    ends_on: Day | None = None
    variants: Variants | None = None
    variant_seed: int | None = Field(default=None, ge=0, le=SEED_MAX)

    @model_validator(mode="after")
    def _null_only_where_the_row_allows(self) -> CampaignUpdate:
        # Left out means "unchanged"; an explicit null would reach a NOT NULL column.
        for name in sorted(self.model_fields_set - _NULLABLE_ON_UPDATE):
            if getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


_NULLABLE_ON_UPDATE = frozenset(
    {"template_da", "template_en", "starts_at", "ends_on", "variant_seed"}
)

# What may change once a campaign is launched (docs/campaigns.md, "Changing a running campaign").
RUNNING_FIELDS = ("daily_limit", "ends_on", "blackouts", "template_da", "template_en")


class CampaignRunningUpdate(InputModel):
    """Changes to a launched campaign: its pace, its last day and its invitation texts.

    Fields left out stay as they are; null clears the end date or returns a text to the
    flow's default invitation. Everything else stays as the campaign was launched with.
    """

    daily_limit: int | None = Field(default=None, ge=1, le=100_000)
    ends_on: Day | None = None
    blackouts: list[BlackoutPeriod] | None = Field(
        default=None, max_length=MAX_BLACKOUTS, description="The whole new list of blackouts."
    )
    template_da: Template | None = None
    template_en: Template | None = None

    @model_validator(mode="after")
    def _null_only_where_the_row_allows(self) -> CampaignRunningUpdate:
        for name in ("daily_limit", "blackouts"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be null; leave it out to keep it")
        return self


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
    ends_on: date | None = None
    created_at: datetime
    launched_at: datetime | None
    paused_at: datetime | None
    ended_at: datetime | None
    invitations: dict[str, int] = Field(
        default_factory=dict, description="Invitations by status: pending, scheduled, done, …"
    )
    variants: list[VariantPublic] = Field(default_factory=list)
    variant_seed: int | None = None


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


class VariantPreviewPublic(BaseModel):
    """One variant's invitation as its share of the targeted would get it."""

    key: str
    label: str
    templates: list[TemplatePublic]  # priced as if everyone targeted got this variant
    sample: list[SamplePublic]
    reminder: dict[str, str] = Field(default_factory=dict, description="Reminder by language.")
    expected_recipients: float  # targeted / number of variants
    expected_cost_dkk: float


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
    variants: list[VariantPreviewPublic] = Field(default_factory=list)


class LaunchPublic(BaseModel):
    campaign: CampaignPublic
    invitations: int
    send_date: date


class FunnelPublic(BaseModel):
    campaign_id: int
    counts: dict[str, int]
    conversions: dict[str, float | None]
