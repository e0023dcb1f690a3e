"""Keyed pseudonyms: a stable contact id for exports and a match key for CPR numbers.

Both are HMAC-SHA256 under separate secret keys, so neither can be reversed or recomputed by
someone who has the data but not the keys, and the two cannot be linked to each other.
"""

from __future__ import annotations

import base64
import hmac
from typing import Protocol

from cryptography.fernet import Fernet
from pydantic import SecretStr
from stdnum.dk import cpr


class PseudonymKeys(Protocol):
    """The two secrets, as the service's settings carry them."""

    @property
    def pseudonym_key(self) -> SecretStr: ...

    @property
    def cpr_hmac_key(self) -> SecretStr: ...


# 10 base32 characters are 50 bits: a collision among a million contacts has odds of about 1e-3.
_CONTACT_ID_CHARS = 10
_CONTACT_ID_BYTES = 10  # base32 writes 5 bytes as 8 characters: 10 bytes hold the first 16


class Pseudonymizer:
    """Turn phone numbers and CPR numbers into keyed, irreversible identifiers."""

    __slots__ = ("_cpr_cipher", "_cpr_key", "_pseudonym_key")

    def __init__(
        self,
        *,
        pseudonym_key: SecretStr,
        cpr_hmac_key: SecretStr,
        cpr_encryption_key: SecretStr | None = None,
    ) -> None:
        if not pseudonym_key.get_secret_value() or not cpr_hmac_key.get_secret_value():
            raise ValueError("pseudonym keys must not be empty")
        self._pseudonym_key = pseudonym_key.get_secret_value().encode()
        self._cpr_key = cpr_hmac_key.get_secret_value().encode()
        self._cpr_cipher = (
            Fernet(cpr_encryption_key.get_secret_value().encode()) if cpr_encryption_key else None
        )

    @classmethod
    def from_settings(cls, settings: PseudonymKeys) -> Pseudonymizer:
        """Build one from the service's settings."""
        return cls(
            pseudonym_key=settings.pseudonym_key,
            cpr_hmac_key=settings.cpr_hmac_key,
            cpr_encryption_key=getattr(settings, "cpr_encryption_key", None),
        )

    def encrypt_cpr(self, cpr_digits: str) -> str | None:
        """Return the CPR number encrypted (Fernet), or None when no key is configured."""
        if self._cpr_cipher is None:
            return None
        return self._cpr_cipher.encrypt(cpr_digits.replace("-", "").encode()).decode()

    def decrypt_cpr(self, token: str) -> str:
        """Return the CPR number from an encrypted copy (for a citizen's own data export)."""
        if self._cpr_cipher is None:
            raise ValueError("no CPR encryption key is configured")
        return self._cpr_cipher.decrypt(token.encode()).decode()

    def __repr__(self) -> str:
        return "Pseudonymizer(keys hidden)"

    def contact_id(self, phone_e164: str) -> str:
        """Return the short public id for the contact with this E.164 phone number.

        The first characters of the HMAC in base32: they come from its first bytes alone, and
        base64.b32encode, pure Python, of the whole digest was most of this method's time.
        """
        digest = hmac.digest(self._pseudonym_key, phone_e164.encode(), "sha256")
        head = base64.b32encode(digest[:_CONTACT_ID_BYTES]).decode().lower()
        return "c-" + head[:_CONTACT_ID_CHARS]

    def suppression_key(self, phone_e164: str) -> str:
        """Return the hex key under which an erased person's number stays suppressed.

        Another message than `contact_id` under the same key: the suppression list cannot be
        joined to the pseudonyms in earlier exports.
        """
        message = b"suppression:" + phone_e164.encode()
        return hmac.digest(self._pseudonym_key, message, "sha256").hex()

    def cpr_hash(self, cpr_digits: str) -> str:
        """Return the hex match key for a CPR number, written with or without the dash."""
        digits = cpr.compact(cpr_digits)
        if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
            # The value itself is never repeated: it may be a real CPR number with a typo.
            raise ValueError("a CPR number has 10 digits")
        return hmac.digest(self._cpr_key, digits.encode(), "sha256").hex()
