"""What the member-list import accepts and returns (API and CLI), and the column mapping it reads.

Unknown fields are refused, never ignored. The campaigns' own schemas are in `outreach.schemas`.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Annotated, Any

from fastapi import UploadFile
from pydantic import BaseModel, Field

from api.schemas import SAFE_TEXT_PATTERN, InputModel, SafeText
from outreach.schemas import Name


class ImportForm(InputModel):
    """A member list to import, as a multipart form."""

    file: UploadFile = Field(description="The member list, CSV or XLSX.")
    partner: Name = Field(
        description="Whose list it is, in any case; created if new (see `municipality`)."
    )
    municipality: SafeText | None = Field(
        default=None,
        description="Name or code of the municipality whose partner a new partner is; a key "
        "limited to a municipality gets its own. For a partner that exists it must agree (409).",
    )
    national: bool = Field(
        default=False,
        description="Create the partner as national (every municipality's campaigns may use "
        "its list): a national key only (403 for a key limited to a municipality).",
    )
    mapping: Annotated[str, Field(max_length=2000, pattern=SAFE_TEXT_PATTERN)] | None = Field(
        default=None,
        description="Unusual headers: 'Their header=phone,Født=birth_date', or a JSON object.",
    )
    confirm_phone_changes: bool = Field(
        default=False,
        description="Move a person whose CPR number matches to the row's new phone number; "
        "without it, such rows come back under `to_confirm` and nothing of them changes.",
    )
    dry_run: bool = Field(
        default=False,
        description="Only read and check the file: report the column mapping, the first rows "
        "as they would be stored and every rejected row, and store nothing.",
    )


class ColumnUsed(BaseModel):
    column: str = Field(description="The header as written in the file.")
    field: str = Field(description="The field it fills; several columns may make up the name.")


class ColumnIgnored(BaseModel):
    column: str
    note: str | None = Field(default=None, description="Why, for a column recognised as unused.")


class ImportPublic(BaseModel):
    imported: int
    updated: int
    unchanged: int
    rejected: list[dict[str, Any]]
    to_confirm: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rows held back for the coordinator to confirm (line and reason).",
    )
    warnings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Rows imported as they are but worth a look (line and reason).",
    )
    columns: list[ColumnUsed] = Field(default_factory=list)
    ignored_columns: list[ColumnIgnored] = Field(default_factory=list)


class ImportRowPreview(BaseModel):
    line: int
    name: str
    phone: str = Field(description="E.164, as stored.")
    birth_date: date | None
    cpr: bool = Field(description="Whether a CPR number is given; never the number.")
    municipality: str | None
    workplace: str | None
    education: str | None
    language: str


class ImportDryRunPublic(BaseModel):
    dry_run: bool = True
    partner: str
    partner_exists: bool = Field(description="False: the import would create the partner.")
    partner_municipality: str | None = Field(
        default=None, description="Whose the partner is (or would be); null: a national partner."
    )
    columns: list[ColumnUsed]
    ignored_columns: list[ColumnIgnored]
    rows: int = Field(description="Data rows read (blank rows skipped).")
    valid: int
    new: int = Field(description="Valid rows with a phone number the store does not know yet.")
    known: int = Field(description="Valid rows with a phone number already in the store.")
    repeated: int = Field(description="Valid rows repeating a phone number earlier in the file.")
    first_rows: list[ImportRowPreview]
    rejected: list[dict[str, Any]]
    warnings: list[dict[str, Any]]


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
