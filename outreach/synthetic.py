"""Synthetic member lists for demos, load tests and the import's own tests; no real person in them.

The file looks like what a union's Danish spreadsheet exports: semicolons, UTF-8 with BOM, CRLF,
phone numbers typed in mixed styles, a few typos and duplicates.
"""

from __future__ import annotations

import csv
import random
from collections.abc import Sequence
from datetime import date, timedelta
from pathlib import Path

import phonenumbers
from faker import Faker

HEADER = ("Navn", "Mobil", "Fødselsdato", "Kommune", "Arbejdsplads", "Uddannelse", "Sprog")

# Danish mobile number ranges (first two digits); every number drawn is checked with phonenumbers.
_MOBILE_PREFIXES = (
    *range(20, 32), 40, 41, 42, 50, 51, 52, 53, 60, 61, 71, 81, 91, 92, 93,
)  # fmt: skip
_PHONE_STYLES = ("{a} {b} {c} {d}", "+45 {a}{b}{c}{d}", "0045 {a} {b} {c} {d}", "{a}{b}{c}{d}")
# The evaluation's education shares (000): 12 % grundskole, 61 % kort, 26 % lang, 2 % anden
# (rounded there to 101 %), each written as words a member list would use.
_EDUCATION = (
    (12, ("Folkeskole", "Grundskole", "Ufaglært", "Gymnasium")),
    (61, ("Erhvervsuddannelse", "Faglært", "KVU", "Kort videregående uddannelse")),
    (26, ("Professionsbachelor", "Kandidat", "Bachelor", "Mellemlang videregående uddannelse")),
    (2, ("Anden",)),
)
_MIN_AGE, _MAX_AGE = 25, 70
_NEIGHBOUR_SHARE = 0.1


def write_member_csv(
    path: Path,
    *,
    count: int,
    seed: int,
    today: date,
    municipality: str = "Roskilde",
    neighbours: Sequence[str] = ("Lejre", "Køge", "Greve Kommune", "Roskilde Kommune"),
    bad_phone_share: float = 0.02,
    duplicate_share: float = 0.02,
    english_share: float = 0.05,
) -> None:
    """Write `count` member rows, deterministically for a seed, as a Danish spreadsheet would."""
    rng = random.Random(seed)
    fake = Faker("da_DK")
    fake.seed_instance(seed)
    indices = range(1, count)  # the first row is always a fresh, good one
    bad = set(rng.sample(indices, round(count * bad_phone_share)))
    duplicates = set(
        rng.sample([i for i in indices if i not in bad], round(count * duplicate_share))
    )
    used: set[str] = set()
    good: list[list[str]] = []
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, delimiter=";", lineterminator="\r\n")
        writer.writerow(HEADER)
        for index in range(count):
            if index in duplicates:
                writer.writerow(_duplicate(rng.choice(good), rng=rng))
                continue
            phone = _bad_phone(rng) if index in bad else _phone(rng, used=used)
            place = rng.choice(neighbours) if rng.random() < _NEIGHBOUR_SHARE else municipality
            row = _member(fake, rng, phone=phone, place=place, today=today, english=english_share)
            writer.writerow(row)
            if index not in bad:
                good.append(row)


def _member(
    fake: Faker, rng: random.Random, *, phone: str, place: str, today: date, english: float
) -> list[str]:
    """Draw the rest of one member's cells, in HEADER order."""
    return [
        f"{fake.first_name()} {fake.last_name()}",
        phone,
        _birth_date(rng, today=today).strftime("%d-%m-%Y"),
        place,
        fake.company() if rng.random() < 0.8 else "",
        _education(rng),
        _language(rng, english_share=english),
    ]


def _phone(rng: random.Random, *, used: set[str]) -> str:
    """Draw a valid Danish mobile number not used before, written in a random human style."""
    while True:
        digits = f"{rng.choice(_MOBILE_PREFIXES)}{rng.randrange(1_000_000):06d}"
        number = phonenumbers.parse(digits, "DK")
        if digits not in used and phonenumbers.is_valid_number(number):
            used.add(digits)
            return _styled(digits, rng=rng)


def _styled(digits: str, *, rng: random.Random) -> str:
    a, b, c, d = digits[0:2], digits[2:4], digits[4:6], digits[6:8]
    return rng.choice(_PHONE_STYLES).format(a=a, b=b, c=c, d=d)


def _bad_phone(rng: random.Random) -> str:
    """Draw a number a person mistyped: too short, or in the unused 1x range."""
    kind = rng.randrange(3)
    if kind == 0:
        return f"{rng.randrange(10_000):04d}"
    if kind == 1:
        return f"{rng.choice(_MOBILE_PREFIXES)} {rng.randrange(10, 100)} {rng.randrange(10, 100)}"
    return f"1{rng.randrange(10)} {rng.randrange(10, 100)} {rng.randrange(10, 100)} 00"


def _duplicate(row: list[str], *, rng: random.Random) -> list[str]:
    """Repeat a member, with the phone number typed in another style."""
    digits = "".join(ch for ch in row[1] if ch.isdigit())[-8:]
    return [row[0], _styled(digits, rng=rng), *row[2:]]


def _birth_date(rng: random.Random, *, today: date) -> date:
    """Draw a birth date so that the age at `today` is uniform from 25 to 70."""
    latest = _years_before(today, _MIN_AGE)
    earliest = _years_before(today, _MAX_AGE + 1) + timedelta(days=1)
    return earliest + timedelta(days=rng.randrange((latest - earliest).days + 1))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February in a year that has none
        return day.replace(year=day.year - years, day=28)


def _education(rng: random.Random) -> str:
    weights = [share for share, _ in _EDUCATION]
    (_, words) = rng.choices(_EDUCATION, weights=weights)[0]
    return rng.choice(words)


def _language(rng: random.Random, *, english_share: float) -> str:
    if rng.random() < english_share:
        return rng.choice(("Engelsk", "English", "en"))
    return rng.choice(("Dansk", "", "da"))
