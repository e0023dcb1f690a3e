"""The 98 Danish municipalities (since the 2007 reform) and how to recognise them in a member list.

The table lives in `outreach/data/municipalities.csv`: the official three-digit code, the short
name used in the `municipality` table ("København", "Roskilde") and accepted aliases. Christiansø
has a code (411) but is not a municipality, so it is not in the table.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass
from functools import cache, lru_cache
from importlib import resources

from sqlmodel import Session, select

from store.models import Municipality

# Danish letters folded the way Danes write them without a Danish keyboard: Århus = Aarhus.
_DANISH_FOLD = str.maketrans({"å": "aa", "æ": "ae", "ø": "oe"})
_SUFFIXES = frozenset({"kommune", "regionskommune"})
_CODE = re.compile(r"\d{3,4}")  # "265", or the four-digit form "0265" some registers use


@dataclass(frozen=True, slots=True)
class MunicipalityRef:
    """A municipality as the official table knows it."""

    code: str
    name: str


def _key(text: str) -> str:
    """Fold a municipality name to a lookup key: case, æøå, accents, spaces and "Kommune"."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(_DANISH_FOLD)
    ascii_only = "".join(
        c for c in unicodedata.normalize("NFKD", folded) if not unicodedata.combining(c)
    )
    words = re.sub(r"[^a-z0-9]+", " ", ascii_only).split()
    if len(words) > 1 and words[-1] in _SUFFIXES:
        words.pop()
    return "".join(words)


@cache
def _table() -> tuple[dict[str, str], ...]:
    """Read the packaged table once."""
    source = resources.files("store").joinpath("data/municipalities.csv")
    return tuple(csv.DictReader(io.StringIO(source.read_text(encoding="utf-8"), newline="")))


def all_municipalities() -> tuple[MunicipalityRef, ...]:
    """Return the 98 municipalities in code order."""
    return tuple(MunicipalityRef(code=row["code"], name=row["name"]) for row in _table())


@cache
def _index() -> tuple[dict[str, MunicipalityRef], dict[str, MunicipalityRef]]:
    """Build the lookup tables by code and by folded name or alias."""
    by_code: dict[str, MunicipalityRef] = {}
    by_name: dict[str, MunicipalityRef] = {}
    for row in _table():
        ref = MunicipalityRef(code=row["code"], name=row["name"])
        by_code[ref.code] = ref
        for alias in [row["name"], *filter(None, row["aliases"].split("|"))]:
            by_name[_key(alias)] = ref
    return by_code, by_name


@lru_cache(maxsize=4096)
def resolve_municipality(text: str) -> MunicipalityRef | None:
    """Recognise a municipality by name, alias or code; None if it is not one of the 98."""
    by_code, by_name = _index()
    stripped = text.strip()
    if _CODE.fullmatch(stripped):
        return by_code.get(f"{int(stripped):03d}")
    key = _key(stripped)
    return by_name.get(key) if key else None


def ensure_municipality(*, session: Session, ref: MunicipalityRef) -> Municipality:
    """Return the municipality's row, creating it if the store does not have it yet."""
    existing = session.exec(select(Municipality).where(Municipality.code == ref.code)).first()
    if existing is not None:
        return existing
    municipality = Municipality(code=ref.code, name=ref.name)
    session.add(municipality)
    session.flush()
    return municipality
