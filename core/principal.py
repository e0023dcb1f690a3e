"""Who calls: a key's role and municipality, and how keys are hashed."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    """What a key may do."""

    COORDINATOR = "coordinator"  # member lists, campaigns, slots
    STAFF = "staff"  # their bookings and outcomes
    EVALUATOR = "evaluator"  # reports, read-only


@dataclass(frozen=True)
class Principal:
    """Who is calling: the key's role and the municipality it is limited to (None: all)."""

    key_id: int
    role: Role
    municipality_id: int | None

    def sees(self, municipality_id: int | None) -> bool:
        """Tell whether this key may see an object of that municipality."""
        return self.municipality_id is None or self.municipality_id == municipality_id


def hash_key(key: str) -> str:
    """Hash a key; keys are 256 random bits, so a fast hash is enough."""
    return hashlib.sha256(key.encode()).hexdigest()
