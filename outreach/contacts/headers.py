"""Match a member list's header row to the canonical fields, in Danish or English.

Matching folds case, spaces and punctuation ("CPR-nr." is "cprnr"). A name may come in parts:
Fornavn, Mellemnavn and Efternavn (or First name / Last name) together become the name, joined
in the order the file has them. A few columns are recognised only to say why they are not used.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence

CANONICAL_FIELDS: tuple[str, ...] = (
    "name",
    "phone",
    "birth_date",
    "cpr",
    "municipality",
    "workplace",
    "education",
    "language",
)
MULTI_COLUMN_FIELDS = frozenset({"name"})  # joined with single spaces, in file order

# Headers recognised per field, in order of preference: with both "Mobil" and "Telefon" in a
# file, the mobile column wins, because the list is for SMS.
_SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("navn", "fulde navn", "fuldt navn", "name", "full name", "medlemsnavn"),
    "phone": (
        "mobil", "mobilnummer", "mobilnr", "mobiltelefon", "mobiltlf", "mobile", "mobile phone",
        "mobile number", "mobile no", "cell", "cell phone", "telefon", "telefonnummer",
        "telefonnr", "tlf", "tlf nr", "phone", "phone number", "phone no", "telephone",
    ),
    "birth_date": (
        "fødselsdato", "fodselsdato", "født", "birth date", "date of birth", "birthday", "dob",
    ),
    "cpr": (
        "cpr", "cpr-nr.", "cpr-nummer", "cpr number", "cpr no", "personnummer",
        "civil registration number",
    ),
    "municipality": (
        "kommune", "bopælskommune", "bopaelskommune", "kommunenr", "kommunenummer",
        "kommunekode", "municipality", "municipality code", "municipality number",
    ),
    "workplace": ("arbejdsplads", "arbejdsgiver", "workplace", "employer"),
    "education": ("uddannelse", "uddannelsesniveau", "højeste uddannelse", "education"),
    "language": ("sprog", "foretrukket sprog", "language", "preferred language"),
}  # fmt: skip

# Parts of a name, used together when the file has no whole-name column.
_NAME_PARTS = (
    "fornavn", "fornavne", "mellemnavn", "mellemnavne", "efternavn", "efternavne",
    "first name", "first names", "given name", "given names", "forename", "middle name",
    "middle names", "last name", "surname", "family name",
)  # fmt: skip

# Columns recognised to say why they are left out; any other unknown column is ignored plainly.
KNOWN_UNUSED: dict[str, tuple[str, ...]] = {
    "not used: invitations go by municipality, not postcode": (
        "postnr", "postnummer", "post nr", "postal code", "postcode", "zip", "zip code",
    ),
    "not used: the town is not needed, the municipality is": ("by", "bynavn", "city", "town"),
    "not stored: the partner's own member number": (
        "medlemsnr", "medlemsnummer", "medlem nr", "member no", "member number", "member id",
    ),
    "not used: no one is written to but by SMS or chat": (
        "adresse", "address", "e-mail", "email", "mail",
    ),
}  # fmt: skip


class MemberFileError(Exception):
    """A member file that cannot be read at all; the message says why."""


def header_key(text: str) -> str:
    """Fold a header for matching: case, spaces and punctuation do not matter."""
    return re.sub(r"[^0-9a-zæøå]", "", unicodedata.normalize("NFKC", text).casefold())


_SYNONYM_KEYS = {name: [header_key(s) for s in words] for name, words in _SYNONYMS.items()}
_NAME_PART_KEYS = frozenset(header_key(s) for s in _NAME_PARTS)
_UNUSED_KEYS = {header_key(s): why for why, words in KNOWN_UNUSED.items() for s in words}


def map_columns(
    headers: Sequence[str], *, mapping: Mapping[str, str] | None = None
) -> dict[str, tuple[int, ...]]:
    """Return {canonical field: column indexes}; an explicit mapping overrides the synonyms."""
    keys = [header_key(h) for h in headers]
    positions = _mapped(keys, mapping or {})
    for name, synonyms in _SYNONYM_KEYS.items():
        if name in positions:
            continue
        taken = {i for indexes in positions.values() for i in indexes}
        free = (keys.index(s) for s in synonyms if s in keys and keys.index(s) not in taken)
        found = next(free, None)
        if found is not None:
            positions[name] = (found,)
        elif name == "name":
            parts = tuple(i for i, k in enumerate(keys) if k in _NAME_PART_KEYS and i not in taken)
            if parts:
                positions[name] = parts
    if "phone" not in positions:
        raise MemberFileError(
            "no phone column found: name it Mobil, Telefon or Phone, or give a mapping"
        )
    return positions


def _mapped(keys: list[str], mapping: Mapping[str, str]) -> dict[str, tuple[int, ...]]:
    """Place the columns an explicit mapping names; several may make up the name."""
    positions: dict[str, tuple[int, ...]] = {}
    for their_header, name in mapping.items():
        if name not in CANONICAL_FIELDS:
            raise MemberFileError(
                f"unknown field '{name}' in the mapping; use one of {', '.join(CANONICAL_FIELDS)}"
            )
        if name in positions and name not in MULTI_COLUMN_FIELDS:
            raise MemberFileError(f"two columns are mapped to '{name}'; only name may take several")
        if header_key(their_header) not in keys:
            raise MemberFileError(f"column '{their_header}' from the mapping is not in the file")
        index = keys.index(header_key(their_header))
        positions[name] = tuple(sorted({*positions.get(name, ()), index}))
    return positions


def unused_reason(header: str) -> str | None:
    """Say why a recognised but unused column is left out; None for an unknown one."""
    return _UNUSED_KEYS.get(header_key(header))
