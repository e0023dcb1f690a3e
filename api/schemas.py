"""What every endpoint of the admin API shares: input models, error bodies, safe text.

Conventions for a slice's `schemas.py` and `endpoints.py`:

* A request body is an `InputModel`: it forbids unknown fields, so a field a role may not set
  is a 422 naming the field, never silently dropped. When roles may set different fields, each
  role gets its own model (`BookingUpdateStaff`, `BookingUpdateCoordinator`), each an
  `InputModel`.
* Free text from outside is `SafeText` (or a constrained `str` with `SAFE_TEXT_PATTERN`): no
  control characters, which PostgreSQL refuses (NUL) and logs should never carry.
* Ids in paths and queries are `DbId`: a positive 32-bit integer, so an id too large for the
  database is a 422 and not a 500.
* Every endpoint declares `responses=ERRORS` (or more), a response model, a summary and tags,
  so OpenAPI documents every status it can return; the schemathesis test holds it to that.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

SAFE_TEXT_PATTERN = r"^[^\x00-\x1f\x7f]*$"
DB_INT_MAX = 2**31 - 1


def _encodable(value: str) -> str:
    """Refuse text that is not valid Unicode (a lone surrogate from a JSON escape)."""
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as error:
        raise ValueError("the text is not valid Unicode") from error
    return value


SafeText = Annotated[
    str, Field(max_length=200, pattern=SAFE_TEXT_PATTERN), AfterValidator(_encodable)
]
DbId = Annotated[int, Field(ge=1, le=DB_INT_MAX)]


class InputModel(BaseModel):
    """A request body: unknown fields are an error, never ignored."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ErrorField(BaseModel):
    """One invalid part of a request."""

    field: str = Field(description="Where the problem is, e.g. `query.campaign`.")
    problem: str


class ErrorDetail(BaseModel):
    """What went wrong, for a person and for a program."""

    code: str = Field(description="A stable word, e.g. `not_found`, `invalid_input`.")
    message: str = Field(description="A sentence for the person who made the request.")
    details: list[ErrorField] | None = Field(
        default=None, description="The invalid fields, for `invalid_input`."
    )


class ErrorResponse(BaseModel):
    """Every error the API returns has this body."""

    error: ErrorDetail


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI `responses` entries for these error statuses."""
    return {
        status: {
            "model": ErrorResponse,
            "description": _MEANING[status],
            **_HEADERS.get(status, {}),
        }
        for status in statuses
    }


_MEANING = {
    400: "The request cannot be carried out as it stands.",
    401: "No API key, or an unknown or revoked one.",
    403: "The key's role may not do this.",
    404: "No such object, or it belongs to another municipality than the key's.",
    409: "The request conflicts with the current state.",
    413: "The upload is over a documented size limit.",
    422: "A parameter or field is invalid; `details` names it.",
    429: "Too many requests from this key, or without a valid key from this address.",
    500: "An unexpected error on the server's side.",
}
_HEADERS: dict[int, dict[str, Any]] = {
    429: {
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before the next request will be let through.",
                "schema": {"type": "integer", "minimum": 1},
            }
        }
    }
}
# What any endpoint behind a key can answer besides its success.
ERRORS = error_responses(401, 403, 404, 422, 429, 500)
